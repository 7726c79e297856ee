# payments-bridge — the two commands of the README, and a few more.
#   make demo   set up, build, and run the whole flow on the embedded broker; ends with a summary
#   make test   set up and run every test suite
#   make run    set up, build, and run the service on the embedded broker (Ctrl-C stops it) with the
#               development configuration config/dev.yaml
.PHONY: setup build demo run test test-unit test-real-broker bench format clean

SWIFT ?= swift
CONFIG ?= config/dev.yaml

setup:
	@scripts/setup.sh

build:
	@scripts/setup.sh --build-only
	$(SWIFT) build

demo: build
	.build/debug/payments-bridge demo --events $(or $(EVENTS),2000)

# Secrets have no default in any configuration file: unless PARTNER_ABC_SECRET is set, the run
# gets a random one of its own (a receiver of your own needs the value you set).
run: build
	PARTNER_ABC_SECRET="$${PARTNER_ABC_SECRET:-whsec_$$(head -c 32 /dev/urandom | base64)}" \
	  .build/debug/payments-bridge run --config $(CONFIG)

# One build for everything; then the suites on Debian's librdkafka 2.0.2 (embedded broker,
# unit tests) and the real-broker suite (Tansu) on the current librdkafka from the
# confluent-kafka wheel. See scripts/test.sh.
test:
	@scripts/test.sh

# The two halves, after a `swift build --build-tests`.
test-unit:
	$(SWIFT) test --skip-build --skip RealBrokerTests --skip ReliabilityTests
	$(SWIFT) test --skip-build --filter ReliabilityTests --no-parallel

test-real-broker:
	LD_LIBRARY_PATH=$(CURDIR)/.tools/librdkafka $(SWIFT) test --skip-build --filter RealBrokerTests

bench: setup
	benchmarks/run.sh all

clean:
	rm -rf .build .tools benchmarks/.build

# Formats every Swift file with the toolchain's swift-format (.swift-format: 120 columns); make
# test fails when a file differs.
format:
	$(SWIFT) format --in-place --recursive --parallel Package.swift Sources Tests benchmarks
