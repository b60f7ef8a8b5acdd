#!/bin/sh
# SPDX-License-Identifier: MIT
# mmdebstrap's customize-hook (rootfs.sh): the Raspberry Pi's boot files,
# fetched with the bootstrap's own apt (same mirror, same package lists)
# and unpacked, not installed, into ROOT/usr/lib/retour-image/bootfw/:
#   raspi-firmware (non-free-firmware): the GPU's first stage for the
#     Pi 4 family (start4*.elf, fixup4*.dat; the Pi 4 boots its SPI
#     EEPROM's loader, which reads these from the boot partition)
#   u-boot-rpi: rpi_arm64/u-boot.bin (one U-Boot for the Pi 3 and 4)
#   versions, and the packages' copyright files
# Not installed because raspi-firmware's maintainer scripts copy files
# into a mounted /boot/firmware and hook every kernel install, and neither
# package belongs in a root slot: image.sh moves these files onto the
# boot partition and out of the root.
#   bootfw.sh ROOT        (MMDEBSTRAP_APT_CONFIG set by mmdebstrap)
set -eu
root=$1
[ -n "${MMDEBSTRAP_APT_CONFIG:-}" ] || { echo "bootfw.sh: run me as mmdebstrap's hook" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# apt's _apt user cannot write into a root-only temporary folder
chmod 0755 "$tmp"
APT_CONFIG=$MMDEBSTRAP_APT_CONFIG apt-get -q download raspi-firmware u-boot-rpi \
	>"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; exit 1; }
dst=$root/usr/lib/retour-image/bootfw
mkdir -p "$dst"
: >"$dst/versions"
for deb in raspi-firmware_*.deb u-boot-rpi_*.deb; do
	[ -f "$deb" ] || { echo "bootfw.sh: apt downloaded no $deb" >&2; exit 1; }
	dpkg-deb -x "$deb" x
	p=$(dpkg-deb -f "$deb" Package)
	echo "$p $(dpkg-deb -f "$deb" Version)" >>"$dst/versions"
	cp "x/usr/share/doc/$p/copyright" "$dst/$p.copyright"
done
cp x/usr/lib/raspi-firmware/start4*.elf x/usr/lib/raspi-firmware/fixup4*.dat "$dst/"
cp x/usr/lib/u-boot/rpi_arm64/u-boot.bin "$dst/u-boot.bin"
echo "bootfw: $(tr '\n' ' ' <"$dst/versions")" >&2
