#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the hardware-in-the-loop guest's initramfs: static busybox, the
# modules Debian builds as modules that the guest needs to reach its root
# (virtio PCI, 9p, overlay), and scripts/hil/init (copied in as /init).
#   scripts/hil/initramfs.sh MODULES_DIR OUTPUT
set -eu
mods=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/lib/modules"
cp /bin/busybox "$work/bin/busybox"
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay; do
	f=$(modinfo -b "${mods%/lib/modules/*}" -k "$(basename "$mods")" \
		-F filename "$m" 2>/dev/null || true)
	case $f in
	"" | "(builtin)") continue ;;	# built into this kernel
	*.xz) xz -dc "$f" >"$work/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$work/lib/modules/$m.ko" ;;
	*) cp "$f" "$work/lib/modules/$m.ko" ;;
	esac
	echo "$m" >>"$work/lib/modules/order"
done
cp "$here/init" "$work/init"
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
