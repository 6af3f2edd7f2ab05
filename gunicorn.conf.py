"""gunicorn's settings for Madoguchi, read when gunicorn starts in this folder (or with -c).

    .venv/bin/gunicorn --bind 127.0.0.1:8000 'portal:create_app()'

Sync workers, one per CPU: the portal's pages spend their time on the CPU (decrypting, rendering,
the audit chain), so threads in one process only queue behind each other and stretch the slow
tail (bench/deploy_bench.py; README "Deployment shape"). Behind the reverse proxy the API clients
keep their connections to the proxy; a portal that clients reach directly runs threaded workers
instead (PORTAL_WORKER_CLASS=gthread), which keep each connection open for `keepalive` seconds.
"""
import os

worker_class = os.environ.get("PORTAL_WORKER_CLASS", "sync")
# Processes: WEB_CONCURRENCY (as platforms set it) or one per CPU. The app's start-up check reads
# WEB_CONCURRENCY to refuse per-process rate-limit counters when more than one process serves it.
workers = int(os.environ.setdefault("WEB_CONCURRENCY", str(os.cpu_count() or 2)))
# Threads per process, for gthread only (with more than one, gunicorn would turn sync into gthread).
threads = int(os.environ.get("PORTAL_THREADS", "2")) if worker_class == "gthread" else 1
keepalive = 5  # seconds an idle connection stays open (gthread; sync workers close after each answer)
timeout = 60   # a disclosure package or the register CSV streams for longer than gunicorn's default 30 s
graceful_timeout = 30
