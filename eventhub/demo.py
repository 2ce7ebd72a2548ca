"""Demo data: the events, hosts and series of the seed press releases, re-dated around today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

TIMEZONE = "Europe/Berlin"
_BERLIN = ZoneInfo(TIMEZONE)

_WEDNESDAY, _THURSDAY, _FRIDAY = 2, 3, 4
_CET = dt.timedelta(hours=1)

# Region and description: facts the seed press releases state about each organisation
# (shown on its public profile /organisations/<slug>).
_ORGANISATIONS: dict[str, dict[str, Any]] = {
    "rvr": {
        "name": "Regionalverband Ruhr (RVR)",
        "kind": "association",
        "website": "https://www.rvr.ruhr",
        "region": "Ruhrgebiet",
        "description": (
            "Der Regionalverband Ruhr richtet gemeinsam mit den Ruhr-IHKs und dem Handwerk "
            "Region Ruhr die Fachkräfte-Reihe aus, etwa den Workshop „Welcome Ruhrgebiet – "
            "Gemeinsam Fachkräfte gewinnen, halten und integrieren“ in Essen."
        ),
    },
    "ruhr-ihks": {
        "name": "Ruhr-IHKs",
        "kind": "chamber",
        "website": None,
        "region": "Ruhrgebiet",
        "description": (
            "Die Ruhr-IHKs sind gemeinsam mit dem Regionalverband Ruhr und dem Handwerk "
            "Region Ruhr Partner der Fachkräfte-Reihe im Ruhrgebiet."
        ),
    },
    "handwerk-region-ruhr": {
        "name": "Handwerk Region Ruhr",
        "kind": "chamber",
        "website": None,
        "region": "Ruhrgebiet",
        "description": (
            "Das Handwerk Region Ruhr ist gemeinsam mit dem Regionalverband Ruhr und den "
            "Ruhr-IHKs Partner der Fachkräfte-Reihe im Ruhrgebiet."
        ),
    },
    "gib": {
        "name": "G.I.B. – Gesellschaft für innovative Beschäftigungsförderung",
        "kind": "agency",
        "website": "https://www.gib.nrw.de",
        "region": "Nordrhein-Westfalen",
        "description": (
            "Die G.I.B. führt in ihrer Lohnhalle in Bottrop Fachtagungen gemeinsam mit den "
            "Organisationen durch, die auf Landesebene Verantwortung für die "
            "Arbeitsmarktintegration geflüchteter Menschen tragen. Sie begleitet außerdem "
            "die regionalisierte Arbeitsmarktpolitik des Landes, etwa im Westfälischen "
            "Ruhrgebiet."
        ),
    },
    "ihk-nrw": {
        "name": "IHK NRW",
        "kind": "chamber",
        "website": "https://www.ihk-nrw.de",
        "region": "Nordrhein-Westfalen",
        "description": (
            "IHK NRW ist Kooperationspartner der Fachtagung „Integration von Geflüchteten "
            "in Arbeit und Ausbildung“ in Bottrop."
        ),
    },
    "whkt": {
        "name": "Westdeutscher Handwerkskammertag (WHKT)",
        "kind": "chamber",
        "website": "https://www.whkt.de",
        "region": "Nordrhein-Westfalen",
        "description": (
            "Der WHKT ist Kooperationspartner der Fachtagung „Integration von Geflüchteten "
            "in Arbeit und Ausbildung“ in Bottrop."
        ),
    },
    "unternehmer-nrw": {
        "name": "unternehmer nrw",
        "kind": "association",
        "website": "https://www.unternehmer.nrw",
        "region": "Nordrhein-Westfalen",
        "description": (
            "unternehmer nrw ist Kooperationspartner der Fachtagung „Integration von "
            "Geflüchteten in Arbeit und Ausbildung“ in Bottrop."
        ),
    },
    "mags-nrw": {
        "name": "Ministerium für Arbeit, Gesundheit und Soziales des Landes Nordrhein-Westfalen",
        "kind": "ministry",
        "website": "https://www.mags.nrw",
        "region": "Nordrhein-Westfalen",
        "description": (
            "Das nordrhein-westfälische Arbeitsministerium unterstützt den Dialog von "
            "Wirtschaft, Arbeitsmarktförderung und Ausländerbehörden und fördert die "
            "Regionalagenturen, darunter die Regionalagentur Westfälisches Ruhrgebiet."
        ),
    },
    "integrationsministerium-nrw": {
        "name": "Integrationsministerium NRW",
        "kind": "ministry",
        "website": None,
        "region": "Nordrhein-Westfalen",
        "description": (
            "Das zuständige Integrationsministerium NRW ist Kooperationspartner der "
            "Fachtagung „Integration von Geflüchteten in Arbeit und Ausbildung“ in Bottrop."
        ),
    },
    "ba-regionaldirektion-nrw": {
        "name": "Regionaldirektion NRW der Bundesagentur für Arbeit",
        "kind": "agency",
        "website": "https://www.arbeitsagentur.de",
        "region": "Nordrhein-Westfalen",
        "description": (
            "Die Regionaldirektion NRW der Bundesagentur für Arbeit ist Kooperationspartner "
            "der Fachtagung „Integration von Geflüchteten in Arbeit und Ausbildung“ in Bottrop."
        ),
    },
    "land-nrw": {
        "name": "Land Nordrhein-Westfalen",
        "kind": "funder",
        "website": "https://www.land.nrw",
        "region": "Nordrhein-Westfalen",
        "description": (
            "Das Land Nordrhein-Westfalen fördert gemeinsam mit dem Europäischen Sozialfonds "
            "Fachtagungen und Projekte zur Integration in Arbeit und zur Fachkräftesicherung."
        ),
    },
    "esf": {
        "name": "Europäischer Sozialfonds (ESF)",
        "kind": "funder",
        "website": None,
        "region": "",
        "description": (
            "Der Europäische Sozialfonds fördert gemeinsam mit dem Land Nordrhein-Westfalen "
            "Fachtagungen und Projekte zur Integration in Arbeit und zur Fachkräftesicherung."
        ),
    },
    "allianz-fuer-die-region": {
        "name": "Allianz für die Region GmbH",
        "kind": "agency",
        "website": "https://www.allianz-fuer-die-region.de",
        "region": "Braunschweig, Wolfsburg",
        "description": (
            "Die Allianz für die Region GmbH ist Projektträger des Welcome Centers der Region "
            "und Gastgeberin des Erfahrungsaustauschs der niedersächsischen "
            "Fachkräftebündnisse in Braunschweig."
        ),
    },
    "fachkraeftebuendnis-suedostniedersachsen": {
        "name": "Fachkräftebündnis SüdOstNiedersachsen",
        "kind": "association",
        "website": None,
        "region": "Braunschweig, Wolfsburg",
        "description": (
            "Im Fachkräftebündnis haben sich 27 Akteure des Arbeitsmarktes aus der Region "
            "Braunschweig-Wolfsburg zusammengeschlossen. Sie erarbeiten Lösungsvorschläge zur "
            "Fachkräftesicherung und zur Qualifizierung von Beschäftigten und Arbeitssuchenden "
            "und beraten zu Fördermittelanträgen; das Welcome Center der Region ist ihr Projekt."
        ),
    },
    "welcome-center-der-region": {
        "name": "Welcome Center der Region",
        "kind": "welcome_center",
        "website": None,
        "region": "Braunschweig, Wolfsburg",
        "description": (
            "Zentrale Anlaufstelle an den Standorten Braunschweig und Wolfsburg: für "
            "Fachkräfte, die erste Informationen und Beratung suchen, und für Unternehmen, "
            "die ausländische Arbeitskräfte einstellen wollen. Das Welcome Center macht "
            "transparent, welche Beratungseinrichtungen, Bildungsträger oder Servicestellen "
            "in der Region welche Angebote für welche Zielgruppen bereithalten."
        ),
    },
    "welcome-office-bochum": {
        "name": "Welcome Office Bochum",
        "kind": "welcome_center",
        "website": None,
        "region": "Bochum",
        "description": "Zentrale Anlaufstelle für internationale Fachkräfte und Unternehmen.",
    },
    "nrw-fachkraefteagentur-international": {
        "name": "NRW Fachkräfteagentur International",
        "kind": "agency",
        "website": None,
        "region": "Nordrhein-Westfalen",
        "description": (
            "Die NRW Fachkräfteagentur International aus Düsseldorf stellt ihre Angebote "
            "unter anderem beim Workshop „Welcome Ruhrgebiet“ vor."
        ),
    },
    "regionalagentur-westfaelisches-ruhrgebiet": {
        "name": "Regionalagentur Westfälisches Ruhrgebiet",
        "kind": "agency",
        "website": None,
        "region": "Westfälisches Ruhrgebiet (Kreis Unna, Hamm, Dortmund)",
        "description": (
            "Die Regionalagentur hält Fäden zusammen, bündelt Initiativen und entwickelt "
            "Projekte der regionalen Arbeitsmarktpolitik weiter – in interkommunaler "
            "Zusammenarbeit mit dem Schwerpunkt Fachkräfte, gefördert vom Land NRW."
        ),
    },
    "hwk-leipzig": {
        "name": "Handwerkskammer zu Leipzig",
        "kind": "chamber",
        "website": "https://www.hwk-leipzig.de",
        "region": "Region Leipzig",
        "description": (
            "Die Handwerkskammer zu Leipzig richtet mit der IHK zu Leipzig die Sommerakademie "
            "aus und lädt als Kooperationspartner des IQ Netzwerks Sachsen zu Veranstaltungen "
            "über die Integration ausländischer Fachkräfte ein."
        ),
    },
    "ihk-leipzig": {
        "name": "IHK zu Leipzig",
        "kind": "chamber",
        "website": None,
        "region": "Region Leipzig",
        "description": (
            "Die IHK zu Leipzig richtet gemeinsam mit der Handwerkskammer zu Leipzig die "
            "Sommerakademie aus."
        ),
    },
    "zaw-leipzig": {
        "name": "ZAW Zentrum für Aus- und Weiterbildung Leipzig GmbH",
        "kind": "education",
        "website": None,
        "region": "Region Leipzig",
        "description": (
            "Das ZAW ist Kooperationspartner des IQ Netzwerks Sachsen und informiert mit der "
            "Handwerkskammer zu Leipzig über Wege für ausländische Fachkräfte in der Region."
        ),
    },
    "iq-netzwerk-sachsen": {
        "name": "IQ Netzwerk Sachsen",
        "kind": "association",
        "website": None,
        "region": "Sachsen",
        "description": (
            "Das IQ Netzwerk Sachsen informiert Unternehmen über die zentralen Bausteine des "
            "Förderprogramms „Integration durch Qualifizierung (IQ)“: Sprache und "
            "interkulturelle Kompetenz; Arbeitserlaubnis, Anerkennung beruflicher Abschlüsse "
            "und Qualifizierung; Wege zur Gewinnung ausländischer Fachkräfte."
        ),
    },
}

_SERIES: dict[str, dict[str, str]] = {
    "fachkraefte-reihe-ruhr": {
        "title": "Fachkräfte-Reihe Ruhr",
        "description": (
            "Gemeinsame Veranstaltungsreihe des Regionalverbands Ruhr (RVR), der Ruhr-IHKs "
            "und des Handwerks Region Ruhr rund um die Gewinnung, Bindung und Integration "
            "von Fachkräften im Ruhrgebiet."
        ),
    },
    "fachkraeftebuendnisse-niedersachsen": {
        "title": "Erfahrungsaustausch der Fachkräftebündnisse Niedersachsen",
        "description": (
            "Die acht regionalen Fachkräftebündnisse Niedersachsens tagen zweimal im Jahr "
            "und tauschen sich über aktuelle Themen und Projekte zur Fachkräftesicherung aus."
        ),
    },
    "sommerakademie-leipzig": {
        "title": "Sommerakademie Leipzig",
        "description": (
            "Veranstaltungsreihe der IHK zu Leipzig und der Handwerkskammer zu Leipzig, "
            "in deren Rahmen Partner wie das IQ Netzwerk Sachsen Unternehmen informieren."
        ),
    },
}

_MAGS = "Ministerium für Arbeit, Gesundheit und Soziales des Landes Nordrhein-Westfalen"
_GIB = "G.I.B. – Gesellschaft für innovative Beschäftigungsförderung"
_NDS_MW = "Niedersächsisches Ministerium für Wirtschaft, Arbeit, Verkehr und Digitalisierung"

_Speaker = tuple[str, str | None]

_LAMROUBAL: _Speaker = ("Souad Lamroubal", "Kommunalbeamtin")
_SAUER: _Speaker = ("Prof. Dr. Michael Sauer", "Hochschule Bonn-Rhein-Sieg")
_HAGEDORN: _Speaker = ("Karl-Heinz Hagedorn", _GIB)
_KULOZIK: _Speaker = ("Stefan Kulozik", _MAGS)
_MOLITOR: _Speaker = ("Barbara Molitor", _MAGS)
_SCHWEGMANN: _Speaker = ("Agnes Schwegmann", _MAGS)
_TIGGES: _Speaker = ("Britta Tigges", _GIB)
_DEUTSCHMANN: _Speaker = ("André Deutschmann", "Regionalagentur Westfälisches Ruhrgebiet")
_SCHAEFER: _Speaker = ("Thomas Schäfer", "Handelsverband Westfalen-Münsterland")
_INGELHEIM: _Speaker = ("Julius von Ingelheim", "Allianz für die Region GmbH")
_LIES: _Speaker = ("Olaf Lies", _NDS_MW)
_CACERES_GUERRERO: _Speaker = ("Maria Isabel Cáceres Guerrero", "Welcome Center der Region")
_LUX: _Speaker = ("Volker Lux", "Handwerkskammer zu Leipzig")
# The seed names no organisation for him; he speaks from his own experience.
_ALKILANI: _Speaker = ("Mohammad Alkilani", None)


class _Slot(NamedTuple):
    """One agenda item; it lasts until the next one starts (the last until the event ends)."""

    start: str
    kind: str
    title: str
    speakers: tuple[_Speaker, ...]


def _slot(start: str, kind: str, title: str, *speakers: _Speaker) -> _Slot:
    return _Slot(start, kind, title, speakers)


def demo_organisations() -> list[dict[str, Any]]:
    """Every organisation named as host, co-host, partner or funder of a demo event, and
    those the seeds present (Welcome Office Bochum, ...), with the facts of their profile."""
    return [{"slug": slug, **org} for slug, org in _ORGANISATIONS.items()]


def demo_series() -> list[dict[str, str]]:
    """Every series a demo event belongs to."""
    return [{"slug": slug, **series} for slug, series in _SERIES.items()]


def _easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    j = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * j) // 451
    month, day = divmod(h + j - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _is_blocked(day: dt.date) -> bool:
    """Nationwide public holidays and the Christmas break, when nobody runs such events."""
    if (day.month == 12 and day.day >= 18) or (day.month == 1 and day.day <= 8):
        return True
    if (day.month, day.day) in {(5, 1), (10, 3)}:
        return True
    # Karfreitag, Ostermontag, Christi Himmelfahrt, Pfingstmontag
    return (day - _easter(day.year)).days in {-2, 1, 39, 50}


def _event_day(
    earliest: dt.date,
    weekday: int,
    accept: Callable[[dt.date], bool] = lambda day: True,
) -> dt.date:
    """First `weekday` on or after `earliest` that is not blocked and passes `accept`."""
    day = earliest + dt.timedelta(days=(weekday - earliest.weekday()) % 7)
    while _is_blocked(day) or not accept(day):
        day += dt.timedelta(weeks=1)
    return day


def _local(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=_BERLIN)


def _local_iso(day: dt.date, hhmm: str) -> str:
    return _local(day, hhmm).isoformat()


def _is_winter_time(day: dt.date) -> bool:
    return _local(day, "12:00").utcoffset() == _CET


def _is_summer_academy(day: dt.date) -> bool:
    return day.month in (7, 8)


def _hosts(*entries: tuple[str, str]) -> list[dict[str, str]]:
    return [
        {"name": _ORGANISATIONS[slug]["name"], "slug": slug, "role": role} for slug, role in entries
    ]


def _agenda(day: dt.date, end: str, slots: Sequence[_Slot]) -> list[dict[str, Any]]:
    ends = [slot.start for slot in slots[1:]] + [end]
    return [
        {
            "starts_at": _local_iso(day, slot.start),
            "ends_at": _local_iso(day, slot_end),
            "title": slot.title,
            "kind": slot.kind,
            "speakers": [{"name": name, "affiliation": aff} for name, aff in slot.speakers],
        }
        for slot, slot_end in zip(slots, ends, strict=True)
    ]


def _event(
    *,
    slug: str,
    title: str,
    event_format: str,
    day: dt.date,
    start: str,
    end: str,
    closes_days_before: int,
    capacity: int | None,
    summary: str,
    description: str,
    venue: dict[str, str],
    hosts: list[dict[str, str]],
    series: str | None,
    topics: list[str],
    contact: dict[str, str | None],
    agenda: Sequence[_Slot],
    funding_note: str = "",
) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": title,
        "format": event_format,
        "starts_at": _local_iso(day, start),
        "ends_at": _local_iso(day, end),
        "timezone": TIMEZONE,
        "capacity": capacity,
        "registration_closes_at": _local_iso(day - dt.timedelta(days=closes_days_before), "12:00"),
        "status": "published",
        "summary": summary,
        "description": description.strip() + "\n",
        "venue": venue,
        "online_url": None,
        "hosts": hosts,
        "series": series,
        "topics": topics,
        "language": "de",
        "contact": contact,
        "agenda": _agenda(day, end, agenda),
        "funding_note": funding_note,
    }


def _rvr_venue() -> dict[str, str]:
    return {
        "name": "Regionalverband Ruhr",
        "street": "Kronprinzenstraße 35",
        "postcode": "45128",
        "city": "Essen",
        "region": "Ruhrgebiet",
    }


def _rvr_hosts() -> list[dict[str, str]]:
    return _hosts(("rvr", "host"), ("ruhr-ihks", "cohost"), ("handwerk-region-ruhr", "cohost"))


def _rvr_contact() -> dict[str, str | None]:
    return {"name": "Jens Hapke", "email": "hapke@rvr.ruhr", "phone": "+49 201 2069-495"}


def _welcome_ruhrgebiet_past(day: dt.date) -> dict[str, Any]:
    return _event(
        slug="welcome-ruhrgebiet-willkommenskultur",
        title="Welcome Ruhrgebiet – Willkommenskultur in Kommunen, Unternehmen und Hochschulen",
        event_format="workshop",
        day=day,
        start="13:00",
        end="16:30",
        closes_days_before=5,
        capacity=80,
        summary=(
            "Workshop der Fachkräfte-Reihe Ruhr: Souad Lamroubal zeigt, warum "
            "migrationsfreundliche Verwaltungsstrukturen ein Schlüssel zur Gewinnung "
            "internationaler Fachkräfte sind."
        ),
        description="""
