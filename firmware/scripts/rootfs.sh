#!/bin/sh
# SPDX-License-Identifier: MIT
# The station's root filesystem from Debian 12 arm64 packages, as a tar in
# the image cache: made once with mmdebstrap (under qemu-user through
# binfmt_misc), then reused while the archive's arm64 package lists and
# firmware/packages.list stay the same.
#   firmware/scripts/rootfs.sh      prints the path of the cached tar
# The cache key: this script, bootfw.sh, packages.list, and the hashes of
# the arm64 Packages files (main and non-free-firmware) that the mirror's
# InRelease files list for bookworm, bookworm-updates and
# bookworm-security (any new package version there changes a hash).  The
# mirrors are the ones this machine's apt uses; the non-free-firmware
# component is added here whether this machine's sources list it or not:
# the Raspberry Pi's boot firmware (raspi-firmware) is only there.
# bootfw.sh, a customize-hook, unpacks the Pi's boot files (raspi-firmware,
# u-boot-rpi) into /usr/lib/retour-image/bootfw for image.sh.
# The cache: $RETOUR_IMAGE_CACHE, else $XDG_CACHE_HOME/retour-image, else
# ~/.cache/retour-image.
# Speed: update-initramfs is diverted to a no-op while packages install
# (the kernel's postinst and initramfs-tools' trigger would each run
# mkinitramfs under qemu-user, 6-12 min apiece) and run once at the end
# with MODULES=list: virtio, ext4, squashfs, dm-verity, loop.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fw=$(dirname "$here")
. "$here/common.sh"

cache=$(image_cache)
mkdir -p "$cache"

# the Debian and security mirrors this machine's apt is configured with
mirror=$(apt_mirror debian)
secmirror=$(apt_mirror debian-security)
[ -n "$mirror" ] || die "no deb.debian.org-like mirror in /etc/apt/sources.list*"
[ -n "$secmirror" ] || secmirror=http://deb.debian.org/debian-security

pkgs=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$fw/packages.list" | tr '\n' ',' | sed 's/,$//')

# the key: the arm64 Packages hashes in each suite's InRelease
keyfile=$(mktemp)
trap 'rm -f "$keyfile"' EXIT
{
	sha256sum "$0" "$here/bootfw.sh" "$fw/packages.list" | cut -d' ' -f1
	for s in "$mirror bookworm" "$mirror bookworm-updates" \
		"$secmirror bookworm-security"; do
		set -- $s
		suite=$2
		[ "$suite" = bookworm-security ] && path=dists/bookworm-security/InRelease ||
			path=dists/$suite/InRelease
		curl -fsS --max-time 60 "$1/$path" |
			sed -n '/^SHA256:/,$p' | grep -E ' (main|non-free-firmware)/binary-arm64/Packages' ||
			die "cannot read $1/$path (the mirror is unreachable?)"
	done
} >"$keyfile"
key=$(sha256sum "$keyfile" | cut -c1-16)
tar=$cache/rootfs-$key.tar
if [ -f "$tar" ]; then
	echo "rootfs: cached $tar" >&2
	echo "$tar"
	exit 0
fi

binfmt_enable
trap 'rm -f "$keyfile" "$tar.part.tar"; binfmt_restore' EXIT INT TERM

echo "rootfs: bootstrapping Debian 12 arm64 ($key) into $tar; this takes" \
	"20-40 min under qemu-user" >&2
start=$(date +%s)
# essential-hook: update-initramfs diverted to a no-op before
# initramfs-tools and the kernel are installed.  customize-hook: the real
# one back, the module list, one mkinitramfs run.
mmdebstrap --architectures=arm64 --variant=essential \
	--include="$pkgs" \
	--aptopt='Apt::Install-Recommends "false"' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
	--essential-hook='printf "#!/bin/sh\nexit 0\n" >"$1/usr/sbin/update-initramfs"; chmod 755 "$1/usr/sbin/update-initramfs"' \
	--customize-hook='rm -f "$1/usr/sbin/update-initramfs"; chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs' \
	--customize-hook="cp '$fw/initramfs/modules' \"\$1/etc/initramfs-tools/modules\"; cp '$fw/initramfs/retour.conf' \"\$1/etc/initramfs-tools/conf.d/retour.conf\"" \
	--customize-hook='chroot "$1" sh -c "update-initramfs -c -k \$(ls /lib/modules)"' \
	--customize-hook="'$here/bootfw.sh' \"\$1\"" \
	bookworm "$tar.part.tar" \
	"deb $mirror bookworm main non-free-firmware" \
	"deb $mirror bookworm-updates main non-free-firmware" \
	"deb $secmirror bookworm-security main non-free-firmware"
mv "$tar.part.tar" "$tar"
echo "rootfs: made in $(($(date +%s) - start)) s" >&2
echo "$(($(date +%s) - start))" >"$tar.seconds"
# older roots: only the newest is kept
for old in "$cache"/rootfs-*.tar; do
	[ "$old" = "$tar" ] || rm -f "$old" "$old.seconds"
done
echo "$tar"
