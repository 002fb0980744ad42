/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gattctl.h: what gattctl's verbs share. main.c dispatches to one file per verb
 * (status.c, list.c, get.c, set.c, watch.c, next-write.c, devices.c (and bonds),
 * disconnect.c (and forget), pairable.c, advertise.c, reload.c, handle.c, confirm.c); common.c holds option
 * parsing, connecting and calling with error reporting; format.c renders gattd's JSON for
 * people; command.c runs an operator's command (handle's --read-cmd, --write-cmd, confirm's
 * --cmd) and the event loop of the verbs that run them.
 *
 * Exit codes, the contract scripts rely on (also in --help and README.md):
 *   0  success
 *   1  gattd answered with an error (not-found, not-capture, busy, invalid-config, ...);
 *      handle: a reload took back every CHAR; confirm: handle-pairing refused
 *   2  usage error: unknown command or option, wrong arguments, a VALUE that does not
 *      parse or does not fit (wrong length, too long, out of range), whether gattctl
 *      finds it or gattd (invalid-value)
 *   3  cannot connect to gattd, or the connection was lost (also too-many-clients
 *      and shutting-down: try again later)
 *   4  timeout: next-write's or wait's --timeout passed, BlueZ did not answer a
 *      disconnect or forget in time, or gattd did not answer a request within
 *      --timeout (default GATTD_CLIENT_CALL_TIMEOUT_MS)
 *   5  disconnected: the adapter or BlueZ went away while next-write (ask again),
 *      disconnect or forget waited
 */
#pragma once

#include <glib.h>
/* After glib.h: g_autoptr(GattdClient) and friends. */
#include <gattd/client.h>
#include "shared/jread.h"
#include <stdbool.h>

typedef enum {
	GATTCTL_EXIT_OK = 0,
	GATTCTL_EXIT_ERROR = 1,
	GATTCTL_EXIT_USAGE = 2,
	GATTCTL_EXIT_CONNECTION = 3,
	GATTCTL_EXIT_TIMEOUT = 4,
	GATTCTL_EXIT_DISCONNECTED = 5,
	GATTCTL_EXIT_NOT_ON_AIR = 6,
} GattctlExit;

/* The exit code table as --help shows it. */
#define GATTCTL_EXIT_HELP \
	"Exit status:\n" \
	"  0  success\n" \
	"  1  gattd answered with an error\n" \
	"  2  usage error, or a VALUE that does not fit\n" \
	"  3  cannot connect to gattd, or the connection was lost\n" \
	"  4  timeout\n" \
	"  5  disconnected: the adapter or BlueZ went away during next-write (ask again),\n" \
	"     disconnect or forget\n" \
	"  6  status: gattd runs, but its services are not on the air\n"

typedef struct {
	char *socket_path;    /* --socket, or NULL for gattd_client_default_socket() */
	gboolean json;        /* --json: print gattd's reply and event lines as they are */
	int timeout_ms;       /* --timeout: how long a request waits for gattd's answer;
	                         0: not given (GATTD_CLIENT_CALL_TIMEOUT_MS), -1: no limit */
	GattdClient *client;  /* connected on first use */
} Gattctl;

/* The most --timeout takes (a day), as gattd's own limits on waiting. */
#define GATTCTL_MAX_TIMEOUT_MS 86400000

/*
 * Take --timeout MS (0: no limit) for every request ctl makes: GATTCTL_EXIT_OK, or
 * the usage error saying what it wants.
 */
int gattctl_set_timeout(Gattctl *ctl, const char *text);
/* How long a request waits for gattd's answer: --timeout, else GATTD_CLIENT_CALL_TIMEOUT_MS. */
int gattctl_timeout_ms(const Gattctl *ctl);

void gattctl_clear(Gattctl *ctl);

/* A verb gets its own arguments, argv[0] being its name, and returns an exit code. */
typedef int (*GattctlVerb)(Gattctl *ctl, int argc, char **argv);

