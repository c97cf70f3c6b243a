#!/usr/bin/env bash
# Deploys one commit to one stack, its program and its image together, smoke-tests it and records it as the stack's
# last good commit. On any failure it rolls back to the last good commit: that commit's program (checked out beside
# this one) with that commit's image, so a half-applied infrastructure change is undone, not finished.
#
#   deploy.sh --stack dev --image-tag <commit sha> --message "<update message>" [--allow-older]
#
# Run it from a checkout of <commit sha> with full history (fetch-depth: 0). Before it changes anything it
#   - stops when the stack has pending creates, naming each and the commands that resolve them;
#   - refuses a commit that does not descend from the deployed one, so an older run never undoes a newer one
#     (--allow-older: a deliberate roll back, e.g. promoting an older commit by hand).
# A locked stack is never unlocked blindly (`pulumi cancel` deletes every lock of the stack, a person's running `up`
# included). When `up` finds the stack locked, the locks are cancelled only when each is stale: left by an update
# this script saw cancelled (the stack tag eks-app:cancelled-update names its host and pid), or older than
# EKS_APP_STALE_LOCK_MINUTES (180, longer than any job of the pipeline runs); then `up` runs again. Otherwise it
# stops without changing anything and names each lock's holder.
# A first INT or TERM (a cancelled or timed-out run) is passed on to pulumi, which then stops gracefully, writes
# what it did to the state and releases the lock; later ones are not, so it is not told to terminate at once. The
# update is recorded as cancelled (eks-app:cancelled-update), so the next run may clear a lock it could not release.
#
# Exits 0 when the commit is live and passed the smoke test; 1 when it failed (rolled back or not: the message
# says which); 2 on bad usage; 128 + the signal's number when interrupted. Writes the result to
# $GITHUB_STEP_SUMMARY, and the app URL and the deployed image (`image`, <repository>@<digest>, the stack output) to
# $GITHUB_OUTPUT when run in GitHub Actions: promote copies that digest, not whatever the tag points to later. With
# EKS_APP_PERMISSIONS_BOUNDARY_ARN set (pulumi-setup exports it) every program it runs gets that boundary.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly script_dir
# The stack tag naming the last commit that deployed and passed its smoke test; only this script writes it.
readonly last_good_tag="eks-app:last-good-commit"
# The stack tag naming the host and pid of the last update this script saw cancelled ("<host> <pid>").
readonly cancelled_update_tag="eks-app:cancelled-update"
readonly stale_lock_minutes="${EKS_APP_STALE_LOCK_MINUTES:-180}"

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
    # Should the runner kill pulumi before it releases its lock, the next run knows that lock is this update's.
    pulumi stack tag set "$cancelled_update_tag" "$HOSTNAME $pulumi_pid" --stack "$stack" >/dev/null 2>&1 || true
}
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM

# `wait` returns early when a trapped signal arrives; keep waiting until pulumi itself has exited. pulumi's stderr is
# kept in $pulumi_errors too, to tell a locked stack from a failed update.
pulumi_errors="$(mktemp)"
rollback_parent=""
cleanup() {
    cd /
    if [ -n "$rollback_parent" ]; then
        git -C "$program_dir" worktree remove --force "$rollback_parent/program" >/dev/null 2>&1 || true
        rm -rf "$rollback_parent"
    fi
    rm -f "$pulumi_errors"
}
trap cleanup EXIT
run_pulumi() {
    : >"$pulumi_errors"
    pulumi "$@" 2> >(tee -a "$pulumi_errors" >&2) &
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
    summarize "error: interrupted (SIG$interrupted) during $1; pulumi was asked to stop gracefully. The next deploy clears the lock and names any pending operation (docs/runbook.md: failure runbook)" >&2
    exit $((128 + number))
}

# --- where the program comes from ------------------------------------------------------------------------------
program_dir="$(git rev-parse --show-toplevel 2>/dev/null)" || fail "deploy.sh runs from a git checkout of the commit to deploy"
commit_of() { git rev-parse --verify --quiet "$1^{commit}"; }
new_commit="$(commit_of "$image_tag")" ||
    fail "$image_tag is not a commit of this checkout: image tags are commit SHAs, and the checkout needs its full history (fetch-depth: 0)"
[ "$(git -C "$program_dir" rev-parse HEAD)" = "$new_commit" ] ||
    fail "the checkout is at $(git -C "$program_dir" rev-parse HEAD), not $image_tag: the program and the image of one commit deploy together"

