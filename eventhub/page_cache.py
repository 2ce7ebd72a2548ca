"""Public pages for anonymous visitors: kept whole per worker for a couple of seconds, with
HTTP caching headers (ETag / 304, Cache-Control, Vary) for browsers and shared caches.

A page is kept under its full URL and the visitor's language for at most
PAGE_CACHE_SECONDS (default 2) and only while the events change counter
(eventhub.changes) stands still, which every worker reads at most once a second. So a
cancelled, closed or unpublished event shows as such on every worker of every host
within that lag; seats left (not part of the counter) within the lag too. Registration
itself never looks at a kept page: it decides on the database.

Only anonymous requests share pages: no logged-in user (session or remember cookie), no
flashed message, nothing in the session but what an anonymous visitor carries (a CSRF
token, Flask-Login's bookkeeping). A response that sets a cookie (other than the
language, set again on every answer) is never kept. Everyone else gets the page
rendered for them alone with `Cache-Control: private, no-store`.

The registration form is kept the same way, as a page with holes: the visitor's CSRF token
and the form's signed time stamp are cut out when it is kept and filled in for each
visitor (a fresh token of their own session, a fresh stamp), so the form costs no query
and no rendering; it is answered `private, no-store`, never to a shared cache. Where it
shows no seat numbers and has plenty of seats, it outlives as many of this worker's own
registrations as cannot change what it shows (form_outlives): otherwise every
registration would drop it. Registering itself decides on the database, as always.

Also here: rendered fragments (an event's card, its programme) kept per event, language
and counter value, so a page that is not kept (filters, later pages, logged-in
organisers) renders only what depends on seats and the clock.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from eventhub.cache import LruCache
from eventhub.changes import (
    has_uncommitted_changes,
    local_seat_commits,
    recent_events_generation,
    request_events_generation,
)
from eventhub.extensions import db
from eventhub.form_stamps import form_stamp
from eventhub.i18n import current_language

# The public pages kept whole. Each depends on its URL, the language and public event data
# only (plus, through the base template, on who is logged in and flashed messages, which
# anonymous_visitor() rules out).
CACHED_ENDPOINTS = frozenset({"events.catalogue", "events.archive", "events.event_page"})
# Forms kept with holes for the visitor's CSRF token and time stamp (see KeptForm).
FORM_ENDPOINTS = frozenset({"events.register_page"})
# What an anonymous visitor's session may hold and still get a shared page: a CSRF token
# (from any form), Flask-Login's session-protection bookkeeping, the permanent flag.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "_id", "_fresh", "_remember", "_permanent"})
VARY = "Accept-Language, Cookie"
PAGE_CACHE_ENTRIES = 1024
FRAGMENT_ENTRIES = 4096


@dataclass(frozen=True)
class KeptPage:
    body: bytes
    content_type: str
    etag: str
    generation: int
    seat_commits: int  # this process's seat-changing commits when the page was made
    stored_at: float  # monotonic clock
    stored_wall: float  # and wall clock (a test's moved clock, a deadline passing)
    outlives: int = 0  # this worker's seat commits it may be served through (KeptForm)


@dataclass(frozen=True)
class KeptForm:
    """A form page cut at the visitor's CSRF token and time stamp: `parts` alternates
    between the page's bytes and the names of what goes between them ("csrf", "stamp")."""

    parts: tuple[bytes | str, ...]
    content_type: str
    generation: int
    seat_commits: int
    outlives: int  # how many more seat commits of this worker it may be served through
    stored_at: float
    stored_wall: float


