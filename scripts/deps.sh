#!/bin/sh
# SPDX-License-Identifier: MIT
# Install, from Debian's archive, whatever the build, the tests or the bench
# need and the machine lacks.  Called by `make deps` (and run, check, bench,
# arm-check), never by plain `make`.
#   scripts/deps.sh build|test|bench|hil|image [native|arm64|armhf]
# build: what the build links today; test: that, cmocka and the test tools;
# bench: the build's and strace (which counts a return's fsyncs).
# hil: the build's and what make check-hil's guest needs (scripts/hil/):
# qemu, a static busybox and cpio for its initramfs, kmod, the headers of
# the kernel Debian ships now (gpio-sim is built against them; the kernel
# image and source are downloaded by scripts/hil/prepare.sh, not installed),
# udev, and the tools that drive vivid and read the GPIO lines.
# test also installs the label renderer the label test checks our ZPL with
# (npm's zpl-renderer-js, pinned in tests/label/package-lock.json, into
# tests/label/node_modules, which git ignores); zbarimg decodes its barcodes.
# test and bench also install the fake S3 server the photo upload is
# tested and measured against (npm's s3rver, pinned in
# tests/s3/package-lock.json, into tests/s3/node_modules); s3cmd is the
# independent client that checks what arrived.
# test also installs the screen's test runner (npm's @playwright/test, pinned
# in tests/ui/package-lock.json, into tests/ui/node_modules, without its
# browser downloads: the tests run Debian's chromium).
# image: the build's and what make image, make bundle and make check-image use (firmware/):
# mmdebstrap with qemu-user-static and binfmt-support for the arm64 root,
# e2fsprogs, dosfstools, mtools and fdisk for the disk without loop
# devices, zstd, rauc and squashfs-tools for the bundles, openssl for the
# test keys, u-boot-tools (mkimage) for the boot script, qemu-system-arm
# and u-boot-qemu (the real boot loader, qemu's -bios) for the boots (the
# .deb for the board comes from `make ARCH=arm64 deps deb`, which the
# Makefile runs first).
# Idempotent and quiet when everything is already there.
# ZBar is special for a cross build: libzbar-dev:arm64 (or :armhf) cannot
# be installed beside the native libzbar-dev on Debian 12 (its
# libmagick++-dev is not co-installable: apt-get -s shows it removing the
# native one), so the board gets only its libzbar0 and the build links it
# through a symlink (see the Makefile); zbar.h is the native one.
# libjs-chart.js (Chart.js 3.9) is embedded in retourd for the KPI page
# (the Makefile's web rule): an architecture-independent build tool.
# zxing-cpp, the second barcode decoder, is optional at build time: the
# native build installs it, a cross build goes without.
# The package test (make check-deb) needs mmdebstrap for its Debian root,
# lintian, devscripts' hardening-check, man-db for the man pages and
# iproute2 for the root's own loopback.  poppler-utils' pdftotext and
# pdfimages read the dispute pack's PDF in its test (test_evidence.py).
# If another apt or dpkg holds the package lock, wait for it up to
# RETOUR_DPKG_WAIT seconds (300 by default), then stop with a message.
set -eu

what=${1:-build}
arch=${2:-native}
wait_max=${RETOUR_DPKG_WAIT:-300}

# Exactly what the Makefile's PKGS link: sqlite3, libcurl (GnuTLS),
# libsystemd, libmicrohttpd, jansson, inih, nettle, libusb, libgpiod,
# libjpeg-turbo, libpng, cairo and libzip (the dispute pack's PDF and
# ZIP); then ZBar and zxing-cpp by architecture.  The pack's text is set
# in DejaVu Sans (fonts-dejavu-core, found through fontconfig), an
# architecture-independent tool beside them.
libs="libsqlite3-dev libcurl4-gnutls-dev libsystemd-dev libmicrohttpd-dev
libjansson-dev libinih-dev nettle-dev libusb-1.0-0-dev libgpiod-dev
libturbojpeg0-dev libpng-dev libcairo2-dev libzip-dev"
nativelibs="libzbar-dev libzxing-dev"
crosslibs="libzbar0"
testlibs="libcmocka-dev"
tools="build-essential pkg-config libjs-chart.js fonts-dejavu-core"
testtools="python3 python3-pytest sqlite3 clang libclang-rt-14-dev clang-format
cppcheck strace zbar-tools nodejs zint python3-pil systemd udev
mmdebstrap lintian devscripts man-db iproute2 chromium poppler-utils s3cmd"
benchtools="python3 strace nodejs s3cmd python3-pil"
imagetools="mmdebstrap qemu-user-static binfmt-support arch-test
e2fsprogs dosfstools mtools fdisk zstd rauc squashfs-tools openssl
qemu-system-arm u-boot-qemu u-boot-tools curl python3"
hiltools="qemu-system-x86 busybox-static cpio kmod xz-utils gpiod usbutils
v4l-utils evtest python3 systemd udev iproute2"

case $what in
build) ;;
test) libs="$libs $testlibs" ;;
bench) ;;
hil) ;;
image) ;;
*)	echo "deps.sh: unknown set '$what' (build, test, bench, hil, image)" >&2
	exit 2 ;;
esac

case $arch in
native)	want="$tools $libs $nativelibs" ;;
arm64|armhf)
	want="$tools crossbuild-essential-$arch qemu-user libzbar-dev"
	for l in $libs $crosslibs; do want="$want $l:$arch"; done ;;
