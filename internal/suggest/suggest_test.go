package suggest

import "testing"

func TestClosest(t *testing.T) {
	resources := []string{"pods", "po", "nodes", "no", "configmaps", "cm", "namespaces", "ns"}
	tests := []struct {
		typed      string
		candidates []string
		want       string
	}{
		{"podz", resources, "pods"},
		{"pod", resources, "pods"},
		{"ndoes", resources, "nodes"},
		{"configmap", resources, "configmaps"},
		{"allNamespace", []string{"names", "namespace", "allNamespaces", "selector"}, "allNamespaces"},
		{"nmaespace", []string{"names", "namespace", "allNamespaces"}, "namespace"},
		{"spec.nodename", []string{"metadata.name", "spec.nodeName", "status.phase"}, "spec.nodeName"},
		{"undelet", []string{"undelete", "ls"}, "undelete"},
		// Too far from anything: no guess.
		{"frobnicate", resources, ""},
		{"xyz", resources, ""},
		{"widgets", resources, ""},
		// The name itself is not a suggestion.
		{"pods", []string{"pods"}, ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.typed, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"pods", "pods", 0},
		{"podz", "pods", 1},
		{"nmaespace", "namespace", 1}, // one swap
		{"kitten", "sitting", 3},
		{"ünï", "uni", 2},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := distance(tt.b, tt.a); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}
