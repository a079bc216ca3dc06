# Two entry points for a fresh machine with Python >= 3.11 and make:
#   make run    set up .venv, write the demo data if absent or stale, start the service
#   make test   set up .venv, lint (ruff, mypy) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEMO   ?= data/demo
BIN     = $(VENV)/bin

.PHONY: run test lint bench setup clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installing also compiles the service's numba kernels into the user's kernel cache (once per
# numba, Python and CPU; a progress bar on a terminal), so that the first `make run` serves fast.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/lantian compile
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/lantian demo-data $(DEMO) --if-stale
	$(BIN)/lantian serve --forecast $(DEMO)/forecast.nc --regions $(DEMO)/regions.geojson \
		--db $(DEMO)/decisions.sqlite --registry $(DEMO)/registry.sqlite \
		--observations $(DEMO)/observations.sqlite --host $(HOST) --port $(PORT)

CODE = engine grids forecasts registry observations api tests benchmarks

test: lint browser
	$(BIN)/python -m pytest -q

# Headless Chromium, its driver and a CJK font for the browser tests of the page at /
# (tests/api/test_browser.py). Installed from Debian when missing, as root or under CI;
# otherwise one line, and those tests skip with the reason (in CI they fail instead).
BROWSER_DEBS = chromium chromium-driver fonts-wqy-microhei
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_DEBS); \
	elif [ -n "$$CI" ] && command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_DEBS); \
	else \
		echo "make browser: chromium/chromedriver missing and not root: the browser tests will skip (install: apt-get install $(BROWSER_DEBS))"; \
	fi

lint: setup
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy

# wrk drives the read mixes of benchmarks/load.py when installed (from Debian, as root);
# without it load.py uses its bundled asyncio client.
bench: setup
	$(BIN)/python -m pip install --quiet -e '.[dev,bench,boundaries]'
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; } || \
		echo "make bench: wrk missing (apt-get install wrk): load.py uses its own client"
	$(BIN)/python benchmarks/run_all.py
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
