#!/usr/bin/env bash
# Runs the public HTTP cache conformance suite (https://cache-tests.fyi) against ferrofit's
# cache interceptor, in its private (browser) cache mode, through the `cache_proxy` example.
# Needs node 20 or later (the suite uses its built-in fetch). CI runs it (.ci/run).
#
# The suite is vendored in tests/conformance/cache-tests (see VENDORED.md there): CI cannot
# reach GitHub, and the npm package lags the git head. CACHE_TESTS_DIR points at another copy.
#
# Exit status: 0 when every required test passes except those in expected-failures.txt, and
# each of those still fails; 1 otherwise (an unlisted failure, a listed test that passes, a
# server that did not start).
#
# Usage: tests/conformance/run.sh [--id TEST-ID]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
suite=$(cd "${CACHE_TESTS_DIR:-$root/tests/conformance/cache-tests}" && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Waits (at most 60 s) until the process PID has written a line matching the sed pattern
# PATTERN to LOG, and prints the pattern's first group: the port the process took.
wait_for_port() {
    local log=$1 pid=$2 pattern=$3 port
    for _ in $(seq 600); do
        port=$(sed -nE "s#$pattern#\\1#p" "$log" | head -n 1)
        if [ -n "$port" ]; then
            echo "$port"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$log: the process exited before it listened:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "$log: no port after 60 s:" >&2
    cat "$log" >&2
    return 1
}

cargo build --quiet --manifest-path "$root/Cargo.toml" --example cache_proxy

# Both servers take a free port (0) and report it.
npm_config_port=0 npm_config_protocol=http npm_config_pidfile="$work/server.pid" \
    node "$suite/test-engine/server/server.mjs" >"$work/server.log" 2>&1 &
pids+=($!)
origin=$(wait_for_port "$work/server.log" "${pids[-1]}" '^Listening on http://.*:([0-9]+)/$')

"$target/debug/examples/cache_proxy" 0 "http://127.0.0.1:$origin" >"$work/proxy.log" 2>&1 &
pids+=($!)
proxy=$(wait_for_port "$work/proxy.log" "${pids[-1]}" '^cache proxy on http://127\.0\.0\.1:([0-9]+)/ .*')

if [ "${1:-}" = "--id" ]; then
    cd "$suite"
    npm_config_base="http://127.0.0.1:$proxy" npm_config_id="$2" node --no-warnings test-engine/cli.mjs
else
    status=0
    node --no-warnings "$root/tests/conformance/run.mjs" "$suite" "http://127.0.0.1:$proxy" \
        "$root/tests/conformance/expected-failures.txt" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "--- what the proxy logged (the client errors it answered 502/504 for):"
        cat "$work/proxy.log"
    fi
    exit "$status"
fi
