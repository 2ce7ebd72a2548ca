"""Measure the attendee exports (CSV, XLSX, PDF) for 10,000 rows as whole-process figures.

Usage: .venv/bin/python bench/exports.py [--rows 10000] [--formats csv xlsx pdf] [--via-package]

Each format runs in a fresh Python process that builds synthetic rows (umlauts, accents,
one Arabic name in ten, long organisation names), consumes the export completely into
/dev/null and exits. The parent reports the wall time of that whole process (interpreter
start and imports included), the time spent in the export itself, and the child's peak
resident memory. The peak is read per child with os.wait4: getrusage(RUSAGE_CHILDREN) would
give the largest child so far, not the one just run. "baseline" is a child that only builds
the rows, for comparison. Aims: CSV under 1 s, XLSX under 5 s, peak under 200 MB.

exports.py is loaded on its own by default (it needs only fpdf2 and XlsxWriter). With
--via-package it is imported as eventhub.manage.exports, which loads the whole application
first: about 1 s and 135 MB that a running web worker has already paid.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]

FORMATS = ("baseline", "csv", "xlsx", "pdf")
AIMS = {"csv": 1.0, "xlsx": 5.0}  # seconds, whole process
PEAK_AIM_MB = 200
BERLIN = ZoneInfo("Europe/Berlin")

LAST_NAMES = ["Müller-Lüdenscheidt", "Öztürk", "Weiß", "Hélène", "Kowalczyk", "Schröder"]
FIRST_NAMES = ["Jürgen", "François", "Zoë", "Ana-María", "Björn", "Małgorzata"]
ARABIC = [("الكيلاني", "محمد"), ("حداد", "فاطمة"), ("السوري", "أحمد")]
ORGANISATIONS = [
    "Stadtwerke Bottrop GmbH",
    "Handwerkskammer Münster – Bildungszentrum für Gebäudetechnik und Energieeffizienz",
    "IHK Nord Westfalen",
    "Bäckerei Großkämper & Söhne KG",
    "Welcome Center Ruhr",
]
HEADERS = [
    "Nr.",
    "Nachname",
    "Vorname",
    "E-Mail-Adresse",
    "Organisation",
    "Funktion",
    "Status",
    "Angemeldet am",
    "Eingecheckt",
]


def load_exports(via_package: bool) -> ModuleType:
    if via_package:
        sys.path.insert(0, str(ROOT))
        return importlib.import_module("eventhub.manage.exports")
    spec = importlib.util.spec_from_file_location(
        "exports", ROOT / "eventhub" / "manage" / "exports.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def synthetic_rows(exports: ModuleType, count: int) -> Iterator:
    start = dt.datetime(2026, 10, 1, 8, 0, tzinfo=BERLIN)
    for n in range(1, count + 1):
        if n % 10 == 0:
            last, first = ARABIC[n % len(ARABIC)]
        else:
            last, first = LAST_NAMES[n % len(LAST_NAMES)], FIRST_NAMES[n % len(FIRST_NAMES)]
        yield exports.AttendeeRow(
            number=n,
            last_name=last,
            first_name=first,
            email=f"teilnehmer{n}@betrieb-{n % 997}.example",
            # Mostly distinct organisations, as in a real list of 10,000 registrations.
            organisation=f"{ORGANISATIONS[n % len(ORGANISATIONS)]} {n % 1500}",
            job_title="Leiterin Personalentwicklung" if n % 2 else "Ausbilder",
            status="Bestätigt",
            registered_at=start + dt.timedelta(minutes=7 * n),
            checked_in=n % 3 == 0,
        )


def run_child(fmt: str, count: int, via_package: bool) -> None:
    """Produce one export into /dev/null and print how long the export took, as JSON."""
    exports = load_exports(via_package)
    rows = synthetic_rows(exports, count)
    started = time.perf_counter()
    size = 0
    with open(os.devnull, "wb") as sink:
        if fmt == "baseline":
            size = sum(1 for _ in rows)
        elif fmt == "csv":
            for chunk in exports.attendee_csv(rows, HEADERS):
                size += sink.write(chunk)
        elif fmt == "xlsx":
            for chunk in exports.attendee_xlsx(rows, HEADERS, "Teilnehmende"):
                size += sink.write(chunk)
        elif fmt == "pdf":
            info = exports.SheetInfo(
                title="Fachtagung Fachkräftesicherung im Ruhrgebiet",
                period="Mittwoch, 13. Januar 2027, 10:00–16:00 MEZ",
                venue="Saalbau Bottrop, Gladbecker Straße 9, 46236 Bottrop",
                hosts="IHK Nord Westfalen, Handwerkskammer Münster, Stadt Bottrop",
                funding_note="Gefördert durch das Land NRW und den Europäischen Sozialfonds Plus.",
                language="de",
            )
            size = sink.write(exports.sign_in_sheet_pdf(info, rows))
    elapsed = time.perf_counter() - started
    print(json.dumps({"export_s": elapsed, "bytes": size}))


def measure(fmt: str, count: int, via_package: bool) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", fmt, "--rows", str(count)]
    if via_package:
        command.append("--via-package")
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE)  # noqa: S603 - our own script
    assert child.stdout is not None
    output = child.stdout.read()
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{fmt}: child exited with {child.returncode}")
    result = json.loads(output)
    result.update(format=fmt, wall_s=wall, peak_mb=usage.ru_maxrss / 1024)  # KiB on Linux
    return result


def verdict(result: dict, timed: str) -> str:
    notes = []
    aim = AIMS.get(result["format"])
    if aim is not None:
        notes.append(f"time {'ok' if result[timed] < aim else 'OVER'} (< {aim:g} s)")
    if result["format"] != "baseline":
        ok = result["peak_mb"] < PEAK_AIM_MB
        notes.append(f"memory {'ok' if ok else 'OVER'} (< {PEAK_AIM_MB} MB)")
    return ", ".join(notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--via-package", action="store_true", help="import the whole app first")
    parser.add_argument("--child", choices=FORMATS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.rows, args.via_package)
        return

    loaded = "eventhub.manage.exports (whole app)" if args.via_package else "exports.py alone"
    print(f"attendee exports, {args.rows:,} rows, {loaded}, Python {sys.version.split()[0]}")
    # Loading the whole app alone takes about 1 s; a worker pays that once, not per download.
    timed = "export_s" if args.via_package else "wall_s"
    aims = "aims (time: export s)" if args.via_package else "aims (time: process s)"
    print(f"{'format':<9} {'process s':>9} {'export s':>9} {'peak MB':>8} {'output':>10}  {aims}")
    for fmt in args.formats:
        r = measure(fmt, args.rows, args.via_package)
        output = "-" if fmt == "baseline" else f"{r['bytes'] / 1e6:.2f} MB"
        print(
            f"{fmt:<9} {r['wall_s']:>9.2f} {r['export_s']:>9.2f} {r['peak_mb']:>8.1f} "
            f"{output:>10}  {verdict(r, timed)}"
        )


if __name__ == "__main__":
    main()
