"""The German catalogue covers every message, and both languages render."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def test_german_catalogue_is_complete_and_current(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with (ROOT / "eventhub/translations/de/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(wanted - translated)
    assert not missing, (
        f"untranslated in de (run the steps in eventhub/translations/README.md): {missing}"
    )


def test_dates_follow_the_locale(client, make_event):
    import datetime as dt
    from zoneinfo import ZoneInfo

    event = make_event(starts=dt.datetime(2030, 3, 6, 14, 30, tzinfo=ZoneInfo("Europe/Berlin")))
    german = client.get(f"/events/{event.slug}?lang=de").get_data(as_text=True)
    english = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "Mittwoch, 6. März 2030, 14:30–18:30 MEZ" in german
    assert "Wednesday, March 6, 2030" in english and "CET" in english


def test_wtforms_own_messages_follow_each_requests_language(client, make_event, register_by_form):
    """WTForms' built-in messages come in the reader's language, request after request
    (the catalogue is kept per language and process, eventhub.i18n)."""
    event = make_event()
    for lang, message in [
        ("de", "Keine gültige Auswahl"),
        ("en", "Not a valid choice"),
        ("de", "Keine gültige Auswahl"),
    ]:
        response = register_by_form(event, lang=lang, organisation_type="no-such-type")
        assert response.status_code == 422
        assert message in response.get_data(as_text=True), lang
