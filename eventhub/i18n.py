"""Language choice and locale-aware formatting of event times."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale, support
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from flask import Flask, Request, current_app, g, request
from flask_babel import get_locale, get_translations
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.utils import cached_property
from wtforms.i18n import messages_path


def select_locale() -> Locale:
    """The ?lang= of the URL (remembered in a cookie), else the cookie, else the best of
    the browser's Accept-Language, else the first language."""
    languages = current_app.config["LANGUAGES"]
    args, cookies = request.args, request.cookies
    # (werkzeug's MultiDict.get raises and catches a KeyError for a missing key: ask first.)
    query = args.get("lang") if "lang" in args else None
    if query in languages:
        g.language_from_query = query
        return _locale(query)
    cookie = cookies.get("lang") if "lang" in cookies else None
    if cookie in languages:
        return _locale(cookie)
    accepted = request.headers.get("Accept-Language", "")
    return _locale(_best_language(accepted, tuple(languages)) or languages[0])


# Parsing Accept-Language and a Locale for every request cost ~60 us of a kept page's
# ~250; browsers send a few dozen distinct headers, and the answer depends on it alone.
@lru_cache(maxsize=1024)
def _best_language(accepted: str, languages: tuple[str, ...]) -> str | None:
    return parse_accept_header(accepted, LanguageAccept).best_match(languages)


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def page_translations():
    """get_translations(), looked up once per request and locale: Flask-Babel's own lookup
    costs ~15 us a string and a page translates a hundred. Keyed by the locale object, so
    force_locale (mails in the reader's language) and refresh() get their own."""
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    kept = getattr(ctx, "eventhub_translations", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    ctx = g.get("_flask_babel")
    if ctx is not None:
        ctx.eventhub_translations = (getattr(ctx, "babel_locale", None), translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """The templates' _(), ngettext() ... through page_translations() (replacing the ones
    Flask-Babel installs: the same functions, without its lookup per string)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
    )


def url_for_language(language: str) -> str:
    """The current page in another language (keeps path and query, sets ?lang=)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", language))
    return f"{request.path}?{urlencode(args)}"


def _local(moment: dt.datetime, timezone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(timezone))


def event_date(moment: dt.datetime, timezone: str, fmt: str = "full") -> str:
    return format_date(_local(moment, timezone).date(), fmt, locale=get_locale())


def short_date(day: dt.date) -> str:
    """Day and month in the reader's language, for chart labels: '1. Dez.' / 'Dec 1'."""
    return format_skeleton("MMMd", day, locale=get_locale())


def event_time(moment: dt.datetime, timezone: str) -> str:
    local = _local(moment, timezone)
    return format_time(local, "short", tzinfo=local.tzinfo, locale=get_locale())


def event_period(starts_at: dt.datetime, ends_at: dt.datetime, timezone: str) -> str:
    """'Mittwoch, 9. Dezember 2026, 10:00–16:00 MEZ' or a range over several days."""
    return _event_period(starts_at, ends_at, timezone, str(get_locale()))


# Formatting a period with Babel takes ~0.3 ms and a catalogue page shows twenty of them;
# the result depends on its arguments only, so it is kept.
@lru_cache(maxsize=8192)
def _event_period(starts_at: dt.datetime, ends_at: dt.datetime, timezone: str, locale: str) -> str:
    start, end = _local(starts_at, timezone), _local(ends_at, timezone)
    zone = _zone_name(start, locale)
    if start.date() == end.date():
        return "{}, {}–{} {}".format(
            format_date(start.date(), "full", locale=locale),
            format_time(start, "short", tzinfo=start.tzinfo, locale=locale),
            format_time(end, "short", tzinfo=end.tzinfo, locale=locale),
            zone,
        )
    return "{} – {}".format(
        format_datetime(start, "medium", tzinfo=start.tzinfo, locale=locale),
        format_datetime(end, "medium", tzinfo=end.tzinfo, locale=locale),
    )


def _zone_name(local: dt.datetime, locale=None) -> str:
    """'MEZ' / 'CET': the localised abbreviation, else the zone's own."""
    zone = format_datetime(local, "zzz", tzinfo=local.tzinfo, locale=locale or get_locale())
    if zone[:1] in "+-":  # no localised abbreviation (English): use the zone's own, e.g. CET
        zone = local.tzname() or zone
    return zone


def event_moment(moment: dt.datetime, timezone: str) -> str:
    """A deadline with its day: 'Mittwoch, 2. Dezember 2026, 14:30 MEZ'."""
    local = _local(moment, timezone)
    locale = get_locale()
    return "{}, {} {}".format(
        format_date(local.date(), "full", locale=locale),
        format_time(local, "short", tzinfo=local.tzinfo, locale=locale),
        _zone_name(local),
    )


class TranslatedFormsRequest(Request):
    """Flask's request, with WTForms' own messages ("Not a valid choice", ...) in the
    request's language kept per process: Flask-WTF reads `request.wtforms_translations`
    and, when a request has none yet, loads the catalogue from disk (~0.6 ms for every
    request that builds a form)."""

    @cached_property
    def wtforms_translations(self) -> support.Translations:
        return _wtforms_translations(current_language())


@lru_cache(maxsize=16)
def _wtforms_translations(language: str) -> support.Translations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")
