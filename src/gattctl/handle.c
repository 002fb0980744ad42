/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * handle.c: `gattctl handle CHAR... [--read-cmd CMD] [--write-cmd CMD] [--cmd-timeout MS]`:
 * claim characteristics that have Handler= and answer the centrals' reads and writes
 * of them, one request at a time, until interrupted (exit 0) or until gattd closes the
 * connection (exit 3).
 *
 * A request runs a command (/bin/sh -c CMD) whose exit status is the answer (0 accepts,
 * 2..7 name ATT errors, 1 and 32..63 are application errors; a read command's stdout
 * is the value), or, without a command, is answered with the stored value (reads) or
 * accepted (writes). A command runs in its own process group so that a timeout kills
 * whatever it started, and it is always reaped.
 *
 * Requests wait in gattd while a command runs, and each has a deadline (the event's
 * "deadline", when HandlerTimeoutMs ends) after which gattd answers the central 0x0e
 * itself. So a command gets --cmd-timeout but never beyond HANDLE_ANSWER_MARGIN_MS before
 * that deadline, and a request whose deadline comes before its turn does not run its
 * command at all: its side effects (a stored SSID) would follow a refusal the central
 * has already had. gattctl then answers nothing, and says so on the request's line.
 *
 * Like watch.c, this verb runs a poll() loop on the library's raw layer (command.c's
 * gattctl_serve_events(), shared with confirm), with SIGINT and SIGTERM taken through
 * command.c's signalfd, which also waits for the commands: an interrupt stops a running
 * command and ends the loop. Requests left unanswered are then settled by gattd
 * (HandlerFallback=) when the connection closes.
 */
#include "gattctl.h"

#include <stdio.h>
#include <string.h>

#include "shared/att.h"
#include "shared/escape.h"
#include "shared/value.h"

/* gattd's HandlerTimeoutMs is at most this: a command allowed longer could never be answered in time. */
#define HANDLE_MAX_CMD_TIMEOUT_MS ATT_HANDLER_TIMEOUT_MAX_MS
#define HANDLE_DEFAULT_CMD_TIMEOUT_MS 3000
/* A command ends this long before its request's deadline, so that gattctl's answer reaches gattd in time. */
#define HANDLE_ANSWER_MARGIN_MS 50
/* The longest attribute value (MaxLength= is at most 512). */
#define HANDLE_MAX_VALUE 512

typedef struct {
	Gattctl *ctl;
	const char *read_cmd;  /* --read-cmd, or NULL: reads get the stored value */
	const char *write_cmd; /* --write-cmd, or NULL: writes are accepted */
	unsigned cmd_timeout_ms;
	GattctlSignals signals;
	char **environ;        /* gattctl's environment with GATTD_SOCKET, the base of each command's */
	GPtrArray *claimed;    /* the ids still handled (gattd may take some back at a reload) */
} Handler;

/* A read-request or write-request event. */
typedef struct {
	const json_t *event;
	bool write;
	json_int_t id;
	const char *chr;
	const char *desc;      /* the descriptor asked about, or NULL for the characteristic */
	json_int_t offset;
	int64_t deadline;      /* g_get_monotonic_time() when gattd answers 0x0e itself; 0: not said (older gattd) */
	char *about;           /* "write prov/ssid at offset 2 from AA:BB:CC:DD:EE:FF", in every line about it */
} Request;

/* How gattctl answers a request: a value or acceptance, or an ATT error. */
typedef struct {
	const char *error; /* a protocol error name ("not-permitted"), or NULL */
	uint8_t code;      /* the ATT code the central gets for error, or an application code; 0: success */
	GBytes *value;     /* a read's value, on success */
	const char *note;  /* said after the outcome ("stored value"), or NULL */
	const char *unanswered; /* why gattctl sends no answer, gattd settling the request at its deadline; or NULL */
} Verdict;

/*
 * The exit statuses that name an ATT error (README, "gattctl handle"); 1 and 32..63 are
 * application errors (0x80, 0x80..0x9f: not 128 and up, which shells give for a command
 * a signal ended), everything else is "unlikely".
 */
static const struct {
	int status;
	const char *name;    /* shared/att.h gives its code */
} att_errors[] = {
	{ 2, "not-permitted" },
	{ 3, "not-authorized" },
	{ 4, "invalid-value-length" },
	{ 5, "in-progress" },
	{ 6, "not-supported" },
	{ 7, "invalid-offset" },
};
#define STATUS_APP_ERROR 1
#define STATUS_APP_FIRST 32     /* 0x80 */
#define STATUS_APP_LAST 63      /* 0x9f */

