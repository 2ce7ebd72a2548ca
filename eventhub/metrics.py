"""Prometheus metrics at /metrics (prometheus_client): requests by endpoint and status with
their latency, registrations by outcome, and, read from the database when scraped, the
outbox and the mail workers' heartbeats and deliveries.

Counts live in the process that makes them. Under gunicorn with several workers, set
PROMETHEUS_MULTIPROC_DIR (an empty directory, before the server starts): every process then
writes its counts to files there and a scrape adds up all of them, whichever worker
answers it. gunicorn.conf.py calls `gunicorn_on_starting` and `gunicorn_child_exit`.
"""

from __future__ import annotations

import functools
import glob
import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterator
from time import perf_counter

from flask import Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import SQLAlchemyError

from eventhub.extensions import db
from eventhub.models import OutboxMessage
from eventhub.models.base import utcnow

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNKNOWN_ENDPOINT = "unknown"  # no route matched (404, 405), or refused before routing
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: a page renders in milliseconds, an export or a report may take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "eventhub_http_requests",
    "HTTP requests answered, by Flask endpoint (unknown: no route), method and status.",
    ("endpoint", "method", "status"),
)
HTTP_LATENCY = Histogram(
    "eventhub_http_request_duration_seconds",
    "Seconds from a request's arrival at the app until its response starts, by endpoint "
    "and method.",
    ("endpoint", "method"),
    buckets=LATENCY_BUCKETS,
)
REGISTRATIONS = Counter(
    "eventhub_registrations",
    "People the registration service was asked to register, by outcome (the status they "
    "got, or refused) and the reason of a refusal.",
    ("outcome", "reason"),
)
ACCEPTED = ("confirmed", "waiting", "pending", "unverified")
# The registration service's refusal reasons (events.registration.REFUSAL_REASONS), in a
# small fixed set: full; closed (also past, running, cancelled, draft: not open);
# duplicate; limited (too many registrations or mails for one address); invalid input.
REFUSALS = {
    "full": "full",
    "closed": "closed",
    "past": "closed",
    "running": "closed",
    "cancelled": "closed",
    "draft": "closed",
    "duplicate": "duplicate",
    "repeated": "limited",
    "mail_limit": "limited",
    "attendance": "invalid",
}
REFUSAL_LABELS = ("full", "closed", "duplicate", "limited", "invalid", "other")


def init_app(app: Flask) -> None:
    """Measure every request, serve /metrics, read the outbox and workers when scraped."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        os.makedirs(directory, exist_ok=True)
    # Each counter's creation time as a series of its own doubles the output for nothing.
    disable_created_metrics()
    # Every outcome shows from the start (0), so rates work from the first registration.
    for outcome in ACCEPTED:
        REGISTRATIONS.labels(outcome, "")
    for reason in REFUSAL_LABELS:
        REGISTRATIONS.labels("refused", reason)
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    app.extensions["eventhub_metrics"] = database
    app.add_url_rule("/metrics", "metrics", metrics_page)
    app.wsgi_app = RequestMetrics(app.wsgi_app)


class RequestMetrics:
    """WSGI middleware: counts each request by endpoint, method and status and observes
    its latency (until the response starts; a streamed body's generation is not in it).
    The endpoint is the route Flask matched, so the labels stay few whatever URLs come."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self._counters: dict[tuple[str, str, str], Callable] = {}
        self._latencies: dict[tuple[str, str], Callable] = {}

    def __call__(self, environ, start_response):
        started = perf_counter()
        status, endpoint = "500", UNKNOWN_ENDPOINT  # an exception escaped the app

        def starting(status_line, headers, exc_info=None):
            nonlocal status, endpoint
            status = status_line[:3]
            # Flask's request (and the rule it matched) is there until the response starts.
            rule = getattr(environ.get("werkzeug.request"), "url_rule", None)
            if rule is not None:
                endpoint = rule.endpoint
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, starting)
        finally:
            self._record(environ, endpoint, status, perf_counter() - started)

    def _record(self, environ, endpoint: str, status: str, seconds: float) -> None:
        method = environ.get("REQUEST_METHOD", "")
        if method not in METHODS:
            method = "other"
        key = (endpoint, method)
        latency = self._latencies.get(key)
        if latency is None:
            latency = self._latencies[key] = HTTP_LATENCY.labels(endpoint, method).observe
        latency(seconds)
        counted = self._counters.get((endpoint, method, status))
        if counted is None:
            child = HTTP_REQUESTS.labels(endpoint, method, status)
            counted = self._counters[(endpoint, method, status)] = child.inc
        counted()


def counts_registrations(refused: type[Exception]) -> Callable:
    """Decorates the registration service (register everyone given or raise `refused`
    with a `reason`; each registration returned has `registered_as`, its status before
    the commit): each person counts once, with that status, or as refused with the
    reason (a refused group: each of its people)."""

    def decorate(service: Callable) -> Callable:
        @functools.wraps(service)
        def counted(event_id, attendees, *args, **kwargs):
            try:
                registered = service(event_id, attendees, *args, **kwargs)
            except refused as exc:
                reason = REFUSALS.get(getattr(exc, "reason", ""), "other")
                REGISTRATIONS.labels("refused", reason).inc(len(attendees))
                raise
            for registration, _token in registered:
                # The status as registered, set by the service before its commit: reading
                # `status` now would cost a SELECT per person (the commit expired it).
                status = getattr(registration, "registered_as", None)
                REGISTRATIONS.labels(status if status in ACCEPTED else "other", "").inc()
            return registered

        return counted

    return decorate


