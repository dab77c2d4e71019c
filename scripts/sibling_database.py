"""Print a PostgreSQL URL naming a database beside the one given: `sibling_database.py URL browser`
turns postgres://…/forecourt?… into postgres://…/forecourt_browser?…, so that two test runs at
once each make a test database of their own."""

import sys
from urllib.parse import urlsplit

url, suffix = sys.argv[1], sys.argv[2]
parts = urlsplit(url)
name = parts.path.strip("/") or "postgres"
print(parts._replace(path=f"/{name}_{suffix}").geturl())