/* The variables a command gets; each is removed from gattctl's own environment first. */
static const char *const request_variables[] = {
	"GATTD_REQUEST", "GATTD_CHAR", "GATTD_DESC", "GATTD_DEVICE", "GATTD_ADDRESS", "GATTD_OFFSET",
	"GATTD_MTU", "GATTD_VALUE_HEX", "GATTD_VALUE", "GATTD_DATA_HEX", "GATTD_PREPARED", "GATTD_AUTHORIZE",
	"GATTD_RESPONSE", NULL,
};

static void refuse(Verdict *v, bool write, const char *name)
{
	int r = att_from_name(name, write, &v->code);

	g_assert(r == 0);
	v->error = name;
}

/* The answer an exit status other than 0 stands for. Returns false when it names none (then unlikely). */
static bool refuse_for_status(Verdict *v, bool write, int status)
{
	if (status == STATUS_APP_ERROR || (status >= STATUS_APP_FIRST && status <= STATUS_APP_LAST)) {
		v->error = NULL;
		v->code = status == STATUS_APP_ERROR ? ATT_APP_FIRST : (uint8_t)(ATT_APP_FIRST + status - STATUS_APP_FIRST);
		return true;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(att_errors); i++) {
		if (att_errors[i].status == status) {
			refuse(v, write, att_errors[i].name);
			return true;
		}
	}
	refuse(v, write, "unlikely");
	return false;
}

/* ---- requests ---- */

static void request_clear(Request *req)
{
	g_clear_pointer(&req->about, g_free);
}

static bool request_parse(const json_t *event, bool write, Request *req)
{
	const char *address = jread_string(event, "address");
	const char *device = jread_string(event, "device");
	json_t *id = json_object_get(event, "request");
	json_t *offset = json_object_get(event, "offset");
	json_t *deadline = json_object_get(event, "deadline");
	g_autoptr(GString) about = NULL;
	g_autofree char *shown = NULL;
	g_autofree char *from = NULL;

	req->event = event;
	req->write = write;
	req->chr = jread_string(event, "char");
	req->desc = jread_string(event, "desc");
	if (!json_is_integer(id) || !req->chr || !json_is_integer(offset))
		return false;
	req->id = json_integer_value(id);
	req->offset = json_integer_value(offset);
	req->deadline = json_is_integer(deadline) ? json_integer_value(deadline) : 0;

	shown = escape_text(req->desc ? req->desc : req->chr);
	about = g_string_new(NULL);
	g_string_printf(about, "%s %s", write && json_is_true(json_object_get(event, "authorize")) ? "authorize-write"
	                                : write ? "write" : "read", shown);
	if (req->offset > 0)
		g_string_append_printf(about, " at offset %" JSON_INTEGER_FORMAT, req->offset);
	if (write && json_is_false(json_object_get(event, "response")))
		g_string_append(about, " without response");
	from = escape_text(address ? address : device ? device : "an unknown device");
	g_string_append_printf(about, " from %s", from);
	req->about = g_string_free(g_steal_pointer(&about), FALSE);
	return true;
}

/* The typed value as a command wants it: a string as it is, a number or boolean as its JSON text. */
static char *typed_text(const json_t *typed)
{
	if (json_is_string(typed))
		/* An environment variable ends at a NUL: such a value only as GATTD_VALUE_HEX. */
		return strlen(json_string_value(typed)) == json_string_length(typed) ? g_strdup(json_string_value(typed))
		                                                                      : NULL;
	if (json_is_number(typed) || json_is_boolean(typed))
		return gattctl_format_node(typed, false);
	return NULL;
}

static char **setenv_int(char **env, const char *name, json_int_t n)
{
	g_autofree char *text = g_strdup_printf("%" JSON_INTEGER_FORMAT, n);

	return g_environ_setenv(env, name, text, TRUE);
}

static char **setenv_flag(char **env, const char *name, const json_t *node)
{
	return g_environ_setenv(env, name, json_is_true(node) ? "1" : "0", TRUE);
}

