# SPDX-License-Identifier: MIT
# retour: build, test, bench, install, cross-build.
#
#   make                build retourd and retourctl (never installs anything)
#   make deps           install, with apt, what the build links and lacks
#   make run            install what is missing, build, start the simulated desk
#   make check          install what the tests need, run every test
#   make ui-test        the screen's Playwright tests (part of make check)
#   make lint           formatting, cppcheck, the layers and the log rule
#   make api-doc        docs/API.md from docs/openapi.json (lint checks it)
#   make bench          measured numbers, as a table and build/bench.json
#   make ARCH=arm64     cross-build for the board (armhf too)
#   make install DESTDIR=... PREFIX=/usr
#   make deb            the Debian package (ARCH=arm64, armhf too)
#   make check-deb      the packages checked, and installed into Debian 12
#   make check-hil      the real retourd against real kernel drivers, in qemu
#   make image          the station's arm64 disk image (firmware/, as root)
#   make bundle         a signed RAUC update bundle from that image
#   make check-image    the image booted in qemu: first boot, updates, fallback

ARCH ?= native
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR ?=
SANITIZE ?=

ifeq ($(ARCH),native)
CC ?= cc
CXX ?= c++
BUILD := build
PKG_CONFIG := pkg-config
RUNNER :=
else ifeq ($(ARCH),arm64)
CC := aarch64-linux-gnu-gcc
CXX := aarch64-linux-gnu-g++
TRIPLET := aarch64-linux-gnu
BUILD := build/arm64
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
RUNNER := qemu-aarch64
else ifeq ($(ARCH),armhf)
CC := arm-linux-gnueabihf-gcc
CXX := arm-linux-gnueabihf-g++
TRIPLET := arm-linux-gnueabihf
BUILD := build/armhf
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig pkg-config
RUNNER := qemu-arm
else
$(error ARCH must be native, arm64 or armhf)
endif

# libgpiod 1.6 (Debian 12) or 2.x (bookworm-backports): the GPIO backend
# speaks the API pkg-config finds (src/dev/gpio_port.h).  GPIOD=2 builds
# against the 2.x packages scripts/gpiod2.sh unpacks into build/gpiod2, in
# a build folder of its own, run through an rpath (make gpiod2-check).
GPIOD ?=
GPIOD2_ROOT := build/gpiod2/root
ifeq ($(GPIOD),2)
ifneq ($(ARCH),native)
$(error GPIOD=2 is for the native build)
endif
BUILD := build/gpiod2/build
PKG_CONFIG := PKG_CONFIG_PATH=$(GPIOD2_ROOT)/usr/lib/$(shell $(CC) -print-multiarch)/pkgconfig pkg-config
GPIOD_RPATH = -Wl,-rpath,$(abspath $(GPIOD2_ROOT))/usr/lib/$(shell $(CC) -print-multiarch)
endif
# the major version of the libgpiod pkg-config finds, asked lazily
GPIOD_MAJOR = $(firstword $(subst ., ,$(shell $(PKG_CONFIG) --modversion libgpiod)))

ifneq ($(SANITIZE),)
BUILD := $(BUILD)-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# libFuzzer builds (make fuzz): clang, coverage on every object.
ifneq ($(FUZZING),)
CC := clang
BUILD := build/fuzz
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
WARN_EXTRA := -Wno-unknown-warning-option
endif

PKGS := sqlite3 libcurl libsystemd libmicrohttpd jansson inih nettle \
	libusb-1.0 libgpiod libturbojpeg libpng cairo libzip
TEST_PKGS := cmocka

# ZBar: the native build asks pkg-config.  A cross build cannot install
# libzbar-dev for the board beside the native one (Debian 12: its
# libmagick++-dev is not co-installable), so it compiles against the native
# zbar.h, which is the same for every architecture, and links the board's
# libzbar0 through a symlink in the build folder.
ifeq ($(ARCH),native)
ZBAR_LIBS = $(shell $(PKG_CONFIG) --libs zbar)
ZBAR_LINK :=
else
ZBAR_LINK := $(BUILD)/link/libzbar.so
ZBAR_LIBS = -L$(BUILD)/link -lzbar
endif

