# syntax=docker/dockerfile:1
# One image for both apps: the command picks the app (see docker-compose.yml).

# --- build: install everything (the postinstall generates the Prisma clients), then drop dev deps
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/control/package.json apps/control/
COPY apps/execution/package.json apps/execution/
COPY packages/batching/package.json packages/batching/
COPY packages/client/package.json packages/client/
# The client package is built by the postinstall (its sources and build configuration first).
COPY packages/client/src packages/client/src
COPY packages/client/build.mjs packages/client/tsconfig.esm.json packages/client/tsconfig.cjs.json packages/client/
COPY packages/contract/package.json packages/contract/
COPY packages/db/package.json packages/db/
COPY packages/domain/package.json packages/domain/
COPY packages/http/package.json packages/http/
COPY packages/lifecycle/package.json packages/lifecycle/
COPY packages/observability/package.json packages/observability/
COPY packages/queues/package.json packages/queues/
COPY packages/smtp-sink/package.json packages/smtp-sink/
COPY packages/templates/package.json packages/templates/
COPY packages/testing/package.json packages/testing/
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# --- runtime: sources run through tsx (no separate compile step), as a non-root user
FROM node:24-bookworm-slim AS runtime
# Production mode refuses development settings; a container listens on every interface of its own.
ENV NODE_ENV=production LOG_FORMAT=json HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/db/generated ./packages/db/generated
COPY --from=build /app/packages/client/dist ./packages/client/dist
COPY package.json ./
COPY apps ./apps
COPY packages ./packages
COPY prisma ./prisma
USER node
EXPOSE 3000 3001
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CONTROL_PORT || process.env.EXECUTION_PORT || 3001) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "apps/execution/src/main.ts"]