/* The environment of req's command (README, "gattctl handle"); unknowns are empty. */
static char **request_environ(const Handler *h, const Request *req)
{
	const json_t *e = req->event;
	const char *device = jread_string(e, "device");
	const char *address = jread_string(e, "address");
	json_t *mtu = json_object_get(e, "mtu");
	char **env = g_strdupv(h->environ);

	for (size_t i = 0; request_variables[i]; i++)
		env = g_environ_unsetenv(env, request_variables[i]);
	env = setenv_int(env, "GATTD_REQUEST", req->id);
	env = g_environ_setenv(env, "GATTD_CHAR", req->chr, TRUE);
	if (req->desc)
		env = g_environ_setenv(env, "GATTD_DESC", req->desc, TRUE);
	env = g_environ_setenv(env, "GATTD_DEVICE", device ? device : "", TRUE);
	env = g_environ_setenv(env, "GATTD_ADDRESS", address ? address : "", TRUE);
	env = setenv_int(env, "GATTD_OFFSET", req->offset);
	if (json_is_integer(mtu))
		env = setenv_int(env, "GATTD_MTU", json_integer_value(mtu));
	else
		env = g_environ_setenv(env, "GATTD_MTU", "", TRUE);
	if (req->write) {
		g_autofree char *typed = typed_text(json_object_get(e, "typed"));
		const char *value = jread_string(e, "value");
		const char *data = jread_string(e, "data");

		env = g_environ_setenv(env, "GATTD_VALUE_HEX", value ? value : "", TRUE);
		if (typed)
			env = g_environ_setenv(env, "GATTD_VALUE", typed, TRUE);
		env = g_environ_setenv(env, "GATTD_DATA_HEX", data ? data : "", TRUE);
		env = setenv_flag(env, "GATTD_PREPARED", json_object_get(e, "prepared"));
		env = setenv_flag(env, "GATTD_AUTHORIZE", json_object_get(e, "authorize"));
		env = setenv_flag(env, "GATTD_RESPONSE", json_object_get(e, "response"));
	}
	return env;
}

/* The verdict for a command that did not exit 0; explains on stderr what was not the command's own answer. */
static void refuse_for_run(const Handler *h, const Request *req, const GattctlRun *res, Verdict *v)
{
	const char *which = req->write ? "--write-cmd" : "--read-cmd";

	switch (res->end) {
	case GATTCTL_RUN_EXITED:
		if (!refuse_for_status(v, req->write, res->status))
			fprintf(stderr, "gattctl: handle: %s for %s (request %" JSON_INTEGER_FORMAT ") exited with status %d, "
			        "which names no answer (0-7, 32-63); answering unlikely\n", which, req->about, req->id,
			        res->status);
		return;
	case GATTCTL_RUN_SIGNALED:
		fprintf(stderr, "gattctl: handle: %s for %s (request %" JSON_INTEGER_FORMAT ") was killed by signal %d "
		        "(%s); answering unlikely\n", which, req->about, req->id, res->status, strsignal(res->status));
		break;
	case GATTCTL_RUN_TIMED_OUT:
		fprintf(stderr, "gattctl: handle: %s for %s (request %" JSON_INTEGER_FORMAT ") ran over %u ms "
		        "(--cmd-timeout); killed it and its process group, answering unlikely\n", which, req->about, req->id,
		        h->cmd_timeout_ms);
		break;
	case GATTCTL_RUN_FAILED:
		fprintf(stderr, "gattctl: handle: cannot run %s for %s (request %" JSON_INTEGER_FORMAT ") with /bin/sh: "
		        "%s; answering unlikely\n", which, req->about, req->id, g_strerror(res->status));
		break;
	case GATTCTL_RUN_INTERRUPTED:
		break;
	}
	refuse(v, req->write, "unlikely");
}

/*
 * Run req's command for --cmd-timeout, but only until HANDLE_ANSWER_MARGIN_MS before
 * req's deadline. Returns false, with v->unanswered set, for a request left to gattd:
 * its deadline came before its command could start (it is not run), or the command was
 * still running then (killed, said on stderr). Clear *res with gattctl_run_clear() either way.
 */
