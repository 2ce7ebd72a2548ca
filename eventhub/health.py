"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app

from eventhub.errors import RETRY_AFTER_SECONDS, error_response
from eventhub.extensions import db


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)


def healthz():
    """200 when the app and its database answer (an outage answers 503 in errors.py)."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


def readyz():
    """200 when the database and, when configured, Redis answer; 503 otherwise."""
    checks = {"database": "ok"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        checks["database"] = "unavailable"
    redis = current_app.extensions.get("eventhub_redis")
    if redis is not None:
        try:
            redis.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
    if all(state == "ok" for state in checks.values()):
        return {"status": "ok", "checks": checks}
    body, status = error_response(503, checks=checks)
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
