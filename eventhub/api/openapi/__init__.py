"""The OpenAPI 3.1 document of /api/v1, with schemas from the pydantic models."""

from __future__ import annotations

from typing import Any

from eventhub.api.openapi.components import schemas, security_schemes
from eventhub.api.openapi.meetings import meeting_paths, meeting_schemas
from eventhub.api.openapi.organiser import organiser_paths
from eventhub.api.openapi.public import info, public_paths, servers

__all__ = ["openapi_document"]


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": info(),
        "servers": servers(),
        "paths": {**public_paths(), **organiser_paths(), **meeting_paths()},
        "components": {
            "schemas": {**schemas(), **meeting_schemas()},
            "securitySchemes": security_schemes(),
        },
    }
