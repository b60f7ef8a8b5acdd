#!/bin/sh
# SPDX-License-Identifier: MIT
# Hardware in the loop (make check-hil): boot Debian's kernel under qemu
# (TCG: KVM hangs guests on the machines CI runs on) with the host's root
# over 9p, where scripts/hil/guest.sh loads the real drivers (dummy_hcd
# USB gadgets, vivid, gpio-sim), starts systemd-udevd with the project's
# rules and runs scripts/hil/desk.py: the real retourd with boards/hil.conf
# while the gadgets play the hardware.  Results come back as lines in
# build/hil/results ("ok NAME", "FAIL NAME: why", and the end marker
# "END N" with the number of checks); this script fails on any FAIL, on a
# count that does not match, or when the marker is missing.  retourd's log,
# the guest's console and the gadgets' transcripts stay in build/hil/.
#   scripts/hil/run.sh [BUILD_DIR]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$repo/$build ;; esac
out=$build/hil
boot_timeout=${RETOUR_HIL_TIMEOUT:-240}

command -v qemu-system-x86_64 >/dev/null 2>&1 || {
	echo "hil: qemu-system-x86_64 is missing: run scripts/deps.sh hil" \
		"(package qemu-system-x86)" >&2
	exit 1
}
for b in retourd retourctl; do
	[ -x "$build/$b" ] || {
		echo "hil: $build/$b is not built: run make first" >&2
		exit 1
	}
done
t0=$(date +%s)
cache=$("$here/prepare.sh")
kver=$(basename "$cache")
t1=$(date +%s)

rm -rf "$out"
mkdir -p "$out"
echo "hil: kernel $kver ready in $((t1 - t0)) s; booting the guest" \
	"(console: $out/console.log)" >&2
# The guest's root is the host's, read-only; the second share is the only
# place it writes to the host.  -no-reboot: the guest powers off at the end
# (or on a panic) and qemu exits; timeout is the last resort.
rc=0
timeout --kill-after=10 "$boot_timeout" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
	-display none -monitor none -serial stdio -no-reboot -nic none \
	-kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 hil.script=$here/guest.sh hil.modules=$cache/root/lib/modules/$kver hil.build=$build" \
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev local,id=hilout,path="$out",security_model=none \
	-device virtio-9p-pci,fsdev=hilout,mount_tag=hilout \
	</dev/null >"$out/console.log" 2>&1 || rc=$?
t2=$(date +%s)
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "hil: the guest did not finish within $boot_timeout s" >&2
fi
echo "hil: guest ran $((t2 - t1)) s (qemu exit $rc); whole run $((t2 - t0)) s" >&2

res=$out/results
if [ ! -s "$res" ]; then
	echo "hil: no results from the guest; the console's end:" >&2
	tail -n 30 "$out/console.log" >&2
	exit 1
fi
cat "$res"
fails=$(grep -c '^FAIL ' "$res" || true)
oks=$(grep -c '^ok ' "$res" || true)
want=$(sed -n 's/^END \([0-9][0-9]*\)$/\1/p' "$res" | tail -n 1)
if [ -z "$want" ]; then
	echo "hil: FAILED: the end marker is missing (the guest stopped" \
		"early; see $out/console.log and $out/retourd.log)" >&2
	exit 1
fi
# every scenario must have run to its end, not only passed what it ran
for sc in "return" "scale overload, unplug, replug; printer paper out" \
	"printer unplugged" "ship-QC"; do
	grep -qxF "ok scenario $sc" "$res" || {
		echo "hil: FAILED: scenario '$sc' did not pass" >&2
		fails=$((fails + 1))
	}
done
if [ "$fails" -ne 0 ] || [ "$oks" -ne "$want" ]; then
	# the logs' ends, for a run whose build folder is gone (CI)
	for log in retourd:40 printer:15 scanner:10; do
		echo "hil: the end of ${log%:*}.log:" >&2
		tail -n "${log#*:}" "$out/${log%:*}.log" >&2 || true
	done
	echo "hil: FAILED: $fails failed, $oks of $want checks passed" \
		"(logs in $out)" >&2
	exit 1
fi
echo "hil: all $oks checks passed in $((t2 - t0)) s" >&2
