#!/usr/bin/env bash
# Installs what civicgrid needs to build, run and test, when it is missing:
# (usage: install-deps.sh [bench])
# Debian packages with apt-get, the web UI's packages with npm.  Safe to run
# again; does nothing when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(
    make gcc pkg-config
    libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
    libvips-dev libgeos-dev libcmocka-dev
    sqlite3 python3 python3-pytest python3-requests python3-jsonschema
    libxml2-utils
    chromium fonts-noto-cjk clang-format
    libpq-dev postgresql
    clang libclang-rt-14-dev
)
# Extra groups named on the command line: `install-deps.sh bench` adds the
# load generator and the static server that benchmarks compare against.
for group in "$@"; do
    case "$group" in
    bench) debs+=(wrk nginx-light) ;;
    *) echo "install-deps: unknown group $group" >&2; exit 2 ;;
    esac
done
missing=()
for p in "${debs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "civicgrid needs these Debian packages: ${missing[*]}" >&2
        echo "install them as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -f package-lock.json ] && [ ! -d node_modules/leaflet ]; then
    echo "installing the web UI's packages"
    npm ci --no-audit --no-fund --loglevel=error
fi
if [ -x scripts/vendor-web.sh ]; then
    scripts/vendor-web.sh
fi
