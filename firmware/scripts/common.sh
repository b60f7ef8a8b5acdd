# SPDX-License-Identifier: MIT
# Shared by firmware/scripts/*.sh (sourced): messages, the image cache,
# the mirrors this machine's apt uses, and binfmt_misc set up for arm64
# programs and put back as it was.

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# the cache of what does not change between builds
image_cache() {
	echo "${RETOUR_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/retour-image}"
}

# apt_mirror debian|debian-security: the first URI of this machine's apt
# sources that ends in /debian (or /debian-security)
apt_mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -e 's/^URIs:[[:space:]]*//p' \
			-e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' |
		tr ' ' '\n' | sed 's:/*$::' | grep -m1 "/$1\$" || true
}

# binfmt_misc: mounted and qemu-aarch64 registered (with F, so a chroot
# runs arm64 programs), and what was there before remembered for
# binfmt_restore (a trap calls it).
BINFMT_DIR=/proc/sys/fs/binfmt_misc
binfmt_mounted_by_us=
binfmt_registered_by_us=
binfmt_enabled_by_us=
binfmt_enable() {
	command -v update-binfmts >/dev/null ||
		die "update-binfmts is missing: apt-get install binfmt-support (make check-image installs it)"
	[ -x /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || [ -x /usr/bin/qemu-aarch64-static ] ||
		die "qemu-aarch64-static is missing: apt-get install qemu-user-static"
	if [ ! -e "$BINFMT_DIR/register" ]; then
		mount -t binfmt_misc binfmt_misc "$BINFMT_DIR" ||
			die "cannot mount binfmt_misc on $BINFMT_DIR (root needed)"
		binfmt_mounted_by_us=1
	fi
	if [ ! -e "$BINFMT_DIR/qemu-aarch64" ]; then
		update-binfmts --enable qemu-aarch64 ||
			die "update-binfmts --enable qemu-aarch64 failed"
		binfmt_registered_by_us=1
	elif ! grep -qx enabled "$BINFMT_DIR/qemu-aarch64"; then
		echo 1 >"$BINFMT_DIR/qemu-aarch64"
		binfmt_enabled_by_us=1
	fi
}
binfmt_restore() {
	if [ -n "$binfmt_registered_by_us" ]; then
		update-binfmts --disable qemu-aarch64 >/dev/null 2>&1 ||
			echo -1 >"$BINFMT_DIR/qemu-aarch64" 2>/dev/null || true
	elif [ -n "$binfmt_enabled_by_us" ]; then
		echo 0 >"$BINFMT_DIR/qemu-aarch64" 2>/dev/null || true
	fi
	if [ -n "$binfmt_mounted_by_us" ]; then
		umount "$BINFMT_DIR" 2>/dev/null || true
	fi
	binfmt_mounted_by_us=
	binfmt_registered_by_us=
	binfmt_enabled_by_us=
}
