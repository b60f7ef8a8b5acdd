#!/bin/sh
# SPDX-License-Identifier: MIT
# The station's disk image (make image), without loop devices:
#   firmware/scripts/image.sh DEB OUT
# DEB: retour's arm64 package (make ARCH=arm64 deb); OUT: the folder the
# image goes to (build/image).  It writes there:
#   disk.img       the GPT disk: p1 boot (vfat: U-Boot's boot.scr and the
#                  boot state boot.env, the Raspberry Pi's boot files),
#                  p2 rootfs A, p3 rootfs B (empty: RAUC writes it), p4
#                  data (grown at first boot)
#   disk.img.zst   the same, compressed, to write to a card
#   rootfs.ext4    slot A's filesystem, which make bundle puts in a bundle
#   image.json     sizes and times (scripts/bench.d/image.py reads it)
# The root filesystem comes from rootfs.sh (cached); retour's .deb and
# firmware/rootfs/ go on top of it here, through a chroot (binfmt_misc,
# put back as it was when this ends).  The RAUC keys: pki.sh.
# Sizes in MiB: RETOUR_BOOT_MB (128), RETOUR_SLOT_MB (2048), RETOUR_DATA_MB
# (256).  RETOUR_IMAGE_VERSION: the version RAUC and the image report
# (by default VERSION+ the hash of the inputs, make image's stamp: the
# same inputs, the same version).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fw=$(dirname "$here")
. "$here/common.sh"

