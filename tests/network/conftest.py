"""Fixtures of the network area: service entries written through the service module."""

from __future__ import annotations

import datetime as dt
from itertools import count

import pytest
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Organisation
from eventhub.network.meetings import configure_meetings
from eventhub.network.services import ServiceValues, create_service
from tests.network.meeting_data import WINTER, at, setup_values

_numbers = count(1)


@pytest.fixture
def make_organisation(app):
    def factory(slug: str = "welcome-office-bochum", name: str = "Welcome Office Bochum"):
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            organisation = Organisation(slug=slug, name=name)
            db.session.add(organisation)
            db.session.commit()
        return organisation

    return factory


@pytest.fixture
def make_service(app, make_organisation):
    """Create a service entry through create_service; keyword arguments replace values."""

    def factory(organisation=None, **overrides):
        organisation = organisation or make_organisation()
        n = next(_numbers)
        values = {
            "title": f"Beratung {n}",
            "category": "counselling",
            "description": "Erste Orientierung für **Fachkräfte**.",
            "audiences": ["skilled_workers"],
            "languages": ["de", "en"],
            "regions": ["Bochum"],
            "opening_hours": "Mo–Fr 9–12 Uhr",
        }
        values.update(overrides)
        return create_service(organisation.id, ServiceValues(**values))

    return factory


@pytest.fixture
def person(make_registration):
    """A confirmed participant of the event, listed in its directory (`visibility`)."""

    def factory(event, visibility="participants", **fields):
        registration, _token = make_registration(event, **fields)
        registration.directory_visibility = visibility
        db.session.commit()
        return registration

    return factory


@pytest.fixture
def meeting_event(make_event):
    """An event (10:00–14:00 Berlin) with meetings set up (tests/network/meeting_data.py);
    keyword arguments replace set-up values."""

    def factory(day: dt.date = WINTER, **overrides):
        event = make_event(starts=at(day, 10))
        configure_meetings(event.id, **setup_values(day, **overrides))
        return event

    return factory
