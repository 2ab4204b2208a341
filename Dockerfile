# Hearth's image: the TypeScript source run through tsx, as `npm start` runs it, with the production
# dependencies alone. Every service in docker-compose.yml runs it.

# The dependencies are installed on the same base as the final stage, so that esbuild (under tsx)
# is the build for the image's own platform.
FROM node:26-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# --engine-strict: a dependency that declares a newer Node than the image's fails the build.
RUN npm ci --omit=dev --engine-strict --no-audit --no-fund

FROM node:26-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/hearth
WORKDIR /app
# Root owns the code and the node user runs it, so the process cannot change what it runs. Only
# embedded PGlite and a secret kept without HEARTH_SECRET write, under DATA_DIR; mount a volume there.
RUN mkdir -p /var/lib/hearth && chown node:node /var/lib/hearth
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY projections ./projections
COPY src ./src
USER node
EXPOSE 3000
# /health answers 503 when a projection has stopped. A `hearth project` worker serves no HTTP:
# its service replaces this check with `hearth projections status`.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and receives SIGTERM itself: `serve` and `project` close cleanly on it, and a
# worker gives up its projection leases at once. Give one-off commands `docker run --init` so that
# Ctrl-C stops them.
ENTRYPOINT ["node", "bin/hearth.js"]
CMD ["serve"]
