package etcdops

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/lifeboat-k8s/lifeboat/internal/embedetcd"
)

// chunked splits b into buffers at the given offsets, as frames arrive.
func chunked(b []byte, cuts ...int) mem.BufferSlice {
	var s mem.BufferSlice
	last := 0
	for _, c := range cuts {
		c = min(max(c, last), len(b))
		s = append(s, mem.SliceBuffer(b[last:c]))
		last = c
	}
	return append(s, mem.SliceBuffer(b[last:]))
}

// decodeBoth reads data with gRPC's codec and with rangeCodec.
func decodeBoth(t *testing.T, data mem.BufferSlice) (want, got *etcdserverpb.RangeResponse, wantErr, gotErr error) {
	t.Helper()
	std := encoding.GetCodecV2(grpcproto.Name)
	want, got = &etcdserverpb.RangeResponse{}, &etcdserverpb.RangeResponse{Count: 99}
	wantErr = std.Unmarshal(data, want)
	gotErr = rangeCodec{proto: std}.Unmarshal(data, got)
	return want, got, wantErr, gotErr
}

func TestRangeCodecReadsWhatGRPCReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	value := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	unknownKV := (&mvccpb.KeyValue{Key: []byte("/registry/pods/a/b"), Value: []byte("v"), ModRevision: 7}).Marshal
	withUnknown, _ := unknownKV()
	withUnknown = protowire.AppendTag(withUnknown, 9, protowire.VarintType)
	withUnknown = protowire.AppendVarint(withUnknown, 42)

	tests := []struct {
		name string
		resp *etcdserverpb.RangeResponse
		// extra is appended to the marshaled reply: fields this
		// reader leaves to the generated code.
		extra []byte
	}{
		{name: "empty", resp: &etcdserverpb.RangeResponse{}},
		{name: "count only", resp: &etcdserverpb.RangeResponse{Header: &etcdserverpb.ResponseHeader{Revision: 12, ClusterId: 1, MemberId: 2, RaftTerm: 3}, Count: 20000}},
		{name: "empty key and value", resp: &etcdserverpb.RangeResponse{Kvs: []*mvccpb.KeyValue{{Key: []byte{}, Value: []byte{}}, {}}}},
		{name: "negative lease", resp: &etcdserverpb.RangeResponse{Kvs: []*mvccpb.KeyValue{{Key: []byte("k"), Lease: -1, Version: -5}}}},
		{name: "unknown field in a pair", extra: protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), withUnknown),
			resp: &etcdserverpb.RangeResponse{Header: &etcdserverpb.ResponseHeader{Revision: 3}}},
		{name: "unknown field in the reply", extra: protowire.AppendVarint(protowire.AppendTag(nil, 15, protowire.VarintType), 1),
			resp: &etcdserverpb.RangeResponse{Kvs: []*mvccpb.KeyValue{{Key: []byte("k"), Value: []byte("v")}}}},
	}
	page := &etcdserverpb.RangeResponse{Header: &etcdserverpb.ResponseHeader{Revision: 1 << 40}, More: true, Count: 150000}
	for i := range 300 {
		page.Kvs = append(page.Kvs, &mvccpb.KeyValue{Key: fmt.Appendf(nil, "/registry/pods/ns-%d/pod-%d", i%7, i),
			Value: value(rng.IntN(12000)), CreateRevision: int64(rng.Uint32()), ModRevision: int64(rng.Uint64() >> 1),
			Version: int64(rng.IntN(50)), Lease: int64(rng.IntN(3))})
	}
	tests = append(tests, struct {
		name  string
		resp  *etcdserverpb.RangeResponse
		extra []byte
	}{name: "a page of pods", resp: page})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.resp.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, tt.extra...)
			// Whole, cut at every byte of the first 40, and at random
			// places the size of HTTP/2 frames and smaller.
			splits := [][]int{nil}
			for c := range min(40, len(b)) {
				splits = append(splits, []int{c})
			}
			for range 20 {
				var cuts []int
				for c := 0; c < len(b); c += 1 + rng.IntN(16384) {
					cuts = append(cuts, c)
				}
				splits = append(splits, cuts)
			}
			for _, cuts := range splits {
				want, got, wantErr, gotErr := decodeBoth(t, chunked(b, cuts...))
				if wantErr != nil || gotErr != nil {
					t.Fatalf("cuts %v: errors: gRPC's %v, rangeCodec's %v", cuts, wantErr, gotErr)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("cuts %v: rangeCodec read\n%v\ngRPC's codec\n%v", cuts, got, want)
				}
			}
		})
	}
}

func TestRangeCodecKeyValuesOwnTheirBytes(t *testing.T) {
	resp := &etcdserverpb.RangeResponse{Kvs: []*mvccpb.KeyValue{{Key: []byte("/registry/a"), Value: bytes.Repeat([]byte{'x'}, 100)}}}
	b, _ := resp.Marshal()
	data := chunked(b, 10, 60)
	_, got, _, err := decodeBoth(t, data)
	if err != nil {
		t.Fatal(err)
	}
	// gRPC reuses a message's buffers once Unmarshal returns.
	for _, buf := range data {
		clear(buf.ReadOnlyData())
	}
	if kv := got.Kvs[0]; string(kv.Key) != "/registry/a" || !bytes.Equal(kv.Value, bytes.Repeat([]byte{'x'}, 100)) {
		t.Fatalf("pair changed with the frames it was read from: %q %q", kv.Key, kv.Value)
	}
	// Key and Value share one buffer: appending to the key must not
	// write over the value.
	got.Kvs[0].Key = append(got.Kvs[0].Key, 'z')
	if got.Kvs[0].Value[0] != 'x' {
		t.Fatal("appending to Key wrote over Value")
	}
}

