# Shared by scripts/demo.sh and scripts/test.sh: find Python >= 3.12 and make the virtualenv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
    for candidate in "${PYTHON:-}" python3.13 python3.12 /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "Tessera needs Python 3.12 or newer; set PYTHON=/path/to/python3.12" >&2
    return 1
}

ensure_venv() {
    local extras="$1"
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
        rm -rf .venv
        "$(find_python)" -m venv .venv
        .venv/bin/python -m pip install -q --upgrade pip
    fi
    # Reinstall only when the dependency list changed since the last install.
    local stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras:-base}"
    if [ ! -f "$stamp" ]; then
        .venv/bin/python -m pip install -q -e ".${extras:+[$extras]}" 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
        .venv/bin/python -c 'import tessera, django' 
        touch "$stamp"
    fi
}
