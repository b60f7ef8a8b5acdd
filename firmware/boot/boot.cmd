# SPDX-License-Identifier: MIT
# The station's U-Boot script (firmware/boot/boot.cmd; image.sh makes it
# boot.scr with mkimage and puts it on the boot partition, where U-Boot's
# distro boot finds it: qemu's virt board with -bios u-boot.bin, and the
# Raspberry Pi 4 family after the GPU firmware has started u-boot.bin).
# Boot counting, with RAUC's custom backend (/usr/lib/retour-image/
# rauc-backend) keeping the same state in the same file, /boot.env on
# this FAT partition (U-Boot cannot write ext4):
#   BOOT_ORDER     the slots to try, first first ("B A")
#   BOOT_X_LEFT    how many more boots slot X may try
#   BOOT_X_TRIAL   1: X was installed and has not reached READY yet
# The first slot in order with tries left has its count lowered, the file
# is written back, and that slot's own kernel and initramfs (/vmlinuz,
# /initrd.img on its ext4) are booted with root=PARTLABEL=rootfs-a or -b
# and rauc.slot=A or B.  No slot with tries left: the first in order.
echo "retour-boot: ${devtype} ${devnum}:${distro_bootpart}"
setenv retour_envaddr ${kernel_addr_r}

setenv BOOT_ORDER "A B"
setenv BOOT_A_LEFT 3
setenv BOOT_B_LEFT 0
setenv BOOT_A_TRIAL 0
setenv BOOT_B_TRIAL 0
if load ${devtype} ${devnum}:${distro_bootpart} ${retour_envaddr} /boot.env; then
	# only these names: the file cannot set anything else
	env import -t ${retour_envaddr} ${filesize} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT BOOT_A_TRIAL BOOT_B_TRIAL
else
	echo "retour-boot: no /boot.env: slot A"
fi
# a name missing from the file: its default
if test -z "${BOOT_ORDER}"; then setenv BOOT_ORDER "A B"; fi
if test -z "${BOOT_A_LEFT}"; then setenv BOOT_A_LEFT 0; fi
if test -z "${BOOT_B_LEFT}"; then setenv BOOT_B_LEFT 0; fi
if test -z "${BOOT_A_TRIAL}"; then setenv BOOT_A_TRIAL 0; fi
if test -z "${BOOT_B_TRIAL}"; then setenv BOOT_B_TRIAL 0; fi

setenv retour_slot
for s in ${BOOT_ORDER}; do
	if test -z "${retour_slot}"; then
		if test "${s}" = A && test ${BOOT_A_LEFT} -gt 0; then
			setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1
			setenv retour_slot A
		elif test "${s}" = B && test ${BOOT_B_LEFT} -gt 0; then
			setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1
			setenv retour_slot B
		fi
	fi
done
if test -z "${retour_slot}"; then
	for s in ${BOOT_ORDER}; do
		if test -z "${retour_slot}"; then
			if test "${s}" = A || test "${s}" = B; then setenv retour_slot ${s}; fi
		fi
	done
	if test -z "${retour_slot}"; then setenv retour_slot A; fi
	echo "retour-boot: no slot has tries left (${BOOT_ORDER}): ${retour_slot}"
fi
echo "retour-boot: slot ${retour_slot} (order ${BOOT_ORDER}, left A=${BOOT_A_LEFT} B=${BOOT_B_LEFT})"
env export -t ${retour_envaddr} BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT BOOT_A_TRIAL BOOT_B_TRIAL
if fatwrite ${devtype} ${devnum}:${distro_bootpart} ${retour_envaddr} /boot.env ${filesize}; then
	true
else
	echo "retour-boot: cannot write /boot.env: this boot is not counted"
fi

if test "${retour_slot}" = A; then
	setenv retour_label rootfs-a
	setenv retour_rootpart 2
else
	setenv retour_label rootfs-b
	setenv retour_rootpart 3
fi
# the slot's partition by its GPT name where U-Boot can look it up
part number ${devtype} ${devnum} ${retour_label} retour_rootpart

# the memory: the kernel at kernel_addr_r, the initramfs 64 MiB above it,
# a gzip kernel unpacked through a buffer 96 MiB above it (booti does it)
setexpr retour_rdaddr ${kernel_addr_r} + 0x4000000
if test -z "${kernel_comp_addr_r}"; then
	setexpr kernel_comp_addr_r ${kernel_addr_r} + 0x6000000
fi
# the device tree: the board firmware's (the Pi's), else U-Boot's own
# (qemu's)
if test -n "${fdt_addr}"; then
	setenv retour_fdt ${fdt_addr}
else
	setenv retour_fdt ${fdtcontroladdr}
fi
setenv bootargs "root=PARTLABEL=${retour_label} ro rootwait panic=5 rauc.slot=${retour_slot}"
if load ${devtype} ${devnum}:${retour_rootpart} ${retour_rdaddr} /initrd.img; then
	setenv retour_rdsize ${filesize}
	if load ${devtype} ${devnum}:${retour_rootpart} ${kernel_addr_r} /vmlinuz; then
		setenv kernel_comp_size ${filesize}
		booti ${kernel_addr_r} ${retour_rdaddr}:${retour_rdsize} ${retour_fdt}
	fi
fi
# not booted (an empty or broken slot): this try is spent; start again
echo "retour-boot: slot ${retour_slot} did not boot: resetting"
reset
