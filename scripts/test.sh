#!/usr/bin/env bash
# Install what the tests need (system packages too, when root), lint, type-check, and run the
# whole suite on PostgreSQL (127.0.0.1:5432) and again on SQLite.
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

SYSTEM_PACKAGES=(chromium fonts-thai-tlwg dovecot-imapd gettext)
if [ "$(id -u)" = 0 ]; then
    missing=()
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing system packages: ${missing[*]}"
        # Keep Debian from starting the packaged daemons: tests start their own on loopback.
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        rm -f /usr/sbin/policy-rc.d
    fi
fi

ensure_venv dev
export TESSERA_DATA_DIR="${TESSERA_DATA_DIR:-$(mktemp -d /tmp/tessera-test.XXXXXX)}"
export TESSERA_DEBUG=false TESSERA_SECRET_KEY="test-secret-key-that-is-long-enough-0123456789"
# Concurrency tests run tens of threads per test process; each xdist process has its own pool.
export TESSERA_DB_POOL_SIZE="${TESSERA_DB_POOL_SIZE:-30}"
unset DATABASE_URL REDIS_URL

echo "== ruff"; .venv/bin/ruff check src tests bench
echo "== mypy"; .venv/bin/mypy src
echo "== makemigrations --check"; .venv/bin/tessera makemigrations --check --dry-run >/dev/null

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tessera}"
status=0
echo "== tests on PostgreSQL"
DATABASE_URL="$PG_URL" .venv/bin/pytest -n 2 --dist loadgroup "$@" || status=$?
echo "== tests on SQLite (everything that touches a database; the pure unit tests ran above)"
# The whole mail corpus was ingested on PostgreSQL above; here every 5th file of each collection.
TESSERA_CORPUS_STRIDE="${TESSERA_CORPUS_STRIDE:-5}" .venv/bin/pytest -n 2 --dist loadgroup -m "not postgres_only" tests/integration tests/e2e tests/contracts "$@" || status=$?
exit "$status"
