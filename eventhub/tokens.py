"""Link tokens: unguessable values handed out once, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 random bits
# Longer values are never ours: refused before hashing or querying.
MAX_TOKEN_LENGTH = 100
# API keys start with this, so a key pasted somewhere is recognisable (and secret scanners
# can find it); link tokens have no prefix.
API_KEY_PREFIX = "eh_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = "") -> tuple[str, str]:
    """An unguessable link token (256 random bits) and the hash we store."""
    token = prefix + secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def lookup_hash(token: str | None) -> str | None:
    """The hash to look a presented token up by, or None for a value that cannot be ours."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return hash_token(token)
