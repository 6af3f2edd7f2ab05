"""Domain events that become webhook events: the domain sends a signal, this layer queues the delivery.

`connect()` is called once by create_app; connecting twice is harmless (blinker keeps one).
"""
from __future__ import annotations

from portal.api.webhooks import emit
from portal.inventory.provision_stops import provision_stopped


def _provision_stopped(sender, *, payload: dict) -> None:
    emit("provision.stopped", payload)


def connect() -> None:
    provision_stopped.connect(_provision_stopped, weak=False)
