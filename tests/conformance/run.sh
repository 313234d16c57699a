#!/usr/bin/env bash
# Runs the public HTTP cache conformance suite (https://cache-tests.fyi, npm package
# http-cache-tests) against ferrofit's cache interceptor, in its private (browser) cache
# mode, through the `cache_proxy` example. Needs node and npm. Not part of CI: it fetches the
# suite from the npm registry. Usage: tests/conformance/run.sh [--id TEST-ID]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${CACHE_TESTS_DIR:-/tmp/ferrofit-cache-tests}
version=0.4.5
if [ ! -d "$work/package" ]; then
    mkdir -p "$work"
    (cd "$work" && npm pack --silent "http-cache-tests@$version" >/dev/null && tar xzf "http-cache-tests-$version.tgz")
    (cd "$work/package" && npm install --no-save --no-audit --no-fund --silent node-fetch@2)
fi
cp "$root/tests/conformance/run.mjs" "$work/package/run-ferrofit.mjs"

cargo build --quiet --release --manifest-path "$root/Cargo.toml" --example cache_proxy
(cd "$work/package" && npm_config_port=8000 npm_config_protocol=http npm_config_pidfile="$work/server.pid" \
    node server/server.mjs >"$work/server.log" 2>&1) &
server=$!
"$root/target/release/examples/cache_proxy" 8080 http://127.0.0.1:8000 >"$work/proxy.log" 2>&1 &
proxy=$!
trap 'kill $server $proxy 2>/dev/null || true' EXIT
sleep 1
cd "$work/package"
if [ "${1:-}" = "--id" ]; then
    npm_config_base=http://127.0.0.1:8080 npm_config_id="$2" node --no-warnings cli.mjs
else
    node --no-warnings run-ferrofit.mjs http://127.0.0.1:8080
fi