Wie lässt sich eine Willkommenskultur im Ruhrgebiet mit Leben füllen? Der Regionalverband
Ruhr (RVR), die Ruhr-IHKs und das Handwerk Region Ruhr laden im Rahmen ihrer gemeinsamen
Fachkräfte-Reihe zu einem Workshop nach Essen ein.

In ihrer Keynote macht **Souad Lamroubal**, selbst Kommunalbeamtin mit Migrationsgeschichte,
deutlich, warum migrationsfreundliche Verwaltungsstrukturen ein Schlüssel zum Erfolg sind.
Anschließend diskutieren Vertreterinnen und Vertreter aus Kommunen, Unternehmen und
Hochschulen, wie sie internationale Fachkräfte gemeinsam begleiten können – von der ersten
Ansprache bis zur langfristigen Integration.

**Ablauf**

- Begrüßung durch die Veranstalter
- Keynote: Migrationsfreundliche Verwaltung
- Diskussion: Willkommenskultur gemeinsam gestalten
- Austausch und Vernetzung
""",
        venue=_rvr_venue(),
        hosts=_rvr_hosts(),
        series="fachkraefte-reihe-ruhr",
        topics=["Fachkräftesicherung", "Willkommenskultur", "Integration", "Zuwanderung"],
        contact=_rvr_contact(),
        agenda=[
            _slot("13:00", "welcome", "Begrüßung durch RVR, Ruhr-IHKs und Handwerk Region Ruhr"),
            _slot(
                "13:15",
                "talk",
                "Keynote: Migrationsfreundliche Verwaltungsstrukturen als Schlüssel zum Erfolg",
                _LAMROUBAL,
            ),
            _slot("14:00", "break", "Kaffeepause"),
            _slot(
                "14:20",
                "discussion",
                "Willkommenskultur gestalten: Kommunen, Unternehmen und Hochschulen im Gespräch",
                _LAMROUBAL,
            ),
            _slot("15:45", "networking", "Austausch und Vernetzung"),
        ],
    )


def _welcome_ruhrgebiet(day: dt.date) -> dict[str, Any]:
    return _event(
        slug="welcome-ruhrgebiet-essen",
        title="Welcome Ruhrgebiet – Gemeinsam Fachkräfte gewinnen, halten und integrieren",
        event_format="workshop",
        day=day,
        start="13:00",
        end="17:30",
        closes_days_before=5,
        capacity=80,
        summary=(
            "Workshop der Fachkräfte-Reihe von RVR, Ruhr-IHKs und Handwerk Region Ruhr: "
            "Wie Kommunen, Unternehmen und Hochschulen internationale Fachkräfte gemeinsam "
            "gewinnen, halten und integrieren."
        ),
        description="""
