// Command tuiprobe measures lifeboat's TUI as an operator meets it: it runs
// the real binary under a pseudo-terminal, types what a person would type,
// and times what appears on the screen.
//
//	go build -o /tmp/lifeboat ./cmd/lifeboat
//	go run ./internal/bench/tuiprobe -lifeboat /tmp/lifeboat \
//	    -endpoint http://127.0.0.1:2379 -pod checkout-722v8dfvlw-228dp -label app=checkout
//
// It starts `lifeboat --endpoints URL` (the TUI opens on a terminal) in a
// -size terminal and prints one JSON object on stdout:
//
//   - firstScreenMs: until the table shows its first pod rows (the
//     crumb's "[shown/loaded]" with shown > 0), and loadedAtFirstScreen,
//     the pods loaded by then;
//   - fullyLoadedMs: until the header counts pods, which it does once the
//     pods, nodes and leases are all listed; pods is its count;
//   - textFilterMs: from typing "/<pod>" and Enter, all at once, to the
//     crumb showing the filter's result (textFilterRows); the TUI filters
//     as each key arrives, so this is one filter pass per character;
//   - labelFilterMs: the same for "/l <label>" (labelFilterRows);
//   - peakRssKiB: the process's VmHWM after all of it, just before q.
//
// The output is searched as text with the terminal's escape sequences
// removed: the screen is never emulated. The child is killed on any error
// and after -timeout.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
)

// Result is the JSON object tuiprobe prints.
type Result struct {
	Terminal            string `json:"terminal"`
	FirstScreenMS       int64  `json:"firstScreenMs"`
	LoadedAtFirstScreen int    `json:"loadedAtFirstScreen"`
	FullyLoadedMS       int64  `json:"fullyLoadedMs"`
	Pods                int    `json:"pods"`
	TextFilterMS        int64  `json:"textFilterMs"`
	TextFilterRows      int    `json:"textFilterRows"`
	LabelFilterMS       int64  `json:"labelFilterMs"`
	LabelFilterRows     int    `json:"labelFilterRows"`
	PeakRSSKiB          int64  `json:"peakRssKiB"`
}

func main() {
	bin := flag.String("lifeboat", "", "the lifeboat binary to run (required)")
	endpoint := flag.String("endpoint", "", "etcd endpoint, passed as --endpoints (required)")
	pod := flag.String("pod", "", "text to filter for with /: a pod name (required)")
	label := flag.String("label", "", "label selector to filter by with /l (required)")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up (and kill lifeboat) after this long")
	size := flag.String("size", "200x50", "terminal size, COLSxROWS")
	flag.Parse()
	if *bin == "" || *endpoint == "" || *pod == "" || *label == "" {
		fmt.Fprintln(os.Stderr, "tuiprobe: -lifeboat, -endpoint, -pod and -label are required")
		flag.Usage()
		os.Exit(2)
	}
	var cols, rows uint16
	if _, err := fmt.Sscanf(*size, "%dx%d", &cols, &rows); err != nil {
		fmt.Fprintf(os.Stderr, "tuiprobe: -size %q: want COLSxROWS\n", *size)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := probe(ctx, *bin, *endpoint, *pod, *label, &pty.Winsize{Cols: cols, Rows: rows})
	if err != nil {
		fmt.Fprintf(os.Stderr, "tuiprobe: %v\n", err)
		os.Exit(1)
	}
	res.Terminal = *size
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintf(os.Stderr, "tuiprobe: %v\n", err)
		os.Exit(1)
	}
}

// crumb is the table's "[shown/loaded]" above the rows.
var crumb = regexp.MustCompile(`\[(\d+)/(\d+)\]`)

// podCount is the header's pod count, shown once every base cache is listed.
var podCount = regexp.MustCompile(`pods (\d+): `)

