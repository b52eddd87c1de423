# Two entry points, both self-contained: `make demo` and `make test`.
# Each creates (or reuses) the virtualenv in $(VENV) and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test
SHELL  := bash

.PHONY: demo test check packaging ansible shared-cache unit functional integration integration-stop bench clean cli-docs

# $(call phase,WHAT,HOW LONG,COMMAND): say what runs and about how long it takes, run it, then
# say how long it took; fails as COMMAND failed. (A comma inside an argument is $(comma).)
comma := ,
phase = @printf '\n== %s%s\n' '$(1)' '$(if $(2), ($(2)))'; t0=$$SECONDS; rc=0; $(3) || rc=$$?; \
	if ((rc)); then printf '== %s: FAILED (exit %d) after %d s\n' '$(1)' $$rc $$((SECONDS - t0)); \
	else printf '== %s: %d s\n' '$(1)' $$((SECONDS - t0)); fi; exit $$rc

$(STAMP): setup.cfg setup.py pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# A venv made before the rename holds the distribution "normalizer", whose script replaced
	@# charset-normalizer's bin/normalizer: remove it, then give charset-normalizer its script back.
	@if $(BIN)/python -m pip show --quiet normalizer >/dev/null 2>&1; then \
	    echo "== removing the distribution 'normalizer' from $(VENV) (it is openstack-normalizer now)"; \
	    $(BIN)/python -m pip uninstall --quiet --yes normalizer; \
	    cn="$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("charset-normalizer"))' 2>/dev/null)"; \
	    if [[ -n "$$cn" ]]; then $(BIN)/python -m pip install --quiet --force-reinstall --no-deps "charset-normalizer==$$cn"; fi; \
	fi
	$(call phase,installing normalizer and its test tools into $(VENV),the first time about 1 min,\
		$(BIN)/python -m pip install --quiet --upgrade pip && $(BIN)/python -m pip install --quiet -e '.[test]')
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m normalizer demo

# Every tier: unit and functional (FakeCloud), the docstring examples, the packaging test
# (the wheel in a fresh virtualenv next to requests), the Ansible collection (built, installed,
# its tests and ansible-test sanity), then integration against real OpenStack services
# installed and started on 127.0.0.1 (needs root for apt; see docs/integration.md).
# Each phase says what it does before it starts and how long it took when it ends.
test: check packaging ansible shared-cache integration
	@printf '\n== make test: every tier passed\n'

# The fast tiers only (no OpenStack services, no network): one to two minutes. Then the examples
# in the docstrings, under the same isolation as the tests (tests/conftest.py as a plugin).
check: $(STAMP)
	$(call phase,unit and functional tests,about 1-2 min,\
		$(BIN)/python -m pytest -q --ignore=tests/integration --ignore=tests/packaging --ignore=tests/ansible \
			--ignore=tests/shared_cache)
	$(call phase,docstring examples,about 10 s,\
		$(BIN)/python -m pytest -q -p no:cacheprovider -p tests.conftest --doctest-modules normalizer)

# The wheel, built from a copy of the tree and installed into a fresh virtualenv after
# requests (whose charset-normalizer owns the `normalizer` script). Needs the package index.
packaging: $(STAMP)
	$(call phase,packaging: build the wheel$(comma) install it next to requests,about 1 min$(comma) needs PyPI,\
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/packaging)

# The normalizer.cloud collection: ansible-galaxy build and install (offline) and ansible-doc on
# every plugin of the installed copy, pytest tests/ansible (the real ansible-playbook and
# ansible-inventory against FakeClouds on 127.0.0.1), then ansible-test sanity. Each step prints
# its time; `tools/ansible-tier.sh STEP...` runs some of them. See docs/ansible.md.
ansible: $(STAMP)
	$(call phase,ansible: build and install the collection$(comma) ansible-doc$(comma) tests/ansible$(comma) ansible-test sanity,about 1 min$(comma) the first time 2 min$(comma) needs PyPI,\
		tools/ansible-tier.sh)

# Two processes sharing one dogpile cache in a real memcached on 127.0.0.1 (apt installs
# memcached when missing; the test starts and stops its own instance).
shared-cache: $(STAMP)
	$(call phase,shared cache: two processes and one memcached on 127.0.0.1,about 15 s$(comma) needs apt the first time,\
		tools/shared-cache-tier.sh)

# Stops the services it started when done; NORMALIZER_KEEP_OPENSTACK=1 keeps them for a faster rerun.
integration: $(STAMP)
	$(call phase,integration: real OpenStack services on 127.0.0.1,about 7 min from nothing$(comma) 4-5 min warm,\
		tools/openstack-on-loopback/run-integration.sh)

integration-stop:
	tools/openstack-on-loopback/stop.sh

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

functional: $(STAMP)
	$(BIN)/python -m pytest -q tests/functional

# docs/cli.md is generated from the parser; a test fails when it drifts
cli-docs: $(STAMP)
	$(BIN)/python tools/gen_cli_docs.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis

# normalizer against openstacksdk on the same FakeCloud (its own venv: benchmarks/.venv)
bench:
	benchmarks/run.sh
