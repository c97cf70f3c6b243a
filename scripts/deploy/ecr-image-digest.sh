#!/usr/bin/env bash
# Prints the digest of <repository url>:<tag> in ECR, or nothing when the tag does not exist.
# Any other error (no access, no repository) fails, so "not there" is never a guess.
#
#   ecr-image-digest.sh 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app-1a2b3c <tag>
set -euo pipefail

[ $# -eq 2 ] && [ -n "$1" ] && [ -n "$2" ] || {
    echo "usage: $0 <repository url> <tag>" >&2
    exit 2
}
repository_url="$1"
tag="$2"

# <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<name>
registry="${repository_url%%/*}"
repository_name="${repository_url#*/}"
account_id="${registry%%.*}"
region="$(cut -d. -f4 <<<"$registry")"
[[ "$registry" =~ ^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$ ]] && [ "$repository_name" != "$repository_url" ] || {
    echo "error: '$repository_url' is not an ECR repository URL" >&2
    exit 2
}

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
if ! digest="$(aws ecr describe-images --region "$region" --registry-id "$account_id" --repository-name "$repository_name" \
    --image-ids "imageTag=$tag" --query 'imageDetails[0].imageDigest' --output text 2>"$errors")"; then
    if grep -q ImageNotFoundException "$errors"; then
        exit 0
    fi
    cat "$errors" >&2
    exit 1
fi
echo "$digest"
