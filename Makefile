# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast index eval bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

## Serve the bundled sample regulations on http://127.0.0.1:3978/api/messages
run: $(STAMP)
	$(PY) app.py index
	$(PY) app.py serve

## All tests, end-to-end ones included
test: $(STAMP)
	$(PY) -m pytest

## Unit and integration tests only (skips the slow end-to-end marker)
test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e"

index: $(STAMP)
	$(PY) app.py index

clean:
	rm -rf $(VENV) data .pytest_cache
