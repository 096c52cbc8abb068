#!/usr/bin/env bash
# `make run`: creates ./civicgrid.db with the demo city on first use and
# serves it.  Set CIVICGRID_LISTEN to serve elsewhere than 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${CIVICGRID_DB:-civicgrid.db}
listen=${CIVICGRID_LISTEN:-127.0.0.1:8080}
./civicgrid demo --db "$db"
echo
echo "sign in at the address below with one of the users above"
exec ./civicgrid serve --db "$db" --listen "$listen"
