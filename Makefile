# The project's commands. `make test` is the one test command (CI runs exactly it); `make run` starts
# the engine against the lab. Both install what they need on a fresh Debian machine (as root).
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_TEST := node --import tsx --test --test-concurrency=1
UNIT := $(sort $(wildcard test/unit/*.test.ts))
INTEGRATION := $(sort $(wildcard test/integration/*.test.ts))

.PHONY: help deps lint typecheck unit integration test run lab-up lab-down lab-status clean

help:
	@echo "make test        lint, start the lab (Asterisk 22 + MariaDB + baresip phones), run all tests"
	@echo "make run         start the lab and run the engine against it (PMS port 5078)"
	@echo "make unit        unit tests only (no lab needed)"
	@echo "make integration integration tests against the running lab"
	@echo "make lab-up | lab-down | lab-status"

# npm ci when node_modules is missing or older than the lock file.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed

typecheck: deps
	npx tsc -p tsconfig.json --noEmit

lint: deps typecheck
	npx eslint .
	npx prettier --check src test bench eslint.config.js package.json tsconfig.json .prettierrc.json

unit: deps
	$(NODE_TEST) $(UNIT)

integration: deps
	$(NODE_TEST) $(INTEGRATION)

# Everything in one runner so its closing summary counts every test; the lab tests fail (never skip)
# if the lab is not up.
test: lint lab-up
	$(NODE_TEST) $(UNIT) $(INTEGRATION)

lab-up:
	bash lab/up.sh

lab-down:
	bash lab/down.sh

lab-status:
	bash lab/status.sh

run: deps lab-up
	set -a && . lab/lab.env && set +a && PMS_LOG_PRETTY=$${PMS_LOG_PRETTY:-true} npx tsx src/main.ts

clean:
	rm -rf dist
