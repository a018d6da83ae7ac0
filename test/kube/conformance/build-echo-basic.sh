#!/usr/bin/env bash
# Builds the Gateway API conformance echo server (echo-basic, from sigs.k8s.io/gateway-api/conformance
# at the version pinned in go.mod here) once, into a cache folder outside the clone:
#
#   ${CAUSEWAY_CACHE:-$HOME/.cache/causeway}/gateway-api-conformance-v<VERSION>/echo-basic
#
# The node agent (test/support/kube-cluster/) runs it for the conformance manifests' echo-basic image.
# Idempotent, safe to run concurrently (flock; temp file renamed into place). Prints the folder on its
# last stdout line; progress goes to stderr. Called by ../build-binaries.sh (npm run setup:kube).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

log() { printf '[echo-basic] %s\n' "$*" >&2; }

version="$(awk '{ if ($1 == "require") { $1 = ""; $0 = $0 } }
  $1 == "sigs.k8s.io/gateway-api/conformance" && $2 ~ /^v/ { print $2; exit }' go.mod)"
if [[ -z "$version" ]]; then
  log "error: could not read the sigs.k8s.io/gateway-api/conformance version from $here/go.mod"
  exit 1
fi
cache_root="${CAUSEWAY_CACHE:-${HOME:-/root}/.cache/causeway}"
dir="$cache_root/gateway-api-conformance-${version}"
if [[ -x "$dir/echo-basic" ]]; then
  echo "$dir"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  log "error: the Go toolchain (go) is not on PATH; it is needed to build echo-basic"
  exit 1
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -n 9; then
  log "another build holds $dir/.lock; waiting for it"
  flock 9
fi
if [[ ! -x "$dir/echo-basic" ]]; then
  export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  tmp="$dir/.echo-basic.tmp.$$"
  start=$SECONDS
  log "building sigs.k8s.io/gateway-api/conformance/echo-basic $version into $dir"
  rm -f "$tmp"
  if ! go build -trimpath -ldflags="-s -w" -o "$tmp" sigs.k8s.io/gateway-api/conformance/echo-basic; then
    rm -f "$tmp"
    log "build FAILED"
    exit 1
  fi
  mv -f "$tmp" "$dir/echo-basic"
  log "built in $((SECONDS - start)) s"
fi
echo "$dir"
