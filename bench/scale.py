"""Every figure of the "real scale" targets in one run per database, each beside its target.

    .venv/bin/python bench/scale.py                       # SQLite (temporary files)
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
      .venv/bin/python bench/scale.py --register-url postgresql+psycopg://postgres@127.0.0.1:5432/madoguchi_big

Runs, one after the other in fresh processes and on the same database, the benchmarks that
measure them, showing their own reports as they go:

1. import   `import_bench.py`: 27 MB and 200 MB files, first import and re-import
            (records/s ≥ 50,000, at least 10,000; peak memory ≤ 250 MB; re-import faster);
2. intake   `profile_pages.py --pages submit,api`: CPU ms per filing, form and API (≤ 8 ms);
3. big person `big_person_bench.py`: 100,000 items: my data p95 ≤ 100 ms, package and
            erasure < 10 s in bounded memory;
4. register `run.py` on `--register-url` at 1,000,000 persons / 20,000,000 items /
            1,000,000 requests (`--reuse`: generated once, which takes hours): queue and
            dashboard p95 ≤ 150 ms, my data ≤ 100 ms; skipped without `--register-url`;
5. deploy   `deploy_bench.py`: gunicorn worker shapes (`--skip deploy` to leave it out).

Then it repeats every line that states a target with its verdict, under the machine's load
average before and after. Like the scripts it runs, it DROPS and rebuilds the schema of
DATABASE_URL (and, unless reused, of --register-url): point them at scratch databases.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REGISTER = ("--persons", "1000000", "--items", "20000000", "--requests", "1000000")
# A report line that gives a verdict on a target ("… ≤ 100 ms: met", "… NOT met", "…faster…: yes").
VERDICT = re.compile(r"\bmet\b|faster than the first import")


def steps(args) -> list[tuple[str, list[str], dict[str, str]]]:
    """(name, command, environment changes) of each benchmark to run."""
    python = sys.executable
    found = [
        ("import", [python, str(BENCH / "import_bench.py")], {}),
        ("intake", [python, str(BENCH / "profile_pages.py"), "--pages", "submit,api", "--quiet", "--rounds", "5",
                    "--count", "40"], {}),
        ("big person", [python, str(BENCH / "big_person_bench.py")], {}),
    ]
    if args.register_url:
        found.append(("register", [python, str(BENCH / "run.py"), *REGISTER, "--reuse",
                                   "--pages", "queue,filtered,dashboard,mydata"],
                      {"DATABASE_URL": args.register_url}))
    found.append(("deploy", [python, str(BENCH / "deploy_bench.py")], {}))
    return [step for step in found if step[0] not in args.skip]


def run(name: str, command: list[str], env_changes: dict[str, str]) -> tuple[int, list[str], float]:
    """Run one benchmark, echoing its output; return its exit code, its verdict lines and seconds."""
    print(f"\n=== {name}: {' '.join(Path(part).name if part.endswith('.py') else part for part in command[1:])}",
          flush=True)
    started = time.perf_counter()
    verdicts = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env={**os.environ, **env_changes}) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            if VERDICT.search(line):
                verdicts.append(line.rstrip())
    return process.returncode, verdicts, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--register-url", help="database of the 1,000,000-person register (reused when it matches)")
    parser.add_argument("--skip", action="append", default=[], choices=["import", "intake", "big person", "register",
                                                                      "deploy"],
                        help="leave a step out (repeatable)")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    results = [(name, *run(name, command, env)) for name, command, env in steps(args)]
    load_after = os.getloadavg()

    print(f"\n=== Summary on {os.environ.get('DATABASE_URL', 'SQLite').split('@')[-1]}: "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before and {load_after[0]:.1f} after")
    failed = False
    for name, code, verdicts, seconds in results:
        status = "" if code == 0 else f"  (exit code {code})"
        failed |= code != 0
        print(f"\n{name} ({seconds / 60:.1f} min){status}")
        for line in verdicts:
            print(f"  {line.strip()}")
    if not args.register_url:
        print("\nregister: skipped (give --register-url to measure the 1,000,000-person register)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
