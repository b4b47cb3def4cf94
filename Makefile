# baogong: `make run` sets up and runs the lockdown-day demo; `make test` sets up and tests
# everything on SQLite and PostgreSQL; `make test-fast` is the developer's loop (SQLite only,
# no test marked slow, in two processes with pytest-xdist).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/baogong/static/vendor
ASSETS := $(VENDOR)/.installed

.PHONY: setup assets run demo serve test test-fast lint bench i18n clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

# Browser libraries (htmx, ECharts, Leaflet) from the npm registry, served by baogong itself.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR)
	for f in htmx.org/dist/htmx.min.js echarts/dist/echarts.min.js leaflet/dist/leaflet.js \
	         leaflet/dist/leaflet.css leaflet/dist/images; do \
	  mkdir -p $(VENDOR)/$$(dirname $$f) && cp -r node_modules/$$f $(VENDOR)/$$f; done
	touch $(ASSETS)

assets: $(ASSETS)

setup: $(STAMP) $(ASSETS)

run: setup
	$(BIN)/baogong demo --fresh
	$(BIN)/baogong serve --demo-users --host 127.0.0.1 --port 8000

serve: setup
	$(BIN)/baogong serve --demo-users

test: setup lint
	$(BIN)/python -m pytest -q

test-fast: setup
	BAOGONG_TEST_BACKENDS=sqlite $(BIN)/python -m pytest -q -m "not slow" -n 2

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/vulture

bench: setup
	$(BIN)/python bench/run_all.py

i18n: setup
	$(BIN)/pybabel extract -F babel.cfg -o src/baogong/locale/baogong.pot src
	$(BIN)/pybabel update -i src/baogong/locale/baogong.pot -d src/baogong/locale -D baogong

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR) test-artifacts
