# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install superspec, run the tour on examples/
#   make test   install everything the tests need (Debian packages, npm tools, PyPI), lint
#               (ruff, mypy) and run them
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLES := examples/projects
LAYERS := --layers examples/layers
DEMO_OUT := out/demo

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
	@echo "== 1. superspec validate: the payments-api chain (project -> department -> company)"
	$(BIN)/superspec validate --spec $(EXAMPLES)/payments-api/superspec.yaml $(LAYERS)
	@echo "== 2. superspec explain: who decided that prod needs an approval, and where?"
	$(BIN)/superspec explain environments.prod.approval --spec $(EXAMPLES)/payments-api/superspec.yaml $(LAYERS)
	$(BIN)/superspec explain environments.prod.approval.required --format json --spec $(EXAMPLES)/payments-api/superspec.yaml $(LAYERS)
	@echo "== 3. a project that tries to drop the company's prod approval is refused (exit 1)"
	@mkdir -p $(DEMO_OUT)
	@printf 'superspec: 1\nkind: project\nname: rogue\nextends: acme/payments\nenvironments: {prod: {approval: {required: false}}}\n' > $(DEMO_OUT)/rogue.yaml
	-$(BIN)/superspec validate --spec $(DEMO_OUT)/rogue.yaml $(LAYERS)
	@echo "== 4. superspec generate: Jenkinsfile + .gitlab-ci.yml for every example project, then --check"
	$(BIN)/superspec generate $(EXAMPLES)/payments-api $(EXAMPLES)/ledger $(EXAMPLES)/storefront $(LAYERS) --out $(DEMO_OUT)
	$(BIN)/superspec generate $(EXAMPLES)/payments-api $(EXAMPLES)/ledger $(EXAMPLES)/storefront $(LAYERS) --out $(DEMO_OUT) --check
	@sed -n '1,40p' $(DEMO_OUT)/payments-api/Jenkinsfile
	@echo "== 5. superspec enforce on the npm and Python examples"
	$(BIN)/superspec enforce --spec $(EXAMPLES)/storefront/superspec.yaml $(LAYERS) --branch main
	$(BIN)/superspec enforce --spec $(EXAMPLES)/ledger/superspec.yaml $(LAYERS) --branch main
	@echo "== done: generated files are in $(DEMO_OUT)/"

test: venv system-deps lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: venv system-deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info
