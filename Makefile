# genorisk: `make demo` runs the workflow on the simulated demo batch; `make test` runs the test suite.
# Both set up what they need first (Debian packages as root, then a Python virtualenv in .venv/).
VENV    := .venv
BIN     := $(VENV)/bin
CORES   ?= 2
PYTHON  ?= python3

.PHONY: setup setup-test demo test test-fast lint clean-demo

$(BIN)/.runtime: requirements.txt apt-packages.txt tools/snakemake-logger-plugin-genorisk/pyproject.toml
	bash tools/install_system_packages.sh apt-packages.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.test: $(BIN)/.runtime requirements-test.txt
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

setup: $(BIN)/.runtime

setup-test: $(BIN)/.test

demo: setup
	$(BIN)/snakemake --cores $(CORES) --workflow-profile workflow/profiles/local
	@echo
	@echo "Reports: results/report/*.html (one per sample); batch QC: results/qc/batch_qc.tsv"

lint: setup-test
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check scripts tests benchmarks
	$(BIN)/ruff format --check scripts tests benchmarks

test: lint
	$(BIN)/pytest -q --durations=25

# The unit lane: every test but those that drive the workflow through Snakemake (marked `workflow`) and those that
# build a reference implementation's own virtualenv (marked `oracle`).
test-fast: setup-test
	$(BIN)/pytest -q -m "not workflow and not oracle"

clean-demo:
	rm -rf results resources logs .snakemake

# `make verify` (or `make verify BATCH=/my/batch`): check a finished batch against its results/manifest.sha256
# without rerunning anything; lists files that differ, are missing or are extra. Needs only Python's standard library.
.PHONY: verify
verify:
	$(PYTHON) scripts/deliver/verify_manifest.py --directory $(or $(BATCH),.) results/manifest.sha256
