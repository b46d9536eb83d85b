# Thin wrapper over meson: every target first installs what is missing
# (scripts/bootstrap.sh only touches apt when a package is absent).
BUILD ?= build
ASAN  ?= build-asan
FUZZ  ?= build-fuzz
FUZZ_SECONDS ?= 60
DEB   ?= build-deb
# make install: meson install from $(BUILD) with this prefix; /etc/sova/sova.conf is the
# path sova reads by default, so the configuration goes under /etc whatever the prefix
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR ?=

.PHONY: all build check demo bench fuzz install deb clean

all: build

build:
	@scripts/bootstrap.sh build
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) >/dev/null
	@ninja -C $(BUILD)

# all tests: unit and libvirt suites (also under ASan+UBSan), the Debian package, then real VMs
check:
	@scripts/bootstrap.sh test
	@scripts/check.sh $(BUILD) $(ASAN)

# every libFuzzer target (tests/fuzz) for FUZZ_SECONDS each, under ASan+UBSan (clang)
fuzz:
	@scripts/bootstrap.sh test
	@tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

# sova, the systemd units (not enabled), /etc/sova/sova.conf (an existing one is kept), the
# man pages and the bash completion; honours DESTDIR
install: build
	@meson configure $(BUILD) -Dprefix=$(PREFIX) -Dsysconfdir=$(SYSCONFDIR) >/dev/null
	@ninja -C $(BUILD) >/dev/null
	@DESTDIR="$(DESTDIR)" meson install -C $(BUILD) --no-rebuild

# the Debian package $(DEB)/sova_VERSION_ARCH.deb (debian/, dpkg-buildpackage -b -us -uc)
deb:
	@scripts/bootstrap.sh deb
	@scripts/deb.sh $(DEB)

demo: build
	@scripts/bootstrap.sh demo
	@rig/demo.sh $(BUILD)

bench: build
	@scripts/bootstrap.sh demo
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ) $(DEB)
