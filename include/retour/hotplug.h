/* SPDX-License-Identifier: MIT */
/*
 * Device nodes coming and going, as udev announces them (through
 * libsystemd's sd-device): the scanner's input event node, a serial
 * scanner's or scale's tty, the camera's video node.  A backend watches its
 * subsystem and opens its device when it appears, without a restart and
 * without polling.  Also: finding a node by the USB id a board names, and
 * the stable id of a node (its USB vendor:product:serial, else the port
 * path), which tells two scanners of one kind apart.
 *
 * Needs udevd (every systemd board runs it); without it the watch is made
 * but reports nothing, and a backend keeps its own retry.
 *
 * Not here: USB devices driven through libusb (usb.h has their hot-plug).
 */
#ifndef RETOUR_HOTPLUG_H
#define RETOUR_HOTPLUG_H

#include <stddef.h>
#include <systemd/sd-event.h>

#include "retour/usb.h"

struct hotplug;

enum hotplug_action {
	HOTPLUG_ADDED,
	HOTPLUG_REMOVED,
};

/* On the event loop; @devnode like "/dev/input/event3", @stable_id as
 * hotplug_stable_id() gives it (on removal the node is gone: the id is
 * what udev still knew, possibly only the port path). */
typedef void (*hotplug_fn)(void *ud, enum hotplug_action a, const char *devnode,
			   const char *stable_id);

/* Watch @subsystem ("input", "tty", "video4linux").  0, or -errno with
 * @err. */
int hotplug_watch(sd_event *ev, const char *subsystem, hotplug_fn fn, void *ud,
		  struct hotplug **out, char *err, size_t errlen);
void hotplug_unwatch(struct hotplug *h);

/*
 * The first node of @subsystem (in the kernel's name order) that belongs
 * to the USB device @id: 0 with @devnode filled, -ENOENT when none is
 * plugged in.  For "input", only event nodes (/dev/input/eventN) count,
 * and the one udev marks as a keyboard wins (a scanner may have others).
 */
int hotplug_find_usb(const char *subsystem, const struct usb_id *id,
		     char *devnode, size_t len);

/* "0922:8003:SERIAL" (or "0922:8003" without a serial) for a node on a
 * USB device, else the port path ("platform-fe201000.serial"), else the
 * node itself.  0, or -ENOENT when @devnode is not a device. */
int hotplug_stable_id(const char *devnode, char *out, size_t len);

#endif
