# payments-bridge: build with the Swift toolchain, run on a slim image with the C libraries.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librdkafka-dev libavro-dev libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The whole package: SwiftPM checks every target's folder (tests and benchmarks included) even
# when it builds one product. .dockerignore keeps build outputs and local tools out.
COPY . .
RUN swift build -c release --product payments-bridge --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/payments-bridge" /out/payments-bridge

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librdkafka1 libavro23 libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 bridge
WORKDIR /app
COPY --from=build /out/payments-bridge /usr/local/bin/payments-bridge
COPY schemas ./schemas
# Only the deployment configuration: config/dev.yaml (plain http, private addresses) stays out.
COPY config/bridge.yaml ./config/bridge.yaml
USER bridge
EXPOSE 8088
ENTRYPOINT ["payments-bridge"]
CMD ["run", "--config", "/app/config/bridge.yaml"]
