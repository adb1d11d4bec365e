# servicehub — every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= uv
PYTEST_ARGS ?=

.PHONY: help setup run test unit integration fuzz soak lint proto proto-check dashboards dashboards-check breaking bench clean k8s-check images image-check

# Tools installed with `go install` (kustomize, kubeconform for k8s-check) are found here.
export PATH := $(shell go env GOPATH 2>/dev/null)/bin:$(PATH)

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: ## install the Python workspace, buf, and the Kafka broker jars
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	npm ci --silent --no-audit --no-fund
	$(UV) run --frozen python -m servicehub_localinfra fetch-kafka

run: setup ## start Kafka and the four services, play a demo, run until Ctrl-C
	$(UV) run --frozen python tools/run.py

# Each run gets its own temp folder, removed afterwards (0711: PostgreSQL's user must enter it).
PYTEST = tmp=$$(mktemp -d -t servicehub-tests.XXXXXX) && chmod 0711 "$$tmp" && trap 'rm -rf "$$tmp"' EXIT && \
	TMPDIR="$$tmp" $(UV) run --frozen pytest

test: setup lint proto-check dashboards-check image-check ## lint, images, unit, component and integration tests (real broker, real processes)
	$(PYTEST) $(PYTEST_ARGS)

unit: ## the fast tests only (no broker)
	$(PYTEST) --ignore=tests/integration $(PYTEST_ARGS)

integration: ## the system on a real broker only
	$(PYTEST) tests/integration $(PYTEST_ARGS)

fuzz: ## every gRPC method fed 100,000 generated requests, every consumed topic 100,000 batches of records (prints the counts)
	export FUZZ_CASES=$${FUZZ_CASES:-100000} && $(PYTEST) -s --timeout=7200 tests/fuzz $(PYTEST_ARGS)

soak: setup ## chaos run: load for minutes while services and the broker are SIGKILLed; checks nothing lost or repeated (prints JSON)
	tmp=$$(mktemp -d -t servicehub-soak.XXXXXX) && chmod 0711 "$$tmp" && trap 'rm -rf "$$tmp"' EXIT && \
		TMPDIR="$$tmp" $(UV) run --frozen python tools/soak.py

lint: ## buf lint on the contracts, ruff on the Python code
	npx --no-install buf lint
	$(UV) run --frozen ruff check .

dashboards: ## regenerate the Grafana dashboards (deploy/grafana/dashboards) from tools/dashboards.py
	$(UV) run --frozen python tools/dashboards.py

dashboards-check: ## fail if the committed dashboards are stale
	$(UV) run --frozen python tools/dashboards.py --check

breaking: ## breaking-change check of proto/ against main
	npx --no-install buf breaking --against '.git#branch=main'

proto: ## regenerate the Python contracts from proto/
	tools/protogen

proto-check: ## fail if the committed generated contracts are stale
	tools/protogen --check

k8s-check: ## render deploy/k8s overlays and validate them offline (also in `make test`)
	tools/k8s-check

images: setup ## build the service images with podman (base image made with debootstrap, cached)
	$(UV) run --frozen python tools/images.py build

image-check: setup ## build every image and run each on a local broker until gRPC health is SERVING
	$(UV) run --frozen python tools/images.py check

bench: setup ## benchmarks (not part of the tests)
	@for b in bench/bench_*.py; do echo "== $$b"; $(UV) run --frozen python $$b || exit 1; done

clean: ## remove local state: service data, caches (not the Kafka jars)
	rm -rf var .pytest_cache .hypothesis
