"""Serve one listening socket from several forked processes, as gunicorn serves the web.

The kernel hands each new connection to one of the processes waiting on the shared socket, so a
server bound by CPU (Python holds one core per process) uses every core. The parent only
supervises: it restarts a process that dies and, on SIGTERM or SIGINT, stops them all and waits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType

from django.db import connections

log = logging.getLogger(__name__)
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def run(serve: Callable[[], None], processes: int) -> None:
    """Run `serve` in `processes` forked processes until told to stop; returns once all have ended.

    `serve` must return when its process gets SIGTERM or SIGINT. It starts with both blocked
    (pending ones wait), and unblocks them once it handles them.
    """
    connections.close_all()  # a database connection must never be shared across a fork
    children: set[int] = set()
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _kill(pid)

    def spawn() -> None:
        # Signals are blocked across the fork, so neither side runs a handler meant for the other.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid == 0:
            for signum in STOP_SIGNALS:
                signal.signal(signum, signal.SIG_DFL)
            _child(serve)
        children.add(pid)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    previous = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
    try:
        for _ in range(processes):
            if not stopping:  # a SIGTERM held since before `run` arrives at the first unblocking
                spawn()
        while children:
            pid, status = os.wait()
            children.discard(pid)
            if not stopping:
                log.error("process %s ended (%s); starting another", pid, _describe(status))
                time.sleep(1)  # a process that dies at once must not turn into a fork loop
                if not stopping:
                    spawn()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _child(serve: Callable[[], None]) -> None:
    code = 0
    try:
        serve()
    except BaseException:
        log.exception("process %s failed", os.getpid())
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just ended
        os.kill(pid, signal.SIGTERM)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.strsignal(os.WTERMSIG(status))}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
