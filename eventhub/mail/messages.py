"""Building messages: text + HTML from templates in the recipient's language, with
calendar invitations and inline images. Pure: takes data, returns the message."""

from __future__ import annotations

import io
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTPUTF8, EmailPolicy
from email.utils import formatdate

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale

from eventhub.qr import make_qr
from eventhub.text import single_line


class _SubjectSafePolicy(EmailPolicy):
    """SMTP line endings, and non-ASCII subjects encoded by email.header.Header: CPython's
    own folding drops the space where it breaks a line between two encoded words (a
    subject "… Leipzig gewinnt ausländische Fachkräfte" arrives as "… gewinntausländische
    …"), while Header's encoded words carry their spaces. SMTPUTF8 mails need no
    encoded words and keep the standard folding."""

    def _encodes(self, name: str, value) -> bool:
        return name.lower() == "subject" and not self.utf8 and not str(value).isascii()

    def fold(self, name, value):
        if self._encodes(name, value):
            encoded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
            return f"{name}: {encoded}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if self._encodes(name, value):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


SMTP = _SubjectSafePolicy(linesep="\r\n")


def compose(
    *,
    to: str,
    to_name: str = "",
    subject: str,
    template: str,
    language: str,
    context: dict,
    reply_to: tuple[str, str] | None = None,
) -> EmailMessage:
    """A text + HTML message from templates/email/<template>.txt and .html, in `language`.

    `subject` may be a callable (e.g. `lambda: _("…")`): it is then translated here, in
    the recipient's language, not the request's.

    `reply_to` is (name, address), e.g. the event's contact, so answers reach a person.
    """
    context = {"brand": brand_name(context), **context}
    with force_locale(language):
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    subject = subject_in(language, subject)
    to = deliverable_address(to)
    # Internationalised local parts need SMTPUTF8; everything else stays plain ASCII.
    addresses = [to, deliverable_address(reply_to[1])] if reply_to and reply_to[1] else [to]
    message = EmailMessage(policy=SMTP if all(a.isascii() for a in addresses) else SMTPUTF8)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = _address(to_name, to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    if reply_to and reply_to[1]:
        message["Reply-To"] = _address(*reply_to)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = language
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def subject_in(language: str, subject) -> str:
    """The subject line in `language`; `subject` may be a callable (see compose)."""
    with force_locale(language):
        return single_line(str(subject() if callable(subject) else subject))


def _address(name: str, email: str) -> Address:
    local, _at, domain = deliverable_address(email).rpartition("@")
    # username/domain instead of addr_spec: the header parser refuses non-ASCII local parts.
    return Address(display_name=single_line(name), username=local, domain=domain)


def envelope_recipient(email: str) -> str:
    """The address as the outbox records it for a message to `email` (the To header's
    address: IDNA domain, quoted where the local part needs it)."""
    return str(_address("", email).addr_spec)


def brand_name(context: dict) -> str:
    """Whose mail this is, for the layout's header: the event's host organisation."""
    event = context.get("event")
    hosts = event.hosts_with_role("host") if event is not None else []
    return hosts[0].organisation.name if hosts else "eventhub"


def deliverable_address(email: str) -> str:
    """The address with its domain in ASCII (IDNA), as SMTP servers expect it."""
    try:
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email.strip()
    return valid.ascii_email or f"{valid.local_part}@{valid.ascii_domain}"


def attach_invite(message: EmailMessage, ics: bytes, method: str) -> None:
    """The invitation twice: as the calendar alternative clients act on, and as a file.

    Both say charset=utf-8: without it readers take the file as ASCII or Latin-1 and
    garble umlauts in titles and places.
    """
    message.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": method})
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": method, "charset": "utf-8"},
    )


def add_inline_image(message: EmailMessage, png: bytes, *, cid: str, filename: str) -> None:
    """The PNG inside the HTML part (multipart/related), shown where the HTML says cid:...

    A filename alone makes the part an attachment, which clients list below the mail.
    """
    html_part = message.get_body(("html",))
    html_part.add_related(
        png, "image", "png", cid=f"<{cid}>", filename=filename, disposition="inline"
    )


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="png", scale=5, border=2)
    return buffer.getvalue()
