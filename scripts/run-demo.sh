#!/usr/bin/env bash
# `make run`: creates ./civicgrid.db with the demo city on first use and
# serves it.  Set CIVICGRID_LISTEN to serve elsewhere than 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${CIVICGRID_DB:-civicgrid.db}
listen=${CIVICGRID_LISTEN:-127.0.0.1:8080}
./civicgrid demo --db "$db"
echo
echo "civicgrid is serving the demo city at http://$listen/"
echo "sign in with one of the users above; stop with Ctrl-C"
exec ./civicgrid serve --db "$db" --listen "$listen"
