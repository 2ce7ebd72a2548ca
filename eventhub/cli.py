"""flask commands: init-db, demo, users, events, services, mail, api-keys, waitlist,
check-config."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import threading
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from eventhub.database import write_transaction
from eventhub.events.records import export_events, import_events, load_demo
from eventhub.events.seats import expire_offers, locked_event, serve_waiting_list
from eventhub.events.waitlist import waiting_list
from eventhub.extensions import db
from eventhub.manage.accounts import AccountError, create_user
from eventhub.manage.api_keys import create_token, organisation_tokens, revoke_token
from eventhub.manage.waitlist_admin import entries
from eventhub.models import Event, Organisation, Registration
from eventhub.network.demo import load_demo_meetings
from eventhub.network.records import export_services, import_services, load_demo_services


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(demo)
    app.cli.add_command(users)
    app.cli.add_command(events)
    app.cli.add_command(services)
    app.cli.add_command(mail)
    app.cli.add_command(api_keys)
    app.cli.add_command(waitlist_cli)
    app.cli.add_command(check_config)
    app.cli.add_command(privacy_cli)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    upgrade()
    click.echo("Database schema is up to date.")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo events, hosts and series (idempotent)."""
    report = load_demo(dt.date.today())
    click.echo(
        f"Demo data: {len(report.created)} events created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged."
    )
    services_report = load_demo_services()
    click.echo(
        f"Demo services: {len(services_report.created)} created, "
        f"{len(services_report.updated)} updated, {len(services_report.unchanged)} unchanged."
    )
    meetings = load_demo_meetings()
    click.echo(f"Demo meetings: set up for {len(meetings)} events.")


@click.command("check-config")
@with_appcontext
def check_config() -> None:
    """Check the configuration for production and try its services (database, SMTP
    without sending, Redis). Exit code 0: fit for production; 1: a setting to change;
    2: the settings are right but a service does not answer."""
    from eventhub.config_check import exit_code, production_checks
    from eventhub.mail.delivery import probe

    checks = production_checks(current_app, smtp_probe=probe)
    for check in checks:
        click.echo(f"{'ok' if check.ok else 'problem':8} {check.name}: {check.detail}")
    code = exit_code(checks)
    problems = sum(not check.ok for check in checks)
    if code == 1:
        click.echo(f"{problems} problem(s): not fit for production.", err=True)
    elif code == 2:
        click.echo(
            f"{problems} service(s) not answering: not fit for production until they do.",
            err=True,
        )
    else:
        click.echo("The configuration is fit for production.")
    sys.exit(code)


users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--admin", is_flag=True, help="Site administrator.")
@click.option("--org", "org_slug", help="Make the user an organiser of this organisation.")
@click.option("--name", default="", help="Display name.")
def users_create(email: str, password: str, admin: bool, org_slug: str | None, name: str) -> None:
    """Create an account (or update its password and roles if it exists)."""
    try:
        user, created = create_user(
            email=email, password=password, is_admin=admin, org_slug=org_slug, name=name
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    verb = "Created" if created else "Updated"
    org = f", organiser of {org_slug}" if org_slug else ""
    click.echo(f"{verb} user {user.email}{' (admin)' if admin else ''}{org}.")


events = AppGroup("events", help="Import and export events as JSON.")


def _read_json(file: Path):
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file} is not valid UTF-8 JSON: {exc}") from exc


def _report_import(report) -> None:
    """One line per rejected record, then the counts; exit code 1 when any was rejected."""
    for index, reason in report.errors:
        where = f"record {index}" if index >= 0 else "file"
        click.echo(f"error: {where}: {reason}", err=True)
    click.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.errors)} rejected."
    )
    if report.errors:
        sys.exit(1)


def _write_json(data, out: Path | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}.", err=True)


@events.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def events_import(file: Path) -> None:
    """Create or update events from a JSON list (matched by slug)."""
    _report_import(import_events(_read_json(file)))


@events.command("export")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def events_export(out: Path | None) -> None:
    """Write all events as a JSON list (to stdout or --out)."""
    _write_json(export_events(), out)


services = AppGroup("services", help="Import and export the support-services directory as JSON.")


@services.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def services_import(file: Path) -> None:
    """Create or update service entries from a JSON list (matched by slug)."""
    _report_import(import_services(_read_json(file)))


