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

/* client.c */
/*
 * Send request (its "id" is set here) and wait for its reply, up to timeout_ms.
 * Returns 0 for "ok": true, the mapped -errno for "ok": false (the error is then
 * recorded for gattd_client_error_code()); in both cases *ret_line and *ret_reply
 * (each may be NULL) receive the reply. Other failures leave them untouched.
 */
int client_call_object(GattdClient *c, json_t *request, int timeout_ms, char **ret_line, json_t **ret_reply);
