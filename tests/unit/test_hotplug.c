/* SPDX-License-Identifier: MIT */
/*
 * Device nodes through sd-device (src/dev/hotplug.c): a udev watch is
 * made on the loop, a USB id nobody plugged in is not found, and stable
 * ids fall back to the node for devices without a USB parent or port.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/hotplug.h"

static void seen(void *ud, enum hotplug_action a, const char *node,
		 const char *id)
{
	(*(int *)ud)++;
}

static void test_hotplug_watch_on_loop(void **state)
{
	sd_event *ev = NULL;
	struct hotplug *h = NULL;
	char err[160] = "";
	int n = 0, r;

	assert_int_equal(sd_event_new(&ev), 0);
	r = hotplug_watch(ev, "input", seen, &n, &h, err, sizeof(err));
	/* a sandbox may refuse the netlink socket: then it says so */
	if (r < 0)
		assert_non_null(strstr(err, "cannot watch input devices"));
	else
		assert_true(sd_event_run(ev, 1000) >= 0);
	hotplug_unwatch(h);
	sd_event_unref(ev);
}

static void test_hotplug_find_usb_absent(void **state)
{
	struct usb_id id = {.vendor = 0xfffe, .product = 0x0001};
	char node[64] = "untouched";

	assert_int_equal(hotplug_find_usb("input", &id, node, sizeof(node)),
			 -ENOENT);
	assert_string_equal(node, "untouched");
}

static void test_hotplug_stable_id(void **state)
{
	char id[160];
	int master;

	assert_int_equal(hotplug_stable_id("/nonexistent/node", id,
					   sizeof(id)),
			 -ENOENT);
	assert_int_equal(hotplug_stable_id("/etc/hostname", id, sizeof(id)),
			 -ENOENT);
	/* no USB parent, no port path: the node is the id */
	assert_int_equal(hotplug_stable_id("/dev/null", id, sizeof(id)), 0);
	assert_string_equal(id, "/dev/null");
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	assert_int_equal(hotplug_stable_id(ptsname(master), id, sizeof(id)),
			 0);
	assert_string_equal(id, ptsname(master));
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hotplug_watch_on_loop),
	    cmocka_unit_test(test_hotplug_find_usb_absent),
	    cmocka_unit_test(test_hotplug_stable_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
