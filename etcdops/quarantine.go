package etcdops

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-k8s/lifeboat/codec"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// Quarantine moves a value kube-apiserver cannot read out of its way: one
// such value under a resource's prefix makes every LIST of the resource
// fail, and with it the apiserver's watch cache and every controller that
// lists it. It takes two writes: the copy, then the delete.
const (
	QuarantineCopy   Action = "quarantine-copy"
	QuarantineDelete Action = "quarantine-delete"
)

// QuarantinePrefix is where quarantined values go: outside every
// --etcd-prefix, so no apiserver reads them, with the original key after
// it (/lifeboat-quarantine/registry/pods/default/poison).
const QuarantinePrefix = "/lifeboat-quarantine"

// QuarantineKey is where the value of key goes.
func QuarantineKey(key string) string { return QuarantinePrefix + key }

// quarantinedFrom is the original key of a quarantine key.
func quarantinedFrom(key string) (string, bool) {
	orig, ok := strings.CutPrefix(key, QuarantinePrefix)
	return orig, ok && strings.HasPrefix(orig, "/")
}

// QuarantinePlan moves values in two single-key steps, each kube-apiserver's
// own Txn shape (kine serves no other): Copies creates each value, with its
// lease, under QuarantinePrefix (Create: the copy's key must not exist);
// Deletes then removes each original, only while it still holds the bytes
// copied (OptimisticDelete on the mod_revision read). Both are journaled,
// so undo puts the value back and removes the copy.
type QuarantinePlan struct {
	Copies, Deletes *Plan
	// Reasons say, per key, why kube-apiserver cannot read the value.
	Reasons []string
}

// PlanQuarantine reads each key and plans its move. Only values the
// apiserver cannot read are moved (malformed, or not what it stores under
// the resource): a readable object is refused, and so is an encrypted one,
// which the apiserver reads with its key.
func (s *Store) PlanQuarantine(ctx context.Context, keys []string) (*QuarantinePlan, error) {
	p := &QuarantinePlan{Copies: &Plan{Operation: Operation{Action: QuarantineCopy}}, Deletes: &Plan{Operation: Operation{Action: QuarantineDelete}}}
	for _, key := range keys {
		info, ok := s.layout.Parse(key)
		if !ok {
			return nil, &UsageError{Err: fmt.Errorf("%s is not an object's key under --prefix %s: give the key as 'lifeboat doctor' or 'lifeboat ls' prints it", key, s.layout.Prefix)}
		}
		rec, found, err := s.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, &NotFoundError{Key: key, What: info}
		}
		reason, err := s.unreadable(info, rec)
		if err != nil {
			return nil, err
		}
		qkey := QuarantineKey(key)
		existing, exists, err := s.Get(ctx, qkey)
		if err != nil {
			return nil, err
		}
		copied := Change{KeyInfo: info, Action: QuarantineCopy, Before: Record{Key: qkey}, After: rec.Raw(), Lease: rec.Lease}
		switch {
		case exists && bytes.Equal(existing.Raw(), rec.Raw()):
			copied.Before, copied.After = existing, nil // copied already: only the delete is left
		case exists:
			return nil, &UsageError{Err: fmt.Errorf("%s: %s already holds another quarantined value: inspect it ('etcdctl get %s --print-value-only | lifeboat decode') and move it away first", info, qkey, qkey)}
		}
		deleted := Change{KeyInfo: info, Action: QuarantineDelete, Before: rec, After: []byte{}, Lease: rec.Lease, expect: rec.Raw()}
		p.Copies.add(copied)
		p.Deletes.add(deleted)
		p.Reasons = append(p.Reasons, reason)
	}
	return p, nil
}

// unreadable says why kube-apiserver cannot read a value under info's
// resource, or refuses to quarantine a value it can read. An encrypted value
// is unreadable only when kube-apiserver's own encryption config, given to
// lifeboat, cannot decrypt it; without the config lifeboat cannot tell.
func (s *Store) unreadable(info KeyInfo, rec Record) (string, error) {
	if rec.DecryptErr != nil {
		return rec.DecryptErr.Error(), nil
	}
	obj, err := DecodeStored(info.Resource, rec.Value)
	switch {
	case err != nil:
		return err.Error(), nil
	case obj.Format == codec.FormatEncrypted:
		return "", &UsageError{Err: fmt.Errorf("%s is encrypted at rest (%s): kube-apiserver may read it with its key, so quarantine leaves it; pass --encryption-config FILE (its --encryption-provider-config) to check", info, obj.Encryption)}
	}
	return "", &UsageError{Err: fmt.Errorf("%s decodes as %s %s: kube-apiserver can read it, so quarantine leaves it (repair it, or see 'lifeboat doctor')", info, obj.APIVersion, obj.Kind)}
}

// ApplyQuarantine copies every value, then deletes each original whose copy
// is in place; an original whose copy failed is left where it is. Results
// come copies first, then deletes, in plan order.
func (s *Store) ApplyQuarantine(ctx context.Context, p *QuarantinePlan, opts ApplyOptions) ([]Result, error) {
	copies, err := s.Apply(ctx, p.Copies, opts)
	if err != nil {
		return copies, err
	}
	deletes := &Plan{Operation: p.Deletes.Operation, Revision: p.Deletes.Revision}
	for i, c := range p.Deletes.Changes {
		if r := copies[i]; r.Err != nil {
			c.After = nil
			c.Skip = fmt.Errorf("%s: left in place: its copy to %s failed: %w", c.KeyInfo, p.Copies.Changes[i].Before.Key, r.Err)
		}
		deletes.Changes = append(deletes.Changes, c)
	}
	results, err := s.Apply(ctx, deletes, opts)
	return append(copies, results...), err
}

// Quarantined is one value under QuarantinePrefix.
type Quarantined struct {
	Key         string // where it is now
	Original    string // where it was
	Size        int
	ModRevision int64 // when it was quarantined
	Lease       int64
	// OriginalExists says whether something was written at the original
	// key since (undo would then leave the copy where it is).
	OriginalExists bool
}

// ListQuarantined lists what is quarantined under this store's prefix.
func (s *Store) ListQuarantined(ctx context.Context) ([]Quarantined, error) {
	var out []Quarantined
	_, err := s.scanPages(ctx, QuarantineKey(s.layout.prefix()+"/"), func(page []*mvccpb.KeyValue) error {
		for _, kv := range page {
			key := string(kv.Key)
			orig, _ := quarantinedFrom(key)
			out = append(out, Quarantined{Key: key, Original: orig, Size: len(kv.Value), ModRevision: kv.ModRevision, Lease: kv.Lease})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		_, found, err := s.Get(ctx, out[i].Original)
		if err != nil {
			return nil, err
		}
		out[i].OriginalExists = found
	}
	return out, nil
}
