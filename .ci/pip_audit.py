"""Run pip-audit on requirements.txt and say honestly what it could check.

pip-audit asks a vulnerability service (PyPI's JSON API or OSV) about each pinned
dependency. Where that service cannot be reached (CI machines here reach only a PyPI
mirror), pip-audit skips every dependency and still says "No known vulnerabilities
found"; this script reports "audit not possible here" instead and does not fail CI.
Known vulnerabilities fail it (exit code 1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    command = [
        sys.executable, "-m", "pip_audit", "-r", "requirements.txt",
        "-f", "json", "--progress-spinner", "off",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit: audit not possible here ({reason[:200]})")
        return 0
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"pip-audit: {dependency['name']} {dependency['version']}: {ids}")
    if vulnerable:
        return 1
    if dependencies and len(skipped) == len(dependencies):
        print(
            f"pip-audit: audit not possible here: the vulnerability service answered for "
            f"none of the {len(dependencies)} dependencies ({skipped[0]['skip_reason']})"
        )
        return 0
    audited = len(dependencies) - len(skipped)
    note = f"; {len(skipped)} could not be checked" if skipped else ""
    print(f"pip-audit: no known vulnerabilities in {audited} dependencies{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
