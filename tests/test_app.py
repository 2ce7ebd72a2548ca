"""App-wide behaviour: odd URLs and query strings, caching of personal pages, and which
proxy headers the app trusts."""

from __future__ import annotations

import re

import pytest

from eventhub.events.records import upsert_event
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from tests.conftest import event_record


@pytest.mark.parametrize(
    "path",
    [
        "/?endpoint=x",
        "/?_anchor=x",
        "/?_scheme=x&_external=1",
        "/?_method=POST",
        "/events/archive?endpoint=x",
        "/privacy?_anchor=x",
        "/events/?page=%C2%B2",
        "/events/?page=" + "9" * 5000,
        "/events/?page=%D9%A3",
        "/api/v1/events?page=%C2%B2",
    ],
)
def test_odd_query_strings_are_not_errors(client, path):
    response = client.get(path)
    assert response.status_code in (200, 400), (path, response.status_code)


def test_reserved_names_in_the_query_on_pages_with_parameters(client, make_event):
    event = make_event()
    assert client.get(f"/events/{event.slug}?slug=x").status_code == 200
    assert client.get(f"/events/{event.slug}/register?slug=x").status_code == 200
    assert client.get("/r/abc?token=x").status_code == 404
    html = client.get("/?_external=1").get_data(as_text=True)
    assert 'href="/?_external=1&amp;lang=en"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/events/%00",
        "/events/%00/register",
        "/events/%00.ics",
        "/api/v1/events/%00",
        "/events/Gro%C3%9F",
        "/r/%00",
    ],
)
def test_junk_in_slugs_and_tokens_is_404(client, path):
    assert client.get(path).status_code == 404


def test_personal_pages_are_not_cached(client, make_event, make_registration):
    event = make_event()
    _registration, token = make_registration(event)
    assert client.get(f"/r/{token}").headers["Cache-Control"] == "private, no-store"
    assert client.get("/manage/login").headers["Cache-Control"] == "private, no-store"


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "events.example",
}


def proxy_test_app(app_factory, **config):
    """An app with a one-per-minute registration limit, an event and a route that shows
    the client address, scheme and host the app sees."""
    app = app_factory(RATELIMIT_ENABLED=True, REGISTRATION_RATELIMIT="1 per minute", **config)

    @app.get("/test-remote")
    def remote():
        from flask import request

        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    with app.app_context():
        upsert_event(EventRecord.model_validate(event_record(slug="proxy-test")))
        db.session.commit()
    return app


def test_proxy_headers_only_when_configured(app_factory, register_by_form):
    """X-Forwarded-* are whatever a client chooses to send unless a proxy of ours sets
    them: only with EVENTHUB_PROXY_COUNT may they change the client address (and so the
    rate-limit key), the scheme and the host of absolute URLs."""

    def register_from(client, address: str, email: str) -> int:
        response = register_by_form(
            "proxy-test", client=client, email=email, headers={"X-Forwarded-For": address}
        )
        return response.status_code

    direct = proxy_test_app(app_factory).test_client()
    assert direct.get("/test-remote", headers=FORWARDED).get_json() == {
        "addr": "127.0.0.1",
        "scheme": "http",
        "host": "localhost",
    }
    event = direct.get("/api/v1/events/proxy-test", headers=FORWARDED).get_json()
    assert event["url"] == "http://localhost/events/proxy-test"
    assert register_from(direct, "203.0.113.1", "a@example.org") == 303
    assert register_from(direct, "203.0.113.2", "b@example.org") == 429  # one client, one limit

    proxied = proxy_test_app(app_factory, PROXY_COUNT=1).test_client()
    assert proxied.get("/test-remote", headers=FORWARDED).get_json() == {
        "addr": "203.0.113.9",
        "scheme": "https",
        "host": "events.example",
    }
    # Only the address the one trusted proxy added counts, not what the client claimed.
    spoofed = {**FORWARDED, "X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    assert proxied.get("/test-remote", headers=spoofed).get_json()["addr"] == "203.0.113.9"
    event = proxied.get("/api/v1/events/proxy-test", headers=FORWARDED).get_json()
    assert event["url"] == "https://events.example/events/proxy-test"
    assert register_from(proxied, "203.0.113.1", "c@example.org") == 303
    assert register_from(proxied, "203.0.113.2", "d@example.org") == 303  # another visitor
    assert register_from(proxied, "203.0.113.1", "e@example.org") == 429  # the first one again


def test_https_base_url_sends_hsts_and_secure_language_cookie(app_factory):
    app = app_factory(BASE_URL="https://events.example")
    response = app.test_client().get("/?lang=en")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "Secure" in cookie


def test_http_base_url_sends_no_hsts_and_a_plain_language_cookie(app_factory):
    app = app_factory(BASE_URL="http://localhost:5000")
    response = app.test_client().get("/?lang=en")
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "Secure" not in cookie


def test_favicon_is_served_and_linked(client):
    """Issue 11: /favicon.ico answered 404 on every page."""
    with client.get("/favicon.ico", follow_redirects=True) as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"
        assert b'<svg xmlns="http://www.w3.org/2000/svg"' in icon.data
    html = client.get("/events/").get_data(as_text=True)
    # Versioned by content (eventhub/static_files.py).
    assert re.search(
        r'<link rel="icon" href="/static/favicon.svg\?v=[0-9a-f]{12}" type="image/svg\+xml">', html
    )
