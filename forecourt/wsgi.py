"""WSGI entry point for gunicorn."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from forecourt.lib.chunked import read_chunked_bodies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
application = read_chunked_bodies(get_wsgi_application())
