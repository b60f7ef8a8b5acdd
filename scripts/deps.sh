#!/bin/sh
# SPDX-License-Identifier: MIT
# Install, from Debian's archive, whatever the build or the tests need and
# the machine lacks.  Usage: scripts/deps.sh build|test [native|arm64|armhf]
# Idempotent and quiet when everything is already there.
set -eu

what=${1:-build}
arch=${2:-native}

libs="libsqlite3-dev libcurl4-gnutls-dev libsystemd-dev libmicrohttpd-dev
libjansson-dev libinih-dev nettle-dev libzbar-dev libusb-1.0-0-dev
libgpiod-dev libturbojpeg0-dev libcmocka-dev"
tools="build-essential pkg-config"
testtools="python3 python3-pytest sqlite3 clang libclang-rt-14-dev clang-format
cppcheck"

case $arch in
native)	want="$tools $libs" ;;
arm64|armhf)
	want="$tools crossbuild-essential-$arch qemu-user"
	for l in $libs; do want="$want $l:$arch"; done ;;
*)	echo "deps.sh: unknown architecture '$arch' (native, arm64, armhf)" >&2
	exit 2 ;;
esac
[ "$what" = test ] && want="$want $testtools"

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
if [ "$arch" != native ] &&
	! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	$SUDO dpkg --add-architecture "$arch"
fi
echo "deps.sh: installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	--no-install-recommends $missing >/dev/null
