#!/usr/bin/env bash
# The gate before a commit may be promoted to production: succeeds only when the Deploy workflow (image + staging
# deploy + smoke test) concluded successfully for <commit> on a push to main, and prints the image that run deployed
# and smoke-tested, as <repository>@<digest>, from the record the run itself left (its `staging-image` artifact).
# Promote copies that digest: the staging tag may have been deleted and pushed again since, an artifact cannot.
# Reads GitHub's record of the runs with `gh` (GH_TOKEN needs actions: read).
#
#   require-staging-success.sh <owner/repo> <commit sha>
set -euo pipefail

[ $# -eq 2 ] && [ -n "$1" ] && [ -n "$2" ] || {
    echo "usage: $0 <owner/repo> <commit sha>" >&2
    exit 2
}
repository="$1"
commit="$2"
fail() {
    echo "error: $*" >&2
    exit 1
}

# GET with -f puts the fields in the query string: runs of deploy.yml for this commit, on main, that succeeded,
# newest first.
run_id="$(gh api --method GET "repos/$repository/actions/workflows/deploy.yml/runs" \
    -f head_sha="$commit" -f branch=main -f event=push -f status=success --jq '.workflow_runs[0].id // ""')"
[[ "$run_id" =~ ^[0-9]+$ ]] ||
    fail "no successful Deploy run for $commit on main: only a commit that staging deployed and smoke-tested can be promoted"

record_dir="$(mktemp -d)"
trap 'rm -rf "$record_dir"' EXIT
gh run download "$run_id" --repo "$repository" --name staging-image --dir "$record_dir" >&2 ||
    fail "Deploy run $run_id of $commit left no staging-image record (expired, or a run from before it was kept): promote a newer commit"
recorded_commit="$(jq -r '.commit // ""' "$record_dir/staging-image.json")"
image="$(jq -r '.image // ""' "$record_dir/staging-image.json")"
[ "$recorded_commit" = "$commit" ] || fail "Deploy run $run_id recorded commit '$recorded_commit', not $commit"
[[ "$image" =~ ^[^@]+@sha256:[0-9a-f]{64}$ ]] || fail "Deploy run $run_id recorded '$image', which is no image by digest"
echo "staging deployed and smoke-tested $commit as $image (Deploy run $run_id)" >&2
echo "$image"
