# kapnotes: `make run` opens the app, `make test` runs every check headless.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck layers pytest faults bench demo dist clean

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

DIST_STAMP := $(VENV)/.dist-stamp
$(DIST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dist]'
	@touch $(DIST_STAMP)

run: $(STAMP)
	$(BIN)/python -m kapnotes

demo: $(STAMP)
	$(BIN)/python -m kapnotes demo

test: $(STAMP) lint typecheck layers pytest

lint: $(STAMP)
	$(BIN)/ruff check kapnotes tests build_spec setup.py
	$(BIN)/ruff format --check kapnotes tests build_spec setup.py

typecheck: $(STAMP)
	$(BIN)/mypy kapnotes

layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# The big-vault sizes are parameters (a smaller run fits in CI time), e.g.
# make bench BENCH_CLIENTS=200 BENCH_NOTES=2000 BENCH_ENTRIES=20000 BENCH_JSON=figures.json
BENCH_CLIENTS ?= 2000
BENCH_NOTES ?= 20000
BENCH_ENTRIES ?= 200000
BENCH_JSON ?=
BENCH_GROWTH ?= 1000,5000
# Fault tests at scale (byte flips, kill -9 during saves, 1,000 wrong passphrases):
# a few minutes, so not part of `make test`.
faults: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/faults -m faults -s -q -p no:randomly

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/benchmarks -s -q -p no:randomly
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.benchmarks.big_vault \
		--clients $(BENCH_CLIENTS) --notes $(BENCH_NOTES) --entries $(BENCH_ENTRIES) \
		--growth "$(BENCH_GROWTH)" $(if $(BENCH_JSON),--json $(BENCH_JSON))
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.benchmarks.bundle_start

# The desktop bundle (build_spec/): build it, run the BUILT executable's self-test
# headless, print its size; then the tests that need the bundle (skipped elsewhere).
dist: $(DIST_STAMP)
	$(BIN)/python build_spec/build.py
	QT_QPA_PLATFORM=offscreen KAPNOTES_BUNDLE_REQUIRED=1 $(BIN)/python -m pytest -q tests/test_bundle.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
