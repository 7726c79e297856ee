# payments-bridge: build with the Swift toolchain, run on a slim image of the same distribution
# (Ubuntu 24.04, whose librdkafka is 2.3.0: the first release without the known issues the
# service warns about; Debian bookworm ships 2.0.2).
FROM swift:6.3-noble AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librdkafka-dev libavro-dev libssl-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The whole package: SwiftPM checks every target's folder (tests included) even when it builds
# one product. .dockerignore keeps build outputs and local tools out.
COPY . .
RUN swift build -c release --product payments-bridge --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/payments-bridge" /out/payments-bridge \
 # The runtime packages are those that own the shared libraries the binary links (their names
 # differ between releases, e.g. librdkafka1 / librdkafka1t64), and the build fails if the
 # librdkafka it links is older than 2.3.0.
 && for lib in $(ldd /out/payments-bridge | awk '/=> \// { print $3 }'); do \
      real=$(realpath "$lib"); dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" \
    ; done | cut -d: -f1 | sort -u > /out/runtime-packages \
 && grep -q rdkafka /out/runtime-packages \
 && dpkg --compare-versions "$(dpkg-query -W -f='${Version}' librdkafka-dev)" ge 2.3.0

FROM ubuntu:24.04
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates $(cat /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && useradd --system --uid 10001 bridge \
 # state.directory (./state): the payment history's database, the service's only files.
 && install -d -o bridge /app/state
WORKDIR /app
COPY --from=build /out/payments-bridge /usr/local/bin/payments-bridge
COPY schemas ./schemas
# Only the deployment configuration: config/dev.yaml (plain http, private addresses) stays out.
COPY config/bridge.yaml ./config/bridge.yaml
USER bridge
EXPOSE 8088
ENTRYPOINT ["payments-bridge"]
CMD ["run", "--config", "/app/config/bridge.yaml"]
