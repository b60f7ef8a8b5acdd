/* SPDX-License-Identifier: MIT */
/*
 * USB ids as boards write them, and the daemon's libusb context on the
 * event loop (src/dev/usb.c): shared by reference, its descriptors
 * watched, hot-plug registration accepted, freed with the last reference.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "retour/usb.h"

static void test_usb_id_good(void **state)
{
	struct usb_id id;
	char err[160], buf[96];

	assert_int_equal(usb_id_parse("0922:8003", &id, err, sizeof(err)), 0);
	assert_int_equal(id.vendor, 0x0922);
	assert_int_equal(id.product, 0x8003);
	assert_string_equal(id.serial, "");
	assert_int_equal(usb_id_parse("0EB8:f000:SN-01/A", &id, err,
				      sizeof(err)),
			 0);
	assert_int_equal(id.vendor, 0x0eb8);
	assert_int_equal(id.product, 0xf000);
	assert_string_equal(id.serial, "SN-01/A");
	usb_id_format(&id, buf, sizeof(buf));
	assert_string_equal(buf, "0eb8:f000:SN-01/A");
}

static void test_usb_id_bad(void **state)
{
	static const char *const bad[] = {
	    "",		  "0922",	 "0922:80",	 "0922:80031",
	    "0922-8003",  "g922:8003",	 "0922:8003:",	 "0922:8003:a b",
	    "0922:8003x", " 0922:8003", "0922:8003:\x7f", NULL,
	};
	struct usb_id id;
	char err[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(usb_id_parse(bad[i], &id, err, sizeof(err)),
				 -EINVAL);
		assert_true(strlen(err) > 10);
	}
	assert_int_equal(usb_id_parse("0922:8003:"
				      "0123456789012345678901234567890123456789"
				      "012345678901234567890123456789",
				      &id, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "1 to 63 characters"));
}

static void plugged(void *ud, libusb_device *dev, bool arrived)
{
	(*(int *)ud)++;
}

static void test_usb_loop_shared(void **state)
{
	sd_event *ev = NULL, *other = NULL;
	libusb_context *a = NULL, *b = NULL;
	struct usb_watch *w = NULL;
	libusb_device **list;
	struct usb_id id = {.vendor = 0x0922, .product = 0x8003};
	char err[160];
	int seen = 0, r;

	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(sd_event_new(&other), 0);
	assert_int_equal(usb_loop_ref(ev, &a, err, sizeof(err)), 0);
	assert_int_equal(usb_loop_ref(ev, &b, err, sizeof(err)), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(usb_loop_ref(other, &b, err, sizeof(err)), -EBUSY);
	/* whatever this machine has plugged in, the list is readable */
	assert_true(libusb_get_device_list(a, &list) >= 0);
	libusb_free_device_list(list, 1);
	r = usb_watch(a, &id, plugged, &seen, &w);
	assert_true(r == 0 || r == -EOPNOTSUPP);
	/* a round of the loop with nothing plugged in reports nothing */
	assert_true(sd_event_run(ev, 1000) >= 0);
	assert_int_equal(seen, 0);
	usb_unwatch(w);
	usb_loop_unref();
	usb_loop_unref();
	/* freed with the last reference: another loop may now have it */
	assert_int_equal(usb_loop_ref(other, &b, err, sizeof(err)), 0);
	usb_loop_unref();
	sd_event_unref(other);
	sd_event_unref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_usb_id_good),
	    cmocka_unit_test(test_usb_id_bad),
	    cmocka_unit_test(test_usb_loop_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
