/* SPDX-License-Identifier: MIT */
/* Fixture. */
#include "retour/orphan.h"
int main(void)
{
	return orphan_adopt();
}
