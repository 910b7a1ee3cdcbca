package etcdops_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// TestLoadEncryptionReadsOnlyAConfigFile: LoadEncryption refuses, at once
// and naming it, what cannot be an EncryptionConfiguration: a named pipe
// (which would block it, and kube-apiserver's loader after it, forever), a
// device (never ending), a file over 1 MiB.
func TestLoadEncryptionReadsOnlyAConfigFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", 1<<20)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{fifo, "named pipe"},
		// /dev/null, not /dev/zero: a regression reads it to its end at
		// once, instead of until the test's memory runs out.
		{"/dev/null", "character device"},
		{big, "larger than 1 MiB"},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := etcdops.LoadEncryption(context.Background(), tc.path)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want it refused, naming it, as %s", tc.path, err, tc.want)
			}
		case <-time.After(10 * time.Second):
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close() // lets the blocked open go
			}
			t.Errorf("%s: no answer in 10s", tc.path)
		}
	}
}
