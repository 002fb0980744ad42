/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shell-complete.c: what Tab offers in gattctl's shell. Commands and the shell's own
 * words; a command's options as its --help lists them (asked once of a child
 * `gattctl COMMAND --help`, so they are always the options the command takes); the
 * characteristic and descriptor ids and the central addresses gattd has now (asked
 * at each Tab, on a connection of its own, with a short timeout); and the words
 * wait, advertise and pairable take.
 */
#include "gattctl.h"
#include "shell.h"

#include <string.h>

/* A Tab must not hang on a gattd that does not answer. */
#define ASK_TIMEOUT_MS 2000

static const char *const builtins[] = { "help", "exit", "quit", NULL };

typedef enum {
	ARG_NONE,
	ARG_CHARS,          /* characteristic ids */
	ARG_CHARS_DESCS,    /* characteristic and descriptor ids */
	ARG_DEVICES,        /* addresses of connected centrals */
	ARG_BONDS,          /* addresses of bonded devices */
	ARG_WORDS,          /* words, below */
} ArgKind;

/* What a command's positional arguments are. */
static const struct {
	const char *verb;
	ArgKind first;  /* the first argument */
	ArgKind rest;   /* the ones after it */
	const char *const words[5];
} args[] = {
	{ "get", ARG_CHARS_DESCS, ARG_NONE, { NULL } },
	{ "set", ARG_CHARS, ARG_NONE, { NULL } },
	{ "next-write", ARG_CHARS, ARG_NONE, { NULL } },
	{ "watch", ARG_CHARS, ARG_CHARS, { NULL } },
	{ "handle", ARG_CHARS, ARG_CHARS, { NULL } },
	{ "disconnect", ARG_DEVICES, ARG_NONE, { NULL } },
	{ "forget", ARG_BONDS, ARG_NONE, { NULL } },
	{ "wait", ARG_WORDS, ARG_NONE, { "on-air", "registered", "advertising", "connected", NULL } },
	{ "advertise", ARG_WORDS, ARG_NONE, { "on", "off", "reset", NULL } },
	{ "pairable", ARG_WORDS, ARG_NONE, { "on", "off", NULL } },
};

static void offer(GPtrArray *out, const char *word, const char *text)
{
	if (g_str_has_prefix(word, text))
		g_ptr_array_add(out, g_strdup(word));
}

/* A command's options from its --help ("  -t, --timeout=MS   ..."): each name, and whether it takes a value. */
typedef struct {
	GPtrArray *names;    /* "--timeout" */
	GPtrArray *shorts;   /* "-t" */
	GHashTable *valued;  /* the names and short names that take a value */
} VerbOptions;

static void verb_options_free(VerbOptions *o)
{
	g_ptr_array_unref(o->names);
	g_ptr_array_unref(o->shorts);
	g_hash_table_unref(o->valued);
	g_free(o);
}

static const VerbOptions *verb_options(const char *verb)
{
	static GHashTable *cache; /* verb -> VerbOptions, for the shell's life */
	char *argv[] = { (char *)"/proc/self/exe", (char *)verb, (char *)"--help", NULL };
	g_autofree char *out = NULL;
	g_auto(GStrv) lines = NULL;
	VerbOptions *o;

	if (!cache)
		cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)verb_options_free);
	o = g_hash_table_lookup(cache, verb);
	if (o)
		return o;
	o = g_new0(VerbOptions, 1);
	o->names = g_ptr_array_new_with_free_func(g_free);
	o->shorts = g_ptr_array_new_with_free_func(g_free);
	o->valued = g_hash_table_new(g_str_hash, g_str_equal);
	if (g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, NULL, NULL)) {
		lines = g_strsplit(out, "\n", -1);
		for (char **l = lines; *l; l++) {
			const char *line = g_strchug(*l), *p = strstr(line, "--");
			size_t n;

			/* Option lines begin with blanks, then "-x, --name" or "--name", "=VALUE" if it takes one. */
			if (!p || line[0] != '-')
				continue;
			n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
			if (n == 0)
				continue;
			g_ptr_array_add(o->names, g_strndup(p, n + 2));
			if (line[1] != '-' && line[2] == ',')
				g_ptr_array_add(o->shorts, g_strndup(line, 2));
			if (p[n + 2] != '=')
				continue;
			g_hash_table_add(o->valued, g_ptr_array_index(o->names, o->names->len - 1));
			if (line[1] != '-' && line[2] == ',')
				g_hash_table_add(o->valued, g_ptr_array_index(o->shorts, o->shorts->len - 1));
		}
	}
	g_hash_table_insert(cache, g_strdup(verb), o);
	return o;
}

