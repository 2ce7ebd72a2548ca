"""No log line and no error page holds an email address or a link token.

Requests with addresses and tokens (the registration form, a private link, a mistyped
link's 404, a certificate code, a failing view, werkzeug's request log of a real server)
and a mail the server refuses quoting the address run with every logger at DEBUG; no
formatted record may contain one of them. The control runs the same with the plain log
record factory and finds them."""

from __future__ import annotations

import logging
import re
import threading
import urllib.error
import urllib.request
from itertools import count

import pytest
from aiosmtpd.controller import Controller
from werkzeug.serving import make_server

from eventhub.extensions import db
from eventhub.log_redaction import EMAIL_MARK, TOKEN_MARK, path_patterns, redact
from eventhub.request_log import JsonLines
from tests.mail.conftest import free_port

FORMAT = logging.Formatter("%(name)s %(levelname)s %(message)s")
_runs = count(1)


class RefusingServer:
    """An SMTP server that refuses every recipient, quoting the address as servers do."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


@pytest.fixture
def smtp_refusing():
    port = free_port()
    controller = Controller(RefusingServer(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def app(app_factory, smtp_refusing):
    """The app of every test here: mail goes to the refusing server, a failing view's
    exception is logged (not raised into the test)."""
    app = app_factory(SMTP_URL=smtp_refusing, PROPAGATE_EXCEPTIONS=False)

    @app.get("/r/<token:token>/boom")
    def boom(token):  # a view that fails with the person's data in its error
        raise RuntimeError(f"no mail for ida.intern@firma-beispiel.de at /r/{token}")

    with app.app_context():
        yield app


def formatted(records: list[logging.LogRecord]) -> list[str]:
    """Each record as a text line and as the JSON line of production (request_log)."""
    as_json = JsonLines()
    return [FORMAT.format(record) for record in records] + [
        as_json.format(record) for record in records
    ]


def drive(app, make_event, make_registration, register_by_form) -> dict[str, str]:
    """Everything that could log an address or a token; returns those values."""
    run = next(_runs)
    client = app.test_client()
    event = make_event()
    secrets = {
        "form email": f"lena.geheim{run}@firma-beispiel.de",
        "service email": f"jan.vertraulich{run}@firma-beispiel.de",
        "view email": "ida.intern@firma-beispiel.de",
        "query email": f"max.anfrage{run}@firma-beispiel.de",
        "bad token": f"NichtUnserToken{run}x9Q",
        "certificate code": f"ZERTGEHEIM{run}7",
        "query token": f"QueryToken{run}abc",
    }
    answer = register_by_form(event, client=client, email=secrets["form email"])
    assert answer.status_code == 303
    secrets["redirect token"] = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    _registration, token = make_registration(event, email=secrets["service email"])
    secrets["link token"] = token

    assert client.get(f"/r/{token}").status_code == 200
    assert client.get(f"/r/{secrets['bad token']}").status_code == 404
    client.get(f"/certificates/{secrets['certificate code']}")
    assert client.get(f"/r/{token}/boom").status_code == 500

    # werkzeug's request log, from a real server.
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        for path in (
            f"/r/{token}/network",
            f"/r/{secrets['bad token']}",
            f"/feeds/{token}.ics",
            f"/certificates/{secrets['certificate code']}",
            f"/privacy?email={secrets['query email'].replace('@', '%40')}"
            f"&token={secrets['query token']}",
            f"/events/?q={secrets['query email']}",
        ):
            try:
                urllib.request.urlopen(base + path, timeout=30).close()  # noqa: S310 - http only
            except urllib.error.HTTPError as error:
                error.close()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()

    # The worker meets a server that refuses the addresses, quoting them.
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    secrets["cli output"] = result.output
    return secrets


def test_no_log_line_holds_an_address_or_a_token(
    app, caplog, make_event, make_registration, register_by_form
):
    caplog.set_level(logging.DEBUG)
    secrets = drive(app, make_event, make_registration, register_by_form)
    lines = formatted(caplog.records)
    everything = "\n".join(lines)
    for what, value in secrets.items():
        if what != "cli output":
            assert value not in everything, what
            assert value not in secrets["cli output"], what
    assert not re.search(r"[\w.-]+@[\w-]+\.[\w.-]+", everything)
    assert not re.search(r"[\w.-]+@[\w-]+\.[\w.-]+", secrets["cli output"])
    # The lines are there, with marks in place of the secrets.
    assert re.search(r'"GET /r/\[token\]/network HTTP/1.1" 200', everything)
    # (werkzeug colours the request line of a 404 with terminal escapes.)
    assert re.search(r'GET /r/\[token\] HTTP/1.1\S*" 404', everything)
    assert re.search(r"GET /feeds/\[token\]\.ics HTTP/1.1", everything)
    assert re.search(r'GET /certificates/\[token\] HTTP/1.1\S*" 404', everything)
    assert f"/privacy?email={EMAIL_MARK}&token={TOKEN_MARK}" in everything
    assert f"/events/?q={EMAIL_MARK}" in everything
    assert "Exception on /r/[token]/boom [GET]" in everything
    assert "RuntimeError: no mail for [email] at /r/[token]" in everything
    assert re.search(r"outbox message \d+ undeliverable: 550 5\.1\.1 <\[email\]>", everything)
    assert "0 sent, 0 to retry, 2 failed." in secrets["cli output"]


def test_control_without_the_redaction_the_same_lines_hold_them(
    app, caplog, make_event, make_registration, register_by_form
):
    caplog.set_level(logging.DEBUG)
    redacting = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)
    try:
        secrets = drive(app, make_event, make_registration, register_by_form)
    finally:
        logging.setLogRecordFactory(redacting)
    everything = "\n".join(formatted(caplog.records))
    assert f"GET /r/{secrets['link token']}/network HTTP/1.1" in everything
    assert f"GET /r/{secrets['bad token']} HTTP/1.1" in everything
    assert f"GET /certificates/{secrets['certificate code']} HTTP/1.1" in everything
    assert f"token={secrets['query token']}" in everything
    assert f"no mail for {secrets['view email']} at /r/{secrets['link token']}" in everything
    assert f"550 5.1.1 <{secrets['service email']}>" in everything
    assert f"<{secrets['form email']}>" in everything


def test_database_errors_do_not_quote_their_parameters(app):
    secret = "zoe.zuverlaessig@firma-beispiel.de"
    with pytest.raises(Exception) as raised:
        db.session.execute(db.text("SELECT * FROM no_such_table WHERE x = :x"), {"x": secret})
    db.session.rollback()
    assert secret not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("to Max.Müller+tag@stadt-bottrop.de failed", f"to {EMAIL_MARK} failed"),
        ("<anna@example.org>", f"<{EMAIL_MARK}>"),
        ("?email=anna%40example.org&next=/", f"?email={EMAIL_MARK}&next=/"),
        ("root@localhost said no", f"{EMAIL_MARK} said no"),
        ("key eh_abcdefghijklmnopqrstuvwxyz", f"key {TOKEN_MARK}"),
        ("/x?code=1234&api_key=xyz", f"/x?code={TOKEN_MARK}&api_key={TOKEN_MARK}"),
        ("/feeds/AbC_d-9.ics and /feeds/AbC", f"/feeds/{TOKEN_MARK}.ics and /feeds/{TOKEN_MARK}"),
        ("https://x.de/r/with.dots.too/agenda", f"https://x.de/r/{TOKEN_MARK}/agenda"),
        ("/events/fachtag-2027/register", "/events/fachtag-2027/register"),
        ("14 registrations, 3 mails", "14 registrations, 3 mails"),
    ],
)  # fmt: skip
def test_redact(app, text, expected):
    assert redact(text) == expected


def test_every_route_with_a_token_is_covered(app):
    """Walk the URL map: a secret variable of any route (present or future) is redacted,
    and the route's other parts stay readable."""
    covered = 0
    for rule in app.url_map.iter_rules():
        secrets = {
            name
            for name in rule.arguments
            if type(rule._converters[name]).__name__ == "TokenConverter"
            or name in ("token", "code", "uid")
        }
        if not secrets:
            continue
        values = {name: f"Geheim{n}Wert{n}" for n, name in enumerate(sorted(secrets))}
        others = {name: "7" for name in rule.arguments - secrets}
        if "slug" in others:
            others["slug"] = "ein-event"
        for name, converter in rule._converters.items():
            if type(converter).__name__ == "AnyConverter":
                others[name] = "accept" if "accept" in rule.rule else "hide"
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values, **others)
        line = f'127.0.0.1 - - "GET {url}?lang=de HTTP/1.1" 200 -'
        redacted = redact(line)
        for value in values.values():
            assert value not in redacted, rule.rule
        # (An id after a token-like prefix may go too: /r/[token]/network/requests/[token].)
        assert redacted.count(TOKEN_MARK) >= len(values), (rule.rule, redacted)
        assert redacted.split("/")[1] == url.split("/")[1]
        assert redacted.endswith('?lang=de HTTP/1.1" 200 -')
        covered += 1
    assert covered >= 25
    assert len(path_patterns(app.url_map.iter_rules())) < covered  # shared prefixes


