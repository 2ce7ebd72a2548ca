"""The privacy notice (and, below it, the form to ask for one's data or its erasure)."""

from __future__ import annotations

from flask import render_template

from eventhub.privacy import bp


@bp.get("/privacy")
def notice():
    return render_template("privacy/notice.html")
