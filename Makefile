# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint score bench clean browser attachment-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP) attachment-tools
	$(BIN)/harvest demo

# Debian's chromium + a CJK font for tests/test_browser.py (Playwright cannot download a browser here).
browser:
	dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-microhei)

# LibreOffice reads DOC/WPS attachments and makes the test files (CJK fonts for its PDFs);
# Info-ZIP makes a zip with GBK member names as Windows does.
ATTACHMENT_DEBS := libreoffice-writer-nogui libreoffice-calc-nogui fonts-wqy-microhei zip
attachment-tools:
	dpkg -s $(ATTACHMENT_DEBS) >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(ATTACHMENT_DEBS))

test: $(STAMP) browser attachment-tools
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

score: $(STAMP)
	$(BIN)/python ../shared/eval/score.py tests/fixtures/extraction '$(BIN)/harvest extract {path}' --verbose

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
