# The two commands of the README:
#   make book   set up (venv, packages) and build the book into _build/html
#   make test   set up (venv, packages, Debian's chromium, axe-core for the accessibility tests), build the book,
#               check that it is reproducible, run every test against it
# Pinned data: ../shared/data when it exists (FUTURECITY_SNAPSHOTS may point elsewhere); without it the book is
# built from live pulls.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

FUTURECITY_SNAPSHOTS ?= $(if $(wildcard ../shared/data/uk),$(abspath ../shared/data),)
export FUTURECITY_SNAPSHOTS

.PHONY: book test setup chromium unit reproducible benchmark benchmark-embed benchmark-prose stress lab clean

# axe-core, the accessibility engine of tests/test_a11y.py: the version pinned in tests/package-lock.json, from the
# npm registry, into tests/node_modules (not committed).
AXE := tests/node_modules/axe-core/axe.min.js

book: $(STAMP)
	$(BIN)/futurecity build

# The check of reproducibility comes first: every chapter executed twice (no cache, two PYTHONHASHSEEDs) gives the
# same glued values and chart specs, or make test stops here naming each difference.
test: $(STAMP) chromium $(AXE) book
	$(BIN)/futurecity build --check-reproducible
	$(BIN)/pytest

reproducible: $(STAMP)
	$(BIN)/futurecity build --check-reproducible

unit: $(STAMP)
	$(BIN)/pytest -m "not browser and not build and not site"

setup: $(STAMP) chromium $(AXE)

$(AXE): tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

chromium:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@/usr/bin/chromium --version

benchmark: $(STAMP)
	$(BIN)/python benchmarks/build.py

# How long each chapter page takes to draw its charts at their final width (needs the built book).
benchmark-embed: $(STAMP)
	$(BIN)/python benchmarks/embed.py

# The authors' loop: one word of a chapter's prose changed, until its page shows it (a copy of the project, median
# of 3); PROSE_ARGS="--rev main" times another revision.
benchmark-prose: $(STAMP)
	$(BIN)/python benchmarks/prose_edit.py $(PROSE_ARGS)

# The README's papermill command, verbatim, 30 times per chapter (widgets on; minutes, so not part of make test).
stress: $(STAMP)
	$(BIN)/python benchmarks/papermill_stress.py

# JupyterLab from the venv, at the project root, with the data `make book` uses (FUTURECITY_SNAPSHOTS above).
ALLOW_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) $(ALLOW_ROOT) $(LAB_ARGS)

clean:
	rm -rf _build