*)	echo "deps.sh: unknown architecture '$arch' (native, arm64, armhf)" >&2
	exit 2 ;;
esac
case $what in
test) want="$want $testtools" ;;
image) want="$want $imagetools" ;;
bench) want="$want $benchtools" ;;
hil)
	[ "$arch" = native ] || {
		echo "deps.sh: the hil set is for the native build" >&2
		exit 2
	}
	# the kernel the guest boots: Debian's current one (security updates
	# rename it), so its headers by that name
	kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -n 1)
	if [ -z "$kver" ]; then
		echo "deps.sh: apt-cache names no linux-image for" \
			"linux-image-amd64: run apt-get update" >&2
		exit 1
	fi
	want="$want $hiltools linux-headers-$kver" ;;
esac

# The renderer at the version the lock file pins, once: npm ci needs the
# registry, the test afterwards does not.
label_renderer() {
	[ "$what" = test ] || return 0
	dir=$(dirname "$0")/../tests/label
	have=$(sed -n 's/^ *"version": "\(.*\)",*$/\1/p' \
		"$dir/node_modules/zpl-renderer-js/package.json" 2>/dev/null |
		head -n 1)
	want_v=$(sed -n '/node_modules\/zpl-renderer-js"/,/}/s/^ *"version": "\(.*\)",*$/\1/p' \
		"$dir/package-lock.json" | head -n 1)
	[ -n "$have" ] && [ "$have" = "$want_v" ] && return 0
	echo "deps.sh: installing the label renderer (zpl-renderer-js $want_v)" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# The screen's test runner at the version the lock file pins, once.
ui_runner() {
	[ "$what" = test ] || return 0
	dir=$(dirname "$0")/../tests/ui
	have=$(sed -n 's/^ *"version": "\(.*\)",*$/\1/p' \
		"$dir/node_modules/@playwright/test/package.json" 2>/dev/null |
		head -n 1)
	want_v=$(sed -n '/node_modules\/@playwright\/test"/,/}/s/^ *"version": "\(.*\)",*$/\1/p' \
		"$dir/package-lock.json" | head -n 1)
	[ -n "$have" ] && [ "$have" = "$want_v" ] && return 0
	echo "deps.sh: installing the screen's test runner" \
		"(@playwright/test $want_v)" >&2
	(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit \
		--no-fund --loglevel=error >/dev/null)
}

# The fake S3 server at the version the lock file pins, once.
s3_server() {
	[ "$what" = test ] || [ "$what" = bench ] || return 0
	dir=$(dirname "$0")/../tests/s3
	have=$(sed -n 's/^ *"version": "\(.*\)",*$/\1/p' \
		"$dir/node_modules/s3rver/package.json" 2>/dev/null |
		head -n 1)
	want_v=$(sed -n '/node_modules\/s3rver"/,/}/s/^ *"version": "\(.*\)",*$/\1/p' \
		"$dir/package-lock.json" | head -n 1)
	[ -n "$have" ] && [ "$have" = "$want_v" ] && return 0
	echo "deps.sh: installing the fake S3 server (s3rver $want_v)" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Debian's nodejs comes without npm, NodeSource's nodejs with it.
if { [ "$what" = test ] || [ "$what" = bench ]; } &&
	! command -v npm >/dev/null 2>&1; then
	missing="$missing npm"
fi
if [ -z "$missing" ]; then
	label_renderer
	ui_runner
	s3_server
	exit 0
fi

# The pid holding a POSIX lock on FILE, from /proc/locks (dpkg and apt lock
# with fcntl, which flock(1) cannot see); empty when it is free.
lock_holder() {
	[ -e "$1" ] || return 0
	inode=$(stat -c %i "$1")
	awk -v ino="$inode" '$2 == "->" { next }	# a waiter, not a holder
	{
		n = split($6, id, ":")
		if (id[n] == ino) { print $5; exit }
	}' /proc/locks
}

# Wait until no one holds apt's and dpkg's locks, at most $wait_max seconds.
wait_for_dpkg() {
	waited=0
	told=
	for lock in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock \
		/var/lib/apt/lists/lock; do
		while pid=$(lock_holder "$lock") && [ -n "$pid" ]; do
			if [ "$waited" -ge "$wait_max" ]; then
				echo "deps.sh: $lock is still held by pid $pid" \
					"($(cat /proc/"$pid"/comm 2>/dev/null ||
					echo gone)) after $wait_max s;" \
					"let that apt or dpkg finish, then run" \
					"make deps again" >&2
				exit 1
			fi
			if [ -z "$told" ]; then
				echo "deps.sh: waiting up to $wait_max s for pid" \
					"$pid ($(cat /proc/"$pid"/comm 2>/dev/null))" \
					"to release $lock" >&2
				told=1
			fi
			sleep 2
			waited=$((waited + 2))
		done
	done
}

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
wait_for_dpkg
if [ "$arch" != native ] &&
	! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	$SUDO dpkg --add-architecture "$arch"
fi
echo "deps.sh: installing:$missing" >&2
# The lock can still be taken between the check and apt: apt waits too.
apt_wait="-o DPkg::Lock::Timeout=$wait_max"
$SUDO apt-get $apt_wait update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get $apt_wait install -y -qq \
	--no-install-recommends $missing >/dev/null
label_renderer
ui_runner
s3_server
