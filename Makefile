# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install superspec, run the tour on examples/
#   make test   install everything the tests need (Debian packages, npm tools, PyPI), run them
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLES := examples/projects
LAYERS := --layers examples/layers

.PHONY: venv system-deps demo test lint bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dev,bench]'
	touch $@

system-deps:
	bash .ci/install-system-deps.sh

demo: venv
	@echo "== superspec validate: the payments-api chain (project -> department -> company)"
	$(BIN)/superspec validate --spec $(EXAMPLES)/payments-api/superspec.yaml $(LAYERS)
	@echo "== superspec explain: who decided that prod needs an approval?"
	$(BIN)/superspec explain environments.prod.approval --spec $(EXAMPLES)/payments-api/superspec.yaml $(LAYERS)
	@echo "== superspec explain --format json"
	$(BIN)/superspec explain environments.prod.approval.required --format json --spec $(EXAMPLES)/payments-api/superspec.yaml $(LAYERS)
	@echo "== every example project"
	@for p in $(EXAMPLES)/*/; do $(BIN)/superspec validate --spec $$p/superspec.yaml $(LAYERS) || exit 1; done

test: venv system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: venv
	$(BIN)/ruff check src tests
	$(BIN)/mypy

bench: venv system-deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info
