# Vigil's developer commands. `make` lists them.
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
SQLC_VERSION := v1.31.1
STATICCHECK_VERSION := 2026.2.2
SQLC := $(GOBIN)/sqlc
STATICCHECK := $(GOBIN)/staticcheck
FUZZTIME ?= 5s

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: run
run: ## run Vigil: migrate, seed a demo, serve scheduler + workers + status on :8002 (Ctrl-C stops)
	@url="$$(./scripts/dev-postgres.sh)"; \
	if [ -n "$$url" ] && [ -z "$${DATABASE_URL:-}$${SCHEDULER_DATABASE_URL:-}" ]; then export DATABASE_URL="$$url"; fi; \
	SCHEDULER_STARTUP_DELAY=$${SCHEDULER_STARTUP_DELAY:-0} $(GO) run ./cmd/vigil serve --demo

.PHONY: test
test: ## run every test with the race detector (needs PostgreSQL; TEST_DATABASE_URL overrides the server)
	$(GO) test -race -count=1 -timeout 10m ./...

.PHONY: fuzz
fuzz: ## run each fuzz target briefly (FUZZTIME=5s)
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./schedule/
	$(GO) test -run='^$$' -fuzz='^FuzzNext$$' -fuzztime=$(FUZZTIME) ./schedule/
	$(GO) test -run='^$$' -fuzz='^FuzzDecide$$' -fuzztime=$(FUZZTIME) ./jobs/
	$(GO) test -run='^$$' -fuzz='^FuzzValidate$$' -fuzztime=$(FUZZTIME) ./schemas/
	$(GO) test -run='^$$' -fuzz='^FuzzSplit$$' -fuzztime=$(FUZZTIME) ./notify/
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./alerts/
	$(GO) test -run='^$$' -fuzz='^FuzzStep$$' -fuzztime=$(FUZZTIME) ./alerts/

$(SQLC):
	CGO_ENABLED=1 $(GO) install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION)

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: generate
generate: $(SQLC) ## regenerate db/dbsqlc from db/queries and db/migrations
	$(SQLC) generate

.PHONY: verify
verify: $(SQLC) ## fail if db/dbsqlc is stale
	$(SQLC) diff

.PHONY: lint
lint: $(STATICCHECK) ## gofmt, go vet, staticcheck
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

.PHONY: migrate
migrate: ## apply migrations to the configured (or dev) database
	@url="$$(./scripts/dev-postgres.sh)"; \
	if [ -n "$$url" ] && [ -z "$${DATABASE_URL:-}$${SCHEDULER_DATABASE_URL:-}" ]; then export DATABASE_URL="$$url"; fi; \
	$(GO) run ./cmd/vigil migrate up

.PHONY: build
build: ## build bin/vigil
	$(GO) build -o bin/vigil ./cmd/vigil

.PHONY: bench
bench: build ## run benchmark scenario S1 at N=1000 (SCENARIO=S2 N=10000 ... to change)
	./bin/vigil bench --scenario $${SCENARIO:-S1} $${N:+--n $$N}
