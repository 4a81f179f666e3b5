# syntax=docker/dockerfile:1
# Quality Gates container: multi-stage, pinned base image, production
# dependencies only, non-root, configured only through the environment.

ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY gates ./gates
COPY bench ./bench
# The GitHub stand-in and the fixtures the benchmark imports (compiled with bench/, as tsconfig.build.json includes it).
COPY test/stand-in ./test/stand-in
COPY test/fixtures ./test/fixtures
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json app.yml ./
# The embedded history database (docs/deploy.md): the only path the app writes, owner-only.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
VOLUME ["/data"]
# The image's own "node" user (uid 1000).
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/server/main.js"]
