# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint score bench clean browser redis

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

# Debian's redis-server for tests/test_distributed.py (each test starts its own on a free port).
redis:
	dpkg -s redis-server >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server)

test: $(STAMP) browser redis
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

score: $(STAMP)
	$(BIN)/python ../shared/eval/score.py tests/fixtures/extraction '$(BIN)/harvest extract {path}' --verbose

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
