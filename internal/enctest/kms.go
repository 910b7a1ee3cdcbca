package enctest

import (
	"context"
	"crypto/aes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
	"k8s.io/kms/pkg/service"
)

// Plugin is a KMS v2 plugin: it wraps kube-apiserver's data keys with a key
// of its own (AES-GCM, kube-apiserver's transformer), as a cloud KMS would.
type Plugin struct {
	Name   string
	Socket string
	keyID  string

	mu   sync.Mutex
	kek  value.Transformer
	grpc *service.GRPCService
	done chan error
}

// StartKMS serves a KMS v2 plugin on a unix socket in a short temporary
// directory (socket paths are limited to 108 bytes); it stops with the test.
func StartKMS(t testing.TB, name string) *Plugin {
	t.Helper()
	dir, err := os.MkdirTemp("", "kms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	block, err := aes.NewCipher(randomKey(t))
	if err != nil {
		t.Fatal(err)
	}
	kek, err := aestransformer.NewGCMTransformer(block)
	if err != nil {
		t.Fatal(err)
	}
	p := &Plugin{Name: name, Socket: filepath.Join(dir, "kms.sock"), keyID: "key-" + name, kek: kek}
	p.Start(t)
	t.Cleanup(p.Stop)
	return p
}

// Endpoint is the plugin's address as an EncryptionConfiguration names it.
func (p *Plugin) Endpoint() string { return "unix://" + p.Socket }

// Provider is the EncryptionConfiguration entry for the plugin.
func (p *Plugin) Provider() Provider { return KMS(p.Name, p.Endpoint(), "v2") }

// Start serves the plugin (again, after Stop) and waits until it answers.
func (p *Plugin) Start(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	os.Remove(p.Socket)
	p.grpc = service.NewGRPCService(p.Socket, 3*time.Second, p)
	p.done = make(chan error, 1)
	srv := p.grpc
	done := p.done
	p.mu.Unlock()
	go func() { done <- srv.ListenAndServe() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(p.Socket); err == nil {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("kms plugin %s: %v", p.Name, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kms plugin %s: no socket at %s", p.Name, p.Socket)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop stops serving: the plugin is unreachable until Start.
func (p *Plugin) Stop() {
	p.mu.Lock()
	srv := p.grpc
	p.grpc = nil
	p.mu.Unlock()
	if srv != nil {
		srv.Close()
		os.Remove(p.Socket)
	}
}

// Encrypt implements service.Service.
func (p *Plugin) Encrypt(ctx context.Context, _ string, data []byte) (*service.EncryptResponse, error) {
	out, err := p.kek.TransformToStorage(ctx, data, value.DefaultContext(p.keyID))
	if err != nil {
		return nil, err
	}
	return &service.EncryptResponse{Ciphertext: out, KeyID: p.keyID}, nil
}

// Decrypt implements service.Service.
func (p *Plugin) Decrypt(ctx context.Context, _ string, req *service.DecryptRequest) ([]byte, error) {
	if req.KeyID != p.keyID {
		return nil, errors.New("unknown key id " + req.KeyID)
	}
	out, _, err := p.kek.TransformFromStorage(ctx, req.Ciphertext, value.DefaultContext(p.keyID))
	return out, err
}

// Status implements service.Service.
func (p *Plugin) Status(context.Context) (*service.StatusResponse, error) {
	return &service.StatusResponse{Version: "v2", Healthz: "ok", KeyID: p.keyID}, nil
}