func TestRangeCodecBadReplies(t *testing.T) {
	resp := &etcdserverpb.RangeResponse{Kvs: []*mvccpb.KeyValue{{Key: []byte("/registry/a"), Value: []byte("value")}}, Count: 1}
	b, _ := resp.Marshal()
	for n := range len(b) {
		_, _, wantErr, gotErr := decodeBoth(t, chunked(b[:n], n/2))
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("truncated to %d bytes: gRPC's codec says %v, rangeCodec %v", n, wantErr, gotErr)
		}
	}
}

// TestRangeCodecMarshalsAsGRPC: requests, small and pooled, gogoproto's
// and not, are the bytes gRPC's codec would send.
func TestRangeCodecMarshalsAsGRPC(t *testing.T) {
	pod := bytes.Repeat([]byte("k8s\x00pod"), 700) // over gRPC's pooling threshold
	key := []byte("/registry/pods/default/web-0")
	txn := func(value []byte) *etcdserverpb.TxnRequest {
		return &etcdserverpb.TxnRequest{
			Compare: []*etcdserverpb.Compare{{Key: key, Target: etcdserverpb.Compare_MOD,
				TargetUnion: &etcdserverpb.Compare_ModRevision{ModRevision: 41}}},
			Success: []*etcdserverpb.RequestOp{{Request: &etcdserverpb.RequestOp_RequestPut{
				RequestPut: &etcdserverpb.PutRequest{Key: key, Value: value, Lease: 7}}}},
			Failure: []*etcdserverpb.RequestOp{{Request: &etcdserverpb.RequestOp_RequestRange{
				RequestRange: &etcdserverpb.RangeRequest{Key: key}}}},
		}
	}
	std := encoding.GetCodecV2(grpcproto.Name)
	codec := newRangeCodec()
	cases := []struct {
		name string
		msg  any
	}{
		{"txn of a large pod", txn(bytes.Repeat(pod, 3))},
		{"txn of a pod", txn(pod)},
		{"txn of a small value", txn([]byte("v"))},
		{"paged range", &etcdserverpb.RangeRequest{Key: []byte("/registry/pods/"), RangeEnd: []byte("/registry/pods0"), Limit: 2000, Revision: 9}},
		{"empty", &etcdserverpb.StatusRequest{}},
		{"not gogoproto's", wrapperspb.Bytes(pod)},
		// Again, in buffers the first requests left: a pod's Txn in the
		// large pod's, whose last bytes must not show.
		{"txn of a pod, again", txn(pod[:len(pod)-3])},
		{"txn of a large pod, again", txn(bytes.Repeat(pod, 3))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := std.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := codec.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Materialize(), want.Materialize()) {
				t.Errorf("rangeCodec marshaled\n%q\ngRPC's codec\n%q", got.Materialize(), want.Materialize())
			}
			got.Free()
			want.Free()
		})
	}
}

func FuzzRangeCodec(f *testing.F) {
	resp := &etcdserverpb.RangeResponse{Header: &etcdserverpb.ResponseHeader{Revision: 5},
		Kvs: []*mvccpb.KeyValue{{Key: []byte("/registry/pods/a/b"), Value: []byte("k8s\x00..."), ModRevision: 5, Version: 1}}, More: true, Count: 2}
	b, _ := resp.Marshal()
	f.Add(b, uint16(7), uint16(20))
	f.Fuzz(func(t *testing.T, b []byte, cut1, cut2 uint16) {
		want, got, wantErr, gotErr := decodeBoth(t, chunked(b, int(cut1), int(cut2)))
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("errors differ: gRPC's codec %v, rangeCodec %v", wantErr, gotErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("rangeCodec read\n%v\ngRPC's codec\n%v", got, want)
		}
	})
}

// TestOpenReadsRangesWithRangeCodec: the client Open makes reads Range
// replies with rangeCodec, whose pairs keep Key and Value in one buffer
// (gRPC's codec gives each its own allocation, of different size classes
// here, so never a few bytes apart).
func TestOpenReadsRangesWithRangeCodec(t *testing.T) {
	srv, err := embedetcd.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ctx := context.Background()
	s, err := Open(ctx, Config{Endpoints: []string{srv.Endpoint()}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	value := bytes.Repeat([]byte{'v'}, 5000)
	for i := range 3 {
		if _, err := s.client.Put(ctx, fmt.Sprintf("/registry/pods/ns/p%d", i), string(value)); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := s.client.Get(ctx, "/registry/pods/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 3 {
		t.Fatalf("got %d pairs, want 3", len(resp.Kvs))
	}
	for _, kv := range resp.Kvs {
		gap := uintptr(unsafe.Pointer(unsafe.SliceData(kv.Value))) - uintptr(unsafe.Pointer(unsafe.SliceData(kv.Key)))
		if !bytes.Equal(kv.Value, value) || gap > uintptr(len(kv.Key))+32 {
			t.Fatalf("%s: value %d bytes, %d bytes after its key: not read by rangeCodec", kv.Key, len(kv.Value), gap)
		}
	}
}
