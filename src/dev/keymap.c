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
    [KEY_GRAVE] = {{"`", "~"}},
    [KEY_1] = {{"1", "!"}},
    [KEY_2] = {{"2", "@"}},
    [KEY_3] = {{"3", "#"}},
    [KEY_4] = {{"4", "$"}},
    [KEY_5] = {{"5", "%"}},
    [KEY_6] = {{"6", "^"}},
    [KEY_7] = {{"7", "&"}},
    [KEY_8] = {{"8", "*"}},
    [KEY_9] = {{"9", "("}},
    [KEY_0] = {{"0", ")"}},
    [KEY_MINUS] = {{"-", "_"}},
    [KEY_EQUAL] = {{"=", "+"}},
    [KEY_Q] = {{"q", "Q"}},
    [KEY_W] = {{"w", "W"}},
    [KEY_E] = {{"e", "E"}},
    [KEY_R] = {{"r", "R"}},
    [KEY_T] = {{"t", "T"}},
    [KEY_Y] = {{"y", "Y"}},
    [KEY_U] = {{"u", "U"}},
    [KEY_I] = {{"i", "I"}},
    [KEY_O] = {{"o", "O"}},
    [KEY_P] = {{"p", "P"}},
    [KEY_LEFTBRACE] = {{"[", "{"}},
    [KEY_RIGHTBRACE] = {{"]", "}"}},
    [KEY_A] = {{"a", "A"}},
    [KEY_S] = {{"s", "S"}},
    [KEY_D] = {{"d", "D"}},
    [KEY_F] = {{"f", "F"}},
    [KEY_G] = {{"g", "G"}},
    [KEY_H] = {{"h", "H"}},
    [KEY_J] = {{"j", "J"}},
    [KEY_K] = {{"k", "K"}},
    [KEY_L] = {{"l", "L"}},
    [KEY_SEMICOLON] = {{";", ":"}},
    [KEY_APOSTROPHE] = {{"'", "\""}},
    [KEY_BACKSLASH] = {{"\\", "|"}},
    [KEY_102ND] = {{"\\", "|"}},
    [KEY_Z] = {{"z", "Z"}},
    [KEY_X] = {{"x", "X"}},
    [KEY_C] = {{"c", "C"}},
    [KEY_V] = {{"v", "V"}},
    [KEY_B] = {{"b", "B"}},
    [KEY_N] = {{"n", "N"}},
    [KEY_M] = {{"m", "M"}},
    [KEY_COMMA] = {{",", "<"}},
    [KEY_DOT] = {{".", ">"}},
    [KEY_SLASH] = {{"/", "?"}},
    [KEY_SPACE] = {{" ", " "}},
};

/* Polish (Programmers): the us keys, and these on AltGr. */
static const struct keymap_key keymap_pl[KEYMAP_TABLE_SIZE] = {
    [KEY_A] = {{NULL, NULL, "ą", "Ą"}},
    [KEY_C] = {{NULL, NULL, "ć", "Ć"}},
    [KEY_E] = {{NULL, NULL, "ę", "Ę"}},
    [KEY_L] = {{NULL, NULL, "ł", "Ł"}},
    [KEY_N] = {{NULL, NULL, "ń", "Ń"}},
    [KEY_O] = {{NULL, NULL, "ó", "Ó"}},
    [KEY_S] = {{NULL, NULL, "ś", "Ś"}},
    [KEY_X] = {{NULL, NULL, "ź", "Ź"}},
    [KEY_Z] = {{NULL, NULL, "ż", "Ż"}},
    [KEY_U] = {{NULL, NULL, "€"}},
};

