"""The support-services directory: the filtered list, one entry, and the site admins'
hide/unhide button on the entry."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventhub.models.network import AUDIENCES, SERVICE_CATEGORIES
from eventhub.network import bp
from eventhub.network.services import (
    public_service,
    public_services_page,
    region_choices,
    service_by_slug,
    service_filters_or_400,
    set_hidden,
)
from eventhub.network.taxonomy import (
    audience_name,
    category_name,
    language_choices,
    language_name,
)
from eventhub.paging import existing_page

# Filters, so macros imported without context can name codes too.
bp.add_app_template_filter(category_name, "service_category")
bp.add_app_template_filter(audience_name, "service_audience")
bp.add_app_template_filter(language_name, "service_language")


def _is_admin() -> bool:
    return current_user.is_authenticated and current_user.is_admin


@bp.get("/services")
def services():
    filters = service_filters_or_400()
    page = existing_page(public_services_page(filters))
    return render_template(
        "network/services.html",
        page=page,
        filters=filters,
        categories=[(code, category_name(code)) for code in SERVICE_CATEGORIES],
        audiences=[(code, audience_name(code)) for code in AUDIENCES],
        languages=language_choices(),
        regions=region_choices(),
    )


@bp.get("/services/<slug:slug>")
def service(slug: str):
    # Site admins also see a hidden entry here, to show it again.
    entry = service_by_slug(slug) if _is_admin() else public_service(slug)
    if entry is None:
        abort(404)
    response = render_template("network/service.html", entry=entry)
    if _is_admin():
        return response, 200, {"Cache-Control": "private, no-store"}
    return response


@bp.post("/services/<slug:slug>/<any(hide, unhide):action>")
def hide_service(slug: str, action: str):
    """A site admin hides an entry everywhere public (or shows it again); the CSRF token
    is checked by CSRFProtect like on every form."""
    if not _is_admin():
        abort(404)
    entry = service_by_slug(slug) or abort(404)
    set_hidden(entry.id, action == "hide")
    if action == "hide":
        flash(_("The entry is hidden: it is shown nowhere public."), "success")
    else:
        flash(_("The entry is shown again."), "success")
    back = request.form.get("next", "")
    if back.startswith("/manage/"):
        return redirect(back, 303)
    return redirect(url_for("network.service", slug=slug), 303)
