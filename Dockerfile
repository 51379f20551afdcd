# suma-redis container image: Node.js, the libraries it loads and one bundled JavaScript file, nothing
# else (no shell, no package manager). Runs as uid 65532 and works with a read-only root file system.
#
#   docker build -t suma-redis .
#   docker run --read-only -p 6380:6380 suma-redis serve --sentinel s1:26379 --sentinel s2:26379 ...
#
# Without a Docker engine, scripts/image.sh assembles the `rootfs` stage on the host and builds the
# `runtime` stage of this same file with buildah.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: `prepare` would compile before the sources are here, and esbuild needs none.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bin bin
COPY src src
COPY commands commands
COPY scripts scripts
RUN npm run build && npm run bundle && sh scripts/rootfs.sh /rootfs "$(command -v node)"

FROM scratch AS rootfs
COPY --from=build /rootfs/ /

FROM scratch AS runtime
COPY --from=rootfs / /
USER 65532:65532
WORKDIR /app
# Listen on the container's interfaces; the admin listener (/metrics, /livez, /readyz) too.
ENV SUMA_BIND=0.0.0.0 SUMA_ADMIN_BIND=0.0.0.0
EXPOSE 6380 9380
# `ctl probe` reads the flags of the serve that is PID 1 and asks /livez (or INFO proxy on the RESP
# port when the admin listener is off): answered by the proxy itself, so a failover does not fail it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/node", "/app/suma-redis.mjs", "ctl", "probe", "--quiet"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/node", "/app/suma-redis.mjs"]
CMD ["serve"]
