#!/usr/bin/env bash
# Runs the public HTTP cache conformance suite (https://cache-tests.fyi, the git head of
# github.com/http-tests/cache-tests) against ferrofit's cache interceptor, in its private
# (browser) cache mode, through the `cache_proxy` example. Needs node (20 or later: the suite
# uses its built-in fetch). Not part of CI: it needs the suite's sources.
#
# Usage: CACHE_TESTS_DIR=/path/to/cache-tests tests/conformance/run.sh [--id TEST-ID]
# CACHE_TESTS_DIR is a checkout (or an exported tree) of the suite; without it the suite is
# cloned into /tmp/ferrofit-cache-tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
suite=${CACHE_TESTS_DIR:-/tmp/ferrofit-cache-tests}
if [ ! -d "$suite/test-engine" ]; then
    git clone --depth 1 https://github.com/http-tests/cache-tests "$suite"
fi
cp "$root/tests/conformance/run.mjs" "$suite/run-ferrofit.mjs"

cargo build --quiet --release --manifest-path "$root/Cargo.toml" --example cache_proxy
(cd "$suite" && npm_config_port=8000 npm_config_protocol=http npm_config_pidfile="$suite/server.pid" \
    node test-engine/server/server.mjs >"$suite/server.log" 2>&1) &
server=$!
"$root/target/release/examples/cache_proxy" 8080 http://127.0.0.1:8000 >"$suite/proxy.log" 2>&1 &
proxy=$!
trap 'kill $server $proxy 2>/dev/null || true' EXIT
sleep 1
cd "$suite"
if [ "${1:-}" = "--id" ]; then
    npm_config_base=http://127.0.0.1:8080 npm_config_id="$2" node --no-warnings test-engine/cli.mjs
else
    node --no-warnings run-ferrofit.mjs http://127.0.0.1:8080
fi
