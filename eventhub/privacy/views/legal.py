"""The legal pages from the settings: the imprint (§ 5 DDG), the accessibility statement
(BITV 2.0) and the content of the privacy notice (/privacy, views/notice.py)."""

from __future__ import annotations

from flask import render_template

from eventhub.privacy import bp
from eventhub.privacy.legal import PrivacyNotice, accessibility_statement, imprint, privacy_notice


@bp.app_template_global("privacy_notice")
def privacy_notice_content() -> PrivacyNotice:
    """For templates/privacy/_notice_body.html, whichever view renders the notice page
    (also the request form's answer)."""
    return privacy_notice()


@bp.get("/imprint", endpoint="imprint")
def imprint_page():
    return render_template("privacy/imprint.html", imprint=imprint())


@bp.get("/accessibility")
def accessibility():
    return render_template("privacy/accessibility.html", statement=accessibility_statement())
