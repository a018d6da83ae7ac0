#!/usr/bin/env bash
# Builds the upstream Gateway API conformance suite (sigs.k8s.io/gateway-api/conformance, the version
# pinned in test/conformance/go/go.mod) as one test binary, once, into a cache folder outside the clone,
# keyed by the hash of go.sum (any change of the pinned modules builds a new binary):
#
#   ${CAUSEWAY_CACHE:-$HOME/.cache/causeway}/gateway-api-conformance-v<VERSION>/suite-<go.sum hash>/conformance.test
#
# Idempotent (returns at once when the binary is there) and safe to run concurrently (flock; the binary
# is built to a temp file and renamed into place). Prints the binary's path on its last stdout line;
# progress goes to stderr. Called by test/conformance/run-conformance.ts; never needs running by hand.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/go" && pwd)"
cd "$here"

log() { printf '[conformance-suite] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    log "error: the Go toolchain (go) is not on PATH; it is needed to build the conformance suite"
    exit 1
  fi
fi

version="$(awk '{ sub(/^require[ \t]+/, "") } $1 == "sigs.k8s.io/gateway-api/conformance" && $2 ~ /^v/ { print $2; exit }' go.mod)"
if [[ -z "$version" ]]; then
  log "error: could not read the sigs.k8s.io/gateway-api/conformance version from $here/go.mod"
  exit 1
fi
sum_hash="$(sha256sum go.sum | cut -c1-16)"

cache_root="${CAUSEWAY_CACHE:-${HOME:-/root}/.cache/causeway}"
dir="$cache_root/gateway-api-conformance-${version}/suite-${sum_hash}"
bin="$dir/conformance.test"

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
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

tmp="$dir/.conformance.test.tmp.$$"
start=$SECONDS
log "building the Gateway API conformance suite $version (a cold build takes minutes; cached in $dir)"
rm -f "$tmp"
if ! go test -c -trimpath -ldflags="-s -w" -o "$tmp" .; then
  rm -f "$tmp"
  log "build FAILED"
  exit 1
fi
mv -f "$tmp" "$bin"
log "built in $((SECONDS - start)) s: $bin"
echo "$bin"
