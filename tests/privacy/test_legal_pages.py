"""The privacy notice, the imprint and the accessibility statement say what the settings
say (in German and English), and every page links them from its footer."""

from __future__ import annotations

import re
from html import unescape

import pytest

from eventhub.manage.accounts import create_user

LEGAL = {
    "LEGAL_CONTROLLER_NAME": "Kommunales Integrationszentrum Bottrop",
    "LEGAL_CONTROLLER_ADDRESS": "Ernst-Wilczok-Platz 1; 46236 Bottrop",
    "LEGAL_CONTROLLER_EMAIL": "integration@bottrop-stadt.de",
    "LEGAL_DPO_NAME": "Behördlicher Datenschutzbeauftragter Sven Sorgfalt",
    "LEGAL_DPO_EMAIL": "datenschutz@bottrop-stadt.de",
    "LEGAL_MAIL_PROCESSOR": "Postfabrik Versand GmbH, Essen",
    "LEGAL_SUPERVISORY_AUTHORITY_NAME": "Landesdatenschutzbehörde Musterland",
    "LEGAL_SUPERVISORY_AUTHORITY_ADDRESS": "Aufsichtsweg 7\n99999 Aufsichtsstadt",
    "LEGAL_SUPERVISORY_AUTHORITY_URL": "https://aufsicht.musterland.de",
    "PRIVACY_NOTICE_VERSION": "2027-03-15",
    "IMPRINT_PROVIDER_NAME": "Stadt Bottrop",
    "IMPRINT_LEGAL_FORM": "Gebietskörperschaft des öffentlichen Rechts",
    "IMPRINT_REPRESENTED_BY": "Oberbürgermeister Bernd Beispiel",
    "IMPRINT_ADDRESS": "Rathaus, Ernst-Wilczok-Platz 1; 46236 Bottrop",
    "IMPRINT_EMAIL": "rathaus@bottrop-stadt.de",
    "IMPRINT_PHONE": "+49 2041 70-3000",
    "IMPRINT_REGISTER": "Kein Registereintrag (Kommune) Nr. 4711",
    "IMPRINT_VAT_ID": "DE123456789",
    "IMPRINT_SUPERVISORY_AUTHORITY": "Bezirksregierung Münster",
    "IMPRINT_CONTENT_RESPONSIBLE": "Petra Presse; Ernst-Wilczok-Platz 1; 46236 Bottrop",
    "ACCESSIBILITY_COMPLIANCE": "partial",
    "ACCESSIBILITY_KNOWN_GAPS": ["Der Stadtplan ist nur als Bild da.", "Videos ohne Untertitel."],
    "ACCESSIBILITY_STATEMENT_DATE": "2027-01-20",
    "ACCESSIBILITY_METHOD": "external",
    "ACCESSIBILITY_FEEDBACK_EMAIL": "barrierefrei@bottrop-stadt.de",
    "ACCESSIBILITY_ARBITRATION_NAME": "Ombudsstelle für barrierefreie IT Musterland",
    "ACCESSIBILITY_ARBITRATION_ADDRESS": "Schlichtungsallee 3; 88888 Schlichtstadt",
    "ACCESSIBILITY_ARBITRATION_EMAIL": "ombud@musterland.de",
    "ACCESSIBILITY_ARBITRATION_URL": "https://ombud.musterland.de",
}


def text(response) -> str:
    """The page's main content as text, without tags, whitespace folded."""
    html = response.get_data(as_text=True)
    html = html[html.index('<main id="main"') : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def retention_rows(response) -> dict[str, str]:
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td></tr>', html)
    return {unescape(what): unescape(when) for what, when in rows}


@pytest.fixture
def configured(app_factory):
    app = app_factory(**LEGAL)
    with app.app_context():
        yield app


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "de",
            ["Verantwortlicher", "Datenschutzbeauftragte", "Aufsichtsbehörde", "Speicherfristen",
             "Art. 15 DSGVO", "Art. 77 DSGVO", "Stand: 15. März 2027", "Version 2027-03-15",
             "Auskunft und Löschung können Sie unten beantragen"],
        ),
        (
            "en",
            ["Controller", "Data-protection officer", "Supervisory authority", "Retention periods",
             "Art. 15 GDPR", "Art. 77 GDPR", "as of March 15, 2027", "Version 2027-03-15",
             "Access and erasure can be requested below"],
        ),
    ],
)  # fmt: skip
def test_the_privacy_notice_shows_every_configured_value(configured, lang, words):
    page = text(configured.test_client().get(f"/privacy?lang={lang}"))
    for name in (
        "LEGAL_CONTROLLER_NAME",
        "LEGAL_CONTROLLER_EMAIL",
        "LEGAL_DPO_NAME",
        "LEGAL_DPO_EMAIL",
        "LEGAL_MAIL_PROCESSOR",
        "LEGAL_SUPERVISORY_AUTHORITY_NAME",
        "LEGAL_SUPERVISORY_AUTHORITY_URL",
    ):
        assert LEGAL[name] in page, name
    # Addresses line by line ("; " or a newline between the lines).
    for line in (
        "Ernst-Wilczok-Platz 1",
        "46236 Bottrop",
        "Aufsichtsweg 7",
        "99999 Aufsichtsstadt",
    ):
        assert line in page
    assert "Platzhalter" not in page
    for word in words:
        assert word in page, word


