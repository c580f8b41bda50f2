#!/usr/bin/env bash
# Instructions per operation, ndes and msgspec, by valgrind's callgrind: repeatable where wall
# times are not. Each figure is (run of N calls - run of N calls to len()) / N, the same
# contenders and data as bench/run.py.  Usage: bench/callgrind.sh [N]
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-20000}
py=${PYTHON:-../.venv/bin/python}
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" ops.py "$1" "$2" "$n" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for lib in ndes msgspec; do
  base=$(count "$lib" base)
  for op in encode decode msgpack-decode construct; do
    total=$(count "$lib" "$op")
    echo "$lib $op: $(( (total - base) / n )) instructions"
  done
done
