#!/usr/bin/env bash
# Installs the Debian packages the terminal needs: the CJK font that certificates embed, Qt's
# xcb/EGL/xkb libraries, PulseAudio's client (QtMultimedia), poppler and NSS tools (certificate
# checks), CUPS with the CUPS-PDF queue driver and the headers pycups builds against, and
# PostgreSQL (the store's tests start a private server of their own), and espeak-ng for the
# spoken prompts in Mandarin and English.
# As root it installs what is missing; otherwise it prints the exact command to run.
set -euo pipefail

PACKAGES=(
  fonts-wqy-zenhei
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1
  libpulse0
  poppler-utils libnss3-tools
  cups cups-client printer-driver-cups-pdf libcups2-dev
  postgresql
  espeak-ng  # the spoken prompts: Mandarin (voice cmn) and English, rendered and played by espeak-ng
  xvfb xdotool x11-utils openbox  # the lockdown test: a real X server, key chords, a window manager
  prometheus  # its promtool checks the fleet service's /metrics text in the tests
  softhsm2  # a software PKCS#11 token for the seal keys in tests and --simulate
  systemd  # systemd-analyze: the tests verify kiosk.service and score its hardening
  chromium  # the operations console's browser tests (Playwright drives it; no browser download)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages. Run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