Ohne qualifizierte Zuwanderung wird die Fachkräftesicherung im Ruhrgebiet nicht gelingen.
Der Regionalverband Ruhr (RVR), die Ruhr-IHKs und das Handwerk Region Ruhr laden deshalb im
Rahmen ihrer gemeinsamen Fachkräfte-Reihe zum Workshop **„Welcome Ruhrgebiet“** nach Essen ein.

Im Mittelpunkt steht die Frage, wie Kommunen, Unternehmen und Hochschulen gemeinsam eine
Willkommenskultur mit Leben füllen – von der ersten Ansprache bis zur langfristigen Integration.

**Das erwartet Sie**

- **Keynote und Moderation:** Souad Lamroubal, Kommunalbeamtin mit eigener
  Migrationsgeschichte, über migrationsfreundliche Verwaltungsstrukturen.
- **Regionale Netzwerke:** Der Sozialforscher Prof. Dr. Michael Sauer (Hochschule
  Bonn-Rhein-Sieg) zeigt, warum Wirtschaft, Verwaltung und Bildungseinrichtungen eng
  zusammenarbeiten müssen, und gibt Empfehlungen, wie das Ruhrgebiet seine Allianzen
  weiterentwickeln kann.
- **Praxisbeispiele:** Das Welcome Office Bochum stellt sich als zentrale Anlaufstelle für
  internationale Fachkräfte und Unternehmen vor; die NRW Fachkräfteagentur International aus
  Düsseldorf präsentiert ihre Angebote.
