package journal

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// encodingJSON is what encoding/json's Encoder writes for e.
func encodingJSON(e *Entry) ([]byte, error) {
	var buf bytes.Buffer
	err := json.NewEncoder(&buf).Encode(e)
	return buf.Bytes(), err
}

// everyField is an entry with every field set, by reflection: a field
// added to Entry is set here without anyone remembering to.
func everyField(t testing.TB) Entry {
	var e Entry
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case f.Kind() == reflect.String:
			f.SetString(name + " <&> \"é\"")
		case f.Kind() == reflect.Int64:
			f.SetInt(int64(-1000 * (i + 1)))
		case f.Type() == reflect.TypeFor[[]byte]():
			f.SetBytes([]byte("k8s\x00" + name + "\xff"))
		case f.Type() == reflect.TypeFor[[]string]():
			f.Set(reflect.ValueOf([]string{name, "https://10.0.0.1:2379", "<"}))
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(time.Date(2026, 12, 7, 3, 4, 5, 600700800, time.FixedZone("x", 3600))))
		default:
			t.Fatalf("Entry.%s is a %s: teach everyField and appendJSON to write it", name, f.Type())
		}
	}
	return e
}

func TestEntryJSONIsEncodingJSON(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		entry Entry
	}{
		{"empty", Entry{}},
		{"every field", everyField(t)},
		{"write", Entry{Type: EntryWrite, Time: now, Key: "/registry/pods/default/web-0", Resource: "pods",
			Namespace: "default", Name: "web-0", Action: "undelete", Before: []byte("k8s\x00\x0a\x09before"),
			BeforeRevision: 41, Lease: 7, After: []byte("k8s\x00after")}},
		{"committed", Entry{Type: EntryCommitted, Time: now, Key: "/registry/pods/default/web-0", AfterRevision: 42}},
		{"resolved", Entry{Type: EntryResolved, Time: now, Key: "/registry/minions/node-1", Resolution: ResolvedRetried}},
		{"begin", Entry{Type: EntryBegin, Time: now.Local(), Command: `lifeboat pods undelete -A --yes -l 'app in (a,b)'`,
			Endpoints: []string{"https://10.0.0.1:2379", "https://10.0.0.2:2379"}, Prefix: "/registry", ClusterID: "cdf818194e3a8c32", MemberID: "0"}},
		{"escapes", Entry{Key: "/registry/configmaps/a/b\x00\n\t\r\b\f\x1f\x7f\"\\<>&\u2028\u2029é\xff\xfe"}},
		{"negative revision", Entry{BeforeRevision: -1, AfterRevision: 1 << 62}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := encodingJSON(&tt.entry)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.entry.appendJSON([]byte("previous line\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := bytes.CutPrefix(got, []byte("previous line\n")); !ok || !bytes.Equal(got, want) {
				t.Errorf("appendJSON wrote\n%s\nencoding/json\n%s", got, want)
			}
		})
	}
}

// TestEntryJSONTimeError: a time encoding/json cannot write fails as it does.
func TestEntryJSONTimeError(t *testing.T) {
	e := Entry{Type: EntryWrite, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, want := encodingJSON(&e)
	_, got := e.appendJSON(nil)
	if want == nil || got == nil || got.Error() != want.Error() {
		t.Errorf("appendJSON's error %v, encoding/json's %v", got, want)
	}
}

func FuzzEntryJSON(f *testing.F) {
	f.Add("write", "/registry/pods/default/web-0", "pods", []byte("k8s\x00before"), []byte("k8s\x00after"), int64(41), int64(0), "https://10.0.0.1:2379", int64(1765000000))
	f.Add("x\u2028", "<&>\xff", "\"\\", []byte{}, []byte(nil), int64(-1), int64(7), "", int64(-62135596800))
	f.Fuzz(func(t *testing.T, typ, key, resource string, before, after []byte, rev, lease int64, endpoint string, unix int64) {
		e := Entry{Type: typ, Time: time.Unix(unix, rev).UTC(), Key: key, Resource: resource, Namespace: key, Name: resource,
			Action: typ, Before: before, BeforeRevision: rev, Lease: lease, After: after, AfterRevision: lease,
			Resolution: Resolution(endpoint), Command: key, Prefix: endpoint, ClusterID: typ, MemberID: resource, Undoes: key}
		if endpoint != "" {
			e.Endpoints = []string{endpoint, key}
		}
		want, wantErr := encodingJSON(&e)
		got, gotErr := e.appendJSON(nil)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("appendJSON's error %v, encoding/json's %v", gotErr, wantErr)
		}
		if wantErr == nil && !bytes.Equal(got, want) {
			t.Fatalf("appendJSON wrote\n%q\nencoding/json\n%q", got, want)
		}
	})
}
