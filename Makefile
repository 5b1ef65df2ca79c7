# Plateau: see README.md.
GO      ?= go
BIN     ?= bin/plateau
PKGS    ?= ./...
# go test flags for `make test`; CI uses the defaults.
TESTFLAGS ?= -race -count=1 -timeout 20m

.PHONY: all build test check fmt vet unit deps bench demo clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/plateau

# make demo HTTP=127.0.0.1:9000 SIP=127.0.0.1:5070 ARGS="--agent-bots 3"
HTTP    ?=
SIP     ?=
ARGS    ?=

## demo: run Plateau's main job on its embedded defaults (HTTP=, SIP=, ARGS= change them).
demo: build
	./$(BIN) demo $(if $(HTTP),--http $(HTTP)) $(if $(SIP),--sip $(SIP)) $(ARGS)

## test: formatting, vet, then every test with the race detector.
test: check unit

check: fmt vet

fmt:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

unit: deps
	PLATEAU_REQUIRE_POSTGRES=1 $(GO) test $(TESTFLAGS) $(PKGS)

## deps: start (or install) what the tests need: PostgreSQL, Chromium, baresip.
deps:
	@bash scripts/test-deps.sh

## bench: the routing-core and planning benchmarks (figures in README).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./internal/acd/ ./internal/wfm/...

clean:
	rm -rf bin test-artifacts
