#!/usr/bin/env bash
# `make wheels`: a manylinux wheel for each CPython 3.10-3.13 found on this machine, built from
# the sdist as an index user's pip would, repaired by auditwheel (msgpack-c is linked statically,
# so nothing gets vendored), installed into a fresh venv of its own version and smoke-tested
# there; the whole pytest suite runs against the oldest and the newest. Wheels go to dist/.
# A version that is not installed is skipped with a message; none found at all is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=build/wheels
minors=(10 11 12 13)
rm -rf "$work" dist
mkdir -p "$work" dist

# pyenv's newest installed 3.X, else a python3.X on PATH that runs (a pyenv shim for a version
# that is not selected fails, so each candidate is tried, not just found).
find_python() {
  local v=3.$1 p
  if command -v pyenv >/dev/null 2>&1 && latest=$(pyenv latest "$v" 2>/dev/null); then
    p="$(pyenv root)/versions/$latest/bin/python$v"
    if [ -x "$p" ] && "$p" -c '' 2>/dev/null; then echo "$p"; return; fi
  fi
  for p in $(type -ap "python$v"); do
    if "$p" -c '' 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

# The sdist, unpacked: a clean tree like a user's checkout, which a build must leave unchanged.
python -m build --sdist --no-isolation -o "$work/sdist" . >/dev/null
sdist=$(ls "$work"/sdist/ndes-*.tar.gz)
tar xzf "$sdist" -C "$work/sdist"
src=$(ls -d "$work"/sdist/ndes-*/)
before=$(cd "$src" && find . | sort | sha1sum)

found=()
for minor in "${minors[@]}"; do
  if ! py=$(find_python "$minor"); then
    echo "wheels: CPython 3.$minor not found (pyenv install 3.$minor, or put python3.$minor on PATH): skipped"
    continue
  fi
  found+=("$minor")
  echo "wheels: CPython 3.$minor: $py ($("$py" -c 'import platform; print(platform.python_version())'))"
  dir=$work/cp3$minor
  "$py" -m venv "$dir/build-env"
  "$dir/build-env/bin/pip" wheel -q --no-deps -w "$dir/raw" "$src"
  auditwheel repair -w dist "$dir"/raw/ndes-*.whl >"$dir/repair.log" 2>&1 || { cat "$dir/repair.log"; exit 1; }
  wheel=$(ls dist/ndes-*-cp3$minor-cp3$minor-*manylinux*.whl)
  show=$(auditwheel show "$wheel")
  echo "$show" | grep -q "is consistent with the following platform tag" || { echo "$show"; exit 1; }
  if echo "$show" | grep -q "external shared libraries are required"; then echo "$show"; exit 1; fi
  if python -m zipfile -l "$wheel" | grep -qE '\.libs/|libmsgpack'; then
    echo "wheels: $wheel vendors a library"; exit 1
  fi
  echo "wheels: $(basename "$wheel"): $(echo "$show" | grep -A1 'consistent with' | tail -n 1 | tr -s ' ')"

  # A fresh venv of the same version, nothing but the wheel; run from outside the source tree.
  "$py" -m venv "$dir/smoke"
  "$dir/smoke/bin/pip" install -q "$wheel"
  (cd "$dir" && smoke/bin/python - <<'PY'
import ndes

c = ndes.NdesConnector(display_name="NDES-01", state="active", role_scope_tag_ids=["0"])
assert ndes.NdesConnector.from_json(c.to_json()) == c
assert ndes.NdesConnector.from_msgpack(c.to_msgpack()) == c
assert ndes.__file__.startswith(__import__("sys").prefix), ndes.__file__
print("smoke:", c.to_json().decode())
PY
  )
  (cd "$dir" && smoke/bin/ndes create --emulator --display-name NDES-01 --state active >/dev/null)
  echo "wheels: cp3$minor smoke test passed (import, encode, ndes create --emulator)"
done

[ "$(cd "$src" && find . | sort | sha1sum)" = "$before" ] || { echo "wheels: the build wrote into the source tree"; exit 1; }
if [ ${#found[@]} -eq 0 ]; then echo "wheels: no CPython 3.10-3.13 found"; exit 1; fi

# The whole suite against the oldest and the newest, each in its smoke venv with the test extra.
suites=("${found[0]}")
[ "${found[-1]}" != "${found[0]}" ] && suites+=("${found[-1]}")
for minor in "${suites[@]}"; do
  dir=$work/cp3$minor
  wheel=$(ls dist/ndes-*-cp3$minor-cp3$minor-*manylinux*.whl)
  "$dir/smoke/bin/pip" install -q "$wheel[test]"
  echo "wheels: the pytest suite on cp3$minor"
  (cd "$dir" && NDES_EXPECT_INSTALLED=1 smoke/bin/pytest -q -p no:cacheprovider "$root/tests")
done
ls -l dist
