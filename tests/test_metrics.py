"""/metrics counts what it claims: requests, registrations by outcome, the outbox, mail
deliveries and the workers' heartbeats; across processes in multiprocess mode; and only
for the scrapers it is meant for."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections import Counter
from pathlib import Path

import time_machine
from prometheus_client.parser import text_string_to_metric_families

from eventhub.events.registration import REFUSAL_REASONS
from eventhub.extensions import db
from eventhub.metrics import REFUSALS
from eventhub.models import WorkerHeartbeat
from tests.conftest import in_days
from tests.events.test_group_registration import PEOPLE, group_form
from tests.mail.conftest import free_port, smtp_server  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, **kwargs) -> Samples:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return parse(response.get_data(as_text=True))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def grown(before: Samples, after: Samples, name: str) -> dict:
    """{label values: increase} of every series of `name` that grew between two scrapes;
    the values in the order of their labels' names."""
    return {
        labels: after[key] - before.get(key, 0.0)
        for key in after
        if key[0] == name and after[key] != before.get(key, 0.0)
        for labels in [tuple(v for _k, v in key[1])]
    }


def test_requests_are_counted_by_endpoint_method_and_status(client, make_event):
    event = make_event()
    before = scrape(client)
    for _ in range(3):
        assert client.get("/events/").status_code == 200
    assert client.get(f"/events/{event.slug}").status_code == 200
    for _ in range(2):
        assert client.get("/events/no-such-event").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    assert client.post("/events/").status_code == 405
    after = scrape(client)

    # (endpoint, method, status): the scrape before is counted once it has answered.
    assert grown(before, after, "eventhub_http_requests_total") == {
        ("events.catalogue", "GET", "200"): 3,
        ("events.event_page", "GET", "200"): 1,
        ("events.event_page", "GET", "404"): 2,
        ("unknown", "GET", "404"): 1,
        ("unknown", "POST", "405"): 1,
        ("metrics", "GET", "200"): 1,
    }
    name = "eventhub_http_request_duration_seconds"
    counts = grown(before, after, f"{name}_count")
    assert counts[("events.catalogue", "GET")] == 3
    assert counts[("events.event_page", "GET")] == 3
    # The buckets of a histogram: cumulative, the last (+Inf) holds every request.
    buckets = sorted(
        (float(dict(labels)["le"]), count)
        for (sample, labels), count in after.items()
        if sample == f"{name}_bucket" and ("endpoint", "events.catalogue") in labels
    )
    assert [count for _le, count in buckets] == sorted(count for _le, count in buckets)
    total = value(after, f"{name}_count", endpoint="events.catalogue", method="GET")
    assert buckets[-1] == (float("inf"), total)
    assert value(after, f"{name}_sum", endpoint="events.catalogue", method="GET") > 0


def test_urls_without_a_route_share_one_label(client):
    before = scrape(client)
    for n in range(40):
        client.get(f"/guessed/path/{n}/admin.php?x={n}")
    after = scrape(client)
    grew = grown(before, after, "eventhub_http_requests_total")
    assert grew == {("unknown", "GET", "404"): 40, ("metrics", "GET", "200"): 1}
    endpoints = {
        dict(labels)["endpoint"] for (name, labels) in after if name.startswith("eventhub_http")
    }
    assert not any("guessed" in endpoint for endpoint in endpoints)


def test_every_refusal_reason_has_its_label():
    """The service's reasons map into the small fixed set; none falls through as other."""
    assert set(REFUSALS) == set(REFUSAL_REASONS)
    assert set(REFUSALS.values()) == {"full", "closed", "duplicate", "limited", "invalid"}