def metrics_page() -> Response:
    """The metrics in Prometheus' text format, for a scraper allowed by `may_scrape`;
    404 for everyone else, as if there were nothing here."""
    if not may_scrape():
        abort(404)
    body = generate_latest(_process_registry())
    body += generate_latest(current_app.extensions["eventhub_metrics"])
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


# A request through a reverse proxy carries one of these: the proxy's own loopback address
# must not open /metrics to the whole internet.
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def may_scrape() -> bool:
    """With EVENTHUB_METRICS_TOKEN: a request with `Authorization: Bearer <token>`. Always:
    a client on a loopback address that came straight, not through a proxy."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), str(token).encode()
        ):
            return True
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or with PROMETHEUS_MULTIPROC_DIR all processes' added up."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class DatabaseCollector:
    """What the database knows, read when scraped (the same on every instance): the
    outbox's depth and delay, one query on its status index; the mail workers'
    heartbeats and delivery counts (eventhub.heartbeats), one query on a row per worker."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "eventhub_metrics_database_up",
            "1 when the database answered this scrape's queries, 0 when it did not.",
        )
        try:
            now = utcnow()
            families = [*_outbox_families(now), *_worker_families(now)]
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("metrics: the database did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def _outbox_families(now) -> list[Metric]:
    table = OutboxMessage
    queued = table.status == "queued"
    due = and_(queued, table.next_attempt_at <= now)
    row = db.session.execute(
        select(
            func.count(case((due, 1))),
            func.count(case((and_(queued, table.next_attempt_at > now), 1))),
            func.count(case((table.status == "sending", 1))),
            func.min(case((due, table.next_attempt_at))),
            func.min(table.created_at),
        ).where(table.status.in_(("queued", "sending")))
    ).one()
    due_count, later, sending, oldest_due, oldest_unsent = row
    messages = GaugeMetricFamily(
        "eventhub_outbox_messages",
        "Mails not yet delivered: due now, queued for a later retry, or being sent.",
        labels=["state"],
    )
    messages.add_metric(["due"], due_count)
    messages.add_metric(["retry_later"], later)
    messages.add_metric(["sending"], sending)
    overdue = GaugeMetricFamily(
        "eventhub_outbox_oldest_due_seconds",
        "How long the oldest due mail has been due (0: none due). Grows when no worker runs.",
    )
    overdue.add_metric([], _seconds_since(now, oldest_due))
    unsent = GaugeMetricFamily(
        "eventhub_outbox_oldest_undelivered_age_seconds",
        "Age of the oldest mail not yet delivered (0: none). Grows while mail cannot go out.",
    )
    unsent.add_metric([], _seconds_since(now, oldest_unsent))
    return [messages, overdue, unsent]


def _seconds_since(now, moment) -> float:
    if moment is None:
        return 0.0
    return max((now - moment).total_seconds(), 0.0)


def _worker_families(now) -> list[Metric]:
    from eventhub.heartbeats import heartbeats

    seen = GaugeMetricFamily(
        "eventhub_mail_worker_last_heartbeat_timestamp_seconds",
        "When each mail worker (host:pid, or host:once for one-off runs) last ran a pass.",
        labels=["worker"],
    )
    age = GaugeMetricFamily(
        "eventhub_mail_worker_heartbeat_age_seconds",
        "Seconds since each mail worker's last heartbeat: a dead worker's grows.",
        labels=["worker"],
    )
    deliveries = CounterMetricFamily(
        "eventhub_mail_deliveries",
        "Mails each worker handled: sent, put back to retry later, or failed for good.",
        labels=["worker", "outcome"],
    )
    for beat in heartbeats():
        seen.add_metric([beat.worker], beat.last_seen_at.timestamp())
        age.add_metric([beat.worker], _seconds_since(now, beat.last_seen_at))
        deliveries.add_metric([beat.worker, "sent"], beat.sent)
        deliveries.add_metric([beat.worker, "retry"], beat.retried)
        deliveries.add_metric([beat.worker, "failed"], beat.failed)
    return [seen, age, deliveries]


def gunicorn_on_starting(server) -> None:
    """gunicorn's `on_starting` hook: remove the files an earlier run left in
    PROMETHEUS_MULTIPROC_DIR (their counts would add to this run's)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return
    for kind in ("counter", "gauge", "histogram", "summary"):
        for path in glob.glob(os.path.join(directory, f"{kind}_*.db")):
            # (Not the files of this process: with preload_app it made them just now.)
            if not path.endswith(f"_{os.getpid()}.db"):
                os.remove(path)


def gunicorn_child_exit(server, worker) -> None:
    """gunicorn's `child_exit` hook: a worker process ended; its counts stay (counters
    only grow), the gauges of its own process go."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)
