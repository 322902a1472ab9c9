# Front door for users and CI. Every target installs what it needs first (scripts/setup.sh
# is idempotent and near-instant when everything is present).
#
#   make demo        the helloworld demo: platform + two greeters, called by name
#   make test        build everything and run the whole test suite
#   make test-asan   the suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-tsan   the suite under ThreadSanitizer
#   make bench       build the benchmarks (run them as docs/BENCHMARKS.md says)
#   make bench-rpc   build, then run the RPC benchmark (micro vs raw gRPC, HTTP/JSON under wrk)
#   make bench-chains  build, then measure metrics + tracing (1%, 100%) and governance vs none

JOBS ?= 2
BUILD ?= build
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure -j$(JOBS)

.PHONY: all setup build demo test test-asan test-tsan bench bench-rpc bench-chains format clean

all: build

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS)

# The demo needs only the CLI and the example's binaries.
demo: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS) --target micro_cli helloworld-server helloworld-client
	examples/helloworld/demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest $(CTEST_FLAGS)

test-asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DMICRO_SANITIZE=address -DCMAKE_BUILD_TYPE=Debug"

# gRPC is not TSan-instrumented here; tests/tsan.supp keeps its internals out of reports.
test-tsan: export TSAN_OPTIONS = suppressions=$(CURDIR)/tests/tsan.supp ignore_noninstrumented_modules=1 halt_on_error=0 exitcode=66
test-tsan:
	$(MAKE) test BUILD=build-tsan CMAKE_FLAGS="-DMICRO_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug"

bench: setup
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMICRO_BUILD_TESTS=OFF
	cmake --build build-bench -j$(JOBS)

bench-rpc: bench
	bench/rpc/run.sh build-bench build-bench/bench-rpc.md

bench-chains: bench
	bench/rpc/chains.sh build-bench build-bench/bench-chains.md

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build build-asan build-tsan build-bench
