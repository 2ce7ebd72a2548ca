"""write_transaction(): the one way rules with a race write, and what it refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from eventhub.database import UncommittedChanges, write_transaction
from eventhub.extensions import db
from eventhub.models import Organisation


def test_commits_the_block(app):
    with write_transaction() as session:
        session.add(Organisation(slug="ihk", name="IHK"))
    db.session.rollback()  # nothing left to lose: the block committed
    assert db.session.scalar(select(Organisation.name).where(Organisation.slug == "ihk")) == "IHK"


def test_ends_an_open_read_transaction_first(app):
    db.session.execute(select(Organisation)).all()  # a read opens a transaction
    assert db.session().in_transaction()
    with write_transaction() as session:
        session.add(Organisation(slug="hwk", name="HWK"))
    assert db.session.scalar(select(Organisation.id).where(Organisation.slug == "hwk"))


@pytest.mark.parametrize("flushed", [False, True], ids=["pending", "flushed"])
def test_refuses_changes_made_outside_it(app, flushed):
    """Changes the caller made before are not committed behind its back."""
    db.session.add(Organisation(slug="draussen", name="Outside"))
    if flushed:
        db.session.flush()
    with pytest.raises(UncommittedChanges), write_transaction() as session:
        session.add(Organisation(slug="drinnen", name="Inside"))
    db.session.rollback()
    assert db.session.scalars(select(Organisation.slug)).all() == []


def test_refuses_a_modified_object(app):
    with write_transaction() as session:
        session.add(Organisation(slug="ihk", name="IHK"))
    organisation = db.session.scalar(select(Organisation))
    organisation.name = "Changed outside"
    with pytest.raises(UncommittedChanges), write_transaction():
        pass
    db.session.rollback()
    assert db.session.scalar(select(Organisation.name)) == "IHK"


def test_joins_an_enclosing_write_transaction(app):
    with write_transaction() as outer:
        outer.add(Organisation(slug="aussen", name="Outer"))
        with write_transaction() as inner:  # services calling services share one commit
            assert inner is outer
            inner.add(Organisation(slug="innen", name="Inner"))
    assert sorted(db.session.scalars(select(Organisation.slug))) == ["aussen", "innen"]
