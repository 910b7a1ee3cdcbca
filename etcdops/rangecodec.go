package etcdops

import (
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
)

// rangeCodec is gRPC's protobuf codec with one difference: a Range reply
// is read straight from the frames it arrived in. gRPC's own codec first
// copies a whole reply (2,000 pods: 10 MB) into one pooled buffer, which it
// clears, and the generated Unmarshal then copies every key and value out
// of that buffer again; here each key-value pair is copied once, into a
// buffer of its own, which its Key and Value share. Every other reply
// goes through gRPC's codec, and a pair with a field this reader does not
// know goes through the generated one. Requests are written without the
// extra copy gRPC's codec makes of each (Marshal); the bytes are the same.
type rangeCodec struct {
	proto encoding.CodecV2
	// requests are the buffers requests are marshaled into: gRPC's own
	// pool clears each buffer it hands out (16 KB for a 5 KB Txn), and
	// a marshaled request overwrites every byte of its buffer anyway.
	requests *requestBuffers
}

// rangeCodecOption makes a client read Range replies with rangeCodec. The
// codec names itself "proto", the content-subtype servers already know.
func rangeCodecOption() grpc.DialOption {
	return grpc.WithDefaultCallOptions(grpc.ForceCodecV2(newRangeCodec()))
}

func newRangeCodec() rangeCodec {
	return rangeCodec{proto: encoding.GetCodecV2(grpcproto.Name), requests: &requestBuffers{}}
}

func (c rangeCodec) Name() string { return c.proto.Name() }

// sizedMarshaler is what gogoproto generates for etcd's messages: Marshal
// is Size, make, MarshalToSizedBuffer.
type sizedMarshaler interface {
	Size() int
	MarshalToSizedBuffer([]byte) (int, error)
}

// Marshal writes an etcd request straight into the buffer gRPC sends it
// from. gRPC's codec reaches gogoproto's messages through protobuf's legacy
// adapter, which calls their Marshal: a fresh slice (a Txn carries a whole
// object, ~5 KB for a pod) copied into the pooled buffer and dropped, for
// every request of a batch. Other messages go through gRPC's codec.
func (c rangeCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(sizedMarshaler)
	if !ok {
		return c.proto.Marshal(v)
	}
	size := m.Size()
	if mem.IsBelowBufferPoolingThreshold(size) {
		buf := make([]byte, size)
		if err := marshalSized(m, buf); err != nil {
			return nil, err
		}
		return mem.BufferSlice{mem.SliceBuffer(buf)}, nil
	}
	buf := c.requests.Get(size)
	if err := marshalSized(m, *buf); err != nil {
		c.requests.Put(buf)
		return nil, err
	}
	return mem.BufferSlice{mem.NewBuffer(buf, c.requests)}, nil
}

// requestBuffers is a mem.BufferPool whose buffers are not cleared: each
// is filled whole by marshalSized before gRPC reads it.
type requestBuffers struct{ pool sync.Pool }

func (p *requestBuffers) Get(size int) *[]byte {
	if buf, _ := p.pool.Get().(*[]byte); buf != nil && cap(*buf) >= size {
		*buf = (*buf)[:size]
		return buf
	}
	buf := make([]byte, size)
	return &buf
}

func (p *requestBuffers) Put(buf *[]byte) {
	if cap(*buf) <= maxPooledRequest {
		p.pool.Put(buf)
	}
}

// maxPooledRequest is the largest buffer kept: a Txn of a large object
// (a ConfigMap of 1 MB) is rare, and is not kept to serve 5 KB pods.
const maxPooledRequest = 64 << 10

// marshalSized fills buf, which is m.Size() long, as m.Marshal would.
func marshalSized(m sizedMarshaler, buf []byte) error {
	n, err := m.MarshalToSizedBuffer(buf)
	if err != nil {
		return fmt.Errorf("%T: %w", m, err)
	}
	if n != len(buf) {
		return fmt.Errorf("%T: marshaled %d bytes of %d", m, n, len(buf))
	}
	return nil
}

func (c rangeCodec) Unmarshal(data mem.BufferSlice, v any) error {
	resp, ok := v.(*etcdserverpb.RangeResponse)
	if !ok {
		return c.proto.Unmarshal(data, v)
	}
	if err := unmarshalRange(data, resp); err != nil {
		// Whatever this reader did not expect, gRPC's codec reads (or
		// reports) as it always has: data is still the caller's.
		return c.proto.Unmarshal(data, v)
	}
	return nil
}

