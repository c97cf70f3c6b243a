#!/usr/bin/env bash
# Makes <target repository>:<tag> the very image staging deployed and smoke-tested: <source repository>@<digest>,
# the digest the staging run recorded, never whatever the source tag points to now. The manifest is copied as it is
# (same digest), so production runs the bytes staging tested. Nothing to copy when the target already has it.
#
#   promote-image.sh --source <repository url> --target <repository url> --tag <tag> --digest sha256:<hex>
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly script_dir

usage() {
    echo "usage: $0 --source <repository url> --target <repository url> --tag <tag> --digest sha256:<hex>" >&2
    exit 2
}
fail() {
    echo "error: $*" >&2
    exit 1
}

source_repository=""
target_repository=""
tag=""
digest=""
while [ $# -gt 0 ]; do
    case "$1" in
        --source) source_repository="${2:-}" ;;
        --target) target_repository="${2:-}" ;;
        --tag) tag="${2:-}" ;;
        --digest) digest="${2:-}" ;;
        *) usage ;;
    esac
    shift 2 || usage
done
[ -n "$source_repository" ] && [ -n "$target_repository" ] && [ -n "$tag" ] || usage
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || usage

target_digest="$("$script_dir/ecr-image-digest.sh" "$target_repository" "$tag")"
if [ -z "$target_digest" ]; then
    [ "$source_repository" != "$target_repository" ] ||
        fail "$target_repository:$tag does not exist, and the source is the same repository: nothing to copy it from"
    "$script_dir/ecr-login.sh" "$source_repository"
    if [ "${source_repository%%/*}" != "${target_repository%%/*}" ]; then
        "$script_dir/ecr-login.sh" "$target_repository"
    fi
    # Copies the manifest and its layers registry-side; the image is not rebuilt. --prefer-index=false: with one
    # single-platform source, imagetools otherwise wraps the manifest in a new index, whose digest differs
    # (--prefer-index defaults to true; Combine in docker/buildx util/imagetools/create.go).
    docker buildx imagetools create --prefer-index=false --tag "$target_repository:$tag" "$source_repository@$digest"
    target_digest="$("$script_dir/ecr-image-digest.sh" "$target_repository" "$tag")"
fi
[ "$target_digest" = "$digest" ] ||
    fail "$target_repository:$tag is ${target_digest:-missing}, not $digest (the image staging deployed); tags are immutable, so a person has to look"
echo "$target_repository:$tag is $digest, the image staging deployed and smoke-tested"
