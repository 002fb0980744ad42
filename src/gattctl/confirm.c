/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * confirm.c: `gattctl confirm [--cmd CMD] [--cmd-timeout MS]`: be gattd's confirmer
 * ([Pairing] Method=confirm, the protocol's handle-pairing) and accept or reject each
 * pairing, one at a time, until interrupted (exit 0) or until gattd closes the
 * connection (exit 3).
 *
 * With --cmd, a request runs /bin/sh -c CMD (command.c's runner: its own process group,
 * always reaped) whose exit status 0 accepts; anything else rejects. Without it, the
 * request is asked on the terminal, which stdin must be. Either way the answer must
 * reach gattd before the request's deadline (the event's "deadline", when
 * ConfirmTimeoutMs ends and gattd rejects by itself): a command is killed, and a
 * question given up, CONFIRM_ANSWER_MARGIN_MS before it, and the pairing rejected.
 *
 * One line per request on stdout: its outcome, or, for a request settled without this
 * answer (the deadline, bluetoothd cancelling), the reason of gattd's pairing-failed.
 * While a question waits on the terminal gattd's lines are taken too, so that a
 * pairing cancelled meanwhile ends the question; they are handled, in order, after it.
 */
#include "gattctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "shared/escape.h"
#include "shared/value.h"

/* gattd's ConfirmTimeoutMs is at most this: a command allowed longer could never be answered in time. */
#define CONFIRM_MAX_CMD_TIMEOUT_MS 30000
#define CONFIRM_DEFAULT_CMD_TIMEOUT_MS 15000
/* A command, or a question, ends this long before its request's deadline, so that the rejection arrives in time. */
#define CONFIRM_ANSWER_MARGIN_MS 100
/* The longest answer line read from the terminal; the rest of a longer one is discarded. */
#define CONFIRM_MAX_ANSWER 256

typedef enum {
	DECISION_ACCEPT,
	DECISION_REJECT,
	DECISION_NONE, /* no answer: interrupted, settled meanwhile, or its deadline came first */
} Decision;

typedef struct {
	Gattctl *ctl;
	const char *cmd;          /* --cmd, or NULL: ask on the terminal */
	unsigned cmd_timeout_ms;
	GattctlSignals signals;
	char **environ;           /* gattctl's environment with GATTD_SOCKET, the base of each command's */
	GQueue backlog;           /* lines gattd sent while a question waited, not yet handled (malloc()ed) */
	/* The latest pairing-request: its pairing-failed is shown unless this answer settled it. */
	uint64_t last_id;
	char *last_about;
	bool last_settled;
} Confirmer;

/* The variables a command gets; each is removed from gattctl's own environment first. */
static const char *const request_variables[] = {
	"GATTD_REQUEST", "GATTD_PAIRING_KIND", "GATTD_PASSKEY", "GATTD_DEVICE", "GATTD_ADDRESS", NULL,
};

static const char *kind_name(GattdPairingKind kind)
{
	return kind == GATTD_PAIRING_COMPARE ? "compare" : "just-works";
}

/* The central as a line shows it: its address, else its device path, escaped. */
static char *central_text(const GattdPairingRequest *req)
{
	return escape_text(req->address ? req->address : req->device ? req->device : "an unknown device");
}

/* "request 3 from 5A:3C:11:22:33:44 (compare 482113)", in every line about it. */
static char *about_text(const GattdPairingRequest *req)
{
	g_autofree char *from = central_text(req);

	if (req->kind == GATTD_PAIRING_COMPARE)
		return g_strdup_printf("request %" G_GUINT64_FORMAT " from %s (compare %s)", req->id, from, req->passkey);
	return g_strdup_printf("request %" G_GUINT64_FORMAT " from %s (just-works)", req->id, from);
}

/* ---- deciding by a command ---- */

