# eventhub: `make run` starts the site with demo data, `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

translations: $(VENV)/.runtime
	$(BIN)/pybabel compile -d eventhub/translations

run: $(VENV)/.runtime translations
	$(BIN)/flask --app app --debug init-db
	$(BIN)/flask --app app --debug demo
	$(BIN)/flask --app app run --debug --host $(HOST) --port $(PORT)

test: $(VENV)/.dev translations
	$(BIN)/python -m pytest -n auto --durations=30

lint: $(VENV)/.dev
	$(BIN)/ruff check .
