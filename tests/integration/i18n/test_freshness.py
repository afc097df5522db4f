"""The catalogs hold every string the source marks for translation today.

A developer who adds ``{% translate "…" %}`` or ``gettext("…")`` without updating the catalogs
fails here, with the missing strings listed. Extraction runs Django's own makemessages over a
copy of the package, so nothing in the working tree is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.i18n.catalog import Entry, read

PACKAGE = Path(__file__).resolve().parents[3] / "src" / "tessera"
LANGUAGES = ("vi", "th", "pl")
# The same ignores as scripts/i18n.sh: generated, vendored or non-product files.
IGNORES = [".venv", "tests", "__pycache__", "locale", "static"]

pytestmark = pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msguniq") is None,
    reason="GNU gettext (xgettext) is not installed: apt-get install gettext",
)

SETTINGS = '''\
from pathlib import Path
from tessera.settings import *  # noqa: F403
LOCALE_PATHS = [Path(__file__).resolve().parent / "source" / "locale"]
'''


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[Entry]:
    """Every msgid in the current source, as makemessages writes it into the template (.pot)."""
    root = tmp_path_factory.mktemp("i18n-extract")
    # Not named "tessera": on PYTHONPATH that would shadow the installed package.
    source = root / "source"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("__pycache__", "locale", "static"))
    (source / "locale").mkdir()
    # LOCALE_PATHS in the real settings points into the working tree; makemessages would
    # write there. These settings point it at the copy instead.
    (root / "i18n_extract_settings.py").write_text(SETTINGS, encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "i18n_extract_settings", "PYTHONPATH": str(root)}
    # -P: makemessages runs inside the copy, whose "channels" would otherwise shadow Django
    # Channels on sys.path.
    command = [sys.executable, "-P", "-m", "django", "makemessages", "--locale", "vi", "--keep-pot", "--add-location=file"]
    command += [f"--ignore={pattern}" for pattern in IGNORES]
    result = subprocess.run(command, cwd=source, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    pot = source / "locale" / "django.pot"
    assert pot.is_file(), f"makemessages wrote no template: {result.stdout}{result.stderr}"
    return [e for e in read(pot) if not e.is_header]


def test_extraction_finds_the_products_strings(extracted: list[Entry]) -> None:
    # Guards the check below against passing vacuously when extraction silently finds nothing.
    msgids = {e.msgid for e in extracted}
    assert {"Sign in", "Tickets", "Help centre", "Open", "Resolved"} <= msgids
    assert len(msgids) > 300


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_string_of_the_source(extracted: list[Entry], language: str) -> None:
    po = PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"
    catalog = {e.key: e for e in read(po) if not e.is_header and not e.obsolete}
    missing = [e for e in extracted if e.key not in catalog]
    changed_plural = [
        e for e in extracted if e.key in catalog and e.msgid_plural != catalog[e.key].msgid_plural
    ]
    problems = [f"missing: {e.describe()}" for e in missing]
    problems += [f"plural changed to {e.msgid_plural!r}: {e.describe()}" for e in changed_plural]
    assert not problems, (
        f"{po.relative_to(PACKAGE.parents[1])} lacks {len(problems)} string(s) of the source; run "
        "scripts/i18n.sh, translate the new entries, and commit the .po and .mo files:\n  "
        + "\n  ".join(problems)
    )
