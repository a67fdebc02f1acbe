#!/usr/bin/env bash
# tools/web-deps.sh - what the web page (make web) needs beyond the kernel's
# packages: web/node_modules at web/package-lock.json's versions (npm ci,
# again whenever the lock file changes), and Debian's chromium (the browser
# tests) and seabios (the BIOS images v86 boots with). As root it installs
# the missing packages with apt-get; otherwise it prints the command and
# fails. With --npm only the npm part (make web: no browser needed to build).
set -eu
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "web-deps: npm is missing: install Node.js 18 or later with npm (sudo apt-get install nodejs npm)" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
stamp=web/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ web/package-lock.json -nt "$stamp" ]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
[ "${1:-}" = "--npm" ] && exit 0
missing=""
for p in chromium seabios; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "web-deps: missing Debian packages:$missing; install them with: sudo apt-get install$missing" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$missing
