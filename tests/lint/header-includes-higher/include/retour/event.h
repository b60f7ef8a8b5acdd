/* SPDX-License-Identifier: MIT */
/* Fixture: a codec header that needs jansson. */
#include <jansson.h>
json_t *event_render(int kind);
