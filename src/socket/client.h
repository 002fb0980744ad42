/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/client.h: one client connection of the socket server: reading its requests
 * line by line (or, on a handler channel, frame by frame: shared/frame.h), its outgoing
 * queue (replies and events) with the limits of ServerOptions, and closing it. client.c
 * knows nothing of what a request means: it hands each line or frame to its listener
 * (the server), and tells it when the connection is gone.
 *
 * The fields after the I/O ones belong to the modules that set them: watching to
 * commands.c and events.c, requests to handlers.c, the next-write wait to waiters.c.
 */
#pragma once

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "shared/listeners.h"
#include "socket/capture.h"
#include "socket/server.h"

typedef struct Client Client;

/* What the owner of the connections hears from one (shared/listeners.h). */
typedef struct {
	/* One request line (without its newline) to handle. */
	void (*line)(Client *client, const char *line, size_t len, void *user_data);
	/* On a handler channel (Client.frames): one frame (shared/frame.h), its type byte first, len >= 1. */
	void (*frame)(Client *client, const uint8_t *body, size_t len, void *user_data);
	/*
	 * client is closed (its struct lives until the main loop idles). The writes its
	 * undelivered next-write replies carry are still queued: server_client_take_write().
	 */
	void (*closed)(Client *client, void *user_data);
} ServerClientListener;

struct Client {
	Server *server;          /* the owner, opaque here */
	const ServerOptions *opts; /* max_line, max_queue: the owner's, followed across reloads */
	ListenerList listeners;   /* ServerClientListener: the owner */
	unsigned id;
	int fd;
	guint in_source;
	guint out_source;
	guint hup_source;        /* while closing: the client closed its end entirely */
	bool dead;
	bool closing;            /* not reading any more: answer what it asked, then close */
	const char *closing_why; /* static text for the log, with closing */
	pid_t pid;
	uid_t uid;
	bool frames;             /* a handler channel: binary frames both ways (shared/frame.h), no more lines */

	GByteArray *in;
	GQueue out;              /* OutLine* (client.c) */
	bool corked;             /* reading its requests: replies go out in one send afterwards */
	bool batched;            /* lines wait to go out before the main loop sleeps (client.c) */
	size_t out_bytes;        /* queued, not yet written */
	size_t out_event_bytes;  /* of which events (whole lines): over MaxClientQueue, not reading */
	size_t out_offset;       /* bytes of the head already written */
	bool held;               /* over MaxClientQueue: its requests are not read until it takes more */
	guint resume_source;     /* idle: read its requests again */

	bool watching;
	GHashTable *watch_chars; /* ids; NULL = all */

	unsigned n_requests;     /* sent to it as a handler, not yet answered (handlers.c) */
	unsigned n_owed;         /* its requests answered later, not from the line (disconnect, devices.c) */
	bool handler_late;       /* a request of its timed out: logged once, until it answers one */
	bool handler_full;       /* at MaxClientRequests: logged once, until one is settled */
	uint64_t *settled_ids;   /* the last requests settled without its answer (a ring), for `expired` */
	unsigned n_settled;      /* how many were ever put in the ring */

	Capture *waiting_on;     /* next-write in progress */
	json_t *wait_id;
	guint wait_timeout;
};

/* A connection accepted on fd from the peer cred; it is read from the next main loop iteration on. */
Client *server_client_new(Server *server, const ServerOptions *opts, unsigned id, int fd, const struct ucred *cred);
/* Add a listener; returns its id for server_client_remove_listener(). */
unsigned server_client_add_listener(Client *client, const ServerClientListener *listener, void *user_data);
void server_client_remove_listener(Client *client, unsigned id);
/* Close now; the struct is freed from an idle callback, so callers up the stack stay safe. */
void server_client_close(Client *client, const char *why);
/* Queue a reply line (takes ownership) and write what the socket takes now. Replies are queued whole. */
void server_client_send(Client *client, char *line);
/* Queue the error reply to the request with id (NULL: none) with code (PROTO_ERR_*) and a printf message. */
void server_client_send_error(Client *client, const json_t *id, const char *code, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/*
 * Queue an event line (takes ownership). Events are what a client did not ask for one
 * by one: one that lets more than MaxClientQueue bytes of them pile up (beyond what the
 * socket holds) has stopped reading, and is disconnected. Replies never count here.
 */
void server_client_send_event(Client *client, char *line);
/*
 * As server_client_send_event(), but written when the main loop is about to sleep, with
 * whatever else is queued for client by then: the requests one batch of D-Bus calls
 * hands to a handler go out in one send, and wake it once. For events whose cause waits
 * for the client's answer anyway (read-request, write-request).
 */
void server_client_send_event_batched(Client *client, char *line);
/* How server_client_send_frames() queues frames. */
typedef enum {
	SERVER_FRAME_REPLY,      /* as server_client_send(): it answers what the client sent */
	SERVER_FRAME_EVENT,      /* as server_client_send_event() */
	SERVER_FRAME_BATCHED,    /* as server_client_send_event_batched() */
} ServerFrameKind;

/* Queue the frames in frame (takes it) on a handler channel, as kind says. */
void server_client_send_frames(Client *client, GByteArray *frame, ServerFrameKind kind);
/* Answer a channel's frame with an error frame naming request (a request id, or a notify frame's tag). */
void server_client_send_error_frame(Client *client, uint64_t request, const char *code, const char *message);
/*
 * Queue a next-write reply carrying w, taken from the queue of the characteristic
 * char_id (takes line and w). The write is consumed once the kernel has taken all
 * of the line; if the client is closed before, its closed listener gets it back.
 * The client must not be dead.
 */
void server_client_send_write(Client *client, char *line, CapturedWrite *w, const char *char_id);
/*
 * From a closed client (ServerClientListener.closed): take the newest write that a reply it never
 * got carries, with the id of its characteristic (caller owns both; the lines
 * queued after it are dropped); NULL when none is left.
 */
CapturedWrite *server_client_take_write(Client *client, char **ret_char_id);
