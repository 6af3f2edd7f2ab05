"""What a filing costs the worker in CPU instructions: a figure that does not move with the load.

    .venv/bin/python bench/intake_instructions.py                # SQLite (profile_pages' register)
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/madoguchi_bench .venv/bin/python bench/intake_instructions.py

On a shared machine the CPU milliseconds of `bench/profile_pages.py` move by a third from one
run to the next; valgrind's instruction count (callgrind) is the same run after run. Each page
is filed `--few` and then `--many` times, each in a fresh process under callgrind (after five
filings to warm up); the difference divided by the difference in filings is the work of one
filing alone, without the start of Python and the app. The PostgreSQL server's work is not
counted: it is another process, as in production. Slow (about a minute a process); for
comparing two versions of the code, not for the 8 ms target, which is judged in milliseconds
by profile_pages. Uses the register profile_pages generated (run it once first).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere

COLLECTED = re.compile(r"Collected : (\d+)")


def child(page: str, filings: int, url: str) -> None:
    """File `page` five times to warm up, then `filings` times (this process runs under callgrind)."""
    from bench.load_client import DISCLOSURE_FORM
    from bench.profile_pages import api_intake, customer_client, submit
    from bench.run import use_bench_keys
    from portal import create_app

    use_bench_keys()
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "p" * 48, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False, "TESTING": False, "PORTAL_MAIL_AFTER_REQUEST": False})
    send = api_intake(app) if page == "api" else submit(customer_client(app), DISCLOSURE_FORM)
    for _ in range(5 + filings):
        status = send().status_code
        assert status in (201, 302), status


def instructions(page: str, filings: int, url: str) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--child", page, str(filings), url], capture_output=True, text=True, cwd=ROOT)
    found = COLLECTED.search(run.stderr)
    if run.returncode != 0 or not found:
        sys.exit(f"filing under callgrind failed:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="submit,api", help="submit (the customer's form), api, or both")
    parser.add_argument("--few", type=int, default=10)
    parser.add_argument("--many", type=int, default=50)
    parser.add_argument("--persons", type=int, default=2_000, help="profile_pages' register (its defaults)")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--force", action="store_true", help="allow a database named 'test' (CI's)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        page, filings, url = args.child
        child(page, int(filings), url)
        return 0
    if shutil.which("valgrind") is None:
        sys.exit("needs valgrind (apt-get install valgrind)")
    from bench.common import profile_register_url

    url = profile_register_url(args)
    if url is None:
        return 2
    print(f"{url.split('://')[0]}: million instructions per filing ({args.many} − {args.few} filings, callgrind)")
    for page in args.pages.split(","):
        few, many = instructions(page, args.few, url), instructions(page, args.many, url)
        print(f"{page:<8} {(many - few) / (args.many - args.few) / 1e6:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