static bool run_in_time(Handler *h, const Request *req, const char *cmd, GBytes *input, bool capture,
                        GattctlRun *res, Verdict *v)
{
	bool by_deadline;
	int64_t until = gattctl_run_until(h->cmd_timeout_ms, req->deadline, HANDLE_ANSWER_MARGIN_MS, &by_deadline);
	g_auto(GStrv) env = NULL;

	if (by_deadline && until <= g_get_monotonic_time()) {
		v->unanswered = "expired before its command ran";
		return false;
	}
	env = request_environ(h, req);
	gattctl_run_command(&h->signals, cmd, env, input, capture, until, res);
	if (res->end == GATTCTL_RUN_TIMED_OUT && by_deadline) {
		fprintf(stderr, "gattctl: handle: %s for %s (request %" JSON_INTEGER_FORMAT ") was still running %d ms "
		        "before gattd's deadline for the request (HandlerTimeoutMs); killed it and its process group, "
		        "answering nothing: gattd answers 0x0e\n", req->write ? "--write-cmd" : "--read-cmd", req->about,
		        req->id, HANDLE_ANSWER_MARGIN_MS);
		v->unanswered = "killed its command at the deadline";
		return false;
	}
	return true;
}

/* A read command's stdout as the value: the Type's text, or hex bytes separated by any blanks. */
static GBytes *parse_output(const GByteArray *out, bool has_type, ValueType type, char **ret_error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) words = NULL;
	g_autoptr(GByteArray) bytes = NULL;
	size_t len = out->len;

	if (memchr(out->data, '\0', out->len)) {
		*ret_error = g_strdup("a NUL byte");
		return NULL;
	}
	if (has_type && type != VALUE_TYPE_HEX) {
		if (len > 0 && out->data[len - 1] == '\n')
			len--;
		text = g_strndup((const char *)out->data, len);
		return value_parse_typed(type, text, ret_error);
	}
	text = g_strndup((const char *)out->data, len);
	words = g_strsplit_set(text, " \t\r\n\f\v", -1);
	bytes = g_byte_array_new();
	for (size_t i = 0; words[i]; i++) {
		g_autoptr(GBytes) part = NULL;
		gsize part_len;
		const guint8 *data;

		if (!*words[i])
			continue;
		part = value_from_hex(words[i], ret_error);
		if (!part)
			return NULL;
		data = g_bytes_get_data(part, &part_len);
		g_byte_array_append(bytes, data, (guint)part_len);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&bytes));
}

/* Ask gattd for what list says of req's characteristic or descriptor. */
static int lookup_node(Handler *h, const Request *req, json_t **ret_list, const json_t **ret_node)
{
	g_autoptr(json_t) request = gattctl_request_new("list", NULL);
	g_autofree char *what = g_strdup_printf("handle: list, for %s", req->about);
	int r = gattctl_call_quiet(h->ctl, request, gattctl_timeout_ms(h->ctl), what, ret_list);

	if (r != GATTCTL_EXIT_OK)
		return r;
	*ret_node = gattctl_find_node(*ret_list, req->chr, req->desc);
	if (!*ret_node)
		fprintf(stderr, "gattctl: handle: %s: gattd's list has no %s\n", req->about, req->desc ? req->desc : req->chr);
	return GATTCTL_EXIT_OK;
}

/* Read with the stored value: get's for a characteristic, list's for a descriptor. */
static int decide_stored_read(Handler *h, const Request *req, Verdict *v)
{
	g_autoptr(json_t) reply = NULL;
	const json_t *node = NULL;
	const char *hex = NULL;
	int r;

	if (req->desc) {
		r = lookup_node(h, req, &reply, &node);
	} else {
		g_autoptr(json_t) request = gattctl_request_new("get", req->chr);
		g_autofree char *what = g_strdup_printf("handle: get, for %s", req->about);

		r = gattctl_call_quiet(h->ctl, request, gattctl_timeout_ms(h->ctl), what, &reply);
		node = reply;
	}
	if (r != GATTCTL_EXIT_OK && r != GATTCTL_EXIT_ERROR)
		return r;
	hex = node ? jread_string(node, "value") : NULL;
	v->value = hex ? value_from_hex(hex, NULL) : NULL;
	v->note = "stored value";
	if (!v->value)
		refuse(v, false, "unlikely");
	return GATTCTL_EXIT_OK;
}

