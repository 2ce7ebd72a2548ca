"""Fixtures of the network area: service entries written through the service module."""

from __future__ import annotations

from itertools import count

import pytest
from sqlalchemy import select

from eventhub.extensions import db
from eventhub.models import Organisation
from eventhub.network.services import ServiceValues, create_service

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