- **Ausblick:** die Planungen für ein neues Welcome Center im Nördlichen Ruhrgebiet, das
  kommunale und regionale Akteure noch stärker vernetzen soll.

Zum Abschluss bleibt Zeit für Diskussion und persönlichen Austausch.
""",
        venue=_rvr_venue(),
        hosts=_rvr_hosts(),
        series="fachkraefte-reihe-ruhr",
        topics=[
            "Fachkräftesicherung",
            "Willkommenskultur",
            "Welcome Center",
            "Integration",
            "Zuwanderung",
            "Netzwerke",
        ],
        contact=_rvr_contact(),
        agenda=[
            _slot("13:00", "welcome", "Begrüßung und Einführung", _LAMROUBAL),
            _slot(
                "13:15", "talk", "Keynote: Migrationsfreundliche Verwaltungsstrukturen", _LAMROUBAL
            ),
            _slot(
                "13:50",
                "talk",
                "Gemeinsam stark: Regionale Netzwerke für die Fachkräftegewinnung",
                _SAUER,
            ),
            _slot("14:30", "break", "Kaffeepause"),
            _slot(
                "14:50",
                "talk",
                "Praxisbeispiel: Das Welcome Office Bochum als zentrale Anlaufstelle",
            ),
            _slot(
                "15:20",
                "talk",
                "Praxisbeispiel: Die Angebote der NRW Fachkräfteagentur International",
            ),
            _slot(
                "15:50",
                "talk",
                "Ausblick: Planungen für ein Welcome Center im Nördlichen Ruhrgebiet",
            ),
            _slot(
                "16:10",
                "discussion",
                "Diskussion: Willkommenskultur gemeinsam mit Leben füllen",
                _LAMROUBAL,
                _SAUER,
            ),
            _slot("16:50", "networking", "Austausch und Vernetzung"),
        ],
    )


def _fachtagung_bottrop(day: dt.date) -> dict[str, Any]:
    return _event(
        slug="integration-gefluechtete-fachtagung-bottrop",
        funding_note=(
            "Die Veranstaltung wird aus Mitteln des Landes Nordrhein-Westfalen und des "
            "Europäischen Sozialfonds (ESF) gefördert."
        ),
        title="Integration von Geflüchteten in Arbeit und Ausbildung",
        event_format="fachtagung",
        day=day,
        start="10:00",
        end="16:00",
        closes_days_before=7,
        capacity=170,
        summary=(
            "Fachtagung für Wirtschaft, Arbeitsmarktförderung und Ausländerbehörden in "
            "Nordrhein-Westfalen: Bestandsaufnahme, Fachbeiträge zur Arbeitserlaubnis und "
            "Praxisbeispiele für eine gelingende Integration Geflüchteter."
        ),
        description="""
