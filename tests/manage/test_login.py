"""Logging in and out of the workspace."""

from __future__ import annotations

import pytest

from tests.manage.conftest import log_in


def test_workspace_needs_login(client):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/manage/login")


def test_login_and_logout(client, make_organiser):
    make_organiser()
    page = client.get("/manage/login")
    assert page.status_code == 200
    response = log_in(client, "ORGA@ihk.example")
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/manage/").status_code == 200
    assert client.post("/manage/logout").status_code == 303
    assert client.get("/manage/").status_code == 302


def test_wrong_password_is_refused_without_hint(client, make_organiser):
    make_organiser()
    wrong = log_in(client, "orga@ihk.example", "falsches-passwort")
    unknown = log_in(client, "niemand@ihk.example", "falsches-passwort")
    assert wrong.status_code == unknown.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch" in wrong.get_data(as_text=True)
    assert client.get("/manage/").status_code == 302


def test_next_parameter_only_redirects_locally(client, make_organiser):
    make_organiser()
    response = client.post(
        "/manage/login?next=//evil.example/x",
        data={"email": "orga@ihk.example", "password": "richtig-langes-passwort"},
    )
    assert response.headers["Location"] == "/manage/"


def test_sixth_failed_login_within_a_minute_gets_429(app_factory):
    from eventhub.manage.accounts import create_user

    app = app_factory(RATELIMIT_ENABLED=True)
    with app.app_context():
        create_user(email="orga@ihk.example", password="richtig-langes-passwort")
    client = app.test_client()
    statuses = [log_in(client, "orga@ihk.example", "falsch-falsch").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert "Zu viele Anfragen" in log_in(client, "orga@ihk.example").get_data(as_text=True)


def test_successful_logins_do_not_count_against_the_limit(app_factory):
    from eventhub.manage.accounts import create_user

    app = app_factory(RATELIMIT_ENABLED=True)
    with app.app_context():
        create_user(email="orga@ihk.example", password="richtig-langes-passwort")
    client = app.test_client()
    for _ in range(8):
        assert log_in(client, "orga@ihk.example").status_code == 303


def test_session_cookie_is_secure_over_https(app_factory):
    app = app_factory(BASE_URL="https://events.example")
    assert app.config["SESSION_COOKIE_SECURE"] is True


# What browsers would follow to another host (tabs and newlines are dropped, a backslash
# counts as a slash, controls and spaces at the ends are stripped) or to a script.
HOSTILE_NEXT = [
    "//evil.example/x",
    "/\t/evil.example/phish",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\x00//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "///evil.example",
    "////evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "evil.example",
    "/%09/evil.example",  # decoded once by the server: stays a local path, see below
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leads_off_the_site(client, make_organiser, target):
    make_organiser()
    response = client.post(
        "/manage/login",
        query_string={"next": target},
        data={"email": "orga@ihk.example", "password": "richtig-langes-passwort"},
    )
    if response.status_code == 400:  # line breaks and controls: refused outright
        assert any(ord(ch) < 32 and ch != "\t" for ch in target)
        return
    assert response.status_code == 303
    location = response.headers["Location"]
    # What a browser makes of it: drop tabs/newlines, backslash as slash.
    followed = location.replace("\t", "").replace("\n", "").replace("\r", "")
    followed = followed.strip("".join(chr(c) for c in range(33))).replace("\\", "/")
    assert followed.startswith("/") and not followed.startswith("//"), location
    assert "javascript" not in followed.lower()


def test_next_to_a_local_page_is_kept(client, make_organiser):
    make_organiser()
    response = client.post(
        "/manage/login?next=/manage/account%3Fx%3D1",
        data={"email": "orga@ihk.example", "password": "richtig-langes-passwort"},
    )
    assert response.headers["Location"] == "/manage/account?x=1"


def test_language_links_stay_on_the_site(client):
    """A request for //evil.example/ must not render links to that host (Werkzeug's
    request.path collapses the leading slashes; this guards that the links keep relying
    on it)."""
    # As a server receives it (the test client would read "//host" as a host).
    response = client.get("/", environ_overrides={"PATH_INFO": "//evil.example/path"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "?lang=en" in page and 'href="//' not in page
