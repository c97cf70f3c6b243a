#!/usr/bin/env bash
# Deploys one image tag to one stack, smoke-tests it, and on any failure redeploys the tag that ran before.
#
#   deploy.sh --stack dev --image-tag <git sha> --message "<update message>"
#
# Exits 0 when the new tag is live and passed the smoke test; 1 when it failed (rolled back or not: the
# message says which); 2 on bad usage. Writes the result to $GITHUB_STEP_SUMMARY and the app URL to
# $GITHUB_OUTPUT when run in GitHub Actions.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly script_dir

usage() {
    echo "usage: $0 --stack <stack> --image-tag <tag> --message <update message>" >&2
    exit 2
}

stack=""
image_tag=""
message=""
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) stack="${2:-}" ;;
        --image-tag) image_tag="${2:-}" ;;
        --message) message="${2:-}" ;;
        *) usage ;;
    esac
    shift 2 || usage
done
[ -n "$stack" ] && [ -n "$image_tag" ] && [ -n "$message" ] || usage

summarize() {
    local result="$1"
    echo "$result"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        {
            echo "### Deploy to \`$stack\`"
            echo "| image tag | previous tag | result |"
            echo "|---|---|---|"
            echo "| \`$image_tag\` | \`${previous_tag:-none}\` | $result |"
        } >>"$GITHUB_STEP_SUMMARY"
    fi
}

# Sets the tag and updates the stack; the message lands in the stack history next to the update.
deploy_tag() {
    local tag="$1" update_message="$2"
    pulumi config set imageTag "$tag" --stack "$stack" || return 1
    pulumi up --yes --stack "$stack" --message "$update_message" || return 1
}

smoke_test() {
    app_url="$(pulumi stack output url --stack "$stack")" || return 1
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        echo "url=$app_url" >>"$GITHUB_OUTPUT"
    fi
    "$script_dir/smoke-test.sh" "$app_url"
}

# Read before anything changes: this is what a failed deploy goes back to. Not knowing it is a reason to stop.
if ! outputs="$(pulumi stack output --json --stack "$stack")"; then
    echo "error: cannot read the outputs of stack $stack, so there would be no way back; not deploying" >&2
    exit 1
fi
previous_tag="$(jq -r '.imageTag // ""' <<<"$outputs")"
app_url=""

echo "Deploying image $image_tag to stack $stack (running now: ${previous_tag:-no image tag})"
failure=""
if ! deploy_tag "$image_tag" "$message"; then
    failure="pulumi up failed"
elif ! smoke_test; then
    failure="the smoke test failed"
fi

if [ -z "$failure" ]; then
    summarize "deployed $image_tag to $stack; smoke test passed at $app_url"
    exit 0
fi

if [ -z "$previous_tag" ]; then
    summarize "error: deploy of $image_tag to $stack failed ($failure), and there is nothing to roll back to: the stack had no image tag before this deploy" >&2
    exit 1
fi
if [ "$previous_tag" = "$image_tag" ]; then
    summarize "error: deploy of $image_tag to $stack failed ($failure), and there is nothing to roll back to: $image_tag was already the deployed tag" >&2
    exit 1
fi

echo "Deploy of $image_tag to $stack failed ($failure); rolling back to $previous_tag" >&2
if deploy_tag "$previous_tag" "Roll back $stack from $image_tag to $previous_tag after $failure ($message)" && smoke_test; then
    summarize "error: deploy of $image_tag to $stack failed ($failure); rolled back from $image_tag to $previous_tag, which passed the smoke test" >&2
    exit 1
fi
summarize "error: deploy of $image_tag to $stack failed ($failure), and the roll back from $image_tag to $previous_tag failed too: the stack needs a person (pulumi stack history --stack $stack)" >&2
exit 1