Geflüchtete Menschen erfolgreich in Arbeit und Ausbildung zu bringen, gelingt nur gemeinsam.
Die Fachtagung **„Integration von Geflüchteten in Arbeit und Ausbildung“** bietet eine
Plattform, um die Zusammenarbeit von Wirtschaft, Arbeitsmarktförderung und Ausländerbehörden
in Nordrhein-Westfalen zu stärken und weiterzuentwickeln.

Die G.I.B. – Gesellschaft für innovative Beschäftigungsförderung lädt dazu gemeinsam mit
IHK NRW, WHKT und unternehmer nrw sowie dem Arbeitsministerium NRW, dem
Integrationsministerium NRW und der Regionaldirektion NRW der Bundesagentur für Arbeit in
ihre Lohnhalle nach Bottrop ein.

**Programm im Überblick**

- Begrüßung durch G.I.B.-Geschäftsführer Karl-Heinz Hagedorn und Grußwort der
  Landesregierung von Stefan Kulozik, Gruppenleiter Arbeitsmarktpolitik im
  Arbeitsministerium NRW
- Aktuelle Herausforderungen aus Sicht von Arbeitsverwaltung, Wirtschaft und
  Ausländerbehörde
- Zwei Fachbeiträge zu rechtlichen Aspekten von Arbeitserlaubnis und
  Beschäftigungsbedingungen in Unternehmen
