#!/usr/bin/env bash
# make sandbox: Stowage on a machine with no cloud. Starts a local control
# plane, the local clouds and the provider, applies the examples and shows
# them becoming Ready. `sandbox.sh down` stops it all.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STATE=$ROOT/.sandbox
BIN=$ROOT/bin
MOTO_PORT=${SANDBOX_MOTO_PORT:-4566}
AZURE_PORT=${SANDBOX_AZURE_PORT:-4580}
GCS_PORT=${SANDBOX_GCS_PORT:-4581}
SQLADMIN_PORT=${SANDBOX_SQLADMIN_PORT:-4582}
export KUBECONFIG=$STATE/kubeconfig
: "${KUBEBUILDER_ASSETS:?KUBEBUILDER_ASSETS must point at kube-apiserver and etcd (make sandbox sets it)}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

stop() {
  for p in provider localclouds moto controlplane; do
    if [[ -f $STATE/$p.pid ]]; then
      pid=$(cat "$STATE/$p.pid")
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      rm -f "$STATE/$p.pid"
    fi
  done
}

# start NAME CMD...: runs CMD in its own process group, logging to .sandbox/NAME.log.
start() {
  local name=$1; shift
  setsid "$@" >"$STATE/$name.log" 2>&1 < /dev/null &
  echo $! >"$STATE/$name.pid"
}

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local secs=$1 what=$2; shift 2
  for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "timed out after ${secs}s waiting for $what; logs are in $STATE/" >&2
  for f in "$STATE"/*.log; do echo "--- $f"; tail -5 "$f"; done >&2
  return 1
}

case "${1:-up}" in
down)
  stop
  echo "sandbox stopped"
  exit 0
  ;;
up) ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac

mkdir -p "$STATE"
stop

say "Starting the local control plane (kube-apiserver, etcd, kube-controller-manager; CRDs from package/crds)"
go build -o "$BIN/controlplane" ./cluster/local/controlplane
rm -f "$KUBECONFIG"
start controlplane "$BIN/controlplane" --write-kubeconfig "$KUBECONFIG"
wait_for 60 "the control plane" test -s "$KUBECONFIG"
wait_for 60 "the API server" kubectl get --raw /readyz
kubectl get crds -o name | sed 's/^/  /'

say "Starting the local clouds"
# Automated backups outside the manual-snapshot quota, as in RDS
# (internal/testenv MotoEnv).
MOTO_RDS_SNAPSHOT_LIMIT=1000000000 start moto moto_server -H 127.0.0.1 -p "$MOTO_PORT"
wait_for 60 "moto_server on port $MOTO_PORT" curl -sf "http://127.0.0.1:$MOTO_PORT/moto-api/"
echo "  AWS (S3, RDS): moto_server at http://127.0.0.1:$MOTO_PORT"
go build -o "$BIN/localclouds" ./cmd/localclouds
start localclouds "$BIN/localclouds" --azure-addr="127.0.0.1:$AZURE_PORT" --gcs-addr="127.0.0.1:$GCS_PORT" --sqladmin-addr="127.0.0.1:$SQLADMIN_PORT"
for port in "$AZURE_PORT" "$GCS_PORT" "$SQLADMIN_PORT"; do
  wait_for 60 "the local clouds" curl -sf "http://127.0.0.1:$port/_stowage/faults"
done
echo "  Azure (ARM: resource groups, storage, SQL, flexible servers): cmd/localclouds at http://127.0.0.1:$AZURE_PORT"
echo "  Google Cloud Storage: cmd/localclouds (fake-gcs-server) at http://127.0.0.1:$GCS_PORT"
echo "  Google Cloud SQL Admin: cmd/localclouds at http://127.0.0.1:$SQLADMIN_PORT"

say "Installing provider configs for the local clouds"
sed "s#MOTO_URL#http://127.0.0.1:$MOTO_PORT#" examples/sandbox/aws-local.yaml | kubectl apply -f -
sed "s#AZURE_URL#http://127.0.0.1:$AZURE_PORT#" examples/sandbox/azure-local.yaml | kubectl apply -f -
sed "s#GCS_URL#http://127.0.0.1:$GCS_PORT#; s#SQLADMIN_URL#http://127.0.0.1:$SQLADMIN_PORT#" examples/sandbox/gcp-local.yaml | kubectl apply -f -

say "Starting the provider"
start provider "$BIN/provider" --poll=10s --metrics-bind-address=127.0.0.1:18080 --health-probe-bind-address=127.0.0.1:18081
wait_for 60 "the provider's readiness probe" curl -sf http://127.0.0.1:18081/readyz
echo "  logs: $STATE/provider.log"

say "Applying examples"
kubectl apply -f examples/namespace.yaml
kubectl apply -f examples/aws/s3/ -f examples/aws/rds/
kubectl apply -f examples/azure/resources/ -f examples/azure/storage/ -f examples/azure/sql/ \
  -f examples/azure/dbforpostgresql/ -f examples/azure/dbformysql/
kubectl apply -f examples/gcp/storage/ -f examples/gcp/sql/
kubectl apply -f examples/classes/
kubectl apply -f examples/claims/ -f examples/claims/azure/ -f examples/claims/gcp/

say "Waiting for the managed resources to become Ready"
for kind in buckets.s3.aws.stowage.dev dbinstances.rds.aws.stowage.dev \
  resourcegroups.resources.azure.stowage.dev accounts.storage.azure.stowage.dev containers.storage.azure.stowage.dev \
  servers.sql.azure.stowage.dev databases.sql.azure.stowage.dev \
  flexibleservers.dbforpostgresql.azure.stowage.dev databases.dbforpostgresql.azure.stowage.dev \
  flexibleservers.dbformysql.azure.stowage.dev databases.dbformysql.azure.stowage.dev \
  buckets.storage.gcp.stowage.dev instances.sql.gcp.stowage.dev databases.sql.gcp.stowage.dev users.sql.gcp.stowage.dev; do
  if ! kubectl wait --for=condition=Ready --timeout=120s -n shop "$kind" --all; then
    kubectl get "$kind" -A -o wide
    kubectl describe "$kind" -A | tail -30
    echo "provider log tail:"; tail -30 "$STATE/provider.log"
    exit 1
  fi
done

say "Waiting for the claims to become Ready"
for kind in databaseclaims.database.stowage.dev bucketclaims.storage.stowage.dev; do
  if ! kubectl wait --for=condition=Ready --timeout=120s -n shop "$kind" --all; then
    kubectl get "$kind" -A -o wide
    kubectl describe "$kind" -A | tail -30
    echo "provider log tail:"; tail -30 "$STATE/provider.log"
    exit 1
  fi
done
kubectl get claim -A
echo
kubectl get managed -A

say "Connection secrets"
# Every key and value, except that passwords are masked.
show_secret() {
  echo "  $1/$2:"
  kubectl -n "$1" get secret "$2" -o go-template='{{range $k, $v := .data}}{{$k}}={{$v | base64decode}}{{"\n"}}{{end}}' |
    sed -E 's#^(password)=.*#\1=********#; s#(://[^:/]+:)[^@]+@#\1********@#; s#(AccountKey=)[^;]+#\1********#; s#^#    #'
}
wait_for 60 "the connection secrets" kubectl -n shop get secret assets-bucket orders-db-conn orders-db assets-storage \
  azure-assets-storage orders-azure-db assets-gcp-storage orders-gcp-db
echo "From the claims (the same keys on every cloud):"
show_secret shop orders-db
show_secret shop assets-storage
show_secret shop orders-azure-db
show_secret shop azure-assets-storage
show_secret shop orders-gcp-db
show_secret shop assets-gcp-storage
echo "From the managed resources applied directly:"
show_secret shop assets-bucket
show_secret shop orders-db-conn

say "Service binding of the orders claim"
# What an application bound to the claim sees under $SERVICE_BINDING_ROOT
# (a ServiceBinding, or the Secret mounted there): one file per key. The
# claim's status.binding names the Secret; hack/binding-dir.sh writes it
# out as kubelet would.
BINDINGS=$STATE/bindings
hack/binding-dir.sh shop orders "$BINDINGS"
for f in "$BINDINGS"/orders/*; do
  case ${f##*/} in
    password) v='********' ;;
    caCert) v="($(wc -c <"$f") bytes)" ;;
    *) v=$(sed -E 's#(://[^:/]+:)[^@]+@#\1********@#' "$f") ;;
  esac
  printf '    %s = %s\n' "$f" "$v"
done

say "Sandbox is running"
cat <<MSG
  export KUBECONFIG=$KUBECONFIG
  kubectl get claim -A
  kubectl get managed -A
  SERVICE_BINDING_ROOT=$BINDINGS hack/binding-dir.sh shop orders   # a claim's binding directory
  Stop everything with: make sandbox-stop
MSG
