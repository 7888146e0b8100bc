# The two commands of the README: `make run` and `make test`. Both install what they need.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run fleet test bench tour lint typecheck system-deps clean

$(STAMP): pyproject.toml scripts/install-system-deps.sh
	./scripts/install-system-deps.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

system-deps:
	./scripts/install-system-deps.sh

run: $(STAMP)
	$(VENV)/bin/kiosk --simulate

fleet: $(STAMP)
	$(PY) -m fleet.demo

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	@for f in bench/bench_*.py; do QT_QPA_PLATFORM=offscreen $(PY) $$f || exit 1; done

tour: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/kiosk --simulate --tour tour

lint: $(STAMP)
	$(VENV)/bin/ruff check kiosk devices services_catalog printing fleet tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict kiosk/flow kiosk/session.py devices/status.py services_catalog/model.py services_catalog/catalog.py \
	  devices/idcard devices/camera/quality.py devices/camera/liveness.py devices/printer printing \
	  kiosk/store kiosk/fleet_link kiosk/sdnotify.py kiosk/serving.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache tour
