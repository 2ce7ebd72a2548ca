"""The certificate of attendance reaches a real SMTP server with its PDF attached."""

from __future__ import annotations

import io

import pypdf

from tests.manage.test_after_event import AFTER, at, past_event, schedule  # noqa: F401


def test_the_mail_arrives_with_the_pdf(app, past_event, runner, smtp_server):  # noqa: F811
    event, ids = past_event(certificate_mail=True)
    app.config["SMTP_URL"] = smtp_server.url
    with at(AFTER):
        schedule(runner)
        result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    received = {
        m["To"].addresses[0].addr_spec: m
        for m in smtp_server.messages
        if m["Subject"].startswith("Ihre Teilnahmebescheinigung")
    }
    assert set(received) == {"anna@example.org", "bernd@example.org"}
    (pdf,) = [p for p in received["bernd@example.org"].iter_attachments()]
    assert pdf.get_filename().startswith("teilnahmebescheinigung-")
    text = pypdf.PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert "Dana Bernd" in text and "Teilnahmebescheinigung" in text
