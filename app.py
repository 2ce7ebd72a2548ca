"""WSGI entry point."""

from eventhub import create_app

app = create_app()
