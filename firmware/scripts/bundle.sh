#!/bin/sh
# SPDX-License-Identifier: MIT
# A signed RAUC update bundle from an image's root filesystem (make
# bundle):
#   firmware/scripts/bundle.sh ROOTFS.ext4 OUT.raucb [VERSION]
# The filesystem is shrunk to its contents first (resize2fs -M on a
# copy): the bundle is smaller and the desk writes less.  The bundle is
# verity-format (RAUC checks every block it reads against the signed
# hash tree), for compatible RETOUR_COMPATIBLE (retour-station-arm64, what
# the image's /etc/rauc/system.conf says), signed with pki.sh's keys.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
[ $# -ge 2 ] || { echo "usage: bundle.sh ROOTFS.ext4 OUT.raucb [VERSION]" >&2; exit 2; }
src=$1
outb=$2
[ -f "$src" ] || die "$src: no such root filesystem (make image first)"
for t in rauc mksquashfs resize2fs e2fsck; do
	command -v $t >/dev/null || die "$t is missing (scripts/deps.sh image installs it)"
done
compatible=${RETOUR_COMPATIBLE:-retour-station-arm64}
# zstd at a low level: several times faster to make than mksquashfs's
# default gzip -9, about as small; the Debian kernel reads it
squashfs_args=${RETOUR_SQUASHFS_ARGS:--comp zstd -Xcompression-level 3}
version=${3:-$(debugfs -R 'cat /usr/lib/retour-image/version' "$src" 2>/dev/null)}
[ -n "$version" ] || die "$src has no /usr/lib/retour-image/version and no VERSION was given"
pki=$("$here/pki.sh")
start=$(date +%s)

dir=$(mktemp -d "${TMPDIR:-/tmp}/retour-bundle.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/content"
cp --sparse=always "$src" "$dir/content/rootfs.ext4"
e2fsck -fy "$dir/content/rootfs.ext4" >/dev/null 2>&1 || true
resize2fs -M "$dir/content/rootfs.ext4" >/dev/null 2>&1 ||
	die "resize2fs -M $src failed"
cat >"$dir/content/manifest.raucm" <<EOT
[update]
compatible=$compatible
version=$version
description=retour station $version

[bundle]
format=verity

[image.rootfs]
filename=rootfs.ext4
EOT
cat >"$dir/host.conf" <<EOT
[system]
compatible=$compatible
bootloader=noop

[keyring]
path=$pki/ca.cert.pem
check-purpose=codesign
EOT
rm -f "$outb" "$outb.part"
rauc --conf="$dir/host.conf" bundle --cert="$pki/signing.cert.pem" \
	--key="$pki/signing.key.pem" --mksquashfs-args="$squashfs_args" \
	"$dir/content" "$outb.part" >"$dir/log" 2>&1 ||
	{ rm -f "$outb.part"; cat "$dir/log" >&2; die "rauc bundle failed"; }
mv "$outb.part" "$outb"
echo "bundle: $outb ($version, $(($(stat -c %s "$outb") / 1048576)) MiB) in $(($(date +%s) - start)) s" >&2
