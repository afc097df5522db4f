#!/usr/bin/env bash
# Refresh the translation catalogs from the source, then compile them.
#   scripts/i18n.sh            extract (makemessages) + compile (compilemessages)
#   scripts/i18n.sh compile    compile only (after editing a .po by hand)
# Needs GNU gettext (Debian package "gettext"). The compiled .mo files are committed, so
# running the product never needs gettext; only changing its strings does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESSERA="$ROOT/.venv/bin/tessera"
LOCALES=(vi th pl)

command -v xgettext >/dev/null || { echo "xgettext not found: apt-get install gettext" >&2; exit 1; }
export DJANGO_SETTINGS_MODULE=tessera.settings
# makemessages only needs settings to load; keep it away from any real data directory.
export TESSERA_DATA_DIR="${TESSERA_DATA_DIR:-$(mktemp -d /tmp/tessera-i18n.XXXXXX)}"

locale_args=()
for lang in "${LOCALES[@]}"; do locale_args+=(--locale "$lang"); done

# Run from the package directory: "#:" references stay relative (portal/views.py) and
# makemessages writes into src/tessera/locale, the LOCALE_PATHS entry.
cd "$ROOT/src/tessera"
if [ "${1:-}" != "compile" ]; then
    # --add-location=file: line numbers would churn the catalogs on every unrelated edit.
    # --no-obsolete: strings deleted from the source leave the catalogs instead of lingering.
    "$TESSERA" makemessages "${locale_args[@]}" \
        --ignore=.venv --ignore=tests --ignore='__pycache__' --ignore=locale --ignore=static \
        --add-location=file --no-obsolete
fi
"$TESSERA" compilemessages "${locale_args[@]}" --ignore=.venv

# Report what still needs a translator (untranslated or fuzzy) per catalog.
for lang in "${LOCALES[@]}"; do
    po="locale/$lang/LC_MESSAGES/django.po"
    echo "$lang: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
done
