# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per install: `make demo` needs only what running needs; the test and benchmark
# extras are installed by the targets that use them.
RUNTIME := $(VENV)/.installed-runtime
TESTING := $(VENV)/.installed-test
BENCHING := $(VENV)/.installed-bench

.PHONY: demo test test-fast lint score bench clean browser attachment-tools redis

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUNTIME): $(BIN)/python pyproject.toml
	@echo "installing harvest and its runtime dependencies into $(VENV) ..."
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TESTING): $(RUNTIME)
	@echo "installing the test tools (pytest, ruff, playwright, jsonschema) ..."
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(BENCHING): $(RUNTIME)
	@echo "installing the benchmark extras (datasketch) ..."
	$(BIN)/python -m pip install -q -e '.[bench]'
	touch $@

demo: $(RUNTIME) attachment-tools
	$(BIN)/harvest demo

# Debian's chromium + a CJK font for tests/test_browser.py (Playwright cannot download a browser here).
browser:
	dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-microhei)

# LibreOffice reads DOC/WPS attachments and makes the test files (CJK fonts for its PDFs);
# Info-ZIP makes a zip with GBK member names as Windows does.
ATTACHMENT_DEBS := libreoffice-writer-nogui libreoffice-calc-nogui fonts-wqy-microhei zip
attachment-tools:
	dpkg -s $(ATTACHMENT_DEBS) >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(ATTACHMENT_DEBS))

# Debian's redis-server for tests/test_distributed.py (each test starts its own on a free port).
redis:
	dpkg -s redis-server >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server)

test: $(TESTING) browser attachment-tools redis
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The fast layer: no test that starts a process or a server.
test-fast: $(TESTING)
	$(BIN)/python -m pytest -q -m "not e2e"

# The project's own scorer (tests/scoring.py) over its saved pages, page by page: the
# template corpus, then the real pages that guard each family of failure.
score: $(TESTING)
	$(BIN)/python -m tests.scoring tests/fixtures/extraction '$(BIN)/harvest extract {path}' --verbose
	$(BIN)/python -m tests.scoring tests/fixtures/realpages '$(BIN)/harvest extract {path}' --verbose --min-mean 0.95 --min-worst 0.65

bench: $(BENCHING)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
