#!/usr/bin/env bash
# Logs Docker in to the ECR registry that holds <repository url>, with the current AWS credentials.
#
#   ecr-login.sh 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app-1a2b3c
set -euo pipefail

[ $# -eq 1 ] && [ -n "$1" ] || {
    echo "usage: $0 <repository url>" >&2
    exit 2
}
registry="${1%%/*}"
region="$(cut -d. -f4 <<<"$registry")"
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
