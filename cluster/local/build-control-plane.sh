#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into a cache directory,
# once. envtest uses them through KUBEBUILDER_ASSETS; kubectl comes from the machine.
#
# The usual envtest download (setup-envtest) needs the internet; the Go module
# proxy is all we can rely on, so we build the two binaries from source. Each is
# built in a throwaway wrapper module so the provider's go.mod never pulls in
# k8s.io/kubernetes.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
OUT="${1:-${KUBEBUILDER_ASSETS:-$HOME/.cache/stowage/k8s/${K8S_VERSION}}}"

mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log() { echo "[control-plane] $*" >&2; }

build_kube_apiserver() {
  if [[ -x "$OUT/kube-apiserver" ]]; then
    log "kube-apiserver v${K8S_VERSION} already in $OUT"
    return
  fi
  log "building kube-apiserver v${K8S_VERSION} (about 6-7 minutes cold on 2 cores)"
  local dir="$work/apiserver"
  mkdir -p "$dir"
  local gomod
  gomod="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  {
    echo "module stowage.local/kube-apiserver"
    echo
    echo "go 1.25"
    echo
    echo "require k8s.io/kubernetes v${K8S_VERSION}"
    echo
    # k8s.io/kubernetes points its staging modules at ./staging/...; point them
    # at the published versions instead.
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" |
      awk -v v="v0.${K8S_VERSION#1.}" '{print "replace " $1 " => " $1 " " v}'
  } >"$dir/go.mod"
  local pkg=k8s.io/component-base/version
  # No "go mod tidy": with no Go files it would drop the require line. -mod=mod
  # lets go build fill in go.sum and the missing indirect requirements.
  (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$OUT/kube-apiserver.tmp" \
      -ldflags "-s -w -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${K8S_VERSION#1.}" \
      k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"
}

build_etcd() {
  if [[ -x "$OUT/etcd" ]]; then
    log "etcd v${ETCD_VERSION} already in $OUT"
    return
  fi
  log "building etcd v${ETCD_VERSION} (about 1.5 minutes cold)"
  local dir="$work/etcd"
  mkdir -p "$dir"
  cat >"$dir/go.mod" <<MOD
module stowage.local/etcd

go 1.25

require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
MOD
  cat >"$dir/tools.go" <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true
    cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$OUT/etcd.tmp" "$OUT/etcd"
}

build_etcd
build_kube_apiserver
log "ready: KUBEBUILDER_ASSETS=$OUT"
echo "$OUT"
