#!/usr/bin/env bash
# npm test: the type check, every mocha test, the manifest checks of every stack file and the app's own tests.
# They share nothing but the app's build (the real-Prometheus test and the app's tests both run app/dist), so they
# run side by side once it is built: the run takes about as long as its slowest stage, not the sum of them, and the
# waiting stages (a real Redis, Prometheus and Chromium) overlap the computing ones. Each stage's output is printed
# whole when it ends, with its wall and CPU seconds (user + system of its process tree); any failure fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
declare -A stage_of=()
failed=()

# Starts a stage in the background. Its subshell's `times` second line is the user and system CPU of every
# process the stage ran (and waited for), as "1m2.500s 0m3.000s".
stage() {
    local name=$1
    shift
    (
        start=$SECONDS
        "$@" >"$logs/$name.log" 2>&1
        code=$?
        # Into a file: in a pipe or $(...), times would run in a new subshell, which has no children yet.
        times >"$logs/$name.cpu"
        node -e '
            const [wall, ...cpu] = process.argv.slice(1);
            const seconds = cpu.map((t) => { const [, m, s] = /^(\d+)m([\d.]+)s$/.exec(t); return Number(m) * 60 + Number(s); });
            console.log(`${wall} s wall, ${(seconds[0] + seconds[1]).toFixed(1)} CPU-s`)' "$((SECONDS - start))" $(tail -n 1 "$logs/$name.cpu") >"$logs/$name.time"
        exit "$code"
    ) &
    stage_of[$!]=$name
}

# Prints a stage's output and result once it has ended (its exit code given).
report() {
    local name=$1 code=$2
    cat "$logs/$name.log"
    echo "== $name: $([ "$code" = 0 ] && echo passed || echo "FAILED (exit $code)") in $(cat "$logs/$name.time")"
    [ "$code" = 0 ] || failed+=("$name")
}

# Waits for the stages started so far, or only for the one named, reporting each as it ends.
finish() {
    local only=${1:-} pid code
    while ((${#stage_of[@]} > 0)); do
        code=0
        if [ -n "$only" ]; then
            for pid in "${!stage_of[@]}"; do [ "${stage_of[$pid]}" = "$only" ] && break; done
            wait "$pid" || code=$?
        else
            wait -n -p pid "${!stage_of[@]}" || code=$?
        fi
        report "${stage_of[$pid]}" "$code"
        unset "stage_of[$pid]"
        [ -z "$only" ] || return 0
    done
}

# The app's test command without its build step (the build runs once, below, before anything reads app/dist).
app_tests=$(node -p '
    const script = require("./app/package.json").scripts.test;
    const tests = /^npm run build && (.+)$/.exec(script);
    if (!tests) throw new Error(`app/package.json: expected its test script to be "npm run build && <tests>", found ${script}`);
    tests[1]') || exit 1

stage typecheck npm run -s typecheck
stage manifests npm run -s check:manifests:all
stage app-build npm --prefix app run -s build
finish app-build
if [[ " ${failed[*]} " != *" app-build "* ]]; then
    stage unit npm run -s test:unit
    stage app bash -c "cd app && $app_tests"
fi
finish

if ((${#failed[@]} > 0)); then
    echo "npm test: failed: ${failed[*]}" >&2
    exit 1
fi
