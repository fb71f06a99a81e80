# Two commands on a fresh machine: `make demo` and `make test` (README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_SECRET ?= demo-secret-not-for-production

.PHONY: install demo test test-all lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: here it is a local CPU build; an open range would pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	VOC_PIPELINE_SECRET=$${VOC_PIPELINE_SECRET:-$(DEMO_SECRET)} $(BIN)/voc-pipeline run --config configs/default.yaml --output out/demo

# the test run also installs the optional Ray extra: `--engine ray` is tested against a local Ray
test: install $(VENV)/.ray-installed
	$(BIN)/pytest

$(VENV)/.ray-installed: $(STAMP)
	$(BIN)/pip install -q -e ".[dev,ray]"
	touch $@

test-all: install $(VENV)/.ray-installed
	$(BIN)/pytest -m "slow or not slow"

lint: install
	$(BIN)/ruff check src tests benchmarks scripts

bench: install
	$(BIN)/python benchmarks/throughput.py --records 20000

clean:
	rm -rf out .pytest_cache
