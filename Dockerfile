# limitsd in a container, built on Debian 12 with the scripts CI runs (install-deps.sh,
# build.sh) and run unprivileged under tini.
#   docker build -t limitsd .
#   docker run -p 7400:7400 -p 7401:7401 limitsd
#   docker build --target debug -o type=local,dest=debug .   # the debug info, for gdb
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh
COPY . .
RUN scripts/build.sh release limitsd \
 && scripts/strip-binary.sh build/release/server/limitsd /src/limitsd /src/limitsd.debug

# The debug information alone: gdb finds it through the binary's .gnu_debuglink.
FROM scratch AS debug
COPY --from=build /src/limitsd.debug /limitsd.debug

FROM debian:12-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libhiredis0.14 libspdlog1.10 libyaml-cpp0.7 \
      libboost-program-options1.81.0 libboost-json1.81.0 libssl3 libgrpc++1.51 libprotobuf32 tini curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 limitsd \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin limitsd
COPY --from=build /src/limitsd /usr/local/bin/limitsd
COPY docker/limitsd.yaml /etc/limitsd/limitsd.yaml
# A numeric user, so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
# 7400: the line protocol and RESP; 7401: the admin endpoint (/metrics, /livez, /readyz).
EXPOSE 7400 7401
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:7401/readyz"]
# tini is PID 1: it reaps zombies and forwards SIGTERM and SIGHUP (reload) to limitsd.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/limitsd"]
CMD ["--config", "/etc/limitsd/limitsd.yaml"]
