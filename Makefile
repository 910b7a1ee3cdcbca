# lifeboat: break-glass repair of Kubernetes objects straight in etcd.
# Only Go is needed: etcd for the demo and the tests is embedded.

GO      ?= go
BIN     ?= bin/lifeboat
ARGS    ?=
PKGS    := ./...
BENCH   ?= .
BENCHTIME ?= 1x
BENCHARGS ?=

.PHONY: all build test lint bench fuzz demo tui-smoke clean e2e release

all: lint test build

build:
	$(GO) build -o $(BIN) ./cmd/lifeboat

# Tests run against a real etcd (embedded, 127.0.0.1, ports picked at run time).
test:
	$(GO) test -count=1 $(PKGS)

lint:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@# go.mod and go.sum are what go mod tidy makes of the code, in both modules.
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum differ from 'go mod tidy': run it and commit"; $(GO) mod tidy -diff; exit 1; }
	@cd e2e && $(GO) mod tidy -diff >/dev/null || { echo "e2e/go.mod/go.sum differ from 'go mod tidy' (in e2e/): run it and commit"; $(GO) mod tidy -diff; exit 1; }

# End to end against a real kube-apiserver and kube-controller-manager
# (k8s.io/kubernetes, in process, loopback). Its own module: e2e/go.mod.
# The first run compiles the control plane (~10 min on 2 cores); later runs ~1 min.
# -mod=mod: e2e/go.mod follows the main module (replace ../) when its requirements change.
e2e:
	cd e2e && $(GO) vet -mod=mod ./... && $(GO) test -mod=mod -count=1 -v -timeout 30m ./...

# Speed targets live here, never in timed unit tests.
# First the Go micro benchmarks (make bench BENCHTIME=3x for steadier figures),
# then the end-to-end harness: the lifeboat binary against a separate etcd
# process with fsync on, next to etcdctl, and last kubectl through a
# kube-apiserver built from e2e/ (internal/bench; ~5 minutes, plus the first
# build of Kubernetes if make e2e has not cached it; BENCHARGS=-skip-kubectl
# leaves it out). The large-cluster scale:
# make bench BENCHARGS="-pods 150000 -terminating 15000"
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) ./codec/ ./etcdops/
	GO=$(GO) $(GO) run ./internal/bench $(BENCHARGS)

# Fuzz codec's decoding and every edit, and the readers of the files a user
# names (a snapshot, a journal, a plan: FuzzSnapshot and FuzzJournal fuzz
# packages snapshot and journal from etcdops, whose Store makes their seeds
# and reads what they open), and the journal's writer against encoding/json
# (FuzzEntryJSON), FUZZTIME each (go test takes
# one -fuzz target per run, so FUZZTARGETS are package:target pairs): a few
# minutes at the default, once the instrumented test binaries are built
# (the first run compiles them: minutes). FUZZTIME is a count of inputs
# (2000x), not a duration: when a duration ends while a worker is mid-input,
# Go 1.26's fuzzing coordinator reports "context deadline exceeded" and
# fails the target with no input to blame (go.dev/issue/75804, fixed in Go
# 1.27); FUZZTIME=60s still works, with that risk. A failing input is saved
# under the package's testdata/fuzz/, where plain go test replays it from
# then on.
# Every package is instrumented, k8s.io/api included, so inputs run slowly:
# minimizing each new one for the default 60 s would leave no time to fuzz.
# On a shared machine: FUZZFLAGS="-parallel 1".
FUZZTIME    ?= 2000x
FUZZFLAGS   ?=
FUZZTARGETS := ./codec:FuzzDecode ./codec:FuzzWireJSON ./render:FuzzRowNeeds ./codec:FuzzClearDeletion ./codec:FuzzRemoveFinalizers \
	./codec:FuzzRemoveTaints ./codec:FuzzSetUnschedulable ./codec:FuzzIgnoreWebhookFailures \
	./codec:FuzzRemoveNamespaceFinalizers ./codec:FuzzFieldsV1Wire \
	./etcdops:FuzzSnapshot ./etcdops:FuzzJournal ./etcdops:FuzzPlanFile ./etcdops:FuzzRangeCodec ./journal:FuzzEntryJSON

fuzz:
	@set -e; for pt in $(FUZZTARGETS); do \
		pkg=$${pt%%:*}; t=$${pt#*:}; \
		echo "fuzz $$t in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10x $(FUZZFLAGS) $$pkg; \
	done

# An embedded etcd seeded with a capsized cluster: make demo ARGS="--serve"
demo:
	$(GO) run ./cmd/lifeboat demo $(ARGS)

# Drive the real TUI in tmux (skips without tmux): make tui-smoke SMOKE_SIZE=80x24
tui-smoke: build
	scripts/tui-smoke.sh $(BIN)

# Release binaries: static (CGO_ENABLED=0), no build paths (-trimpath), no
# symbol tables (-s -w), for RELEASE_PLATFORMS into DIST, with SHA256SUMS
# (check with: sha256sum -c SHA256SUMS --ignore-missing). Each is stamped with
# `git describe --tags --always --dirty` and the commit, which
# `lifeboat version` prints; outside lifeboat's git checkout (a tarball) give
# them: make release VERSION=v1.2.3 COMMIT=<sha>. ~2 minutes on 2 cores.
# The demo's embedded etcd server (go.etcd.io/etcd/server/v3/embed) stays
# in, so `lifeboat demo` works from a release binary: leaving it out saves
# 12% (linux/amd64 58.9 MB -> 51.9 MB; arm64 55.1 MB -> 48.8 MB), not
# worth a second build.
VERSION ?=
COMMIT  ?=
DIST    ?= dist
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64

release:
	@set -e; version='$(VERSION)'; commit='$(COMMIT)'; committed=''; \
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$$(pwd -P)" ]; then \
		[ -n "$$version" ] || version=$$(git describe --tags --always --dirty); \
		[ -n "$$commit" ] || { commit=$$(git rev-parse HEAD); committed=$$(git log -1 --format=%cI HEAD); }; \
	fi; \
	if [ -z "$$version" ]; then echo "make release: not in lifeboat's git checkout: give the version, make release VERSION=v1.2.3 COMMIT=<sha>" >&2; exit 2; fi; \
	[ -n "$$commit" ] || echo "make release: no COMMIT given: 'lifeboat version' will name no commit" >&2; \
	rm -rf '$(DIST)'; mkdir -p '$(DIST)'; \
	for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out='$(DIST)'/lifeboat-$$os-$$arch; \
		echo "build $$out: $$version $${commit:-(no commit)}"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -o $$out \
			-ldflags "-s -w -X main.stampedVersion=$$version -X main.stampedCommit=$$commit -X main.stampedCommitTime=$$committed" \
			./cmd/lifeboat; \
	done; \
	cd '$(DIST)'; \
	if command -v sha256sum >/dev/null; then sha256sum lifeboat-* > SHA256SUMS; else shasum -a 256 lifeboat-* > SHA256SUMS; fi; \
	for f in lifeboat-*; do echo "$(DIST)/$$f: $$(wc -c < $$f) bytes"; done; \
	echo "$(DIST)/SHA256SUMS:"; cat SHA256SUMS

clean:
	rm -rf bin $(DIST)