@services.command("export")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def services_export(out: Path | None) -> None:
    """Write all service entries (hidden ones marked "hidden": true) as a JSON list."""
    _write_json(export_services(), out)


mail = AppGroup("mail", help="The mail outbox.")


@mail.command("send")
@click.option("--loop", is_flag=True, help="Keep running and deliver new mail as it comes.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
@click.option(
    "--scheduled/--no-scheduled",
    default=True,
    show_default=True,
    help="With --loop, also run `mail scheduled` every 10 minutes and `privacy purge` "
    "hourly; --no-scheduled when a scheduler (deploy/eventhub-scheduled.timer) does.",
)
def mail_send(loop: bool, interval: float, scheduled: bool) -> None:
    """Deliver what is due in the outbox over EVENTHUB_SMTP_URL (the worker)."""

    from eventhub.mail.delivery import run_worker

    if not current_app.config.get("SMTP_URL"):
        raise click.ClickException(
            "EVENTHUB_SMTP_URL is not set: mail stays in the outbox (see /dev/mailbox)."
        )
    from eventhub.manage.scheduled import run_scheduled
    from eventhub.privacy.retention import purge

    # The long-running worker also writes digests and day-before lists (every 10 min) and
    # removes personal data whose retention time is over (hourly), unless --no-scheduled
    # leaves that to a scheduler; a one-off run only delivers (use `mail scheduled` and
    # `privacy purge` from a timer for those). Both are safe to run on several hosts at
    # once (each event under its row lock), but one scheduler does the work only once.
    between = None
    if loop and scheduled:
        between = _both(_every(600, run_scheduled, first=True), _every(3600, purge))
    from eventhub.heartbeats import Heartbeat, once_name
    from eventhub.mail.delivery import worker_name
    from eventhub.mail.wakeup import wait_for_new_mail

    # What each pass did goes to the database, for /metrics: a row per running worker, one
    # per host for the one-off runs (every pass of those is written).
    heartbeat = Heartbeat(worker_name()) if loop else Heartbeat(once_name(), idle=dt.timedelta(0))
    # SIGTERM (systemctl stop) ends the loop once the batch in hand (up to 100 messages) is
    # sent and marked, not in the middle of it.
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set()) if loop else None
    try:
        report = run_worker(
            loop=loop,
            idle_seconds=interval,
            between_passes=between,
            wait_for_push=wait_for_new_mail,
            until=stopping.is_set if loop else None,
            after_pass=heartbeat.beat,
        )
    finally:
        if loop:
            signal.signal(signal.SIGTERM, previous)
    click.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed.")
    from eventhub.log_redaction import redact

    for error in dict.fromkeys(report.errors):
        # The worker's output is a log: a server's refusal quotes the address.
        click.echo(f"error: {redact(error)}", err=True)


def _every(seconds: float, job, *, first: bool = False):
    """Call job at most once per `seconds` (digests and lists from the worker loop)."""
    last = time.monotonic() - (seconds if first else 0)

    def maybe() -> None:
        nonlocal last
        if time.monotonic() - last >= seconds:
            last = time.monotonic()
            job()

    return maybe


def _both(*jobs):
    def run() -> None:
        for job in jobs:
            job()

    return run


@mail.command("scheduled")
def mail_scheduled() -> None:
    """Write the digests, day-before lists and reminders that are due, release expired
    seat holds, expire meeting requests nobody answered in time; after events, mail the
    certificates of attendance and the materials."""
    from eventhub.manage.scheduled import run_scheduled

    report = run_scheduled()
    click.echo(f"{report.digests} digests, {report.attendee_lists} attendee lists written.")
    if report.reminders:
        click.echo(f"{report.reminders} reminders written.")
    if report.feedback_invites:
        click.echo(f"{report.feedback_invites} feedback invitations written.")
    if report.certificates or report.material_mails:
        click.echo(
            f"{report.certificates} certificates and {report.material_mails} "
            "materials mails written."
        )
    if report.released_holds:
        click.echo(f"{report.released_holds} seats of unconfirmed registrations released.")
    if report.expired_meeting_requests:
        click.echo(f"{report.expired_meeting_requests} unanswered meeting requests expired.")


privacy_cli = AppGroup("privacy", help="Data protection.")


