# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint score bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/harvest demo

# Debian's chromium + a CJK font for tests/test_browser.py (Playwright cannot download a browser here).
browser:
	dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-microhei)

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The project's own scorer (tests/scoring.py) over its saved pages, page by page: the
# template corpus, then the real pages that guard each family of failure.
score: $(STAMP)
	$(BIN)/python -m tests.scoring tests/fixtures/extraction '$(BIN)/harvest extract {path}' --verbose
	$(BIN)/python -m tests.scoring tests/fixtures/realpages '$(BIN)/harvest extract {path}' --verbose --min-mean 0.95 --min-worst 0.65

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
