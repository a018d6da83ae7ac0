# syntax=docker/dockerfile:1
# The Causeway controller image: `docker build -t causeway:0.1.0 .` (manifests/deployment.yaml runs it).
# Two stages on the same pinned Node 20 base (package.json: engines node >=20): `build` installs every
# dependency from the lockfile and compiles the TypeScript, then drops the dev dependencies; the runtime
# stage gets only package.json, bin/, dist/ and the production node_modules, and runs as a non-root user.
# test/e2e/dockerfile.test.ts lints this file and runs its stages' commands in temp folders.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Dependencies first, so a source change does not reinstall them. No install scripts: the package's own
# `prepare` (the build) needs the sources, and no dependency needs its script to work.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY xds ./xds
# tsconfig.build.json also includes test/**: with no test/ in the image nothing of it is compiled.
RUN npm run build && npm prune --omit=dev

FROM node:20.20.2-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The base image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# xDS (the gateways connect here), the admin server (/healthz, /readyz, /metrics, read-only /debug and /api)
# and the mutating admin API (gateway drain, bearer token required: docs/security.md, "Admin API").
EXPOSE 18000 19000 19001
# For `docker run`; Kubernetes ignores it and uses the Deployment's probes. It probes the admin port of the
# default CMD: a container started with another --admin-address needs its own check (or --no-healthcheck).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:19000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "/app/bin/causeway.js"]
# Standalone mode on a mounted manifests folder. xDS off loopback requires mTLS (docs/security.md): mount a
# kubernetes.io/tls-style folder (tls.crt, tls.key, ca.crt) at /etc/causeway/xds-tls, or override the CMD.
# The mutating admin API off loopback requires a bearer token: mount a file holding one (16 characters or
# more, e.g. `openssl rand -hex 32`) at /etc/causeway/admin-token/token; without it the controller exits 2.
CMD ["controller", "--manifests", "/etc/causeway/manifests", "--xds-address", "0.0.0.0:18000", "--admin-address", "0.0.0.0:19000", "--admin-api-address", "0.0.0.0:19001", "--admin-token-file", "/etc/causeway/admin-token/token", "--xds-tls-cert", "/etc/causeway/xds-tls/tls.crt", "--xds-tls-key", "/etc/causeway/xds-tls/tls.key", "--xds-tls-client-ca", "/etc/causeway/xds-tls/ca.crt"]
