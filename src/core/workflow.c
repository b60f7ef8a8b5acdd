/* SPDX-License-Identifier: MIT */
/*
 * The desk's vocabulary (workflow.h): the names its enums go by in the API,
 * the journal and the tests ("sign_in", "ship_qc", "amber", "missing"), and
 * who the record says acts at the desk.  Nothing here calls anything:
 * every other desk file may use these.
 */
#include "retour/workflow.h"

const char *desk_step_name(enum desk_step s)
{
	switch (s) {
	case DESK_STEP_SIGN_IN:
		return "sign_in";
	case DESK_STEP_SCAN:
		return "scan";
	case DESK_STEP_WEIGH:
		return "weigh";
	case DESK_STEP_PHOTO:
		return "photo";
	case DESK_STEP_ITEMS:
		return "items";
	case DESK_STEP_CHECKLIST:
		return "checklist";
	case DESK_STEP_PHOTO_SEALED:
		return "photo_sealed";
	case DESK_STEP_CONFIRM:
		return "confirm";
	}
	return "unknown";
}

const char *desk_routine_name(enum desk_routine r)
{
	switch (r) {
	case DESK_ROUTINE_RETURN:
		return "return";
	case DESK_ROUTINE_SHIP_QC:
		return "ship_qc";
	}
	return "unknown";
}

const char *desk_light_name(enum desk_light l)
{
	switch (l) {
	case DESK_LIGHT_OFF:
		return "off";
	case DESK_LIGHT_GREEN:
		return "green";
	case DESK_LIGHT_AMBER:
		return "amber";
	case DESK_LIGHT_RED:
		return "red";
	}
	return "unknown";
}

const char *desk_actor(const struct desk *d)
{
	return d && d->clerk[0] ? d->clerk : "station";
}

const char *desk_device_name(enum desk_device k)
{
	switch (k) {
	case DESK_DEVICE_SCANNER:
		return "scanner";
	case DESK_DEVICE_SCALE:
		return "scale";
	case DESK_DEVICE_PRINTER:
		return "printer";
	case DESK_DEVICE_CAMERA:
		return "camera";
	case DESK_DEVICE_GPIO:
		return "gpio";
	case DESK_DEVICE_COUNT:
		break;
	}
	return "unknown";
}

const char *desk_device_state_name(enum desk_device_state s)
{
	switch (s) {
	case DESK_DEVICE_CONNECTED:
		return "connected";
	case DESK_DEVICE_MISSING:
		return "missing";
	case DESK_DEVICE_FAULT:
		return "fault";
	}
	return "unknown";
}