static char **request_environ(const Confirmer *h, const GattdPairingRequest *req)
{
	g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, req->id);
	char **env = g_strdupv(h->environ);

	for (size_t i = 0; request_variables[i]; i++)
		env = g_environ_unsetenv(env, request_variables[i]);
	env = g_environ_setenv(env, "GATTD_REQUEST", id, TRUE);
	env = g_environ_setenv(env, "GATTD_PAIRING_KIND", kind_name(req->kind), TRUE);
	if (req->passkey)
		env = g_environ_setenv(env, "GATTD_PASSKEY", req->passkey, TRUE);
	env = g_environ_setenv(env, "GATTD_DEVICE", req->device ? req->device : "", TRUE);
	env = g_environ_setenv(env, "GATTD_ADDRESS", req->address ? req->address : "", TRUE);
	return env;
}

/* What a finished command decided; says on stderr why when it was not its exit status. */
static Decision decision_for_run(const Confirmer *h, const char *about, const GattctlRun *run, bool by_deadline)
{
	switch (run->end) {
	case GATTCTL_RUN_EXITED:
		return run->status == 0 ? DECISION_ACCEPT : DECISION_REJECT;
	case GATTCTL_RUN_SIGNALED:
		fprintf(stderr, "gattctl: confirm: --cmd for %s was killed by signal %d (%s); rejecting\n", about,
		        run->status, strsignal(run->status));
		return DECISION_REJECT;
	case GATTCTL_RUN_TIMED_OUT:
		if (by_deadline)
			fprintf(stderr, "gattctl: confirm: --cmd for %s was still running %d ms before gattd's deadline for "
			        "the request (ConfirmTimeoutMs); killed it and its process group, rejecting\n", about,
			        CONFIRM_ANSWER_MARGIN_MS);
		else
			fprintf(stderr, "gattctl: confirm: --cmd for %s ran over %u ms (--cmd-timeout); killed it and its "
			        "process group, rejecting\n", about, h->cmd_timeout_ms);
		return DECISION_REJECT;
	case GATTCTL_RUN_FAILED:
		fprintf(stderr, "gattctl: confirm: cannot run --cmd for %s with /bin/sh: %s; rejecting\n", about,
		        g_strerror(run->status));
		return DECISION_REJECT;
	case GATTCTL_RUN_INTERRUPTED:
		break;
	}
	return DECISION_NONE;
}

/* Run --cmd for --cmd-timeout, but only until CONFIRM_ANSWER_MARGIN_MS before req's deadline. */
static Decision decide_by_command(Confirmer *h, const GattdPairingRequest *req, const char *about)
{
	bool by_deadline;
	int64_t until = gattctl_run_until(h->cmd_timeout_ms, req->deadline, CONFIRM_ANSWER_MARGIN_MS, &by_deadline);
	g_auto(GStrv) env = NULL;
	GattctlRun run = { 0 };
	Decision decision;

	if (by_deadline && until <= g_get_monotonic_time()) {
		fprintf(stderr, "gattctl: confirm: %s: its deadline (ConfirmTimeoutMs) came before --cmd could run; "
		        "not run, gattd rejects the pairing\n", about);
		return DECISION_NONE;
	}
	env = request_environ(h, req);
	/* Its stdout goes to gattctl's stderr: stdout is one line per request. */
	gattctl_run_command(&h->signals, h->cmd, env, NULL, false, until, &run);
	decision = decision_for_run(h, about, &run, by_deadline);
	gattctl_run_clear(&run);
	return decision;
}

/* ---- deciding on the terminal ---- */

/* Whether line is gattd's pairing-failed for request id. */
static bool is_failure_of(const char *line, uint64_t id)
{
	g_autoptr(json_t) root = jread_object(line, strlen(line), NULL);
	json_t *request = root ? json_object_get(root, "request") : NULL;

	return g_strcmp0(jread_string(root, "event"), "pairing-failed") == 0 && json_is_integer(request) &&
	       (uint64_t)json_integer_value(request) == id;
}

/*
 * gattd sent something while a question waits: keep it in the backlog, for after the
 * question. Returns true when the question is moot: request id was settled meanwhile
 * (its pairing-failed came), or the connection failed.
 */
