#!/bin/sh
# Installs Debian's chromium for the browser tests when /usr/bin/chromium is missing.
# Exit 0 when the browser is there (already, or now); otherwise 1 with the reason on stderr.
set -u
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-chromium: $CHROMIUM is missing and installing it needs root (no passwordless sudo)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; then
  $SUDO apt-get update >/dev/null 2>&1 || true
  if ! $SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; then
    echo "ensure-chromium: apt-get install chromium failed" >&2
    exit 1
  fi
fi
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: chromium installed but $CHROMIUM is missing" >&2; exit 1; }