# pkg-config is asked lazily so that `make deps` can run before it works.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) $(ZBAR_LIBS)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter

# Hardening for every build: stack canaries, stack clash probes,
# position-independent code and a read-only GOT resolved at start (full
# RELRO, -z now).  hardening-check checks the packaged binaries (make
# check-deb).
# _FORTIFY_SOURCE needs optimisation (CFLAGS keeps -O2), and it is left out
# of the sanitizer and fuzzing builds: its checked copies of memcpy and the
# like would hide the accesses that ASan is there to see.
HARDEN := -fstack-protector-strong -fstack-clash-protection -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now
ifeq ($(SANFLAGS),)
HARDEN += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif

# 64-bit file offsets and inode numbers on 32-bit boards (armhf), as on
# the 64-bit ones: without them stat() and readdir() fail with EOVERFLOW on
# a large file or inode, or on an ext4 directory's 64-bit hash offsets
# (qemu-arm on a 64-bit kernel always gets those).  A no-op on 64-bit.
# time_t stays the C library's (32-bit on Debian 12 armhf): the libraries
# linked are built with it.
LFS := -D_FILE_OFFSET_BITS=64

# the version both programs and the status say: the package's, from its
# changelog (one place to change it)
RETOUR_VERSION := $(shell sed -n '1s/^retour (\([^)-]*\).*/\1/p' packaging/deb/changelog)

CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) $(WARN_EXTRA) -D_GNU_SOURCE $(LFS) -Iinclude \
	-DRETOUR_VERSION='"$(RETOUR_VERSION)"' $(HARDEN) $(SANFLAGS) -MMD -MP
override LDFLAGS += $(HARDEN_LD) $(SANFLAGS) $(GPIOD_RPATH)

