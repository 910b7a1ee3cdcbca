package codec

import (
	"encoding/base64"
	"strings"
	"testing"
)

// The secret values of TestDiffStoredRedactsBothSides, each long enough
// (minCopied) for a copy of it to count.
const (
	oldSecret = "old-password-7f3a"
	newSecret = "new-password-9c1e"
)

var secretForms = []string{oldSecret, b64(oldSecret), newSecret, b64(newSecret)}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// secretValue is a stored Secret with data password (none when "") and
// annotations.
func secretValue(t *testing.T, password string, annotations map[string]string) []byte {
	t.Helper()
	s := testSecret()
	s.Data = nil
	if password != "" {
		s.Data = map[string][]byte{"password": []byte(password)}
	}
	s.Annotations = annotations
	return mustEncode(t, s)
}

// TestDiffStoredRedactsBothSides: a diff redacts each side of a Secret with
// the values of both, so that a value only one side's data holds does not
// show in the other side's annotations, whichever side, raw or in base64;
// with ShowSecrets every value shows. Every preview (edit, restore, undo,
// apply) and every history diff is a DiffStored.
func TestDiffStoredRedactsBothSides(t *testing.T) {
	tests := []struct {
		name          string
		before, after []byte
		shown         []string // with ShowSecrets, the diff holds these
	}{
		{"the edit copies the old value into an annotation",
			secretValue(t, oldSecret, nil),
			secretValue(t, newSecret, map[string]string{"rotation/previous": oldSecret}),
			[]string{b64(oldSecret), oldSecret, b64(newSecret)}},
		{"the edit copies the old value into an annotation, in base64",
			secretValue(t, oldSecret, nil),
			secretValue(t, newSecret, map[string]string{"rotation/previous": "was " + b64(oldSecret)}),
			[]string{b64(oldSecret), b64(newSecret)}},
		{"the edit drops the data and keeps the annotation",
			secretValue(t, oldSecret, map[string]string{"backup/copy": oldSecret, "team": "payments"}),
			secretValue(t, "", map[string]string{"backup/copy": oldSecret, "team": "payments"}),
			[]string{b64(oldSecret)}},
		{"the edit drops the data and keeps the base64 annotation",
			secretValue(t, oldSecret, map[string]string{"backup/copy": b64(oldSecret)}),
			secretValue(t, "", map[string]string{"backup/copy": b64(oldSecret)}),
			[]string{b64(oldSecret)}},
		{"a restore puts back data an annotation held (the other way round)",
			secretValue(t, newSecret, map[string]string{"rotation/previous": oldSecret}),
			secretValue(t, oldSecret, nil),
			[]string{b64(oldSecret), oldSecret, b64(newSecret)}},
		{"an annotation comes to hold the new value",
			secretValue(t, oldSecret, map[string]string{"rotation/next": "pending"}),
			secretValue(t, newSecret, map[string]string{"rotation/next": newSecret}),
			[]string{b64(oldSecret), b64(newSecret), newSecret}},
		{"created with a copy",
			nil,
			secretValue(t, oldSecret, map[string]string{"backup/copy": oldSecret}),
			[]string{b64(oldSecret), oldSecret}},
		{"deleted with a copy",
			secretValue(t, oldSecret, map[string]string{"backup/copy": b64(oldSecret)}),
			nil,
			[]string{b64(oldSecret)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			redacted, err := DiffStored("secrets/shop/db", tt.before, tt.after, RenderOptions{ResourceVersion: 7})
			if err != nil {
				t.Fatal(err)
			}
			if redacted == "" {
				t.Fatal("no diff")
			}
			for _, v := range secretForms {
				if strings.Contains(redacted, v) {
					t.Errorf("%q shows without ShowSecrets:\n%s", v, redacted)
				}
			}
			if !strings.Contains(redacted, "<redacted: ") {
				t.Errorf("nothing redacted:\n%s", redacted)
			}
			shown, err := DiffStored("secrets/shop/db", tt.before, tt.after, RenderOptions{ResourceVersion: 7, ShowSecrets: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.shown {
				if !strings.Contains(shown, v) {
					t.Errorf("%q does not show with ShowSecrets:\n%s", v, shown)
				}
			}
			if strings.Contains(shown, "<redacted: ") {
				t.Errorf("redacted with ShowSecrets:\n%s", shown)
			}
		})
	}
}

// TestDiffStoredKeepsWhatIsNoSecret: the union redacts copies only: an
// annotation without one stays, a ConfigMap is never redacted, and an
// undecodable side is one comment line.
func TestDiffStoredKeepsWhatIsNoSecret(t *testing.T) {
	cm := testConfigMap()
	cmBefore := mustEncode(t, cm)
	cm.Annotations = map[string]string{"note": oldSecret}
	cm.Data = map[string]string{"mode": newSecret}
	cmAfter := mustEncode(t, cm)
	tests := []struct {
		name          string
		before, after []byte
		opts          RenderOptions
		want          []string
	}{
		{"an annotation without a copy", secretValue(t, oldSecret, map[string]string{"team": "payments"}),
			secretValue(t, newSecret, map[string]string{"team": "payments-db"}), RenderOptions{},
			[]string{"-    team: payments\n", "+    team: payments-db\n"}},
		{"a ConfigMap", cmBefore, cmAfter, RenderOptions{Redact: []string{oldSecret, newSecret}},
			[]string{"+    note: " + oldSecret, "+  mode: " + newSecret}},
		{"a side that does not decode", []byte("k8s\x00garbage"), secretValue(t, oldSecret, nil), RenderOptions{},
			[]string{"-# 11 bytes that do not decode: ", "+kind: Secret\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := DiffStored("x", tt.before, tt.after, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(d, w) {
					t.Errorf("diff lacks %q:\n%s", w, d)
				}
			}
		})
	}
}

// TestRenderRedactsOtherVersionsValues: RenderOptions.Redact hides, in a
// Secret's annotations, values its own data does not hold (what history -o
// json's objects need: every version's values); ShowSecrets shows them.
func TestRenderRedactsOtherVersionsValues(t *testing.T) {
	o := mustDecode(t, secretValue(t, newSecret, map[string]string{"rotation/previous": oldSecret, "team": "payments"}))
	other := mustDecode(t, secretValue(t, oldSecret, nil)).SecretValues()
	for _, tc := range []struct {
		opts  RenderOptions
		shows bool
	}{
		{RenderOptions{Redact: other}, false},
		{RenderOptions{Redact: other, ShowSecrets: true}, true},
	} {
		m, err := o.Render(tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		a := m["metadata"].(map[string]any)["annotations"].(map[string]any)
		if got := a["rotation/previous"] == oldSecret; got != tc.shows {
			t.Errorf("%+v: rotation/previous = %q", tc.opts, a["rotation/previous"])
		}
		if a["team"] != "payments" {
			t.Errorf("%+v: an annotation with no copy was redacted: %q", tc.opts, a["team"])
		}
		j, err := o.AppendJSON(nil, tc.opts, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(j), oldSecret); got != tc.shows {
			t.Errorf("%+v: AppendJSON shows the other version's value %v:\n%s", tc.opts, got, j)
		}
	}
	if got := mustDecode(t, mustEncode(t, testConfigMap())).SecretValues(); got != nil {
		t.Errorf("a ConfigMap's SecretValues = %q, want none", got)
	}
}
