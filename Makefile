# Vigil's developer commands. `make` lists them.
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
SQLC_VERSION := v1.31.1
STATICCHECK_VERSION := v0.8.2
SQLC := $(GOBIN)/sqlc
STATICCHECK := $(GOBIN)/staticcheck
FUZZTIME ?= 5s

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: run
# DEV_SECRET_KEY seals secrets of the make-run demo database only; production sets its own
# VIGIL_SECRET_KEY (openssl rand -hex 32).
DEV_SECRET_KEY := 6465762d6f6e6c792d6b65792d6e6f742d666f722d70726f64756374696f6e21

run: ## run Vigil: migrate, seed a demo, serve scheduler + workers + API (:8001) + bot + status (:8002); Ctrl-C stops
	@url="$$(./scripts/dev-postgres.sh)" || exit 1; \
	if [ -n "$$url" ]; then export SCHEDULER_DATABASE_URL="$$url" DATABASE_URL="$$url"; echo "using $$url (make dev-pg-stop stops it)"; fi; \
	$(GO) build -o bin/vigil ./cmd/vigil && \
	SCHEDULER_STARTUP_DELAY=$${SCHEDULER_STARTUP_DELAY:-0} VIGIL_SECRET_KEY=$${VIGIL_SECRET_KEY:-$(DEV_SECRET_KEY)} exec ./bin/vigil serve --demo

.PHONY: test
test: ## run every test with the race detector (needs PostgreSQL; TEST_DATABASE_URL overrides the server)
	$(GO) test -race -count=1 -timeout 10m ./...

.PHONY: fuzz
fuzz: ## run each fuzz target briefly (FUZZTIME=5s, or a count such as 4000x)
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./schedule/
	$(GO) test -run='^$$' -fuzz='^FuzzNext$$' -fuzztime=$(FUZZTIME) ./schedule/
	$(GO) test -run='^$$' -fuzz='^FuzzDecide$$' -fuzztime=$(FUZZTIME) ./jobs/
	$(GO) test -run='^$$' -fuzz='^FuzzValidate$$' -fuzztime=$(FUZZTIME) ./schemas/
	$(GO) test -run='^$$' -fuzz='^FuzzSplit$$' -fuzztime=$(FUZZTIME) ./notify/
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./alerts/
	$(GO) test -run='^$$' -fuzz='^FuzzStep$$' -fuzztime=$(FUZZTIME) ./alerts/
	$(GO) test -run='^$$' -fuzz='^FuzzSchemaAgreement$$' -fuzztime=$(FUZZTIME) ./alerts/
	$(GO) test -run='^$$' -fuzz='^FuzzParseParams$$' -fuzztime=$(FUZZTIME) ./screener/
	$(GO) test -run='^$$' -fuzz='^FuzzParseCommand$$' -fuzztime=$(FUZZTIME) ./telegram/bot/
	$(GO) test -run='^$$' -fuzz='^FuzzTextJSON$$' -fuzztime=$(FUZZTIME) ./textcheck/
	$(GO) test -run='^$$' -fuzz='^FuzzTextString$$' -fuzztime=$(FUZZTIME) ./textcheck/
	$(GO) test -run='^$$' -fuzz='^FuzzOpen$$' -fuzztime=$(FUZZTIME) ./secrets/
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./retryafter/

$(SQLC):
	CGO_ENABLED=1 $(GO) install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION)

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: generate
generate: $(SQLC) ## regenerate db/dbsqlc from db/queries and db/migrations
	$(SQLC) generate

.PHONY: verify
verify: $(SQLC) verify-client ## fail if db/dbsqlc or api/client is stale
	$(SQLC) diff

.PHONY: lint
lint: $(STATICCHECK) ## gofmt, go vet, staticcheck
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

.PHONY: migrate
migrate: ## apply migrations to the configured (or dev) database
	@url="$$(./scripts/dev-postgres.sh)" || exit 1; \
	if [ -n "$$url" ]; then export SCHEDULER_DATABASE_URL="$$url" DATABASE_URL="$$url"; fi; \
	$(GO) run ./cmd/vigil migrate up

.PHONY: dev-pg-stop
dev-pg-stop: ## stop the throwaway PostgreSQL cluster that make run started (when none answered)
	./scripts/dev-postgres.sh stop

.PHONY: build
build: ## build bin/vigil
	$(GO) build -o bin/vigil ./cmd/vigil

.PHONY: bench
bench: build ## run benchmark scenario S1 at N=1000 (SCENARIO=S2 N=10000 ... to change)
	./bin/vigil bench --scenario $${SCENARIO:-S1} $${N:+--n $$N}

.PHONY: chaos
chaos: build ## reliability suite, not in make test: every scenario (~70 min; CHAOS_SCALE=0.1 quick); RESTARTS the local PostgreSQL
	./bin/vigil chaos --scenario $${CHAOS_SCENARIO:-all} --allow-pg-restart

# OpenAPI: lint the API's documents with Redocly CLI (from the npm registry,
# run by npx) and keep the generated Go client api/client in step with the API.
# api/cmd/openapi-dump writes the documents without a database.
REDOCLY_VERSION := 2.77.0
# oapi-codegen's version is pinned once: in the go:generate line of api/client/doc.go.
OAPI_CODEGEN_VERSION = $(shell sed -n 's/.*oapi-codegen@\(v[0-9][0-9.]*\) .*/\1/p' api/client/doc.go)

.PHONY: openapi-lint
openapi-lint: ## lint the OpenAPI 3.1 and 3.0 documents (Redocly CLI, rules in api/redocly.yaml)
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./api/cmd/openapi-dump -o "$$tmp/openapi.json" -o30 "$$tmp/openapi-3.0.json" && \
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	npx --yes @redocly/cli@$(REDOCLY_VERSION) lint --config api/redocly.yaml "$$tmp/openapi.json" "$$tmp/openapi-3.0.json"

.PHONY: generate-client
generate-client: ## regenerate api/client (the Go client) from the API's OpenAPI 3.0 document
	$(GO) generate ./api/client/

.PHONY: verify-client
verify-client: ## fail if api/client is stale (regenerates it into a temporary directory)
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	test -n "$(OAPI_CODEGEN_VERSION)" || { echo "no oapi-codegen@version in api/client/doc.go"; exit 1; }; \
	$(GO) run ./api/cmd/openapi-dump -o30 "$$tmp/openapi-3.0.json" && cp api/client/oapi-codegen.yaml "$$tmp/" && \
	(cd "$$tmp" && $(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@$(OAPI_CODEGEN_VERSION) \
		-config oapi-codegen.yaml openapi-3.0.json) && \
	for f in openapi-3.0.json client.gen.go; do \
		diff -u "api/client/$$f" "$$tmp/$$f" >/dev/null || { echo "api/client/$$f is stale: run make generate-client"; exit 1; }; \
	done
