"""Versioned static URLs: /static/css/eventhub.css?v=<content hash>, so a proxy may let
browsers cache static files for a year (deploy/nginx-eventhub.conf) and a changed file
still reaches them at once under its new URL."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask


def init_app(app: Flask) -> None:
    folder = app.static_folder

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and folder:
            path = os.path.join(folder, values.get("filename", ""))
            try:
                mtime = os.stat(path).st_mtime_ns  # a file changed in place gets a new hash
            except OSError:
                return  # no such file: the URL answers 404 as before
            values["v"] = content_hash(path, mtime)


@lru_cache(maxsize=256)
def content_hash(path: str, mtime: int) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]
