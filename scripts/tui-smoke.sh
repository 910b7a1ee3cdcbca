#!/usr/bin/env bash
# tui-smoke: drive the real binary's TUI in tmux, as an operator would.
# Opens `lifeboat demo` (the TUI on a seeded capsized cluster), undeletes
# every terminating pod and untaints every node with the keys a k9s user
# would press, checks the screen at each step and then the etcd state
# through `lifeboat get ... -o json`.
#
#   scripts/tui-smoke.sh [BIN]          (make tui-smoke builds BIN first)
#   SMOKE_SIZE=80x24 SMOKE_SHOTS=dir    size of the pane; where to keep captures
set -euo pipefail

BIN=${1:-bin/lifeboat}
SIZE=${SMOKE_SIZE:-100x30}
if ! command -v tmux >/dev/null 2>&1; then
	echo "tui-smoke: SKIP: tmux is not installed (apt-get install -y tmux)"
	exit 0
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "tui-smoke: $BIN is not built (make build)"; exit 1; }

work=$(mktemp -d)
session=lifeboat-smoke-$$
cleanup() {
	tmux kill-session -t "$session" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "tui-smoke: FAIL: $*" >&2
	echo "--- screen ---" >&2
	tmux capture-pane -p -t "$session" >&2 || true
	echo "--- demo stderr ---" >&2
	cat "$work/demo.log" >&2 || true
	exit 1
}

screen() { tmux capture-pane -p -t "$session"; }

# wait_for TEXT [SECONDS]: until the pane shows TEXT.
wait_for() {
	local deadline=$((SECONDS + ${2:-15}))
	until screen | grep -qF -- "$1"; do
		[ $SECONDS -lt $deadline ] || fail "screen never showed: $1"
		sleep 0.2
	done
}

shot() {
	if [ -n "${SMOKE_SHOTS:-}" ]; then
		mkdir -p "$SMOKE_SHOTS"
		screen >"$SMOKE_SHOTS/$1.txt"
	fi
}

keys() { tmux send-keys -t "$session" "$@"; sleep 0.3; }

w=${SIZE%x*}
h=${SIZE#*x}
tmux new-session -d -s "$session" -x "$w" -y "$h" \
	"cd '$work' && LIFEBOAT_JOURNAL_DIR='$work/journals' '$BIN' demo 2>'$work/demo.log'; echo lifeboat-exited-\$?; sleep 60"

# The demo prints its endpoint on stderr before the TUI takes the screen.
ep=""
for _ in $(seq 1 150); do
	ep=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/demo.log" 2>/dev/null | head -1 || true)
	[ -n "$ep" ] && break
	sleep 0.1
done
[ -n "$ep" ] || fail "demo printed no endpoint"
get() { "$BIN" --endpoints "$ep" get "$@" -A -o json 2>/dev/null || true; }

wait_for "40 terminating"
wait_for "WRITE MODE"
shot pods

# Only terminating pods, mark all, undelete: the preview comes first.
keys T
wait_for "terminating only"
keys C-a
wait_for "40 marked"
keys u
wait_for "preview: undelete: 40 pods"
wait_for "deletionTimestamp"
shot preview
[ "$(get pods | grep -c '"deletionTimestamp"')" = 40 ] || fail "the preview wrote something"
keys y
wait_for "40 changed, 0 unchanged, 0 conflicts, 0 errors"
shot summary
n=$(get pods | grep -c '"deletionTimestamp"' || true)
[ "$n" = 0 ] || fail "$n pods still have a deletionTimestamp in etcd"
wait_for "0 terminating"

# Nodes: untaint every node the node lifecycle controller tainted.
keys Escape
keys : nodes Enter
wait_for "KUBELET-LEASE"
keys C-a t
wait_for "preview: untaint"
keys y
wait_for "5 changed"
n=$(get nodes | grep -c 'node.kubernetes.io/unreachable' || true)
[ "$n" = 0 ] || fail "$n unreachable taints left in etcd"
keys Escape
wait_for "0 tainted"
shot nodes

# The journal lists the session's writes; q goes back, :q quits.
keys C-j
wait_for "journal"
wait_for "untaint-nodes"
shot journal
keys q
wait_for "KUBELET-LEASE"
keys : q Enter
wait_for "lifeboat-exited-0"
ls "$work"/journals/*-tui.jsonl >/dev/null 2>&1 || fail "no journal file in the journal directory"
[ -z "$(ls "$work" | grep -v -e '^journals$' -e '^demo.log$')" ] || fail "files left in the working directory: $(ls "$work")"
grep -q "Undo with: lifeboat undo" "$work/demo.log" || fail "no undo hint after quitting"
echo "tui-smoke: OK: 40 pods undeleted and 5 nodes untainted through the TUI at ${SIZE}; etcd checked with lifeboat get"
