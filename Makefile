# Two commands matter: `make site` and `make test`. Both set up .venv from requirements.lock first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JUDGES := node_modules/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: site test serve check golden bench intake-score themes-score targets-score lock screenshot clean browsers

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

site: $(STAMP)  ## validate site-data/, generate docs/, build site/ and dist/ (offline archive)
	$(BIN)/policy-atlas build

test: $(STAMP) $(JUDGES) browsers  ## run the whole test suite, browser tests and outside judges included
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium through Playwright (never a browser Playwright downloads);
# CJK fonts make the screenshots readable; vnu.jar (the Nu HTML Checker) runs on Debian's Java.
browsers:  ## install Debian's chromium, CJK fonts and a Java runtime when missing (apt-get)
	@if ! command -v chromium >/dev/null || ! command -v java >/dev/null \
	    || ! { command -v fc-list >/dev/null && fc-list :lang=zh | grep -q .; }; then \
	  echo "installing chromium, fonts-noto-cjk and default-jre-headless with apt-get"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-noto-cjk default-jre-headless >/dev/null; \
	fi

# axe-core and vnu-jar, pinned by package-lock.json
$(JUDGES): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(JUDGES)

serve: $(STAMP)  ## live preview on 127.0.0.1:8000, regenerating on site-data/ or templates/ changes
	$(BIN)/policy-atlas serve

check: $(STAMP)
	$(BIN)/policy-atlas check

golden: $(STAMP)  ## rewrite the golden files under tests/golden/ after a deliberate change
	$(BIN)/python -m tests.regen_golden

bench: $(STAMP)  ## time each build stage on the shipped data and a synthetic corpus
	$(BIN)/python bench/bench_build.py --docs 500

intake-score: $(STAMP)  ## import the 32 real pages of tests/corpus as a new user would; score every field against the manifest
	$(BIN)/python bench/intake_score.py --files --misses

themes-score: $(STAMP)  ## classify the seeds and the real pages' first units; score every unit against tests/themes_gold.yaml
	$(BIN)/python bench/themes_score.py --misses

targets-score: $(STAMP)  ## read the seeds' quantitative targets; score them against tests/targets_gold.yaml
	$(BIN)/python bench/targets_score.py --misses

lock:  ## re-pin requirements.lock from a clean venv
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[test,dask]'
	( echo "# Exact versions for \`make site\` / \`make test\`; regenerate with \`make lock\`."; \
	  .lock-venv/bin/pip freeze --exclude-editable ) > requirements.lock
	rm -rf .lock-venv

screenshot: site  ## refresh the README screenshot (needs Debian's chromium)
	$(BIN)/python bench/screenshot.py

clean:
	rm -rf site dist .build-tmp test-artifacts