# --- pending operations ---------------------------------------------------------------------------------------
state="$(pulumi stack export --stack "$stack")" || fail "cannot read the state of stack $stack, so there would be no way back; not deploying"
pending="$(jq -r '.deployment.pending_operations // [] | .[] | "\(.type) \(.resource.type) \(.resource.urn)"' <<<"$state")"
if [ -n "$pending" ]; then
    echo "Stack $stack has operations an interrupted update left pending:" >&2
    sed 's/^/  /' <<<"$pending" >&2
    if grep -q '^creating ' <<<"$pending"; then
        fail "stack $stack has pending creates, which pulumi cannot tell happened or not; nothing was deployed. Resolve them, then re-run: \
for each that exists in AWS, adopt it (\`pulumi import <type> <name> <id> --parent <parent urn> --stack $stack\`) or delete it there; then \
\`pulumi refresh --stack $stack --clear-pending-creates\`. Not \`--import-pending-creates\`: Pulumi v3.248.0 drops the resource from the state instead (docs/runbook.md: failure runbook)"
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

# --- locks -----------------------------------------------------------------------------------------------------
# The locks a refused update names, one "<host> <pid> <RFC 3339 time> <user>" per line, from the DIY backend's
# message (checkForLock in pkg/backend/diy/lock.go, Pulumi v3.248.0):
#   the stack is currently locked by 1 lock(s). ...
#     <url>: created by <user>@<host> (pid <pid>) at <time>
locks_in_errors() {
    sed -n 's/^ *[^ ].*: created by \(.*\)@\([^@ ]*\) (pid \([0-9]*\)) at \([^ ]*\)$/\2 \3 \4 \1/p' "$pulumi_errors"
}
# Succeeds when every lock in the refused update's message is stale; says why each is or is not.
locks_are_stale() {
    local locks cancelled now host pid time user age stale=true
    locks="$(locks_in_errors)"
    [ -n "$locks" ] || return 1
    cancelled="$(pulumi stack tag get "$cancelled_update_tag" --stack "$stack" 2>/dev/null || true)"
    now="$(date +%s)"
    while read -r host pid time user; do
        age=$(((now - $(date -d "$time" +%s)) / 60))
        if [ "$host $pid" = "$cancelled" ]; then
            echo "lock of $user@$host (pid $pid, $age min old): left by an update of this pipeline that was cancelled; stale" >&2
        elif [ "$age" -ge "$stale_lock_minutes" ]; then
            echo "lock of $user@$host (pid $pid): $age min old, older than any update of this pipeline runs ($stale_lock_minutes); stale" >&2
        else
            echo "lock of $user@$host (pid $pid, since $time): another update may be running; not cancelling it" >&2
            stale=false
        fi
    done <<<"$locks"
    $stale
}
# `pulumi up`, once more after cancelling the stack's locks when the first attempt found only stale ones.
run_update() {
    run_pulumi up "$@" && return 0
    grep -q 'the stack is currently locked by' "$pulumi_errors" || return 1
    stop_if_interrupted "the update of $stack"
    if ! locks_are_stale; then
        fail "stack $stack is locked by an update that may still be running (above); nothing was changed. Re-run once it has finished (docs/runbook.md: failure runbook, Locked stack)"
    fi
    pulumi cancel --yes --stack "$stack"
    run_pulumi up "$@"
}

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
    run_update --yes --stack "$stack" --message "$update_message" --policy-pack policy || return 1
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
    # What ran and passed, by digest: the record promote copies from.
    image="$(pulumi stack output image --stack "$stack")" || fail "$image_tag passed the smoke test, but the stack's image output cannot be read"
    [[ "$image" =~ @sha256:[0-9a-f]{64}$ ]] || fail "$image_tag passed the smoke test, but the stack's image output '$image' names no digest"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        echo "image=$image" >>"$GITHUB_OUTPUT"
    fi
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
    fail "deploy of $image_tag to $stack failed ($failure), and the roll back from $image_tag to $last_good failed too: the stack needs a person. $last_good stays the last good commit (docs/runbook.md: failure runbook; pulumi stack history --stack $stack)"
summarize "error: deploy of $image_tag to $stack failed ($failure); rolled back from $image_tag to $last_good (its program and image), which passed the smoke test" >&2
exit 1
