/* SPDX-License-Identifier: MIT */
/*
 * What the desk says to a person, in a form a screen can translate: a
 * stable code naming the sentence ("scale_overloaded"), the values put
 * into it, in the order the English sentence has them, and the English
 * sentence itself (for API users and the CLI).  The screen looks the code
 * up in web/i18n.js and puts the values into its own sentence.
 *
 * Pure: no I/O.  The values are captured from the same printf format and
 * arguments that make the English sentence, one value per conversion, so
 * the two can never disagree.
 */
#ifndef RETOUR_SAID_H
#define RETOUR_SAID_H

#include <stdarg.h>
#include <stddef.h>

#define SAID_CODE_LEN 40
#define SAID_MAX_ARGS 6
#define SAID_ARG_LEN 64

struct said {
	char code[SAID_CODE_LEN]; /* "" when nothing is said */
	int n_args;
	char args[SAID_MAX_ARGS][SAID_ARG_LEN];
};

/*
 * @out's code is @code, its args the values @fmt's conversions take from
 * @ap, each formatted alone (a value past SAID_MAX_ARGS is dropped, one
 * longer than SAID_ARG_LEN cut at a whole UTF-8 character).  @ap is not
 * consumed: the caller va_copy()s it.
 */
void said_capture(struct said *out, const char *code, const char *fmt,
		  va_list ap);
void said_clear(struct said *out);
/* @code with no values. */
void said_set(struct said *out, const char *code);

#endif
