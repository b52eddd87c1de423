# Two entry points, both self-contained: `make demo` and `make test`.
# Each creates (or reuses) the virtualenv in $(VENV) and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test

.PHONY: demo test check unit functional integration integration-stop bench clean

$(STAMP): setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m normalizer demo

# Every tier: unit and functional (FakeCloud), then integration against real OpenStack
# services installed and started on 127.0.0.1 (needs root for apt; see docs/integration.md).
test: check integration

# The fast tiers only (no OpenStack services): about a minute. Then the examples in the
# docstrings, under the same isolation as the tests (tests/conftest.py as a plugin).
check: $(STAMP)
	$(BIN)/python -m pytest -q --ignore=tests/integration
	$(BIN)/python -m pytest -q -p no:cacheprovider -p tests.conftest --doctest-modules normalizer

integration: $(STAMP)
	tools/openstack-on-loopback/run-integration.sh

integration-stop:
	tools/openstack-on-loopback/stop.sh

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

functional: $(STAMP)
	$(BIN)/python -m pytest -q tests/functional

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis

# normalizer against openstacksdk on the same FakeCloud (its own venv: benchmarks/.venv)
bench:
	benchmarks/run.sh
