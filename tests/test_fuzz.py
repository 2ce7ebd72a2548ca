"""Hypothesis walks every route of the app (public, workspace as a logged-in organiser
and site admin, organiser API with a key) and sends generated query parameters to each
GET and generated form fields (the names the app's own pages use) to each POST: hostile
text, control characters, huge numbers, long strings. No answer may be a 5xx.

About 15 examples per route by default; EVENTHUB_FUZZ_EXAMPLES=500 runs a larger search.
Derandomized, so every run (and CI) tries the same cases."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.manage.api_keys import create_token
from eventhub.models import Organisation
from eventhub.urls import checkin_code
from tests.manage.conftest import PASSWORD, hosted_by

EXAMPLES = int(os.environ.get("EVENTHUB_FUZZ_EXAMPLES", "15"))
SKIPPED = {"static", "auth.logout"}  # files; logging out would end the walk's session
QUERY_NAMES = [
    "q", "topic", "region", "format", "series", "host", "page", "limit", "when", "status",
    "sort", "lang", "next", "to", "new", "updated_since", "category", "audience", "language",
]  # fmt: skip
NASTY = [
    "\x00", "a\x00b", "9" * 400, "-" + "9" * 30, "1e309", "NaN", "inf", "-1", "0",
    "2147483648", "%00", "../../etc/passwd", "<script>alert(1)</script>", "x" * 5000,
    "2030-02-30T25:61", "\u202eevil", "Müller\tGmbH", "line\r\nbreak", "=cmd|' /C calc'!A0",
    "", " ", "ihk-nrw", "welcome", "host", "confirmed", "y", "on", "de", "en",
]  # fmt: skip
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x9F), max_size=12),
    st.integers().map(str),
)
NAME_PATTERN = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"')


def params_for(names: list[str]):
    """Every name with a hostile value (or left out), sometimes one unknown name too."""
    maybe = st.one_of(st.none(), values, values)  # two in three names are sent
    extra = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=1)
    return st.builds(
        lambda vals, more: {
            **{name: v for name, v in zip(names, vals, strict=True) if v is not None},
            **more,
        },
        st.tuples(*[maybe for _ in names]),
        extra,
    )


@pytest.fixture
def world(app, make_event, make_registration):
    """An event of the organiser's organisation with a registration, a site admin who
    organises it, and a read-write API key."""
    user, _ = create_user(
        email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw", is_admin=True
    )
    event = make_event(hosts=hosted_by("ihk-nrw"), slug="fuzz-event")
    registration, token = make_registration(event)
    org = db.session.scalar(db.select(Organisation).where(Organisation.slug == "ihk-nrw"))
    _key, raw_key = create_token(org.id, "fuzz", can_write=True, created_by_id=None)
    return {
        "slug": event.slug,
        "org_slug": "ihk-nrw",
        "token": token,
        "registration_id": registration.id,
        "registration_uid": registration.uid,
        "code": checkin_code(registration),
        "message_id": 1,
        "number": 1,
        "token_id": _key.id,
        "link_id": 1,  # a host request (there is none: the route must answer 4xx)
        "answer": "accept",
        "person": registration.id,  # a contact request to oneself (must answer 4xx)
        "request_id": 1,  # a contact request (there is none: the route must answer 4xx)
        "meeting_id": 1,  # a meeting (there is none: the route must answer 4xx)
        "entry_id": 1,  # a service entry (there is none: the route must answer 4xx)
        "question_id": 1,  # a question (there is none: the route must answer 4xx)
        "material_id": 1,  # a material link (there is none: the route must answer 4xx)
        "action": "hide",
        "kind": "registrations",  # a kind of data with an event's own retention period
        "uid": registration.uid,
        "api_key": raw_key,
    }


def routes(app, world):
    """(method, url, endpoint) for every route, its variables filled from `world`."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        args = {name: world.get(name, world["token"]) for name in rule.arguments}
        if "registration_id" in args:
            args["registration_id"] = world["registration_id"]
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **args)
        for method in sorted(rule.methods & {"GET", "POST"}):
            found.append((method, url, rule.endpoint))
    return sorted(found)


def test_no_route_answers_5xx_to_generated_input(app, client, world):
    def log_in():
        response = client.post(
            "/manage/login", data={"email": "orga@ihk.example", "password": PASSWORD}
        )
        assert response.status_code == 303

    log_in()
    all_routes = routes(app, world)
    api_headers = {"Authorization": f"Bearer {world['api_key']}"}
    # The names the app's own forms send, page by page (POST-only actions: all of them).
    form_names: dict[str, list[str]] = {}
    for method, url, _endpoint in all_routes:
        if method == "GET" and not url.startswith("/api/"):
            page = client.get(url)
            if page.mimetype == "text/html":
                form_names[url] = sorted(set(NAME_PATTERN.findall(page.get_data(as_text=True))))
    every_name = sorted({name for names in form_names.values() for name in names})

    for method, url, _endpoint in all_routes:
        headers = api_headers if url.startswith("/api/") else {}
        if method == "GET":
            names = sorted(set(QUERY_NAMES) | set(form_names.get(url, [])))
        else:
            names = form_names.get(url) or every_name

        fuzz_route(client, method, url, headers, names)
        if url.startswith("/manage/") and client.get("/manage/").status_code != 200:
            log_in()  # a generated action ended the session (a password change)


def fuzz_route(client, method: str, url: str, headers: dict, names: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(params=params_for(names))
    def request_does_not_fail(params):
        if method == "GET":
            response = client.get(url, query_string=params, headers=headers)
        else:
            response = client.post(url, data=params, headers=headers)
        assert response.status_code < 500, (method, url, params)

    request_does_not_fail()
