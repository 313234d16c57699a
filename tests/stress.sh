#!/usr/bin/env bash
# Run from anywhere: tests/stress.sh (about 5 minutes on 2 cores). Prints one line per run.
# 10 runs of the unit and integration tests (no trybuild) while a release build keeps both cores busy.
cd "$(dirname "$0")/.."
rm -f "${TMPDIR:-/tmp}/ferrofit-stress.done"
( while [ ! -f "${TMPDIR:-/tmp}/ferrofit-stress.done" ]; do
    cargo build -q --release -p ferrofit --all-features --target-dir "${TMPDIR:-/tmp}/ferrofit-load-target" >/dev/null 2>&1
    cargo clean -q -p ferrofit --release --target-dir "${TMPDIR:-/tmp}/ferrofit-load-target" >/dev/null 2>&1
  done ) &
load=$!
start=$(date +%s)
for i in $(seq 1 10); do
    s=$(date +%s)
    if cargo test -q --workspace --lib --tests --no-fail-fast -- --exact --skip ui > "${TMPDIR:-/tmp}/ferrofit-stress.$i.log" 2>&1; then r=ok; else r=FAILED; fi
    p=$(grep -E "test result" "${TMPDIR:-/tmp}/ferrofit-stress.$i.log" | awk '{p+=$4; f+=$6; i+=$8} END {print p"/"f"/"i}')
    echo "run $i: $r passed/failed/ignored=$p $(( $(date +%s) - s ))s load=$(cut -d' ' -f1 /proc/loadavg)"
done
touch "${TMPDIR:-/tmp}/ferrofit-stress.done"
wait $load
echo "total $(( $(date +%s) - start ))s"
