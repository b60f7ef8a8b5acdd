/* SPDX-License-Identifier: MIT */
/*
 * The tower light's patterns (tower.h): a state and the time since entry
 * in, the four lines and the time of the next change out.  Kept apart from
 * the desk so the desk says only which state it is in, and apart from the
 * GPIO code so every pattern is tested without a timer or a line.
 */
#include <stddef.h>

#include "retour/tower.h"

/* @n short beeps from entry: on TOWER_BEEP_MS, off TOWER_BEEP_MS. */
static bool tower_short_beeps(int n, int64_t ms, int64_t *next)
{
	int64_t end = (int64_t)n * 2 * TOWER_BEEP_MS - TOWER_BEEP_MS;

	if (ms >= end) {
		*next = -1;
		return false;
	}
	*next = (ms / TOWER_BEEP_MS + 1) * TOWER_BEEP_MS;
	return (ms / TOWER_BEEP_MS) % 2 == 0;
}

/* Blinking at 1 Hz from entry: lit first. */
static bool tower_blink(int64_t ms, int64_t *next)
{
	*next = (ms / TOWER_BLINK_MS + 1) * TOWER_BLINK_MS;
	return (ms / TOWER_BLINK_MS) % 2 == 0;
}

static int64_t tower_sooner(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int64_t tower_show(enum tower_state s, int64_t ms, bool acknowledged,
		   struct tower_lines *out, bool *over)
{
	struct tower_lines l = {0};
	int64_t next = -1, beep_next = -1, period;
	bool done = false;

	if (ms < 0)
		ms = 0;
	switch (s) {
	case TOWER_READY:
		l.green = true;
		break;
	case TOWER_WORKING:
		l.amber = true;
		break;
	case TOWER_NEEDS_YOU:
		l.amber = tower_blink(ms, &next);
		l.buzzer = tower_short_beeps(1, ms, &beep_next);
		break;
	case TOWER_REFUSED:
		if (ms >= TOWER_REFUSED_MS) {
			done = true;
			break;
		}
		l.red = true;
		l.buzzer = tower_short_beeps(2, ms, &beep_next);
		next = TOWER_REFUSED_MS;
		break;
	case TOWER_SUPERVISOR:
		l.red = tower_blink(ms, &next);
		l.buzzer = tower_short_beeps(3, ms, &beep_next);
		break;
	case TOWER_ERROR:
		l.red = true;
		if (acknowledged)
			break;
		period = ms % TOWER_ERROR_EVERY_MS;
		l.buzzer = period < TOWER_LONG_BEEP_MS;
		next = ms - period +
		       (l.buzzer ? TOWER_LONG_BEEP_MS : TOWER_ERROR_EVERY_MS);
		break;
	case TOWER_DISK_LOW:
		l.green = true;
		l.amber = tower_blink(ms, &next);
		break;
	case TOWER_OFF:
	default:
		break;
	}
	if (out)
		*out = l;
	if (over)
		*over = done;
	return tower_sooner(next, beep_next);
}

const char *tower_state_name(enum tower_state s)
{
	switch (s) {
	case TOWER_OFF:
		return "off";
	case TOWER_READY:
		return "ready";
	case TOWER_WORKING:
		return "working";
	case TOWER_NEEDS_YOU:
		return "needs_you";
	case TOWER_REFUSED:
		return "refused";
	case TOWER_SUPERVISOR:
		return "supervisor";
	case TOWER_ERROR:
		return "error";
	case TOWER_DISK_LOW:
		return "disk_low";
	}
	return "unknown";
}

int tower_colour(enum tower_state s)
{
	switch (s) {
	case TOWER_READY:
	case TOWER_DISK_LOW:
		return 1;
	case TOWER_WORKING:
	case TOWER_NEEDS_YOU:
		return 2;
	case TOWER_REFUSED:
	case TOWER_SUPERVISOR:
	case TOWER_ERROR:
		return 3;
	case TOWER_OFF:
	default:
		return 0;
	}
}

bool tower_beeps(enum tower_state s)
{
	return s == TOWER_NEEDS_YOU || s == TOWER_REFUSED ||
	       s == TOWER_SUPERVISOR || s == TOWER_ERROR;
}

bool tower_is_transient(enum tower_state s)
{
	return s == TOWER_REFUSED;
}
