/* SPDX-License-Identifier: MIT */
/*
 * Keyboard layouts as tables (include/retour/keymap.h): for each layout,
 * each key code its four levels (plain, shift, AltGr, shift+AltGr) as
 * UTF-8, and which of them are dead keys.  The tables follow the Windows
 * layouts of the same names (kbdus, kbdpl1 "Polish (Programmers)", kbdgr,
 * kbdfr), since that is what scanners emulate.
 *
 * pl is us with its AltGr levels only: its table holds those, and the
 * rest comes from us.  The keypad is the same on every layout (numlock
 * on: scanners in keypad mode rely on it), but for de's decimal comma.
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "retour/keymap.h"

struct keymap_key {
	const char *level[4]; /* plain, shift, AltGr, shift+AltGr */
	unsigned char dead;   /* bit n: level n is a dead key */
};

#define KEYMAP_TABLE_SIZE (KEYMAP_MAX_CODE + 1)

static const struct keymap_key keymap_us[KEYMAP_TABLE_SIZE] = {
    [KEY_GRAVE] = {{"`", "~"}, 0},	[KEY_1] = {{"1", "!"}, 0},
    [KEY_2] = {{"2", "@"}, 0},		[KEY_3] = {{"3", "#"}, 0},
    [KEY_4] = {{"4", "$"}, 0},		[KEY_5] = {{"5", "%"}, 0},
    [KEY_6] = {{"6", "^"}, 0},		[KEY_7] = {{"7", "&"}, 0},
    [KEY_8] = {{"8", "*"}, 0},		[KEY_9] = {{"9", "("}, 0},
    [KEY_0] = {{"0", ")"}, 0},		[KEY_MINUS] = {{"-", "_"}, 0},
    [KEY_EQUAL] = {{"=", "+"}, 0},	[KEY_Q] = {{"q", "Q"}, 0},
    [KEY_W] = {{"w", "W"}, 0},		[KEY_E] = {{"e", "E"}, 0},
    [KEY_R] = {{"r", "R"}, 0},		[KEY_T] = {{"t", "T"}, 0},
    [KEY_Y] = {{"y", "Y"}, 0},		[KEY_U] = {{"u", "U"}, 0},
    [KEY_I] = {{"i", "I"}, 0},		[KEY_O] = {{"o", "O"}, 0},
    [KEY_P] = {{"p", "P"}, 0},		[KEY_LEFTBRACE] = {{"[", "{"}, 0},
    [KEY_RIGHTBRACE] = {{"]", "}"}, 0}, [KEY_A] = {{"a", "A"}, 0},
    [KEY_S] = {{"s", "S"}, 0},		[KEY_D] = {{"d", "D"}, 0},
    [KEY_F] = {{"f", "F"}, 0},		[KEY_G] = {{"g", "G"}, 0},
    [KEY_H] = {{"h", "H"}, 0},		[KEY_J] = {{"j", "J"}, 0},
    [KEY_K] = {{"k", "K"}, 0},		[KEY_L] = {{"l", "L"}, 0},
    [KEY_SEMICOLON] = {{";", ":"}, 0},	[KEY_APOSTROPHE] = {{"'", "\""}, 0},
    [KEY_BACKSLASH] = {{"\\", "|"}, 0}, [KEY_102ND] = {{"\\", "|"}, 0},
    [KEY_Z] = {{"z", "Z"}, 0},		[KEY_X] = {{"x", "X"}, 0},
    [KEY_C] = {{"c", "C"}, 0},		[KEY_V] = {{"v", "V"}, 0},
    [KEY_B] = {{"b", "B"}, 0},		[KEY_N] = {{"n", "N"}, 0},
    [KEY_M] = {{"m", "M"}, 0},		[KEY_COMMA] = {{",", "<"}, 0},
    [KEY_DOT] = {{".", ">"}, 0},	[KEY_SLASH] = {{"/", "?"}, 0},
    [KEY_SPACE] = {{" ", " "}, 0},
};

/* Polish (Programmers): the us keys, and these on AltGr. */
static const struct keymap_key keymap_pl[KEYMAP_TABLE_SIZE] = {
    [KEY_A] = {{NULL, NULL, "ą", "Ą"}, 0},
    [KEY_C] = {{NULL, NULL, "ć", "Ć"}, 0},
    [KEY_E] = {{NULL, NULL, "ę", "Ę"}, 0},
    [KEY_L] = {{NULL, NULL, "ł", "Ł"}, 0},
    [KEY_N] = {{NULL, NULL, "ń", "Ń"}, 0},
    [KEY_O] = {{NULL, NULL, "ó", "Ó"}, 0},
    [KEY_S] = {{NULL, NULL, "ś", "Ś"}, 0},
    [KEY_X] = {{NULL, NULL, "ź", "Ź"}, 0},
    [KEY_Z] = {{NULL, NULL, "ż", "Ż"}, 0},
    [KEY_U] = {{NULL, NULL, "€"}, 0},
};

