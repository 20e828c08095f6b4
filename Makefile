# 议事通 Yishi — the two commands of the README, and a few more for developers.
# `make run` starts the demo community on http://127.0.0.1:8080/; `make test` runs
# the whole suite plus ruff and mypy. Both create .venv on first use, with the exact
# versions in uv.lock (uv, from PyPI; only python3 is needed to start).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
UV      = $(BIN)/uv
STAMP   = $(VENV)/.installed
LOWEST ?= .venv-lowest
export UV_PYTHON_DOWNLOADS = never

.PHONY: run test test-lowest mutate lock format bench clean

# pip installs uv once; uv then makes the venv exactly what uv.lock says (uv included).
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5"

$(STAMP): pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --quiet --locked --extra dev --python $(BIN)/python
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/yishi demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

# The suite at the oldest versions pyproject.toml allows (CI runs it too): each direct
# dependency at its floor, in a venv of its own.
test-lowest: $(STAMP)
	rm -rf $(LOWEST)
	$(UV) venv --quiet --python $(BIN)/python $(LOWEST)
	VIRTUAL_ENV=$(LOWEST) $(UV) pip install --quiet --resolution lowest-direct -e '.[dev]'
	$(LOWEST)/bin/pytest -p no:cacheprovider

# Mutation testing of a few key modules ([tool.mutmut] in pyproject.toml; about half
# an hour on two cores): every small change to them should make some test fail.
mutate: $(STAMP)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) run --locked --extra dev --with "mutmut==3.8.1" mutmut run
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) run --locked --extra dev --with "mutmut==3.8.1" mutmut results

# After changing dependencies in pyproject.toml: re-resolve uv.lock (then commit both).
lock: | $(UV)
	$(UV) lock

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/pipeline.py

clean:
	rm -rf $(VENV) $(LOWEST) mutants .pytest_cache .mypy_cache .ruff_cache *.egg-info
