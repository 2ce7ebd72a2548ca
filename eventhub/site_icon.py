"""The site's icon: browsers ask for /favicon.ico on every page, whatever the HTML links."""

from __future__ import annotations

from flask import Flask, redirect, url_for


def init_app(app: Flask) -> None:
    app.add_url_rule("/favicon.ico", "favicon", favicon)


def favicon():
    # One SVG serves every size; a permanent redirect lets browsers remember it.
    return redirect(url_for("static", filename="favicon.svg"), code=301)