static bool take_lines_meanwhile(Confirmer *h, uint64_t id)
{
	int r = gattd_client_process(h->ctl->client);
	bool moot = r < 0 && r != -ENOBUFS;
	char *line;

	while ((line = gattd_client_pop_message(h->ctl->client))) {
		moot = moot || is_failure_of(line, id);
		g_queue_push_tail(&h->backlog, line);
	}
	return moot;
}

/* One line from the terminal: y or yes (any case, blanks around) accepts; anything else, or none, rejects. */
static Decision read_answer(void)
{
	char answer[CONFIRM_MAX_ANSWER];
	ssize_t n = read(STDIN_FILENO, answer, sizeof(answer) - 1);

	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "\ngattctl: confirm: cannot read the answer from the terminal: %s; rejecting\n",
			        g_strerror(errno));
		else
			fputc('\n', stderr); /* end of input: the prompt's line ends here */
		return DECISION_REJECT;
	}
	answer[n] = '\0';
	g_strstrip(answer);
	return g_ascii_strcasecmp(answer, "y") == 0 || g_ascii_strcasecmp(answer, "yes") == 0 ? DECISION_ACCEPT
	                                                                                      : DECISION_REJECT;
}

static void print_question(const GattdPairingRequest *req)
{
	g_autofree char *from = central_text(req);

	if (req->kind == GATTD_PAIRING_COMPARE)
		fprintf(stderr, "pairing request %" G_GUINT64_FORMAT " from %s: does it show %s? [y/N] ", req->id, from,
		        req->passkey);
	else
		fprintf(stderr, "pairing request %" G_GUINT64_FORMAT " from %s (Just Works, no number to compare): "
		        "pair? [y/N] ", req->id, from);
	fflush(stderr);
}

/* Ask on the terminal until CONFIRM_ANSWER_MARGIN_MS before req's deadline. */
static Decision ask_terminal(Confirmer *h, const GattdPairingRequest *req)
{
	int64_t until = req->deadline - CONFIRM_ANSWER_MARGIN_MS * G_TIME_SPAN_MILLISECOND;

	if (until <= g_get_monotonic_time()) {
		fprintf(stderr, "gattctl: confirm: request %" G_GUINT64_FORMAT ": its deadline (ConfirmTimeoutMs) came "
		        "before it could be asked; gattd rejects the pairing\n", req->id);
		return DECISION_NONE;
	}
	/* What was typed before the question does not answer it. */
	tcflush(STDIN_FILENO, TCIFLUSH);
	print_question(req);
	for (;;) {
		struct pollfd fds[] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = h->signals.fd, .events = POLLIN },
			{ .fd = gattd_client_get_fd(h->ctl->client), .events = POLLIN },
		};
		int64_t left = until - g_get_monotonic_time();
		int n;

		if (left <= 0) {
			fprintf(stderr, "\ngattctl: confirm: no answer before gattd's deadline for request %" G_GUINT64_FORMAT
			        " (ConfirmTimeoutMs); rejecting\n", req->id);
			return DECISION_REJECT;
		}
		n = poll(fds, G_N_ELEMENTS(fds), (int)((left + 999) / 1000));
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "\ngattctl: confirm: poll: %s; rejecting\n", g_strerror(errno));
			return DECISION_REJECT;
		}
		if (n <= 0)
			continue;
		if (fds[1].revents && gattctl_signals_take(&h->signals)) {
			fputc('\n', stderr);
			return DECISION_NONE;
		}
		if (fds[2].revents && take_lines_meanwhile(h, req->id)) {
			fputc('\n', stderr);
			return DECISION_NONE;
		}
		if (fds[0].revents)
			return read_answer();
	}
}

/* ---- answering ---- */

