/* SPDX-License-Identifier: MIT */
/*
 * The tower light and the buzzer: what each state of the desk shows, as a
 * pure function of the state and the time since the desk entered it.
 *
 *   state       light                 buzzer
 *   ready       green steady          -
 *   working     amber steady          -
 *   needs_you   amber blinking 1 Hz   one short beep on entry
 *   refused     red for 1 s, then     two short beeps
 *               back to the state
 *               the desk is in
 *   supervisor  red blinking 1 Hz     three short beeps on entry
 *   error       red steady            a long beep every 10 s until
 *                                     acknowledged
 *   disk_low    green steady, amber   -
 *               blinking 1 Hz: ready,
 *               but the disk is below
 *               its warning floor
 *
 * The desk (workflow.h) says which state it is in; the GPIO dispatcher
 * (gpio.h) runs the pattern, with a timer only while something blinks or
 * beeps.  No clock here: the caller gives the time since entry.
 */
#ifndef RETOUR_TOWER_H
#define RETOUR_TOWER_H

#include <stdbool.h>
#include <stdint.h>

enum tower_state {
	TOWER_OFF = 0,	  /* nothing lit: before the desk says anything */
	TOWER_READY,	  /* scan the next parcel */
	TOWER_WORKING,	  /* the station's turn: scale, photo, printing */
	TOWER_NEEDS_YOU,  /* the clerk's turn: a step, a proposal */
	TOWER_REFUSED,	  /* a scan refused or misread: 1 s, then back */
	TOWER_SUPERVISOR, /* failed ship-QC, an override: call one */
	TOWER_ERROR,	  /* device fault, not recorded, disk full */
	TOWER_DISK_LOW,	  /* ready, the disk below its warning floor */
};
#define TOWER_STATE_COUNT 8

#define TOWER_BLINK_MS 500	   /* 1 Hz: on half, off half */
#define TOWER_BEEP_MS 100	   /* a short beep, and the gap after it */
#define TOWER_REFUSED_MS 1000	   /* how long a refusal shows */
#define TOWER_LONG_BEEP_MS 1000	   /* the error's beep */
#define TOWER_ERROR_EVERY_MS 10000 /* ... once per this, from entry */

/* The four output lines. */
struct tower_lines {
	bool green, amber, red, buzzer;
};

/*
 * What @s shows @ms milliseconds after the desk entered it (@ms < 0 counts
 * as 0).  @acknowledged: someone answered the error, whose beeps stop (its
 * light stays).  Returns when the lines next change, in ms since entry,
 * or -1 when they never change again (steady: no timer needed).  A
 * refusal is over at TOWER_REFUSED_MS: from then, *@over is set (it may
 * be NULL) and the lines are dark; the caller shows the state to go back
 * to.  An unknown state shows nothing.
 */
int64_t tower_show(enum tower_state s, int64_t ms, bool acknowledged,
		   struct tower_lines *out, bool *over);

/* "ready", "needs_you", ...; "unknown" for any other value. */
const char *tower_state_name(enum tower_state s);
/* The colour a state lights ("green", "amber", "red", "off") as an index:
 * 0 off, 1 green, 2 amber, 3 red (enum desk_light and enum gpio_light
 * count the same way). */
int tower_colour(enum tower_state s);
/* The state's pattern sounds the buzzer at all. */
bool tower_beeps(enum tower_state s);
/* A transient state (refused) goes back to the one before by itself. */
bool tower_is_transient(enum tower_state s);

#endif
