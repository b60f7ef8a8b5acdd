#!/bin/sh
# SPDX-License-Identifier: MIT
# make check-image's hand inside the guest (tests/image/check_image.py puts
# it on the test drive, /dev/vdb, and a unit that runs it into its copies
# of the image and the bundles).  The step is the file `step` on the disk's
# boot partition (the host writes it before each boot); each finding is a
# "retour-test: KEY=VALUE" line on the console, which the host reads.
# Ends by powering off (qemu then exits), except when boot counting is
# rebooting the guest.
media=/run/test/media
say() { echo "retour-test: $*"; }
step=$(tr -cd 'a-z-' </boot/firmware/step)
slot=$(/usr/lib/retour-image/rauc-backend get-current)
say "slot=$slot"
say "version=$(cat /usr/lib/retour-image/version)"
if ! systemctl is-active -q retour-boot-check.service; then
	say "boot-check=failed"
	exit 0
fi
ready_us=$(systemctl show -p ActiveEnterTimestampMonotonic --value retourd.service)
say "ready_s=$((ready_us / 1000))e-3"
say "ready=yes"

expected() { retourctl --json expected list | grep -c '"rma": *"RMA-IMAGE-1"'; }
boot_state() { tr -d '\0' </boot/firmware/boot.env | sort | tr '\n' ' '; }
slot_b_head() { head -c 4194304 /dev/disk/by-partlabel/rootfs-b | md5sum | cut -c1-12; }
outbox() { retourctl --json outbox list | md5sum | cut -c1-12; }
uptime_s() { cut -d. -f1 /proc/uptime; }

case $step in
first)
	say "data_kb=$(df -k --output=size /data | tail -n 1 | tr -d ' ')"
	say "board=$(sed -n 's/^board *= *//p' /etc/retour/retourd.conf)"
	say "desk=$(sed -n 's/^desk *= *//p' /etc/retour/retourd.conf)"
	say "admin=$(grep -c '^SUP-0001 *= *Admin, supervisor' /etc/retour/retourd.conf)"
	say "root_ro=$(findmnt -n -o OPTIONS / | tr ',' '\n' | grep -cx ro)"
	retourctl expected import "$media/expected.json" >/dev/null 2>&1
	say "import=rc$?"
	say "expected=$(expected)"
	say "outbox=$(outbox)"
	# retourd reads the slots through RAUC's D-Bus service as user retour
	say "api_slot=$(retourctl --json system | sed -n 's/^ *"slot": *"\([AB]\)".*/\1/p')"
	# refused by RAUC run as root, and through retourd (the file sent as
	# the request's body): nothing changes
	before="$(boot_state) $(slot_b_head)"
	for b in badsig wrongcompat truncated; do
		out=$(retourctl system update "$media/$b.raucb" 2>&1)
		say "refused.$b=rc$? $out" | tr '\n' ' '
		echo
	done
	out=$(retourctl system install "$media/badsig.raucb" --supervisor SUP-0001 2>&1)
	say "refused.daemon=rc$? $out" | tr '\n' ' '
	echo
	after="$(boot_state) $(slot_b_head)"
	say "state_before=$before"
	say "state_after=$after"
	[ "$before" = "$after" ] && say "unchanged=yes" || say "unchanged=no"
	# a bundle whose retourd cannot start, sent to retourd and installed
	# by RAUC as user retour (the image's D-Bus policy)
	t0=$(uptime_s)
	out=$(retourctl system install "$media/broken.raucb" --supervisor SUP-0001 2>/dev/null)
	say "install.broken=rc$? $(($(uptime_s) - t0))s $out" | tr '\n' ' '
	echo
	say "update=$(retourctl system | sed -n 's/^update *//p')"
	say "state=$(boot_state)"
	;;
fallback)
	say "expected=$(expected)"
	say "outbox=$(outbox)"
	say "state=$(boot_state)"
	# the update on a USB stick: mounted by the image (udev), listed by
	# retourd, installed from there as the station page does it
	listed=
	for i in $(seq 30); do
		listed=$(retourctl system bundles 2>/dev/null | grep -o '^/run/media/retour/[^ ]*\.raucb' | head -n 1)
		[ -n "$listed" ] && break
		sleep 1
	done
	say "listed=$listed"
	mnt=${listed:-/nonexistent}
	say "stick_mount=$(findmnt -n -o FSTYPE --target "$mnt") $(findmnt -n -o OPTIONS --target "$mnt" | cut -d, -f1)"
	t0=$(uptime_s)
	out=$(retourctl system install "$listed" --supervisor SUP-0001 2>/dev/null)
	say "install.good=rc$? $(($(uptime_s) - t0))s $out" | tr '\n' ' '
	echo
	say "state=$(boot_state)"
	;;
updated)
	say "expected=$(expected)"
	say "outbox=$(outbox)"
	say "db=$(retourctl db check >/dev/null 2>&1 && echo ok || echo bad)"
	say "state=$(boot_state)"
	;;
esac
say "done"
sync
systemctl --no-block poweroff
