#!/usr/bin/env bash
# Makes sure a stack's ECR repository exists before anything pushes or copies an image into it. The program owns
# the repository (components/registry.ts), so in an account fresh from bootstrap/ it does not exist until the
# stack's first `up`, which needs the image: when it is missing, this creates the registry alone with a targeted
# `pulumi up` of the stack, with the policy pack as deploy.sh runs `up`. When it exists, nothing happens.
#
#   ensure-repository.sh --stack dev --region eu-west-1
#
# Run it from a checkout of the program, logged in with the stack's boundary set (pulumi-setup), as the stack's
# deploy role: the image-push role may push to the repository but never create it. Exits 0 when the repository
# exists (or was just created), 1 when it could not be looked up or created, 2 on bad usage.
set -euo pipefail

usage() {
    echo "usage: $0 --stack <stack> --region <region>" >&2
    exit 2
}

stack=""
region=""
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) stack="${2:-}" ;;
        --region) region="${2:-}" ;;
        *) usage ;;
    esac
    shift 2 || usage
done
[ -n "$stack" ] && [ -n "$region" ] || usage

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# The program names the repository eks-app-<stack> (stackResourceName in stacks/naming.ts).
repository="eks-app-$stack"

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
if uri="$(aws ecr describe-repositories --region "$region" --repository-names "$repository" \
    --query 'repositories[0].repositoryUri' --output text 2>"$errors")"; then
    echo "$uri exists; nothing to create"
    exit 0
fi
# Any other error (no access, throttling) fails: "not there" is never a guess.
if ! grep -q RepositoryNotFoundException "$errors"; then
    cat "$errors" >&2
    echo "error: cannot tell whether $repository exists; not creating it" >&2
    exit 1
fi

# The URNs' project is Pulumi.yaml's name.
project="$(sed -n 's/^name: *//p' Pulumi.yaml)"
# `--target` takes globs: `*` within one URN segment, `**` across them (the flag's help in
# pkg/cmd/pulumi/operations/up.go, UrnTargets.getMatcher in pkg/resource/deploy/deployment.go; Pulumi v3.248.0).
# This one is the registry component and its children. The component must be targeted too: the engine refuses to
# create a targeted resource whose parent it skips ("untargeted create", step_generator.go); providers are targeted
# implicitly there, and everything else is skipped.
target="urn:pulumi:$stack::$project::eks-app:platform:Registry**"

echo "$repository does not exist: creating the registry of stack $stack alone ($target)"
# An image tag in the config names an image of a repository that is gone (a destroyed stack's), and the program
# looks it up (components/app-image.ts), which would fail this update; deploy.sh sets the deployed tag again.
pulumi config rm imageTag --stack "$stack"
rm -f "$errors"
# exec: a cancelled run's signal reaches pulumi itself, which stops gracefully and releases the lock.
exec pulumi up --yes --stack "$stack" --target "$target" --policy-pack policy \
    --message "Create $repository before its first image (ensure-repository.sh)"
