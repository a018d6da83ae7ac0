# syntax=docker/dockerfile:1
# Build stage: install dependencies and compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY xds ./xds
COPY test ./test
# `npm ci` builds everything (prepare); the image keeps the controller only: no compiled tests, no dev deps.
RUN npm ci && rm -rf dist/test && npm prune --omit=dev

# Runtime stage: the compiled controller and production dependencies only, as a non-root user.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
USER node
EXPOSE 18000 19000
ENTRYPOINT ["node", "bin/causeway.js"]
CMD ["controller", "--manifests", "/etc/causeway/manifests", "--xds-address", "0.0.0.0:18000", "--admin-address", "0.0.0.0:19000"]
