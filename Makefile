# Two commands matter: `make site` and `make test`. Both set up .venv from requirements.lock first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: site test serve check golden bench lock screenshot clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

site: $(STAMP)  ## validate site-data/, generate docs/, build site/ and dist/ (offline archive)
	$(BIN)/policy-atlas build

test: $(STAMP)  ## run the whole test suite
	$(BIN)/python -m pytest

serve: $(STAMP)  ## live preview on 127.0.0.1:8000, regenerating on site-data/ or templates/ changes
	$(BIN)/policy-atlas serve

check: $(STAMP)
	$(BIN)/policy-atlas check

golden: $(STAMP)  ## rewrite the golden files under tests/golden/ after a deliberate change
	$(BIN)/python -m tests.regen_golden

bench: $(STAMP)  ## time each build stage on the shipped data and a synthetic corpus
	$(BIN)/python bench/bench_build.py --docs 500

lock:  ## re-pin requirements.lock from a clean venv
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[test]'
	( echo "# Exact versions for \`make site\` / \`make test\`; regenerate with \`make lock\`."; \
	  .lock-venv/bin/pip freeze --exclude-editable ) > requirements.lock
	rm -rf .lock-venv

screenshot: site  ## refresh the README screenshot (needs Debian's chromium)
	$(BIN)/python bench/screenshot.py

clean:
	rm -rf site dist .build-tmp
