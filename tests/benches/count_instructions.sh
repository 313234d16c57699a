#!/usr/bin/env bash
# Instructions per call for each compared client, counted by callgrind: the difference
# between 1200 and 200 calls, divided by 1000, so start-up costs cancel out.
# Run from the workspace root: tests/benches/count_instructions.sh (needs valgrind).
set -euo pipefail
binary=$(cargo bench -p ferrofit-tests --bench call_instructions --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*call_instructions[^"]*"' | cut -d'"' -f4 | tail -n 1)
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 \
        | grep -o 'Collected : [0-9]*' | awk '{print $3}'
}
for client in reqwest ferrofit no-receive-timeout stack; do
    small=$(count "$client" 200)
    large=$(count "$client" 1200)
    echo "$client: $(( (large - small) / 1000 )) instructions per call"
done
