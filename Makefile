# Thin wrapper over meson: every target first installs what is missing
# (scripts/bootstrap.sh only touches apt when a package is absent).
BUILD ?= build
ASAN  ?= build-asan
FUZZ  ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all build check demo bench fuzz clean

all: build

build:
	@scripts/bootstrap.sh build
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) >/dev/null
	@ninja -C $(BUILD)

# all tests: unit and libvirt suites (also under ASan+UBSan), then real VMs
check:
	@scripts/bootstrap.sh test
	@scripts/check.sh $(BUILD) $(ASAN)

# every libFuzzer target (tests/fuzz) for FUZZ_SECONDS each, under ASan+UBSan (clang)
fuzz:
	@scripts/bootstrap.sh test
	@tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

demo: build
	@scripts/bootstrap.sh demo
	@rig/demo.sh $(BUILD)

bench: build
	@scripts/bootstrap.sh demo
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
