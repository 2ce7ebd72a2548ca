"""The network area's pages; importing the modules attaches their routes to the blueprint."""
