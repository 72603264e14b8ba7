# Stowage — build, test and run the provider.
#
#   make sandbox   local control plane + local clouds + provider + examples, Ready
#   make test      unit and integration tests (builds the control plane once)

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

K8S_VERSION  ?= 1.35.4
ETCD_VERSION ?= 3.6.16
CACHE_DIR    ?= $(HOME)/.cache/stowage
ASSETS       ?= $(CACHE_DIR)/k8s/$(K8S_VERSION)
BIN          := $(CURDIR)/bin
GO_TEST_FLAGS ?= -count=1 -timeout 30m

export KUBEBUILDER_ASSETS := $(ASSETS)

.PHONY: all build test vet generate check-generate tools control-plane moto sandbox sandbox-stop run image help

all: build

help: ## Show this help.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## Build the provider binary into bin/.
	go build -o $(BIN)/provider ./cmd/provider

tools: $(BIN)/controller-gen $(BIN)/angryjet $(BIN)/crd-ref-docs ## Build the pinned code generators.

$(BIN)/controller-gen $(BIN)/angryjet $(BIN)/crd-ref-docs: hack/tools/go.mod hack/tools/go.sum
	cd hack/tools && go build -o $(BIN)/ sigs.k8s.io/controller-tools/cmd/controller-gen github.com/crossplane/crossplane-tools/cmd/angryjet github.com/elastic/crd-ref-docs

generate: tools ## Regenerate deepcopy, method sets, CRDs (package/crds) and the API reference (docs/api).
	cd apis && go generate -tags generate ./...
	rm -rf docs/api && mkdir -p docs/api
	$(BIN)/crd-ref-docs --source-path=./apis --config=hack/apidocs/config.yaml --renderer=markdown --output-mode=group --output-path=docs/api --log-level=ERROR

check-generate: generate ## Fail if generated code is out of date.
	@git diff --exit-code -- apis package docs/api || { echo "generated code is stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- apis package docs/api)" || { git status --short -- apis package docs/api; echo "generated files are not committed: run 'make generate' and commit"; exit 1; }

control-plane: $(ASSETS)/kube-apiserver $(ASSETS)/kube-controller-manager $(ASSETS)/etcd ## Build kube-apiserver, kube-controller-manager and etcd from the Go module proxy, once.

$(ASSETS)/kube-apiserver $(ASSETS)/kube-controller-manager $(ASSETS)/etcd:
	K8S_VERSION=$(K8S_VERSION) ETCD_VERSION=$(ETCD_VERSION) cluster/local/build-control-plane.sh $(ASSETS)

moto: ## Check that moto_server (the local AWS) is installed.
	@cluster/local/check-moto.sh

vet: ## go vet every package.
	go vet ./...

test: control-plane moto vet ## Unit and integration tests.
	go test $(GO_TEST_FLAGS) ./...

sandbox: control-plane moto build ## Run Stowage locally: control plane, local clouds, provider, example claims.
	cluster/local/sandbox.sh up

sandbox-stop: ## Stop everything `make sandbox` started.
	cluster/local/sandbox.sh down

run: build ## Run the provider against the current kubeconfig (real clouds).
	$(BIN)/provider --debug

image: ## Build the provider image (needs a Docker engine).
	docker build -f cluster/Dockerfile -t provider-stowage:latest .
