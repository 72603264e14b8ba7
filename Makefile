# Stowage — build, test and run the provider.
#
#   make sandbox   local control plane + local clouds + provider + examples, Ready
#   make test      unit and integration tests (builds the control plane once)
#   make bench     benchmark: time to Ready, steady-state cloud calls, RSS (BENCH_FLAGS='--mrs=1000 --mix=aws')

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

K8S_VERSION  ?= 1.35.4
ETCD_VERSION ?= 3.6.16
CACHE_DIR    ?= $(HOME)/.cache/stowage
ASSETS       ?= $(CACHE_DIR)/k8s/$(K8S_VERSION)
BIN          := $(CURDIR)/bin
GO_TEST_FLAGS ?= -count=1 -timeout 30m
# The provider image; its tag is the chart's appVersion.
IMAGE        ?= ghcr.io/stowage-dev/provider-stowage:v0.1.0

export KUBEBUILDER_ASSETS := $(ASSETS)

.PHONY: all build test vet generate check-generate tools control-plane moto sandbox sandbox-stop bench run image package help

all: build

help: ## Show this help.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# grpcnotrace: gRPC without x/net/trace, whose html/template would turn off
# the linker's dead-method elimination (cmd/provider TestDeadMethodElimination).
PROVIDER_TAGS := grpcnotrace

build: ## Build the provider binary into bin/.
	go build -tags=$(PROVIDER_TAGS) -o $(BIN)/provider ./cmd/provider

tools: $(BIN)/controller-gen $(BIN)/angryjet $(BIN)/crd-ref-docs $(BIN)/helm ## Build the pinned code generators and helm.

$(BIN)/controller-gen $(BIN)/angryjet $(BIN)/crd-ref-docs: hack/tools/go.mod hack/tools/go.sum
	cd hack/tools && go build -o $(BIN)/ sigs.k8s.io/controller-tools/cmd/controller-gen github.com/crossplane/crossplane-tools/cmd/angryjet github.com/elastic/crd-ref-docs

# helm has a module of its own: its k8s.io versions move apart from the generators'.
$(BIN)/helm: hack/tools/helm/go.mod hack/tools/helm/go.sum
	cd hack/tools/helm && go build -o $(BIN)/helm helm.sh/helm/v4/cmd/helm

generate: tools ## Regenerate deepcopy, method sets, CRDs (package/crds) and the API reference (docs/api).
	cd apis && go generate -tags generate ./...
	rm -rf cluster/charts/stowage/crds && cp -r package/crds cluster/charts/stowage/crds
	$(BIN)/helm template stowage cluster/charts/stowage --namespace stowage-system --include-crds \
	  | cat cluster/manifests/namespace.yaml - > cluster/manifests/stowage.yaml
	rm -rf docs/api && mkdir -p docs/api
	$(BIN)/crd-ref-docs --source-path=./apis --config=hack/apidocs/config.yaml --renderer=markdown --output-mode=group --output-path=docs/api --log-level=ERROR

check-generate: generate ## Fail if generated code is out of date.
	@git diff --exit-code -- apis package cluster/charts cluster/manifests docs/api || { echo "generated code is stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- apis package cluster/charts cluster/manifests docs/api)" || { git status --short -- apis package cluster/charts cluster/manifests docs/api; echo "generated files are not committed: run 'make generate' and commit"; exit 1; }

control-plane: $(ASSETS)/kube-apiserver $(ASSETS)/kube-controller-manager $(ASSETS)/etcd ## Build kube-apiserver, kube-controller-manager and etcd from the Go module proxy, once.

$(ASSETS)/kube-apiserver $(ASSETS)/kube-controller-manager $(ASSETS)/etcd:
	K8S_VERSION=$(K8S_VERSION) ETCD_VERSION=$(ETCD_VERSION) cluster/local/build-control-plane.sh $(ASSETS)

moto: ## Check that moto_server (the local AWS) is installed.
	@cluster/local/check-moto.sh

vet: ## go vet every package.
	go vet ./...

test: control-plane moto tools vet ## Unit and integration tests.
	go test $(GO_TEST_FLAGS) ./...

sandbox: control-plane moto build ## Run Stowage locally: control plane, local clouds, provider, example claims.
	cluster/local/sandbox.sh up

sandbox-stop: ## Stop everything `make sandbox` started.
	cluster/local/sandbox.sh down

BENCH_FLAGS ?=
bench: control-plane moto build ## Benchmark on local processes (cluster/bench); flags in BENCH_FLAGS, e.g. '--mrs=1000 --mix=aws' or '--scenario=claims'.
	go build -o $(BIN)/bench ./cluster/bench
	$(BIN)/bench $(BENCH_FLAGS)

run: build ## Run the provider against the current kubeconfig (real clouds).
	$(BIN)/provider --debug

package: tools ## Check the Crossplane package (package/) with Crossplane's own parser and provider linter, and the chart and RBAC around it.
	go test $(GO_TEST_FLAGS) ./internal/install

image: ## Build the provider image (needs a Docker engine).
	docker build -f cluster/images/provider/Dockerfile -t $(IMAGE) .
