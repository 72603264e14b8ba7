#!/usr/bin/env bash
# binding-dir.sh NAMESPACE CLAIM [DIR]: write a claim's service binding to
# DIR/CLAIM (DIR defaults to $SERVICE_BINDING_ROOT, else ./bindings) the way
# kubelet projects a Secret volume there for an application bound to the
# claim: one file per Secret key, named after the key, holding the decoded
# value, byte for byte. Spring Cloud Bindings, Quarkus and any other reader
# of the Service Binding Specification's directory layout read it as they
# read /bindings/CLAIM in a pod, so you can try them against the sandbox.
#
# CLAIM is a DatabaseClaim or BucketClaim name (a DatabaseClaim first), or
# KIND/NAME (databaseclaim/orders, bucketclaim/assets). The Secret is the one
# the claim's status.binding.name names, which a claim sets only once the
# Secret is written and complete. DIR/CLAIM is replaced as a whole, as
# kubelet replaces a volume's contents; a directory there that is not a
# binding (has files but no type file) is left alone and the script fails.
# Uses kubectl with the current KUBECONFIG.
set -euo pipefail

usage() { echo "usage: $0 NAMESPACE CLAIM|KIND/CLAIM [DIR]   (DIR defaults to \${SERVICE_BINDING_ROOT:-./bindings})" >&2; exit 2; }
[[ $# -ge 2 && $# -le 3 ]] || usage
ns=$1 ref=$2
root=${3:-${SERVICE_BINDING_ROOT:-./bindings}}

case $ref in
  */*) kinds=("${ref%%/*}") name=${ref#*/} ;;
  *) kinds=(databaseclaims.database.stowage.dev bucketclaims.storage.stowage.dev) name=$ref ;;
esac
# A binding's directory name: [a-z0-9.-]{1,253}, as the specification and
# Kubernetes object names have it; never a path.
if [[ ! $name =~ ^[a-z0-9][a-z0-9.-]{0,252}$ || $name == *..* ]]; then
  echo "$0: $name is not a claim name" >&2; exit 2
fi

secret=
for kind in "${kinds[@]}"; do
  if out=$(kubectl -n "$ns" get "$kind" "$name" -o 'jsonpath={.status.binding.name}' 2>&1); then
    secret=$out found=$kind
    break
  fi
done
if [[ -z ${found:-} ]]; then
  echo "$0: no claim $name in namespace $ns: $out" >&2; exit 1
fi
if [[ -z $secret ]]; then
  echo "$0: $found $ns/$name has no status.binding yet: its connection Secret is not written (is the claim Ready? kubectl -n $ns describe $found $name)" >&2
  exit 1
fi

# Every key with its base64 value, one a line: binary-safe, and the values
# are decoded below exactly as kubelet writes them (no trailing newline
# added or removed).
entries=$(kubectl -n "$ns" get secret "$secret" -o go-template='{{range $k, $v := .data}}{{$k}} {{$v}}{{"\n"}}{{end}}')
type=$(kubectl -n "$ns" get secret "$secret" -o 'jsonpath={.type}')

mkdir -p "$root"
dir=$root/$name
if [[ -d $dir && ! -e $dir/type && -n $(ls -A "$dir") ]]; then
  echo "$0: $dir exists and is not a binding directory (no type file); not replacing it" >&2; exit 1
fi
tmp=$(mktemp -d "$root/.$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
while read -r key value; do
  [[ -n $key ]] || continue
  printf '%s' "$value" | base64 -d >"$tmp/$key"
  chmod 0644 "$tmp/$key" # kubelet's default mode for Secret volume files
done <<<"$entries"
chmod 0755 "$tmp"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT

echo "$found $ns/$name: Secret $secret ($type) -> $dir"
