#!/bin/sh
# SPDX-License-Identifier: MIT
# Prepare the hardware-in-the-loop guest (scripts/hil/run.sh): Debian's
# kernel for the running Debian, its modules, a gpio-sim module built out
# of tree (Debian enables neither GPIO_SIM nor IRQ_SIM) and an initramfs
# that mounts the host's root over 9p.  Everything lands in a cache folder
# keyed on the kernel version found now (security updates rename the
# package), so a second run only checks that the folder is complete.
#   scripts/hil/prepare.sh            prints the prepared folder
# RETOUR_HIL_CACHE overrides the cache (default $XDG_CACHE_HOME/retour-hil).
set -eu

die() { echo "hil/prepare: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)

kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -n 1)
[ -n "$kver" ] || die "cannot tell the kernel version: apt-cache depends linux-image-amd64 names no linux-image (run apt-get update?)"
base=${RETOUR_HIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/retour-hil}
cache=$base/$kver
if [ -f "$cache/ready" ]; then
	echo "$cache"
	exit 0
fi
for t in dpkg-deb depmod cpio busybox make gcc; do
	command -v "$t" >/dev/null 2>&1 ||
		die "$t is missing: run scripts/deps.sh hil"
done
[ -f /bin/busybox ] && file_static=$(ldd /bin/busybox 2>&1 || true)
case ${file_static:-} in *"not a dynamic"*) ;; *)
	die "/bin/busybox is not static: install busybox-static (scripts/deps.sh hil)" ;;
esac
[ -d "/usr/src/linux-headers-$kver" ] ||
	die "linux-headers-$kver is missing: run scripts/deps.sh hil"

rm -rf "$cache"
mkdir -p "$cache/dl"
echo "hil/prepare: preparing kernel $kver in $cache" >&2
cd "$cache/dl"
# apt-get download fetches without installing (and without root); the
# source is pinned to the image's version so the module fits the kernel.
timeout 600 apt-get download -q "linux-image-$kver" >&2 ||
	die "cannot download linux-image-$kver"
ver=$(dpkg-deb -f linux-image-"$kver"_*.deb Version)
timeout 600 apt-get download -q "linux-source-6.1=$ver" >&2 ||
	die "cannot download linux-source-6.1=$ver (the source of the kernel image)"

# The kernel and its modules.
dpkg-deb -x linux-image-"$kver"_*.deb "$cache/root"
cp "$cache/root/boot/vmlinuz-$kver" "$cache/vmlinuz"

# gpio-sim with irq_sim in one module; irq_to_desc is not exported.
mkdir -p "$cache/gpio-sim"
dpkg-deb --fsys-tarfile linux-source-6.1_*.deb |
	tar -xO --wildcards '*/linux-source-6.1.tar.xz' |
	xz -dc | tar -x -C "$cache/gpio-sim" --strip-components=1 \
		linux-source-6.1/drivers/gpio/gpio-sim.c \
		linux-source-6.1/drivers/gpio/gpiolib.h \
		linux-source-6.1/kernel/irq/irq_sim.c
cd "$cache/gpio-sim"
mv drivers/gpio/gpio-sim.c gpio-sim-main.c
mv drivers/gpio/gpiolib.h gpiolib.h
sed 's/handle_simple_irq(irq_to_desc(irqnum))/generic_handle_irq(irqnum)/' \
	kernel/irq/irq_sim.c >irq_sim.c
grep -q 'generic_handle_irq(irqnum)' irq_sim.c ||
	die "irq_sim.c no longer calls handle_simple_irq(irq_to_desc()): the patch needs a look"
printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' >Kbuild
make -s -C "/usr/src/linux-headers-$kver" M="$PWD" modules >build.log 2>&1 ||
	{ cat build.log >&2; die "gpio-sim does not build"; }
mkdir -p "$cache/root/lib/modules/$kver/extra"
cp gpio-sim.ko "$cache/root/lib/modules/$kver/extra/"
depmod -b "$cache/root" "$kver"

# The initramfs: static busybox, the modules that reach the 9p root.
"$here/initramfs.sh" "$cache/root/lib/modules/$kver" "$cache/initrd.img"
rm -rf "$cache/dl"
touch "$cache/ready"
echo "$cache"
