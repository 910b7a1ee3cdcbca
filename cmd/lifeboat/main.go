// Command lifeboat reads and repairs Kubernetes objects straight in etcd when
// the control plane is down. This package only wires the command line to
// package etcdops (the engine) and package tui.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/journal"
	"github.com/lifeboat-k8s/lifeboat/render"
	"golang.org/x/term"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/klog/v2"
)

// Exit codes, as the README documents them.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitPartial  = 3 // a conflict, keys skipped or failed, or values read that do not decode
	exitSignaled = 130
)

func main() {
	quietKubernetesLibraries()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopProfiles := startProfiles()
	code := run(ctx, os.Args, stdio())
	stopProfiles()
	os.Exit(code)
}

// streams are the process's standard files and what they are connected to.
type streams struct {
	in                    io.Reader
	out, err              io.Writer
	inTTY, outTTY, errTTY bool
	now                   func() time.Time
}

func stdio() streams {
	return streams{
		in: os.Stdin, out: os.Stdout, err: os.Stderr,
		inTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		outTTY: term.IsTerminal(int(os.Stdout.Fd())),
		errTTY: term.IsTerminal(int(os.Stderr.Fd())),
		now:    time.Now,
	}
}

// run executes one command line and returns the exit code. Every error is
// printed here, once, on one line.
func run(ctx context.Context, args []string, std streams) int {
	if std.now == nil {
		std.now = time.Now
	}
	root := newApp(std)
	err := root.Run(ctx, args)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	var partial *partialError
	if !errors.As(err, &partial) || partial.msg != "" {
		fmt.Fprintf(std.err, "lifeboat: %s\n", render.Line(err.Error()))
	}
	if ctx.Err() != nil && code == exitError {
		return exitSignaled
	}
	return code
}

// partialError ends a command that did its work but left keys undone
// (conflicts, skips): exit 3. The per-key reasons were already printed.
type partialError struct{ msg string }

func (e *partialError) Error() string { return e.msg }

// usageError marks bad command-line input: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

func exitCode(err error) int {
	var usage *usageError
	var engineUsage *etcdops.UsageError
	var journalUsage *journal.UsageError
	var partial *partialError
	switch {
	case errors.As(err, &partial):
		return exitPartial
	case errors.As(err, &usage), errors.As(err, &engineUsage), errors.As(err, &journalUsage):
		return exitUsage
	}
	return exitError
}

// warn prints one warning on stderr. Warnings carry keys, names and
// errors about values: render.Line makes them one terminal-safe line.
func warn(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "warning: %s\n", render.Line(fmt.Sprintf(format, args...)))
}

// quietKubernetesLibraries sets up, for this process, what kube-apiserver's
// own encryption code expects of the process it runs in. A config naming a
// KMS v1 plugin loads only with the KMSv1 feature gate on, which
// kube-apiserver needed too to start with it: lifeboat reads that config
// and accepts what the apiserver accepted (it never writes through KMS v1).
// Those libraries log through klog; lifeboat reports their errors itself.
func quietKubernetesLibraries() {
	// klog copies errors to stderr whatever its output (stderrthreshold):
	// the encryption transformers log every value they fail to decrypt.
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for name, value := range map[string]string{"logtostderr": "false", "alsologtostderr": "false", "stderrthreshold": "FATAL"} {
		_ = fs.Set(name, value)
	}
	klog.SetOutput(io.Discard)
	_ = utilfeature.DefaultMutableFeatureGate.Set(string(features.KMSv1) + "=true")
}
