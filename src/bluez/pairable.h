/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez/pairable.h: the pairing window (pure: time is passed in). With
 * [Pairing] Pairable=always it is always open; with on-request a client opens it
 * for a number of seconds (the gadget's "pair" button) and it closes by itself,
 * or when a client closes it. The agent accepts a pairing only while it is open.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	bool always;            /* Pairable=always */
	int64_t until_us;       /* on-request: open while now < until_us (monotonic); 0 = closed */
} BluezPairable;

void bluez_pairable_init(BluezPairable *p, bool always);
/* A reload's new setting: an open window stays open as long as it was to. */
void bluez_pairable_set_always(BluezPairable *p, bool always);
bool bluez_pairable_is_open(const BluezPairable *p, int64_t now_us);
/* Open for seconds from now (on-request); returns -EALREADY with Pairable=always, else 0. */
int bluez_pairable_open(BluezPairable *p, unsigned seconds, int64_t now_us);
/* Close now (on-request); returns -EALREADY with Pairable=always, else 0. */
int bluez_pairable_close(BluezPairable *p);
/* Milliseconds until an on-request window closes (rounded up), 0 when closed; -1 with always. */
int64_t bluez_pairable_remaining_ms(const BluezPairable *p, int64_t now_us);