def test_the_placeholders_of_the_development_set_up_are_marked(client):
    page = text(client.get("/privacy"))
    assert "Musterorganisation (Platzhalter)" in page
    assert "datenschutz@platzhalter.example" in page
    assert "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen" in page


@pytest.mark.parametrize(
    ("basis", "present", "absent"),
    [
        ("b", ["Art. 6 Abs. 1 lit. b DSGVO"], ["Art. 6 Abs. 1 lit. e DSGVO"]),
        ("e", ["Art. 6 Abs. 1 lit. e DSGVO"], ["Art. 6 Abs. 1 lit. b DSGVO"]),
        ("b_e", ["Art. 6 Abs. 1 lit. b DSGVO", "Art. 6 Abs. 1 lit. e DSGVO"], []),
    ],
)
def test_the_legal_basis_of_registration_data_follows_the_setting(
    app_factory, basis, present, absent
):
    app = app_factory(LEGAL_BASIS_REGISTRATION=basis)
    with app.app_context():
        page = text(app.test_client().get("/privacy?lang=de"))
    for phrase in present:
        assert phrase in page
    for phrase in absent:
        assert phrase not in page
    # The optional things rest on consent, withdrawable, whatever the basis above.
    assert page.count("Art. 6 Abs. 1 lit. a DSGVO: Ihre Einwilligung") == 4
    assert "Widerruf der Einwilligung" in page


def test_the_retention_periods_are_the_configured_ones(client, app_factory):
    defaults = retention_rows(client.get("/privacy?lang=de"))
    assert list(defaults.values()) == [
        "direkt nach dem Ende der Veranstaltung",  # sensitive answers
        "90 Tage nach dem Ende der Veranstaltung",  # registrations
        "30 Tage nach dem Ende der Veranstaltung",  # directory, requests, meetings
        "90 Tage nach dem Ende der Veranstaltung",  # sign-in sheet scans
        "365 Tage nach dem Ende der Veranstaltung",  # certificates
        "30 Tage nach dem Versand",  # delivered mail
        "90 Tage, nachdem sie geschrieben wurde",  # undeliverable mail
        "365 Tage nach dem Zugriff",  # audit log
    ]
    assert "Sensible Angaben (z. B. zu Ernährung oder Barrierefreiheit)" in defaults
    assert "E-Mails, die nicht zugestellt werden konnten" in defaults
    assert "nie länger als 3650 Tage nach dem Ende" in text(client.get("/privacy?lang=de"))

    app = app_factory(
        RETENTION_SENSITIVE_DAYS=1,
        RETENTION_REGISTRATION_DAYS=45,
        RETENTION_NETWORK_DAYS=7,
        RETENTION_MAIL_SENT_DAYS=14,
        RETENTION_MAIL_FAILED_DAYS=60,
        RETENTION_SIGNIN_SCAN_DAYS=400,
        RETENTION_CERTIFICATE_DAYS=730,
        RETENTION_MAX_DAYS=1825,
        AUDIT_LOG_DAYS=200,
    )
    with app.app_context():
        changed = app.test_client().get("/privacy?lang=en")
    assert list(retention_rows(changed).values()) == [
        "1 day after the event ends",
        "45 days after the event ends",
        "7 days after the event ends",
        "400 days after the event ends",
        "730 days after the event ends",
        "14 days after sending",
        "60 days after it was written",
        "200 days after the access",
    ]
    assert "never longer than 1825 days after the event ends" in text(changed)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_imprint_shows_every_configured_value(configured, lang):
    page = text(configured.test_client().get(f"/imprint?lang={lang}"))
    for name in (
        "IMPRINT_PROVIDER_NAME",
        "IMPRINT_LEGAL_FORM",
        "IMPRINT_REPRESENTED_BY",
        "IMPRINT_EMAIL",
        "IMPRINT_PHONE",
        "IMPRINT_REGISTER",
        "IMPRINT_VAT_ID",
        "IMPRINT_SUPERVISORY_AUTHORITY",
    ):
        assert LEGAL[name] in page, name
    for line in ("Rathaus, Ernst-Wilczok-Platz 1", "46236 Bottrop", "Petra Presse"):
        assert line in page
    if lang == "de":
        assert "Angaben gemäß § 5 DDG" in page
        assert "Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV" in page
        assert "Umsatzsteuer-Identifikationsnummer" in page
    else:
        assert "Information according to § 5 DDG" in page
        assert "Responsible for the content according to § 18 (2) MStV" in page


