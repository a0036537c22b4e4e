#!/usr/bin/env bash
# Runs the runtime-vs-tokio-vs-smol benches and prints, for each workload, the
# criterion median of each runtime and the ratios ours/tokio and ours/smol
# (below 1.00 means ours is faster).
#
# Usage: benches/run.sh [WORKLOAD...]     (default: all workloads)
#   QUICK=1          short run: --warm-up-time 0.5 --measurement-time 1 --sample-size 10
#   BENCH_TIMEOUT=N  seconds allowed per workload run (default 600), so a hang
#                    shows up as a failure instead of blocking forever
set -uo pipefail

cd "$(dirname "$0")/.."

all=(spawn_many_local spawn_many_remote_idle spawn_many_remote_busy yield_many ping_pong chained_spawn timers_sleep timers_cancel tcp_echo tcp_stream blocked_worker fs hyper_hello)
if [[ $# -gt 0 ]]; then workloads=("$@"); else workloads=("${all[@]}"); fi

crit_args=(--noplot)
if [[ "${QUICK:-0}" == 1 ]]; then
    crit_args+=(--warm-up-time 0.5 --measurement-time 1 --sample-size 10)
fi

bench_flags=()
for w in "${workloads[@]}"; do bench_flags+=(--bench "$w"); done

cargo bench -p benches "${bench_flags[@]}" --no-run || exit 1

start=$(date +%s)
failed=()
# What the benches print on stderr besides criterion (timers_sleep's mean
# lateness), summarised after the table.
notes=$(mktemp)
trap 'rm -f "$notes"' EXIT
for w in "${workloads[@]}"; do
    echo "=== $w"
    timeout "${BENCH_TIMEOUT:-600}" cargo bench -q -p benches --bench "$w" -- "${crit_args[@]}" \
        2> >(tee -a "$notes" >&2)
    rc=$?
    if [[ $rc -ne 0 ]]; then
        [[ $rc -eq 124 ]] && echo "!!! $w timed out after ${BENCH_TIMEOUT:-600}s" >&2
        failed+=("$w")
    fi
done

target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

python3 - "$target_dir/criterion" "$start" "${workloads[@]}" <<'PY'
import json, os, sys

root, start, workloads = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
fns = ["runtime", "tokio", "smol"]

def median(group, fn):
    path = os.path.join(root, group, fn, "new", "estimates.json")
    try:
        if os.path.getmtime(path) < start:
            return None  # left over from an earlier run
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except OSError:
        return None

def fmt(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3f} {unit}"
    return f"{ns:.1f} ns"

def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}x"

rows = [["workload", *fns, "ours/tokio", "ours/smol"]]
def groups(w):
    # A workload's criterion group has its name, or several groups do,
    # named after it (blocked_worker_ping, blocked_worker_timer).
    if os.path.isdir(os.path.join(root, w)):
        return [w]
    try:
        return sorted(g for g in os.listdir(root) if g.startswith(w + "_")) or [w]
    except OSError:
        return [w]

for w in workloads:
    for g in groups(w):
        m = [median(g, fn) for fn in fns]
        rows.append([g, *map(fmt, m), ratio(m[0], m[1]), ratio(m[0], m[2])])
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
print()
for r in rows:
    print("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
PY

# The last (cumulative) lateness line of each runtime.
if grep -q "mean lateness" "$notes"; then
    echo
    for r in Ours Tokio Smol; do grep "timers_sleep/$r:" "$notes" | tail -n 1; done
fi

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
