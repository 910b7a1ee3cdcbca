package etcdops

import (
	"bytes"
	"context"
	"fmt"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"github.com/lifeboat-k8s/lifeboat/internal/regularfile"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"k8s.io/apiserver/pkg/server/options/encryptionconfig"
	"k8s.io/apiserver/pkg/storage/value"
	"sigs.k8s.io/yaml"
)

// Encryption is kube-apiserver's encryption at rest, loaded from the
// EncryptionConfiguration file it is started with
// (--encryption-provider-config) by kube-apiserver's own code: the same
// transformers decrypt what it wrote and encrypt what lifeboat writes, with
// the etcd key as authenticated data, as its storage layer does
// (k8s.io/apiserver pkg/storage/etcd3/store.go). lifeboat has no crypto of
// its own.
type Encryption struct {
	path         string
	transformers encryptionconfig.StaticTransformers
	// first is each configured resource's first provider: the one
	// kube-apiserver writes with.
	first map[schema.GroupResource]provider
	// stop ends the KMS v2 plugins' probes.
	stop context.CancelFunc
}

// provider describes one entry of an EncryptionConfiguration's providers.
type provider struct {
	kind string // identity, aescbc, aesgcm, secretbox, kms
	name string // the first key's name, or the KMS plugin's
	kms  string // the KMS API version: "v1" or "v2"
}

func (p provider) String() string {
	switch {
	case p.kind == "kms":
		return fmt.Sprintf("kms %s plugin %q", p.kms, p.name)
	case p.name != "":
		return fmt.Sprintf("%s key %q", p.kind, p.name)
	}
	return p.kind
}

// maxEncryptionConfig bounds the EncryptionConfiguration read: one with
// dozens of resources and keys is a few KiB.
const maxEncryptionConfig = 1 << 20

// LoadEncryption reads an EncryptionConfiguration as kube-apiserver does.
// KMS v2 plugins are asked for their key once here; one that does not answer
// is asked again in the background, and until it answers its values are
// shown encrypted and never written. The probes run until Close.
func LoadEncryption(ctx context.Context, path string) (*Encryption, error) {
	// Read as a regular file of a bounded size: a named pipe would block
	// here, and kube-apiserver's loader below, forever; a device would be
	// read until memory runs out. The loader reads the path again itself
	// (it takes no bytes): it finds what was checked here a moment ago.
	data, err := regularfile.Read(path, maxEncryptionConfig)
	if err != nil {
		return nil, fmt.Errorf("--encryption-config: %w", err)
	}
	var cfg apiserverv1.EncryptionConfiguration
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("--encryption-config %s: %w: pass the file kube-apiserver's --encryption-provider-config names", path, err)
	}
	// The probes outlive the command's context: they stop with Close.
	probeCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	loaded, err := encryptionconfig.LoadEncryptionConfig(probeCtx, path, false, "lifeboat")
	if err != nil {
		stop()
		return nil, fmt.Errorf("--encryption-config %s: %w", path, err)
	}
	e := &Encryption{path: path, transformers: loaded.Transformers, first: map[schema.GroupResource]provider{}, stop: stop}
	for _, rc := range cfg.Resources {
		if len(rc.Providers) == 0 {
			continue
		}
		p := describeProvider(rc.Providers[0])
		for _, r := range rc.Resources {
			gr := schema.ParseGroupResource(r)
			if _, seen := e.first[gr]; !seen {
				e.first[gr] = p
			}
		}
	}
	return e, nil
}

func describeProvider(pc apiserverv1.ProviderConfiguration) provider {
	switch {
	case pc.AESCBC != nil && len(pc.AESCBC.Keys) > 0:
		return provider{kind: "aescbc", name: pc.AESCBC.Keys[0].Name}
	case pc.AESGCM != nil && len(pc.AESGCM.Keys) > 0:
		return provider{kind: "aesgcm", name: pc.AESGCM.Keys[0].Name}
	case pc.Secretbox != nil && len(pc.Secretbox.Keys) > 0:
		return provider{kind: "secretbox", name: pc.Secretbox.Keys[0].Name}
	case pc.KMS != nil:
		version := pc.KMS.APIVersion
		if version == "" {
			version = "v1" // kube-apiserver's default (apiserver.config.k8s.io/v1 defaults.go)
		}
		return provider{kind: "kms", name: pc.KMS.Name, kms: version}
	}
	return provider{kind: "identity"}
}

// Close stops the KMS plugins' probes.
func (e *Encryption) Close() {
	if e != nil {
		e.stop()
	}
}

// Path is the configuration file.
func (e *Encryption) Path() string { return e.path }

// writer is the provider kube-apiserver writes gr with: the first of the
// most specific rule, as its transformerFromOverrides picks it; identity
// when no rule names gr.
func (e *Encryption) writer(gr schema.GroupResource) provider {
	for _, candidate := range []schema.GroupResource{gr, {Group: gr.Group, Resource: "*"}, {Group: "*", Resource: "*"}} {
		if p, ok := e.first[candidate]; ok {
			return p
		}
	}
	return provider{kind: "identity"}
}

