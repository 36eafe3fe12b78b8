# EM Lab: two commands for a fresh machine, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export STREAMLIT_SERVER_HEADLESS := true

.PHONY: run serve test test-fast lint bench shots plotly-bundle clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the venv is new or pyproject.toml changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/streamlit run dashboard/asgi.py --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

# A class on one server (README, "Serving a class"): libraries imported and every page warmed
# before the first student arrives; .streamlit/config.toml's settings, reachable on the network.
serve: $(VENV)/.installed
	$(BIN)/python -m dashboard.serve --server.address 0.0.0.0 --server.port 8501

# Two pytest-xdist workers, one per core; tests/conftest.py says which tests share a worker
# (the browser tests, and each file's tests). PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
XDIST := -n $(PYTEST_WORKERS) --dist loadgroup

# Everything, browser tests included; tests/test_architecture.py runs import-linter's contracts.
test: $(VENV)/.installed
	$(BIN)/python -m pytest $(XDIST) --durations=15

# Everything but the browser tests (tests/e2e, marked e2e).
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest $(XDIST) -m "not e2e" --ignore=tests/e2e

lint: $(VENV)/.installed
	$(BIN)/ruff check emlib dashboard tests bench
	$(BIN)/ruff format --check emlib dashboard tests bench
	$(BIN)/lint-imports --no-cache

bench: $(VENV)/.installed
	$(BIN)/python -m bench
	$(BIN)/python -m bench.families
	$(BIN)/python -m bench.student
	$(BIN)/python -m bench.spatial
	$(BIN)/python -m bench.hmm
	$(BIN)/python -m bench.dask

# Full-page screenshots of every page in headless Chromium, into shots/ (git-ignored).
shots: $(VENV)/.installed
	$(BIN)/python -m bench.shots shots/

# Rebuild the vendored plotly.js (dashboard/static/plotly-emlab-*.min.js) from
# dashboard/plotly_bundle: only to change its trace types or version (needs npm); the app
# and the tests use the committed file, and a rebuild from the same lock file is byte-identical.
plotly-bundle:
	cd dashboard/plotly_bundle && npm ci --no-audit --no-fund --ignore-scripts && npm run build

clean:
	rm -rf dashboard/plotly_bundle/node_modules $(VENV) shots test-artifacts .pytest_cache .hypothesis .import_linter_cache build dist