def test_error_pages_repeat_nothing_of_the_request(client):
    secret, address = "SehrGeheimesToken123", "paula.privat@firma-beispiel.de"
    for url, status in (
        (f"/r/{secret}?email={address}", 404),
        (f"/no/such/page/{secret}/{address}", 404),
        (f"/r/{secret}/cancel?email={address}", 405),
        (f"/feeds/{secret}.ics?email={address}", 404),
    ):
        for lang in ("de", "en"):
            response = client.get(url + f"&lang={lang}" if "?" in url else url + f"?lang={lang}")
            if url.endswith("/cancel?email=" + address):
                response = client.put(url)
            page = response.get_data(as_text=True)
            assert response.status_code == status, url
            assert secret not in page and address not in page and "paula" not in page
    api = client.get(f"/api/v1/participant/{secret}/meetings?email={address}")
    assert api.status_code in (401, 403, 404)
    assert secret not in api.get_data(as_text=True) and address not in api.get_data(as_text=True)
    # The language links of an error page lead to the overview, not back to the URL.
    page = client.get(f"/r/{secret}?lang=de").get_data(as_text=True)
    assert 'href="/events/?lang=en"' in page or 'href="/?lang=en"' in page


def test_the_filter_redacts_for_a_logging_configuration_of_ones_own(app):
    """RedactingFilter on a handler does the same to records made without the factory."""
    import io

    from eventhub.log_redaction import RedactingFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(FORMAT)
    logger = logging.getLogger("tests.own_configuration")
    logger.addHandler(handler)
    logger.propagate = False
    redacting = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)
    try:
        try:
            raise ValueError("refused: ulla@firma-beispiel.de")
        except ValueError:
            logger.exception("GET /r/%s for %s", "OhneFilterToken9", "ulla@firma-beispiel.de")
        handler.addFilter(RedactingFilter())
        try:
            raise ValueError("refused: ulla@firma-beispiel.de")
        except ValueError:
            logger.exception("GET /r/%s for %s", "MitFilterToken9", "ulla@firma-beispiel.de")
    finally:
        logging.setLogRecordFactory(redacting)
        logger.removeHandler(handler)
    without, _sep, with_filter = stream.getvalue().partition("GET /r/[token]")
    assert "OhneFilterToken9" in without and "ulla@firma-beispiel.de" in without
    assert "MitFilterToken9" not in with_filter and "ulla@" not in with_filter
    assert "for [email]" in with_filter and "ValueError: refused: [email]" in with_filter
