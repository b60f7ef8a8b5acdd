#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs as the hardware-in-the-loop guest's first process (scripts/hil/init
# hands over to it, on the host's root with a tmpfs overlay): mount what a
# booted Debian has, load the drivers the desk's devices use and the
# virtual hardware (dummy_hcd, libcomposite, vivid, gpio-sim), start
# systemd-udevd with the project's rules, then run the scenarios
# (scripts/hil/desk.py).  Whatever happens, the results file ends up in
# /hil-out and the guest powers off.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=
for a in $(cat /proc/cmdline 2>/dev/null); do
	case $a in hil.build=*) build=${a#hil.build=} ;; esac
done
res=/hil-out/results

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
[ -n "$build" ] || build=$repo/build

off() {
	sync
	echo o >/proc/sysrq-trigger
	while :; do :; done	# PID 1 must not exit while the power goes
}
fail() {
	echo "FAIL guest: $*" >>"$res"
	echo "FAIL guest: $*"
	off
}

# Modules: the host side of the desk's devices, and the virtual hardware.
modprobe -a usbhid hid_generic usblp evdev libcomposite usb_f_hid \
	usb_f_printer || fail "cannot load the USB drivers"
# its own modprobe: modprobe -a drops the parameter
modprobe dummy_hcd num=3 || fail "cannot load dummy_hcd"
# vivid: one device, a capture and an output node; input 0 S-Video (it
# can loop the output in; the default input 0, a webcam, cannot)
modprobe vivid n_devs=1 node_types=0x101 inputs=1 input_types=0x2 ||
	fail "cannot load vivid"
modprobe gpio-sim || fail "cannot load gpio-sim (the cached module)"

mount -t configfs configfs /sys/kernel/config
ip link set lo up || fail "no loopback"

# udev with the project's rules; group retour as the package makes it.
grep -q '^retour:' /etc/group || echo 'retour:x:990:' >>/etc/group
mkdir -p /run/udev/rules.d
cp "$repo/systemd/60-retour.rules" /run/udev/rules.d/
# vivid is no USB device: a site's own line, as 60-retour.rules tells
mkdir -p /etc/udev/rules.d
echo 'SUBSYSTEM=="video4linux", KERNELS=="vivid.0", ENV{RETOUR_DEVICE}="camera"' \
	>/etc/udev/rules.d/59-retour-local.rules
/lib/systemd/systemd-udevd --daemon || fail "cannot start systemd-udevd"
udevadm trigger --action=add >/dev/null 2>&1
timeout 30 udevadm settle || fail "udevadm settle timed out"

echo "guest: ready after $(cut -d' ' -f1 /proc/uptime) s"
timeout 200 /usr/bin/python3 "$here/desk.py" --repo "$repo" \
	--build "$build" --out /hil-out --results "$res"
rc=$?
[ "$rc" -eq 0 ] || echo "guest: desk.py exited with $rc"
off