- Praxisbeispiele aus Nordrhein-Westfalen: Erfolgsbedingungen und gute Lösungen
- Abschließende Diskussionsrunde zu Transparenz, Kooperation und Vernetzung

Die Tagung bietet Platz für 170 Teilnehmende. Sie wird aus Mitteln des Landes
Nordrhein-Westfalen und des Europäischen Sozialfonds (ESF) gefördert.
""",
        venue={
            "name": "Lohnhalle der G.I.B.",
            "street": "Im Blankenfeld 4",
            "postcode": "46238",
            "city": "Bottrop",
            "region": "Ruhrgebiet",
        },
        hosts=_hosts(
            ("gib", "host"),
            ("ihk-nrw", "cohost"),
            ("whkt", "cohost"),
            ("unternehmer-nrw", "cohost"),
            ("mags-nrw", "partner"),
            ("integrationsministerium-nrw", "partner"),
            ("ba-regionaldirektion-nrw", "partner"),
            ("land-nrw", "funder"),
            ("esf", "funder"),
        ),
        series=None,
        topics=[
            "Integration",
            "Geflüchtete",
            "Ausbildung",
            "Arbeitserlaubnis",
            "Arbeitsmarktpolitik",
            "Netzwerke",
        ],
        contact={"name": _GIB, "email": None, "phone": None},
        agenda=[
            _slot("10:00", "welcome", "Begrüßung", _HAGEDORN),
            _slot("10:15", "welcome", "Grußwort der Landesregierung", _KULOZIK),
            _slot(
                "10:35",
                "panel",
                "Aktuelle Herausforderungen: Arbeitsverwaltung, Wirtschaft und Ausländerbehörde",
            ),
            _slot("11:30", "break", "Kaffeepause"),
            _slot("11:45", "talk", "Fachbeitrag: Rechtliche Aspekte der Arbeitserlaubnis"),
            _slot("12:15", "talk", "Fachbeitrag: Beschäftigungsbedingungen in Unternehmen"),
            _slot("12:45", "break", "Mittagspause"),
            _slot("13:45", "talk", "Praxisbeispiele aus Nordrhein-Westfalen"),
            _slot(
                "15:00",
                "panel",
                "Abschließende Diskussionsrunde: Transparenz, Kooperation und Vernetzung",
            ),
        ],
    )


def _kooperationsgespraech_hamm(day: dt.date) -> dict[str, Any]:
    return _event(
        slug="kooperationsgespraech-fachkraefte-hamm",
        funding_note=(
            "Die Regionalagentur Westfälisches Ruhrgebiet wird vom Land Nordrhein-Westfalen "
            "und dem Europäischen Sozialfonds (ESF) gefördert."
        ),
        title="Erfolgreich Fachkräfte sichern! – Kooperationsgespräch mit dem Arbeitsministerium",
        event_format="kooperation",
        day=day,
        start="10:00",
        end="13:00",
        closes_days_before=7,
        capacity=30,
        summary=(
            "Kooperationsgespräch der Regionalagentur Westfälisches Ruhrgebiet mit dem "
            "Arbeitsministerium NRW und der G.I.B. über regionalisierte Arbeitsmarktpolitik "
            "in Dortmund, Hamm und dem Kreis Unna."
        ),
        description="""
Die Regionalagentur Westfälisches Ruhrgebiet lädt zum Kooperationsgespräch **„Erfolgreich
Fachkräfte sichern!“** in das Innovationszentrum der Wirtschaftsförderung Hamm ein. Im
Mittelpunkt steht der fachliche Austausch über die regionalisierte Arbeitsmarktpolitik im
Westfälischen Ruhrgebiet – im Kreis Unna, in Hamm und in Dortmund.

Zu Gast sind Barbara Molitor und Agnes Schwegmann vom Ministerium für Arbeit, Gesundheit und
Soziales des Landes Nordrhein-Westfalen sowie Britta Tigges von der G.I.B. – Gesellschaft für
innovative Beschäftigungsförderung.

**Themen**

- Erfolge und Herausforderungen der regionalen Arbeitsmarktpolitik im Kampf gegen den
  Fachkräftemangel, vorgestellt von Mitgliedern des Regionalen Facharbeitskreises
- Entwicklungspotenziale in den Schwerpunkten „Fachkräfteoffensive NRW“,
  „Gleichberechtigte Teilhabe am Arbeitsmarkt“ und „Transformation der Arbeitswelt“
- der regionale Handlungsplan, der die gemeinsame Arbeit des Facharbeitskreises strukturiert

