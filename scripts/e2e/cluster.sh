#!/usr/bin/env bash
# Starts or removes the end-to-end suite's cluster: kwokctl's binary runtime with only the binaries tools.sh put on
# PATH (nothing is downloaded), RBAC and admission on, kwok's node, pod and volume stages plus the suite's own, and
# the nodes and default StorageClass of scripts/e2e/cluster-objects.ts.
#   usage: scripts/e2e/cluster.sh up STATE_DIR    (writes STATE_DIR/kubeconfig)
#          scripts/e2e/cluster.sh down STATE_DIR  (stops every process of the cluster and removes STATE_DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."

action="${1:?usage: cluster.sh up|down STATE_DIR}"
state="${2:?usage: cluster.sh up|down STATE_DIR}"
name="eks-app-e2e"
# kwokctl keeps each cluster (configuration, pids, etcd data, logs) under KWOK_WORKDIR.
export KWOK_WORKDIR="$state/kwok"

log() { echo "e2e-cluster: $*" >&2; }

case "$action" in
up)
    mkdir -p "$state"
    bin="$(dirname "$(command -v kwokctl)")"
    for tool in kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok kwokctl; do
        command -v "$tool" >/dev/null || { log "$tool is not on PATH: run scripts/e2e/tools.sh first"; exit 1; }
    done
    stages="$(dirname "$(readlink -f "$bin/kwok")")/stages"
    config="$state/kwokctl.yaml"
    {
        cat <<YAML
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  kubeVersion: "$(kube-apiserver --version | awk '{print $2}')"
  kubeApiserverBinary: "$(command -v kube-apiserver)"
  kubeControllerManagerBinary: "$(command -v kube-controller-manager)"
  kubeSchedulerBinary: "$(command -v kube-scheduler)"
  kubectlBinary: "$(command -v kubectl)"
  etcdBinary: "$(command -v etcd)"
  kwokControllerBinary: "$(command -v kwok)"
  kubeAuthorization: true
  kubeAdmission: true
  disableQPSLimits: true
YAML
        for stage in "$stages"/*.yaml; do
            echo "---"
            cat "$stage"
        done
        echo "---"
        npx ts-node --transpile-only scripts/e2e/cluster-objects.ts stages
    } >"$config"
    log "creating cluster $name"
    kwokctl create cluster --name "$name" --config "$config" --kubeconfig "$state/kubeconfig" --wait 3m >"$state/kwokctl.log" 2>&1 ||
        { cat "$state/kwokctl.log" >&2; log "kwokctl create cluster failed"; exit 1; }
    export KUBECONFIG="$state/kubeconfig"
    npx ts-node --transpile-only scripts/e2e/cluster-objects.ts >"$state/cluster-objects.yaml"
    kubectl apply --server-side -f "$state/cluster-objects.yaml" >&2
    npx ts-node --transpile-only scripts/e2e/cluster-objects.ts addresses | while read -r node patch; do
        kubectl patch node "$node" --subresource=status --type=merge -p "$patch" >/dev/null
    done
    kubectl wait --for=condition=Ready node --all --timeout=2m >&2
    log "cluster $name ready: KUBECONFIG=$state/kubeconfig"
    ;;
down)
    if [ -d "$KWOK_WORKDIR" ]; then
        kwokctl delete cluster --name "$name" >/dev/null 2>&1 || log "kwokctl delete cluster failed; stopping its processes by pid"
        # Whatever kwokctl left running: each component's pid file under the cluster's directory.
        for pidfile in $(find "$KWOK_WORKDIR" -name '*.pid' 2>/dev/null); do
            pid="$(cat "$pidfile")"
            [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
        done
    fi
    rm -rf "$state"
    ;;
*)
    echo "usage: cluster.sh up|down STATE_DIR" >&2
    exit 2
    ;;
esac
