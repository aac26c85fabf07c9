# Thin wrapper over meson.  `make demo` and `make check` work on a fresh
# Debian 12 as root: they install what they need with apt-get first.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
BUILD_ASAN ?= build-asan
MESON ?= meson

.PHONY: all build deps deps-check demo check check-fast unit system asan install bench bench-images bench-engine bench-network bench-build clean

all: build

deps:
	@tools/install-deps.sh build

deps-check:
	@tools/install-deps.sh check

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --prefix=$(PREFIX)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD_ASAN)/build.ninja:
	$(MESON) setup $(BUILD_ASAN) -Dstatic=false -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug -Dc_args=-fno-sanitize-recover=all

asan: deps $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

demo: build
	@tools/demo.sh $(BUILD)

# Everything CI runs: unit and system tests on the normal build, then again
# on the AddressSanitizer + UBSan build.  The last line is "N passed, N failed".
check: deps-check build asan
	@tools/run-tests.sh $(BUILD) $(BUILD_ASAN)

# The normal build only (quicker while developing).
check-fast: deps-check build
	@tools/run-tests.sh $(BUILD)

install: build
	$(MESON) configure $(BUILD) --prefix=$(PREFIX) >/dev/null
	ninja -C $(BUILD)
	DESTDIR=$(DESTDIR) $(MESON) install -C $(BUILD)

bench: deps-check build
	@bench/runtime.sh $(BUILD)/src/cmd/berth-runtime

# Pull, push and images against podman and skopeo (a local registry).
bench-images: deps-check build
	@bench/images.sh $(BUILD)

bench-engine: deps-check build
	@bench/engine.sh $(BUILD)

bench-network: deps-check build
	@bench/network.sh $(BUILD)

# berth build against podman build (and docker's legacy builder if one answers).
bench-build: deps-check build
	@bench/build.sh $(BUILD) 5

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
