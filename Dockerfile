# limitsd in a container: built on Debian 12 with the project's own scripts, run as an
# unprivileged user. Build: docker build -t limitsd .   Run: docker run -p 7400:7400 limitsd
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh
COPY . .
RUN cmake --preset release -DLIMITSD_BUILD_TESTS=OFF -DLIMITSD_BUILD_BENCH=OFF \
 && cmake --build --preset release -j"$(nproc)" --target limitsd

FROM debian:12-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libhiredis0.14 libspdlog1.10 libyaml-cpp0.7 \
      libboost-program-options1.81.0 libboost-json1.81.0 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home limitsd
COPY --from=build /src/build/release/server/limitsd /usr/local/bin/limitsd
COPY docker/limitsd.yaml /etc/limitsd/limitsd.yaml
USER limitsd
EXPOSE 7400
ENTRYPOINT ["/usr/local/bin/limitsd"]
CMD ["--config", "/etc/limitsd/limitsd.yaml"]
