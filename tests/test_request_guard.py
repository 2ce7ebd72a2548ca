"""Hostile requests get a 4xx with a message, never a 500: bad Host headers, control
characters in parameters."""

from __future__ import annotations

import pytest

CONTROL_MESSAGE_DE = "Steuerzeichen"
CONTROL_MESSAGE_EN = "control characters"


@pytest.mark.parametrize(
    "host",
    [
        "a..b",
        "a" * 64 + ".example",
        ".example",
        "exa mple",
        "ex\x01ample",
        "example:80:80",
        "b" * 250 + ".example",
        "münchen.de",
    ],
)
@pytest.mark.parametrize("path", ["/", "/api/v1/events", "/healthz", "/manage/login"])
def test_a_host_header_that_is_no_host_name_is_400(client, host, path):
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 400, (host, path)
    assert "Host" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:5000",
        "events.example.org.",
        "127.0.0.1:8000",
        "[::1]:5000",
        "xn--mnchen-3ya.de",
        "a" * 63 + ".example",
    ],
)
def test_real_host_names_pass(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("value", ["a\x00b", "a\x01", "\x7f", "a\x85b", "line\nbreak", "cr\r"])
def test_control_characters_in_query_parameters_are_400(client, value):
    response = client.get("/events/", query_string={"q": value})
    assert response.status_code == 400
    assert CONTROL_MESSAGE_DE in response.get_data(as_text=True)
    assert client.get("/events/", query_string={value: "x"}).status_code == 400


def test_control_characters_in_the_api_answer_json(client):
    response = client.get("/api/v1/events", query_string={"q": "\x00", "lang": "en"})
    assert response.status_code == 400
    assert CONTROL_MESSAGE_EN in response.get_json()["error"]["message"]


def test_a_nul_in_the_login_email_is_400_in_the_users_language(client):
    response = client.post(
        "/manage/login?lang=en", data={"email": "orga\x00@ihk.example", "password": "x" * 12}
    )
    assert response.status_code == 400
    assert CONTROL_MESSAGE_EN in response.get_data(as_text=True)


def test_ordinary_text_and_pasted_tabs_still_pass(client, make_event, register_by_form):
    event = make_event(title="Fachkräfte-Workshop Ümlaute")
    response = client.get("/events/", query_string={"q": "Fachkräfte – „Ümlaute“ 😀"})
    assert response.status_code == 200
    assert register_by_form(event, organisation="Muster\tGmbH").status_code == 303


@pytest.mark.parametrize(
    "value",
    [
        "Null\x00Byte",
        "Bell\x07",
        "Escape\x1b[31m",
        "Zeile\nzwei",
        "\u202eredliaM",  # shown reversed to the organisers and other participants
        "Name\u2066isolated\u2069",
    ],
)
def test_control_characters_in_the_registration_form_are_400(
    client, make_event, register_by_form, value
):
    event = make_event()
    response = register_by_form(event, last_name=value)
    assert response.status_code == 400
    assert CONTROL_MESSAGE_DE in response.get_data(as_text=True)
    assert client.get(f"/api/v1/events/{event.slug}").get_json()["seats_left"] == 50
