"""bench/run.py works for a stranger: a tiny dataset, gunicorn, every page answers.

No timing assertions: the figures depend on the machine; this checks the plumbing (data
generation, the server start, staff and customer log-ins, the table).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/healthz", "staff frame, no data", "queue, first page", "queue, filtered", "request page", "dashboard",
         "my data, first page", "request form", "request submission")


@pytest.mark.bench
def test_smoke_run_prints_a_row_per_page_and_every_page_answers(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}  # SQLite, a fresh file
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "bench/run.py", "--smoke", "--concurrency", "2"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=240)
    output = result.stdout
    assert "1,000 persons, 20,000 items, 2,000 requests" in output, result.stderr[-2000:]
    table = output[output.index("page "):]
    for page in PAGES:
        row = next((line for line in table.splitlines() if line.startswith(page)), None)
        assert row is not None, f"no row for {page}:\n{output}"
        if "MISSING" not in row:  # the dashboard may not exist yet; then it says so
            assert row.split()[len(page.split())] == "50", row
    register = next((line for line in output.splitlines() if line.startswith("register CSV")), None)
    assert register is not None and "worker peak memory grew" in register, output
    assert "FAILED" not in output, output
    assert result.returncode == 0, result.stderr[-2000:]