static int answer(Confirmer *h, const GattdPairingRequest *req, const char *about, bool accept)
{
	g_autoptr(json_t) request = gattctl_request_new("answer-pairing", NULL);
	g_autofree char *what = g_strdup_printf("confirm: answer-pairing for %s", about);
	const char *outcome = accept ? "accepted" : "rejected";
	int r;

	json_object_set_new(request, "request", json_integer((json_int_t)req->id));
	json_object_set_new(request, "accept", json_boolean(accept));
	r = gattctl_call(h->ctl, request, gattctl_timeout_ms(h->ctl), what, NULL);
	if (r == GATTCTL_EXIT_ERROR) {
		/* Too late (expired): said on stderr, and its pairing-failed follows; confirming goes on. */
		const char *code = gattd_client_error_code(h->ctl->client);
		g_autofree char *shown = escape_text(code ? code : "error");

		if (!h->ctl->json)
			printf("%s: %s, not delivered (%s)\n", about, outcome, shown);
		return GATTCTL_EXIT_OK;
	}
	if (r != GATTCTL_EXIT_OK)
		return r;
	h->last_settled = true;
	if (!h->ctl->json)
		printf("%s: %s\n", about, outcome);
	return GATTCTL_EXIT_OK;
}

static int on_request(Confirmer *h, const char *line)
{
	GattdPairingRequest req = { 0 };
	Decision decision;
	int r = gattd_pairing_request_parse(line, &req);

	if (r < 0) {
		fprintf(stderr, "gattctl: confirm: gattd sent a pairing-request gattctl cannot read (%s), ignoring it "
		        "(gattd rejects it at its deadline): %s\n", g_strerror(-r), line);
		return GATTCTL_EXIT_OK;
	}
	h->last_id = req.id;
	h->last_settled = false;
	g_free(h->last_about);
	h->last_about = about_text(&req);

	decision = h->cmd ? decide_by_command(h, &req, h->last_about) : ask_terminal(h, &req);
	/* Interrupted: gattd rejects the request when the connection closes (no-confirmer). */
	r = GATTCTL_EXIT_OK;
	if (decision != DECISION_NONE && !h->signals.stop)
		r = answer(h, &req, h->last_about, decision == DECISION_ACCEPT);
	gattd_pairing_request_clear(&req);
	return r;
}

/* A pairing-failed: shown when it settles the latest request, which this answer did not. */
static void on_failed(Confirmer *h, const json_t *event)
{
	json_t *request = json_object_get(event, "request");
	const char *reason = jread_string(event, "reason");
	g_autofree char *shown = NULL;

	if (!h->last_about || !json_is_integer(request) || (uint64_t)json_integer_value(request) != h->last_id ||
	    h->last_settled)
		return;
	h->last_settled = true;
	if (h->ctl->json)
		return;
	shown = escape_text(reason ? reason : "no reason given");
	printf("%s: failed: %s\n", h->last_about, shown);
}

static int on_message(Confirmer *h, const char *line)
{
	g_autoptr(json_t) root = jread_object(line, strlen(line), NULL);
	const char *event = root ? jread_string(root, "event") : NULL;

	if (!event)
		return GATTCTL_EXIT_OK; /* replies are taken by the calls that asked */
	if (h->ctl->json)
		printf("%s\n", line);
	if (strcmp(event, "pairing-request") == 0)
		return on_request(h, line);
	if (strcmp(event, "pairing-failed") == 0)
		on_failed(h, root);
	return GATTCTL_EXIT_OK;
}

/* gattctl_serve_events()'s: line, then what came while its question waited, oldest first. */
static int on_line(void *data, const char *line)
{
	Confirmer *h = data;
	int r = on_message(h, line);
	char *held;

	while (r == GATTCTL_EXIT_OK && !h->signals.stop && (held = g_queue_pop_head(&h->backlog))) {
		r = on_message(h, held);
		free(held);
		fflush(stdout);
	}
	return r;
}

/* ---- the verb ---- */