def test_registrations_are_counted_by_outcome(app, client, make_event, register_by_form):
    before = scrape(client)
    open_event = make_event()
    for n in range(3):
        assert register_by_form(open_event, email=f"p{n}@example.org").status_code == 303
    # The same address again: refused as duplicate.
    assert register_by_form(open_event, email="p0@example.org").status_code == 409
    one_seat = make_event(capacity=1)
    assert register_by_form(one_seat, client=client, email="a@example.org").status_code == 303
    assert register_by_form(one_seat, client=client, email="b@example.org").status_code == 409
    waiting = register_by_form(one_seat, client=client, email="c@example.org", if_full="wait")
    assert waiting.status_code == 303
    approval = make_event(approval=True)
    assert register_by_form(approval, client=client).status_code == 303
    confirm = make_event(confirm_email=True)
    assert register_by_form(confirm, client=client).status_code == 303
    closed = make_event(registration_closes_at=in_days(-1).isoformat())
    assert register_by_form(closed, client=client).status_code == 409
    past = make_event(starts=in_days(-3))
    assert register_by_form(past, client=client).status_code == 409
    # Register and cancel, over and over: the fourth time is refused (limited).
    loop = make_event()
    for _ in range(3):
        answer = register_by_form(loop, client=client, email="loop@example.org")
        client.post(answer.headers["Location"].split("?")[0] + "/cancel")
    assert register_by_form(loop, client=client, email="loop@example.org").status_code == 409
    # Bad input never reaches the service: a 422 of the form page.
    assert register_by_form(open_event, email="not-an-address").status_code == 422
    after = scrape(client)

    assert grown(before, after, "eventhub_registrations_total") == {
        ("confirmed", ""): 3 + 1 + 3,
        ("waiting", ""): 1,
        ("pending", ""): 1,
        ("unverified", ""): 1,
        ("refused", "duplicate"): 1,
        ("refused", "full"): 1,
        ("refused", "closed"): 2,
        ("refused", "limited"): 1,
    }
    form = grown(before, after, "eventhub_http_requests_total")
    assert form[("events.register_page", "POST", "422")] == 1
    assert form[("events.register_page", "POST", "409")] == 5


def test_rate_limited_registrations_show_as_429(app_factory, register_by_form, make_event):
    app = app_factory(RATELIMIT_ENABLED=True, REGISTRATION_RATELIMIT="2 per minute")
    with app.app_context():
        client = app.test_client()
        event = make_event()
        before = scrape(client)
        statuses = [
            register_by_form(event, client=client, email=f"r{n}@example.org").status_code
            for n in range(4)
        ]
        after = scrape(client)
    assert statuses == [303, 303, 429, 429]
    assert grown(before, after, "eventhub_registrations_total") == {("confirmed", ""): 2}
    grew = grown(before, after, "eventhub_http_requests_total")
    assert grew[("events.register_page", "POST", "429")] == 2


def test_a_group_counts_each_person(client, make_event):
    event = make_event(capacity=10)
    before = scrape(client)
    answer = client.post(f"/events/{event.slug}/register/group", data=group_form(PEOPLE))
    assert answer.status_code == 303
    full = make_event(capacity=2, waitlist="off")
    refused = client.post(f"/events/{full.slug}/register/group", data=group_form(PEOPLE))
    assert refused.status_code == 409
    after = scrape(client)
    assert grown(before, after, "eventhub_registrations_total") == {
        ("confirmed", ""): 3,
        ("refused", "full"): 3,
    }


