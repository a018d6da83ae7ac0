#!/usr/bin/env bash
# Builds the real kube-apiserver, kube-controller-manager, kube-scheduler and etcd used by the
# Kubernetes e2e tests, once, into a cache folder outside the clone, keyed by the versions pinned in
# go.mod:
#
#   ${CAUSEWAY_CACHE:-$HOME/.cache/causeway}/kube-v<K8S>-etcd-v<ETCD>/{kube-apiserver,etcd,...}
#
# then the Gateway API conformance echo server (conformance/build-echo-basic.sh, its own cache folder).
#
# Idempotent (returns at once when both binaries are there) and safe to run
# concurrently (flock on the cache folder; each binary is built to a temp file
# and renamed into place). Prints the binary folder on its last stdout line;
# progress goes to stderr. A cold build takes ~5 min on 2 cores (see docs/testing.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

log() { printf '[kube-binaries] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "error: the Go toolchain (go) is not on PATH; it is needed to build kube-apiserver and etcd"
  exit 1
fi

# Versions come from go.mod so that there is a single place to bump them.
k8s_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' go.mod)"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ { print $2; exit }' go.mod)"
if [[ -z "$k8s_version" || -z "$etcd_version" ]]; then
  log "error: could not read the k8s.io/kubernetes / etcd versions from $here/go.mod"
  exit 1
fi

cache_root="${CAUSEWAY_CACHE:-${HOME:-/root}/.cache/causeway}"
dir="$cache_root/kube-${k8s_version}-etcd-${etcd_version}"

binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler)
have_all() {
  local b
  for b in "${binaries[@]}"; do [[ -x "$dir/$b" ]] || return 1; done
}

if have_all; then
  bash "$here/conformance/build-echo-basic.sh" >/dev/null
  echo "$dir"
  exit 0
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -n 9; then
  log "another build holds $dir/.lock; waiting for it"
  flock 9
fi

export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
ldflags="-s -w"

build() { # build <import path> <output name>
  local pkg="$1" out="$2"
  if [[ -x "$dir/$out" ]]; then
    log "$out: present"
    return
  fi
  local tmp="$dir/.$out.tmp.$$"
  local start=$SECONDS
  log "$out: building $pkg (cold builds take minutes; output cached in $dir)"
  rm -f "$tmp"
  if ! go build -trimpath -ldflags="$ldflags" -o "$tmp" "$pkg"; then
    rm -f "$tmp"
    log "$out: build FAILED"
    exit 1
  fi
  mv -f "$tmp" "$dir/$out"
  log "$out: built in $((SECONDS - start)) s"
}

if ! have_all; then
  log "downloading modules (k8s.io/kubernetes $k8s_version, etcd $etcd_version)"
  go mod download
fi
# etcd first: it is small (~15 s) and the apiserver needs it anyway. Existing caches that hold only
# etcd and kube-apiserver get the controller-manager and scheduler added (~2.5 min on 2 cores).
build go.etcd.io/etcd/server/v3 etcd
build k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver
build k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager
build k8s.io/kubernetes/cmd/kube-scheduler kube-scheduler

have_all
bash "$here/conformance/build-echo-basic.sh" >/dev/null
log "ready: $dir"
echo "$dir"
