package render

import "testing"

func TestSafe(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"pods/shop/cart-1", "pods/shop/cart-1"},
		{"évènement-ü", "évènement-ü"},
		{"a\x1b]0;pwned\x07b", `a\x1b]0;pwned\x07b`},
		{"x\x1b[2Jy", `x\x1b[2Jy`},
		{"nul\x00", `nul\x00`},
		{"rtl\u202etxt.exe", `rtl\u202etxt.exe`},
		{"isolate\u2066x\u2069", `isolate\u2066x\u2069`},
		{"c1\u009b31m", `c1\u009b31m`},
		{"bad\xffutf8", `bad\ufffdutf8`},
		{"tab\tnewline\n", `tab\x09newline\x0a`},
	} {
		if got := Safe(tt.in); got != tt.want {
			t.Errorf("Safe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
