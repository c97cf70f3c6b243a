#!/usr/bin/env bash
# Checks a deployed URL shortener end to end: it is ready, a link can be created, the short URL redirects
# (302 to the exact target) and the visit is counted.
#
#   smoke-test.sh https://app.example.com
#
# Only readiness is retried (SMOKE_READY_ATTEMPTS x SMOKE_READY_INTERVAL_SECONDS, 30 x 10 s by default),
# because a new load balancer's DNS name takes a minute or two to resolve; every request has a timeout.
set -euo pipefail

[ $# -eq 1 ] && [ -n "$1" ] || {
    echo "usage: $0 <base url>" >&2
    exit 2
}
base_url="${1%/}"
ready_attempts="${SMOKE_READY_ATTEMPTS:-30}"
ready_interval="${SMOKE_READY_INTERVAL_SECONDS:-10}"
# Counting may trail the redirect by a moment, so the count gets a few short tries of its own.
count_attempts=5
curl_options=(--silent --show-error --connect-timeout 5 --max-time 10)

fail() {
    echo "smoke test failed: $*" >&2
    exit 1
}

ready=false
for ((attempt = 1; attempt <= ready_attempts; attempt++)); do
    if curl "${curl_options[@]}" --fail --output /dev/null "$base_url/readyz"; then
        ready=true
        break
    fi
    if [ "$attempt" -lt "$ready_attempts" ]; then
        sleep "$ready_interval"
    fi
done
$ready || fail "$base_url/readyz did not answer 2xx in $ready_attempts attempts"

target_url="https://example.com/smoke-test/$(date +%s)-$RANDOM"
response="$(curl "${curl_options[@]}" --request POST --header "content-type: application/json" \
    --data "$(jq -cn --arg url "$target_url" '{url: $url}')" --write-out '\n%{http_code}' "$base_url/api/links")" ||
    fail "POST $base_url/api/links did not answer"
status="${response##*$'\n'}"
body="${response%$'\n'*}"
[ "$status" = "201" ] || fail "POST /api/links answered $status, expected 201: $body"
code="$(jq -er '.code | strings' <<<"$body")" || fail "POST /api/links answered no code: $body"

visits() {
    curl "${curl_options[@]}" --fail "$base_url/api/links/$code" | jq -er '.visits | numbers'
}
visits_before="$(visits)" || fail "GET /api/links/$code did not answer a visit count"

# --write-out reads the Location header itself; curl does not follow it.
redirect="$(curl "${curl_options[@]}" --output /dev/null --write-out '%{http_code} %header{location}' "$base_url/$code")" ||
    fail "GET /$code did not answer"
[ "$redirect" = "302 $target_url" ] || fail "GET /$code answered '$redirect', expected '302 $target_url'"

for ((attempt = 1; attempt <= count_attempts; attempt++)); do
    visits_after="$(visits)" || fail "GET /api/links/$code did not answer a visit count"
    if [ "$visits_after" -gt "$visits_before" ]; then
        echo "smoke test passed: $base_url created /$code, redirected it, and counted the visit ($visits_before -> $visits_after)"
        exit 0
    fi
    sleep 1
done
fail "the visit count of /$code stayed at $visits_after after a redirect (was $visits_before)"
