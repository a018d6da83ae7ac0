#!/usr/bin/env bash
# Installs the AWS emulator used by the ALB e2e tests and benchmark: moto[server] from PyPI, pinned,
# in a project-local Python venv:
#
#   <repo>/.tools/moto-<version>/bin/moto_server
#
# Idempotent (returns at once when the marker file says this exact version is installed) and safe
# to run concurrently (flock on .tools/moto-<version>.lock). A venv hard-codes its own path, so it
# is built in place under the lock and the marker file is written last: a half-built install (no
# marker) is removed and rebuilt on the next run. Prints the moto_server path on its
# last stdout line; progress goes to stderr.
set -euo pipefail

MOTO_VERSION="5.2.5"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="$root/.tools"
dir="$tools/moto-$MOTO_VERSION"
marker="$dir/.installed"

log() { printf '[moto] %s\n' "$*" >&2; }

if [[ -f "$marker" && -x "$dir/bin/moto_server" ]]; then
  echo "$dir/bin/moto_server"
  exit 0
fi

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  log "error: $python is not on PATH; moto (the AWS emulator of the ALB tests) needs Python 3.9+"
  exit 1
fi

mkdir -p "$tools"
exec 9>"$tools/moto-$MOTO_VERSION.lock"
if ! flock -n 9; then
  log "another install holds $tools/moto-$MOTO_VERSION.lock; waiting for it"
  flock 9
fi
if [[ -f "$marker" && -x "$dir/bin/moto_server" ]]; then
  echo "$dir/bin/moto_server"
  exit 0
fi

start=$SECONDS
rm -rf "$dir"
log "creating a venv and installing moto[server]==$MOTO_VERSION"
"$python" -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  "moto[server]==$MOTO_VERSION" >&2
"$dir/bin/moto_server" --help >/dev/null
printf '%s\n' "$MOTO_VERSION" >"$marker"
log "installed in $((SECONDS - start))s"
echo "$dir/bin/moto_server"
