"""The network area's pages; importing the modules attaches their routes to the blueprint."""

from eventhub.network.views import contacts, directory, organisations, services  # noqa: F401