/* German QWERTZ: y and z swapped, umlauts right of the letters. */
static const struct keymap_key keymap_de[KEYMAP_TABLE_SIZE] = {
    [KEY_GRAVE] = {{"^", "°"}, 1},
    [KEY_1] = {{"1", "!"}},
    [KEY_2] = {{"2", "\"", "²"}},
    [KEY_3] = {{"3", "§", "³"}},
    [KEY_4] = {{"4", "$"}},
    [KEY_5] = {{"5", "%"}},
    [KEY_6] = {{"6", "&"}},
    [KEY_7] = {{"7", "/", "{"}},
    [KEY_8] = {{"8", "(", "["}},
    [KEY_9] = {{"9", ")", "]"}},
    [KEY_0] = {{"0", "=", "}"}},
    [KEY_MINUS] = {{"ß", "?", "\\"}},
    [KEY_EQUAL] = {{"´", "`"}, 3},
    [KEY_Q] = {{"q", "Q", "@"}},
    [KEY_W] = {{"w", "W"}},
    [KEY_E] = {{"e", "E", "€"}},
    [KEY_R] = {{"r", "R"}},
    [KEY_T] = {{"t", "T"}},
    [KEY_Y] = {{"z", "Z"}},
    [KEY_U] = {{"u", "U"}},
    [KEY_I] = {{"i", "I"}},
    [KEY_O] = {{"o", "O"}},
    [KEY_P] = {{"p", "P"}},
    [KEY_LEFTBRACE] = {{"ü", "Ü"}},
    [KEY_RIGHTBRACE] = {{"+", "*", "~"}},
    [KEY_A] = {{"a", "A"}},
    [KEY_S] = {{"s", "S"}},
    [KEY_D] = {{"d", "D"}},
    [KEY_F] = {{"f", "F"}},
    [KEY_G] = {{"g", "G"}},
    [KEY_H] = {{"h", "H"}},
    [KEY_J] = {{"j", "J"}},
    [KEY_K] = {{"k", "K"}},
    [KEY_L] = {{"l", "L"}},
    [KEY_SEMICOLON] = {{"ö", "Ö"}},
    [KEY_APOSTROPHE] = {{"ä", "Ä"}},
    [KEY_BACKSLASH] = {{"#", "'"}},
    [KEY_102ND] = {{"<", ">", "|"}},
    [KEY_Z] = {{"y", "Y"}},
    [KEY_X] = {{"x", "X"}},
    [KEY_C] = {{"c", "C"}},
    [KEY_V] = {{"v", "V"}},
    [KEY_B] = {{"b", "B"}},
    [KEY_N] = {{"n", "N"}},
    [KEY_M] = {{"m", "M", "µ"}},
    [KEY_COMMA] = {{",", ";"}},
    [KEY_DOT] = {{".", ":"}},
    [KEY_SLASH] = {{"-", "_"}},
    [KEY_SPACE] = {{" ", " "}},
};

/* French AZERTY: the digits are on shift, a/q and z/w swapped, m right
 * of l. */
static const struct keymap_key keymap_fr[KEYMAP_TABLE_SIZE] = {
    [KEY_GRAVE] = {{"²"}},
    [KEY_1] = {{"&", "1"}},
    [KEY_2] = {{"é", "2", "~"}, 4},
    [KEY_3] = {{"\"", "3", "#"}},
    [KEY_4] = {{"'", "4", "{"}},
    [KEY_5] = {{"(", "5", "["}},
    [KEY_6] = {{"-", "6", "|"}},
    [KEY_7] = {{"è", "7", "`"}, 4},
    [KEY_8] = {{"_", "8", "\\"}},
    [KEY_9] = {{"ç", "9", "^"}},
    [KEY_0] = {{"à", "0", "@"}},
    [KEY_MINUS] = {{")", "°", "]"}},
    [KEY_EQUAL] = {{"=", "+", "}"}},
    [KEY_Q] = {{"a", "A"}},
    [KEY_W] = {{"z", "Z"}},
    [KEY_E] = {{"e", "E", "€"}},
    [KEY_R] = {{"r", "R"}},
    [KEY_T] = {{"t", "T"}},
    [KEY_Y] = {{"y", "Y"}},
    [KEY_U] = {{"u", "U"}},
    [KEY_I] = {{"i", "I"}},
    [KEY_O] = {{"o", "O"}},
    [KEY_P] = {{"p", "P"}},
    [KEY_LEFTBRACE] = {{"^", "¨"}, 3},
    [KEY_RIGHTBRACE] = {{"$", "£", "¤"}},
    [KEY_A] = {{"q", "Q"}},
    [KEY_S] = {{"s", "S"}},
    [KEY_D] = {{"d", "D"}},
    [KEY_F] = {{"f", "F"}},
    [KEY_G] = {{"g", "G"}},
    [KEY_H] = {{"h", "H"}},
    [KEY_J] = {{"j", "J"}},
    [KEY_K] = {{"k", "K"}},
    [KEY_L] = {{"l", "L"}},
    [KEY_SEMICOLON] = {{"m", "M"}},
    [KEY_APOSTROPHE] = {{"ù", "%"}},
    [KEY_BACKSLASH] = {{"*", "µ"}},
    [KEY_102ND] = {{"<", ">"}},
    [KEY_Z] = {{"w", "W"}},
    [KEY_X] = {{"x", "X"}},
    [KEY_C] = {{"c", "C"}},
    [KEY_V] = {{"v", "V"}},
    [KEY_B] = {{"b", "B"}},
    [KEY_N] = {{"n", "N"}},
    [KEY_M] = {{",", "?"}},
    [KEY_COMMA] = {{";", "."}},
    [KEY_DOT] = {{":", "/"}},
    [KEY_SLASH] = {{"!", "§"}},
    [KEY_SPACE] = {{" ", " "}},
};

/* numlock on, shift or not */
static const char *const keymap_keypad[KEYMAP_TABLE_SIZE] = {
    [KEY_KP0] = "0",	     [KEY_KP1] = "1",	  [KEY_KP2] = "2",
    [KEY_KP3] = "3",	     [KEY_KP4] = "4",	  [KEY_KP5] = "5",
    [KEY_KP6] = "6",	     [KEY_KP7] = "7",	  [KEY_KP8] = "8",
    [KEY_KP9] = "9",	     [KEY_KPDOT] = ".",	  [KEY_KPSLASH] = "/",
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
