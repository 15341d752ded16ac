# Two commands for a newcomer: `make run` (the main job) and `make test` (the fast tier, under
# ten minutes on two cores); `make test-all` adds the slow tier (tests marked `slow`).
# Each bootstraps what it needs: uv, the locked virtualenv, and the Debian packages.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
# Never let a run rewrite uv.lock: the committed lock is the environment.
export UV_FROZEN := 1
STAMP := .venv/.synced-$(shell cat uv.lock pyproject.toml | sha256sum | cut -c1-16)

.PHONY: run test test-all corpus bench setup system-deps uv

run: setup
	$(UV) run cluster-nlp run corpus/pdf --out outputs

test: setup
	$(UV) run pytest -q -m "not slow"

test-all: setup
	$(UV) run pytest -q

corpus: setup
	$(UV) run cluster-nlp corpus render

bench: setup
	$(UV) run python benchmarks/ingest.py

setup: system-deps uv $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv

# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set, every command would
# otherwise compile its libraries from source at each start (seconds, `--help` included).
$(STAMP): uv.lock pyproject.toml | uv
	$(UV) sync --frozen --python 3.11 --compile-bytecode
	@rm -f .venv/.synced-*
	@touch $@

# Known vulnerabilities in the locked packages (needs the PyPI/OSV vulnerability database).
.PHONY: audit
audit: uv
	@req=$$(mktemp) && $(UV) export --frozen --all-groups --no-emit-project --format requirements-txt -o $$req >/dev/null && $(UV) tool run pip-audit --strict --disable-pip --require-hashes -r $$req; status=$$?; rm -f $$req; exit $$status
