package codec

import (
	"testing"
)

func TestUntouched(t *testing.T) {
	terminating := mustEncode(t, testSmallPod())
	running := testSmallPod()
	running.DeletionTimestamp, running.DeletionGracePeriodSeconds = nil, nil
	runningValue := mustEncode(t, running)
	graceOnly := testSmallPod()
	graceOnly.DeletionTimestamp = nil
	noFinalizers := running.DeepCopy()
	noFinalizers.Finalizers = nil
	widgetRunning := widgetMeta()
	widgetRunning.DeletionTimestamp, widgetRunning.DeletionGracePeriodSeconds = nil, nil

	tests := []struct {
		name          string
		value         []byte
		edits         []Edit
		wantUntouched bool
		wantKind      string
	}{
		{"running pod, undelete", runningValue, []Edit{ClearDeletion()}, true, "Pod"},
		{"terminating pod, undelete", terminating, []Edit{ClearDeletion()}, false, ""},
		{"grace period only, undelete", mustEncode(t, graceOnly), []Edit{ClearDeletion()}, false, ""},
		// Protobuf merges repeated ObjectMeta: the deletion in the second half counts.
		{"split metadata, undelete", splitField(t, terminating, objectMetadata, metaDeletionTimestamp), []Edit{ClearDeletion()}, false, ""},
		{"pod with finalizers, remove them", runningValue, []Edit{RemoveFinalizers()}, false, ""},
		{"pod without finalizers, remove them", mustEncode(t, noFinalizers), []Edit{RemoveFinalizers("a")}, true, "Pod"},
		{"both edits, one applies", runningValue, []Edit{ClearDeletion(), RemoveFinalizers()}, false, ""},
		{"kind without a Go type", widgetValue(t, widgetRunning), []Edit{ClearDeletion()}, true, "Widget"},
		{"node edits look at the spec", mustEncode(t, testNode()), []Edit{SetUnschedulable(false)}, false, ""},
		{"taint edits look at the spec", mustEncode(t, testNode()), []Edit{RemoveTaints(nil, "")}, false, ""},
		{"no edits", runningValue, nil, true, "Pod"},
		{"json", []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}`), []Edit{ClearDeletion()}, false, ""},
		{"encrypted", []byte("k8s:enc:aescbc:v1:key1:xxxxxxxxxxxxxxxx"), []Edit{ClearDeletion()}, false, ""},
		{"truncated envelope", runningValue[:len(runningValue)/2], []Edit{ClearDeletion()}, false, ""},
		{"metadata not a message", envelopeOf(t, "v1", "Pod", []byte{0x08, 0x01}), []Edit{ClearDeletion()}, false, ""},
		{"metadata malformed", envelopeOf(t, "v1", "Pod", []byte{0x0a, 0x02, 0x0a, 0x05}), []Edit{ClearDeletion()}, false, ""},
		// A WatchEvent's field 1 is its type, not ObjectMeta.
		{"kind without ObjectMeta", envelopeOf(t, "v1", "WatchEvent", []byte{0x0a, 0x00}), []Edit{ClearDeletion()}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apiVersion, kind, ok := Untouched(tt.value, tt.edits...)
			if ok != tt.wantUntouched || kind != tt.wantKind {
				t.Fatalf("Untouched = %q %q %v, want kind %q, %v", apiVersion, kind, ok, tt.wantKind, tt.wantUntouched)
			}
			if !ok {
				return
			}
			// The claim Untouched makes: the edits change nothing.
			if _, changed, err := ApplyEdits(tt.value, tt.edits...); err != nil || changed {
				t.Fatalf("ApplyEdits after Untouched: changed %v, %v", changed, err)
			}
		})
	}
}

func BenchmarkUntouchedPod(b *testing.B) {
	pod := realisticPod()
	pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = nil, nil
	value := mustEncode(b, pod)
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := Untouched(value, ClearDeletion()); !ok {
			b.Fatal("touched")
		}
	}
}