static int parse_arguments(Confirmer *h, const char *cmd, const char *timeout_text)
{
	uint64_t timeout_ms = 0;

	if (cmd && !*cmd)
		return gattctl_usage_error("--cmd is empty: give a command, or leave the option out to answer on the "
		                           "terminal");
	if (timeout_text && !cmd)
		return gattctl_usage_error("--cmd-timeout goes with --cmd");
	if (timeout_text) {
		if (value_parse_uint(timeout_text, CONFIRM_MAX_CMD_TIMEOUT_MS, &timeout_ms) < 0 || timeout_ms == 0)
			return gattctl_usage_error("--cmd-timeout wants milliseconds 1..%d, not '%s'",
			                           CONFIRM_MAX_CMD_TIMEOUT_MS, timeout_text);
		h->cmd_timeout_ms = (unsigned)timeout_ms;
	}
	if (!cmd && !isatty(STDIN_FILENO))
		return gattctl_usage_error("without --cmd each pairing is asked on the terminal, and stdin is not one: "
		                           "give --cmd CMD");
	h->cmd = cmd;
	return GATTCTL_EXIT_OK;
}

static void confirmer_clear(Confirmer *h)
{
	g_queue_clear_full(&h->backlog, free);
	g_clear_pointer(&h->last_about, g_free);
	g_clear_pointer(&h->environ, g_strfreev);
	gattctl_signals_close(&h->signals);
}

int gattctl_confirm(Gattctl *ctl, int argc, char **argv)
{
	g_autofree char *cmd = NULL;
	g_autofree char *timeout_text = NULL;
	const GOptionEntry entries[] = {
		{ "cmd", 0, 0, G_OPTION_ARG_FILENAME, &cmd,
		  "Accept a pairing when CMD exits 0 (default: ask on the terminal)", "CMD" },
		{ "cmd-timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
		  "Kill CMD after MS milliseconds (1..30000, default 15000) and reject", "MS" },
		G_OPTION_ENTRY_NULL,
	};
	const GattctlVerbSpec spec = {
		.params = "",
		.summary = "Confirm pairings ([Pairing] Method=confirm): take gattd's confirmer role and\n"
		           "accept or reject each pairing, one at a time, until SIGINT or SIGTERM (exit 0)\n"
		           "or until gattd closes the connection (exit 3). With --cmd, each request runs\n"
		           "/bin/sh -c CMD with GATTD_REQUEST, GATTD_PAIRING_KIND (compare or just-works),\n"
		           "GATTD_PASSKEY (the six digits the central shows too; unset for just-works),\n"
		           "GATTD_DEVICE, GATTD_ADDRESS and GATTD_SOCKET set: exit status 0 accepts,\n"
		           "anything else rejects, and so does a command still running after --cmd-timeout\n"
		           "or 100 ms before the request's deadline (gattd's ConfirmTimeoutMs), killed with\n"
		           "its process group. Without --cmd each request is asked on the terminal, which\n"
		           "stdin must be: y or yes accepts; anything else, end of input or the deadline\n"
		           "rejects. Prints one line per request: its outcome, or why gattd settled it\n"
		           "(timeout, canceled). Exits 1 if gattd refuses the role (not-supported:\n"
		           "Method= is not confirm; busy: another client confirms).",
		.entries = entries,
		.min_args = 0,
		.max_args = 0,
	};
	Confirmer h = { .ctl = ctl, .signals.fd = -1, .cmd_timeout_ms = CONFIRM_DEFAULT_CMD_TIMEOUT_MS };
	g_autoptr(json_t) request = NULL;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	r = parse_arguments(&h, cmd, timeout_text);
	if (r != GATTCTL_EXIT_OK)
		return r;

	/* Before anything else, so an early Ctrl-C is not lost either. */
	r = gattctl_signals_open(&h.signals);
	if (r < 0) {
		confirmer_clear(&h);
		return gattctl_exit_for_errno(r, "confirm: signalfd");
	}
	h.environ = gattctl_command_environ(ctl);
	g_queue_init(&h.backlog);
	request = gattctl_request_new("handle-pairing", NULL);
	r = gattctl_call(ctl, request, gattctl_timeout_ms(ctl), "confirm", NULL);
	if (r == GATTCTL_EXIT_OK && !h.cmd)
		fprintf(stderr, "gattctl: confirm: confirming pairings; each is asked here (Ctrl-C stops)\n");
	if (r == GATTCTL_EXIT_OK)
		r = gattctl_serve_events(ctl, &h.signals, "confirm", on_line, &h);
	confirmer_clear(&h);
	return r;
}