/* German QWERTZ: y and z swapped, umlauts right of the letters. */
static const struct keymap_key keymap_de[KEYMAP_TABLE_SIZE] = {
    [KEY_GRAVE] = {{"^", "°"}, 1},
    [KEY_1] = {{"1", "!"}, 0},
    [KEY_2] = {{"2", "\"", "²"}, 0},
    [KEY_3] = {{"3", "§", "³"}, 0},
    [KEY_4] = {{"4", "$"}, 0},
    [KEY_5] = {{"5", "%"}, 0},
    [KEY_6] = {{"6", "&"}, 0},
    [KEY_7] = {{"7", "/", "{"}, 0},
    [KEY_8] = {{"8", "(", "["}, 0},
    [KEY_9] = {{"9", ")", "]"}, 0},
    [KEY_0] = {{"0", "=", "}"}, 0},
    [KEY_MINUS] = {{"ß", "?", "\\"}, 0},
    [KEY_EQUAL] = {{"´", "`"}, 3},
    [KEY_Q] = {{"q", "Q", "@"}, 0},
    [KEY_W] = {{"w", "W"}, 0},
    [KEY_E] = {{"e", "E", "€"}, 0},
    [KEY_R] = {{"r", "R"}, 0},
    [KEY_T] = {{"t", "T"}, 0},
    [KEY_Y] = {{"z", "Z"}, 0},
    [KEY_U] = {{"u", "U"}, 0},
    [KEY_I] = {{"i", "I"}, 0},
    [KEY_O] = {{"o", "O"}, 0},
    [KEY_P] = {{"p", "P"}, 0},
    [KEY_LEFTBRACE] = {{"ü", "Ü"}, 0},
    [KEY_RIGHTBRACE] = {{"+", "*", "~"}, 0},
    [KEY_A] = {{"a", "A"}, 0},
    [KEY_S] = {{"s", "S"}, 0},
    [KEY_D] = {{"d", "D"}, 0},
    [KEY_F] = {{"f", "F"}, 0},
    [KEY_G] = {{"g", "G"}, 0},
    [KEY_H] = {{"h", "H"}, 0},
    [KEY_J] = {{"j", "J"}, 0},
    [KEY_K] = {{"k", "K"}, 0},
    [KEY_L] = {{"l", "L"}, 0},
    [KEY_SEMICOLON] = {{"ö", "Ö"}, 0},
    [KEY_APOSTROPHE] = {{"ä", "Ä"}, 0},
    [KEY_BACKSLASH] = {{"#", "'"}, 0},
    [KEY_102ND] = {{"<", ">", "|"}, 0},
    [KEY_Z] = {{"y", "Y"}, 0},
    [KEY_X] = {{"x", "X"}, 0},
    [KEY_C] = {{"c", "C"}, 0},
    [KEY_V] = {{"v", "V"}, 0},
    [KEY_B] = {{"b", "B"}, 0},
    [KEY_N] = {{"n", "N"}, 0},
    [KEY_M] = {{"m", "M", "µ"}, 0},
    [KEY_COMMA] = {{",", ";"}, 0},
    [KEY_DOT] = {{".", ":"}, 0},
    [KEY_SLASH] = {{"-", "_"}, 0},
    [KEY_SPACE] = {{" ", " "}, 0},
};

/* French AZERTY: the digits are on shift, a/q and z/w swapped, m right
 * of l. */
static const struct keymap_key keymap_fr[KEYMAP_TABLE_SIZE] = {
    [KEY_GRAVE] = {{"²"}, 0},
    [KEY_1] = {{"&", "1"}, 0},
    [KEY_2] = {{"é", "2", "~"}, 4},
    [KEY_3] = {{"\"", "3", "#"}, 0},
    [KEY_4] = {{"'", "4", "{"}, 0},
    [KEY_5] = {{"(", "5", "["}, 0},
    [KEY_6] = {{"-", "6", "|"}, 0},
    [KEY_7] = {{"è", "7", "`"}, 4},
    [KEY_8] = {{"_", "8", "\\"}, 0},
    [KEY_9] = {{"ç", "9", "^"}, 0},
    [KEY_0] = {{"à", "0", "@"}, 0},
    [KEY_MINUS] = {{")", "°", "]"}, 0},
    [KEY_EQUAL] = {{"=", "+", "}"}, 0},
    [KEY_Q] = {{"a", "A"}, 0},
    [KEY_W] = {{"z", "Z"}, 0},
    [KEY_E] = {{"e", "E", "€"}, 0},
    [KEY_R] = {{"r", "R"}, 0},
    [KEY_T] = {{"t", "T"}, 0},
    [KEY_Y] = {{"y", "Y"}, 0},
    [KEY_U] = {{"u", "U"}, 0},
    [KEY_I] = {{"i", "I"}, 0},
    [KEY_O] = {{"o", "O"}, 0},
    [KEY_P] = {{"p", "P"}, 0},
    [KEY_LEFTBRACE] = {{"^", "¨"}, 3},
    [KEY_RIGHTBRACE] = {{"$", "£", "¤"}, 0},
    [KEY_A] = {{"q", "Q"}, 0},
    [KEY_S] = {{"s", "S"}, 0},
    [KEY_D] = {{"d", "D"}, 0},
    [KEY_F] = {{"f", "F"}, 0},
    [KEY_G] = {{"g", "G"}, 0},
    [KEY_H] = {{"h", "H"}, 0},
    [KEY_J] = {{"j", "J"}, 0},
    [KEY_K] = {{"k", "K"}, 0},
    [KEY_L] = {{"l", "L"}, 0},
    [KEY_SEMICOLON] = {{"m", "M"}, 0},
    [KEY_APOSTROPHE] = {{"ù", "%"}, 0},
    [KEY_BACKSLASH] = {{"*", "µ"}, 0},
    [KEY_102ND] = {{"<", ">"}, 0},
    [KEY_Z] = {{"w", "W"}, 0},
    [KEY_X] = {{"x", "X"}, 0},
    [KEY_C] = {{"c", "C"}, 0},
    [KEY_V] = {{"v", "V"}, 0},
    [KEY_B] = {{"b", "B"}, 0},
    [KEY_N] = {{"n", "N"}, 0},
    [KEY_M] = {{",", "?"}, 0},
    [KEY_COMMA] = {{";", "."}, 0},
    [KEY_DOT] = {{":", "/"}, 0},
    [KEY_SLASH] = {{"!", "§"}, 0},
    [KEY_SPACE] = {{" ", " "}, 0},
};