Die Zahl der Plätze ist begrenzt. Die Projekte und Programmlinien in der Region werden vom
Land NRW und dem Europäischen Sozialfonds gefördert.
""",
        venue={
            "name": "Innovationszentrum der Wirtschaftsförderung Hamm",
            "street": "Münsterstraße 5",
            "postcode": "59065",
            "city": "Hamm",
            "region": "Westfälisches Ruhrgebiet",
        },
        hosts=_hosts(
            ("regionalagentur-westfaelisches-ruhrgebiet", "host"),
            ("mags-nrw", "partner"),
            ("gib", "partner"),
            ("land-nrw", "funder"),
            ("esf", "funder"),
        ),
        series=None,
        topics=["Fachkräftesicherung", "Arbeitsmarktpolitik", "Netzwerke"],
        contact={
            "name": "Regionalagentur Westfälisches Ruhrgebiet",
            "email": None,
            "phone": None,
        },
        agenda=[
            _slot("10:00", "welcome", "Begrüßung", _DEUTSCHMANN),
            _slot(
                "10:15",
                "talk",
                "Erfolge und Herausforderungen der regionalen Arbeitsmarktpolitik",
                _SCHAEFER,
            ),
            _slot("11:00", "talk", "Aktuelle Schwerpunkte des Landes NRW", _MOLITOR),
            _slot("11:20", "break", "Kaffeepause"),
            _slot(
                "11:35",
                "discussion",
                (
                    "Entwicklungspotenziale: Fachkräfteoffensive NRW, Gleichberechtigte Teilhabe "
                    "am Arbeitsmarkt, Transformation der Arbeitswelt"
                ),
                _MOLITOR,
                _SCHWEGMANN,
                _TIGGES,
                _SCHAEFER,
            ),
            _slot(
                "12:30",
                "discussion",
                "Ausblick: Der regionale Handlungsplan des Facharbeitskreises",
                _DEUTSCHMANN,
            ),
        ],
    )


def _erfahrungsaustausch_braunschweig(day: dt.date) -> dict[str, Any]:
    return _event(
        slug="erfahrungsaustausch-fachkraeftebuendnisse-braunschweig",
        title="Erfahrungsaustausch der regionalen Fachkräftebündnisse Niedersachsen",
        event_format="exchange",
        day=day,
        start="10:00",
        end="15:00",
        closes_days_before=7,
        capacity=60,
        summary=(
            "Die acht regionalen Fachkräftebündnisse Niedersachsens treffen sich in "
            "Braunschweig – mit Erfahrungen aus dem Welcome Center der Region und weiteren "
            "Projekten zur Fachkräftesicherung."
        ),
        description="""
Fachkräftesicherung regional denken: Zum Erfahrungsaustausch kommen die acht regionalen
Fachkräftebündnisse Niedersachsens in Braunschweig zusammen. Gastgeberin ist die Allianz für
die Region GmbH; ihr Geschäftsführer Julius von Ingelheim begrüßt die Teilnehmenden.

Im Mittelpunkt steht das **Welcome Center der Region**, ein Projekt des Fachkräftebündnisses
SüdOstNiedersachsen mit Standorten in Braunschweig und Wolfsburg. Es ist Anlaufstelle für
Fachkräfte, die erste Informationen und Beratung suchen, und für Unternehmen, die ausländische
Arbeitskräfte einstellen wollen. Welcome-Center-Managerin Maria Isabel Cáceres Guerrero
berichtet aus der Beratung – etwa zum Zugang zum deutschen Arbeitsmarkt, zu Sprachkursen und
dazu, wie bereits erworbene Qualifikationen sinnvoll eingebracht werden können.

**Programm**

- Begrüßung durch die Allianz für die Region
- Impuls von Olaf Lies (Niedersächsisches Ministerium für Wirtschaft, Arbeit, Verkehr und
  Digitalisierung)
- Erfahrungen aus dem Welcome Center der Region
- Gesprächsrunde mit Initiatoren, Welcome-Center-Managerinnen, ausländischen Fachkräften und
  Unternehmen
- Vorstellung ausgewählter Förderprojekte und Projektideen der regionalen Bündnisse