/* gattd's reply to {"cmd": cmd}, or NULL (no gattd, no answer in time: nothing to offer). */
static json_t *ask(const char *socket_path, const char *cmd)
{
	g_autofree char *request = g_strdup_printf("{\"cmd\":\"%s\"}", cmd);
	g_autoptr(GattdClient) client = NULL;
	g_autofree char *line = NULL; /* malloc()ed by the library; g_free() is free() */

	if (gattd_client_connect(socket_path, &client) < 0 ||
	    gattd_client_call(client, request, ASK_TIMEOUT_MS, &line) < 0)
		return NULL;
	return jread_object(line, strlen(line), NULL);
}

static void offer_ids(GPtrArray *out, const char *socket_path, bool descriptors, const char *text)
{
	g_autoptr(json_t) reply = ask(socket_path, "list");
	json_t *service, *chr, *desc;
	size_t i, k, d;

	json_array_foreach(json_object_get(reply, "services"), i, service) {
		json_array_foreach(json_object_get(service, "characteristics"), k, chr) {
			const char *id = jread_string(chr, "id");

			if (id)
				offer(out, id, text);
			if (!descriptors)
				continue;
			json_array_foreach(json_object_get(chr, "descriptors"), d, desc) {
				id = jread_string(desc, "id");
				if (id)
					offer(out, id, text);
			}
		}
	}
}

static void offer_addresses(GPtrArray *out, const char *socket_path, const char *cmd, const char *text)
{
	g_autoptr(json_t) reply = ask(socket_path, cmd);
	json_t *device;
	size_t i;

	json_array_foreach(json_object_get(reply, cmd), i, device) {
		const char *address = jread_string(device, "address");

		if (address)
			offer(out, address, text);
	}
}

GPtrArray *shell_complete(const char *socket_path, char **words, const char *text)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	const VerbOptions *options;
	ArgKind kind = ARG_NONE;
	size_t n_verbs, positional = 0, i;
	const GattctlVerbInfo *verbs = gattctl_verbs(&n_verbs);

	if (!words[0] || (strcmp(words[0], "help") == 0 && !words[1])) {
		for (i = 0; i < n_verbs; i++)
			offer(out, verbs[i].name, text);
		for (i = 0; !words[0] && builtins[i]; i++)
			offer(out, builtins[i], text);
		return out;
	}
	if (!gattctl_verb_find(words[0]))
		return out;
	options = verb_options(words[0]);
	if (text[0] == '-') {
		for (i = 0; i < options->names->len; i++)
			offer(out, g_ptr_array_index(options->names, i), text);
		return out;
	}
	/* Which argument this is: options and the values they take do not count. */
	for (i = 1; words[i]; i++) {
		if (words[i][0] != '-') {
			positional++;
			continue;
		}
		if (!strchr(words[i], '=') && g_hash_table_contains(options->valued, words[i])) {
			if (!words[i + 1])
				return out; /* text is this option's value: the user's */
			i++;
		}
	}
	for (i = 0; i < G_N_ELEMENTS(args); i++)
		if (strcmp(args[i].verb, words[0]) == 0)
			kind = positional == 0 ? args[i].first : args[i].rest;
	switch (kind) {
	case ARG_CHARS:
	case ARG_CHARS_DESCS:
		offer_ids(out, socket_path, kind == ARG_CHARS_DESCS, text);
		break;
	case ARG_DEVICES:
		offer_addresses(out, socket_path, "devices", text);
		break;
	case ARG_BONDS:
		offer_addresses(out, socket_path, "bonds", text);
		break;
	case ARG_WORDS:
		for (i = 0; i < G_N_ELEMENTS(args); i++)
			for (size_t w = 0; strcmp(args[i].verb, words[0]) == 0 && args[i].words[w]; w++)
				offer(out, args[i].words[w], text);
		break;
	case ARG_NONE:
		break;
	}
	return out;
}
