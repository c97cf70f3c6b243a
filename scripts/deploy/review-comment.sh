#!/usr/bin/env bash
# Keeps one comment about the review environment on a pull request: edits the comment that carries the marker
# `<!-- eks-app-review -->`, or creates it. GH_TOKEN: a token with pull-requests: write.
#
#   review-comment.sh <owner/repository> <pull request number> <body>
set -euo pipefail

[ $# -eq 3 ] || {
    echo "usage: $0 <owner/repository> <pull request number> <body>" >&2
    exit 2
}
repository="$1"
number="$2"
body="$3"
marker="<!-- eks-app-review -->"
existing="$(gh api --paginate "repos/$repository/issues/$number/comments" --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)"
if [ -n "$existing" ]; then
    gh api --method PATCH "repos/$repository/issues/comments/$existing" -f body="$body" >/dev/null
else
    gh api --method POST "repos/$repository/issues/$number/comments" -f body="$body" >/dev/null
fi
