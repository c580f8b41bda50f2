#!/usr/bin/env bash
# Instructions per operation, ndes and msgspec, by valgrind's callgrind: repeatable where wall
# times are not. Each figure is (run of N calls - run of N calls to len()) / N, the same
# contenders and data as bench/run.py; pages (100 connectors) are run N/100 times, batches
# (10,000) N/1000 times.
# Usage: bench/callgrind.sh [N]   (LIBS="ndes" for ndes's rows alone)
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-20000}
# The setup subtracted by the base run builds dicts and sets: with one hash seed its cost is
# the same in every run, not a few hundred instructions per call apart.
export PYTHONHASHSEED=0
py=${PYTHON:-../.venv/bin/python}
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" ops.py "$1" "$2" "${3:-$n}" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for lib in ${LIBS:-ndes msgspec}; do
  base=$(count "$lib" base)
  for op in encode decode decode-read msgpack-decode msgpack-decode-read graph-decode construct; do
    total=$(count "$lib" "$op")
    echo "$lib $op: $(( (total - base) / n )) instructions"
  done
  base_page=$(count "$lib" base $((n / 100)))
  total=$(count "$lib" page-read $((n / 100)))
  echo "$lib page-read: $(( (total - base_page) / (n / 100) )) instructions per page"
  base_batch=$(count "$lib" base $((n / 1000)))
  for op in batch-encode batch-decode; do
    total=$(count "$lib" "$op" $((n / 1000)))
    echo "$lib $op: $(( (total - base_batch) / (n / 1000) )) instructions per batch"
  done
done
