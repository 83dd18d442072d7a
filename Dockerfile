# One image for every authfarm process; the app is the first argument or $APP:
#   docker run authfarm:0.1.0 gateway | auth | resource | migrate | keys
# Secrets and keys are never in the image: they arrive at run time as files or variables.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: full dependencies, compile TypeScript to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Native modules come prebuilt (optional per-platform packages): no install script has to run.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.console.json ./
COPY scripts/build-console.js ./scripts/
COPY libs ./libs
COPY apps ./apps
RUN npm run build

# --- runtime: production dependencies and the compiled output only, as a non-root user ---
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node (graceful drain) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    APP=gateway
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY docker/entrypoint.sh docker/healthcheck.js ./docker/
USER node
# gateway (GATEWAY_PORT), auth and resource (PORT) as set by compose and the k8s manifests.
EXPOSE 8080 3001 3002
# Ready, not merely live: compose's depends_on waits on this. Kubernetes uses its own probes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "docker/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--", "/bin/sh", "/app/docker/entrypoint.sh"]
