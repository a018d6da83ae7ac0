#!/usr/bin/env bash
# Builds the OTLP receiver of the tracing e2e (main.go: the OpenTelemetry Collector's otlpreceiver
# writing received spans to stdout as OTLP JSON), once, into a cache folder outside the clone, keyed by
# the collector release pinned in go.mod:
#
#   ${CAUSEWAY_CACHE:-$HOME/.cache/causeway}/otlp-receiver-v<collector>/otlp-receiver
#
# Idempotent (returns at once when the binary is there and main.go has not changed) and safe to run
# concurrently (flock; built to a temp file and renamed into place). Prints the binary's path on its
# last stdout line; progress goes to stderr. A cold build takes ~40 s on 2 cores (~10 s of module
# downloads, ~30 s of compiling; a 21 MB binary).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

log() { printf '[otlp-receiver] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "error: the Go toolchain (go) is not on PATH; it is needed to build the OTLP receiver"
  exit 1
fi

version="$(awk '$1 == "go.opentelemetry.io/collector/receiver/otlpreceiver" && $2 ~ /^v/ { print $2; exit }' go.mod)"
if [[ -z "$version" ]]; then
  log "error: could not read the otlpreceiver version from $here/go.mod"
  exit 1
fi
# The source is part of the key too, so a change to main.go rebuilds.
source_sum="$(cat main.go go.mod go.sum | sha256sum | cut -c1-12)"

cache_root="${CAUSEWAY_CACHE:-${HOME:-/root}/.cache/causeway}"
dir="$cache_root/otlp-receiver-${version}"
bin="$dir/otlp-receiver-${source_sum}"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -n 9; then
  log "another build holds $dir/.lock; waiting for it"
  flock 9
fi

if [[ ! -x "$bin" ]]; then
  export GOFLAGS="-mod=mod -buildvcs=false"
  export CGO_ENABLED=0
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  start=$SECONDS
  log "building (collector $version; output cached in $dir)"
  go mod download
  tmp="$dir/.otlp-receiver.tmp.$$"
  rm -f "$tmp"
  if ! go build -trimpath -ldflags="-s -w" -o "$tmp" .; then
    rm -f "$tmp"
    log "build FAILED"
    exit 1
  fi
  mv -f "$tmp" "$bin"
  log "built in $((SECONDS - start)) s"
fi
echo "$bin"
