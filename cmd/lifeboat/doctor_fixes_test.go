package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/lifeboat-k8s/lifeboat/internal/demo"
	"github.com/lifeboat-k8s/lifeboat/internal/etcdtest"
	"github.com/lifeboat-k8s/lifeboat/internal/outages"
)

// diagnosis is doctor -o json, as a script reads it.
type diagnosis struct {
	Outage struct {
		Since string `json:"since"`
	} `json:"outage"`
	Findings []doctorFinding `json:"findings"`
}

type doctorFinding struct {
	ID       string   `json:"id"`
	Severity string   `json:"severity"`
	Title    string   `json:"title"`
	Fix      []string `json:"fix"`
}

func (c *cluster) doctor() diagnosis {
	c.t.Helper()
	r := c.run("doctor", "-o", "json")
	if r.code != 0 && r.code != exitPartial {
		c.t.Fatalf("doctor: %s", r)
	}
	var d diagnosis
	if err := json.Unmarshal([]byte(r.out), &d); err != nil {
		c.t.Fatalf("doctor -o json: %v\n%s", err, r)
	}
	return d
}

func (d diagnosis) has(id string) bool {
	return slices.ContainsFunc(d.Findings, func(f doctorFinding) bool { return f.ID == id })
}

// TestEveryFixDoctorPrintsRuns: on the demo and on every outage scenario,
// each fix line doctor prints runs as printed (exit 0, or 3 when part of
// it is refused), writing nothing; run again with --yes in place of
// --dry-run, the fixes make their findings go away.
func TestEveryFixDoctorPrintsRuns(t *testing.T) {
	type scenario struct {
		name  string
		seed  func(t *testing.T) *cluster
		fixed []string
	}
	scenarios := []scenario{{
		name:  "demo",
		seed:  func(t *testing.T) *cluster { return newCluster(t, demo.Options{Malformed: true}) },
		fixed: []string{"undecodable-values", "node-cordoned", "configmap-missing"},
	}}
	for _, s := range outages.All() {
		scenarios = append(scenarios, scenario{name: s.Name, fixed: s.Fixed, seed: func(t *testing.T) *cluster {
			b := etcdtest.StartBackend(t, etcdtest.Embedded)
			if err := s.Seed(context.Background(), b.Client, "", testNow); err != nil {
				t.Fatal(err)
			}
			return clusterOf(t, etcdtest.Cluster{Backend: b})
		}})
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			c := s.seed(t)
			before := c.doctor()
			rev := c.revision()
			var fixes []string
			for _, f := range before.Findings {
				for _, fix := range f.Fix {
					if strings.ContainsAny(fix, `"'\`) {
						t.Fatalf("%s: fix %q needs a shell to run", f.ID, fix)
					}
					r := c.run(strings.Fields(fix)[1:]...)
					if r.code != 0 && r.code != exitPartial {
						t.Errorf("%s: %s\n%s", f.ID, fix, r)
					}
					if strings.HasSuffix(fix, " --dry-run") {
						fixes = append(fixes, strings.TrimSuffix(fix, " --dry-run")+" --yes")
					}
				}
			}
			c.assertUnchanged(rev, result{})
			for _, fix := range fixes {
				if r := c.run(strings.Fields(fix)[1:]...); r.code != 0 && r.code != exitPartial {
					t.Errorf("%s\n%s", fix, r)
				}
			}
			after := c.doctor()
			for _, id := range s.fixed {
				if after.has(id) {
					t.Errorf("%s is still reported after its fixes %q", id, fixes)
				}
			}
		})
	}
}
