"""The privacy area's pages; importing the modules attaches their routes to the blueprint."""

from eventhub.privacy.views import legal, my_data, notice  # noqa: F401
