"""The network area's pages; importing the modules attaches their routes to the blueprint."""

from eventhub.network.views import contacts, directory, meetings, organisations, services  # noqa: F401
