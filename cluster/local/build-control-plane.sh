#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd from the Go module
# proxy into a cache directory, once. envtest uses them through
# KUBEBUILDER_ASSETS; kubectl comes from the machine.
#
# The usual envtest download (setup-envtest) needs the internet; the Go module
# proxy is all we can rely on, so we build the binaries from source, each in a
# throwaway wrapper module so the provider's go.mod never pulls in
# k8s.io/kubernetes. kube-controller-manager runs the garbage collector and the
# namespace controller, so tests and the sandbox see a real cluster's deletions.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
OUT="${1:-${KUBEBUILDER_ASSETS:-$HOME/.cache/stowage/k8s/${K8S_VERSION}}}"

mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log() { echo "[control-plane] $*" >&2; }

# build_kube BINARY...: builds the named k8s.io/kubernetes commands that are
# not in $OUT yet, together, from one wrapper module (they share almost every
# package, so the second costs little more than the first).
build_kube() {
  local missing=()
  for b in "$@"; do
    if [[ -x "$OUT/$b" ]]; then
      log "$b v${K8S_VERSION} already in $OUT"
    else
      missing+=("$b")
    fi
  done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  log "building ${missing[*]} v${K8S_VERSION} (about 8-10 minutes cold on 2 cores)"
  local dir="$work/kubernetes"
  mkdir -p "$dir" "$work/out"
  local gomod
  gomod="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  {
    echo "module stowage.local/kubernetes"
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
  local pkgs=()
  for b in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  # No "go mod tidy": with no Go files it would drop the require line. -mod=mod
  # lets go build fill in go.sum and the missing indirect requirements.
  # Without the version ldflags kubectl cannot parse the server version.
  (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$work/out/" \
      -ldflags "-s -w -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${K8S_VERSION#1.}" \
      "${pkgs[@]}")
  for b in "${missing[@]}"; do mv "$work/out/$b" "$OUT/$b"; done
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
build_kube kube-apiserver kube-controller-manager
log "ready: KUBEBUILDER_ASSETS=$OUT"
echo "$OUT"
