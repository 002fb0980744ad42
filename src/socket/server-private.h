/*
 * server-private.h: what server.c (socket, clients, captures, events) and
 * socket/commands.c (the requests of the local client protocol) share.
 */
#pragma once

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "socket/capture.h"
#include "gatt/app.h"
#include "socket/protocol.h"
#include "socket/server.h"
#include "shared/listeners.h"

typedef struct Client Client;

/* A Capture=N characteristic's queue and the clients waiting in next-write, oldest first. */
typedef struct {
	GattChar *chr;
	CaptureQueue queue;
	GQueue waiters;          /* Client* */
} Capture;

/*
 * One line queued for a client. A next-write reply carries the write it hands over:
 * the write is consumed once the whole line has gone to the kernel, and goes back to
 * its capture queue if the client is closed before that.
 */
typedef struct {
	char *data;
	size_t len;
	bool event;              /* an event, not a reply: counts against MaxClientQueue */
	CapturedWrite *write;    /* a next-write reply's write, or NULL */
	char *write_char;        /* the id of the characteristic it was captured for */
} OutLine;

struct Client {
	Server *server;
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

	GByteArray *in;
	GQueue out;              /* OutLine* */
	bool corked;             /* reading its requests: replies go out in one send afterwards */
	size_t out_bytes;        /* queued, not yet written */
	size_t out_event_bytes;  /* of which events (whole lines): over MaxClientQueue, not reading */
	size_t out_offset;       /* bytes of the head already written */
	bool held;               /* over MaxClientQueue: its requests are not read until it takes more */
	guint resume_source;     /* idle: read its requests again */

	bool watching;
	GHashTable *watch_chars; /* ids; NULL = all */

	Capture *waiting_on;     /* next-write in progress */
	json_t *wait_id;
	guint wait_timeout;
};

struct Server {
	ServerOptions opts;
	char *path;
	char *group;
	GattApp *app;
	int listen_fd;
	bool created_path;       /* unlink the socket file at exit */
	guint listen_source;
	guint accept_retry_id;   /* accepting paused (accept() failed): when to try again */
	unsigned accept_retry_ms;  /* the next pause, doubling up to ACCEPT_RETRY_MAX_MS */
	bool accept_failing;     /* accept() failed since the backlog was last empty (logged once) */
	GList *clients;          /* Client* */
	unsigned n_clients;
	unsigned next_client_id;
	GHashTable *captures;    /* char id -> Capture* */
	bool shutting_down;
	unsigned generation;     /* configuration generation, 1 at start */
	ListenerList listeners;  /* ServerListener */
};

/* Queue a line (takes ownership) and write what the socket takes now. */
void client_send(Client *client, char *line);
/* An error reply line with a printf message. */
void reply_error(Client *client, const json_t *id, const char *code, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* "value" (and "typed") of a characteristic's current value. */
void add_char_value(JWriter *b, GattChar *chr);
/* The capture queue of a Capture=N characteristic, or NULL. */
Capture *capture_for(Server *server, GattChar *chr);
/* Hand a write taken from cap's queue to client: it is consumed once the reply is sent. */
void reply_next_write(Client *client, const json_t *id, Capture *cap, CapturedWrite *w);
/* A next-write waiter's timeout_ms passed. */
gboolean waiter_timed_out(gpointer data);
/* One request line from client (socket/commands.c). */
void server_handle_line(Client *client, const char *line, size_t len);