CORE_SRC := $(wildcard src/core/*.c)
SHELL := /bin/bash
SHELL_SRC := $(wildcard src/sys/*.c src/codec/*.c src/store/*.c src/dev/*.c src/net/*.c \
	src/net/connectors/*.c src/api/*.c) \
	$(wildcard src/daemon/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_HELPERS := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
BENCH_SRC := $(wildcard tests/bench/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SECONDS ?= 5

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
CORE_LIB := $(BUILD)/libretour-core.a
SHELL_LIB := $(BUILD)/libretour-shell.a
RETOURD := $(BUILD)/retourd
RETOURCTL := $(BUILD)/retourctl
# sample labels made by the core, for the renderer test (test_label_render.py)
LABEL_SAMPLES := $(BUILD)/label_samples
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzzers/%,$(FUZZ_SRC))

PYTHON := /usr/bin/python3

.PHONY: all deps test-deps bench-deps run check unit system ui-test bench soak install install-system \
	lint lint-layers lint-selftest api-doc clean arm-check fuzz fuzz-run \
	gpio-unit gpiod2-check deb check-deb check-hil image bundle check-image
.DEFAULT_GOAL := all
.SECONDARY:

# The default goal only compiles: apt runs from `make deps` and the targets
# that call it (run, check, bench, arm-check, and the test targets).
all: $(RETOURD) $(RETOURCTL)

deps:
	@scripts/deps.sh build $(ARCH)

test-deps:
	@scripts/deps.sh test $(ARCH)

bench-deps:
	@scripts/deps.sh bench $(ARCH)

# The core is pure C: its objects see the project's headers and the C
# library's, never a third-party library's include flags (inih's ini.h is
# in /usr/include).  scripts/lint-layers.py checks the same from the source.
$(BUILD)/obj/src/core/%.o: src/core/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# Only the file of the libgpiod API found compiles to anything.
$(BUILD)/obj/src/dev/gpio_gpiod%.o: override CFLAGS += -DRETOUR_GPIOD_MAJOR=$(GPIOD_MAJOR)

$(CORE_LIB): $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(SHELL_LIB): $(call obj,$(SHELL_SRC)) | $(ZBAR_LINK)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

$(BUILD)/link/libzbar.so:
	@mkdir -p $(dir $@)
	ln -sf /usr/lib/$(TRIPLET)/libzbar.so.0 $@

# zxing-cpp, the camera decoder's second reader (DataMatrix): one C++ file,
# built only where pkg-config finds zxing (Debian's libzxing-dev); the cross
# builds and the libFuzzer build go without it, and a board asking for
# datamatrix is then refused with a reason (barcode.h).
ifeq ($(FUZZING),)
HAVE_ZXING := $(shell $(PKG_CONFIG) --exists zxing && echo yes)
endif
ifeq ($(HAVE_ZXING),yes)
ZXING_OBJ := $(BUILD)/obj/src/dev/barcode_zxing.o
override CFLAGS += -DRETOUR_HAVE_ZXING
CXXFLAGS ?= -O2 -g
ZXING_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Iinclude -DRETOUR_HAVE_ZXING -DZX_USE_UTF8 $(LFS) $(HARDEN) $(SANFLAGS) -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags zxing)
PKG_LIBS += $(shell $(PKG_CONFIG) --libs zxing) -lstdc++
$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	@$(CXX) $(CXXFLAGS) $(ZXING_CXXFLAGS) -c $< -o $@
$(SHELL_LIB): $(ZXING_OBJ)
endif

# The screen (web/) compiled in: scripts/embed-web.sh writes a C file whose
# table points at each file and its gzip copy (the assembler's .incbin),
# served by src/api/static.c.  Chart.js comes from Debian's libjs-chart.js
# (make deps), embedded as it is; only the KPI page loads it.
CHARTJS := /usr/share/javascript/chart.js/chart.min.js
WEB_FILES := $(sort $(wildcard web/*.html web/*.css web/*.js web/*.svg))
WEB_GEN := $(BUILD)/gen/web_assets.c
$(WEB_GEN): $(WEB_FILES) $(CHARTJS) scripts/embed-web.sh
	@mkdir -p $(dir $@)
	@echo "  EMBED   web/"
	@scripts/embed-web.sh $@ $(BUILD)/gen/web-gz \
		$(foreach f,$(WEB_FILES),$(f)=$(notdir $(f))) $(CHARTJS)=chart.min.js
$(CHARTJS):
	@echo "$@ is missing: make deps installs Debian's libjs-chart.js" >&2; exit 1
$(BUILD)/gen/web_assets.o: $(WEB_GEN)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -Isrc/api -c $< -o $@
$(SHELL_LIB): $(BUILD)/gen/web_assets.o

$(RETOURD): $(call obj,src/retourd/main.c) $(SHELL_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -lpthread

$(RETOURCTL): $(call obj,$(CLI_SRC)) $(SHELL_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -lpthread

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(call obj,$(UNIT_HELPERS)) \
		$(SHELL_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) \
		$(PKG_LIBS) $(TEST_LIBS) -lm -lpthread

$(LABEL_SAMPLES): $(call obj,tests/label/label_samples.c) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^

# The CLI's case reader is not in the libraries; its test links it directly.
$(BUILD)/tests/test_cli_case: $(call obj,src/cli/cli_case.c)

$(BUILD)/bench/%: $(call obj,tests/bench/%.c) $(SHELL_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -lpthread

$(BUILD)/fuzzers/%: $(call obj,tests/fuzz/%.c) $(SHELL_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS) -lm -lpthread

# Every parser of outside bytes under libFuzzer for FUZZ_SECONDS each.
fuzz: test-deps
	$(MAKE) FUZZING=1 fuzz-run

# Seeds in tests/fuzz/seeds/NAME are copied so the corpus grows in build/.
fuzz-run: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); c=$(BUILD)/corpus/$$n; mkdir -p $$c; \
		if [ -d tests/fuzz/seeds/$$n ]; then \
			cp -n tests/fuzz/seeds/$$n/* $$c/; fi; \
		echo "== $$n ($(FUZZ_SECONDS) s)"; \
		$$f $$c -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			-print_final_stats=0 2>&1 | tail -n 1; \
		test $${PIPESTATUS[0]} -eq 0; done

# The simulated desk: boards/sim.conf, demo expected returns, devices on ptys.
# Built with one job per core.
run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@$(PYTHON) scripts/simdesk.py --build $(BUILD)

check: test-deps
	$(MAKE) lint
	$(MAKE) all unit
	$(MAKE) SANITIZE=1 unit
	$(MAKE) FUZZING=1 fuzz-run
	$(MAKE) gpiod2-check
	$(MAKE) system
	$(MAKE) ui-test
	$(MAKE) arm-check
	$(MAKE) check-deb
	$(MAKE) check-hil
	$(MAKE) check-image

# Hardware in the loop (docs/DESIGN.md, Tests): a qemu guest with Debian's
# kernel, USB gadgets, vivid and gpio-sim runs the real retourd with
# boards/hil.conf; the kernel, modules and gpio-sim are prepared once per
# kernel version into $$XDG_CACHE_HOME/retour-hil.  Logs: $(BUILD)/hil/.
check-hil:
	@scripts/deps.sh hil
	$(MAKE) all
	scripts/hil/run.sh $(BUILD)

# The station's OS image (firmware/, docs/FIRMWARE.md): Debian 12 arm64
# with retour's own .deb, read-only A/B root slots and a data partition,
# updated by RAUC.  The bootstrapped root is cached in
# $$XDG_CACHE_HOME/retour-image, keyed on the archive's package lists.
# Built as root (chroot, file owners).  check-image boots it in qemu
# (tests/image/check_image.py) and writes build/image/check.json, which
# make bench reads.
IMAGE_DIR := build/image
image:
	@scripts/deps.sh image
	$(MAKE) --no-print-directory ARCH=arm64 deps deb
	$(SUDO) firmware/scripts/image.sh $$(ls build/arm64/retour_*_arm64.deb | tail -n 1) $(IMAGE_DIR)

bundle:
	@test -f $(IMAGE_DIR)/rootfs.ext4 || { echo "make bundle: no $(IMAGE_DIR)/rootfs.ext4: run make image first" >&2; exit 1; }
	$(SUDO) firmware/scripts/bundle.sh $(IMAGE_DIR)/rootfs.ext4 $(IMAGE_DIR)/update.raucb

# (RETOUR_CHECK_START: the whole run's wall time goes into check.json)
check-image:
	@start=$$(date +%s) && $(MAKE) --no-print-directory image && \
		$(SUDO) env RETOUR_CHECK_START=$$start $(PYTHON) tests/image/check_image.py $(IMAGE_DIR)

# A test program that hangs fails after UNIT_TIMEOUT seconds instead of
# holding CI up to its limit (the slowest takes ~10 s under qemu-arm).
UNIT_TIMEOUT ?= 300
unit: $(UNIT_BINS)
	@set -e; pass=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; rc=0; \
		timeout $(UNIT_TIMEOUT) $(RUNNER) $$t || rc=$$?; \
		if [ $$rc -eq 124 ]; then echo "unit: $$t hung:" \
			"stopped after $(UNIT_TIMEOUT) s"; fi; \
		[ $$rc -eq 0 ] || exit $$rc; \
		pass=$$((pass+1)); done; \
		echo "unit: $$pass test programs passed$(if $(RUNNER), under $(RUNNER))"

# The GPIO unit tests alone (make GPIOD=2 gpio-unit: against libgpiod 2.x).
GPIO_UNIT_BINS := $(BUILD)/tests/test_gpio $(BUILD)/tests/test_tower
gpio-unit: $(GPIO_UNIT_BINS)
	@set -e; for t in $(GPIO_UNIT_BINS); do echo "== $$t"; $(RUNNER) $$t; done
	@echo "gpio-unit: libgpiod $$($(PKG_CONFIG) --modversion libgpiod)"

# The same tests built against libgpiod 2.x, fetched once (scripts/gpiod2.sh).
gpiod2-check:
	scripts/gpiod2.sh $(GPIOD2_ROOT)
	$(MAKE) GPIOD=2 gpio-unit

# The screen in Debian's headless Chromium, driven by taps against a real
# retourd (tests/ui/, Playwright); screenshots in build/ui-shots/.
ui-test: test-deps $(RETOURD) $(RETOURCTL)
	cd tests/ui && RETOUR_BUILD=$(abspath $(BUILD)) PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
		npx playwright test -c playwright.config.js

# A cross build runs its binaries through qemu-user wrappers.
ifeq ($(RUNNER),)
SYSTEM_BIN := $(BUILD)
else
SYSTEM_BIN := $(BUILD)/$(RUNNER)
endif

system: test-deps $(RETOURD) $(RETOURCTL) $(LABEL_SAMPLES)
ifneq ($(RUNNER),)
	@mkdir -p $(SYSTEM_BIN)
	@for b in retourd retourctl label_samples; do \
		printf '#!/bin/sh\nexec %s %s "$$@"\n' $(RUNNER) \
			$(abspath $(BUILD))/$$b > $(SYSTEM_BIN)/$$b; \
		chmod +x $(SYSTEM_BIN)/$$b; done
endif
	RETOUR_BUILD=$(SYSTEM_BIN) $(PYTHON) -m pytest -q tests/system

# The boards' builds, cross-compiled and run under qemu-user.  From
# `make check`: arm64's unit and system tests and armhf's unit tests (its
# system tests would add as long again; the 32-bit risks, sizes, formats,
# file offsets and time_t, are in the units).  `make arm-check ARCH=armhf`
# (or arm64): that one build's unit and system tests.
ifeq ($(ARCH),native)
arm-check:
	$(MAKE) ARCH=arm64 test-deps all unit system
	$(MAKE) ARCH=armhf test-deps all unit
else
arm-check:
	$(MAKE) ARCH=$(ARCH) test-deps all unit system
endif

# Hours, not minutes: the kill -9 loop 200 times per connector, the shop
# away for minutes, and the outbox recovery after a 60 s outage with 1000
# refunds queued (make check runs the same tests capped).
SOAK_ITERATIONS ?= 200
soak: test-deps bench-deps $(RETOURD) $(RETOURCTL) $(BENCH_BINS)
	RETOUR_BUILD=$(BUILD) RETOUR_CRASH_ITERATIONS=$(SOAK_ITERATIONS) \
		RETOUR_CRASH_BUDGET_S=3600 RETOUR_CRASH_OUTAGE_S=180 \
		$(PYTHON) -m pytest -q tests/system/test_crash_refunds.py
	RETOUR_BUILD=$(BUILD) RETOUR_BENCH_OUTAGE_S=60 \
		RETOUR_BENCH_RECOVERY=1000 $(PYTHON) scripts/bench.d/outbox.py

# bench-deps brings strace, which counts the fsyncs of a return.  The
# ARM builds are for scripts/bench.d/arch.py's rows (size, memory and
# start under qemu-user).
bench: bench-deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@$(MAKE) --no-print-directory ARCH=arm64 deps all
	@$(MAKE) --no-print-directory ARCH=armhf deps all
	@mkdir -p $(BUILD)
	RETOUR_BUILD=$(BUILD) $(PYTHON) scripts/bench.py

# Also the layers and the daemon's log rule: scripts/lint-layers.py.
lint: test-deps lint-layers lint-selftest
	$(PYTHON) scripts/api-doc.py --check
	clang-format --dry-run --Werror $(wildcard src/*/*.c src/*/*/*.c include/retour/*.h)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance \
		--inline-suppr -Iinclude --include=/usr/include/jansson.h src

lint-layers:
	$(PYTHON) scripts/lint-layers.py .

# docs/API.md is made from docs/openapi.json (and docs/API.upstream.md);
# `make lint` fails when it is not.
api-doc:
	$(PYTHON) scripts/api-doc.py

# The checker must fail on each broken fixture and pass on the real tree.
lint-selftest:
	@sh tests/lint/run.sh

# The default configuration is installed only where there is none: a
# site's own is never overwritten.  The udev rules and the modules-load.d
# file are installed when the tree has them.
MAN_PAGES := $(wildcard docs/man/*.[1-8])
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/retour/boards \
		$(DESTDIR)$(PREFIX)/share/retour/checklists \
		$(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(SYSCONFDIR)/retour
	install -m 0755 $(RETOURD) $(RETOURCTL) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 boards/*.conf $(DESTDIR)$(PREFIX)/share/retour/boards/
	install -m 0644 checklists/*.ini $(DESTDIR)$(PREFIX)/share/retour/checklists/
	for m in $(MAN_PAGES); do \
		install -D -m 0644 $$m \
			$(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/$${m##*/}; done
	test -e $(DESTDIR)$(SYSCONFDIR)/retour/retourd.conf || \
		install -m 0644 conf/retourd.conf $(DESTDIR)$(SYSCONFDIR)/retour/
	$(MAKE) --no-print-directory install-system

