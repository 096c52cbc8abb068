#!/usr/bin/env bash
# Runs node-open311 (an Open311 client by another team, from npm) against a
# fresh civicgrid server on loopback.  Not part of `make test`: the client's
# manifest names an XML helper by a git address that a closed build machine
# cannot reach, so this script installs the client's own file and its two
# npm dependencies by hand and stands in for the two XML helpers, which only
# its XML mode calls.  JSON mode, which this trial uses, runs the client's
# code unchanged.
#
#   tests/open311/third-party/run.sh      (from the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
here="$root/tests/open311/third-party"
bin=${CIVICGRID_BIN:-$root/civicgrid}
[ -x "$bin" ] || make -C "$root" -s civicgrid
tmp=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" || true
    rm -rf "$tmp"
}
trap cleanup EXIT

cd "$tmp"
npm pack --silent open311@0.0.12 >/dev/null
tar xzf open311-0.0.12.tgz
echo '{"name":"trial","version":"1.0.0","private":true}' >package.json
npm install --silent --no-audit --no-fund request@2.11.0 lodash@0.6.1
mkdir -p node_modules/open311 node_modules/sparkxml node_modules/xml2json
cp package/open311.js package/cities.json package/package.json \
    node_modules/open311/
for m in sparkxml xml2json; do
    echo "exports.parseXml = exports.toJson = function () {
  throw new Error('$m is not installed: use the JSON format'); };" \
        >node_modules/$m/index.js
done

"$bin" demo --db "$tmp/c.db" --blob-dir "$tmp/blobs" >"$tmp/demo.log" 2>&1
key=$("$bin" client add "node-open311 trial" --db "$tmp/c.db" 2>/dev/null |
    tail -1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --db "$tmp/c.db" --blob-dir "$tmp/blobs" \
    --web-dir "$root/web" --listen "127.0.0.1:$port" >"$tmp/log" 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/open311/v2/discovery.json" >/dev/null &&
        break
    sleep 0.1
done
NODE_PATH="$tmp/node_modules" node "$here/trial.js" \
    "http://127.0.0.1:$port" "$key"
