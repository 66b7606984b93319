# The two set-up commands of the README: `make serve` (the main job) and `make test` (lint, then the whole suite).
# Both create .venv and install paramstack with what it needs on first use (again when pyproject changes).
# Neither installs system packages: `make chromium` is its own step (.ci/run runs it before `make test`).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: serve test install default-model bench lint chromium

serve: $(STAMP)
	$(BIN)/paramstack init --demo
	$(BIN)/paramstack serve

test: $(STAMP) lint
	$(BIN)/pytest

install: $(STAMP)

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch==2.13.0 (CPU) first, so no resolver ever reaches for a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# Rebuild the embedded default model and demo adapters shipped in src/paramstack/assets/.
default-model: $(STAMP)
	$(BIN)/python -m paramstack.train.default_model --output-dir src/paramstack/assets

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

# ruff, then mypy (its configuration, strictness per package and the reasons, is [tool.mypy] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The browser tests (tests/web: labelling page, console) drive Debian's Chromium through Playwright's
# executable_path: a distribution package, never a browser downloaded by `playwright install`.
# A separate step (needs root: apt-get); without Chromium those tests skip and say so (they fail under CI=true).
chromium:
	-test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