@privacy_cli.command("purge")
def privacy_purge() -> None:
    """Remove the personal data whose retention time is over (idempotent; the looping
    mail worker runs it hourly). Prints counts only."""
    from eventhub.privacy.retention import purge

    report = purge()
    click.echo(
        f"{report.events} events: {report.registrations} registrations anonymised, "
        f"{report.sensitive_answers} sensitive answers, {report.network_rows} networking "
        f"records, {report.signin_scans} sign-in scans, {report.certificates} certificates "
        f"deleted; {report.mails} mails emptied; {report.audit_entries} audit entries and "
        f"{report.access_requests} access links expired."
    )
    if report.failed:
        raise click.ClickException(
            f"{report.failed} events could not be purged (see the log); the next run retries."
        )


api_keys = AppGroup("api-keys", help="API keys of organisations (for the organiser API).")


def _organisation(slug: str):
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"no organisation '{slug}'")
    return organisation


@api_keys.command("create")
@click.option("--org", "org_slug", required=True, help="Slug of the organisation.")
@click.option("--name", required=True, help="What uses the key, e.g. 'CRM'.")
@click.option("--write", is_flag=True, help="May also create and cancel registrations.")
def api_keys_create(org_slug: str, name: str, write: bool) -> None:
    """Create a key and print it (it is shown only this once)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise click.ClickException("the name must have 1 to 100 characters")
    _token, raw = create_token(
        _organisation(org_slug).id, name, can_write=write, created_by_id=None
    )
    click.echo(raw)


@api_keys.command("list")
@click.option("--org", "org_slug", required=True, help="Slug of the organisation.")
def api_keys_list(org_slug: str) -> None:
    """The organisation's active keys: id, start of the key, rights, name, last use."""
    for token in organisation_tokens(_organisation(org_slug).id):
        rights = "read-write" if token.can_write else "read"
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
        click.echo(f"{token.id}\t{token.prefix}…\t{rights}\t{token.name}\t{used}")


@api_keys.command("revoke")
@click.option("--org", "org_slug", required=True, help="Slug of the organisation.")
@click.argument("key_id", type=int)
def api_keys_revoke(org_slug: str, key_id: int) -> None:
    """Revoke a key by the id `list` shows; requests with it get 401 from now on."""
    if not revoke_token(_organisation(org_slug).id, key_id):
        raise click.ClickException(f"'{org_slug}' has no active key {key_id}")
    click.echo(f"Revoked key {key_id}.")


waitlist_cli = AppGroup("waitlist", help="The waiting list of an event.")


def _event_or_fail(slug: str) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with the address {slug!r}.")
    return event


@waitlist_cli.command("show")
@click.argument("slug")
@with_appcontext
def waitlist_show(slug: str) -> None:
    """The waiting list of event SLUG in the order it is served, per seat pool."""
    event = _event_or_fail(slug)
    offered = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "offered")
        .order_by(Registration.offer_expires_at, Registration.id)
    ).all()
    for person in offered:  # served from the list, a seat held until they accept
        until = person.offer_expires_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"offered  {person.last_name}, {person.first_name} <{person.email}>  "
            f"({person.attendance}) until {until}"
        )
    people = waiting_list(event.id)
    if not people:
        click.echo("Nobody is waiting.")
        return
    for mode in dict.fromkeys(p.attendance for p in people):
        pool = [p for p in people if p.attendance == mode]
        click.echo(f"{mode}: {len(pool)} waiting")
        for entry in entries(pool):
            since = entry.since.astimezone(event.tz).strftime("%Y-%m-%d %H:%M")
            group = f"  (group of {len(entry.people)})" if entry.is_group else ""
            for person in entry.people:
                click.echo(
                    f"{entry.position:>5}  {person.last_name}, {person.first_name} "
                    f"<{person.email}>  since {since}{group}"
                )


@waitlist_cli.command("serve")
@click.argument("slug")
@with_appcontext
def waitlist_serve(slug: str) -> None:
    """End expired offers of event SLUG and give free seats to its waiting list now, as
    every cancellation does (for after repairs by hand; safe to repeat)."""
    event = _event_or_fail(slug)
    with write_transaction():
        locked_event(event.id)  # the event first, as every seat path does
        expired = expire_offers(event.id)
        served = serve_waiting_list(event.id)
        states = [r.status for r in served]
    click.echo(
        f"{expired} offers expired; {states.count('confirmed')} confirmed and "
        f"{states.count('offered')} offered a seat from the waiting list."
    )
