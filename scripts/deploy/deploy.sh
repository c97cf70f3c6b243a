#!/usr/bin/env bash
# Deploys one commit to one stack, its program and its image together, smoke-tests it and records it as the stack's
# last good commit. On any failure it rolls back to the last good commit: that commit's program (checked out beside
# this one) with that commit's image, so a half-applied infrastructure change is undone, not finished.
#
#   deploy.sh --stack dev --image-tag <commit sha> --message "<update message>" [--allow-older]
#
# Run it from a checkout of <commit sha> with full history (fetch-depth: 0). Before it changes anything it
#   - clears a stale lock a cancelled run left (`pulumi cancel --yes`): the workflows' concurrency group per stack
#     guarantees that no other update is running;
#   - stops when the stack has pending creates, naming each and the command that resolves it;
#   - refuses a commit that does not descend from the deployed one, so an older run never undoes a newer one
#     (--allow-older: a deliberate roll back, e.g. promoting an older commit by hand).
# A first INT or TERM (a cancelled or timed-out run) is passed on to pulumi, which then stops gracefully, writes
# what it did to the state and releases the lock; later ones are not, so it is not told to terminate at once.
#
# Exits 0 when the commit is live and passed the smoke test; 1 when it failed (rolled back or not: the message
# says which); 2 on bad usage; 128 + the signal's number when interrupted. Writes the result to
# $GITHUB_STEP_SUMMARY and the app URL to $GITHUB_OUTPUT when run in GitHub Actions. With
# EKS_APP_PERMISSIONS_BOUNDARY_ARN set (pulumi-setup exports it) every program it runs gets that boundary.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly script_dir
# The stack tag naming the last commit that deployed and passed its smoke test; only this script writes it.
readonly last_good_tag="eks-app:last-good-commit"

usage() {
    echo "usage: $0 --stack <stack> --image-tag <commit sha> --message <update message> [--allow-older]" >&2
    exit 2
}

stack=""
image_tag=""
message=""
allow_older=false
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) stack="${2:-}" ;;
        --image-tag) image_tag="${2:-}" ;;
        --message) message="${2:-}" ;;
        --allow-older) allow_older=true && shift && continue ;;
        *) usage ;;
    esac
    shift 2 || usage
done
[ -n "$stack" ] && [ -n "$image_tag" ] && [ -n "$message" ] || usage

last_good=""
app_url=""
summarize() {
    local result="$1"
    echo "$result"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        {
            echo "### Deploy to \`$stack\`"
            echo "| commit (image tag) | last good commit | result |"
            echo "|---|---|---|"
            echo "| \`$image_tag\` | \`${last_good:-none}\` | $result |"
        } >>"$GITHUB_STEP_SUMMARY"
    fi
}
fail() {
    summarize "error: $*" >&2
    exit 1
}

# --- signals: pulumi runs in the background so this script's traps run while it does ---------------------------
pulumi_pid=""
interrupted=""
on_signal() {
    local signal="$1" number="$2"
    [ -z "$interrupted" ] || return 0
    interrupted="$signal"
    if [ -z "$pulumi_pid" ]; then
        summarize "error: SIG$signal received before pulumi started an update; stopped without changing $stack" >&2
        exit $((128 + number))
    fi
    echo "deploy.sh: SIG$signal received; passing it to pulumi (pid $pulumi_pid) so it cancels gracefully and releases the lock" >&2
    kill -s "$signal" "$pulumi_pid" 2>/dev/null || true
}
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM

# `wait` returns early when a trapped signal arrives; keep waiting until pulumi itself has exited.
run_pulumi() {
    pulumi "$@" &
    pulumi_pid=$!
    local status
    while true; do
        status=0
        wait "$pulumi_pid" || status=$?
        kill -0 "$pulumi_pid" 2>/dev/null || break
    done
    pulumi_pid=""
    return "$status"
}
stop_if_interrupted() {
    [ -n "$interrupted" ] || return 0
    local number=2
    [ "$interrupted" = TERM ] && number=15
    summarize "error: interrupted (SIG$interrupted) during $1; pulumi was asked to stop gracefully. The next deploy clears the lock and names any pending operation (README: failure runbook)" >&2
    exit $((128 + number))
}

# --- where the program comes from ------------------------------------------------------------------------------
program_dir="$(git rev-parse --show-toplevel 2>/dev/null)" || fail "deploy.sh runs from a git checkout of the commit to deploy"
commit_of() { git rev-parse --verify --quiet "$1^{commit}"; }
new_commit="$(commit_of "$image_tag")" ||
    fail "$image_tag is not a commit of this checkout: image tags are commit SHAs, and the checkout needs its full history (fetch-depth: 0)"
[ "$(git -C "$program_dir" rev-parse HEAD)" = "$new_commit" ] ||
    fail "the checkout is at $(git -C "$program_dir" rev-parse HEAD), not $image_tag: the program and the image of one commit deploy together"

# --- a stale lock and pending operations -----------------------------------------------------------------------
echo "Clearing any lock a cancelled run left on $stack (the concurrency group guarantees no other update runs)"
pulumi cancel --yes --stack "$stack" || echo "pulumi cancel: nothing to cancel on $stack"

state="$(pulumi stack export --stack "$stack")" || fail "cannot read the state of stack $stack, so there would be no way back; not deploying"
pending="$(jq -r '.deployment.pending_operations // [] | .[] | "\(.type) \(.resource.type) \(.resource.urn)"' <<<"$state")"
if [ -n "$pending" ]; then
    echo "Stack $stack has operations an interrupted update left pending:" >&2
    sed 's/^/  /' <<<"$pending" >&2
    if grep -q '^creating ' <<<"$pending"; then
        fail "stack $stack has pending creates, which pulumi cannot tell happened or not; nothing was deployed. Resolve them, then re-run: \
\`pulumi refresh --stack $stack --import-pending-creates <urn> <id>\` for each that exists in AWS, then \
\`pulumi refresh --stack $stack --clear-pending-creates\` for the rest (README: failure runbook)"
    fi
    echo "Pending updates and deletes are read again by this update; \`pulumi refresh --stack $stack\` shows their real state." >&2
