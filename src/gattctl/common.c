/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common.c: what every gattctl verb does the same way: parse its options, connect,
 * make one call, and turn every failure into one message and one exit code.
 */
#include "gattctl.h"

#include "shared/bdaddr.h"
#include "shared/escape.h"
#include "shared/value.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gattctl_clear(Gattctl *ctl)
{
	g_clear_pointer(&ctl->client, gattd_client_free);
	g_clear_pointer(&ctl->socket_path, g_free);
}

json_t *gattctl_json_string(const char *text)
{
	g_autofree char *valid = g_utf8_make_valid(text, -1);

	return json_string(valid);
}

int gattctl_usage_error(const char *format, ...)
{
	g_autofree char *message = NULL;
	va_list ap;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	/* The program name is "gattctl VERB" while a verb runs: "gattctl: VERB: ...", as every message. */
	const char *prgname = g_get_prgname();
	const char *verb = strchr(prgname, ' ');

	if (verb)
		fprintf(stderr, "gattctl: %s: %s (see %s --help)\n", verb + 1, message, prgname);
	else
		fprintf(stderr, "gattctl: %s (see gattctl --help)\n", message);
	return GATTCTL_EXIT_USAGE;
}

int gattctl_check_address(const char *address)
{
	g_autofree char *shown = NULL;

	if (bdaddr_is_valid(address))
		return GATTCTL_EXIT_OK;
	shown = escape_text(address);
	return gattctl_usage_error("'%s' is not a Bluetooth address (AA:BB:CC:DD:EE:FF)", shown);
}

/* "-5", "-0.5", "-inf": a negative number given as a value, not an option. */
static bool looks_like_negative_number(const char *arg)
{
	const char *rest = arg + 1;

	return arg[0] == '-' && (g_ascii_isdigit(rest[0]) || rest[0] == '.' ||
	                         g_ascii_strncasecmp(rest, "inf", 3) == 0 || g_ascii_strncasecmp(rest, "nan", 3) == 0);
}

int gattctl_set_timeout(Gattctl *ctl, const char *text)
{
	uint64_t ms;

	if (value_parse_uint(text, GATTCTL_MAX_TIMEOUT_MS, &ms) < 0) {
		g_autofree char *shown = escape_text(text);

		return gattctl_usage_error("--timeout wants milliseconds 0..%d (0: no limit), not '%s'",
		                           GATTCTL_MAX_TIMEOUT_MS, shown);
	}
	ctl->timeout_ms = ms == 0 ? -1 : (int)ms;
	return GATTCTL_EXIT_OK;
}

int gattctl_timeout_ms(const Gattctl *ctl)
{
	return ctl->timeout_ms ? ctl->timeout_ms : GATTD_CLIENT_CALL_TIMEOUT_MS;
}

/* Whether the verb's own options have a --timeout (next-write, wait): theirs means something else. */
static bool has_own_timeout(const GOptionEntry *entries)
{
	for (; entries && entries->long_name; entries++)
		if (strcmp(entries->long_name, "timeout") == 0)
			return true;
	return false;
}

