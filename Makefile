# Two entry points, both self-contained: `make demo` and `make test`.
# Each creates (or reuses) the virtualenv in $(VENV) and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test

.PHONY: demo test unit functional bench clean

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m normalizer demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

functional: $(STAMP)
	$(BIN)/python -m pytest -q tests/functional

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis

# normalizer against openstacksdk on the same FakeCloud (its own venv: benchmarks/.venv)
bench:
	benchmarks/run.sh
