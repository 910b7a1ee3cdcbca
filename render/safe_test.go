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

// TestSafeText: a template's text keeps its newlines and tabs; anything
// else that could drive the terminal is escaped as Safe escapes it.
func TestSafeText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"worker-1\tNotReady\nworker-2\tReady\n", "worker-1\tNotReady\nworker-2\tReady\n"},
		{"a\x1b]0;pwned\x07b\n", "a\\x1b]0;pwned\\x07b\n"},
		{"over\rwrite", `over\x0dwrite`},
		{"rtl\u202etxt", `rtl\u202etxt`},
	} {
		if got := SafeText(tt.in); got != tt.want {
			t.Errorf("SafeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
