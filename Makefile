# kubehop. `make demo` runs kubehop on the built-in local cluster; `make test`
# runs every test. Both build the local cluster's binaries first (minutes the
# first time; cached in $KUBEHOP_CACHE or ~/.cache/kubehop afterwards).

GO      ?= go
BIN     := bin/kubehop
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/kubehop/kubehop/internal/buildinfo.version=$(VERSION)
# Extra arguments for the demo, e.g. make demo ARGS=--keep
ARGS    ?=

.PHONY: all build bins chromium demo test unit vet fmt clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubehop

# etcd, kwok and kube-apiserver/controller-manager/scheduler/kubectl for
# every pinned Kubernetes version, each built only when missing.
bins:
	hack/build-bins.sh all

# Headless Chromium for the HTML report tests (Debian's package).
chromium:
	hack/install-chromium.sh

demo: bins build
	$(BIN) demo $(ARGS)

test: bins chromium vet
	@echo "==> go test ./... (unit tests, then end-to-end tests on the local cluster)"
	$(GO) test -count=1 -timeout 45m ./...
	@echo "==> go test in hack/apidata (the removed-API data generator)"
	$(GO) -C hack/apidata test -count=1 ./...

# Tests that need no cluster.
unit:
	$(GO) test -count=1 ./internal/...

vet:
	$(GO) vet ./...
	$(GO) -C hack/apidata vet ./...
	@test -z "$$(gofmt -l cmd internal test bench hack)" || { echo "gofmt needed:"; gofmt -l cmd internal test bench hack; exit 1; }

fmt:
	gofmt -w cmd internal test bench hack

clean:
	rm -rf bin
