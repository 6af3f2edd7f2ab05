"""gunicorn's settings for Madoguchi, read when gunicorn starts in this folder (or with -c).

    .venv/bin/gunicorn --bind 127.0.0.1:8000 'portal:create_app()'

Threaded workers (gthread) keep idle connections open for `keepalive` seconds, so API clients
and the reverse proxy reuse theirs; sync workers close every connection after one answer.
bench/deploy_bench.py compares the shapes (README "Deployment shape" has the figures).
"""
import os

worker_class = "gthread"
# Processes: WEB_CONCURRENCY (as platforms set it) or one per CPU. The app's start-up check reads
# WEB_CONCURRENCY to refuse per-process rate-limit counters when more than one process serves it.
workers = int(os.environ.setdefault("WEB_CONCURRENCY", str(os.cpu_count() or 2)))
# Threads per process: a page mostly waits on the database (PostgreSQL) or on its CPU share;
# four overlap the waits without letting one process take more requests than it can finish.
threads = int(os.environ.get("PORTAL_THREADS", "4"))
keepalive = 5  # seconds (behind nginx: `proxy_http_version 1.1; proxy_set_header Connection "";` and `keepalive 16;`)
timeout = 60   # a disclosure package or the register CSV streams for longer than gunicorn's default 30 s
graceful_timeout = 30
