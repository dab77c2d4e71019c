# Forecourt: `make run` to try it, `make test` to check it. Both set everything up first.
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SMTP_PORT ?= 2525

.PHONY: install run test lint typecheck migrations-check pytest demo clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@if [ ! -x $(PY) ]; then \
		python=$$(scripts/find-python) || exit 1; \
		echo "Creating $(VENV) with $$python"; \
		"$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# Every command of `run` writes links into emails (the demo's alerts too): all learn the web port.
run: export FORECOURT_WEB_PORT := $(PORT)
run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	@echo "Forecourt: http://127.0.0.1:$(PORT)   SMTP intake: 127.0.0.1:$(SMTP_PORT)   (Ctrl-C stops all three)"
	@# honcho gives every process a PORT of its own, so ours travel under other names.
	FORECOURT_SMTP_PORT=$(SMTP_PORT) exec $(VENV)/bin/honcho start --no-prefix -f Procfile

test: install
	scripts/test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy .

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