int gattctl_status(Gattctl *ctl, int argc, char **argv);
int gattctl_list(Gattctl *ctl, int argc, char **argv);
int gattctl_get(Gattctl *ctl, int argc, char **argv);
int gattctl_set(Gattctl *ctl, int argc, char **argv);
int gattctl_watch(Gattctl *ctl, int argc, char **argv);
int gattctl_next_write(Gattctl *ctl, int argc, char **argv);
int gattctl_devices(Gattctl *ctl, int argc, char **argv);
int gattctl_disconnect(Gattctl *ctl, int argc, char **argv);
int gattctl_forget(Gattctl *ctl, int argc, char **argv);
int gattctl_bonds(Gattctl *ctl, int argc, char **argv);
int gattctl_pairable(Gattctl *ctl, int argc, char **argv);
int gattctl_reload(Gattctl *ctl, int argc, char **argv);
int gattctl_handle(Gattctl *ctl, int argc, char **argv);
int gattctl_confirm(Gattctl *ctl, int argc, char **argv);
int gattctl_advertise(Gattctl *ctl, int argc, char **argv);
int gattctl_wait(Gattctl *ctl, int argc, char **argv);

/* ---- verbs.c ---- */

typedef struct {
	const char *name;
	GattctlVerb run;
	const char *synopsis; /* the line of the commands' list in --help and the shell's help */
} GattctlVerbInfo;

/* Every verb, in the order help lists them. */
const GattctlVerbInfo *gattctl_verbs(size_t *ret_n);
/* The verb called name, or NULL. */
const GattctlVerbInfo *gattctl_verb_find(const char *name);
/* "  SYNOPSIS\n" for each verb. */
void gattctl_verbs_help_append(GString *s);
/* The verb an unknown name was most likely meant to be (within two edits, or one it begins), or NULL. */
const char *gattctl_verb_suggest(const char *name);

/* ---- shell.c ---- */

/*
 * Bare gattctl: read commands (the verbs, help, exit) and run each as `gattctl VERB ...`
 * would, in a child process. On a terminal, with line editing, history and completion,
 * and gattd's events printed as they come; otherwise one line after another from stdin,
 * the exit status being the last command's.
 */
int gattctl_shell(Gattctl *ctl);

/* ---- common.c ---- */

typedef struct {
	const char *params;          /* "CHAR VALUE", for the usage line */
	const char *summary;         /* one paragraph for --help */
	const GOptionEntry *entries; /* the verb's own options, or NULL */
	int min_args, max_args;      /* positional arguments; max -1: any number */
	bool dash_values;            /* "-5" is a value, not an unknown option */
} GattctlVerbSpec;

/*
 * Parse a verb's options (the verb's own plus --json, --socket and, unless the verb has
 * a --timeout of its own, --timeout) and check the number of
 * positional arguments, which are left in (*argc, *argv) after argv[0]. "--" ends
 * options. Returns GATTCTL_EXIT_OK or, having printed why, GATTCTL_EXIT_USAGE.
 */
int gattctl_parse_options(Gattctl *ctl, const GattctlVerbSpec *spec, int *argc, char ***argv);

/* Report a usage error ("gattctl set: ...", pointing at --help); returns GATTCTL_EXIT_USAGE. */
int gattctl_usage_error(const char *format, ...) G_GNUC_PRINTF(1, 2);
/* GATTCTL_EXIT_OK for a Bluetooth address as gattd takes it, else the usage error saying so. */
int gattctl_check_address(const char *address);

/* A JSON string of text as the user typed it: bytes that are not UTF-8 become U+FFFD. */
json_t *gattctl_json_string(const char *text);

/* {"cmd": cmd, "char": chr} (chr may be NULL). */
json_t *gattctl_request_new(const char *cmd, const char *chr);

/*
 * Connect if not yet connected, send request, wait up to timeout_ms (-1: no limit;
 * verbs pass gattctl_timeout_ms()) for the reply. With --json the reply line is
 * printed as it is. Failures are reported on stderr naming what (e.g. "get
 * battery/level"; a timeout with how long gattctl waited) and turned into an exit code. On success
 * *ret_reply (may be NULL) is the reply object.
 */
