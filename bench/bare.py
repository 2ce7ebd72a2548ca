"""The baseline for bench/load.py: a bare Flask app answering constant bodies.

Each route returns a fixed body of the size the real page had in the same run
(sizes from the environment), with the real page's content type, so the ratio
shows what eventhub costs on top of Flask, gunicorn and the bytes on the wire.
"""

from __future__ import annotations

import json
import os

from flask import Flask, Response

app = Flask(__name__)
_BODIES = {
    name: (b"x" * size, content_type)
    for name, (size, content_type) in json.loads(os.environ.get("BARE_BODIES", "{}")).items()
}


@app.get("/<name>")
def constant(name: str):
    body, content_type = _BODIES[name]
    return Response(body, content_type=content_type)
