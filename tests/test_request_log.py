"""Log lines are JSON objects with the id of their request, which the response's
X-Request-ID header shows; ids from outside are taken only when sane; redaction holds."""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.request

import pytest
from pythonjsonlogger.json import JsonFormatter
from werkzeug.serving import make_server

from eventhub import create_app

ADDRESS = "ida.intern@firma-beispiel.de"


@pytest.fixture
def app(app_factory):
    """The app with a view that logs and then fails with the person's data in its error."""
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/r/<token:token>/boom")
    def boom(token):
        logging.getLogger("eventhub.test").warning("about to fail for %s", ADDRESS)
        raise RuntimeError(f"no mail for {ADDRESS} at /r/{token}")

    with app.app_context():
        yield app


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_response_carries_a_request_id(client):
    ids = set()
    for path in ("/events/", "/no/such/page", "/healthz", "/static/no-such.css", "/metrics"):
        request_id = client.get(path).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), path
        ids.add(request_id)
    assert len(ids) == 5  # a new one for each request


@pytest.mark.parametrize(
    "given",
    ["0f6c2a1e-5b7d-4c8e-9a3f-2d1b0c9e8f7a", "9d1c8b7a6f5e4d3c2b1a0f9e8d7c6b5a", "req.42:x_y-z"],
)
def test_a_sane_incoming_id_is_kept(client, given):
    assert client.get("/events/", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given",
    [
        "",
        "x" * 129,  # too long
        "two words",
        "-starts-with-a-dash",
        ADDRESS,  # an address must not get into the logs this way
        "ida.intern%40firma-beispiel.de",
        "/r/SomeonesToken123",
        "eh_abcdefghijklmnopqrstuvwxyz",  # an organiser API key
        "ä-umlaut",
        "a\tb",
        "{\"json\": 1}",
    ],
)  # fmt: skip
def test_anything_else_gets_an_id_of_our_own(client, given):
    answer = client.get("/events/", headers={"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])


def test_log_lines_are_json_with_the_request_id(app, client, capsys):
    token = "SehrGeheimesToken123"
    capsys.readouterr()
    answer = client.get(f"/r/{token}/boom", headers={"X-Request-ID": "support-ticket-0815"})
    assert answer.status_code == 500
    assert answer.headers["X-Request-ID"] == "support-ticket-0815"
    other = client.get(f"/r/{token}/boom")
    written = capsys.readouterr().err
    lines = json_lines(written)  # every line one JSON object
    ours = [line for line in lines if line.get("request_id") == "support-ticket-0815"]
    assert [(line["level"], line["logger"]) for line in ours] == [
        ("WARNING", "eventhub.test"),
        ("ERROR", "eventhub"),  # Flask's "Exception on ..." with the traceback
    ]
    assert ours[0]["message"] == "about to fail for [email]"
    assert ours[1]["message"] == "Exception on /r/[token]/boom [GET]"
    assert "RuntimeError: no mail for [email] at /r/[token]" in ours[1]["exc_info"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", ours[0]["time"])
    # The other request's lines carry its own id.
    theirs = [line for line in lines if line.get("request_id") == other.headers["X-Request-ID"]]
    assert len(theirs) == 2
    assert ADDRESS not in written and token not in written


def test_control_the_librarys_formatter_would_log_the_traceback_unredacted(app, client, caplog):
    """python-json-logger formats the traceback anew from the exception: without our
    formatter's redaction, the address and token of the error would be in the line."""
    client.get("/r/SehrGeheimesToken123/boom")
    [failure] = [record for record in caplog.records if record.exc_info]
    assert ADDRESS in JsonFormatter().format(failure)
    from eventhub.request_log import JsonLines

    line = JsonLines().format(failure)
    assert ADDRESS not in line and "SehrGeheimesToken123" not in line
    assert "[email]" in json.loads(line)["exc_info"]


def test_lines_outside_requests_have_no_request_id(app, capsys):
    capsys.readouterr()
    logging.getLogger("eventhub.test").warning("worker pass for %s", ADDRESS)
    [line] = json_lines(capsys.readouterr().err)
    assert line["message"] == "worker pass for [email]"
    assert "request_id" not in line


def test_the_werkzeug_servers_request_lines_are_json_too(app, capsys):
    capsys.readouterr()
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{server.server_port}/events/", timeout=30
        ) as answer:
            request_id = answer.headers["X-Request-ID"]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    lines = json_lines(capsys.readouterr().err)
    assert any(
        line["logger"] == "werkzeug" and '"GET /events/ HTTP/1.1" 200' in line["message"]
        for line in lines
    ), lines
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)


def test_text_format_on_request_and_in_debug(app_factory, capsys):
    for app in (app_factory(LOG_FORMAT="text"), app_factory(DEBUG=True)):
        client = app.test_client()

        @app.get("/r/<token:token>/note")
        def note(token):
            logging.getLogger("eventhub.test").warning("a note for %s", ADDRESS)
            return "ok"

        capsys.readouterr()
        request_id = client.get("/r/AnyToken99/note").headers["X-Request-ID"]
        [line] = capsys.readouterr().err.splitlines()
        assert line.endswith(f" WARNING eventhub.test [{request_id}] a note for [email]")


def test_a_wrong_setting_stops_the_start():
    for name, wrong in (("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD")):
        with pytest.raises(ValueError, match=f"EVENTHUB_{name}"):
            create_app(
                {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://", name: wrong}
            )