static int decide_read(Handler *h, const Request *req, Verdict *v)
{
	g_autoptr(json_t) list = NULL;
	g_autofree char *error = NULL;
	const json_t *node = NULL;
	GattctlRun res = { 0 };
	ValueType type = VALUE_TYPE_HEX;
	bool has_type = false;
	int r;

	if (!h->read_cmd)
		return decide_stored_read(h, req, v);
	/* Asked each time: a reload may change the Type. Descriptors have none. */
	if (!req->desc) {
		r = lookup_node(h, req, &list, &node);
		if (r != GATTCTL_EXIT_OK && r != GATTCTL_EXIT_ERROR)
			return r;
		if (!node) {
			refuse(v, false, "unlikely");
			return GATTCTL_EXIT_OK;
		}
		has_type = jread_string(node, "type") && value_type_from_name(jread_string(node, "type"), &type);
	}

	if (!run_in_time(h, req, h->read_cmd, NULL, true, &res, v)) {
		gattctl_run_clear(&res);
		return GATTCTL_EXIT_OK;
	}
	if (res.end != GATTCTL_RUN_EXITED || res.status != 0) {
		refuse_for_run(h, req, &res, v);
	} else if (res.output_overflow) {
		fprintf(stderr, "gattctl: handle: --read-cmd for %s (request %" JSON_INTEGER_FORMAT ") printed more "
		        "than %d bytes; answering unlikely\n", req->about, req->id, GATTCTL_RUN_MAX_OUTPUT);
		refuse(v, false, "unlikely");
	} else if (!(v->value = parse_output(res.output, has_type, type, &error))) {
		fprintf(stderr, "gattctl: handle: --read-cmd for %s (request %" JSON_INTEGER_FORMAT ") printed no %s "
		        "value (%s); answering unlikely\n", req->about, req->id, has_type ? value_type_name(type) : "hex",
		        error);
		refuse(v, false, "unlikely");
	} else if (g_bytes_get_size(v->value) > HANDLE_MAX_VALUE) {
		fprintf(stderr, "gattctl: handle: --read-cmd for %s (request %" JSON_INTEGER_FORMAT ") printed a value "
		        "of %zu bytes, over the %d an attribute holds; answering unlikely\n", req->about, req->id,
		        g_bytes_get_size(v->value), HANDLE_MAX_VALUE);
		g_clear_pointer(&v->value, g_bytes_unref);
		refuse(v, false, "unlikely");
	}
	gattctl_run_clear(&res);
	return GATTCTL_EXIT_OK;
}

static void decide_write(Handler *h, const Request *req, Verdict *v)
{
	const char *hex = jread_string(req->event, "value");
	g_autoptr(GBytes) value = hex ? value_from_hex(hex, NULL) : NULL;
	GattctlRun res = { 0 };

	if (!h->write_cmd)
		return;
	if (!value || g_bytes_get_size(value) > HANDLE_MAX_VALUE) {
		fprintf(stderr, "gattctl: handle: %s (request %" JSON_INTEGER_FORMAT ") carries no value of at most %d "
		        "hex bytes; answering unlikely\n", req->about, req->id, HANDLE_MAX_VALUE);
		refuse(v, true, "unlikely");
		return;
	}
	if (run_in_time(h, req, h->write_cmd, value, false, &res, v) &&
	    (res.end != GATTCTL_RUN_EXITED || res.status != 0))
		refuse_for_run(h, req, &res, v);
	gattctl_run_clear(&res);
}

static char *outcome_text(const Request *req, const Verdict *v)
{
	g_autofree char *note = v->note ? g_strdup_printf(" (%s)", v->note) : g_strdup("");

	if (v->error)
		return g_strdup_printf("refused: %s (0x%02x)", v->error, v->code);
	if (v->code)
		return g_strdup_printf("refused: application error 0x%02x", v->code);
	if (req->write)
		return g_strdup("accepted");
	return g_strdup_printf("%zu byte%s%s", g_bytes_get_size(v->value), g_bytes_get_size(v->value) == 1 ? "" : "s",
	                       note);
}