func probe(ctx context.Context, bin, endpoint, pod, label string, size *pty.Winsize) (Result, error) {
	var res Result
	cmd := exec.Command(bin, "--endpoints", endpoint)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=truecolor")
	start := time.Now()
	tty, err := pty.StartWithSize(cmd, size)
	if err != nil {
		return res, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		// Whatever happened, the child does not outlive the probe.
		_ = cmd.Process.Kill()
		tty.Close()
	}()
	out := newScreenLog(tty)
	go out.copy()

	since := func() int64 { return time.Since(start).Milliseconds() }
	// First rows: the crumb counts a shown row.
	m, err := out.waitMatch(ctx, 0, "first pod rows", func(text string) []string {
		for _, m := range crumb.FindAllStringSubmatch(text, -1) {
			if m[1] != "0" {
				return m
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.FirstScreenMS = since()
	res.LoadedAtFirstScreen, _ = strconv.Atoi(m[2])

	m, err = out.waitMatch(ctx, 0, "the header's pod count (every list done)", podCount.FindStringSubmatch)
	if err != nil {
		return res, err
	}
	res.FullyLoadedMS = since()
	res.Pods, _ = strconv.Atoi(m[1])

	res.TextFilterMS, res.TextFilterRows, err = filter(ctx, out, tty, "/"+pod+"\r", "filter: /"+pod)
	if err != nil {
		return res, err
	}
	res.LabelFilterMS, res.LabelFilterRows, err = filter(ctx, out, tty, "/l "+label+"\r", "selector: "+label)
	if err != nil {
		return res, err
	}
	if res.PeakRSSKiB, err = peakRSS(cmd.Process.Pid); err != nil {
		return res, err
	}
	// ctrl+c quits from any screen, as in k9s (q goes back).
	if _, err := io.WriteString(tty, "\x03"); err != nil {
		return res, fmt.Errorf("quit: %w", err)
	}
	select {
	case err := <-exited:
		if err != nil {
			return res, fmt.Errorf("lifeboat exited: %w; screen:\n%s", err, out.tail())
		}
	case <-time.After(10 * time.Second):
		return res, errors.New("lifeboat did not quit within 10s of ctrl+c")
	}
	return res, nil
}

// filter types keys and times the crumb showing what the filter selected;
// Esc clears it again, and the full list is back before it returns.
func filter(ctx context.Context, out *screenLog, tty io.Writer, keys, shown string) (ms int64, rows int, err error) {
	mark := out.len()
	start := time.Now()
	if _, err := io.WriteString(tty, keys); err != nil {
		return 0, 0, fmt.Errorf("type %q: %w", keys, err)
	}
	m, err := out.waitMatch(ctx, mark, "the result of "+strconv.Quote(keys), func(text string) []string {
		// The crumb line: "[shown/loaded] filter: /text".
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, shown) {
				if m := crumb.FindStringSubmatch(line); m != nil {
					return m
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	ms = time.Since(start).Milliseconds()
	rows, _ = strconv.Atoi(m[1])
	mark = out.len()
	if _, err := io.WriteString(tty, "\x1b"); err != nil {
		return 0, 0, fmt.Errorf("esc: %w", err)
	}
	_, err = out.waitMatch(ctx, mark, "the full list after Esc", func(text string) []string {
		for _, m := range crumb.FindAllStringSubmatch(text, -1) {
			if m[1] == m[2] {
				return m
			}
		}
		return nil
	})
	return ms, rows, err
}

// peakRSS is the process's high-water resident set (VmHWM), in KiB.
func peakRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("peak RSS: no VmHWM in /proc/%d/status", pid)
}

// screenLog is everything the terminal received, raw.
type screenLog struct {
	tty     io.ReadWriter
	mu      sync.Mutex
	raw     []byte
	changed chan struct{} // closed and replaced at every read
	err     error
}

func newScreenLog(tty io.ReadWriter) *screenLog {
	return &screenLog{tty: tty, changed: make(chan struct{})}
}

// copy reads the terminal until it closes. It answers the cursor position
// query a terminal would, so nothing in the child waits for a reply.
func (s *screenLog) copy() {
	buf := make([]byte, 64<<10)
	for {
		n, err := s.tty.Read(buf)
		if n > 0 && strings.Contains(string(buf[:n]), "\x1b[6n") {
			_, _ = io.WriteString(s.tty, "\x1b[1;1R")
		}
		s.mu.Lock()
		s.raw = append(s.raw, buf[:n]...)
		if err != nil {
			s.err = err
		}
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (s *screenLog) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.raw)
}

// window bounds how much output each check reads: a few full frames.
const window = 256 << 10

// text is the output received after mark, at most the last window bytes
// of it, without escape sequences; changed is closed by the next read.
func (s *screenLog) text(mark int) (text string, changed <-chan struct{}, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := max(mark, len(s.raw)-window)
	return plainText(s.raw[from:]), s.changed, s.err
}

// plainText drops escape sequences from terminal output. Colours (SGR)
// vanish; every other control sequence (cursor moves, erases) becomes a line
// break, since the renderer moves the cursor between lines, never within
// the text of one.
func plainText(raw []byte) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != 0x1b {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(raw) {
			break
		}
		switch raw[i+1] {
		case '[': // CSI: parameters, then a final byte in 0x40..0x7e
			j := i + 2
			for j < len(raw) && (raw[j] < 0x40 || raw[j] > 0x7e) {
				j++
			}
			if j < len(raw) && raw[j] != 'm' {
				b.WriteByte('\n')
			}
			i = j
		case ']': // OSC: up to BEL or ST
			j := i + 2
			for j < len(raw) && raw[j] != 0x07 && !(raw[j] == 0x1b && j+1 < len(raw) && raw[j+1] == '\\') {
				j++
			}
			if j < len(raw) && raw[j] == 0x1b {
				j++
			}
			i = j
		default: // a two-byte escape
			i++
		}
	}
	return b.String()
}

func (s *screenLog) tail() string {
	text, _, _ := s.text(max(s.len()-8<<10, 0))
	return text
}

// waitMatch waits until match finds something in the output after mark.
func (s *screenLog) waitMatch(ctx context.Context, mark int, what string, match func(string) []string) ([]string, error) {
	for {
		text, changed, err := s.text(mark)
		if m := match(text); m != nil {
			return m, nil
		}
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: terminal closed: %w; screen:\n%s", what, err, s.tail())
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w; screen:\n%s", what, ctx.Err(), s.tail())
		}
	}
}
