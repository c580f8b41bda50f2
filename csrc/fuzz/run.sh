#!/usr/bin/env bash
# Runs every fuzz target (or those named after SECONDS) for SECONDS (default 600), as many at
# once as there are cores, then merges what they found into tests/corpus/<target> and prints
# each run's final figures. Crashes are saved as tests/corpus/crashes/<target>-crash-<sha1>.
# Usage: run.sh [SECONDS [TARGET...]]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
build=build/fuzz
targets=(json json_array msgpack datetime roundtrip order)
if [ $# -gt 1 ]; then targets=("${@:2}"); fi
mkdir -p build/fuzz-logs tests/corpus/crashes
run() {
  local t=$1 work=build/fuzz-work/$1
  mkdir -p "$work"
  "$build/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
    -artifact_prefix="tests/corpus/crashes/$t-" "$work" "tests/corpus/$t" \
    > "build/fuzz-logs/$t.log" 2>&1 || echo "fuzz_$t stopped with a finding: see build/fuzz-logs/$t.log"
  "$build/fuzz_$t" -merge=1 "tests/corpus/$t" "$work" > "build/fuzz-logs/$t.merge.log" 2>&1
}
jobs=$(nproc)
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  run "$t" &
done
wait
for t in "${targets[@]}"; do
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build/fuzz-logs/$t.log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -E '^#[0-9]+.*(DONE|cov:)' "build/fuzz-logs/$t.log" | tail -n 1 | grep -o 'cov: [0-9]*' || true)
  crashes=$(ls tests/corpus/crashes | grep -c "^$t-" || true)
  echo "fuzz_$t: ${seconds}s, $execs executions, $cov, corpus $(ls tests/corpus/$t | wc -l) files, $crashes crashes"
done
