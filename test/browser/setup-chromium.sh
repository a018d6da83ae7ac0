#!/usr/bin/env bash
# Makes sure a headless Chromium is installed for the browser tests (test/e2e/fleet-page.test.ts drive
# it with playwright-core and `executablePath`). Idempotent: does nothing when `chromium` is found.
# Installs Debian's `chromium` package with apt-get when run as root; otherwise says what to do.
set -euo pipefail

for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then
    echo "setup-chromium: $(command -v "$candidate") ($("$candidate" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
  fi
done

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-chromium: chromium is not installed and this is not root: install it (Debian/Ubuntu: sudo apt-get install -y chromium), or set CHROMIUM_PATH" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-chromium: chromium is not installed and apt-get is missing: install Chromium with this system's package manager, or set CHROMIUM_PATH" >&2
  exit 1
fi

echo "setup-chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
echo "setup-chromium: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
