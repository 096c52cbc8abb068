#!/bin/sh
# Copies the browser libraries the web UI loads from node_modules/ into
# web/vendor/, where the server can serve them. Safe to run again: the
# target is replaced as a whole, so a newer Leaflet never leaves stale files.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/node_modules/leaflet/dist"
dst="$root/web/vendor/leaflet"

if [ ! -f "$src/leaflet-src.esm.js" ]; then
    echo "vendor-web: $src is missing; running npm ci" >&2
    (cd "$root" && npm ci --no-audit --no-fund)
fi

tmp="$dst.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
cp -R "$src/." "$tmp/"
# Source maps are for debugging the library itself; the UI does not need them.
rm -f "$tmp"/*.map
rm -rf "$dst"
mv "$tmp" "$dst"
echo "vendor-web: leaflet $(node -p "require('$root/node_modules/leaflet/package.json').version" 2>/dev/null || echo '?') -> web/vendor/leaflet"
