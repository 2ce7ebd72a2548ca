"""Demo service entries: offers plausible for the seed organisations' kinds and places
(made up for the demo and marked as such, not the organisations' real programmes)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Event
from eventhub.models.network import MeetingSettings
from eventhub.network.meetings import configure_meetings

_ORGANISATIONS = {
    "welcome-center-der-region": "Welcome Center der Region",
    "welcome-office-bochum": "Welcome Office Bochum",
    "nrw-fachkraefteagentur-international": "NRW Fachkräfteagentur International",
    "iq-netzwerk-sachsen": "IQ Netzwerk Sachsen",
    "regionalagentur-westfaelisches-ruhrgebiet": "Regionalagentur Westfälisches Ruhrgebiet",
    "ihk-nrw": "IHK NRW",
    "hwk-leipzig": "Handwerkskammer zu Leipzig",
    "whkt": "Westdeutscher Handwerkskammertag (WHKT)",
    "zaw-leipzig": "ZAW Zentrum für Aus- und Weiterbildung Leipzig GmbH",
    "allianz-fuer-die-region": "Allianz für die Region GmbH",
}


def _service(
    slug: str,
    organisation: str,
    title: str,
    category: str,
    description: str,
    *,
    audiences: list[str],
    languages: list[str],
    regions: list[str],
    address: str = "",
    opening_hours: str = "",
    by_appointment: bool = True,
) -> dict[str, Any]:
    return {
        "slug": slug,
        "organisation": {"slug": organisation, "name": _ORGANISATIONS[organisation]},
        "title": title,
        "category": category,
        "audiences": audiences,
        "languages": languages,
        "regions": regions,
        "description": description,
        "contact": {
            "address": address,
            "phone": "",
            "email": None,
            "website": None,
            "opening_hours": opening_hours,
            "by_appointment": by_appointment,
        },
        "demo": True,
    }


_WC = "welcome-center-der-region"
_SOUTH_EAST = ["Braunschweig", "Wolfsburg", "Südostniedersachsen"]


def demo_services() -> list[dict[str, Any]]:
    """The demo entries as service JSON (imported by `flask demo`)."""
    return [
        _service(
            "welcome-center-erstberatung-fachkraefte",
            _WC,
            "Erstberatung für internationale Fachkräfte",
            "counselling",
            "Erste Informationen und Beratung für Fachkräfte aus dem In- und Ausland, die "
            "in der Region leben und arbeiten möchten: Wer ist wofür zuständig, welche "
            "Beratungsstellen und Bildungsträger helfen weiter?\n\n"
            "Beratung an den Standorten **Braunschweig** und **Wolfsburg**.",
            audiences=["skilled_workers", "families"],
            languages=["de", "en"],
            regions=_SOUTH_EAST,
            opening_hours="Mo–Do 9–16 Uhr",
        ),
        _service(
            "welcome-center-arbeitgeberservice",
            _WC,
            "Service für Unternehmen, die ausländische Fachkräfte einstellen",
            "recruiting",
            "Unternehmen, die ausländische Arbeitskräfte einstellen wollen, erfahren, "
            "welche Schritte nötig sind und welche Partner im Netzwerk unterstützen.",
            audiences=["employers"],
            languages=["de", "en"],
            regions=_SOUTH_EAST,
        ),
        _service(
            "welcome-center-onboarding",
            _WC,
            "Begleitung beim Ankommen im Betrieb",
            "onboarding",
            "Hinweise für Betriebe, wie neue Kolleginnen und Kollegen aus dem Ausland gut "
            "ankommen und bleiben: von der Einarbeitung bis zu Fragen des Alltags.",
            audiences=["employers", "skilled_workers"],
            languages=["de", "en"],
            regions=_SOUTH_EAST,
        ),
        _service(
            "welcome-center-alltag-und-familie",
            _WC,
            "Ankommen im Alltag: Wohnen, Familie, Freizeit",
            "everyday_integration",
            "Orientierung für zugewanderte Fachkräfte und ihre Familien in allen "
            "Lebensbereichen – ein Beitrag zur Willkommenskultur in der Region.",
            audiences=["skilled_workers", "families"],
            languages=["de", "en"],
            regions=_SOUTH_EAST,
        ),
        _service(
            "welcome-office-bochum-anlaufstelle",
            "welcome-office-bochum",
            "Zentrale Anlaufstelle für internationale Fachkräfte",
            "counselling",
            "Das Welcome Office ist die zentrale Anlaufstelle in Bochum für internationale "
            "Fachkräfte: Orientierung zu Ämtern, Aufenthalt, Arbeit und Leben in der Stadt.",
            audiences=["skilled_workers", "students"],
            languages=["de", "en"],
            regions=["Bochum", "Ruhrgebiet"],
        ),
        _service(
            "welcome-office-bochum-unternehmen",
            "welcome-office-bochum",
            "Beratung für Unternehmen zur Fachkräftegewinnung",
            "recruiting",
            "Für Bochumer Unternehmen, die Fachkräfte aus dem Ausland gewinnen möchten: "
            "Ansprechpartner, Abläufe und Netzwerke in der Region.",
            audiences=["employers"],
            languages=["de", "en"],
            regions=["Bochum", "Ruhrgebiet"],
        ),
        _service(
            "nrw-fachkraefteagentur-beratung-unternehmen",
            "nrw-fachkraefteagentur-international",
            "Beratung zur Gewinnung von Fachkräften aus dem Ausland",
            "recruiting",
            "Landesweite Beratung für Unternehmen in Nordrhein-Westfalen zu Wegen der "
            "Fachkräfteeinwanderung, mit Sitz in Düsseldorf.",
            audiences=["employers"],
            languages=["de", "en"],
            regions=["Nordrhein-Westfalen", "Düsseldorf"],
        ),
        _service(
            "nrw-fachkraefteagentur-aufenthalt",
            "nrw-fachkraefteagentur-international",
            "Orientierung zu Visum und Aufenthalt",
            "work_permits",
            "Allgemeine Orientierung zu Einreise, Visum und Aufenthaltstiteln für "
            "Fachkräfte und die Unternehmen, die sie einstellen.",
            audiences=["employers", "skilled_workers"],
            languages=["de", "en"],
            regions=["Nordrhein-Westfalen"],
        ),
        _service(
            "iq-sachsen-anerkennungsberatung",
            "iq-netzwerk-sachsen",
            "Anerkennungsberatung für ausländische Berufsabschlüsse",
            "recognition",
            "Beratung zur Anerkennung beruflicher Abschlüsse aus dem Ausland: welche "
            "Stelle zuständig ist, welche Unterlagen nötig sind, was eine Teilanerkennung "
            "bedeutet.",
            audiences=["skilled_workers", "refugees"],
            languages=["de", "en", "ar"],
            regions=["Sachsen", "Leipzig"],
        ),
        _service(
            "iq-sachsen-qualifizierung",
            "iq-netzwerk-sachsen",
            "Qualifizierung nach einer Teilanerkennung",
            "qualification",
            "Wege zur vollen Anerkennung: Anpassungsqualifizierungen und Vorbereitung auf "
            "Prüfungen im Rahmen des Förderprogramms „Integration durch Qualifizierung (IQ)“.",
            audiences=["skilled_workers", "refugees"],
            languages=["de"],
            regions=["Sachsen", "Leipzig"],
        ),
        _service(
            "iq-sachsen-interkulturelle-kompetenz",
            "iq-netzwerk-sachsen",
            "Sprache und interkulturelle Kompetenz im Betrieb",
            "onboarding",
            "Angebote für Unternehmen und Belegschaften zu Sprache im Beruf und "
            "interkultureller Zusammenarbeit.",
            audiences=["employers"],
            languages=["de"],
            regions=["Sachsen", "Leipzig"],
        ),
        _service(
            "hwk-leipzig-ausbildung-handwerk",
            "hwk-leipzig",
            "Ausbildung im Handwerk für Zugewanderte",
            "apprenticeship_study",
            "Informationen zu Ausbildungswegen im Handwerk der Region Leipzig und zur "
            "Vermittlung in Ausbildungsbetriebe.",
            audiences=["refugees", "students", "employers"],
            languages=["de"],
            regions=["Leipzig"],
        ),
        _service(
            "zaw-leipzig-weiterbildung",
            "zaw-leipzig",
            "Aus- und Weiterbildung für Menschen mit Migrationshintergrund",
            "qualification",
            "Berufliche Weiterbildung und Qualifizierung in Leipzig, auch begleitend zu "
            "einem Anerkennungsverfahren.",
            audiences=["skilled_workers", "refugees"],
            languages=["de"],
            regions=["Leipzig"],
        ),
        _service(
            "ihk-nrw-anerkennung-berufsabschluesse",
            "ihk-nrw",
            "Anerkennung ausländischer Berufsabschlüsse (IHK-Berufe)",
            "recognition",
            "Hinweise zur Anerkennung ausländischer Abschlüsse in IHK-Berufen in "
            "Nordrhein-Westfalen für Fachkräfte und ihre künftigen Arbeitgeber.",
            audiences=["skilled_workers", "employers"],
            languages=["de", "en"],
            regions=["Nordrhein-Westfalen"],
        ),
        _service(
            "whkt-integration-handwerk",
            "whkt",
            "Geflüchtete in Ausbildung und Arbeit im Handwerk",
            "job_search",
            "Unterstützung für Handwerksbetriebe in Nordrhein-Westfalen, die Geflüchtete "
            "ausbilden oder beschäftigen möchten.",
            audiences=["employers", "refugees"],
            languages=["de"],
            regions=["Nordrhein-Westfalen"],
        ),
        _service(
            "regionalagentur-fachkraefteoffensive",
            "regionalagentur-westfaelisches-ruhrgebiet",
            "Projekte zur Fachkräftesicherung im Westfälischen Ruhrgebiet",
            "counselling",
            "Die Regionalagentur bündelt Initiativen zur Fachkräftesicherung im Kreis Unna, "
            "in Hamm und Dortmund und berät zu Förderprogrammen des Landes NRW und des ESF.",
            audiences=["employers"],
            languages=["de"],
            regions=["Westfälisches Ruhrgebiet", "Kreis Unna", "Hamm", "Dortmund"],
        ),
    ]


# The Leipzig evening ends with "individuelle Gespräche mit den Referenten": the demo
# offers those as one-to-one meetings (18:05–19:00, 15 minutes, 5 minutes' break, six
# tables), so the meeting pages have something to show after `flask demo`.
DEMO_MEETINGS = {
    "leipzig-gewinnt-auslaendische-fachkraefte": {
        "block": ("18:05", "19:00"),
        "slot_minutes": 15,
        "break_minutes": 5,
        "max_per_person": 3,
        "tables": [str(number) for number in range(1, 7)],
    }
}


def load_demo_meetings() -> list[str]:
    """Set up meetings for the demo events that offer them, unless the event already has a
    meeting set-up (the organisers may have changed it); returns the slugs set up now."""
    done = []
    for slug, setup in DEMO_MEETINGS.items():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is None or db.session.get(MeetingSettings, event.id) is not None:
            continue
        zone = ZoneInfo(event.timezone)
        day = event.starts_at.astimezone(zone).date()
        start, end = (
            dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=zone)
            for hhmm in setup["block"]
        )
        configure_meetings(
            event.id,
            enabled=True,
            slot_minutes=setup["slot_minutes"],
            break_minutes=setup["break_minutes"],
            max_per_person=setup["max_per_person"],
            needs_acceptance=True,
            blocks=[(start, end)],
            tables=setup["tables"],
        )
        done.append(slug)
    return done
