#!/usr/bin/env bash
# Set up and run Tessera on the embedded default: SQLite, demo data, web server and task worker.
# DATABASE_URL=postgres://... runs the same on PostgreSQL. HOST/PORT choose where to listen.
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
ensure_venv ""
export TESSERA_DATA_DIR="${TESSERA_DATA_DIR:-$ROOT/var}"
export TESSERA_DEBUG="${TESSERA_DEBUG:-true}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export TESSERA_SITE_URL="${TESSERA_SITE_URL:-http://$HOST:$PORT}"
.venv/bin/tessera migrate --no-input -v0
.venv/bin/tessera seed_demo
exec .venv/bin/tessera serve --host "$HOST" --port "$PORT"
