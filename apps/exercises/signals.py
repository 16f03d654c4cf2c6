"""Extension points of code runs, sent by the services after each commit.

Other apps that keep their own account of runs (a code lab's board, for one) connect a
receiver that takes ``run_id`` and calls their own service. The signals are sent with
``send_robust``: a receiver that fails is logged and never touches the run itself.

* ``run_started`` — a queued run was taken by a worker (the queue moved on);
* ``run_finished`` — a run reached a final status (its results are stored).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

run_started = Signal()
run_finished = Signal()


def send_after_commit(signal: Signal, *, run_id: int) -> None:
    def send() -> None:
        for receiver, result in signal.send_robust(sender="exercises.Run", run_id=run_id):
            if isinstance(result, Exception):
                logger.error(
                    "a receiver of run %s's signal failed: %r", run_id, receiver, exc_info=result
                )

    transaction.on_commit(send)