/* Send the answer and print the request's line. */
static int answer(Handler *h, const Request *req, const Verdict *v)
{
	g_autoptr(json_t) request = gattctl_request_new("answer", NULL);
	g_autofree char *what = g_strdup_printf("handle: answer to %s (request %" JSON_INTEGER_FORMAT ")", req->about,
	                                        req->id);
	g_autofree char *outcome = outcome_text(req, v);
	int r;

	json_object_set_new(request, "request", json_integer(req->id));
	if (v->error)
		json_object_set_new(request, "error", json_string(v->error));
	else if (v->code)
		json_object_set_new(request, "error", json_integer(v->code));
	else if (v->value) {
		g_autofree char *hex = value_to_hex(g_bytes_get_data(v->value, NULL), g_bytes_get_size(v->value));

		json_object_set_new(request, "value", json_string(hex));
	}
	r = gattctl_call(h->ctl, request, gattctl_timeout_ms(h->ctl), what, NULL);
	if (r == GATTCTL_EXIT_ERROR || r == GATTCTL_EXIT_USAGE) {
		/* Too late (expired) or a value gattd would not take (invalid-value, exit 2 as a VALUE
		 * that does not fit): said on stderr; serving goes on. */
		const char *code = gattd_client_error_code(h->ctl->client);
		g_autofree char *shown = escape_text(code ? code : "error");

		if (!h->ctl->json)
			printf("%s: %s, not delivered (%s)\n", req->about, outcome, shown);
		return GATTCTL_EXIT_OK;
	}
	if (r == GATTCTL_EXIT_OK && !h->ctl->json)
		printf("%s: %s\n", req->about, outcome);
	return r;
}

static int serve_request(Handler *h, const json_t *event, bool write)
{
	Request req = { 0 };
	Verdict v = { 0 };
	int r = GATTCTL_EXIT_OK;

	if (!request_parse(event, write, &req)) {
		g_autofree char *line = jread_dump(event);

		fprintf(stderr, "gattctl: handle: gattd sent a request without request id, char or offset, ignoring: %s\n",
		        line);
		request_clear(&req);
		return GATTCTL_EXIT_OK;
	}
	if (write)
		decide_write(h, &req, &v);
	else
		r = decide_read(h, &req, &v);
	/* Interrupted: gattd settles the request by HandlerFallback= when the connection closes. */
	if (r == GATTCTL_EXIT_OK && !h->signals.stop) {
		if (!v.unanswered)
			r = answer(h, &req, &v);
		else if (!h->ctl->json)
			printf("%s: %s (gattd answers 0x0e)\n", req.about, v.unanswered);
	}
	g_clear_pointer(&v.value, g_bytes_unref);
	request_clear(&req);
	return r;
}

/* gattd took a characteristic back (a reload removed it or its Handler=). */
static int on_unhandled(Handler *h, const json_t *event)
{
	const char *chr = jread_string(event, "char");
	const char *reason = jread_string(event, "reason");
	g_autofree char *shown = escape_text(chr ? chr : "?");
	g_autofree char *shown_reason = escape_text(reason ? reason : "none given");
	guint index;

	if (chr && g_ptr_array_find_with_equal_func(h->claimed, chr, g_str_equal, &index))
		g_ptr_array_remove_index(h->claimed, index);
	if (h->claimed->len > 0) {
		fprintf(stderr, "gattctl: handle: gattd no longer hands %s to this handler (reason: %s); serving the "
		        "other %u\n", shown, shown_reason, h->claimed->len);
		return GATTCTL_EXIT_OK;
	}
	fprintf(stderr, "gattctl: handle: gattd no longer hands %s to this handler (reason: %s); nothing left to "
	        "handle\n", shown, shown_reason);
	return GATTCTL_EXIT_ERROR;
}

static int on_message(void *data, const char *line)
{
	Handler *h = data;
	g_autoptr(json_t) root = jread_object(line, strlen(line), NULL);
	const char *event = root ? jread_string(root, "event") : NULL;

	if (!event)
		return GATTCTL_EXIT_OK; /* replies are taken by the calls that asked */
	if (h->ctl->json)
		printf("%s\n", line);
	if (strcmp(event, "read-request") == 0 || strcmp(event, "write-request") == 0)
		return serve_request(h, root, event[0] == 'w');
	if (strcmp(event, "unhandled") == 0)
		return on_unhandled(h, root);
	return GATTCTL_EXIT_OK;
}

static int claim(Handler *h, int argc, char **argv)
{
	g_autoptr(json_t) request = gattctl_request_new("handle", NULL);
	json_t *chars = json_array();

	for (int i = 1; i < argc; i++) {
		json_array_append_new(chars, gattctl_json_string(argv[i]));
		g_ptr_array_add(h->claimed, g_strdup(argv[i]));
	}
	json_object_set_new(request, "chars", chars);
	return gattctl_call(h->ctl, request, gattctl_timeout_ms(h->ctl), "handle", NULL);
}

