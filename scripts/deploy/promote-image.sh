#!/usr/bin/env bash
# Makes <target repository>:<tag> the very image <source repository>:<tag> is (same digest), so production runs
# the bytes staging tested. Nothing to copy when both stacks share a repository or the target already has it.
#
#   promote-image.sh --source <repository url> --target <repository url> --tag <tag>
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly script_dir

usage() {
    echo "usage: $0 --source <repository url> --target <repository url> --tag <tag>" >&2
    exit 2
}
fail() {
    echo "error: $*" >&2
    exit 1
}

source_repository=""
target_repository=""
tag=""
while [ $# -gt 0 ]; do
    case "$1" in
        --source) source_repository="${2:-}" ;;
        --target) target_repository="${2:-}" ;;
        --tag) tag="${2:-}" ;;
        *) usage ;;
    esac
    shift 2 || usage
done
[ -n "$source_repository" ] && [ -n "$target_repository" ] && [ -n "$tag" ] || usage

source_digest="$("$script_dir/ecr-image-digest.sh" "$source_repository" "$tag")"
[ -n "$source_digest" ] || fail "$source_repository:$tag does not exist: only an image built by the deploy workflow can be promoted"
if [ "$source_repository" = "$target_repository" ]; then
    echo "$target_repository:$tag is $source_digest already (one repository for both stacks)"
    exit 0
fi

target_digest="$("$script_dir/ecr-image-digest.sh" "$target_repository" "$tag")"
if [ -z "$target_digest" ]; then
    "$script_dir/ecr-login.sh" "$source_repository"
    if [ "${source_repository%%/*}" != "${target_repository%%/*}" ]; then
        "$script_dir/ecr-login.sh" "$target_repository"
    fi
    # Copies the manifest and its layers registry-side; the image is not rebuilt.
    docker buildx imagetools create --tag "$target_repository:$tag" "$source_repository@$source_digest"
    target_digest="$("$script_dir/ecr-image-digest.sh" "$target_repository" "$tag")"
fi
[ "$target_digest" = "$source_digest" ] ||
    fail "$target_repository:$tag is ${target_digest:-missing}, not $source_digest; tags are immutable, so a person has to look"
echo "$target_repository:$tag is $source_digest, the image built for staging"
