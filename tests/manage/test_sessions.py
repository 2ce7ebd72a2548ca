"""Logging out and changing the password end every earlier session of the account."""

from __future__ import annotations

from tests.manage.conftest import PASSWORD, log_in, mailed_link


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def open_with(app, cookie: str):
    """A second browser that got hold of a copy of the cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/manage/")


def test_a_copied_cookie_stops_working_at_logout(app, client, make_organiser):
    make_organiser()
    log_in(client, "orga@ihk.example")
    copied = session_cookie(client)
    assert open_with(app, copied).status_code == 200  # the copy works while logged in
    client.post("/manage/logout")
    response = open_with(app, copied)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/manage/login")


def test_logout_ends_the_sessions_on_other_devices_too(app, client, make_organiser):
    make_organiser()
    phone = app.test_client()
    log_in(phone, "orga@ihk.example")
    log_in(client, "orga@ihk.example")
    client.post("/manage/logout")
    assert phone.get("/manage/").status_code == 302
    assert log_in(phone, "orga@ihk.example").status_code == 303  # logging in again works
    assert phone.get("/manage/").status_code == 200


def test_a_password_reset_ends_earlier_sessions(app, client, make_organiser, outbox):
    make_organiser()
    log_in(client, "orga@ihk.example")
    copied = session_cookie(client)
    anonymous = app.test_client()
    anonymous.post("/manage/password/forgot", data={"email": "orga@ihk.example"}).close()
    link = mailed_link(outbox, "password_reset")
    assert anonymous.post(link, data={"password": "ein-neues-passwort"}).status_code == 303
    assert open_with(app, copied).status_code == 302
    assert client.get("/manage/").status_code == 302


def test_a_new_password_set_on_the_command_line_ends_earlier_sessions(app, client, runner):
    runner.invoke(args=["users", "create", "--email", "orga@ihk.example", "--password", PASSWORD])
    log_in(client, "orga@ihk.example")
    assert client.get("/manage/").status_code == 200
    result = runner.invoke(
        args=["users", "create", "--email", "orga@ihk.example", "--password", "ein-anderes-pw"]
    )
    assert result.exit_code == 0, result.output
    assert client.get("/manage/").status_code == 302


def test_a_signed_in_session_replayed_by_another_browser_is_refused(app, client, make_organiser):
    """Session protection ("strong"): the session is bound to address and user agent."""
    make_organiser()
    log_in(client, "orga@ihk.example")
    copied = session_cookie(client)
    other = app.test_client()
    other.set_cookie("session", copied)
    response = other.get("/manage/", headers={"User-Agent": "Another browser/1.0"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/manage/login")
    assert client.get("/manage/").status_code == 200  # the owner stays signed in


def test_an_anonymous_visitors_session_is_left_alone(app, client, make_event):
    """A visitor's session holds a CSRF token, no login: nothing to protect, so answers
    neither re-send it nor delete a remember cookie (which would also keep kept pages
    from the visitor)."""
    app.config["WTF_CSRF_ENABLED"] = True  # the form puts its token into the session
    event = make_event()
    first = client.get(f"/events/{event.slug}/register")
    assert [c.split("=")[0] for c in first.headers.getlist("Set-Cookie")] == ["session"]
    token = client.get_cookie("session").value
    for agent in ("Browser/1.0", "Browser/2.0"):
        again = client.get(f"/events/{event.slug}/register", headers={"User-Agent": agent})
        assert again.headers.getlist("Set-Cookie") == []
        assert client.get_cookie("session").value == token
