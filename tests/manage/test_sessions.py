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
