"""Fixtures of the privacy tests: the workspace's organisers."""

from tests.manage.conftest import make_organiser  # noqa: F401 (a fixture)
