# `make demo` and `make test` are the only set-up a fresh machine needs (Python >= 3.10, a C++ compiler).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-all test-genn test-cuda figures docs clean

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

# the documentation site (docs/, Sphinx + MyST) into docs/_build/html; warnings are errors
DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

# the same suite plus the tests marked slow
test-all: $(STAMP)
	$(BIN)/python -m pytest -q -ra --runslow

# GPU backends, each in its own environment (see README, "Devices"). Neither needs a GPU:
# test-genn generates the Brian2GeNN projects, then compiles and runs every GeNN formulation on
# GeNN's CPU backend; test-cuda generates the Brian2CUDA projects and compiles them with nvcc (the
# tests that run them are skipped without a GPU).
GENN_VENV := .venv-genn
# GeNN is on no registry: GENN_PATH if set, else the release source vendored beside the checkout,
# unpacked once into .genn/ (GeNN builds its libraries there once); neither: the run tests skip
GENN_TARBALL := ../shared/vendor/genn-4.9.0.tar.gz
GENN_UNPACKED := .genn/genn-4.9.0
CUDA_VENV := .venv-cuda
# Brian2CUDA 1.0b1 pins brian2 2.10.1, which needs Python >= 3.12
PYTHON_CUDA ?= $(firstword $(foreach p,python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.1[23]*/bin/python3),\
	$(shell $(p) -c 'import sys; assert sys.version_info >= (3, 12); print(sys.executable)' 2>/dev/null)))
# cuRAND for nvcc when the toolkit lacks it: nvidia-curand is CUDA 13's (CUDA 12: nvidia-curand-cu12)
CURAND ?= nvidia-curand>=10.4

$(GENN_VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(GENN_VENV)
	$(GENN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(GENN_VENV)/bin/python -m pip install --quiet -e '.[test,genn]'
	touch $@

$(GENN_UNPACKED)/version.txt:
	mkdir -p .genn && tar -xzf $(GENN_TARBALL) -C .genn && touch $@

test-genn: $(GENN_VENV)/.installed
	@if [ -z "$$GENN_PATH" ] && [ -f $(GENN_TARBALL) ]; then $(MAKE) --no-print-directory $(GENN_UNPACKED)/version.txt; fi
	GENN_PATH="$${GENN_PATH:-$$( [ -d $(GENN_UNPACKED) ] && cd $(GENN_UNPACKED) && pwd )}" \
	$(GENN_VENV)/bin/python -m pytest -q -ra -p no:cacheprovider -m genn tests/core/test_genn.py tests/core/test_genn_run.py

$(CUDA_VENV)/.installed: setup.cfg pyproject.toml
	@test -n "$(PYTHON_CUDA)" || { echo "make test-cuda needs Python >= 3.12 (Brian2CUDA pins brian2 2.10.1): make test-cuda PYTHON_CUDA=/path/to/python3.12"; exit 1; }
	$(PYTHON_CUDA) -m venv $(CUDA_VENV)
	$(CUDA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CUDA_VENV)/bin/python -m pip install --quiet -e '.[test,cuda]' '$(CURAND)'
	touch $@

test-cuda: $(CUDA_VENV)/.installed
	$(CUDA_VENV)/bin/python -m pytest -q -ra -p no:cacheprovider -m cuda tests/core/test_cuda.py

figures: $(STAMP)
	for f in $$($(BIN)/spiketeach figures | awk '{print $$1}'); do $(BIN)/spiketeach figure $$f || exit 1; done

clean:
	rm -rf $(VENV) $(GENN_VENV) $(CUDA_VENV) .genn output .pytest_cache docs/_build
