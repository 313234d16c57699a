#!/usr/bin/env bash
# Instructions per call for each compared client, counted by callgrind, with 1 and with 32
# calls in flight: the difference between 1200 and 200 calls, divided by 1000, so start-up
# costs cancel out. Counts repeat from run to run, whatever else the machine is doing.
# Run from the workspace root: tests/benches/count_instructions.sh (needs valgrind; about
# 20 minutes).
set -euo pipefail
binary=$(cargo bench -p ferrofit-tests --bench call_instructions --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*call_instructions[^"]*"' | cut -d'"' -f4 | tail -n 1)
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" "$3" 2>&1 \
        | grep -o 'Collected : [0-9]*' | awk '{print $3}'
}
for concurrency in 1 32; do
    for client in hyper-util reqwest ferrofit no-receive-timeout stack hyper hyper-stack; do
        small=$(count "$client" 200 "$concurrency")
        large=$(count "$client" 1200 "$concurrency")
        echo "$client, c=$concurrency: $(( (large - small) / 1000 )) instructions per call"
    done
done
