# istmo on Debian 12 (docs/install.md, "In a container"): builds and tests istmo, builds its
# Debian packages, and installs them into a clean image. Not used by CI.
#   docker build -t istmo .
#   docker run --rm istmo istmo --help
FROM debian:bookworm AS build
ARG RUN_TESTS=1
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
      -DISTMO_BUILD_TESTS=ON -DISTMO_BUILD_EXAMPLES=ON \
 && cmake --build build -j"$(nproc)"
# The package install test runs in the runtime stage below instead (it installs into /usr).
RUN if [ "$RUN_TESTS" = 1 ]; then cd build && ctest -j"$(nproc)" --output-on-failure -E '^packages\.'; fi
RUN cd build && cpack -G DEB -B /packages && rm -rf /packages/_CPack_Packages

# Not -slim: the slim images leave out /usr/share/man, and the manual pages are part of istmo.
FROM debian:bookworm
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /packages/*.deb /tmp/packages/
RUN apt-get update \
 && apt-get install -y --no-install-recommends man-db bash-completion \
      /tmp/packages/libistmo0_*.deb /tmp/packages/istmo_*.deb /tmp/packages/python3-istmo_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/packages \
 && istmo --version && python3 -c 'import istmo; print("python istmo", istmo.version())'
CMD ["istmo", "--help"]