Die Fachkräftebündnisse tagen zweimal im Jahr und tauschen sich regelmäßig über aktuelle
Themen und Projekte aus.
""",
        venue={
            "name": "Allianz für die Region GmbH",
            "street": "Frankfurter Straße 284",
            "postcode": "38122",
            "city": "Braunschweig",
            "region": "Südostniedersachsen",
        },
        hosts=_hosts(
            ("allianz-fuer-die-region", "host"),
            ("fachkraeftebuendnis-suedostniedersachsen", "cohost"),
            ("welcome-center-der-region", "partner"),
        ),
        series="fachkraeftebuendnisse-niedersachsen",
        topics=[
            "Fachkräftesicherung",
            "Welcome Center",
            "Willkommenskultur",
            "Anerkennung",
            "Netzwerke",
        ],
        contact={"name": "Allianz für die Region GmbH", "email": None, "phone": None},
        agenda=[
            _slot("10:00", "welcome", "Begrüßung", _INGELHEIM),
            _slot(
                "10:15",
                "talk",
                "Impuls: Niedersachsen attraktiv für Fachkräfte aus dem In- und Ausland",
                _LIES,
            ),
            _slot(
                "10:35",
                "talk",
                "Das Welcome Center der Region: Erfahrungen aus Braunschweig und Wolfsburg",
                _CACERES_GUERRERO,
            ),
            _slot(
                "11:15",
                "panel",
                "Gesprächsrunde: Erfahrungen und erste Bilanz des Welcome Centers",
                _LIES,
                _CACERES_GUERRERO,
            ),
            _slot("12:15", "break", "Mittagspause"),
            _slot(
                "13:00",
                "talk",
                "Förderprojekte und Projektideen der regionalen Fachkräftebündnisse",
            ),
            _slot("14:30", "networking", "Austausch zwischen den Bündnissen"),
        ],
    )


def _leipzig_gewinnt(day: dt.date) -> dict[str, Any]:
    return _event(
        slug="leipzig-gewinnt-auslaendische-fachkraefte",
        title="Leipzig gewinnt ausländische Fachkräfte",
        event_format="info",
        day=day,
        start="16:00",
        end="19:00",
        closes_days_before=5,
        capacity=70,
        summary=(
            "Informationsveranstaltung für Unternehmen der Region Leipzig: drei "
            "Moderationsgespräche zu Sprache, Anerkennung und Fachkräftegewinnung, danach "
            "Einzelgespräche mit den Fachreferenten."
        ),
        description="""
Welche Möglichkeiten haben Menschen mit Migrationshintergrund und ausländische Fachkräfte,
sich in der Region Leipzig beruflich zu engagieren – und wie können Unternehmen sie dabei
unterstützen? Als Kooperationspartner des IQ Netzwerks Sachsen laden die Handwerkskammer zu
Leipzig und die ZAW Zentrum für Aus- und Weiterbildung Leipzig GmbH in die Alte
Essig-Manufactur ein.

Volker Lux, Hauptgeschäftsführer der Handwerkskammer zu Leipzig, begrüßt die Gäste.
Mohammad Alkilani, der vor rund 25 Jahren nach Leipzig kam, berichtet aus eigener
Erfahrung, wie Integration gelingen kann.

**Drei Moderationsgespräche mit Fachreferenten** zu zentralen Bausteinen des Förderprogramms
„Integration durch Qualifizierung (IQ)“:

1. Sprache und interkulturelle Kompetenz
2. Arbeitserlaubnis, Anerkennung beruflicher Abschlüsse und Qualifizierung
3. Wege zur Gewinnung ausländischer Fachkräfte

Im Anschluss bleibt Zeit für **Einzelgespräche** mit den Referenten und für den persönlichen
Austausch. Die Veranstaltung findet im Rahmen der Sommerakademie von IHK zu Leipzig und
HWK zu Leipzig statt.
""",
        venue={
            "name": "Alte Essig-Manufactur",
            "street": "Braustraße 25",
            "postcode": "04107",
            "city": "Leipzig",
            "region": "Sachsen",
        },
        hosts=_hosts(
            ("hwk-leipzig", "host"),
            ("zaw-leipzig", "cohost"),
            ("iq-netzwerk-sachsen", "partner"),
        ),
        series="sommerakademie-leipzig",
        topics=[
            "Fachkräftesicherung",
            "Integration",
            "Zuwanderung",
            "Anerkennung",
            "Arbeitserlaubnis",
            "Sprache",
        ],
        contact={"name": "Handwerkskammer zu Leipzig", "email": None, "phone": None},
        agenda=[
            _slot("16:00", "welcome", "Begrüßung", _LUX),
            _slot(
                "16:15",
                "talk",
                "Erfahrungsbericht: Wie Integration in Leipzig gelingen kann",
                _ALKILANI,
            ),
            _slot("16:35", "panel", "Moderationsgespräch: Sprache und interkulturelle Kompetenz"),
            _slot(
                "17:05",
                "panel",
                (
                    "Moderationsgespräch: Arbeitserlaubnis, Anerkennung beruflicher Abschlüsse "
                    "und Qualifizierung"
                ),
            ),
            _slot(
                "17:35", "panel", "Moderationsgespräch: Wege zur Gewinnung ausländischer Fachkräfte"
            ),
            _slot(
                "18:05",
                "networking",
                "Einzelgespräche mit den Referenten und persönlicher Austausch",
            ),
        ],
    )


def demo_events(today: dt.date) -> list[dict[str, Any]]:
    """The seed events, one of them already past, the others in the coming months.

    Bottrop always falls into winter time (CET) and Leipzig into July or August (CEST), so
    both UTC offsets occur whatever `today` is. The result depends only on `today`.
    """
    weeks = dt.timedelta(weeks=1)
    events = [
        _welcome_ruhrgebiet_past(_event_day(today - 6 * weeks, _THURSDAY)),
        _welcome_ruhrgebiet(_event_day(today + 3 * weeks, _THURSDAY)),
        _fachtagung_bottrop(_event_day(today + 5 * weeks, _WEDNESDAY, _is_winter_time)),
        _kooperationsgespraech_hamm(_event_day(today + 8 * weeks, _FRIDAY)),
        _erfahrungsaustausch_braunschweig(_event_day(today + 10 * weeks, _THURSDAY)),
        _leipzig_gewinnt(_event_day(today + 13 * weeks, _WEDNESDAY, _is_summer_academy)),
    ]
    events.sort(key=lambda event: dt.datetime.fromisoformat(event["starts_at"]))
    return events
