# `make demo` and `make test` are the only set-up a fresh machine needs (Python >= 3.10, a C++ compiler).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-all figures clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "spiketeach needs Python >= 3.10"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/spiketeach demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -ra

# the same suite plus the tests marked slow
test-all: $(STAMP)
	$(BIN)/python -m pytest -q -ra --runslow

figures: $(STAMP)
	for f in $$($(BIN)/spiketeach figures | awk '{print $$1}'); do $(BIN)/spiketeach figure $$f || exit 1; done

clean:
	rm -rf $(VENV) output .pytest_cache
