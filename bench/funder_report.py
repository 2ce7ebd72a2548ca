"""The funder report (PDF and XLSX) of an event with 10,000 registrations, as whole
processes, next to a bare reference in the same run.

Usage: .venv/bin/python bench/funder_report.py [--registrations 10000] [--database URL]
       [--rounds 3]

Builds the event of bench/workspace.py (10,000 registrations, one in twenty cancelled, a
third checked in, four types of organisation), moves it into the past, adds the ESF set
with an answer to each of its four questions from every confirmed person (bulk inserts)
and uploads a three-page PDF scan of the sign-in sheet. Then each download runs in a fresh
Python process through the real app (app start, login, access check, the GROUP BY
queries, building the file, the appendix): funder-report.pdf and funder-report.xlsx.
The bare reference is a process of bench/bare.py (a bare Flask app) answering a constant
body of the same size through the same test client: the ratio shows what the report costs
on top of starting Python and Flask and moving the bytes. Medians of `--rounds`; besides
wall time the processes' CPU time (user + system, os.wait4), steadier on a shared machine.

SQLite in a temp dir unless --database names a scratch database (tables dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLUG = "bench-fachtagung"
TARGETS = {
    "pdf": f"/manage/events/{SLUG}/funder-report.pdf",
    "xlsx": f"/manage/events/{SLUG}/funder-report.xlsx",
}
GENDERS = ("female", "male", "diverse", "no_answer")
EMPLOYMENT = ("employed", "unemployed", "long_term_unemployed", "inactive", "no_answer")
AGES = ("under_18", "18_29", "30_54", "55_plus", "no_answer")
EDUCATION = ("isced_0_2", "isced_3_4", "isced_5_8", "no_answer")


def scan_pdf(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for n in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Unterschriftenliste, Seite {n + 1}")
    return bytes(pdf.output())


def build(url: str, count: int) -> None:
    from sqlalchemy import insert, select, update
    from workspace import build as build_workspace_event
    from workspace import config

    from eventhub import create_app
    from eventhub.extensions import db
    from eventhub.manage.questions import add_esf_questions
    from eventhub.manage.signin_scans import save_scan
    from eventhub.models import Answer, Event, Question, Registration

    build_workspace_event(url, count)
    app = create_app(config(url))
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=3)
        db.session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(starts_at=start, ends_at=start + dt.timedelta(hours=6))
        )
        db.session.commit()
        add_esf_questions(event.id)
        questions = {
            q.purpose: q.id
            for q in db.session.scalars(select(Question).where(Question.event_id == event.id))
        }
        people = db.session.scalars(
            select(Registration.id).where(
                Registration.event_id == event.id, Registration.status == "confirmed"
            )
        ).all()
        rows = []
        for n, registration_id in enumerate(people):
            for purpose, options in (
                ("gender", GENDERS),
                ("employment", EMPLOYMENT),
                ("age_band", AGES),
                ("education", EDUCATION),
            ):
                rows.append(
                    {
                        "registration_id": registration_id,
                        "question_id": questions[purpose],
                        "value": options[(n * 7 + len(purpose)) % len(options)],
                    }
                )
        for chunk in range(0, len(rows), 5000):
            db.session.execute(insert(Answer), rows[chunk : chunk + 5000])
        db.session.commit()
        save_scan(event.id, "unterschriften.pdf", scan_pdf(3), user_id=None, max_bytes=10**7)
        db.engine.dispose()


def child(url: str, target: str, size: int) -> None:
    if target == "bare":
        os.environ["BARE_BODIES"] = json.dumps({"report": [size, "application/pdf"]})
        sys.path.insert(0, str(ROOT / "bench"))
        from bare import app

        client, path = app.test_client(), "/report"
    else:
        from workspace import PASSWORD, config

        from eventhub import create_app

        app = create_app(config(url))
        client, path = app.test_client(), TARGETS[target]
        login = client.post(
            "/manage/login", data={"email": "bench@ihk.example", "password": PASSWORD}
        )
        assert login.status_code == 303, login.status_code
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    body = response.get_data()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert response.status_code == 200, response.status_code
    print(json.dumps({"request_s": elapsed, "request_cpu_s": cpu, "bytes": len(body)}))


def measure(url: str, target: str, size: int = 0) -> dict:
    command = [sys.executable, __file__, "--child", target, "--database", url, "--size", str(size)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT / "bench")  # noqa: S603
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{target} failed")
    result = json.loads(output)
    cpu = usage.ru_utime + usage.ru_stime  # steadier than wall time on a shared machine
    result.update(wall_s=wall, cpu_s=cpu, peak_mb=usage.ru_maxrss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database")
    parser.add_argument("--child", choices=[*TARGETS, "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.database, args.child, args.size)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        started = time.perf_counter()
        build(url, args.registrations)
        print(
            f"{args.registrations:,} registrations with ESF answers, {url.split(':')[0]}, "
            f"built in {time.perf_counter() - started:.1f} s; medians of {args.rounds} rounds"
        )
        print(
            f"{'target':<6} {'process s':>9} {'cpu s':>6} {'request s':>9} {'cpu s':>6} "
            f"{'peak MB':>8} {'size':>9} {'bare process s':>14} {'cpu s':>6} {'ratio':>6} "
            f"{'cpu ratio':>9}"
        )
        for target in TARGETS:
            runs, bare = [], []
            for _round in range(args.rounds):
                runs.append(measure(url, target))
                bare.append(measure(url, "bare", runs[-1]["bytes"]))
            wall = statistics.median(r["wall_s"] for r in runs)
            request = statistics.median(r["request_s"] for r in runs)
            request_cpu = statistics.median(r["request_cpu_s"] for r in runs)
            peak = max(r["peak_mb"] for r in runs)
            cpu = statistics.median(r["cpu_s"] for r in runs)
            bare_wall = statistics.median(r["wall_s"] for r in bare)
            bare_cpu = statistics.median(r["cpu_s"] for r in bare)
            print(
                f"{target:<6} {wall:>9.2f} {cpu:>6.2f} {request:>9.2f} {request_cpu:>6.2f} "
                f"{peak:>8.1f} "
                f"{runs[0]['bytes'] / 1e3:>6.0f} kB {bare_wall:>14.2f} {bare_cpu:>6.2f} "
                f"{wall / bare_wall:>6.1f} {cpu / bare_cpu:>9.1f}"
            )


if __name__ == "__main__":
    main()