fi

# --- what runs now, and what is known to be good ---------------------------------------------------------------
outputs="$(pulumi stack output --json --stack "$stack")" || fail "cannot read the outputs of stack $stack; not deploying"
running_tag="$(jq -r '.imageTag // ""' <<<"$outputs")"
# Only a deploy that passed its smoke test writes this tag: after a failed roll back, imageTag may name a broken commit.
last_good="$(pulumi stack tag get "$last_good_tag" --stack "$stack" 2>/dev/null || true)"

for deployed in "$last_good" "$running_tag"; do
    [ -n "$deployed" ] || continue
    deployed_commit="$(commit_of "$deployed")" ||
        fail "stack $stack runs $deployed, which is not a commit of this checkout (fetch-depth: 0?): cannot tell whether $image_tag is newer"
    if ! git merge-base --is-ancestor "$deployed_commit" "$new_commit"; then
        $allow_older || fail "$image_tag does not descend from $deployed, which stack $stack runs: an older or unrelated commit would undo a newer deploy. Not deploying (--allow-older, or promote's roll-back input, for a deliberate roll back)"
        echo "Deploying $image_tag although it does not descend from $deployed: --allow-older"
    fi
done

# --- deploy ----------------------------------------------------------------------------------------------------
# Sets the stack config of the program in <dir> and updates the stack from there; the policy pack is enforced
# on every update, as on the pull request's preview.
deploy_program() {
    local dir="$1" tag="$2" update_message="$3"
    cd "$dir"
    pulumi config set imageTag "$tag" --stack "$stack" || return 1
    if [ -n "${EKS_APP_PERMISSIONS_BOUNDARY_ARN:-}" ]; then
        pulumi config set iamPermissionsBoundaryArn "$EKS_APP_PERMISSIONS_BOUNDARY_ARN" --stack "$stack" || return 1
    fi
    run_pulumi up --yes --stack "$stack" --message "$update_message" --policy-pack policy || return 1
}

smoke_test() {
    app_url="$(pulumi stack output url --stack "$stack")" || return 1
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        echo "url=$app_url" >>"$GITHUB_OUTPUT"
    fi
    "$script_dir/smoke-test.sh" "$app_url"
}

echo "Deploying $image_tag to stack $stack (running: ${running_tag:-no image tag}; last good: ${last_good:-none})"
failure=""
if ! deploy_program "$program_dir" "$image_tag" "$message"; then
    failure="pulumi up failed"
fi
stop_if_interrupted "the update of $stack to $image_tag"
if [ -z "$failure" ] && ! smoke_test; then
    failure="the smoke test failed"
fi

if [ -z "$failure" ]; then
    pulumi stack tag set "$last_good_tag" "$image_tag" --stack "$stack" ||
        fail "$image_tag is live on $stack and passed the smoke test, but recording it as the last good commit failed: set it by hand (pulumi stack tag set $last_good_tag $image_tag --stack $stack)"
    summarize "deployed $image_tag to $stack; smoke test passed at $app_url"
    exit 0
fi

# --- roll back -------------------------------------------------------------------------------------------------
[ -n "$last_good" ] ||
    fail "deploy of $image_tag to $stack failed ($failure), and there is nothing to roll back to: the stack has no last good commit (stack tag $last_good_tag)"
[ "$last_good" != "$image_tag" ] ||
    fail "deploy of $image_tag to $stack failed ($failure), and there is nothing to roll back to: $image_tag was already the deployed tag"

echo "Deploy of $image_tag to $stack failed ($failure); rolling back to $last_good, its program and its image" >&2
rollback_parent="$(mktemp -d)"
rollback_dir="$rollback_parent/program"
cleanup() {
    cd /
    git -C "$program_dir" worktree remove --force "$rollback_dir" >/dev/null 2>&1 || true
    rm -rf "$rollback_parent"
}
trap cleanup EXIT
git -C "$program_dir" worktree add --quiet --detach "$rollback_dir" "$last_good" ||
    fail "deploy of $image_tag to $stack failed ($failure), and checking out $last_good to roll back failed: the stack needs a person"
# The last good program with its own dependencies: the same ones unless its lockfile differs.
if git -C "$program_dir" diff --quiet "$last_good" "$new_commit" -- package-lock.json && [ -d "$program_dir/node_modules" ]; then
    ln -s "$program_dir/node_modules" "$rollback_dir/node_modules"
else
    npm ci --ignore-scripts --no-audit --no-fund --prefix "$rollback_dir" >&2 ||
        fail "deploy of $image_tag to $stack failed ($failure), and installing $last_good's dependencies to roll back failed: the stack needs a person"
fi

rolled_back=false
if deploy_program "$rollback_dir" "$last_good" "Roll back $stack from $image_tag to $last_good after $failure ($message)"; then
    stop_if_interrupted "the roll back of $stack to $last_good"
    smoke_test && rolled_back=true
fi
stop_if_interrupted "the roll back of $stack to $last_good"
$rolled_back ||
    fail "deploy of $image_tag to $stack failed ($failure), and the roll back from $image_tag to $last_good failed too: the stack needs a person. $last_good stays the last good commit (README: failure runbook; pulumi stack history --stack $stack)"
summarize "error: deploy of $image_tag to $stack failed ($failure); rolled back from $image_tag to $last_good (its program and image), which passed the smoke test" >&2
exit 1
