"""Configuration defaults; EVENTHUB_* environment variables override them."""

from __future__ import annotations


class Config:
    """Safe defaults for the embedded set-up (SQLite in instance/, mail in the outbox)."""

    # Required outside development; debug mode keeps a random one in instance/secret_key.
    SECRET_KEY: str | None = None
    SECRET_KEY_FILE: str | None = None  # None: instance/secret_key
    DATABASE_URL: str | None = None  # None: SQLite file in the instance folder
    BASE_URL = "http://localhost:5000"
    SMTP_URL: str | None = None
    MAIL_FROM = "eventhub <noreply@eventhub.localhost>"
    REDIS_URL: str | None = None
    RATELIMIT_ENABLED = True
    # Seconds a public page (catalogue, event page) is kept whole per worker for anonymous
    # visitors: the most that seats left or a cancellation may lag behind the database on
    # any host (eventhub/page_cache.py); 0 keeps nothing.
    PAGE_CACHE_SECONDS = 2.0
    # Friction for programs on public forms: a hidden trap field and a signed time stamp.
    BOT_PROTECTION = True
    BOT_MIN_FILL_SECONDS = 3
    # Seats one client (address) may take per event, whatever the number of requests.
    SEAT_RATELIMIT = "40 per hour"
    # With Redis (EVENTHUB_REDIS_URL) limits are shared by all workers; while Redis is
    # down, each worker counts in memory instead of failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    PROXY_COUNT = 0  # reverse proxies in front of the app whose X-Forwarded-* to trust
    # /metrics answers a scraper with `Authorization: Bearer <this>`, and clients on the
    # loopback address that come straight (not through a proxy); everyone else gets 404.
    METRICS_TOKEN: str | None = None
    # Log lines: "json" (one object per line) or "text"; None: json, text in debug mode.
    LOG_FORMAT: str | None = None
    LOG_LEVEL: str | None = None  # None: INFO for the web server, WARNING for commands
    REGISTRATION_RATELIMIT = "30 per minute"
    # "Send me my links" requests per client address (the inbox limit caps the mails).
    LOST_LINKS_RATELIMIT = "10 per hour"
    # Checks of certificate codes that find nothing valid, per client: typing errors are
    # fine, trying codes in bulk is not.
    CERTIFICATE_CHECK_RATELIMIT = "20 per hour"
    # Creating or cancelling registrations through the organiser API, per token.
    API_WRITE_RATELIMIT = "120 per minute"
    # Mails that visitors can cause (confirmations, cancellations, reminders, password
    # resets) to one inbox ("+tags" folded) per hour, across the whole site.
    MAILS_PER_MAILBOX_PER_HOUR = 10
    # Registrations of one address for one event within a day (register/cancel loops).
    REGISTRATIONS_PER_ADDRESS_PER_DAY = 3
    # Contact requests one participant may send per event: per hour, and in total (every
    # request counts, whatever the answer), so the directory cannot be used to spam.
    NETWORK_CONTACT_REQUESTS_PER_HOUR = 5
    NETWORK_CONTACT_REQUESTS_PER_EVENT = 20
    # POSTs to the contact-request pages (send, answer, block) per private link.
    NETWORK_CONTACT_RATELIMIT = "30 per minute"

    # Messages organisers may send to one event's attendees within 24 hours (the
    # workspace's "Messages" section): enough for news, too few for a spam tool.
    ATTENDEE_MESSAGES_PER_DAY = 5

    # Request size limits: registration forms are small; the one upload (below) has its own.
    MAX_CONTENT_LENGTH = 256 * 1024
    # The scan of a signed sign-in sheet (PDF, PNG or JPEG) organisers upload for the
    # funder report; its route alone accepts a body of this size (request_guard).
    SIGNIN_SCAN_MAX_BYTES = 20 * 1024 * 1024
    # An organisation's logo for its certificates (PNG or JPEG; manage/logos.py checks
    # the file itself): its route alone accepts a body of this size.
    LOGO_MAX_BYTES = 200 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    MAX_FORM_PARTS = 200

    # The privacy notice's version: stored with every consent and registration. Raise it
    # whenever the notice's content changes (its settings below included).
    PRIVACY_NOTICE_VERSION = "2026-12-02"
    # Retention (eventhub.privacy.retention, `flask privacy purge`): days after an event
    # ends until its data goes. Sensitive answers (diet, accessibility needs) first;
    # directory profiles, contact requests and meetings; then the registrations are
    # anonymised (counts, attendance, types of organisation, ESF choices and feedback
    # ratings stay); the scan of the signed sign-in sheet; certificates of attendance
    # (kept longer: people need them as proof). Organisers may set an event's own period
    # for registrations and the sign-in scan: longer than the site's only with a reason,
    # never longer than RETENTION_MAX_DAYS.
    RETENTION_SENSITIVE_DAYS = 0
    RETENTION_NETWORK_DAYS = 30
    RETENTION_REGISTRATION_DAYS = 90
    RETENTION_SIGNIN_SCAN_DAYS = 90
    RETENTION_CERTIFICATE_DAYS = 365
    RETENTION_MAX_DAYS = 3650
    # Mails in the outbox: recipient and content are emptied this many days after
    # delivery, or after they were written when they could not be delivered.
    RETENTION_MAIL_SENT_DAYS = 30
    RETENTION_MAIL_FAILED_DAYS = 90
    # Days the audit log of organisers' access to attendee data is kept.
    AUDIT_LOG_DAYS = 365
    # Requests for one's data ("what do you store about me?") per client address; the
    # per-inbox limit (MAILS_PER_MAILBOX_PER_HOUR) caps the mails to one address.
    # Links to one's data mailed to one inbox per hour, counted apart from the other mails
    # visitors can cause (MAILS_PER_MAILBOX_PER_HOUR), which they must not use up.
    PRIVACY_LINKS_PER_MAILBOX_PER_HOUR = 3
    PRIVACY_REQUEST_RATELIMIT = "5 per hour"
    # Minutes the one-time link in that mail can be used.
    PRIVACY_LINK_MINUTES = 60
    # Minutes the browser that used the link may see and erase the data (signed session).
    PRIVACY_ACCESS_MINUTES = 30

    # The legal pages (/privacy, /imprint, /accessibility) are built from these. The
    # defaults are placeholders for the demo: `flask check-config` fails until each
    # marked one is set. Addresses: lines separated by newlines or "; ".
    # The controller (Verantwortlicher, Art. 4 Nr. 7 GDPR): who runs this site.
    LEGAL_CONTROLLER_NAME = "Musterorganisation (Platzhalter)"
    LEGAL_CONTROLLER_ADDRESS = "Musterstraße 1; 12345 Musterstadt (Platzhalter)"
    LEGAL_CONTROLLER_EMAIL = "datenschutz@platzhalter.example"
    # The data-protection officer: a name or function, and an address to write to.
    LEGAL_DPO_NAME = "Datenschutzbeauftragte (Platzhalter)"
    LEGAL_DPO_EMAIL = "dsb@platzhalter.example"
    # Legal basis of the data needed to attend: "b" (contract; employers, private
    # bodies), "e" (public task; chambers, municipalities) or "b_e" (both, named so).
    LEGAL_BASIS_REGISTRATION = "b_e"
    # The mail provider that sends our mail on our behalf (a processor, Art. 28 GDPR).
    LEGAL_MAIL_PROCESSOR = "Mail-Dienstleister (Platzhalter)"
    # The supervisory authority a person may complain to (Art. 77 GDPR); the default is
    # the one for bodies in North Rhine-Westphalia.
    LEGAL_SUPERVISORY_AUTHORITY_NAME = (
        "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen"
    )
    LEGAL_SUPERVISORY_AUTHORITY_ADDRESS = "Kavalleriestraße 2–4; 40213 Düsseldorf"
    LEGAL_SUPERVISORY_AUTHORITY_URL = "https://www.ldi.nrw.de"
    # Imprint (§ 5 DDG). Name, address and email default to the controller's (None).
    IMPRINT_PROVIDER_NAME: str | None = None
    IMPRINT_LEGAL_FORM = "Rechtsform (Platzhalter)"  # e.g. "Körperschaft des öffentlichen Rechts"
    IMPRINT_REPRESENTED_BY = "Vertretungsberechtigte Person (Platzhalter)"
    IMPRINT_ADDRESS: str | None = None
    IMPRINT_EMAIL: str | None = None
    IMPRINT_PHONE = "+49 000 000000 (Platzhalter)"
    IMPRINT_REGISTER = ""  # e.g. "Amtsgericht Essen, VR 1234"; empty: not shown
    IMPRINT_VAT_ID = ""  # Umsatzsteuer-Identifikationsnummer; empty: not shown
    IMPRINT_SUPERVISORY_AUTHORITY = ""  # for public bodies, e.g. the state ministry
    # Responsible for the content (§ 18 (2) MStV): name and address.
    IMPRINT_CONTENT_RESPONSIBLE = "Name, Anschrift (Platzhalter)"
    # Accessibility statement (BITV 2.0): "full", "partial" or "none".
    ACCESSIBILITY_COMPLIANCE = "partial"
    # Known gaps, a list (JSON in the environment); None: the app's own list.
    ACCESSIBILITY_KNOWN_GAPS: list[str] | None = None
    ACCESSIBILITY_STATEMENT_DATE = "2026-12-02"  # when the statement was written (ISO)
    ACCESSIBILITY_METHOD = "self"  # "self" (self-assessment) or "external" (a test)
    ACCESSIBILITY_FEEDBACK_EMAIL: str | None = None  # None: the controller's address
    # The arbitration body (§ 16 BGG); the default is the federal one.
    ACCESSIBILITY_ARBITRATION_NAME = (
        "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz bei dem Beauftragten "
        "der Bundesregierung für die Belange von Menschen mit Behinderungen"
    )
    ACCESSIBILITY_ARBITRATION_ADDRESS = "Mauerstraße 53; 10117 Berlin"
    ACCESSIBILITY_ARBITRATION_EMAIL = "info@schlichtungsstelle-bgg.de"
    ACCESSIBILITY_ARBITRATION_URL = "https://www.schlichtungsstelle-bgg.de"

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    LANGUAGES = ("de", "en")
    EVENTS_PER_PAGE = 20
