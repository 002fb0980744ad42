/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-private.h: what the library's files share about a connection; not
 * installed. The public API is include/gattd/client.h.
 */
#pragma once

/* GLib first: the public header then declares its g_autoptr() cleanups for the library too. */
#include <glib.h>

#include <gattd/client.h>

#include "shared/jread.h"
#include <stdbool.h>

#include "line-reader.h"

typedef enum {
	CLIENT_MESSAGE_REPLY,
	CLIENT_MESSAGE_EVENT,
	CLIENT_MESSAGE_OTHER,  /* a JSON object that is neither: kept for pop_message */
} ClientMessageKind;

/* One received line, classified once on arrival so waits don't re-parse the queue. */
typedef struct {
	ClientMessageKind kind;
	bool handler_request; /* events: a read-request or write-request, for gattd_client_next_request() */
	bool pairing_request; /* events: a pairing-request, for gattd_client_next_pairing_request() */
	bool has_id;      /* a reply whose id is an unsigned integer, i.e. one the library sent */
	uint64_t id;
	bool ok;          /* replies: the "ok" member */
	char *line;       /* without '\n', NUL-terminated, g_malloc()ed */
	size_t len;
} ClientMessage;

struct GattdClient {
	int fd;
	int broken;          /* 0, or the -errno that made the connection unusable */
	uint64_t last_id;

	GByteArray *out;     /* unwritten request bytes start at out->data + out_start */
	size_t out_start;

	LineReader in;
	GQueue messages;     /* ClientMessage*, oldest first */
	size_t queued_bytes;

	/* Ids of calls that gave up waiting: their late replies are dropped, not queued. */
	GArray *abandoned;   /* uint64_t */

	char *error_code;    /* of the last failed call, or NULL */
	char *error_message;
};

/* client-message.c */
/* Classify line (taking ownership of it). -EPROTO if it is not a JSON object. */
int client_message_new(char *line, size_t len, ClientMessage **ret);
void client_message_free(ClientMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ClientMessage, client_message_free)

/*
 * The members of a received object as C values; a missing or mistyped one is a
 * protocol error (-EPROTO), and *ret is then untouched.
 */
/* An integer within 0..max. */
int client_member_uint(json_t *obj, const char *name, uint64_t max, uint64_t *ret);
/* The same, or 0 for null (what gattd does not know, e.g. an MTU). */
int client_member_uint_or_null(json_t *obj, const char *name, uint64_t max, uint64_t *ret);
/* true or false, as 1 or 0. */
int client_member_bool(json_t *obj, const char *name, int *ret);
/* A string as a malloc()ed copy; null gives NULL when nullable. */
int client_member_string(json_t *obj, const char *name, bool nullable, char **ret);
/* A hex string as malloc()ed bytes, never NULL (even for none). */
int client_member_hex(json_t *obj, const char *name, uint8_t **ret, size_t *ret_len);
/* An array of strings as a malloc()ed NULL-terminated vector (never NULL), for client_strv_free(). */
int client_member_strv(json_t *obj, const char *name, char ***ret);
void client_strv_free(char **strv);

/* Fill one zeroed C struct from an object of an array; a struct left half-filled is cleared by the caller. */
typedef int (*ClientParseItem)(json_t *obj, void *item);
/* Free what one struct holds (a zeroed one too). */
typedef void (*ClientClearItem)(void *item);
/*
 * An array of objects as a calloc()ed array of *ret_n structs of size bytes, each
 * filled by parse: NULL and 0 for an empty array. On failure (an item that is no
 * object, or that parse refuses) nothing is kept and *ret is untouched.
 */
int client_member_array(json_t *obj, const char *name, size_t size, ClientParseItem parse, ClientClearItem clear,
                        void **ret, size_t *ret_n);
/* Clear n structs of size bytes with clear, then free the array. NULL is fine. */
void client_array_free(void *items, size_t n, size_t size, ClientClearItem clear);

/* The typed readers of the objects that more than one reply or event carries; each
 * returns 0 or -EPROTO/-ENOMEM, leaving what it filled for the type's clear function. */
/* client-requests.c: a write (next-write reply, write event); the queue's seq and queued
 * only when queue_fields (the event has neither). */
int client_write_parse(json_t *obj, bool queue_fields, GattdWrite *w);
/* client-devices.c: a central's fields (devices, bonds, connected, disconnected, paired), a GattdDevice. */
int client_device_parse(json_t *obj, void *device);
void client_device_clear(void *device);
/* client-devices.c: the pairing state (pairable reply and event, status "pairing"). */
int client_pairing_parse(json_t *obj, GattdPairing *pairing);
/* client-advertise.c: an advertisement (advertise reply, advertisement event). */
int client_advertisement_parse(json_t *obj, GattdAdvertisement *adv);
/* client-handlers.c: a read-request or write-request event; -ENOMSG for another line. */
int client_request_parse(json_t *event, GattdRequest *req);
/* client-confirm.c: a pairing-request event; -ENOMSG for another line. */
int client_pairing_request_parse(json_t *event, GattdPairingRequest *req);

/* client-requests.c */
/* {"cmd": cmd, "char": chr}, chr may be NULL; NULL when chr is not valid UTF-8 (or no memory). */
json_t *client_request_new(const char *cmd, const char *chr);
/* Add "chars": the ids in chars (NULL-terminated). -EINVAL when one is not UTF-8. */
int client_request_set_chars(json_t *request, const char *const *chars);

/* client.c */
/*
 * Send request (its "id" is set here) and wait for its reply, up to timeout_ms.
 * Returns 0 for "ok": true, the mapped -errno for "ok": false (the error is then
 * recorded for gattd_client_error_code()); in both cases *ret_line and *ret_reply
 * (each may be NULL) receive the reply. Other failures leave them untouched.
 */
int client_call_object(GattdClient *c, json_t *request, int timeout_ms, char **ret_line, json_t **ret_reply);
/* As gattd_client_wait_event(), for the oldest read-request or write-request event only. */
int client_wait_handler_request(GattdClient *c, int timeout_ms, char **ret_line);
/* As gattd_client_wait_event(), for the oldest pairing-request event only. */
int client_wait_pairing_request(GattdClient *c, int timeout_ms, char **ret_line);
