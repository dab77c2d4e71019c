"""Keep one process running: start it again whenever it ends, until told to stop.

    python -m forecourt.lib.respawn --name worker -- .venv/bin/python manage.py runworker

`make run` starts web, worker and smtpd with honcho, which stops all of them as soon as one
ends. Each Procfile line runs under this supervisor, so a process that dies (a crash, a kill, a
bug) is started again and the others go on serving. SIGTERM or SIGINT is passed on to the
process; once it has ended, so does the supervisor, with its exit code. A process that keeps
dying is started again after growing pauses (1 s, 2 s, 4 s … 30 s), so it never turns into a
fork loop. Plain Python, no Django: it must run whatever state the project is in.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
HEALTHY_AFTER = 30.0  # a process that ran this long before it ended starts again after FIRST_PAUSE


def say(name: str, message: str) -> None:
    print(f"respawn: {name} {message}", file=sys.stderr, flush=True)


def describe(code: int) -> str:
    return f"killed by {signal.strsignal(-code)}" if code < 0 else f"exit code {code}"


def supervise(command: list[str], name: str) -> int:
    """Run `command` again each time it ends, until SIGTERM or SIGINT; returns its last exit status."""
    stopping = threading.Event()
    child: subprocess.Popen[bytes] | None = None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    pause = FIRST_PAUSE
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)
        if stopping.is_set():  # told to stop while it was being started
            child.send_signal(signal.SIGTERM)
        say(name, f"started (pid {child.pid})")
        code = child.wait()
        if stopping.is_set():
            return exit_status(code)
        pause = FIRST_PAUSE if time.monotonic() - started >= HEALTHY_AFTER else pause
        say(name, f"ended ({describe(code)}); starting it again in {pause:.0f} s")
        if stopping.wait(pause):
            return exit_status(code)
        pause = min(pause * 2, LONGEST_PAUSE)


def exit_status(code: int) -> int:
    """A shell's exit status for a child's return code: 128 + N for one ended by signal N."""
    return code if code >= 0 else 128 - code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="respawn", description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", help="What to call the process in messages (default: the command).")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give the command to run after --")
    return supervise(command, options.name or command[0])


if __name__ == "__main__":
    sys.exit(main())
