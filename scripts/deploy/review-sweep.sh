#!/usr/bin/env bash
# The review-environment sweeper (.github/workflows/review-sweeper.yml): destroys and removes every review stack
# pr-<n> whose pull request is no longer open or labelled `stage`, or whose expiry (its `expiresAt` output) has
# passed, then deletes every
# review namespace (label eks-app.io/pull-request) that no stack owns any more. Reports what it removed. Run from the
# repository root, logged in to the backend, with SECRETS_PROVIDER set and GH_TOKEN able to read pull requests.
#
#   review-sweep.sh <owner/repository> [now, as seconds since the epoch]
set -euo pipefail

[ $# -ge 1 ] || {
    echo "usage: $0 <owner/repository> [now]" >&2
    exit 2
}
repository="$1"
now="${2:-$(date +%s)}"
here="$(dirname "$0")"
report="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
removed=()
failed=()

stacks="$(pulumi stack ls --json | jq -r '.[].name | sub(".*/"; "")' | grep -E '^pr-[1-9][0-9]*$' || true)"
for stack in $stacks; do
    number="${stack#pr-}"
    read -r state labelled < <(gh pr view "$number" --repo "$repository" --json state,labels --jq '[.state, ([.labels[].name] | index("stage") != null)] | @tsv' 2>/dev/null || echo "UNKNOWN false")
    expires="$(pulumi stack output expiresAt --stack "$stack" 2>/dev/null || true)"
    reason=""
    if [ "$state" != "OPEN" ]; then
        reason="pull request $state"
    elif [ "$labelled" != "true" ]; then
        # Its own destroy, when the label came off, failed or never ran.
        reason="label stage removed"
    elif [ -n "$expires" ] && [ "$(date -d "$expires" +%s)" -le "$now" ]; then
        reason="expired at $expires"
    fi
    [ -n "$reason" ] || continue
    # A run of the pull request's own workflow holding the stack's lock makes this fail; the next sweep retries.
    if "$here/review-destroy.sh" "$number"; then
        removed+=("$stack ($reason)")
    else
        failed+=("$stack ($reason)")
    fi
done

# Namespaces left by a stack removed without its resources (`pulumi stack rm --force`, a failed destroy).
remaining="$(pulumi stack ls --json | jq -r '.[].name | sub(".*/"; "")')"
kubeconfig="$(mktemp)"
trap 'rm -f "$kubeconfig"' EXIT
pulumi stack output kubeconfig --show-secrets --stack dev >"$kubeconfig"
while IFS=$'\t' read -r namespace number; do
    [ -n "$namespace" ] || continue
    if ! grep -qx "pr-$number" <<<"$remaining"; then
        if KUBECONFIG="$kubeconfig" kubectl delete namespace "$namespace" --wait=false; then
            removed+=("namespace $namespace (no stack pr-$number)")
        else
            failed+=("namespace $namespace (no stack pr-$number)")
        fi
    fi
done < <(KUBECONFIG="$kubeconfig" kubectl get namespaces -l eks-app.io/pull-request -o json | jq -r '.items[] | [.metadata.name, .metadata.labels["eks-app.io/pull-request"]] | @tsv')

{
    echo "### Review environments swept"
    if [ ${#removed[@]} -eq 0 ]; then echo "Nothing to remove."; fi
    for item in "${removed[@]}"; do echo "- removed $item"; done
    for item in "${failed[@]}"; do echo "- FAILED to remove $item (docs/runbook.md: failure runbook, a stuck review stack)"; done
} >>"$report"
[ ${#failed[@]} -eq 0 ]