def test_metrics_answer_loopback_clients_that_come_straight(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    not_found = client.get("/no/such/page").get_data(as_text=True)
    for environ, headers in (
        ({"REMOTE_ADDR": "203.0.113.9"}, {}),
        ({"REMOTE_ADDR": "10.0.0.5"}, {}),
        # Through a proxy on the same host: the proxy's loopback address is not the client.
        ({}, {"X-Forwarded-For": "203.0.113.9"}),
        ({}, {"Forwarded": "for=203.0.113.9"}),
        ({}, {"X-Real-IP": "203.0.113.9"}),
        # No token is configured: whatever is sent opens nothing.
        ({"REMOTE_ADDR": "203.0.113.9"}, {"Authorization": "Bearer "}),
    ):
        answer = client.get("/metrics", environ_base=environ, headers=headers)
        assert answer.status_code == 404
        # The same page as for any missing URL: nothing says there is something here.
        assert answer.get_data(as_text=True) == not_found
        assert "eventhub_" not in answer.get_data(as_text=True)


def test_metrics_answer_the_token(app_factory):
    token = "scrape-9f8e7d6c5b4a39281706"
    app = app_factory(METRICS_TOKEN=token, PROXY_COUNT=1)
    client = app.test_client()
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=remote).status_code == 404
    for wrong in (f"Bearer {token}x", f"Bearer {token[:-1]}", f"Basic {token}", token):
        answer = client.get("/metrics", environ_base=remote, headers={"Authorization": wrong})
        assert answer.status_code == 404, wrong
    answer = client.get(
        "/metrics", environ_base=remote, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "eventhub_http_requests_total" in answer.get_data(as_text=True)
    # Behind the proxy, a forged X-Forwarded-For of a loopback address opens nothing.
    forged = client.get(
        "/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "::1"}
    )
    assert forged.status_code == 404


def test_outbox_depth_and_age_follow_the_clock(
    app_factory,
    make_event,
    make_registration,
    smtp_server,  # noqa: F811 - the fixture imported above
    outbox,
):
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    app = app_factory(SMTP_URL=smtp_server.url)
    with app.app_context():
        client = app.test_client()
        with time_machine.travel(start, tick=False):
            event = make_event()
            make_registration(event)
            make_registration(event)
            written = len(outbox())
            assert written >= 2
            samples = scrape(client)
        assert value(samples, "eventhub_outbox_messages", state="due") == written
        assert value(samples, "eventhub_outbox_oldest_due_seconds") == 0

        with time_machine.travel(start + dt.timedelta(seconds=90), tick=False):
            samples = scrape(client)
        assert value(samples, "eventhub_outbox_messages", state="due") == written
        assert value(samples, "eventhub_outbox_oldest_due_seconds") == 90
        assert value(samples, "eventhub_outbox_oldest_undelivered_age_seconds") == 90

        # The server says "later": each mail waits 30 s for its next attempt.
        smtp_server.recorder.refuse = "451 4.3.0 try again later"
        with time_machine.travel(start + dt.timedelta(seconds=100), tick=False):
            assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0
            samples = scrape(client)
        assert value(samples, "eventhub_outbox_messages", state="due") == 0
        assert value(samples, "eventhub_outbox_messages", state="retry_later") == written
        assert value(samples, "eventhub_outbox_oldest_due_seconds") == 0
        assert value(samples, "eventhub_outbox_oldest_undelivered_age_seconds") == 100

        with time_machine.travel(start + dt.timedelta(seconds=145), tick=False):
            samples = scrape(client)
        assert value(samples, "eventhub_outbox_messages", state="due") == written
        assert value(samples, "eventhub_outbox_oldest_due_seconds") == 15  # due since 130 s

        smtp_server.recorder.refuse = None
        with time_machine.travel(start + dt.timedelta(seconds=150), tick=False):
            assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0
            samples = scrape(client)
        assert sum(
            value(samples, "eventhub_outbox_messages", state=state)
            for state in ("due", "retry_later", "sending")
        ) == 0  # fmt: skip
        assert value(samples, "eventhub_outbox_oldest_undelivered_age_seconds") == 0


def test_deliveries_and_failures_are_counted_per_worker(
    app_factory,
    make_event,
    make_registration,
    smtp_server,  # noqa: F811 - the fixture imported above
    outbox,
):
    app = app_factory(SMTP_URL=smtp_server.url)
    with app.app_context():
        client = app.test_client()
        runner = app.test_cli_runner()
        event = make_event()
        for _ in range(3):
            make_registration(event)
        assert runner.invoke(args=["mail", "send"]).exit_code == 0
        sent = outbox.count_by("status")["sent"]
        assert sent == len(smtp_server.messages) >= 3
        smtp_server.recorder.refuse = "550 5.1.1 mailbox unavailable"
        make_registration(event)
        assert runner.invoke(args=["mail", "send"]).exit_code == 0
        failed = outbox.count_by("status")["failed"]
        assert failed >= 1
        samples = scrape(client)

    [worker] = {
        dict(labels)["worker"]
        for name, labels in samples
        if name == "eventhub_mail_deliveries_total"
    }
    assert worker.endswith(":once")  # one-off runs share their host's row
    deliveries = grown({}, samples, "eventhub_mail_deliveries_total")
    assert deliveries == {("sent", worker): sent, ("failed", worker): failed}
    assert value(samples, "eventhub_mail_worker_heartbeat_age_seconds", worker=worker) < 60


def test_a_dead_worker_shows_by_its_heartbeat_age(
    app,
    make_event,
    make_registration,
    smtp_server,  # noqa: F811 - the fixture imported above
    outbox,
):
    """A real `flask mail send --loop` delivers and beats; once it is gone, the age of its
    last heartbeat grows on /metrics."""
    event = make_event()
    make_registration(event)
    make_registration(event)
    written = len(outbox())
    env = {
        **os.environ,
        "EVENTHUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EVENTHUB_SECRET_KEY": "test-secret",
        "EVENTHUB_SMTP_URL": smtp_server.url,
        "EVENTHUB_LOG_FORMAT": "json",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "mail", "send", "--loop"]
        + ["--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    name = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.rollback()
            beat = db.session.scalar(
                db.select(WorkerHeartbeat).where(WorkerHeartbeat.worker.endswith(f":{worker.pid}"))
            )
            if beat is not None and beat.sent >= written:
                name = beat.worker
                break
            time.sleep(0.2)
        assert name is not None, "the worker wrote no heartbeat"
    finally:
        worker.send_signal(signal.SIGTERM)
        _out, errors = worker.communicate(timeout=30)
    client = app.test_client()
    samples = scrape(client)
    delivered = len(smtp_server.messages)  # the confirmations, and any digest it wrote
    assert delivered >= written
    assert (
        value(samples, "eventhub_mail_deliveries_total", worker=name, outcome="sent") == delivered
    )
    last = value(samples, "eventhub_mail_worker_last_heartbeat_timestamp_seconds", worker=name)
    assert value(samples, "eventhub_mail_worker_heartbeat_age_seconds", worker=name) < 60
    with time_machine.travel(dt.datetime.fromtimestamp(last + 300, dt.UTC), tick=False):
        later = scrape(client)
    assert value(later, "eventhub_mail_worker_heartbeat_age_seconds", worker=name) == 300
    # The worker's own log lines were JSON objects.
    for line in errors.decode().splitlines():
        assert isinstance(json.loads(line), dict), line


MULTIPROCESS_CLIENT = """
import sys
from eventhub import create_app
from eventhub.events.registration import Attendee, register
app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": sys.argv[1]})
client = app.test_client()
if sys.argv[2] == "scrape":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
else:
    for _ in range(int(sys.argv[3])):
        assert client.get("/healthz").status_code == 200
    with app.app_context():
        register(int(sys.argv[2]), Attendee("Mia", "Muster", f"mia{sys.argv[4]}@example.org"))
"""


def test_multiprocess_mode_adds_up_every_process(app, make_event, tmp_path):
    """Two processes count into one directory; a third one's scrape shows both."""
    event = make_event()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")}
    script = textwrap.dedent(MULTIPROCESS_CLIENT)

    def run(*args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", script, url, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
        )

    counting = [run(str(event.id), "7", "1"), run(str(event.id), "5", "2")]
    for process in counting:
        process.communicate(timeout=120)
        assert process.returncode == 0
    scraper = run("scrape")
    output, _ = scraper.communicate(timeout=120)
    assert scraper.returncode == 0
    samples = parse(output.decode())
    requests = "eventhub_http_requests_total"
    assert value(samples, requests, endpoint="healthz", method="GET", status="200") == 12
    assert value(samples, "eventhub_registrations_total", outcome="confirmed", reason="") == 2
    assert len(list((tmp_path / "prometheus").glob("counter_*.db"))) == 3


GUNICORN_CONFIG = """
import eventhub.gunicorn_logging
from eventhub.metrics import gunicorn_child_exit, gunicorn_on_starting

workers = 2
logconfig_dict = eventhub.gunicorn_logging.logconfig_dict()
logger_class = "eventhub.gunicorn_logging.JsonAccessLogger"


def on_starting(server):
    gunicorn_on_starting(server)


def child_exit(server, worker):
    gunicorn_child_exit(server, worker)
"""


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_gunicorn_workers_share_their_counts_and_log_json(
    app, make_registration, make_event, tmp_path
):
    """Two gunicorn workers in multiprocess mode: one scrape sees every request, also
    those of a worker that was replaced (child_exit); access lines are JSON with the id."""
    _registration, token = make_registration(make_event())
    (tmp_path / "gunicorn.conf.py").write_text(GUNICORN_CONFIG)
    stale = tmp_path / "prometheus" / "counter_999999.db"  # an earlier run's file
    stale.parent.mkdir()
    stale.write_bytes(b"left over")
    port = free_port()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "EVENTHUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EVENTHUB_SECRET_KEY": "test-secret",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(tmp_path / "gunicorn.conf.py")]
        + ["--bind", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"

    def get(path: str, **headers: str) -> tuple[int, dict]:
        request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 - http
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - http
                return answer.status, dict(answer.headers)
        except urllib.error.HTTPError as error:
            error.close()
            return error.code, dict(error.headers)

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get("/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert not stale.exists()  # on_starting cleared the directory
        workers = set()
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = _children(server.pid)
            time.sleep(0.1)
        assert len(workers) == 2
        for _ in range(10):
            assert get("/healthz")[0] == 200
        status, headers = get(f"/r/{token}?lang=de", **{"X-Request-ID": "probe-4711"})
        assert (status, headers["X-Request-ID"]) == (200, "probe-4711")
        # A worker ends (as after max_requests); gunicorn starts another.
        ended = workers.pop()
        os.kill(ended, signal.SIGTERM)
        while time.monotonic() < deadline:
            now_running = _children(server.pid)
            if ended not in now_running and len(now_running) == 2:
                break
            time.sleep(0.1)
        for _ in range(5):
            assert get("/healthz")[0] == 200
        samples = None
        with urllib.request.urlopen(base + "/metrics", timeout=30) as answer:  # noqa: S310
            samples = parse(answer.read().decode())
    finally:
        server.send_signal(signal.SIGTERM)
        _out, errors = server.communicate(timeout=60)

    # Every request so far, whichever worker answered it, the ended one's too.
    requests = "eventhub_http_requests_total"
    healthz = value(samples, requests, endpoint="healthz", method="GET", status="200")
    assert healthz == 16  # the first that answered, 10, and 5 after the worker's end
    mine = value(samples, requests, endpoint="events.my_registration", method="GET", status="200")
    assert mine == 1
    lines = [json.loads(line) for line in errors.decode().splitlines()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    [probe] = [line for line in access if line.get("request_id") == "probe-4711"]
    assert probe["path"] == "/r/[token]?lang=de"
    assert (probe["method"], probe["status"]) == ("GET", 200)
    assert token not in errors.decode()
    assert Counter(line["path"] for line in access)["/healthz"] == healthz
    assert {line["logger"] for line in lines} >= {"gunicorn.error", "gunicorn.access"}


def test_workers_silent_for_a_day_are_forgotten(app, smtp_server):  # noqa: F811
    app.config["SMTP_URL"] = smtp_server.url
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=1, minutes=1)
    recently = dt.datetime.now(dt.UTC) - dt.timedelta(hours=23)
    db.session.add_all(
        [
            WorkerHeartbeat(worker="old-host:4242", started_at=long_ago, last_seen_at=long_ago),
            WorkerHeartbeat(worker="other-host:77", started_at=recently, last_seen_at=recently),
        ]
    )
    db.session.commit()
    client = app.test_client()
    before = scrape(client)
    assert value(before, "eventhub_mail_worker_heartbeat_age_seconds", worker="old-host:4242") > 0
    assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0
    after = scrape(client)
    workers = {
        dict(labels)["worker"]
        for name, labels in after
        if name == "eventhub_mail_worker_heartbeat_age_seconds"
    }
    assert "old-host:4242" not in workers
    assert "other-host:77" in workers
    assert len(workers) == 2  # and this host's one-off row
