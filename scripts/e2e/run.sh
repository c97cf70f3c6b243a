#!/usr/bin/env bash
# `npm run test:e2e`: the end-to-end suite. Builds or reuses the tools (tools.sh), starts the simulated cluster
# (cluster.sh), runs mocha over tests/e2e/**/*.test.ts with the tools first on PATH, and always stops every
# process it started and removes the cluster and its state, whether the tests pass, fail or are interrupted.
#   usage: npm run test:e2e [-- mocha arguments, e.g. --grep "dry-run"]
#          E2E_SPEC=tests/e2e/review-environments.test.ts npm run test:e2e   (one file instead of all)
set -euo pipefail
cd "$(dirname "$0")/../.."

bin="$(bash scripts/e2e/tools.sh | tail -n 1)"
export PATH="$bin:$PATH"
state="$(mktemp -d "${TMPDIR:-/tmp}/eks-app-e2e.XXXXXX")"
export E2E_STATE="$state" KUBECONFIG="$state/kubeconfig"

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # Any pulumi or plugin process a test left (a timed-out up), then the cluster's own processes.
    local pid
    for pid in $(pgrep -f "$state" 2>/dev/null || true); do
        [ "$pid" != "$$" ] && kill "$pid" 2>/dev/null || true
    done
    bash scripts/e2e/cluster.sh down "$state" || true
    exit "$status"
}
trap cleanup EXIT INT TERM

start=$SECONDS
bash scripts/e2e/cluster.sh up "$state"
echo "e2e: cluster up in $((SECONDS - start))s" >&2
npx mocha --timeout 1200000 "${@}" "${E2E_SPEC:-tests/e2e/**/*.test.ts}"
