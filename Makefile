# Makefile for the Bone and Soft Tissue Oncology protocol handbook.
#
# A fresh clone needs only `make html` or `make test`: every target sets up what
# it needs (virtual environment, pinned packages, npm packages, Chromium for tests).

PYTHON     ?= python3
VENV       ?= .venv
SPHINXOPTS ?=
JOBS       ?= auto
BUILDDIR   ?= _build
PORT       ?= 8000
PYTEST_ARGS ?=
# make test: the date its build carries (SOURCE_DATE_EPOCH), so the tests can compare builds
TEST_EPOCH ?= 1795651200
CHECKOPTS  ?=
# make new
TITLE      ?=
TYPE       ?=
ID         ?=
# make bench
N          ?= 100 300 1000
RUNS       ?= 3
PEERS      ?= 1
# make versions
BASE_URL   ?= /
FORCE      ?=

VENVPY     := $(VENV)/bin/python
SPHINXBUILD := $(VENVPY) -m sphinx
STRICT     := -n -W --keep-going -j $(JOBS)
CHECKER    := PYTHONPATH=tools $(VENVPY) -m protokit
VENV_STAMP := $(VENV)/.installed
NPM_STAMP  := node_modules/.installed

.DEFAULT_GOAL := help
.PHONY: help venv html check test test-fast lint legibility serve linkcheck clean clean-venv browser-deps new bench versions bundle
.PHONY: lint-ruff lint-format lint-imports lint-mypy lint-ci test-html

help: ## show this help
	@echo "Bone and Soft Tissue Oncology protocol handbook"
	@echo
	@echo "Usage: make <target> [VARIABLE=value ...]"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-14s %s\n", $$1, $$2}'
	@echo
	@echo "Variables (override on the command line, e.g. make html JOBS=2):"
	@echo "  PYTHON=$(PYTHON) VENV=$(VENV) JOBS=$(JOBS) BUILDDIR=$(BUILDDIR) PORT=$(PORT)"
	@echo "  SPHINXOPTS='$(SPHINXOPTS)' CHECKOPTS='$(CHECKOPTS)' PYTEST_ARGS='$(PYTEST_ARGS)' TEST_EPOCH=$(TEST_EPOCH)"
	@echo "  make new: TITLE TYPE ID   make bench: N='$(N)' RUNS=$(RUNS) PEERS=$(PEERS)   make versions: BASE_URL=$(BASE_URL) FORCE=1"

$(VENV_STAMP): requirements.txt
	@echo "==> setting up the Python environment in $(VENV) (pinned packages)" >&2
	@test -x $(VENVPY) || $(PYTHON) -m venv $(VENV) >&2
	@$(VENVPY) -m pip install --quiet --disable-pip-version-check -r requirements.txt >&2
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@echo "==> installing npm packages (mermaid, jsdom, axe-core, @panzoom/panzoom) from package-lock.json" >&2
	@command -v npm >/dev/null || { echo "error: npm is not installed; install Node.js 20 (Debian: apt-get install nodejs npm)" >&2; exit 2; }
	@npm ci --no-audit --no-fund --loglevel=error >&2
	@touch $@

venv: $(VENV_STAMP) $(NPM_STAMP) ## create .venv and install pinned Python and npm packages (idempotent)

