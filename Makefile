# Deckhand: `make run` starts the app on SQLite, `make test` runs the whole suite.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run install install-test chromium test lint format bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --no-dev --python $(PYTHON)

install-test: $(UV) chromium
	$(UV) sync --frozen --python $(PYTHON)

# Browser tests drive Debian's Chromium; Playwright cannot download its own here.
chromium:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

run: install
	DEBUG=1 bin/run-dev

test: install-test
	bin/run-tests

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install-test
	$(PY) -m benchmarks $(BENCH)

clean:
	rm -rf $(TOOLS) $(VENV) staticfiles
