package etcdops_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// The paged scans hand their callback every key once, decoded, in key
// order, across many pages; the callback's error stops the scan and is the
// one returned.
func TestScansInOrderAndStopOnError(t *testing.T) {
	store, cli, _ := capsized(t, demo.Options{Malformed: true})
	store.SetRangeLimit(3) // many pages
	defer store.SetRangeLimit(2000)
	ctx := context.Background()
	resp, err := cli.Get(ctx, "/registry/pods/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, kv := range resp.Kvs {
		want = append(want, string(kv.Key))
	}
	if len(want) < 10 {
		t.Fatalf("the demo has %d pods, want at least 10 for several pages", len(want))
	}
	errStop := errors.New("stop here")
	scans := map[string]func(fn func([]etcdops.Item) error) error{
		"ListPages": func(fn func([]etcdops.Item) error) error {
			_, err := store.ListPages(ctx, etcdops.Query{Resource: resource(t, "pods"), AllNamespaces: true}, fn)
			return err
		},
		"ScanItems": func(fn func([]etcdops.Item) error) error {
			_, err := store.ScanItems(ctx, "/registry/pods/", nil, fn)
			return err
		},
	}
	for name, scan := range scans {
		t.Run(name, func(t *testing.T) {
			var got []string
			if err := scan(func(items []etcdops.Item) error {
				for _, it := range items {
					if it.Object == nil && it.DecodeErr == nil && !it.Encrypted() {
						t.Errorf("%s: handed over undecoded", it.Key)
					}
					got = append(got, it.Key)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("keys seen:\n%q\nwant etcd's, in order:\n%q", got, want)
			}

			calls := 0
			err := scan(func([]etcdops.Item) error {
				calls++
				if calls == 2 {
					return errStop
				}
				return nil
			})
			if !errors.Is(err, errStop) || calls != 2 {
				t.Fatalf("callback failing at its 2nd page: err %v after %d calls, want %v after 2", err, calls, errStop)
			}
		})
	}
}
