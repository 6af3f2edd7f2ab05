"""A tiny registry of the jobs `tick` runs.

A feature registers its periodic work where it lives:

    @register_job("mail", order=900)
    def send_due_mail() -> str:
        return "3 sent"

A job does one pass of its work and returns a short, personal-data-free summary for the
log. It must be safe to run on several machines at once (claim rows with SKIP LOCKED, or
do work that is idempotent); `tick` commits after it, or rolls back when it raises.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

JobFunc = Callable[[], str]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    # Lower runs first; mail runs late so mail queued by earlier jobs goes out in the same tick.
    order: int = 500


_jobs: dict[str, Job] = {}


def register_job(name: str, *, order: int = 500) -> Callable[[JobFunc], JobFunc]:
    def decorator(func: JobFunc) -> JobFunc:
        existing = _jobs.get(name)
        if existing is not None and existing.func is not func:
            # Re-importing the same module is harmless; two jobs with one name are a mistake.
            if (existing.func.__module__, existing.func.__qualname__) != (func.__module__, func.__qualname__):
                raise ValueError(f"a tick job named {name!r} is already registered")
        _jobs[name] = Job(name, func, order)
        return func

    return decorator


def registered_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: (job.order, job.name))