int gattctl_call(Gattctl *ctl, json_t *request, int timeout_ms, const char *what, json_t **ret_reply);
/* The same, never printing the reply: for lookups the user did not ask for. */
int gattctl_call_quiet(Gattctl *ctl, json_t *request, int timeout_ms, const char *what, json_t **ret_reply);

/* In a list reply, characteristic chr (desc NULL) or its descriptor desc; NULL if absent. */
json_t *gattctl_find_node(const json_t *list_reply, const char *chr, const char *desc);

/* The socket gattctl talks to: --socket, else gattd_client_default_socket(). */
const char *gattctl_socket_path(const Gattctl *ctl);
/* Connect if not yet connected. GATTCTL_EXIT_OK or, reported, GATTCTL_EXIT_CONNECTION. */
int gattctl_connect(Gattctl *ctl);

/* Report a failure of the library itself (not an error reply) and pick the exit code. */
int gattctl_exit_for_errno(int r, const char *what);
/*
 * Report the error reply the last call got, reply_line (may be NULL), and pick the exit
 * code: "gattctl: WHAT: MESSAGE (CODE)", or with "problems" (a refused reload) one
 * line per problem and "gattctl: WHAT: refused: N problems (CODE)". invalid-value
 * is exit 2, as a VALUE gattctl itself finds wrong.
 */
int gattctl_exit_for_error_reply(Gattctl *ctl, const char *what, const char *reply_line);

/* ---- command.c ---- */

/* SIGINT, SIGTERM and SIGCHLD, blocked and read from one signalfd. */
typedef struct {
	int fd;
	bool stop; /* SIGINT or SIGTERM arrived */
} GattctlSignals;

/*
 * Block the signals in signos (0-terminated; SIGCHLD back to its default action
 * first) and return a signalfd (close-on-exec, non-blocking) that reads them, or -errno.
 */
int gattctl_signalfd_open(const int *signos);
/* gattctl_signalfd_open() of SIGINT, SIGTERM and SIGCHLD into signals. 0 or -errno. */
int gattctl_signals_open(GattctlSignals *signals);
void gattctl_signals_close(GattctlSignals *signals);
/* Take the signals waiting (SIGCHLD only wakes a poll()). Returns signals->stop. */
bool gattctl_signals_take(GattctlSignals *signals);

/* The most of a command's stdout kept. */
#define GATTCTL_RUN_MAX_OUTPUT 4096

typedef enum {
	GATTCTL_RUN_EXITED,      /* status: its exit status */
	GATTCTL_RUN_SIGNALED,    /* status: the signal that ended it */
	GATTCTL_RUN_TIMED_OUT,   /* still running at until: killed with its process group */
	GATTCTL_RUN_FAILED,      /* status: the errno that kept gattctl from running or watching it */
	GATTCTL_RUN_INTERRUPTED, /* SIGINT or SIGTERM arrived: it got SIGTERM, then SIGKILL after 1 s */
} GattctlRunEnd;

typedef struct {
	GattctlRunEnd end;
	int status;
	GByteArray *output;   /* with capture: its stdout, at most GATTCTL_RUN_MAX_OUTPUT bytes */
	bool output_overflow; /* it printed more */
} GattctlRun;

/*
 * Run /bin/sh -c cmd with environment envp, input (at most 4096 bytes; may be NULL) on
 * its stdin and its stdout collected (capture) or sent to gattctl's stderr, until at most
 * until (g_get_monotonic_time(): an end in time, so that handle can give a command what is
 * left of a request's deadline), in its own process group. Returns when it has ended and
 * been reaped, or was killed for its time or because signals said stop. Clear *run with
 * gattctl_run_clear().
 */
void gattctl_run_command(GattctlSignals *signals, const char *cmd, char **envp, GBytes *input, bool capture,
                         int64_t until, GattctlRun *run);
void gattctl_run_clear(GattctlRun *run);

/* gattctl's environment with GATTD_SOCKET naming the socket it uses: the base of each command's. */
char **gattctl_command_environ(const Gattctl *ctl);

