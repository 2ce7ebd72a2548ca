"""Data protection: the privacy notice and the legal pages, consent records, retention
(personal data leaves by itself), access and erasure on a person's request, and the audit
log of organisers' access to attendee data."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)
