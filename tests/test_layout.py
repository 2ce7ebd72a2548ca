"""The package keeps its shape: areas import each other one way only, never each other's
views, and SQLAlchemy listeners are installed from init_app, not at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "eventhub"
AREAS = ("api", "manage", "privacy", "network", "events", "calendar", "mail")
# Who may import whom (top to bottom); anything else is a knot in the making.
ALLOWED = {
    "api": {"privacy", "network", "events"},
    "manage": {"privacy", "network", "events", "calendar", "mail"},
    "privacy": {"network", "events", "calendar", "mail"},
    "network": {"events", "calendar", "mail"},
    "events": {"calendar", "mail"},
    "calendar": {"mail"},
    "mail": set(),
}


def imported_modules(path: Path) -> set[str]:
    """Every eventhub module a file imports, function-local imports included."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("eventhub.")}


def area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def files_of(area: str):
    return sorted((PACKAGE / area).rglob("*.py"))


@pytest.mark.parametrize("area", AREAS)
def test_areas_import_one_way(area):
    wrong = {
        (str(path.relative_to(PACKAGE)), module)
        for path in files_of(area)
        for module in imported_modules(path)
        if (there := area_of(module)) and there != area and there not in ALLOWED[area]
    }
    assert not wrong, f"{area} may import only {sorted(ALLOWED[area])}: {sorted(wrong)}"


def test_the_allowed_order_has_no_circle():
    def reachable(start, seen=()):
        for nxt in ALLOWED[start]:
            assert nxt not in seen + (start,), f"circle through {start} and {nxt}"
            reachable(nxt, seen + (start,))

    for area in AREAS:
        reachable(area)


def test_shared_basics_import_no_area():
    basics = [p for p in PACKAGE.glob("*.py")] + sorted((PACKAGE / "models").glob("*.py"))
    wrong = {
        (p.name, m)
        for p in basics
        if p.name not in ("__init__.py", "cli.py")  # the factory and the CLI wire areas up
        for m in imported_modules(p)
        if area_of(m)
    }
    assert not wrong, sorted(wrong)


def test_no_area_imports_another_areas_views():
    wrong = {
        (str(path.relative_to(PACKAGE)), module)
        for area in AREAS
        for path in files_of(area)
        for module in imported_modules(path)
        if area_of(module) not in (None, area) and ".views" in module
    }
    assert not wrong, sorted(wrong)


LISTENER_PROBE = """
import importlib, pkgutil
import eventhub
from sqlalchemy import event
from sqlalchemy.orm import Session
for info in pkgutil.walk_packages(eventhub.__path__, "eventhub."):
    importlib.import_module(info.name)
from eventhub import changes, database
from eventhub.mail import wakeup
from eventhub.models import ChangeCounter
probes = [
    (Session, "before_commit", changes._before_commit),
    (ChangeCounter.__table__, "after_create", changes._first_counters),
    (Session, "after_flush", database._note_flush),
    (Session, "after_commit", wakeup._announce),
]
print([event.contains(t, n, f) for t, n, f in probes])
eventhub.create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
print([event.contains(t, n, f) for t, n, f in probes])
"""


def test_listeners_are_installed_by_init_app_not_by_imports():
    """Importing every module installs nothing; create_app (the subsystems' init_app) does."""
    result = subprocess.run(
        [sys.executable, "-c", LISTENER_PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
        timeout=120,
    )
    assert result.stdout.splitlines()[-2:] == [
        "[False, False, False, False]",
        "[True, True, True, True]",
    ], result.stdout + result.stderr