// decrypt turns a value stored under key into the plaintext kube-apiserver
// decodes.
func (e *Encryption) decrypt(ctx context.Context, gr schema.GroupResource, key string, stored []byte) ([]byte, error) {
	plain, _, err := e.transformers.TransformerForResource(gr).TransformFromStorage(ctx, stored, value.DefaultContext(key))
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt with %s: %w", e.path, err)
	}
	return plain, nil
}

// encrypt turns plaintext into what kube-apiserver would store under key:
// encrypted by the first provider configured for gr, or unchanged where
// that is identity.
func (e *Encryption) encrypt(ctx context.Context, gr schema.GroupResource, key string, plain []byte) ([]byte, error) {
	p := e.writer(gr)
	if p.kind == "kms" && p.kms != "v2" {
		return nil, errKMSv1(e.path, gr, p)
	}
	stored, err := e.transformers.TransformerForResource(gr).TransformToStorage(ctx, plain, value.DefaultContext(key))
	if err != nil {
		return nil, fmt.Errorf("cannot encrypt with %s (%s) as kube-apiserver would: %w", e.path, p, err)
	}
	return stored, nil
}

func errKMSv1(path string, gr schema.GroupResource, p provider) error {
	return fmt.Errorf("%s writes %s with %s: KMS v1 is deprecated and lifeboat never writes through it (move the cluster to KMS v2, or write with kube-apiserver)", path, grString(gr), p)
}

func grString(gr schema.GroupResource) string {
	if gr.Group == "" {
		return gr.Resource
	}
	return gr.Resource + "." + gr.Group
}

// groupResource is the resource kube-apiserver looks the transformer up by:
// the resource's plural and group, whatever its key segment ("minions"
// is nodes).
func groupResource(info KeyInfo) schema.GroupResource {
	return schema.GroupResource{Group: info.Resource.Group, Resource: info.Resource.Name}
}

// open replaces an encrypted value with its plaintext when the store has
// the encryption config, keeping the stored bytes in rec.Stored: writes
// compare and journal what etcd holds; everything else reads the object.
// A value that cannot be decrypted stays as it is, with the reason in
// rec.DecryptErr.
func (s *Store) open(ctx context.Context, rec *Record) {
	if s.crypt == nil || rec.Stored != nil || rec.DecryptErr != nil || codec.DetectFormat(rec.Value) != codec.FormatEncrypted {
		return
	}
	info, ok := s.layout.Parse(rec.Key)
	if !ok {
		return
	}
	plain, err := s.crypt.decrypt(ctx, groupResource(info), rec.Key, rec.Value)
	if err != nil {
		rec.DecryptErr = err
		return
	}
	rec.Stored, rec.Value = rec.Value, plain
}

// openValue is open for a value from elsewhere (a journal's before-image).
func (s *Store) openValue(ctx context.Context, key string, v []byte) ([]byte, error) {
	rec := Record{Key: key, Value: v}
	s.open(ctx, &rec)
	return rec.Value, rec.DecryptErr
}

// seal works out the bytes a change writes: its new value encrypted as
// kube-apiserver would store it under the key. A value already encrypted
// (a quarantined copy going back) is written as it is, and so is every
// value when lifeboat has no encryption config, as before. An error means
// the change must not be written.
func (s *Store) seal(ctx context.Context, c *Change) error {
	if !c.Changed() || c.stored != nil || s.crypt == nil || codec.DetectFormat(c.After) == codec.FormatEncrypted {
		return nil
	}
	info, ok := s.layout.Parse(c.Before.Key)
	if !ok {
		return nil // lifeboat's own keys (quarantine copies) are not resources
	}
	if c.deletes() {
		// Undo re-creates what is deleted: only where lifeboat can write.
		if p := s.crypt.writer(groupResource(info)); p.kind == "kms" && p.kms != "v2" {
			return fmt.Errorf("%s: not deleted, since undo could not re-create it: %w", c.KeyInfo, errKMSv1(s.crypt.path, groupResource(info), p))
		}
		return nil
	}
	stored, err := s.crypt.encrypt(ctx, groupResource(info), c.Before.Key, c.After)
	if err != nil {
		return fmt.Errorf("%s: %w", c.KeyInfo, err)
	}
	// The key encrypts: is it the cluster's?
	if err := s.proveKeys(ctx, info.Resource); err != nil {
		return fmt.Errorf("%s: %w", c.KeyInfo, err)
	}
	if !bytes.Equal(stored, c.After) {
		c.stored = stored
	}
	return nil
}

// sealAll seals a page of planned changes; a change that cannot be sealed
// is skipped with the reason, so the preview shows it and nothing of it is
// written.
func (s *Store) sealAll(ctx context.Context, changes []Change) {
	if s.crypt == nil {
		return
	}
	for i := range changes {
		if err := s.seal(ctx, &changes[i]); err != nil {
			changes[i].Skip = err
		}
	}
}

// encryptedReason says why an encrypted value is left alone.
func encryptedReason(rec Record) string {
	if rec.DecryptErr != nil {
		return rec.DecryptErr.Error()
	}
	return "lifeboat cannot read or write it without kube-apiserver's encryption config: pass --encryption-config FILE (the file its --encryption-provider-config names)"
}
