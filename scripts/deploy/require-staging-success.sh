#!/usr/bin/env bash
# Succeeds only when the Deploy workflow (image + staging deploy + smoke test) concluded successfully for <commit>
# on a push to main: the gate before a commit may be promoted to production. Reads GitHub's record of the runs
# with `gh` (GH_TOKEN needs actions: read).
#
#   require-staging-success.sh <owner/repo> <commit sha>
set -euo pipefail

[ $# -eq 2 ] && [ -n "$1" ] && [ -n "$2" ] || {
    echo "usage: $0 <owner/repo> <commit sha>" >&2
    exit 2
}
repository="$1"
commit="$2"

# GET with -f puts the fields in the query string: runs of deploy.yml for this commit, on main, that succeeded.
successful_runs="$(gh api --method GET "repos/$repository/actions/workflows/deploy.yml/runs" \
    -f head_sha="$commit" -f branch=main -f event=push -f status=success --jq '.total_count')"

if [[ "$successful_runs" =~ ^[0-9]+$ ]] && [ "$successful_runs" -gt 0 ]; then
    echo "staging deployed $commit successfully ($successful_runs successful Deploy run(s))"
    exit 0
fi
echo "error: no successful Deploy run for $commit on main: only a commit that staging deployed and smoke-tested can be promoted" >&2
exit 1
