#!/usr/bin/env bash
# Installs Debian's chromium package when no Chromium is found: the report
# tests open kubehop's HTML report in headless Chromium. Needs root (as on
# CI); elsewhere it says what to install.
set -euo pipefail
if [[ -n "${KUBEHOP_CHROMIUM:-}" ]] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
  echo "Chromium is missing: install Debian's chromium package (apt-get install chromium) or set KUBEHOP_CHROMIUM to a Chromium binary." >&2
  exit 1
fi
echo "==> installing chromium (for the HTML report tests)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