int gattctl_parse_options(Gattctl *ctl, const GattctlVerbSpec *spec, int *argc, char ***argv)
{
	g_autofree char *socket_path = NULL;
	g_autofree char *timeout_text = NULL;
	/* gattctl's own options work after the command too: gattctl status --socket P. */
	/* --timeout last: a verb with a --timeout of its own drops it (below). */
	GOptionEntry common_entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &ctl->json, "Print gattd's JSON lines as they are", NULL },
		{ "socket", 's', 0, G_OPTION_ARG_FILENAME, &socket_path,
		  "Connect to gattd's socket at PATH (as before the command)", "PATH" },
		{ "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
		  "Wait at most MS milliseconds for each answer of gattd (default 25000; 0: no limit)", "MS" },
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context = g_option_context_new(spec->params);
	g_autoptr(GError) error = NULL;
	bool options_ended = false;
	int kept = 1, positional;

	g_option_context_set_summary(context, spec->summary);
	g_option_context_set_description(context, GATTCTL_EXIT_HELP);
	if (spec->entries)
		g_option_context_add_main_entries(context, spec->entries, NULL);
	/* Its own --timeout wins; the verb's requests wait as long as it needs. */
	if (has_own_timeout(spec->entries))
		common_entries[G_N_ELEMENTS(common_entries) - 2] = (GOptionEntry)G_OPTION_ENTRY_NULL;
	g_option_context_add_main_entries(context, common_entries, NULL);
	/* Unknown options are ours to judge: "-5" may be a VALUE. */
	g_option_context_set_ignore_unknown_options(context, TRUE);
	if (!g_option_context_parse(context, argc, argv, &error))
		return gattctl_usage_error("%s", error->message);
	if (socket_path) {
		g_free(ctl->socket_path);
		ctl->socket_path = g_steal_pointer(&socket_path);
	}
	if (timeout_text && gattctl_set_timeout(ctl, timeout_text) != GATTCTL_EXIT_OK)
		return GATTCTL_EXIT_USAGE;

	for (int i = 1; i < *argc; i++) {
		char *arg = (*argv)[i];

		if (!options_ended && strcmp(arg, "--") == 0) {
			options_ended = true;
			continue;
		}
		if (!options_ended && arg[0] == '-' && arg[1] != '\0' &&
		    !(spec->dash_values && looks_like_negative_number(arg)))
			return gattctl_usage_error("unknown option %s", arg);
		(*argv)[kept++] = arg;
	}
	*argc = kept;
	(*argv)[kept] = NULL;

	positional = kept - 1;
	if (positional < spec->min_args || (spec->max_args >= 0 && positional > spec->max_args))
		return gattctl_usage_error(positional < spec->min_args ? "missing argument: expected %s"
		                                                       : "too many arguments: expected %s",
		                           spec->params && *spec->params ? spec->params : "none");
	return GATTCTL_EXIT_OK;
}

json_t *gattctl_request_new(const char *cmd, const char *chr)
{
	json_t *request = json_object();

	json_object_set_new(request, "cmd", json_string(cmd));
	if (chr)
		json_object_set_new(request, "char", gattctl_json_string(chr));
	return request;
}

const char *gattctl_socket_path(const Gattctl *ctl)
{
	return ctl->socket_path ? ctl->socket_path : gattd_client_default_socket();
}

int gattctl_connect(Gattctl *ctl)
{
	const char *path = gattctl_socket_path(ctl);
	const char *hint = "";
	int r;

	if (ctl->client)
		return GATTCTL_EXIT_OK;
	r = gattd_client_connect(path, &ctl->client);
	if (r >= 0)
		return GATTCTL_EXIT_OK;
	if (r == -ENOENT || r == -ECONNREFUSED)
		hint = " (is gattd running?)";
	else if (r == -EACCES)
		hint = " (is this user in gattd's SocketGroup=?)";
	fprintf(stderr, "gattctl: cannot connect to gattd at %s: %s%s\n", path, g_strerror(-r), hint);
	return GATTCTL_EXIT_CONNECTION;
}

int gattctl_exit_for_errno(int r, const char *what)
{
	g_autofree char *shown_what = escape_text(what);

	if (r == -ETIMEDOUT) {
		fprintf(stderr, "gattctl: %s: gattd did not answer in time\n", shown_what);
		return GATTCTL_EXIT_TIMEOUT;
	}
	if (r == -ECONNRESET)
		fprintf(stderr, "gattctl: %s: connection to gattd lost\n", shown_what);
	else
		fprintf(stderr, "gattctl: %s: %s\n", shown_what, g_strerror(-r));
	return GATTCTL_EXIT_CONNECTION;
}

/* An error's "problems" (a refused reload's), one line each as gattd --check-config prints them; false if none. */
static bool print_problems(const char *shown_what, const char *shown_code, const char *reply_line)
{
	g_autoptr(json_t) reply = reply_line ? jread_object(reply_line, strlen(reply_line), NULL) : NULL;
	json_t *problems = json_object_get(json_object_get(reply, "error"), "problems");
	size_t i, n = json_array_size(problems);
	json_t *problem;

	if (n == 0)
		return false;
	json_array_foreach(problems, i, problem) {
		g_autofree char *shown = escape_text(json_is_string(problem) ? json_string_value(problem) : "?");

		fprintf(stderr, "gattctl: %s: %s\n", shown_what, shown);
	}
	fprintf(stderr, "gattctl: %s: refused: %zu problem%s (%s)\n", shown_what, n, value_plural(n), shown_code);
	return true;
}

/*
 * gattd's message names the characteristic ("battery/level: ...") for any client; what
 * names it already ("set battery/level"): the message without the repeat.
 */
