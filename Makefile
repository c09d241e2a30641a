# The project's commands. `make test` is the one test command (CI runs exactly it); `make run` starts
# the engine against the lab. Both install what they need on a fresh Debian machine (as root).
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Every test has a deadline (10 min, longer than any test needs): a regression fails, it never hangs.
NODE_TEST := node --import tsx --test --test-concurrency=1 --test-timeout=600000
UNIT := $(sort $(wildcard test/unit/*.test.ts))
INTEGRATION := $(sort $(wildcard test/integration/*.test.ts))
# The operator console in Debian's Chromium (installed by lab/up.sh), against the lab.
BROWSER := $(sort $(wildcard test/browser/*.test.ts))
# Each fault scenario disturbs the lab and puts it back (lab/faults.sh restore).
FAULTS := $(sort $(wildcard test/faults/*.test.ts))

.PHONY: help deps build lint typecheck unit integration faults test bench run lab lab-stop lab-up lab-down lab-status lab-galera clean sounds

help:
	@echo "make test        lint, start the lab (Asterisk 22 + MariaDB + baresip phones), run all tests"
	@echo "make run         start the lab and run the engine against it (PMS port 5078)"
	@echo "make build       compile the engine into dist/ (what make run, make lab, Docker and systemd start)"
	@echo "make unit        unit tests only (no lab needed)"
	@echo "make integration integration and browser tests against the running lab"
	@echo "make faults      the fault suite against the running lab (restarts, freezes, cuts, kills)"
	@echo "make bench       every benchmark on the lab (bench/README.md); they print figures, never fail on them"
	@echo "make lab         the lab plus the engine in the background, and how to register a softphone"
	@echo "make lab-stop    stop the engine of make lab and the lab"
	@echo "make lab-up | lab-down | lab-status"
	@echo "make lab-galera  the three-node MariaDB Galera cluster of the failover tests (lab/galera.sh up)"
	@echo "make sounds      rebuild the wake-up prompts (sounds/) from text"

# npm ci when node_modules is missing or older than the lock file.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed

# The compiled engine, `node dist/src/main.js`: what `make run`, `make lab` (lab/engine.sh), the Docker
# image and the systemd unit start; no TypeScript compiler at run time. Rebuilt from scratch (no stale
# module of a deleted source) when anything under src/ changed: a file, or a directory (a file removed).
BUILD_INPUTS := $(shell find src) tsconfig.json tsconfig.build.json package.json
dist/src/main.js: $(BUILD_INPUTS)
	rm -rf dist
	npm run build
	@touch $@

build: deps dist/src/main.js

typecheck: deps
	npx tsc -p tsconfig.json --noEmit

lint: deps typecheck
	npx eslint .
	npx prettier --check src test bench eslint.config.js package.json tsconfig.json .prettierrc.json

unit: deps
	$(NODE_TEST) $(UNIT)

integration: deps
	bash lab/engine.sh stop
	$(NODE_TEST) $(INTEGRATION) $(BROWSER)

# Two runs: unit, integration and browser tests in one runner (its closing summary counts them all), then the
# fault suite, which restarts, freezes and kills the lab's servers and so goes last (the runner would
# sort the files of one run). The second runs even when the first failed; either failing fails `make
# test`. The lab tests fail (never skip) if the lab is not up.
test: lint lab-up
	bash lab/engine.sh stop
	status=0; $(NODE_TEST) $(UNIT) $(INTEGRATION) $(BROWSER) || status=1; $(NODE_TEST) $(FAULTS) || status=1; exit $$status

faults: deps
	bash lab/engine.sh stop
	$(NODE_TEST) $(FAULTS)

# Every benchmark, each printing its figures beside the floor it measures in the same run. Not part of
# `make test`: figures on a busy machine are not a pass or a fail. pms-commands also runs getcdr.
bench: build lab-up
	bash lab/engine.sh stop
	npx tsx bench/pms-commands.ts
	npx tsx bench/wakeup-burst.ts
	npx tsx bench/console-board.ts

# The lab generates its rooms' endpoints with pms-provision (node), hence deps.
lab-up: deps
	bash lab/up.sh

# The engine of `make lab` shares the lab with the tests' engines: make test/integration stop it.
lab: lab-up build
	bash lab/engine.sh start

lab-stop:
	bash lab/engine.sh stop
	bash lab/down.sh

lab-down:
	bash lab/down.sh

lab-status:
	bash lab/status.sh

# Not part of lab-up: the tests that need the cluster start it themselves (lab/galera.sh up is
# idempotent); lab-down stops it. `LAB_GALERA=1 make lab-up` starts it with the lab.
lab-galera:
	bash lab/galera.sh up

# The compiled engine, as a hotel runs it (pretty log lines on a terminal: pino-pretty, a dev dependency).
run: deps lab-up build
	set -a && . lab/lab.env && set +a && PMS_LOG_PRETTY=$${PMS_LOG_PRETTY:-true} node dist/src/main.js

clean:
	rm -rf dist

# The wake-up prompts (sounds/<format>/pms-wakeup*.*), rebuilt from text; the output is committed.
sounds:
	bash sounds/build.sh
