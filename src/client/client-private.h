/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-private.h: what the library's files share about a connection; not
 * installed. The public API is include/gattd/client.h.
 */
#pragma once

#include <gattd/client.h>

#include <glib.h>
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
