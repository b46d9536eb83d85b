# Thin wrapper over meson: every target first installs what is missing
# (scripts/bootstrap.sh only touches apt when a package is absent).
BUILD ?= build
ASAN  ?= build-asan

.PHONY: all build check demo bench clean

all: build

build:
	@scripts/bootstrap.sh build
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) >/dev/null
	@ninja -C $(BUILD)

# all tests: unit and libvirt suites (also under ASan+UBSan), then real VMs
check:
	@scripts/bootstrap.sh test
	@scripts/check.sh $(BUILD) $(ASAN)

demo: build
	@scripts/bootstrap.sh demo
	@rig/demo.sh $(BUILD)

bench: build
	@scripts/bootstrap.sh demo
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN)
