"""Every catalog is complete, well-formed and compiled: the checks a translator's slip fails.

These read the files only (no database, no Django set-up): a catalog is data the product ships.
"""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.i18n.catalog import Entry, header, parse, placeholders, read, tags

LOCALE_DIR = Path(__file__).resolve().parents[3] / "src" / "tessera" / "locale"
LANGUAGES = ("vi", "th", "pl")
PLURAL_FORMS = {
    "vi": "nplurals=1; plural=0;",
    "th": "nplurals=1; plural=0;",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
}
# A translation equal to its English source is almost always a forgotten copy; these are the
# exceptions: product and protocol names, and words each language spells like English.
SAME_AS_ENGLISH = {
    "*": {"API", "Facebook", "Google (Gmail, Google Workspace)", "LINE", "Microsoft 365, Outlook.com", "SLA", "SMS", "STARTTLS", "Telegram", "Twitter", "WhatsApp", "Zalo"},
    "vi": {"Email"},
    "th": set(),
    "pl": {"Administrator", "Operator", "Port", "Problem", "Spam", "Status", "System", "Tag"},
}


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def live_entries(language: str) -> list[Entry]:
    return [e for e in read(po_path(language)) if not e.is_header and not e.obsolete]


def nplurals(language: str) -> int:
    forms = header(read(po_path(language)))["Plural-Forms"]
    return int(forms.split("nplurals=")[1].split(";")[0])


