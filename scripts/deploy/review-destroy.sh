#!/usr/bin/env bash
# Destroys a pull request's review stack pr-<n> and removes it (`pulumi destroy`, then `pulumi stack rm`); nothing to
# do when it does not exist. Run from the repository root, logged in, with SECRETS_PROVIDER set (review-stack.sh).
#
#   review-destroy.sh <pull request number>
set -euo pipefail

[ $# -eq 1 ] && [[ "$1" =~ ^[1-9][0-9]*$ ]] || {
    echo "usage: $0 <pull request number>" >&2
    exit 2
}
stack="pr-$1"
if ! pulumi stack ls --json | jq -e --arg stack "$stack" 'any(.[]; .name == $stack or (.name | endswith("/" + $stack)))' >/dev/null; then
    echo "$stack: no such stack, nothing to destroy"
    exit 0
fi
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
"$(dirname "$0")/review-stack.sh" "$1" "$config"
pulumi destroy --yes --skip-preview --stack "$stack" --config-file "$config"
pulumi stack rm --yes --stack "$stack"
echo "$stack: destroyed and removed"
