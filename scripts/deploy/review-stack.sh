#!/usr/bin/env bash
# Selects a pull request's review stack pr-<n> (creating it with staging's secrets key when it does not exist) and
# writes the config file its `pulumi up`, `preview` and `destroy` use (--config-file): Pulumi.review.yaml, the stack's
# secrets provider and encrypted data key (which `pulumi stack init` writes into a stack's own file, and which a shared
# file cannot hold), the image tag pr-<n>-<commit> and the deploy's time (eks-app:reviewUpdatedAt, from which the
# expiry is counted). A deploy gives both; without them the stack's deployed ones are used, so a preview of the
# environment as it runs shows no change. Run from the repository root, logged in.
#
#   review-stack.sh <pull request number> <config file to write> [<image tag> <deploy time, RFC 3339 UTC>]
#
# SECRETS_PROVIDER: the secrets provider of new review stacks, staging's key (bootstrap's secretsProviders.dev).
set -euo pipefail

{ [ $# -eq 2 ] || [ $# -eq 4 ]; } && [[ "$1" =~ ^[1-9][0-9]*$ ]] || {
    echo "usage: $0 <pull request number> <config file> [<image tag> <deploy time>]" >&2
    exit 2
}
number="$1"
config="$2"
tag="${3:-}"
updated="${4:-}"
stack="pr-$number"

if ! pulumi stack select "$stack" 2>/dev/null; then
    pulumi stack init "$stack" --secrets-provider "${SECRETS_PROVIDER:?SECRETS_PROVIDER is not set}"
fi
# A new stack's key is in the file stack init wrote; an existing stack's, in its state.
key=""
if [ -f "Pulumi.$stack.yaml" ]; then
    key="$(sed -n 's/^encryptedkey: *//p' "Pulumi.$stack.yaml")"
fi
if [ -z "$key" ]; then
    key="$(pulumi stack export --stack "$stack" | jq -r '.deployment.secrets_providers.state.encryptedkey // empty')"
fi
provider="$(pulumi stack export --stack "$stack" | jq -r '.deployment.secrets_providers.state.url // empty')"
if [ $# -eq 2 ]; then
    # None for a stack never deployed; a destroy needs neither.
    tag="$(pulumi stack output imageTag --stack "$stack" 2>/dev/null || true)"
    updated="$(pulumi stack output updatedAt --stack "$stack" 2>/dev/null || true)"
fi
{
    if [ -n "$key" ]; then
        echo "secretsprovider: ${provider:-$SECRETS_PROVIDER}"
        echo "encryptedkey: $key"
    fi
    cat Pulumi.review.yaml
    # The config map is the file's last: the image tag and the deploy's time join it.
    if [ -n "$tag" ]; then
        echo "  eks-app:imageTag: $tag"
    fi
    if [ -n "$updated" ]; then
        echo "  eks-app:reviewUpdatedAt: \"$updated\""
    fi
} >"$config"
