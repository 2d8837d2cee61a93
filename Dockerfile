# function-modelplane runtime image. Build: docker build -t <registry>/function-modelplane:<version> .
# Stage 1 compiles TypeScript with the dev toolchain; stage 2 carries production dependencies only.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /function
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The XRDs: the function checks every observed XR against its XRD's schema and rules at run time.
COPY apis ./apis
# A heap ceiling sized for the largest request accepted by default (64 MiB: about 5,000 clusters;
# see heapNeeded in src/options.ts). Without one, V8 sizes the heap from the host's memory and lets
# garbage pile up to hundreds of MB before collecting it. Raise it together with
# --max-recv-message-size, by setting NODE_OPTIONS in the DeploymentRuntimeConfig.
ENV NODE_OPTIONS=--max-old-space-size=256
# The image's unprivileged "node" user; Crossplane mounts its TLS secret at /tls/server.
USER 1000:1000
EXPOSE 9443
ENTRYPOINT ["node", "dist/main.js"]