/* numlock on, shift or not */
static const char *const keymap_keypad[KEYMAP_TABLE_SIZE] = {
    [KEY_KP0] = "0",	    [KEY_KP1] = "1",	 [KEY_KP2] = "2",
    [KEY_KP3] = "3",	    [KEY_KP4] = "4",	 [KEY_KP5] = "5",
    [KEY_KP6] = "6",	    [KEY_KP7] = "7",	 [KEY_KP8] = "8",
    [KEY_KP9] = "9",	    [KEY_KPDOT] = ".",	 [KEY_KPSLASH] = "/",
    [KEY_KPASTERISK] = "*", [KEY_KPMINUS] = "-", [KEY_KPPLUS] = "+",
};

static const char *const keymap_names[KEYMAP_LAYOUT_COUNT] = {
    [KEYMAP_US] = "us",
    [KEYMAP_PL] = "pl",
    [KEYMAP_DE] = "de",
    [KEYMAP_FR] = "fr",
};

int keymap_layout_from_name(const char *name)
{
	for (int l = 0; name && l < KEYMAP_LAYOUT_COUNT; l++)
		if (!strcmp(name, keymap_names[l]))
			return l;
	return -EINVAL;
}

const char *keymap_layout_name(enum keymap_layout l)
{
	return (unsigned)l < KEYMAP_LAYOUT_COUNT ? keymap_names[l] : "?";
}

static const struct keymap_key *keymap_key_of(enum keymap_layout l,
					      unsigned code)
{
	switch (l) {
	case KEYMAP_US:
	case KEYMAP_PL: /* its own levels are looked up first */
		return &keymap_us[code];
	case KEYMAP_DE:
		return &keymap_de[code];
	case KEYMAP_FR:
		return &keymap_fr[code];
	}
	return NULL;
}

bool keymap_is_letter(enum keymap_layout l, unsigned code, char *letter)
{
	const struct keymap_key *k;
	const char *p;

	if (code > KEYMAP_MAX_CODE || !(k = keymap_key_of(l, code)))
		return false;
	p = k->level[0];
	if (!p || p[0] < 'a' || p[0] > 'z' || p[1])
		return false;
	if (letter)
		*letter = p[0];
	return true;
}

enum keymap_kind keymap_lookup(enum keymap_layout l, unsigned code,
			       unsigned mods, char out[5])
{
	const struct keymap_key *k;
	const char *p = NULL;
	unsigned level;
	bool dead = false;

	out[0] = '\0';
	if (code > KEYMAP_MAX_CODE || (unsigned)l >= KEYMAP_LAYOUT_COUNT)
		return KEYMAP_NONE;
	if (keymap_keypad[code]) {
		p = code == KEY_KPDOT && l == KEYMAP_DE ? ","
							: keymap_keypad[code];
		memcpy(out, p, strlen(p) + 1);
		return KEYMAP_CHAR;
	}
	level = (mods & KEYMAP_SHIFT) ? 1 : 0;
	if ((mods & KEYMAP_CAPS) && keymap_is_letter(l, code, NULL))
		level ^= 1;
	if (mods & KEYMAP_ALTGR)
		level += 2;
	if (l == KEYMAP_PL && level >= 2) {
		p = keymap_pl[code].level[level];
	} else {
		k = keymap_key_of(l, code);
		p = k->level[level];
		dead = k->dead & (1u << level);
	}
	if (!p || strlen(p) > 4)
		return KEYMAP_NONE;
	memcpy(out, p, strlen(p) + 1);
	return dead ? KEYMAP_DEAD : KEYMAP_CHAR;
}
