# Thin front end over CMake. Every target does its own set-up (tools/setup.sh).
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
BENCH_ARGS ?=

.PHONY: all setup build check check-asan check-tsan demo demo-core bench install clean

all: build

setup:
	@sh tools/setup.sh

$(BUILD)/CMakeCache.txt: | setup
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

check-asan: setup
	cmake -S . -B build-asan -DLIPC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 600

check-tsan: setup
	cmake -S . -B build-tsan -DLIPC_TSAN=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j $(JOBS) --timeout 600 -L tsan --no-tests=error

demo: build
	@sh tools/demo.sh $(BUILD)

demo-core: build
	@sh tools/demo.sh $(BUILD) core

# All benchmarks, each against its floor measured in the same run: the core
# (lipc_bench), the C IPC library over the raw core call (ipc_bench), samgr
# remote Invoke over the raw core call (samgr_remote_bench), samgr in-process
# over a mutex+condvar handoff (samgr_bench).  BENCH_ARGS=--json: one JSON
# object per line from all of them; BENCH_ARGS=--quick: short runs (the last
# one has no quick mode and ignores it).
bench: $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) >&2
	@$(BUILD)/bench/lipc_bench $(BENCH_ARGS)
	@$(BUILD)/bench/ipc_bench $(BENCH_ARGS)
	@$(BUILD)/bench/samgr_remote_bench $(BENCH_ARGS)
	@$(BUILD)/bench/samgr/samgr_bench $(filter --json,$(BENCH_ARGS))

# The pkg-config files carry the prefix: configure with it, then install.
install: setup
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-tsan
