"""English through Django i18n: French msgids, English catalogues, committed .mo files."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [
    ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po",
    ROOT / "medical" / "locale" / "en" / "LC_MESSAGES" / "django.po",
]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|%[sd]|\{[a-z_]*\}")


def parse_po(path):
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (list), flags.

    Obsolete entries (#~) are skipped; the header (empty msgid) is kept."""
    entries, entry, field = [], None, None

    def flush():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flush()
            entry, field = {"flags": {f.strip() for f in line[2:].split(",")}, "msgstr": {}}, None
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        if keyword in ("msgctxt", "msgid") and (entry is None or "msgid" in entry):
            flush()
            entry = {"flags": set(), "msgstr": {}}
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            field = int(match[1])
            entry["msgstr"][field] = value
        elif keyword == "msgstr":
            field = 0
            entry["msgstr"][0] = value
        else:
            field = keyword
            entry[keyword] = value
    flush()
    for item in entries:
        item["msgstr"] = [item["msgstr"][k] for k in sorted(item["msgstr"])]
    return entries


def _messages(path):
    return [e for e in parse_po(path) if e["msgid"]]


def _label(entry):
    return repr(entry["msgid"])


# --- The catalogues themselves ---------------------------------------------------------


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_of_the_catalogue_has_an_english_translation(path):
    entries = _messages(path)
    assert len(entries) > 10, "the catalogue looks empty: was makemessages run?"
    untranslated = [_label(e) for e in entries if not e["msgstr"] or not all(e["msgstr"])]
    assert not untranslated, f"untranslated in {path.name}: {untranslated}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_message_of_the_catalogue_is_fuzzy(path):
    fuzzy = [_label(e) for e in _messages(path) if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy (unchecked) translations in {path.name}: {fuzzy}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_translations_keep_the_placeholders_of_their_source(path):
    broken = []
    for entry in _messages(path):
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for index, translation in enumerate(entry["msgstr"]):
            source = sources[min(index, 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                broken.append((source, translation))
    assert not broken


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_committed_mo_file_holds_every_translation_of_the_po_file(path):
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run compilemessages and commit it"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _messages(path):
        key = entry["msgid"]
        if "msgctxt" in entry:
            key = f"{entry['msgctxt']}\x04{key}"
        if "msgid_plural" in entry:
            got = [compiled._catalog.get((key, n)) for n in range(len(entry["msgstr"]))]
        else:
            got = [compiled._catalog.get(key)]
        if got != entry["msgstr"]:
            stale.append(_label(entry))
    assert not stale, f"{mo.name} is out of date (run compilemessages): {stale[:10]}"


def test_the_parser_reads_plurals_contexts_flags_and_continuations(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, python-format\nmsgid "%(n)s ligne"\nmsgid_plural "%(n)s lignes"\n'
        'msgstr[0] "%(n)s line"\nmsgstr[1] ""\n\n'
        '#, fuzzy\nmsgctxt "menu"\nmsgid "Fich"\n"ier"\nmsgstr "File"\n\n'
        '#~ msgid "Ancien"\n#~ msgstr "Old"\n',
        encoding="utf-8",
    )
    header, plural, fuzzy = parse_po(po)
    assert header["msgstr"] == ["Language: en\n"]
    assert plural["msgid_plural"] == "%(n)s lignes"
    assert plural["msgstr"] == ["%(n)s line", ""]
    assert plural["flags"] == {"python-format"}
    assert (fuzzy["msgctxt"], fuzzy["msgid"], fuzzy["flags"]) == ("menu", "Fichier", {"fuzzy"})


# --- End to end: pages in English ------------------------------------------------------


def test_settings_offer_french_first_then_english():
    assert settings.LANGUAGE_CODE == "fr"
    assert [code for code, _ in settings.LANGUAGES] == ["fr", "en"]
    # Django's, without the language-prefix steps our URLs do not use (huntzen.middleware).
    assert "huntzen.middleware.LocaleMiddleware" in settings.MIDDLEWARE
    assert issubclass(import_string("huntzen.middleware.LocaleMiddleware"), LocaleMiddleware)


@pytest.mark.django_db
def test_login_page_is_french_by_default(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert "Connectez-vous avec" in response.text
    assert "Pas encore de compte ?" in response.text
    assert 'lang="fr"' in response.text


@pytest.mark.django_db
def test_login_page_is_english_for_a_browser_asking_for_english(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 200
    assert "Sign in with the email address your invitation was sent to." in response.text
    assert "Connectez-vous avec" not in response.text


@pytest.mark.django_db
def test_language_switcher_sets_english_for_the_next_pages(client):
    login = reverse("account_login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302
    assert response["Location"] == login
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = client.get(login)
    assert "No account yet? Access is by invitation" in page.text
    assert "Pas encore de compte" not in page.text


@pytest.mark.django_db
def test_base_template_offers_both_languages_in_the_switcher(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en")
    assert f'action="{reverse("set_language")}"' in response.text
    assert '<option value="fr"' in response.text
    assert '<option value="en" selected lang="en">English<' in response.text


@pytest.mark.django_db
def test_employee_home_is_english_after_switching(client, employee_a):
    client.force_login(employee_a)
    home = reverse("accounts:employee_home")
    assert "Votre espace personnel" in client.get(home).text

    response = client.post(reverse("set_language"), {"language": "en", "next": home}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == home
    text = response.text
    assert "Your personal space: your appointments, your journal" in text
    assert "Security and two-factor authentication" in text
    assert "Votre espace personnel" not in text
    assert 'lang="en"' in text


@pytest.mark.django_db
def test_forbidden_page_is_english_with_its_reason(client, employee_a):
    client.force_login(employee_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("accounts:hr_home"))
    assert response.status_code == 403
    assert "Access denied" in response.text
    assert "This page is reserved for another role." in response.text
    assert "Accès refusé" not in response.text
    assert "réservée à un autre rôle" not in response.text
