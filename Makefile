# EM Lab: two commands for a fresh machine, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export STREAMLIT_SERVER_HEADLESS := true

.PHONY: run test lint bench shots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the venv is new or pyproject.toml changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/streamlit run dashboard/streamlit_app.py --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check emlib dashboard tests bench
	$(BIN)/ruff format --check emlib dashboard tests bench

bench: $(VENV)/.installed
	$(BIN)/python -m bench

shots: $(VENV)/.installed
	$(BIN)/python ../shared/tools/shoot_pages.py shots/

clean:
	rm -rf $(VENV) shots test-artifacts .pytest_cache .hypothesis
