package regularfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want string // "" when it opens
	}{
		{fifo, "named pipe"},
		{"/dev/zero", "character device"},
		{dir, "directory"},
		{regular, ""},
		{link, ""},
	}
	for _, tt := range tests {
		done := make(chan error, 1)
		go func() {
			_, err := Read(tt.path, 100)
			done <- err
		}()
		select {
		case err := <-done:
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("%s: %v", tt.path, err)
			case tt.want != "" && (!errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("%s: %v, want it refused as %s", tt.path, err, tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Read blocked", tt.path)
		}
	}
	if _, err := Read(regular, 9); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a 10-byte file read with a bound of 9: %v, want ErrTooLarge", err)
	}
	if b, err := Read(regular, 10); err != nil || string(b) != "0123456789" {
		t.Errorf("a 10-byte file read with a bound of 10: %q, %v", b, err)
	}
}
