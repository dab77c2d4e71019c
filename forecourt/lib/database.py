"""Telling a database that is away (restarting, failing over, unreachable) from every other error.

Django raises OperationalError when a connection cannot be made or is lost mid-query, and
InterfaceError when a connection already closed by the server is used. Neither says anything about
the row at hand: callers wait and try again (the worker, smtpd) or answer 503 (web), instead of
failing a row or answering 500.
"""

from __future__ import annotations

import contextlib

from django.db import InterfaceError, OperationalError, connections

DATABASE_AWAY = (OperationalError, InterfaceError)


def drop_connections() -> None:
    """Close this thread's database connections, so that the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):  # closing a connection whose server went away may fail too
            connection.close()