def report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_header_names_language_charset_and_plural_rule(language: str) -> None:
    fields = header(read(po_path(language)))
    assert fields.get("Language") == language
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == PLURAL_FORMS[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = live_entries(language)
    assert len(entries) > 300, "the catalog lost most of its entries"
    expected_forms = nplurals(language)
    problems: list[str] = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.describe()}")
        if any(not text.strip() for text in entry.translations) or not entry.translations:
            problems.append(f"untranslated: {entry.describe()}")
        if entry.msgid_plural is not None and len(entry.msgstr) != expected_forms:
            problems.append(f"{len(entry.msgstr)} plural forms, want {expected_forms}: {entry.describe()}")
    assert not problems, report(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_markup(language: str) -> None:
    problems: list[str] = []
    for entry in live_entries(language):
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        wanted_fields = [placeholders(s, entry.flags) for s in sources]
        wanted_tags = [tags(s) for s in sources]
        for text in entry.translations:
            if placeholders(text, entry.flags) not in wanted_fields:
                problems.append(f"placeholders {placeholders(text, entry.flags)} in {text!r}, want {wanted_fields[0]}: {entry.describe()}")
            if tags(text) not in wanted_tags:
                problems.append(f"HTML tags {tags(text)} in {text!r}, want {wanted_tags[0]}: {entry.describe()}")
    assert not problems, report(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_a_copy_of_the_english(language: str) -> None:
    allowed = SAME_AS_ENGLISH["*"] | SAME_AS_ENGLISH[language]
    copies = [
        entry.describe()
        for entry in live_entries(language)
        if entry.msgid not in allowed and any(text == entry.msgid for text in entry.translations)
    ]
    assert not copies, report(copies)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_msgid_appears_once(language: str) -> None:
    keys = [e.key for e in live_entries(language)]
    duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
    assert not duplicates, report(duplicates)


def expected_mo_catalog(entries: list[Entry]) -> dict[object, str]:
    """What msgfmt puts in a .mo, keyed the way Python's gettext reads it back."""
    catalog: dict[object, str] = {}
    for entry in entries:
        if entry.obsolete or ("fuzzy" in entry.flags and not entry.is_header):
            continue
        # msgfmt drops an entry only when nothing is translated; a plural with one empty form
        # goes in as it is (and the completeness test above refuses it).
        if not any(entry.translations):
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            catalog[key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                catalog[(key, index)] = text
    return catalog


def mo_differences(entries: list[Entry], mo: Path) -> list[str]:
    """How a compiled catalog differs from its source; empty when it is up to date."""
    # Django's translations are GNUTranslations over the .mo file; reading it the same way
    # shows what a machine without gettext will serve.
    with mo.open("rb") as handle:
        loaded: dict[object, str] = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected = expected_mo_catalog(entries)
    problems = [f"missing from the .mo: {k!r}" for k in expected.keys() - loaded.keys()]
    problems += [f"only in the .mo: {k!r}" for k in loaded.keys() - expected.keys()]
    problems += [
        f"different: {k!r}: .po {expected[k]!r}, .mo {loaded[k]!r}"
        for k in expected.keys() & loaded.keys()
        # The header's dates change whenever makemessages runs; its content is checked above.
        if k != "" and expected[k] != loaded[k]
    ]
    return sorted(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_matches_the_po(language: str) -> None:
    mo = po_path(language).with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run scripts/i18n.sh compile"
    problems = mo_differences(read(po_path(language)), mo)
    assert not problems, f"{mo.name} is out of date (run scripts/i18n.sh compile): " + report(problems[:30])


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (GNU gettext) is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_catalog(language: str, tmp_path: Path) -> None:
    # --check compares format strings (python-format) and the header as GNU gettext sees them.
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po_path(language))],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


# The checks above are only as good as the reader under them: prove it sees what it must.

SAMPLE = r'''
msgid ""
msgstr ""
"Language: pl\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : 1);\n"

#: a.py b.html
#, fuzzy, python-format
msgid "Hello %(name)s, "
"you have \"mail\""
msgstr "Cześć %(name)s"

msgctxt "verb"
msgid "Open"
msgstr ""

#, python-format
msgid "%(count)d file"
msgid_plural "%(count)d files"
msgstr[0] "%(count)d plik"
msgstr[1] "%(count)d pliki"
msgstr[2] ""

#~ msgid "Gone"
#~ msgstr "Nie ma"
'''


def test_reader_parses_flags_continuations_contexts_and_plurals() -> None:
    entries = parse(SAMPLE)
    assert header(entries) == {"Language": "pl", "Plural-Forms": "nplurals=3; plural=(n==1 ? 0 : 1);"}
    hello, open_, files, gone = entries[1:]
    assert hello.msgid == 'Hello %(name)s, you have "mail"'
    assert hello.flags == {"fuzzy", "python-format"}
    assert hello.references == ["a.py", "b.html"]
    assert open_.key == ("verb", "Open")
    assert open_.translations == [""]
    assert files.msgid_plural == "%(count)d files"
    assert files.translations == ["%(count)d plik", "%(count)d pliki", ""]
    assert gone.obsolete
    assert gone.msgstr == {0: "Nie ma"}


def test_placeholder_and_tag_comparison_catch_slips() -> None:
    fmt = {"python-format"}
    assert placeholders("Ticket %(number)s by %s", fmt) == ["%(number)s", "%s"]
    assert placeholders("Zgłoszenie %(numer)s", fmt) != placeholders("Ticket %(number)s", fmt)
    assert placeholders("100%% done", fmt) == []
    # Without the flag a percent sign is prose.
    assert placeholders("100% sure", set()) == []
    assert placeholders("Hi {name}, {{literal}}", {"python-brace-format"}) == ["{name}"]
    assert tags('Read <a href="/x">this</a>') == ["</a>", '<a href="/x">']
    assert tags("Read <b>this</b>") != tags("Read this")


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (GNU gettext) is not installed")
def test_mo_comparison_agrees_with_msgfmt_and_sees_a_stale_mo(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(SAMPLE, encoding="utf-8")
    mo = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)
    entries = parse(SAMPLE)
    assert mo_differences(entries, mo) == []
    # A translator fixes the plural and the context entry but nobody recompiles.
    edited = SAMPLE.replace('msgstr[2] ""', 'msgstr[2] "%(count)d plików"').replace(
        'msgid "Open"\nmsgstr ""', 'msgid "Open"\nmsgstr "Otwórz"'
    )
    problems = mo_differences(parse(edited), mo)
    assert len(problems) == 2, problems
    assert any("missing" in p and "Open" in p for p in problems)
    assert any("different" in p and "plików" in p for p in problems)
