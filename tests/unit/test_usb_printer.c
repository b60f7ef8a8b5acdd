/* SPDX-License-Identifier: MIT */
/*
 * Which interface of a USB device is driven as a label printer: from
 * configuration descriptors laid out as the USB Printer Class 1.1 says
 * (class 7, subclass 1, protocol 1 one-way, 2 bidirectional, 3 IEEE
 * 1284.4), the shapes label printers and multi-function devices have.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "retour/usb_printer.h"

#define BULK LIBUSB_TRANSFER_TYPE_BULK
#define INTR LIBUSB_TRANSFER_TYPE_INTERRUPT

static const struct libusb_endpoint_descriptor ep_out_in[] = {
    {.bEndpointAddress = 0x01, .bmAttributes = BULK, .wMaxPacketSize = 512},
    {.bEndpointAddress = 0x82, .bmAttributes = BULK, .wMaxPacketSize = 512},
};
static const struct libusb_endpoint_descriptor ep_out_only[] = {
    {.bEndpointAddress = 0x03, .bmAttributes = BULK, .wMaxPacketSize = 64},
};
static const struct libusb_endpoint_descriptor ep_interrupt_in[] = {
    {.bEndpointAddress = 0x81, .bmAttributes = INTR, .wMaxPacketSize = 8},
};

#define ALT(num, alt, cls, proto, eps)                                         \
	{                                                                      \
		.bInterfaceNumber = num, .bAlternateSetting = alt,             \
		.bInterfaceClass = cls, .bInterfaceSubClass = 1,               \
		.bInterfaceProtocol = proto,                                   \
		.bNumEndpoints = sizeof(eps) / sizeof(eps[0]), .endpoint = eps \
	}

static void pick(const struct libusb_interface *itfs, int n, bool want,
		 int interface, int alt, unsigned char out, unsigned char in)
{
	struct libusb_config_descriptor cfg = {.bNumInterfaces = (uint8_t)n,
					       .interface = itfs};
	struct usb_printer_iface got;

	assert_int_equal(usb_printer_pick(&cfg, &got), want);
	if (!want)
		return;
	assert_int_equal(got.interface, interface);
	assert_int_equal(got.altsetting, alt);
	assert_int_equal(got.ep_out, out);
	assert_int_equal(got.ep_in, in);
}

/* A label printer: one bidirectional interface, OUT and IN. */
static void test_label_printer_bidirectional(void **state)
{
	static const struct libusb_interface_descriptor a[] = {
	    ALT(0, 0, 7, 2, ep_out_in)};
	static const struct libusb_interface itf[] = {{a, 1}};

	(void)state;
	pick(itf, 1, true, 0, 0, 0x01, 0x82);
}

/* One-way: its IN endpoint, if any, is not read for status. */
static void test_one_way_printer(void **state)
{
	static const struct libusb_interface_descriptor a[] = {
	    ALT(0, 0, 7, 1, ep_out_in)};
	static const struct libusb_interface itf[] = {{a, 1}};

	(void)state;
	pick(itf, 1, true, 0, 0, 0x01, 0);
}

/* A composite device: HID first, the printer second. */
static void test_composite(void **state)
{
	static const struct libusb_interface_descriptor hid[] = {
	    ALT(0, 0, 3, 0, ep_interrupt_in)};
	static const struct libusb_interface_descriptor prn[] = {
	    ALT(1, 0, 7, 1, ep_out_only)};
	static const struct libusb_interface itf[] = {{hid, 1}, {prn, 1}};

	(void)state;
	pick(itf, 2, true, 1, 0, 0x03, 0);
}

/* Alternate settings 1, 2 and 3, as office printers have: 2 wins. */
static void test_alternate_settings(void **state)
{
	static const struct libusb_interface_descriptor a[] = {
	    ALT(0, 0, 7, 1, ep_out_only),
	    ALT(0, 1, 7, 2, ep_out_in),
	    ALT(0, 2, 7, 3, ep_out_in),
	};
	static const struct libusb_interface itf[] = {{a, 3}};
	static const struct libusb_interface_descriptor b[] = {
	    ALT(0, 0, 7, 3, ep_out_in),
	    ALT(0, 1, 7, 1, ep_out_only),
	};
	static const struct libusb_interface itf_b[] = {{b, 2}};

	(void)state;
	pick(itf, 1, true, 0, 1, 0x01, 0x82);
	pick(itf_b, 1, true, 0, 1, 0x03, 0);
}

/* No printer: a scale, a class-7 interface without bulk OUT, nothing. */
static void test_no_printer(void **state)
{
	static const struct libusb_interface_descriptor hid[] = {
	    ALT(0, 0, 3, 0, ep_interrupt_in)};
	static const struct libusb_interface_descriptor odd[] = {
	    ALT(0, 0, 7, 2, ep_interrupt_in)};
	static const struct libusb_interface itf_hid[] = {{hid, 1}};
	static const struct libusb_interface itf_odd[] = {{odd, 1}};
	struct usb_printer_iface got;

	(void)state;
	pick(itf_hid, 1, false, 0, 0, 0, 0);
	pick(itf_odd, 1, false, 0, 0, 0, 0);
	pick(itf_hid, 0, false, 0, 0, 0, 0);
	assert_false(usb_printer_pick(NULL, &got));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_printer_bidirectional),
	    cmocka_unit_test(test_one_way_printer),
	    cmocka_unit_test(test_composite),
	    cmocka_unit_test(test_alternate_settings),
	    cmocka_unit_test(test_no_printer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