# The systemd and udev files alone (tests/system/test_units.py checks them).
install-system:
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d \
		$(DESTDIR)$(PREFIX)/lib/udev/rules.d \
		$(DESTDIR)$(PREFIX)/lib/modules-load.d
	install -m 0644 systemd/retourd.service systemd/retour-kiosk.service \
		systemd/retour-backup.service systemd/retour-backup.timer \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/
	install -m 0644 systemd/retour.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/retour.conf
	install -m 0644 systemd/retour.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/retour.conf
	install -m 0644 systemd/60-retour.rules $(DESTDIR)$(PREFIX)/lib/udev/rules.d/
	install -m 0644 systemd/retour.modules-load \
		$(DESTDIR)$(PREFIX)/lib/modules-load.d/retour.conf

# The Debian package of this ARCH's build, build[/ARCH]/retour_V_DEBARCH.deb
# (docs/PACKAGE.md): make install into a staging tree, then scripts/deb.sh
# strips, compresses, adds the Debian files and runs dpkg-deb.
DEB_ARCH = $(if $(filter native,$(ARCH)),$(shell dpkg --print-architecture),$(ARCH))
STRIP := $(if $(TRIPLET),$(TRIPLET)-strip,strip)
deb: all
ifneq ($(SANITIZE)$(FUZZING)$(GPIOD),)
	$(error make deb packages the plain build: without SANITIZE, FUZZING or GPIOD)
endif
	rm -rf $(BUILD)/deb
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD)/deb/root) \
		PREFIX=/usr SYSCONFDIR=/etc
	STRIP=$(STRIP) scripts/deb.sh $(DEB_ARCH) $(BUILD)/deb/root $(BUILD)

# The three packages, each through lintian and hardening-check, and the
# native one installed into a fresh Debian 12 root made by mmdebstrap and
# kept in build/debroot (tests/package/test_deb.py).  The root is made and
# entered as root: through sudo for another user.
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)
check-deb: test-deps
	@set -e; for a in native arm64 armhf; do \
		$(MAKE) --no-print-directory ARCH=$$a deps deb; done
	$(SUDO) $(PYTHON) -m pytest -q tests/package

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
