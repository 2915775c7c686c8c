# newsmill: `make demo` and `make test` set up everything on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: install demo test lint typecheck bench bench-scale clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,dask]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/newsmill demo

test: $(STAMP)
	$(BIN)/ruff check newsmill tests benchmarks scripts
	$(BIN)/mypy
	bash scripts/test-services.sh start
	$(BIN)/pytest; status=$$?; bash scripts/test-services.sh stop; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check newsmill tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	bash scripts/test-services.sh start
	$(BIN)/python -m benchmarks.run; status=$$?; bash scripts/test-services.sh stop; exit $$status

bench-scale: $(STAMP)
	bash scripts/test-services.sh start
	timeout 6h $(BIN)/python -m benchmarks.scale_bench $(SCALE_ARGS); status=$$?; bash scripts/test-services.sh stop; exit $$status

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