// unmarshalRange reads a RangeResponse from the buffers of one message.
// The fields other than kvs (the header, more, count: a few bytes) are
// gathered and read by the generated Unmarshal.
func unmarshalRange(data mem.BufferSlice, resp *etcdserverpb.RangeResponse) error {
	r := frameReader{bufs: data, left: data.Len()}
	var rest, field []byte // rest: every field but kvs; field: the one being read
	var kvs []*mvccpb.KeyValue
	for !r.done() {
		field = field[:0]
		num, typ, err := r.tag(&field)
		if err != nil {
			return fmt.Errorf("etcdserverpb.RangeResponse: %w", err)
		}
		if num != 2 || typ != protowire.BytesType {
			if err := r.field(typ, &field); err != nil {
				return fmt.Errorf("etcdserverpb.RangeResponse: field %d: %w", num, err)
			}
			rest = append(rest, field...)
			continue
		}
		n, err := r.varint(nil)
		if err != nil {
			return fmt.Errorf("etcdserverpb.RangeResponse: kvs: %w", err)
		}
		b, err := r.take(n)
		if err != nil {
			return fmt.Errorf("etcdserverpb.RangeResponse: kvs: %w", err)
		}
		kv, err := unmarshalKeyValue(b)
		if err != nil {
			return fmt.Errorf("etcdserverpb.RangeResponse: kvs: %w", err)
		}
		kvs = append(kvs, kv)
	}
	resp.Reset()
	if err := resp.Unmarshal(rest); err != nil {
		return err
	}
	resp.Kvs = kvs
	return nil
}

// unmarshalKeyValue reads a KeyValue whose Key and Value stay in b, which
// is its own. A field it does not know, or of another wire type, leaves
// the pair to the generated Unmarshal.
func unmarshalKeyValue(b []byte) (*mvccpb.KeyValue, error) {
	kv := &mvccpb.KeyValue{}
	for in := b; len(in) > 0; {
		num, typ, n := protowire.ConsumeTag(in)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		in = in[n:]
		switch {
		case (num == 1 || num == 5) && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(in)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			if num == 1 {
				kv.Key = v[:len(v):len(v)]
			} else {
				kv.Value = v[:len(v):len(v)]
			}
			in = in[n:]
		case num >= 2 && num <= 6 && num != 5 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(in)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			switch num {
			case 2:
				kv.CreateRevision = int64(v)
			case 3:
				kv.ModRevision = int64(v)
			case 4:
				kv.Version = int64(v)
			case 6:
				kv.Lease = int64(v)
			}
			in = in[n:]
		default:
			kv = &mvccpb.KeyValue{}
			if err := kv.Unmarshal(b); err != nil {
				return nil, err
			}
			return kv, nil
		}
	}
	return kv, nil
}

// frameReader reads protobuf wire data across the buffers of a message.
type frameReader struct {
	bufs mem.BufferSlice
	cur  []byte // what is left of the buffer being read
	left int    // bytes left in all
}

var errTruncated = errors.New("message truncated")

func (r *frameReader) done() bool {
	for len(r.cur) == 0 {
		if len(r.bufs) == 0 {
			return true
		}
		r.cur, r.bufs = r.bufs[0].ReadOnlyData(), r.bufs[1:]
	}
	return false
}

func (r *frameReader) byte() (byte, error) {
	if r.done() {
		return 0, errTruncated
	}
	c := r.cur[0]
	r.cur = r.cur[1:]
	r.left--
	return c, nil
}

// varint reads a varint, appending its bytes to *raw when raw is not nil.
func (r *frameReader) varint(raw *[]byte) (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if raw != nil {
			*raw = append(*raw, c)
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("varint overflows 64 bits")
}

func (r *frameReader) tag(raw *[]byte) (protowire.Number, protowire.Type, error) {
	v, err := r.varint(raw)
	if err != nil {
		return 0, 0, err
	}
	num, typ := protowire.DecodeTag(v)
	if num < protowire.MinValidNumber {
		return 0, 0, fmt.Errorf("invalid field number %d", num)
	}
	return num, typ, nil
}

// take copies the next n bytes into a buffer of their own.
func (r *frameReader) take(n uint64) ([]byte, error) {
	if n > uint64(r.left) {
		return nil, errTruncated
	}
	b := make([]byte, n)
	for off := 0; off < len(b); {
		if r.done() {
			return nil, errTruncated
		}
		c := copy(b[off:], r.cur)
		off += c
		r.cur = r.cur[c:]
	}
	r.left -= len(b)
	return b, nil
}

// field appends the rest of a field of wire type typ (its tag read
// already) to *raw.
func (r *frameReader) field(typ protowire.Type, raw *[]byte) error {
	var n uint64
	switch typ {
	case protowire.VarintType:
		_, err := r.varint(raw)
		return err
	case protowire.Fixed32Type:
		n = 4
	case protowire.Fixed64Type:
		n = 8
	case protowire.BytesType:
		var err error
		if n, err = r.varint(raw); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unsupported wire type %d", typ)
	}
	b, err := r.take(n)
	if err != nil {
		return err
	}
	*raw = append(*raw, b...)
	return nil
}