browser-deps: ## install Debian's chromium for the browser tests when it is missing
	@command -v chromium >/dev/null || { \
	  echo "==> installing Debian chromium (browser tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends chromium; }; }

html: venv ## build the handbook into _build/html (strict: zero warnings)
	$(SPHINXBUILD) -b html $(STRICT) -d $(BUILDDIR)/html.doctrees $(SPHINXOPTS) . $(BUILDDIR)/html
	@echo "==> open $(BUILDDIR)/html/index.html, or run 'make serve'"

# Silent recipe: only the checker's own output reaches stdout, so
# `make check CHECKOPTS="--format json" > report.json` is valid JSON. make turns
# the checker's exit 1 into its own 2; CI that needs 0/1/2 runs the module
# itself: PYTHONPATH=tools .venv/bin/python -m protokit (see .ci/templates).
check: venv ## check every protocol (metadata, sections, references, diagrams, safety)
	@$(CHECKER) $(CHECKOPTS)

# Independent steps: `make -j lint` runs them side by side (make test does).
lint: lint-ruff lint-format lint-imports lint-mypy lint-ci ## ruff, the import layers, mypy, and the CI templates against their schemas

lint-ruff: venv
	$(VENVPY) -m ruff check tools tests conf.py

lint-format: venv
	$(VENVPY) -m ruff format --check tools tests conf.py

lint-imports: venv
	cd tools && ../$(VENV)/bin/lint-imports --config ../pyproject.toml --no-cache

# Incremental: mypy keeps its cache in .mypy_cache.
lint-mypy: venv
	$(VENVPY) -m mypy

lint-ci: venv
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .ci/templates/github/workflows/handbook.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.gitlab-ci .ci/templates/gitlab/.gitlab-ci.yml

# The test session's strict build of the handbook (tests/conftest.py: HANDBOOK_HTML), fresh
# and dated TEST_EPOCH, so pytest never builds the whole handbook a second time except to
# compare a serial build with it (byte-identical). Its exit status goes to TEST_STATUS
# when it ends: the tests that read the build wait for that.
TEST_HTML   := $(BUILDDIR)/test/html
TEST_STATUS := $(BUILDDIR)/test-html.status
TEST_LOG    := $(BUILDDIR)/test-setup.log

test-html: venv
	rm -rf $(BUILDDIR)/test
	SOURCE_DATE_EPOCH=$(TEST_EPOCH) $(SPHINXBUILD) -b html $(STRICT) -d $(BUILDDIR)/test/html.doctrees $(SPHINXOPTS) . $(TEST_HTML); \
	  status=$$?; echo $$status > $(TEST_STATUS); exit $$status

# pytest on every core: a test runs on its own unless it shares a module's fixture or a
# tour with others, and the longest units start first (tests/scheduling.py).
PYTEST_XDIST := -n auto --dist loadgroup

# Lint, the checker and the strict build run side by side in the background while pytest
# starts and runs the tests that do not read the built handbook; those that do wait for
# the build. The background steps' output follows pytest's (and stays in TEST_LOG); make
# test fails when a step or a test failed. (MAKE_COMMAND, not MAKE: make -n test only prints.)
test: venv browser-deps ## everything CI runs: lint, checker, strict build, pytest (incl. browser tests)
	@mkdir -p $(BUILDDIR); rm -f $(TEST_STATUS) $(TEST_LOG).status
	@echo "==> lint, check and the strict build run beside the tests; their output comes after the tests'"
	@trap 'kill 0' INT TERM; \
	( $(MAKE_COMMAND) --no-print-directory -k -j4 --output-sync=target lint check test-html > $(TEST_LOG) 2>&1; \
	  status=$$?; [ -e $(TEST_STATUS) ] || echo $$status > $(TEST_STATUS); echo $$status > $(TEST_LOG).status ) & \
	HANDBOOK_HTML=$(TEST_HTML) HANDBOOK_HTML_STATUS=$(TEST_STATUS) HANDBOOK_EPOCH=$(TEST_EPOCH) \
	  $(VENVPY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS); tests=$$?; \
	wait; echo "==> lint, check and the strict build ($(TEST_LOG)):"; cat $(TEST_LOG); \
	if [ "$$(cat $(TEST_LOG).status)" != 0 ]; then echo "make test: lint, check or the strict build failed (above)" >&2; exit 2; fi; \
	exit $$tests

test-fast: venv ## the quick loop (about 20 s on 2 cores): everything but whole-handbook builds and Chromium
	$(VENVPY) -m pytest -m "not slow" $(PYTEST_XDIST) $(PYTEST_ARGS)

# The preview shows warnings without stopping (no -W): the page still updates while
# an author fixes them; make html and CI stay strict. One Sphinx stays warm between
# saves (protokit.serve), so a save costs the rebuild, not a new Python and Sphinx.
serve: venv ## live preview on http://127.0.0.1:PORT (rebuilds on save; shows checker findings as warnings)
	PYTHONPATH=tools $(VENVPY) -m protokit.serve --port $(PORT) --out $(BUILDDIR)/serve

linkcheck: venv ## check external links (bounded timeout; needs the internet)
	$(SPHINXBUILD) -b linkcheck $(STRICT) -d $(BUILDDIR)/linkcheck.doctrees $(SPHINXOPTS) . $(BUILDDIR)/linkcheck

clean: ## remove build output and caches (keeps .venv and node_modules)
	rm -rf $(BUILDDIR) .cache .pytest_cache

clean-venv: clean ## also remove .venv and node_modules
	rm -rf $(VENV) node_modules

new: venv ## create a protocol: make new TITLE="..." [TYPE=surgery] [ID=BST-SURG-04]
	@PYTHONPATH=tools $(VENVPY) -m protokit.scaffold --title "$(TITLE)" --type "$(TYPE)" --id "$(ID)"

legibility: venv browser-deps ## smallest flowchart text per protocol page at 1280 px, 390 px and in print (after make html)
	PYTHONPATH=tools $(VENVPY) -m protokit.legibility --site $(BUILDDIR)/html

# PEERS=0 skips MkDocs Material (installed on demand into _build/bench/peer-venv, never by html or test).
bench: venv browser-deps ## benchmark ours against MkDocs Material: make bench [N="100 300 1000"] [RUNS=3] [PEERS=0]
	PYTHONPATH=tools $(VENVPY) -m protokit.bench --sizes $(N) --runs $(RUNS) $(if $(filter 0,$(PEERS)),--no-peers)

versions: venv ## build every release tag v* into _build/versions (+ versions.json, latest/)
	PYTHONPATH=tools $(VENVPY) -m protokit.versions --base-url "$(BASE_URL)" $(if $(FORCE),--force)

bundle: venv browser-deps ## downtime bundle: a zip that opens from disk (diagrams as SVG) and a PDF
	PYTHONPATH=tools $(VENVPY) -m protokit.bundle
