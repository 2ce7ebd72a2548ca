"""Organiser workspace: accounts and organisations (workspace pages follow)."""
