#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot the station image once in qemu (arm64 `virt`, TCG), playing the
# boot loader's part: qemu's -kernel/-append cannot choose a slot, so
# this reads the boot state RAUC's backend keeps on the data partition
# (/data/boot: order, left.X; /usr/lib/retour-image/rauc-backend) with
# debugfs, takes the first slot in order with tries left, lowers its
# tries by one, and boots that slot's own kernel and initramfs with
# root=/dev/vda2 or vda3 and rauc.slot=A or B, as U-Boot's script would
# on a board.
#   firmware/scripts/qemu-boot.sh DISK LOG [SECONDS] [-- QEMU ARGS...]
# The guest's console goes to LOG; qemu is stopped after SECONDS (600)
# and exits when the guest powers off or reboots (-no-reboot).  Prints
# the slot it booted; exit status: qemu's (124 when it timed out).
# RETOUR_QEMU_APPEND: more words for the kernel's command line.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
[ $# -ge 2 ] || { echo "usage: qemu-boot.sh DISK LOG [SECONDS] [-- QEMU ARGS]" >&2; exit 2; }
disk=$1
log=$2
shift 2
limit=600
if [ $# -gt 0 ] && [ "$1" != -- ]; then
	limit=$1
	shift
fi
if [ "${1:-}" = -- ]; then
	shift
fi
command -v qemu-system-aarch64 >/dev/null ||
	die "qemu-system-aarch64 is missing (scripts/deps.sh image installs qemu-system-arm)"

# partition N's first byte, from the GPT
part_offset() {
	s=$(sfdisk -d "$disk" | sed -n "s/^[^ ]*[^0-9]$1 : start= *\([0-9]*\),.*/\1/p")
	[ -n "$s" ] || die "$disk has no partition $1"
	echo $((s * 512))
}
data="$disk?offset=$(part_offset 4)"
state() { debugfs -R "cat /boot/$1" "$data" 2>/dev/null | tr -d '\n'; }
setstate() {
	tmp=$(mktemp)
	echo "$2" >"$tmp"
	debugfs -w -f - "$data" >/dev/null 2>&1 <<EOT
rm /boot/$1
write $tmp /boot/$1
EOT
	rm -f "$tmp"
	[ "$(state "$1")" = "$2" ] || die "cannot write /boot/$1 on $disk's data partition"
}

order=$(state order)
[ -n "$order" ] || order="A B"
slot=
for s in $order; do
	left=$(state "left.$s")
	if [ "${left:-0}" -gt 0 ]; then
		slot=$s
		setstate "left.$s" $((left - 1))
		break
	fi
done
if [ -z "$slot" ]; then
	# no slot with tries left: the first in order, as U-Boot's fallback
	slot=${order%% *}
	echo "qemu-boot: no slot has tries left ($order): booting $slot" >&2
fi
[ "$slot" = A ] && n=2 || n=3

# the slot's own kernel and initramfs
dir=$(mktemp -d "${TMPDIR:-/tmp}/retour-qemu-boot.XXXXXX")
trap 'rm -rf "$dir"' EXIT
root="$disk?offset=$(part_offset $n)"
k=$(debugfs -R "ls /boot" "$root" 2>/dev/null | tr ' ' '\n' | grep -m1 '^vmlinuz-') ||
	die "slot $slot ($disk partition $n) holds no /boot/vmlinuz-*: not a root filesystem"
debugfs -R "dump /boot/$k $dir/vmlinuz" "$root" >/dev/null 2>&1
debugfs -R "dump /boot/initrd.img-${k#vmlinuz-} $dir/initrd.img" "$root" >/dev/null 2>&1
[ -s "$dir/initrd.img" ] || die "slot $slot has no /boot/initrd.img-${k#vmlinuz-}"

echo "$slot"
rc=0
timeout --kill-after=10 "$limit" qemu-system-aarch64 -M virt -cpu cortex-a72 \
	-smp 2 -m 1024 -nographic -nic none -no-reboot -monitor none -serial "file:$log" \
	-kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
	-drive "file=$disk,format=raw,if=virtio" "$@" \
	-append "console=ttyAMA0 root=/dev/vda$n ro rootwait panic=5 rauc.slot=$slot${RETOUR_QEMU_APPEND:+ $RETOUR_QEMU_APPEND}" \
	</dev/null >/dev/null 2>"$dir/qemu.err" || rc=$?
[ $rc -eq 0 ] || { echo "qemu-boot: qemu exited $rc$([ $rc -eq 124 ] && echo ' (timed out after '"$limit"' s)')" >&2; cat "$dir/qemu.err" >&2; }
exit $rc
