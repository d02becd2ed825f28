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

bench: build
	@$(BUILD)/bench/lipc_bench $(BENCH_ARGS)

# The pkg-config files carry the prefix: configure with it, then install.
install: setup
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-tsan
