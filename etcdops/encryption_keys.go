package etcdops

import (
	"context"
	"errors"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// proveSample is how many of a resource's encrypted values proveKeys
// tries: the first that decrypts proves the config.
const proveSample = 64

// proveKeys says why lifeboat must not encrypt a value of res with its
// encryption config: a config whose key is named like the cluster's but is
// another key would write values kube-apiserver cannot decrypt (it then
// fails to list the whole resource). So before the first write of a
// resource, its values in etcd that name the key lifeboat would write with
// are tried: one that decrypts proves the key the cluster's; if some name
// it and none decrypts, nothing is written. Values of other keys say
// nothing of this one, and with none to try there is nothing to disagree
// with. The answer is kept for the store's life.
func (s *Store) proveKeys(ctx context.Context, res Resource) error {
	gr := groupResource(KeyInfo{Resource: res})
	if v, ok := s.keysProven.Load(gr); ok {
		err, _ := v.(error)
		return err
	}
	w := s.crypt.writer(gr)
	if w.kind == "identity" {
		return nil
	}
	tried := 0
	var failed error
	_, err := s.scanPages(ctx, s.layout.ResourcePrefix(res), func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			enc, perr := codec.ParseEncryption(kv.Value)
			if perr != nil || enc.Provider != w.kind || enc.KeyName != w.name {
				continue
			}
			tried++
			if _, derr := s.crypt.decrypt(ctx, gr, string(kv.Key), kv.Value); derr == nil {
				failed = nil
				return errStopScan
			} else if failed == nil {
				failed = fmt.Errorf("%s: %w", kv.Key, derr)
			}
			if tried >= proveSample {
				return errStopScan
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return err // etcd: asked again at the next write
	}
	var verdict error
	if failed != nil {
		verdict = fmt.Errorf("the encryption config %s names %s, which encrypted %d of the %s in etcd, and decrypts none of them (%v): it is another key of that name, not this cluster's kube-apiserver's; nothing is written, since the apiserver could not decrypt it",
			s.crypt.path, w, tried, res, failed)
	}
	s.keysProven.Store(gr, verdict)
	return verdict
}
