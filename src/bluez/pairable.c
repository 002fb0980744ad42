/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bluez/pairable.c: the pairing window of bluez/pairable.h. */
#include "bluez/pairable.h"

#include <errno.h>

void bluez_pairable_init(BluezPairable *p, bool always)
{
	*p = (BluezPairable){ .always = always };
}

void bluez_pairable_set_always(BluezPairable *p, bool always)
{
	p->always = always;
}

bool bluez_pairable_is_open(const BluezPairable *p, int64_t now_us)
{
	return p->always || now_us < p->until_us;
}

int bluez_pairable_open(BluezPairable *p, unsigned seconds, int64_t now_us)
{
	if (p->always)
		return -EALREADY;
	p->until_us = now_us + (int64_t)seconds * 1000000;
	return 0;
}

int bluez_pairable_close(BluezPairable *p)
{
	if (p->always)
		return -EALREADY;
	p->until_us = 0;
	return 0;
}

int64_t bluez_pairable_remaining_ms(const BluezPairable *p, int64_t now_us)
{
	if (p->always)
		return -1;
	if (now_us >= p->until_us)
		return 0;
	return (p->until_us - now_us + 999) / 1000;
}
