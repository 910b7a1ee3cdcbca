package etcdtest

import (
	"bytes"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestCarriesRequest: DropNextRequest drops what opens a request, never
// HTTP/2's housekeeping, however much of it is written at once.
func TestCarriesRequest(t *testing.T) {
	var headers bytes.Buffer
	enc := hpack.NewEncoder(&headers)
	for _, f := range []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":path", Value: "/etcdserverpb.KV/Txn"}, {Name: "content-type", Value: "application/grpc+proto"}} {
		if err := enc.WriteField(f); err != nil {
			t.Fatal(err)
		}
	}
	frames := func(write func(*http2.Framer) error) []byte {
		var b bytes.Buffer
		if err := write(http2.NewFramer(&b, nil)); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	windowUpdates := frames(func(f *http2.Framer) error {
		if err := f.WriteWindowUpdate(0, 1<<20); err != nil {
			return err
		}
		return f.WriteWindowUpdate(3, 1<<20)
	})
	ping := frames(func(f *http2.Framer) error { return f.WritePing(true, [8]byte{1}) })
	settingsAck := frames(func(f *http2.Framer) error { return f.WriteSettingsAck() })
	request := frames(func(f *http2.Framer) error {
		if err := f.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: headers.Bytes(), EndHeaders: true}); err != nil {
			return err
		}
		return f.WriteData(5, true, []byte{0, 0, 0, 0, 2, 0x0a, 0x00})
	})
	for _, tt := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"two window updates (26 bytes)", windowUpdates, false},
		{"window updates, a ping and a settings ack", append(append(bytes.Clone(windowUpdates), ping...), settingsAck...), false},
		{"a request", request, true},
		{"window updates, then a request", append(bytes.Clone(windowUpdates), request...), true},
		{"a frame cut short", windowUpdates[:20], false},
	} {
		if got := carriesRequest(tt.b); got != tt.want {
			t.Errorf("%s: carriesRequest = %v, want %v", tt.name, got, tt.want)
		}
	}
}