/*
 * When a command run now for a request with this deadline (g_get_monotonic_time(); 0:
 * none) must end: timeout_ms from now, but margin_ms before the deadline at the latest,
 * so that gattctl's answer still arrives in time. *ret_by_deadline: the deadline decided
 * (then a result not after now means the request expired before its command could run).
 */
int64_t gattctl_run_until(unsigned timeout_ms, int64_t deadline, unsigned margin_ms, bool *ret_by_deadline);

/* One line gattd sent; returns GATTCTL_EXIT_OK to go on, else the exit code. */
typedef int (*GattctlLineFunc)(void *data, const char *line);

/*
 * Hand each line gattd sends (ctl connected) to on_line, stdout flushed after each,
 * until on_line returns an exit code, SIGINT or SIGTERM arrives (GATTCTL_EXIT_OK) or
 * gattd closes the connection (GATTCTL_EXIT_CONNECTION, said on stderr naming what).
 */
int gattctl_serve_events(Gattctl *ctl, GattctlSignals *signals, const char *what, GattctlLineFunc on_line,
                         void *data);

/* ---- format.c ---- */

/*
 * len bytes of text in double quotes, escaped by escape_append() (src/escape.h:
 * \n, \t, \", \\ and \xNN for control, unprintable and non-UTF-8 bytes):
 * whatever text holds, the result cannot move the cursor, repaint the terminal
 * or start a new line. Everything gattctl prints that it did not write itself
 * goes through this or escape_text().
 */
char *gattctl_quote(const char *text, size_t len);

/* A scalar: strings as they are (quoted when plain would be ambiguous and quote_if_needed,
 * and always when they hold anything but printable text), numbers, true/false, null;
 * arrays of scalars comma-joined; objects as compact ASCII JSON. */
char *gattctl_format_node(const json_t *node, bool quote_if_needed);

/* The "typed" member of a reply as a script wants it: a printable string unquoted (any
 * other quoted and escaped), a number as text. */
char *gattctl_format_typed(const json_t *typed);

/* Bytes worth showing as text too: valid UTF-8, printable apart from line breaks and tabs. */
bool gattctl_is_printable_text(const guint8 *data, size_t len);

/* "value" and "typed" of obj: hex, then the typed value (strings quoted) or, for
 * bytes that are printable UTF-8 text, that text quoted. */
char *gattctl_format_value(const json_t *obj);

typedef enum {
	GATTCTL_FIELDS_PLAIN = 0,
	GATTCTL_FIELDS_BARE_BOOLS = 1 << 0, /* true as just the key, false and null left out */
	GATTCTL_FIELDS_NO_NULLS = 1 << 1,   /* null (not known) left out */
} GattctlFieldsFlags;

/* "key=value key=value" for obj's members, in order, except those in skip (NULL-terminated). */
char *gattctl_format_fields(const json_t *obj, const char *const *skip, GattctlFieldsFlags flags);

/*
 * One line for a write, an event or a set reply: name, the characteristic, the
 * value, then the other fields as key=value, those null (not known) left out. The
 * central is named by its address: "address", else the one in the BlueZ path of
 * "device", which is then left out (shown only when it names no device):
 *   write console/rx 68690a "hi\n" offset=0 address=00:AA:01:02:00:02
 */
char *gattctl_format_line(const char *name, const json_t *obj);
/*
 * A watch's line for an event (an object with "event"): gattctl_format_line() with the
 * event's name, except
 * for the centrals' own:
 *   connected 5A:3C:11:22:33:44 (random) "Pixel 7"
 *   disconnected 5A:3C:11:22:33:44: remote
 */
char *gattctl_format_event(const json_t *event);

/* What to call a central (from devices or an event): the alias the user gave it, else
 * its name; NULL when BlueZ knows neither. Raw: quote it to show it. */
const char *gattctl_central_name(const json_t *central);

/*
 * How an advertisement stands, from an advertise reply or an item of status's
 * "advertisements": "advertising", "not advertising (stopped)", "not advertising while
 * a central is connected (PauseWhileConnected)", "not advertising (bluetoothd refused
 * it: ERROR)" (status's "error"), or "not advertising yet (BlueZ has not registered it)".
 */
char *gattctl_format_advertising(const json_t *adv);
