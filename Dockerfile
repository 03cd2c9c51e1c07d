# semiasync's image: `docker compose up -d --build` builds it (docker-compose.yaml),
# or `docker build -t semiasync .`. One binary; the command picks the process:
#   docker run semiasync server      (the default)
#   docker run semiasync consumer
# Settings as everywhere: SEMIASYNC_<KEY> variables, flags, or a YAML file given
# with SEMIASYNC_CONFIG / --config (config/docker.yaml is the compose stack's).
#
# Both stages use the project's own scripts, so CI (scripts/test) exercises the
# steps the image runs: scripts/install-deps picks the packages, scripts/build
# configures and builds.

ARG DEBIAN_IMAGE=debian:12-slim

# ---------------------------------------------------------------- build
FROM ${DEBIAN_IMAGE} AS build
WORKDIR /src
# The package step first, alone: it stays cached while the sources change.
# OpenTelemetry C++ is only in bookworm-backports: install-deps writes that apt
# source (deb822, signed by debian-archive-keyring, which the slim image has)
# before its `apt-get update`, here and in the runtime stage.
COPY scripts/lib.sh scripts/install-deps scripts/
RUN scripts/install-deps --build-only && rm -rf /var/lib/apt/lists/*
COPY . .
# scripts/build reads these; tests are not built into an image.
ARG CMAKE_BUILD_TYPE=RelWithDebInfo
ARG SEMIASYNC_JOBS=
RUN scripts/build -DSEMIASYNC_TESTS=OFF -DSEMIASYNC_BENCH=OFF \
    && strip --strip-debug -o /semiasync build/app/semiasync \
    && strip --strip-debug -o /libsemiasync_otel.so build/lib/libsemiasync_otel.so \
    && /semiasync --help >/dev/null

# ---------------------------------------------------------------- runtime
FROM ${DEBIAN_IMAGE} AS runtime
# Only the shared libraries the binary loads (and curl for the HEALTHCHECK),
# named in scripts/install-deps next to the build packages.
COPY scripts/lib.sh scripts/install-deps /tmp/install/scripts/
RUN /tmp/install/scripts/install-deps --runtime-only \
    && rm -rf /var/lib/apt/lists/* /tmp/install \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin semiasync
COPY --from=build /semiasync /usr/local/bin/semiasync
# The exporter plugin, opened only when an OTLP endpoint is set: found in
# ../lib next to the binary.
COPY --from=build /libsemiasync_otel.so /usr/local/lib/libsemiasync_otel.so

USER 10001:10001
# httpPort of `server`, workerMetricsPort of `consumer` (defaults).
EXPOSE 8080 9091
# Liveness of either process: the server's /healthz, else the worker's.
# docker-compose.yaml gives `server` a readiness check (/readyz) instead.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${SEMIASYNC_HTTP_PORT:-8080}/healthz" \
        || curl -fsS -o /dev/null "http://127.0.0.1:${SEMIASYNC_WORKER_METRICS_PORT:-9091}/healthz" \
        || exit 1
ENTRYPOINT ["/usr/local/bin/semiasync"]
CMD ["server"]