def init_app(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_SECONDS", 2.0)
    app.extensions["eventhub_pages"] = LruCache(PAGE_CACHE_ENTRIES)
    app.extensions["eventhub_fragments"] = LruCache(FRAGMENT_ENTRIES)
    app.before_request(serve_kept_page)
    # Registered after the app's own after_request hooks, so it runs before them (Flask
    # runs them in reverse): it sees the view's response, before the language cookie and
    # the security headers are added (they are added to every answer, kept or not).
    app.after_request(keep_page)
    app.jinja_env.globals["kept_fragment"] = kept_fragment


def _lag() -> float:
    return float(current_app.config["PAGE_CACHE_SECONDS"])


def anonymous_visitor() -> bool:
    """True when the page this request gets is the one everyone gets."""
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    return set(session.keys()) <= ANONYMOUS_SESSION_KEYS


def _clock() -> float:
    # The clock the events counter's readers use too (tests move both at once).
    return time.monotonic()


def serve_kept_page() -> Response | None:
    if request.method not in ("GET", "HEAD"):
        return None
    if request.endpoint in FORM_ENDPOINTS:
        return _serve_kept_form()
    if request.endpoint not in CACHED_ENDPOINTS:
        return None
    if not anonymous_visitor():
        g.page_cache = "private"
        # Rendered for this visitor alone; the kept fragments hold nothing personal.
        g.page_generation = request_events_generation()
        return None
    key = (request.host, request.full_path, current_language())
    g.page_cache = key
    lag = _lag()
    if lag > 0:
        kept = current_app.extensions["eventhub_pages"].get(key)
        age = _fresh_age(kept, lag)
        if age is not None:
            g.page_cache = None  # answered: nothing more to keep or to label
            return _answer(kept.body, kept.content_type, kept.etag, lag - age)
    _note_generation()
    return None


def _fresh_age(kept: KeptPage | KeptForm | None, lag: float) -> float | None:
    """How old a kept page is, or None when there is none or it may not be served: older
    than the lag, made before an events change, or before this worker's last seat commit
    (a form: before more of them than it outlives)."""
    if kept is None:
        return None
    ages = (_clock() - kept.stored_at, time.time() - kept.stored_wall)
    if (
        all(0 <= age < lag for age in ages)
        and kept.generation == recent_events_generation()
        and local_seat_commits() - kept.seat_commits <= kept.outlives
    ):
        return max(ages)
    return None


def _note_generation() -> None:
    g.page_seat_commits = local_seat_commits()
    # Read in this request's transaction before the page's own queries: what the page
    # shows is then at least as new as the counter value it is kept (and its fragments)
    # under. None (a database without the counter row): nothing is kept.
    g.page_generation = request_events_generation()


def _serve_kept_form() -> Response | None:
    if not anonymous_visitor():
        return None
    key = ("form", request.host, request.full_path, current_language())
    lag = _lag()
    if lag > 0:
        kept = current_app.extensions["eventhub_pages"].get(key)
        if _fresh_age(kept, lag) is not None:
            holes = {"csrf": generate_csrf().encode(), "stamp": form_stamp().encode()}
            body = b"".join(holes[part] if isinstance(part, str) else part for part in kept.parts)
            response = Response(body, content_type=kept.content_type)
            _private_headers(response)
            return response
    g.form_cache = key
    _note_generation()
    return None


def form_outlives(seat_commits: int) -> None:
    """The form being rendered shows nothing that this many more seat-changing commits of
    this worker could change (no seat numbers, enough seats left for the largest group
    each commit could take): kept, it may be served through them. Otherwise (the default)
    the first one drops it, as it drops kept pages."""
    g.form_outlives = max(0, seat_commits)


def _cut_form(body: bytes) -> tuple[bytes | str, ...] | None:
    """The page cut at this request's CSRF token and the time stamps it handed out (both
    signed, so they cannot occur in the page by chance); None when one occurs other than
    once: a URL can carry a visitor's own token into the page (the language links repeat
    the query), and a kept page must never copy a token into a place nobody chose."""
    holes = [("csrf", g.get("csrf_token"))] + [("stamp", s) for s in g.get("form_stamps", ())]
    cuts = []  # (start, end, name) of each hole in the page
    for name, value in holes:
        if not value:
            continue
        encoded = value.encode()
        if body.count(encoded) != 1:
            return None
        start = body.index(encoded)
        cuts.append((start, start + len(encoded), name))
    parts: list[bytes | str] = []
    done = 0
    for start, end, name in sorted(cuts):
        parts += [body[done:start], name]
        done = end
    parts.append(body[done:])
    return tuple(parts)


def _answer(body: bytes, content_type: str, etag: str, fresh_for: float) -> Response:
    # Weakly: nginx's gzip turns the ETag weak on its way to the browser.
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body, content_type=content_type)
    _public_headers(response, etag, fresh_for)
    return response


def _public_headers(response: Response, etag: str, fresh_for: float) -> None:
    response.set_etag(etag)
    # A shared cache may keep the page only for what is left of the lag, so a page is
    # never older than PAGE_CACHE_SECONDS in any cache; then it asks again with the ETag.
    response.headers["Cache-Control"] = f"public, max-age={max(0, int(fresh_for))}"
    response.headers["Vary"] = VARY


def _private_headers(response: Response) -> None:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = VARY


def keep_form(response: Response) -> None:
    """Keep a freshly rendered form page (see KeptForm); it sets the session cookie (the
    CSRF token lives in the session) and is never for shared caches."""
    key = g.get("form_cache")
    if key is None:
        return
    if response.status_code != 200 or response.direct_passthrough or not response.is_sequence:
        return
    _private_headers(response)
    lag = _lag()
    generation = g.get("page_generation")
    if (
        lag <= 0
        or generation is None
        or not anonymous_visitor()  # e.g. a message was flashed while rendering it
        or has_uncommitted_changes(db.session())
    ):
        return
    parts = _cut_form(response.get_data())
    if parts is None:
        return
    current_app.extensions["eventhub_pages"].put(
        key,
        KeptForm(
            parts,
            response.content_type,
            generation,
            g.page_seat_commits,
            g.get("form_outlives", 0),
            _clock(),
            time.time(),
        ),
    )


def keep_page(response: Response) -> Response:
    keep_form(response)
    state = g.get("page_cache")
    if state is None or response.status_code == 304:
        return response
    if state == "private":
        _private_headers(response)
        return response
    if (
        response.status_code != 200
        or response.direct_passthrough
        or not response.is_sequence
        or session.modified
        or "Set-Cookie" in response.headers
    ):
        if response.status_code == 200:
            _private_headers(response)
        return response
    body = response.get_data()
    etag = hashlib.blake2b(body, digest_size=16).hexdigest()
    lag = _lag()
    generation = g.get("page_generation")
    if lag > 0 and generation is not None and not has_uncommitted_changes(db.session()):
        current_app.extensions["eventhub_pages"].put(
            state,
            KeptPage(
                body,
                response.content_type,
                etag,
                generation,
                g.page_seat_commits,
                _clock(),
                time.time(),
            ),
        )
    _public_headers(response, etag, lag)
    return response.make_conditional(request)


def kept_fragment(name: str, key: Any, render: Callable[..., Markup], *args: Any) -> Markup:
    """render(*args), kept under (name, key, language, events counter) when this request
    read the counter before its queries (the kept pages' endpoints do); else rendered.

    Only for markup that depends on public event data and the language alone: never on
    seats, the clock or the visitor."""
    generation = g.get("page_generation")
    if generation is None:
        return render(*args)
    fragments = current_app.extensions["eventhub_fragments"]
    full_key = (name, key, current_language(), generation)
    markup = fragments.get(full_key)
    if markup is None:
        markup = Markup(render(*args))  # noqa: S704  # nosec B704  # a macro's own output
        fragments.put(full_key, markup)
    return markup