static const char *without_repeated_subject(const char *what, const char *message)
{
	const char *subject = strchr(what, ' ');
	size_t n;

	if (!subject || !message)
		return message;
	subject++;
	n = strlen(subject);
	if (n > 0 && strncmp(message, subject, n) == 0 && message[n] == ':' && message[n + 1] == ' ')
		return message + n + 2;
	return message;
}

int gattctl_exit_for_error_reply(Gattctl *ctl, const char *what, const char *reply_line)
{
	GattdClient *client = ctl->client;
	const char *code = gattd_client_error_code(client);
	const char *message = without_repeated_subject(what, gattd_client_error_message(client));
	int r = gattd_client_errno_from_code(code);

	/* gattd's words may quote what a central or a client sent: escaped, like everything shown. */
	g_autofree char *shown_message = message ? escape_text(message) : g_strdup("failed");
	g_autofree char *shown_code = code ? escape_text(code) : g_strdup("no error code");
	g_autofree char *shown_what = escape_text(what);

	if (!print_problems(shown_what, shown_code, reply_line))
		fprintf(stderr, "gattctl: %s: %s (%s)\n", shown_what, shown_message, shown_code);
	/* The VALUE given does not fit: exit 2, as when gattctl finds it does not parse. */
	if (g_strcmp0(code, "invalid-value") == 0)
		return GATTCTL_EXIT_USAGE;
	switch (r) {
	case -ETIMEDOUT:
		return GATTCTL_EXIT_TIMEOUT;
	case -ENOTCONN:
		return GATTCTL_EXIT_DISCONNECTED;
	case -EUSERS:
	case -ESHUTDOWN:
		return GATTCTL_EXIT_CONNECTION;
	default:
		return GATTCTL_EXIT_ERROR;
	}
}

static int call(Gattctl *ctl, json_t *request, int timeout_ms, const char *what, bool echo, json_t **ret_reply)
{
	g_autofree char *text = NULL;
	g_autofree char *line = NULL; /* malloc()ed by the library; g_free() is free() */
	json_t *reply;
	int r;

	r = gattctl_connect(ctl);
	if (r != GATTCTL_EXIT_OK)
		return r;
	text = jread_dump(request);

	r = gattd_client_call(ctl->client, text, timeout_ms, &line);
	if (!line && r == -ETIMEDOUT) {
		g_autofree char *shown_what = escape_text(what);

		fprintf(stderr, "gattctl: %s: no answer from gattd within %d ms%s\n", shown_what, timeout_ms,
		        ctl->timeout_ms ? " (--timeout)" : "");
		return GATTCTL_EXIT_TIMEOUT;
	}
	if (!line)
		return gattctl_exit_for_errno(r, what);
	if (echo) {
		printf("%s\n", line);
		fflush(stdout);
	}
	if (r < 0)
		return gattctl_exit_for_error_reply(ctl, what, line);

	reply = jread_object(line, strlen(line), NULL);
	if (!reply)
		return gattctl_exit_for_errno(-EPROTO, what); /* the library checked; cannot happen */
	if (ret_reply)
		*ret_reply = reply;
	else
		json_decref(reply);
	return GATTCTL_EXIT_OK;
}

int gattctl_call(Gattctl *ctl, json_t *request, int timeout_ms, const char *what, json_t **ret_reply)
{
	return call(ctl, request, timeout_ms, what, ctl->json, ret_reply);
}

int gattctl_call_quiet(Gattctl *ctl, json_t *request, int timeout_ms, const char *what, json_t **ret_reply)
{
	return call(ctl, request, timeout_ms, what, false, ret_reply);
}

json_t *gattctl_find_node(const json_t *list_reply, const char *chr, const char *desc)
{
	json_t *services = json_object_get(list_reply, "services");
	json_t *service, *node, *descriptor;
	size_t i, k, d;

	json_array_foreach(services, i, service) {
		json_array_foreach(json_object_get(service, "characteristics"), k, node) {
			if (g_strcmp0(jread_string(node, "id"), chr) != 0)
				continue;
			if (!desc)
				return node;
			json_array_foreach(json_object_get(node, "descriptors"), d, descriptor) {
				if (g_strcmp0(jread_string(descriptor, "id"), desc) == 0)
					return descriptor;
			}
			return NULL;
		}
	}
	return NULL;
}
