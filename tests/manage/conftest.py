"""Workspace fixtures: organisations, organisers and a logged-in client."""

from __future__ import annotations

import re

import pytest

from eventhub.manage.accounts import create_user

PASSWORD = "richtig-langes-passwort"


@pytest.fixture
def make_organiser(app):
    """Create an account that belongs to `org` (created if missing)."""

    def factory(email: str = "orga@ihk.example", org: str = "ihk-nrw", admin: bool = False):
        user, _ = create_user(email=email, password=PASSWORD, org_slug=org, is_admin=admin)
        return user

    return factory


def log_in(client, email: str, password: str = PASSWORD):
    return client.post("/manage/login", data={"email": email, "password": password})


@pytest.fixture
def organiser_client(client, make_organiser):
    make_organiser()
    response = log_in(client, "orga@ihk.example")
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def hosted_by(org: str, name: str = "IHK NRW") -> list[dict]:
    return [{"name": name, "slug": org, "role": "host"}]


def mailed_link(outbox, kind: str) -> str:
    """The workspace path linked in the newest mail of `kind` (a reset, an invitation)."""
    row = outbox.last(kind=kind)
    assert row is not None, kind
    return re.search(r"http://eventhub\.test(/manage/\S+)", outbox.text(row)).group(1)
