/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/requests.h: the reads and writes of centrals that a local handler answers
 * (Handler= in the configuration). Each is a pending request holding bluetoothd's
 * ReadValue/WriteValue call until the handler answers, its time limit, the limit on
 * how many are pending, and what settles it when no handler does: a read gets the
 * stored value, a write the characteristic's HandlerFallback= (refused with ATT 0x0E,
 * or stored).
 *
 * gatt/ knows no handlers: one delegate (the socket server) hands each request to
 * the local client that claimed its characteristic, and answers it with
 * gatt_request_answer_read(), _accept(), _refuse() or _fallback(). Each of those
 * settles the request: the central gets its answer and the request is freed.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "gatt/app.h"

typedef enum {
	GATT_REQUEST_READ,
	GATT_REQUEST_WRITE,
} GattRequestKind;

typedef struct GattRequest GattRequest;

struct GattRequest {
	uint64_t id;             /* unique for the life of the process, from 1 */
	GattRequestKind kind;
	GattChar *chr;           /* the characteristic read or written, or the descriptor's */
	GattDesc *desc;          /* the descriptor read or written, or NULL */
	char *device;            /* BlueZ's device object path, or NULL when it did not say */
	uint16_t offset;
	uint16_t mtu;            /* 0 when BlueZ did not say */
	bool prepare_authorize;  /* a write that only asks whether it would be accepted */
	bool reply_expected;     /* false for a write without response: the central hears nothing */
	GBytes *data;            /* a write's bytes */
	GBytes *value;           /* the whole value a write would leave: what precedes offset, then data */
	int64_t deadline;        /* g_get_monotonic_time() (CLOCK_MONOTONIC, us) when HandlerTimeoutMs ends */
	void *owner;             /* the delegate's: who was asked */
	bool timed_out;          /* dropped: no answer in time (else a reload settled it) */
};

typedef struct {
	/* Whether a handler has chr now; with none, its requests settle by the fallback. */
	bool (*handled)(const GattChar *chr, void *user_data);
	/*
	 * Hand req to its handler. Returns 0 when one has it (it answers later), -ENOTCONN
	 * when nobody handles req->chr (the fallback answers now), -EBUSY when its handler
	 * has too many pending (the central gets in-progress).
	 */
	int (*request)(GattRequest *req, void *user_data);
	/*
	 * req is being settled without its handler's answer (time limit, reload): forget
	 * it; it is freed when this returns.
	 */
	void (*dropped)(GattRequest *req, void *user_data);
} GattHandlerDelegate;

/* The one delegate of app (NULL: none; every request settles by the fallback). */
void gatt_app_set_handler_delegate(GattApp *app, const GattHandlerDelegate *delegate, void *user_data);
/* Settle every pending request of app without its handler (a reload): reads get the stored value, writes 0x0E. */
void gatt_app_drop_requests(GattApp *app);

/*
 * The handler's value for a read: the whole value, of which the central gets the part
 * from the request's offset. Returns 0, or -errno with *ret_error: -EMSGSIZE when the
 * value does not fit MaxLength or the Type's size, -ENXIO for an offset beyond it;
 * the central then gets invalid-offset, or 0x0E for a value that does not fit.
 */
int gatt_request_answer_read(GattRequest *req, const uint8_t *data, size_t len, char **ret_error);
/*
 * Accept a write: stored (unless it only asked: prepare_authorize) and reported as any
 * write. Returns 1 when stored, 0 when only authorized, or -errno with *ret_error when
 * the write no longer fits the value as it is now (the central gets that error).
 */
int gatt_request_accept(GattRequest *req, char **ret_error);
/* Refuse with ATT error code att (shared/att.h). */
void gatt_request_refuse(GattRequest *req, uint8_t att);
/* Settle as if no handler existed: a read gets the stored value, a write HandlerFallback=. */
void gatt_request_fallback(GattRequest *req);
