"""Networking: the support-services directory, organisation profiles, the participant
directory of an event and contact requests between participants."""

from flask import Blueprint

bp = Blueprint("network", __name__)