int gattctl_handle(Gattctl *ctl, int argc, char **argv)
{
	g_autofree char *read_cmd = NULL;
	g_autofree char *write_cmd = NULL;
	g_autofree char *timeout_text = NULL;
	const GOptionEntry entries[] = {
		{ "read-cmd", 0, 0, G_OPTION_ARG_FILENAME, &read_cmd,
		  "Answer reads with what CMD prints (default: the stored value)", "CMD" },
		{ "write-cmd", 0, 0, G_OPTION_ARG_FILENAME, &write_cmd,
		  "Accept or refuse writes by CMD's exit status (default: accept)", "CMD" },
		{ "cmd-timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
		  "Kill a command after MS milliseconds (1..4000, default 3000) and answer unlikely", "MS" },
		G_OPTION_ENTRY_NULL,
	};
	const GattctlVerbSpec spec = {
		.params = "CHAR...",
		.summary = "Handle the characteristics CHAR... (they need Handler=): answer the centrals' reads\n"
		           "and writes of them, one at a time, until SIGINT or SIGTERM (exit 0) or until gattd\n"
		           "closes the connection (exit 3). Each request runs /bin/sh -c CMD with GATTD_REQUEST,\n"
		           "GATTD_CHAR, GATTD_DESC (descriptors), GATTD_DEVICE, GATTD_ADDRESS, GATTD_OFFSET,\n"
		           "GATTD_MTU and, for writes, GATTD_VALUE_HEX (the whole value), GATTD_VALUE (typed),\n"
		           "GATTD_DATA_HEX, GATTD_PREPARED, GATTD_AUTHORIZE and GATTD_RESPONSE set; a write\n"
		           "command reads the whole value on stdin, a read command prints the value (its\n"
		           "Type's text, else hex). Exit status: 0 accept (reads: the value), 1 application\n"
		           "error 0x80, 2 not-permitted, 3 not-authorized, 4 invalid-value-length,\n"
		           "5 in-progress, 6 not-supported, 7 invalid-offset, 32..63 application error\n"
		           "0x80 + (status - 32); anything else, a signal or the time limit: unlikely.\n"
		           "A command still running 50 ms before its request's deadline (gattd's\n"
		           "HandlerTimeoutMs) is killed, and one whose request expired while it waited is\n"
		           "not run; either gets no answer (gattd answers 0x0e). Prints one line per\n"
		           "request. Exits 1 if gattd refuses the claim (busy, not-handled) or, at a\n"
		           "reload, takes every CHAR back.",
		.entries = entries,
		.min_args = 1,
		.max_args = -1,
	};
	Handler h = { .ctl = ctl, .signals.fd = -1, .cmd_timeout_ms = HANDLE_DEFAULT_CMD_TIMEOUT_MS };
	uint64_t timeout_ms = 0;
	int r;

	r = gattctl_parse_options(ctl, &spec, &argc, &argv);
	if (r != GATTCTL_EXIT_OK)
		return r;
	if (timeout_text) {
		if (value_parse_uint(timeout_text, HANDLE_MAX_CMD_TIMEOUT_MS, &timeout_ms) < 0 || timeout_ms == 0)
			return gattctl_usage_error("--cmd-timeout wants milliseconds 1..%d, not '%s'",
			                           HANDLE_MAX_CMD_TIMEOUT_MS, timeout_text);
		h.cmd_timeout_ms = (unsigned)timeout_ms;
	}
	if ((read_cmd && !*read_cmd) || (write_cmd && !*write_cmd))
		return gattctl_usage_error("%s is empty: give a command, or leave the option out",
		                           read_cmd && !*read_cmd ? "--read-cmd" : "--write-cmd");
	h.read_cmd = read_cmd;
	h.write_cmd = write_cmd;

	/* Before anything else, so an early Ctrl-C is not lost either. */
	r = gattctl_signals_open(&h.signals);
	if (r < 0)
		return gattctl_exit_for_errno(r, "handle: signalfd");

	h.environ = gattctl_command_environ(ctl);
	h.claimed = g_ptr_array_new_with_free_func(g_free);
	r = claim(&h, argc, argv);
	if (r == GATTCTL_EXIT_OK)
		r = gattctl_serve_events(ctl, &h.signals, "handle", on_message, &h);
	g_ptr_array_unref(h.claimed);
	g_strfreev(h.environ);
	gattctl_signals_close(&h.signals);
	return r;
}
