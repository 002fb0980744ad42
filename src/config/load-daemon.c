/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * load-daemon.c: gattd.conf (loader.h): which groups it may hold, and the
 * [Daemon] group: the adapter to use, how BlueZ calls are retried, and the
 * local client socket's path, mode, group and limits, and how long and how many
 * requests local handlers may keep pending. [Advertising] is
 * load-advertising.c's, [Pairing] load-pairing.c's.
 */
#include <string.h>

#include "config/loader.h"

#define RETRY_MS_MIN 10
#define RETRY_MS_MAX 600000

static const char *const daemon_keys[] = { "Adapter", "AutoPowerOn", "RetryMinMs", "RetryMaxMs", "Socket",
					    "SocketMode", "SocketGroup", "MaxClients", "MaxLineLength", "MaxClientQueue",
					    "HandlerTimeoutMs", "MaxHandlerRequests", "MaxClientRequests", NULL };

/* "00:aa:01:01:00:01": six two-digit hex bytes, ':' between, nothing else. */
static bool is_bdaddr(const char *text)
{
	if (strlen(text) != 17)
		return false;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2 ? text[i] != ':' : !g_ascii_isxdigit(text[i]))
			return false;
	}
	return true;
}

static void load_socket_keys(GattdConfig *config, const ConfigSection *s);

static void load_daemon_group(GattdConfig *config, const ConfigSection *s)
{
	g_autofree char *adapter = config_section_get_raw(s, "Adapter");
	bool min_ok, max_ok, max_given = false;

	config_section_check_keys(s, daemon_keys);

	if (adapter) {
		if (strcmp(adapter, "auto") == 0) {
			config->adapter_match = ADAPTER_MATCH_AUTO;
		} else if (g_str_has_prefix(adapter, "hci") && adapter[3] != '\0' && strlen(adapter) <= 8 &&
		           strspn(adapter + 3, "0123456789") == strlen(adapter + 3)) {
			config->adapter_match = ADAPTER_MATCH_NAME;
			config->adapter = g_strdup(adapter);
		} else if (is_bdaddr(adapter)) {
			config->adapter_match = ADAPTER_MATCH_ADDRESS;
			config->adapter = g_ascii_strup(adapter, -1);
		} else {
			config_section_report(s, "Adapter",
			                      "'%s' is not auto, hciN or an address XX:XX:XX:XX:XX:XX%s", adapter,
			                      config_section_comment_hint(adapter));
		}
	}

	config_section_get_bool(s, "AutoPowerOn", &config->auto_power_on);
	load_socket_keys(config, s);

	min_ok = config_section_get_uint(s, "RetryMinMs", RETRY_MS_MIN, RETRY_MS_MAX, &config->retry_min_ms, NULL);
	max_ok = config_section_get_uint(s, "RetryMaxMs", RETRY_MS_MIN, RETRY_MS_MAX, &config->retry_max_ms,
	                                 &max_given);
	if (min_ok && max_ok && config->retry_max_ms < config->retry_min_ms) {
		if (max_given)
			config_section_report(s, "RetryMaxMs", "%u is below RetryMinMs (%u)", config->retry_max_ms,
			                      config->retry_min_ms);
		else
			config_section_report(s, "RetryMinMs",
			                      "%u is above RetryMaxMs (%u by default); raise RetryMaxMs too",
			                      config->retry_min_ms, config->retry_max_ms);
	}
}

/* The client socket's settings. */
static void load_socket_keys(GattdConfig *config, const ConfigSection *s)
{
	g_autofree char *path = config_section_get_raw(s, "Socket");
	g_autofree char *mode = config_section_get_raw(s, "SocketMode");
	g_autofree char *group = config_section_get_raw(s, "SocketGroup");

	if (path) {
		if (path[0] != '/' || strlen(path) > 107)
			config_section_report(s, "Socket", "'%s' is not an absolute path of at most 107 bytes%s", path,
			                      config_section_comment_hint(path));
		else {
			g_free(config->socket_path);
			config->socket_path = g_steal_pointer(&path);
		}
	}
	if (mode) {
		guint64 v = 0;

		if (!*mode || strspn(mode, "01234567") != strlen(mode) || strlen(mode) > 4 ||
		    (v = g_ascii_strtoull(mode, NULL, 8)) > 0777)
			config_section_report(s, "SocketMode", "'%s' is not an octal mode within 0000..0777%s", mode,
			                      config_section_comment_hint(mode));
		else
			config->socket_mode = (unsigned)v;
	}
	if (group) {
		if (!*group || strpbrk(group, ":/ \t#") || strlen(group) > 32)
			config_section_report(s, "SocketGroup", "'%s' is not a group name%s", group,
			                      config_section_comment_hint(group));
		else
			config->socket_group = g_steal_pointer(&group);
	}
	config_section_get_uint(s, "MaxClients", 1, 4096, &config->max_clients, NULL);
	config_section_get_uint(s, "MaxLineLength", 1024, 16 * 1024 * 1024, &config->max_line_length, NULL);
	config_section_get_uint(s, "MaxClientQueue", 65536, 256 * 1024 * 1024, &config->max_client_queue, NULL);
	/* Well under ATT's 30 s transaction timeout, after which the central drops the link. */
	config_section_get_uint(s, "HandlerTimeoutMs", 100, ATT_HANDLER_TIMEOUT_MAX_MS, &config->handler_timeout_ms, NULL);
	config_section_get_uint(s, "MaxHandlerRequests", 1, 65536, &config->max_handler_requests, NULL);
	config_section_get_uint(s, "MaxClientRequests", 1, 65536, &config->max_client_requests, NULL);
}

void config_daemon_load_file(GattdConfig *config, const char *dir, GPtrArray *errors)
{
	g_autofree char *path = g_build_filename(dir, CONFIG_DAEMON_FILE, NULL);
	unsigned mode = 0;
	g_autoptr(GKeyFile) keyfile = config_files_load_key_file(errors, path, CONFIG_DAEMON_FILE, true, &mode);
	g_auto(GStrv) groups = NULL;

	if (!keyfile)
		return;
	groups = g_key_file_get_groups(keyfile, NULL);
	for (size_t i = 0; groups[i]; i++) {
		const ConfigSection s = {
			.errors = errors, .file = CONFIG_DAEMON_FILE, .group = groups[i], .keyfile = keyfile,
		};

		if (strcmp(groups[i], "Daemon") == 0)
			load_daemon_group(config, &s);
		else if (strcmp(groups[i], "Advertising") == 0 || g_str_has_prefix(groups[i], "Advertising "))
			config_advertising_load_group(config, &s);
		else if (strcmp(groups[i], "Pairing") == 0)
			config_pairing_load_group(config, &s, mode);
		else if (g_str_has_prefix(groups[i], "Service ") || g_str_has_prefix(groups[i], "Characteristic ") ||
		         g_str_has_prefix(groups[i], "Descriptor "))
			config_section_report(&s, NULL,
			                      "belongs in " CONFIG_SERVICES_DIR "/*.conf, not in " CONFIG_DAEMON_FILE);
		else
			config_section_report(&s, NULL, "unknown group (expected [Daemon], [Advertising], "
			                                "[Advertising NAME] or [Pairing])");
	}
}