[ $# -eq 2 ] || { echo "usage: image.sh DEB OUT" >&2; exit 2; }
deb=$(readlink -f "$1")
out=$(mkdir -p "$2" && cd "$2" && pwd)
[ -f "$deb" ] || die "$1: no such package (make ARCH=arm64 deb)"
[ "$(id -u)" -eq 0 ] || die "the image is built as root (chroot, file owners): run it with sudo"
for t in mmdebstrap curl mkfs.ext4 mkfs.vfat mcopy sfdisk zstd debugfs mkimage; do
	command -v $t >/dev/null || die "$t is missing (make check-image installs the image set: scripts/deps.sh image)"
done
boot_mb=${RETOUR_BOOT_MB:-128}
slot_mb=${RETOUR_SLOT_MB:-2048}
data_mb=${RETOUR_DATA_MB:-256}

start=$(date +%s)
tar=$("$here/rootfs.sh")
# the root was bootstrapped by this build (a cold one) or came from the cache
[ "$(stat -c %Y "$tar")" -ge "$start" ] && bootstrapped=true || bootstrapped=false
pki=$("$here/pki.sh")
t_rootfs=$(($(date +%s) - start))
bootstrap_s=$(cat "$tar.seconds" 2>/dev/null || echo null)
# the same root, package, firmware/ files, keys and sizes as the image
# already in OUT: nothing to do
stamp=$( { echo "$tar $boot_mb $slot_mb $data_mb ${RETOUR_IMAGE_VERSION:-}"
	sha256sum "$deb" "$pki/ca.cert.pem"
	(cd "$fw" && find . -type f ! -name '*~' | LC_ALL=C sort | xargs sha256sum); } |
	sha256sum | cut -c1-16)
# the same inputs make the same version: a test's bundles made from one
# build serve a rebuild (tests/image/check_image.py keys them on this)
version=${RETOUR_IMAGE_VERSION:-$(cat "$fw/../VERSION")+$stamp}
if [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$out/disk.img" ] &&
	[ -f "$out/rootfs.ext4" ] && [ -f "$out/image.json" ]; then
	echo "image: $out/disk.img is up to date ($stamp)" >&2
	exit 0
fi
rm -f "$out/stamp"

work=$out/work
root=$work/root
cleanup() {
	for m in dev/pts dev proc sys; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	binfmt_restore
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rm -rf "$work"
mkdir -p "$root" "$work/data" "$work/boot"
tar -C "$root" --numeric-owner -xpf "$tar"

# retour's package, through its maintainer scripts (sysusers, tmpfiles)
binfmt_enable
mount -t proc proc "$root/proc"
cp "$deb" "$root/tmp/retour.deb"
chroot "$root" dpkg -i /tmp/retour.deb >"$work/dpkg.log" 2>&1 ||
	{ cat "$work/dpkg.log" >&2; die "retour's package does not install on the image's root"; }
rm -f "$root/tmp/retour.deb"
umount "$root/proc"
binfmt_restore

# the image's own files, then the units on
cp -a "$fw/rootfs/." "$root/"
install -m 0644 "$pki/ca.cert.pem" "$root/etc/rauc/ca.cert.pem"
echo "$version" >"$root/usr/lib/retour-image/version"
sed -i '/^IMAGE_ID=\|^IMAGE_VERSION=/d' "$root/usr/lib/os-release"
printf 'IMAGE_ID=retour-station\nIMAGE_VERSION=%s\n' "$version" >>"$root/usr/lib/os-release"
echo retour >"$root/etc/hostname"
systemctl --root="$root" enable retourd.service retour-firstboot.service \
	retour-boot-check.service retour-kiosk.service systemd-networkd.service \
	systemd-resolved.service systemd-timesyncd.service >/dev/null 2>&1 ||
	die "systemctl --root enable failed"
# the screen's terminal is the kiosk's (its unit conflicts with getty@tty1)
ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
# a root no one writes: machine-id made at each boot (empty file), the
# mount points, and the data partition's first contents moved out
: >"$root/etc/machine-id"
mkdir -p "$root/data" "$root/boot/firmware" "$root/etc/credstore" \
	"$root/var/lib/retour" "$root/var/lib/retour-kiosk" "$root/var/lib/private"
uid() { awk -F: -v u="$1" '$1 == u { print $3 }' "$root/etc/passwd"; }
gid() { awk -F: -v g="$1" '$1 == g { print $3 }' "$root/etc/group"; }
ru=$(uid retour); rg=$(gid retour); ku=$(uid retour-kiosk)
[ -n "$ru" ] && [ -n "$rg" ] && [ -n "$ku" ] || die "the package made no retour or retour-kiosk user"
d=$work/data
mkdir -p "$d/etc" "$d/credstore" "$d/retour/photos" "$d/retour-kiosk" "$d/rauc"
cp -a "$root/etc/retour" "$d/etc/retour"
chown -R 0:"$rg" "$d/etc/retour"; chmod 0750 "$d/etc/retour"
chmod 0700 "$d/credstore"
chown -R "$ru:$rg" "$d/retour"; chmod 0750 "$d/retour" "$d/retour/photos"
chown "$ku" "$d/retour-kiosk"; chmod 0700 "$d/retour-kiosk"
find "$root/etc/retour" -mindepth 1 -delete
# what is left in the root's caches
rm -rf "$root/var/cache/"* "$root/var/log/"* "$root/var/lib/apt/lists/"* "$root/tmp/"*

# the boot partition: U-Boot's script and the boot state it counts down
# (the kernel and initramfs stay in each slot: U-Boot loads the chosen
# slot's), the Raspberry Pi's boot files (rootfs.sh's bootfw.sh unpacked
# them into the root; they leave it here), the sample retour.txt
kver=$(ls "$root/lib/modules" | head -n 1)
b=$work/boot
mkimage -A arm64 -T script -C none -n "retour boot" -d "$fw/boot/boot.cmd" \
	"$b/boot.scr" >/dev/null || die "mkimage could not make boot.scr"
printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nBOOT_A_TRIAL=0\nBOOT_B_TRIAL=0\n' >"$b/boot.env"
cp "$fw/retour.txt" "$b/retour.txt"
fwdir=$root/usr/lib/retour-image/bootfw
[ -f "$fwdir/u-boot.bin" ] && [ -f "$fwdir/start4.elf" ] ||
	die "the cached root has no Raspberry Pi boot files ($fwdir): rootfs.sh's bootfw.sh did not run"
cp "$fwdir"/start4*.elf "$fwdir"/fixup4*.dat "$fwdir/u-boot.bin" "$b/"
cp "$fw/boot/config.txt" "$b/config.txt"
mkdir -p "$b/copyrights"
cp "$fwdir"/*.copyright "$fwdir/versions" "$b/copyrights/"
for dtb in bcm2711-rpi-4-b.dtb bcm2711-rpi-400.dtb bcm2711-rpi-cm4-io.dtb; do
	cp "$root/usr/lib/linux-image-$kver/broadcom/$dtb" "$b/" ||
		die "the kernel $kver has no broadcom/$dtb"
done
rm -rf "$fwdir"

rm -f "$out/rootfs.ext4" "$out/data.ext4" "$out/boot.vfat" "$out/disk.img" "$out/vmlinuz" "$out/initrd.img"
installed_kb=$(du -sxk "$root" | cut -f1)
mkfs.ext4 -q -L rootfs -O ^metadata_csum_seed -E root_owner=0:0 -d "$root" \
	"$out/rootfs.ext4" "${slot_mb}M" || die "mkfs.ext4 of the root failed (RETOUR_SLOT_MB=$slot_mb too small?)"
mkfs.ext4 -q -L data -d "$work/data" "$out/data.ext4" "${data_mb}M"
mkfs.vfat -n BOOT -C "$out/boot.vfat" $((boot_mb * 1024)) >/dev/null
mcopy -s -i "$out/boot.vfat" "$work/boot/"* ::/ || die "the boot partition is too small (RETOUR_BOOT_MB=$boot_mb)"

# GPT: 1 MiB in, then boot, A, B, data; 1 MiB for the backup table
total=$((1 + boot_mb + 2 * slot_mb + data_mb + 1))
truncate -s "${total}M" "$out/disk.img"
sfdisk -q "$out/disk.img" <<EOT
label: gpt
start=1MiB, size=${boot_mb}MiB, type=uefi, name=boot
size=${slot_mb}MiB, type=linux, name=rootfs-a
size=${slot_mb}MiB, type=linux, name=rootfs-b
size=${data_mb}MiB, type=linux, name=data
EOT
put() { dd if="$1" of="$out/disk.img" bs=1M seek="$2" conv=notrunc,sparse status=none; }
put "$out/boot.vfat" 1
put "$out/rootfs.ext4" $((1 + boot_mb))
put "$out/data.ext4" $((1 + boot_mb + 2 * slot_mb))
rm -f "$out/data.ext4" "$out/boot.vfat"
zstd -q -f -T2 -6 "$out/disk.img" -o "$out/disk.img.zst"
t_total=$(($(date +%s) - start))

cat >"$out/image.json" <<EOT
{"version": "$version", "kernel": "$kver",
 "installed_kb": $installed_kb,
 "disk_bytes": $(stat -c %s "$out/disk.img"),
 "compressed_bytes": $(stat -c %s "$out/disk.img.zst"),
 "rootfs_seconds": $t_rootfs, "build_seconds": $t_total,
 "bootstrap_seconds": $bootstrap_s, "bootstrapped": $bootstrapped,
 "slot_mb": $slot_mb, "data_mb": $data_mb, "boot_mb": $boot_mb,
 "data_offset_mb": $((1 + boot_mb + 2 * slot_mb))}
EOT
rm -rf "$work"
echo "$stamp" >"$out/stamp"
echo "image: $out/disk.img ($version, $((installed_kb / 1024)) MiB installed, $(($(stat -c %s "$out/disk.img.zst") / 1048576)) MiB compressed) in $t_total s" >&2
