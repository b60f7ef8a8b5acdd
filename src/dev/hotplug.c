/* SPDX-License-Identifier: MIT */
/*
 * udev's announcements of device nodes (include/retour/hotplug.h), through
 * libsystemd's sd-device: a monitor per watched subsystem attached to the
 * event loop, and sysfs walks for a node's USB parent.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-device.h>

#include "retour/hotplug.h"

struct hotplug {
	sd_device_monitor *mon;
	hotplug_fn fn;
	void *ud;
};

/* The USB device above @dev, or NULL. */
static sd_device *hotplug_usb_parent(sd_device *dev)
{
	sd_device *p = NULL;

	if (sd_device_get_parent_with_subsystem_devtype(dev, "usb",
							"usb_device", &p) < 0)
		return NULL;
	return p;
}

static void hotplug_id_of(sd_device *dev, char *out, size_t len)
{
	sd_device *usb = hotplug_usb_parent(dev);
	const char *v = NULL, *p = NULL, *serial = NULL, *path = NULL,
		   *node = NULL;

	if (usb && sd_device_get_sysattr_value(usb, "idVendor", &v) >= 0 &&
	    sd_device_get_sysattr_value(usb, "idProduct", &p) >= 0) {
		if (sd_device_get_sysattr_value(usb, "serial", &serial) < 0)
			serial = NULL;
		snprintf(out, len, "%s:%s%s%s", v, p, serial ? ":" : "",
			 serial ? serial : "");
		return;
	}
	if (sd_device_get_property_value(dev, "ID_PATH", &path) >= 0 && path) {
		snprintf(out, len, "%s", path);
		return;
	}
	if (sd_device_get_devname(dev, &node) < 0 || !node)
		node = "";
	snprintf(out, len, "%s", node);
}

static bool hotplug_is_event_node(const char *subsystem, const char *node)
{
	return strcmp(subsystem, "input") ||
	       !strncmp(node, "/dev/input/event", 16);
}

static int hotplug_event(sd_device_monitor *m, sd_device *dev, void *ud)
{
	struct hotplug *h = ud;
	sd_device_action_t action;
	const char *node = NULL, *subsystem = NULL;
	char id[160];

	if (sd_device_get_action(dev, &action) < 0 ||
	    sd_device_get_devname(dev, &node) < 0 || !node ||
	    sd_device_get_subsystem(dev, &subsystem) < 0 ||
	    !hotplug_is_event_node(subsystem, node))
		return 0;
	if (action != SD_DEVICE_ADD && action != SD_DEVICE_REMOVE)
		return 0;
	hotplug_id_of(dev, id, sizeof(id));
	h->fn(h->ud, action == SD_DEVICE_ADD ? HOTPLUG_ADDED : HOTPLUG_REMOVED,
	      node, id);
	return 0;
}

int hotplug_watch(sd_event *ev, const char *subsystem, hotplug_fn fn, void *ud,
		  struct hotplug **out, char *err, size_t errlen)
{
	struct hotplug *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	h->fn = fn;
	h->ud = ud;
	r = sd_device_monitor_new(&h->mon);
	if (r >= 0)
		r = sd_device_monitor_filter_add_match_subsystem_devtype(
		    h->mon, subsystem, NULL);
	if (r >= 0)
		r = sd_device_monitor_attach_event(h->mon, ev);
	if (r >= 0)
		r = sd_device_monitor_start(h->mon, hotplug_event, h);
	if (r < 0) {
		snprintf(err, errlen, "cannot watch %s devices: %s", subsystem,
			 strerror(-r));
		hotplug_unwatch(h);
		return r;
	}
	*out = h;
	return 0;
}

void hotplug_unwatch(struct hotplug *h)
{
	if (!h)
		return;
	if (h->mon) {
		sd_device_monitor_stop(h->mon);
		sd_device_monitor_unref(h->mon);
	}
	free(h);
}

static bool hotplug_usb_matches(sd_device *dev, const struct usb_id *id)
{
	sd_device *usb = hotplug_usb_parent(dev);
	const char *v, *p, *serial = NULL;
	char want[8];

	if (!usb || sd_device_get_sysattr_value(usb, "idVendor", &v) < 0 ||
	    sd_device_get_sysattr_value(usb, "idProduct", &p) < 0)
		return false;
	snprintf(want, sizeof(want), "%04x", id->vendor);
	if (strcasecmp(v, want))
		return false;
	snprintf(want, sizeof(want), "%04x", id->product);
	if (strcasecmp(p, want))
		return false;
	if (!id->serial[0])
		return true;
	return sd_device_get_sysattr_value(usb, "serial", &serial) >= 0 &&
	       serial && !strcmp(serial, id->serial);
}

/* Is @node before @best: shorter first, then by name (eventN sorts by N
 * only when as long). */
static bool hotplug_node_before(const char *node, const char *best)
{
	return !best[0] || strlen(node) < strlen(best) ||
	       (strlen(node) == strlen(best) && strcmp(node, best) < 0);
}

/* udev marks the event node that types (ID_INPUT_KEYBOARD); a scanner's
 * other nodes (consumer keys, a HID POS interface) are not it. */
static bool hotplug_is_keyboard(sd_device *d)
{
	const char *v = NULL;

	return sd_device_get_property_value(d, "ID_INPUT_KEYBOARD", &v) >= 0 &&
	       v && !strcmp(v, "1");
}

int hotplug_find_usb(const char *subsystem, const struct usb_id *id,
		     char *devnode, size_t len)
{
	sd_device_enumerator *e = NULL;
	char best[256] = "", keyboard[256] = "";
	int r;

	r = sd_device_enumerator_new(&e);
	if (r >= 0)
		r = sd_device_enumerator_add_match_subsystem(e, subsystem,
							     true);
	if (r < 0) {
		sd_device_enumerator_unref(e);
		return r;
	}
	for (sd_device *d = sd_device_enumerator_get_device_first(e); d;
	     d = sd_device_enumerator_get_device_next(e)) {
		const char *node = NULL;

		if (sd_device_get_devname(d, &node) < 0 || !node ||
		    !hotplug_is_event_node(subsystem, node) ||
		    !hotplug_usb_matches(d, id))
			continue;
		if (hotplug_node_before(node, best))
			snprintf(best, sizeof(best), "%s", node);
		if (!strcmp(subsystem, "input") && hotplug_is_keyboard(d) &&
		    hotplug_node_before(node, keyboard))
			snprintf(keyboard, sizeof(keyboard), "%s", node);
	}
	sd_device_enumerator_unref(e);
	if (!best[0])
		return -ENOENT;
	/* without udev's database no node is marked: the first one */
	snprintf(devnode, len, "%s", keyboard[0] ? keyboard : best);
	return 0;
}

int hotplug_stable_id(const char *devnode, char *out, size_t len)
{
	sd_device *dev = NULL;
	struct stat st;
	int r;

	if (stat(devnode, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return -ENOENT;
	r = sd_device_new_from_devnum(&dev, S_ISCHR(st.st_mode) ? 'c' : 'b',
				      st.st_rdev);
	if (r < 0) {
		/* a node sysfs does not know (a pty): the node is the id */
		snprintf(out, len, "%s", devnode);
		return 0;
	}
	hotplug_id_of(dev, out, len);
	sd_device_unref(dev);
	return 0;
}
