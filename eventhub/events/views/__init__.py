"""Views of the events area; importing them attaches their routes to the blueprint."""

from eventhub.events.views import catalogue, registration

__all__ = ["catalogue", "registration"]