def test_the_imprint_falls_back_to_the_controller_and_leaves_out_what_is_not_set(app_factory):
    unset = {"IMPRINT_PROVIDER_NAME": None, "IMPRINT_EMAIL": None, "IMPRINT_ADDRESS": None}
    app = app_factory(**{**LEGAL, **unset, "IMPRINT_VAT_ID": "", "IMPRINT_REGISTER": ""})
    with app.app_context():
        page = text(app.test_client().get("/imprint?lang=de"))
    assert LEGAL["LEGAL_CONTROLLER_NAME"] in page
    assert LEGAL["LEGAL_CONTROLLER_EMAIL"] in page
    assert "Umsatzsteuer" not in page and "Registereintrag" not in page


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_accessibility_statement_shows_every_configured_value(configured, lang):
    page = text(configured.test_client().get(f"/accessibility?lang={lang}"))
    for gap in LEGAL["ACCESSIBILITY_KNOWN_GAPS"]:
        assert gap in page
    for name in (
        "LEGAL_CONTROLLER_NAME",
        "ACCESSIBILITY_FEEDBACK_EMAIL",
        "ACCESSIBILITY_ARBITRATION_NAME",
        "ACCESSIBILITY_ARBITRATION_EMAIL",
        "ACCESSIBILITY_ARBITRATION_URL",
    ):
        assert LEGAL[name] in page, name
    assert "Schlichtungsallee 3" in page and "88888 Schlichtstadt" in page
    assert "http://eventhub.test" in page  # the site the statement covers
    if lang == "de":
        assert "nur teilweise mit der BITV 2.0 vereinbar" in page
        assert "Diese Erklärung wurde am 20. Januar 2027 erstellt." in page
        assert "Sie beruht auf einer Prüfung durch eine externe Prüfstelle." in page
        assert "Schlichtungsverfahren nach § 16 BGG" in page
    else:
        assert "partially compliant with BITV 2.0" in page
        assert "This statement was prepared on January 20, 2027." in page
        assert "It is based on an assessment by an external testing body." in page


@pytest.mark.parametrize(
    ("state", "says", "gaps_shown"),
    [
        ("full", "Diese Website ist vollständig mit der BITV 2.0 vereinbar.", False),
        ("partial", "Diese Website ist wegen der unten aufgeführten", True),
        ("none", "Diese Website ist nicht mit der BITV 2.0 vereinbar.", True),
    ],
)
def test_the_state_of_compliance_follows_the_setting(app_factory, state, says, gaps_shown):
    app = app_factory(ACCESSIBILITY_COMPLIANCE=state)
    with app.app_context():
        page = text(app.test_client().get("/accessibility?lang=de"))
    assert says in page
    # The app's own known gaps when none are configured.
    assert ("nicht für Screenreader getaggt (PDF/UA)" in page) is gaps_shown
    assert "Selbstbewertung" in page
    # The federal arbitration body by default, and the controller's address for feedback.
    assert "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz" in page
    assert "Mauerstraße 53" in page and "https://www.schlichtungsstelle-bgg.de" in page
    assert "datenschutz@platzhalter.example" in page


FOOTER = re.compile(r'<footer class="site-footer">.*</footer>', re.DOTALL)


def footer_links(response) -> list[str]:
    footer = FOOTER.search(response.get_data(as_text=True)).group(0)
    return re.findall(r'<a href="([^"?]+)', footer)


def test_every_page_links_the_legal_pages_in_its_footer(app, client, make_event, make_registration):
    event = make_event()
    _registration, token = make_registration(event)
    create_user(email="orga@gib.example", password="ein-langes-passwort", org_slug="gib")
    pages = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    ]
    pages += [f"/events/{event.slug}", f"/events/{event.slug}/register", f"/r/{token}"]
    pages += ["/r/no-such-token", "/no/such/page"]  # error pages too
    seen = 0
    for logged_in in (False, True):
        if logged_in:
            answer = client.post(
                "/manage/login",
                data={"email": "orga@gib.example", "password": "ein-langes-passwort"},
            )
            assert answer.status_code == 303
            pages += ["/manage/", f"/manage/events/{event.slug}"]
        for lang in ("de", "en"):
            for url in pages:
                response = client.get(f"{url}?lang={lang}")
                if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
                    continue
                links = footer_links(response)
                assert links == ["/imprint", "/privacy", "/accessibility"], url
                seen += 1
    assert seen > 20
    german = client.get("/events/?lang=de").get_data(as_text=True)
    english = client.get("/events/?lang=en").get_data(as_text=True)
    assert ">Impressum<" in german and ">Erklärung zur Barrierefreiheit<" not in german
    assert ">Barrierefreiheit<" in german and ">Datenschutzhinweise<" in german
    assert ">Imprint<" in english and ">Accessibility<" in english
