# The two commands a newcomer runs are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test test-c test-py system-deps install wheel-check test-asan memcheck bench fuzz-build fuzz lint format clean

# Creates a connector against the embedded Graph emulator and prints what it made.
demo: install
	$(VENV)/bin/ndes create --emulator --display-name NDES-01 --state active --machine-name ndes01.contoso.com

# Everything: system packages, the package with its test extras, the C tests, the pytest suite.
test: install test-c test-py

# msgpack-c's headers and static library, from Debian's packages when they are missing.
system-deps:
	@if ! dpkg -s libmsgpack-dev >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing libmsgpack-dev"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libmsgpack-dev >/dev/null; \
	  else \
	    echo "install msgpack-c's headers and static library (libmsgpack-dev, msgpack-devel)"; exit 1; \
	  fi; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: system-deps $(PY)
	$(PY) -m pip install -q cmake ninja
	$(PY) -m pip install -q ".[test]"

test-c: system-deps $(PY)
	$(VENV)/bin/cmake -S . -B build/ctest -G Ninja -DNDES_BUILD_TESTS=ON >/dev/null
	$(VENV)/bin/cmake --build build/ctest
	$(VENV)/bin/ctest --test-dir build/ctest --output-on-failure

# Run from the venv's pytest, not `python -m pytest`, so the source tree's ndes/ (which has no
# compiled _core) does not shadow the installed package.
test-py:
	$(VENV)/bin/pytest

# The wheel on its own: built, installed into a new venv, and tested there.
wheel-check: system-deps $(PY)
	rm -rf dist build/wheel-venv
	$(PY) -m pip wheel -q --no-deps -w dist .
	$(PYTHON) -m venv build/wheel-venv
	build/wheel-venv/bin/pip install -q "$$(ls dist/ndes-*.whl)[test]"
	cd build && wheel-venv/bin/pytest -q -p no:cacheprovider ../tests

# The C tests and the corpus replay, then the whole pytest suite, against builds with ASan and
# UBSan. For the pytest suite the interpreter is not
# instrumented, so the ASan runtime is preloaded; leaks are checked by test_leaks.py and
# `make memcheck` instead of at exit, where CPython's own allocations would drown ours.
# PYTHONMALLOC=malloc puts Python objects in ASan's heap, so that a use of a freed object (the
# binding's typical error) is caught, not hidden in a pymalloc arena. test_gc_stress.py runs the
# codec workout under gc.set_threshold(1) with meddling finalizers here too.
ASAN_STAGE := build/asan-stage
test-asan: install
	$(VENV)/bin/cmake -S . -B build/ctest-asan -G Ninja -DNDES_BUILD_TESTS=ON -DNDES_SANITIZE=ON >/dev/null
	$(VENV)/bin/cmake --build build/ctest-asan
	cd build/ctest-asan && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ../../$(VENV)/bin/ctest --output-on-failure
	$(VENV)/bin/cmake -S . -B build/asan -G Ninja -DNDES_BUILD_PYTHON=ON -DNDES_SANITIZE=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	$(VENV)/bin/cmake --build build/asan
	rm -rf $(ASAN_STAGE) && mkdir -p $(ASAN_STAGE) && cp -r ndes $(ASAN_STAGE)/
	cp build/asan/_core*.so $(ASAN_STAGE)/ndes/
	cd build && PYTHONPATH=$(abspath $(ASAN_STAGE)) LD_PRELOAD=$$(gcc -print-file-name=libasan.so) \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  PYTHONMALLOC=malloc NDES_EXPECT_SANITIZED=1 ../$(VENV)/bin/pytest -q -p no:cacheprovider ../tests

# valgrind memcheck over a script that runs every codec path, good inputs and bad; then the same
# under GC stress (the collector at every allocation, finalizers changing what is being worked on).
MEMCHECK := PYTHONMALLOC=malloc valgrind --error-exitcode=9 --leak-check=full \
	  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	  --suppressions=../tests/valgrind-python.supp
memcheck: install
	@command -v valgrind >/dev/null || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq valgrind >/dev/null)
	cd build && $(MEMCHECK) ../$(PY) ../tests/codec_workout.py 200
	cd build && $(MEMCHECK) ../$(PY) ../tests/codec_workout.py 40 --gc-stress

# The documentation site from docs/ into build/docs (Sphinx, warnings are errors), then its
# tests: every code block of the docs and README run, and the index and API page opened in
# Debian's headless Chromium (screenshots kept in build/docs-screenshots/).
.PHONY: docs
docs: system-deps $(PY)
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null)
	$(PY) -m pip install -q cmake ninja
	$(PY) -m pip install -q ".[test,docs]"
	rm -rf build/docs build/docs-screenshots && mkdir -p build
	cd build && ../$(VENV)/bin/sphinx-build -W --keep-going -q -b html ../docs docs
	cd build && NDES_DOCS=1 ../$(VENV)/bin/pytest -q -p no:cacheprovider ../tests/test_docs_blocks.py ../tests/test_docs_site.py

# Side-by-side benchmarks; writes docs/benchmarks.md and docs/benchmarks.png.
bench: install
	$(PY) -m pip install -q ".[bench]"
	cd build && ../$(PY) ../bench/run.py

# libFuzzer targets (clang), run for FUZZ_SECONDS each; findings go to tests/corpus/.
FUZZ_SECONDS ?= 600
fuzz-build:
	@command -v clang >/dev/null || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq clang libclang-rt-14-dev >/dev/null)
	$(VENV)/bin/cmake -S . -B build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DNDES_FUZZ=ON >/dev/null
	$(VENV)/bin/cmake --build build/fuzz

fuzz: $(PY) fuzz-build
	bash csrc/fuzz/run.sh $(FUZZ_SECONDS)

lint: $(PY)
	$(PY) -m pip install -q ".[dev]"
	$(VENV)/bin/ruff check ndes tests examples bench csrc/fuzz
	$(VENV)/bin/ruff format --check ndes tests examples bench csrc/fuzz
	clang-format --dry-run -Werror csrc/*/*.c csrc/*/*.h

format:
	$(VENV)/bin/ruff format ndes tests examples bench csrc/fuzz
	clang-format -i csrc/*/*.c csrc/*/*.h

clean:
	rm -rf build dist $(VENV)
