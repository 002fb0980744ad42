/*
 * config.c: loading and validating gattd.conf and services.d/ *.conf.
 *
 * Every rule lives here so the rest of gattd may trust a GattdConfig: anything
 * BlueZ would refuse (unknown flags, GAP/GATT services, CCCDs) is refused first,
 * with a message naming file, group and key. Loading never stops at the first
 * problem; an operator fixing a config wants the whole list in one go.
 *
 * Loading runs in two passes: the first reads every file and group in load
 * order, the second attaches characteristics to services and descriptors to
 * characteristics, so a characteristic may sit in a different (even earlier)
 * file than its service.
 */
#include "config/config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/escape.h"
#include "config/flags.h"

/* A config file is a few kilobytes; anything this large is a mistake. */
#define CONFIG_FILE_MAX (1024 * 1024)
/* Longest part of an id ("battery" in "battery/level"); ids become D-Bus paths. */
#define ID_PART_MAX 64
/* Local name bytes that fit in the advertising payload next to flags and UUIDs. */
#define LOCAL_NAME_MAX 29
/* ATT handles are 16-bit and 0 is invalid; the database must stay below this. */
#define ATT_HANDLE_LIMIT 65535
/* Shown when a value that never contains '#' does, e.g. "UUID=180F  # battery". */
#define INLINE_COMMENT_HINT " ('#' starts a comment only at the beginning of a line)"

#define DAEMON_FILE "gattd.conf"
#define SERVICES_DIR "services.d"
#define DESCRIPTION_NAME "description"
#define UUID_USER_DESCRIPTION "00002901-0000-1000-8000-00805f9b34fb"

#define RETRY_MS_MIN 10
#define RETRY_MS_MAX 600000
#define INTERVAL_MS_MIN 20
#define INTERVAL_MS_MAX 10485
#define TX_POWER_MIN (-127)
#define TX_POWER_MAX 20

static const char *const daemon_keys[] = { "Adapter", "RetryMinMs", "RetryMaxMs", "Socket", "SocketMode",
					    "SocketGroup", "MaxClients", "MaxLineLength", "MaxClientQueue", NULL };
static const char *const advertising_keys[] = {
	"Enabled", "Type", "LocalName", "Appearance", "Discoverable", "DiscoverableTimeout",
	"Includes", "ManufacturerData", "ServiceData", "SolicitUUIDs", "MinIntervalMs",
	"MaxIntervalMs", "TxPower", NULL,
};
static const char *const service_keys[] = { "UUID", "Primary", "Advertise", NULL };
static const char *const characteristic_keys[] = {
	"UUID", "Flags", "Type", "Value", "Description", "MaxLength", "Capture", "Persist", NULL,
};
static const char *const descriptor_keys[] = { "UUID", "Flags", "Value", "MaxLength", NULL };
static const char *const advertising_types[] = { "peripheral", "broadcast", NULL };
static const char *const advertising_includes[] = { "tx-power", "appearance", "local-name", NULL };

/* ---- model ---- */

static void cfg_descriptor_free(CfgDescriptor *d)
{
	if (!d)
		return;
	g_free(d->id);
	g_free(d->name);
	g_strfreev(d->flags);
	if (d->value)
		g_bytes_unref(d->value);
	g_free(d->origin);
	g_free(d);
}

static void cfg_characteristic_free(CfgCharacteristic *c)
{
	if (!c)
		return;
	g_free(c->id);
	g_free(c->name);
	g_strfreev(c->flags);
	if (c->value)
		g_bytes_unref(c->value);
	g_free(c->description);
	if (c->descriptors)
		g_ptr_array_unref(c->descriptors);
	g_free(c->origin);
	g_free(c);
}

static void cfg_service_free(CfgService *s)
{
	if (!s)
		return;
	g_free(s->id);
	if (s->characteristics)
		g_ptr_array_unref(s->characteristics);
	g_free(s->origin);
	g_free(s);
}

static void cfg_manufacturer_data_free(CfgManufacturerData *m)
{
	if (!m)
		return;
	if (m->data)
		g_bytes_unref(m->data);
	g_free(m);
}

static void cfg_service_data_free(CfgServiceData *sd)
{
	if (!sd)
		return;
	if (sd->data)
		g_bytes_unref(sd->data);
	g_free(sd);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgDescriptor, cfg_descriptor_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgCharacteristic, cfg_characteristic_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgService, cfg_service_free)

void config_free(GattdConfig *config)
{
	if (!config)
		return;
	g_free(config->config_dir);
	g_free(config->adapter);
	g_free(config->socket_path);
	g_free(config->socket_group);
	g_free(config->advertising.type);
	g_free(config->advertising.local_name);
	g_strfreev(config->advertising.includes);
	if (config->advertising.manufacturer_data)
		g_ptr_array_unref(config->advertising.manufacturer_data);
	if (config->advertising.service_data)
		g_ptr_array_unref(config->advertising.service_data);
	g_strfreev(config->advertising.solicit_uuids);
	if (config->services)
		g_ptr_array_unref(config->services);
	g_free(config);
}

static GattdConfig *config_new_defaults(const char *dir)
{
	GattdConfig *config = g_new0(GattdConfig, 1);
	CfgAdvertising *adv = &config->advertising;

	config->config_dir = g_strdup(dir);
	config->adapter_match = ADAPTER_MATCH_AUTO;
	config->retry_min_ms = 500;
	config->retry_max_ms = 30000;
	config->socket_path = g_strdup(GATTD_DEFAULT_SOCKET);
	config->socket_mode = 0660;
	config->max_clients = 64;
	config->max_line_length = 65536;
	config->max_client_queue = 1024 * 1024;

	adv->enabled = true;
	adv->type = g_strdup("peripheral");
	adv->discoverable = true;
	adv->includes = g_new0(char *, 1);
	adv->manufacturer_data = g_ptr_array_new_with_free_func((GDestroyNotify) cfg_manufacturer_data_free);
	adv->service_data = g_ptr_array_new_with_free_func((GDestroyNotify) cfg_service_data_free);
	adv->solicit_uuids = g_new0(char *, 1);

	config->services = g_ptr_array_new_with_free_func((GDestroyNotify) cfg_service_free);
	return config;
}

/* ---- problems ---- */

/* Where a problem is: file (relative to the config dir), group, and the key file. */
typedef struct {
	GPtrArray *errors;
	const char *file;
	const char *group;
	GKeyFile *keyfile;
} Section;

/*
 * "FILE: [GROUP] KEY: problem"; group and key are left out when NULL. FILE is
 * escaped already (load_services_dir()) and GKeyFile refuses control characters in
 * group names; a key name may hold any, and so may the values and GKeyFile's own
 * messages (which quote lines) a problem quotes as written: those are escaped here,
 * so that no message carries a control character to a log or a terminal.
 */
static void report(const Section *s, const char *key, const char *format, ...) G_GNUC_PRINTF(3, 4);

static void report(const Section *s, const char *key, const char *format, ...)
{
	g_autofree char *problem = NULL;
	GString *msg = g_string_new(s->file);
	va_list ap;

	va_start(ap, format);
	problem = g_strdup_vprintf(format, ap);
	va_end(ap);
	if (escape_text_has_control(problem)) {
		g_autofree char *raw = g_steal_pointer(&problem);

		problem = escape_text(raw);
	}

	if (s->group)
		g_string_append_printf(msg, ": [%s]", s->group);
	if (key) {
		g_autofree char *shown_key = escape_text(key);

		g_string_append_printf(msg, " %s", shown_key);
	}
	g_string_append_printf(msg, ": %s", problem);
	g_ptr_array_add(s->errors, g_string_free(msg, FALSE));
}

static char *join_names(const char *const *names)
{
	return g_strjoinv(", ", (char **) names);
}

static bool strv_has(const char *const *strv, const char *s)
{
	return g_strv_contains(strv, s);
}

/* ---- keys ---- */

/* Unknown keys and keys given twice (GKeyFile keeps only the last one). */
static void check_keys(const Section *s, const char *const *valid)
{
	g_auto(GStrv) keys = g_key_file_get_keys(s->keyfile, s->group, NULL, NULL);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; keys && keys[i]; i++) {
		if (!strv_has(valid, keys[i])) {
			g_autofree char *list = join_names(valid);
			report(s, keys[i], "unknown key (valid: %s)", list);
		} else if (!g_hash_table_add(seen, keys[i])) {
			report(s, keys[i], "given more than once");
		}
	}
}

/* The text after '=' as written (no escape processing), NULL if absent. */
static char *get_raw(const Section *s, const char *key)
{
	return g_key_file_get_value(s->keyfile, s->group, key, NULL);
}

static const char *comment_hint(const char *raw)
{
	return strchr(raw, '#') ? INLINE_COMMENT_HINT : "";
}

/* Absent: *inout keeps its default. */
static bool get_bool(const Section *s, const char *key, bool *inout)
{
	g_autofree char *raw = get_raw(s, key);

	if (!raw)
		return true;
	if (strcmp(raw, "true") != 0 && strcmp(raw, "false") != 0) {
		report(s, key, "'%s' is not true or false%s", raw, comment_hint(raw));
		return false;
	}
	*inout = strcmp(raw, "true") == 0;
	return true;
}

/* Absent: *inout keeps its default and *ret_given (optional) is false. */
static bool get_uint(const Section *s, const char *key, uint64_t min, uint64_t max,
                     unsigned *inout, bool *ret_given)
{
	g_autofree char *raw = get_raw(s, key);
	uint64_t v;
	int r;

	if (ret_given)
		*ret_given = raw != NULL;
	if (!raw)
		return true;
	r = value_parse_uint(raw, max, &v);
	if (r == 0 && v < min)
		r = -ERANGE;
	if (r == -ERANGE) {
		report(s, key, "%s is out of range %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, raw, min, max);
		return false;
	}
	if (r < 0) {
		report(s, key, "'%s' is not a decimal or 0x-hex integer%s", raw, comment_hint(raw));
		return false;
	}
	*inout = (unsigned) v;
	return true;
}

static bool get_int(const Section *s, const char *key, int64_t min, int64_t max,
                    int64_t *inout, bool *ret_given)
{
	g_autofree char *raw = get_raw(s, key);
	int r;

	if (ret_given)
		*ret_given = raw != NULL;
	if (!raw)
		return true;
	r = value_parse_int(raw, min, max, inout);
	if (r == -ERANGE) {
		report(s, key, "%s is out of range %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, raw, min, max);
		return false;
	}
	if (r < 0) {
		report(s, key, "'%s' is not a decimal or 0x-hex integer%s", raw, comment_hint(raw));
		return false;
	}
	return true;
}

/* With GKeyFile escapes (\s, \n, \t, \\) applied. Absent: *ret = NULL. */
static bool get_string(const Section *s, const char *key, char **ret)
{
	g_autoptr(GError) error = NULL;

	*ret = NULL;
	if (!g_key_file_has_key(s->keyfile, s->group, key, NULL))
		return true;
	*ret = g_key_file_get_string(s->keyfile, s->group, key, &error);
	if (!*ret) {
		report(s, key, "%s", error->message);
		return false;
	}
	return true;
}

/*
 * A ';'-separated list without empty items. strip_blanks trims each item, for
 * lists of names where "read; notify" can only mean "read;notify"; data lists
 * only lose leading blanks, as trailing ones may belong to a utf8 literal.
 * Absent: *ret = NULL.
 */
static bool get_list(const Section *s, const char *key, bool strip_blanks, char ***ret)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) items = NULL;
	g_autoptr(GStrvBuilder) kept = g_strv_builder_new();

	*ret = NULL;
	if (!g_key_file_has_key(s->keyfile, s->group, key, NULL))
		return true;
	items = g_key_file_get_string_list(s->keyfile, s->group, key, NULL, &error);
	if (!items) {
		/* An empty value is an empty list, not an error. */
		if (g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE)) {
			report(s, key, "%s", error->message);
			return false;
		}
		*ret = g_new0(char *, 1);
		return true;
	}
	for (size_t i = 0; items[i]; i++) {
		if (strip_blanks)
			g_strstrip(items[i]);
		else
			g_strchug(items[i]);
		if (items[i][0] != '\0')
			g_strv_builder_add(kept, items[i]);
	}
	*ret = g_strv_builder_end(kept);
	return true;
}

static bool parse_uuid(const Section *s, const char *key, const char *text, char out[UUID_STR_LEN + 1])
{
	if (uuid_normalize(text, out) < 0) {
		report(s, key, "'%s' is not a UUID (16-bit 180F, 32-bit 0000180F or 128-bit "
		       "6e400001-b5a3-f393-e0a9-e50e24dcca9e)%s", text, comment_hint(text));
		return false;
	}
	return true;
}

static bool get_required_uuid(const Section *s, char out[UUID_STR_LEN + 1])
{
	g_autofree char *raw = get_raw(s, "UUID");

	if (!raw) {
		report(s, "UUID", "missing");
		return false;
	}
	return parse_uuid(s, "UUID", raw, out);
}

/* Required, non-empty, each name valid for the attribute kind, none twice. */
static bool get_flags(const Section *s, bool descriptor, char ***ret)
{
	const char *const *valid = descriptor ? flags_descriptor_names() : flags_characteristic_names();
	g_auto(GStrv) flags = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	bool ok = true;

	if (!get_list(s, "Flags", true, &flags))
		return false;
	if (!flags) {
		report(s, "Flags", "missing");
		return false;
	}
	if (!flags[0]) {
		g_autofree char *list = join_names(valid);
		report(s, "Flags", "empty; give at least one of: %s", list);
		return false;
	}
	for (size_t i = 0; flags[i]; i++) {
		if (!strv_has(valid, flags[i])) {
			g_autofree char *list = join_names(valid);
			bool for_characteristic = descriptor && flags_valid_for_characteristic(flags[i]);
			report(s, "Flags", "%s flag '%s'%s (valid: %s)",
			       for_characteristic ? "characteristic-only" : "unknown", flags[i],
			       comment_hint(flags[i]), list);
			ok = false;
		} else if (!g_hash_table_add(seen, flags[i])) {
			report(s, "Flags", "flag '%s' given more than once", flags[i]);
			ok = false;
		}
	}
	if (ok)
		*ret = g_steal_pointer(&flags);
	return ok;
}

/*
 * Type=, Value= and MaxLength=, which characteristics and descriptors share
 * (descriptors have no Type=). Always fills *ret with usable values, even after
 * a problem, so later checks can go on.
 */
typedef struct {
	bool has_type;
	ValueType type;
	GBytes *value;
	unsigned max_length;
} ValueSettings;

static bool get_value_settings(const Section *s, bool with_type, ValueSettings *ret)
{
	g_autofree char *type_name = NULL;
	g_autofree char *literal = NULL;
	g_autoptr(GBytes) value = NULL;
	unsigned max_length = GATTD_MAX_VALUE_LEN;
	bool max_length_given = false;
	size_t type_size = 0;
	bool ok = true;

	*ret = (ValueSettings) { .type = VALUE_TYPE_HEX };

	if (with_type) {
		type_name = get_raw(s, "Type");
		if (type_name && !value_type_from_name(type_name, &ret->type)) {
			g_autofree char *list = value_type_names_joined(", ");
			report(s, "Type", "unknown type '%s'%s (valid: %s)", type_name, comment_hint(type_name), list);
			ok = false;
		} else if (type_name) {
			ret->has_type = true;
			type_size = value_type_size(ret->type);
		}
	}

	if (!get_uint(s, "MaxLength", 1, GATTD_MAX_VALUE_LEN, &max_length, &max_length_given)) {
		ok = false;
		max_length_given = false;
	}
	if (!max_length_given && type_size > 0)
		max_length = (unsigned) type_size;
	else if (max_length_given && max_length < type_size) {
		report(s, "MaxLength", "%u is smaller than the %zu bytes of Type=%s", max_length, type_size,
		       value_type_name(ret->type));
		ok = false;
	}

	if (!get_string(s, "Value", &literal))
		ok = false;
	if (literal) {
		g_autofree char *error = NULL;

		value = value_parse_literal(literal, &error);
		if (!value) {
			report(s, "Value", "%s", error);
			ok = false;
		}
	}
	if (value) {
		gsize len = g_bytes_get_size(value);
		g_autofree char *decoded = ret->has_type
			? value_format(ret->type, g_bytes_get_data(value, NULL), len) : NULL;

		if (ret->has_type && !decoded) {
			if (type_size > 0 && len != type_size)
				report(s, "Value", "'%s' is %zu bytes, but Type=%s needs %zu", literal, (size_t) len,
				       value_type_name(ret->type), type_size);
			else
				report(s, "Value", "'%s' does not decode as Type=%s", literal, value_type_name(ret->type));
			ok = false;
		}
		if (len > max_length) {
			report(s, "Value", "'%s' is %zu bytes, longer than MaxLength=%u%s", literal, (size_t) len,
			       max_length, max_length_given ? "" : " (the default)");
			ok = false;
		}
	} else {
		/* Zeros keep a fixed-size value decodable before anyone writes it. */
		value = type_size > 0 ? g_bytes_new_take(g_malloc0(type_size), type_size) : g_bytes_new(NULL, 0);
	}

	ret->value = g_steal_pointer(&value);
	ret->max_length = max_length;
	return ok;
}

/* ---- ids ---- */

static bool id_part_is_valid(const char *part)
{
	size_t len = strlen(part);

	if (len == 0 || len > ID_PART_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(part[i]) && part[i] != '_')
			return false;
	return true;
}

static bool id_is_valid(const char *id, unsigned n_parts)
{
	g_auto(GStrv) parts = g_strsplit(id, "/", -1);

	if (g_strv_length(parts) != n_parts)
		return false;
	for (unsigned i = 0; i < n_parts; i++)
		if (!id_part_is_valid(parts[i]))
			return false;
	return true;
}

/* "battery/level/range" -> "battery/level" */
static char *id_parent(const char *id)
{
	const char *slash = strrchr(id, '/');

	return g_strndup(id, (gsize) (slash - id));
}

static char *id_last_part(const char *id)
{
	const char *slash = strrchr(id, '/');

	return g_strdup(slash ? slash + 1 : id);
}

/* ---- loader state ---- */

/* A characteristic or descriptor read in pass 1, waiting for its parent. */
typedef struct {
	char *file;
	char *group;
	void *object; /* owned until attached, then NULL */
	GDestroyNotify free_object;
} Pending;

static void pending_free(Pending *p)
{
	if (!p)
		return;
	g_free(p->file);
	g_free(p->group);
	if (p->object)
		p->free_object(p->object);
	g_free(p);
}

typedef struct {
	GPtrArray *errors;
	GattdConfig *config;
	GHashTable *id_files;        /* id -> file that defined it (for duplicates) */
	GHashTable *services;        /* id -> CfgService* (owned by config) */
	GHashTable *characteristics; /* id -> CfgCharacteristic* (owned by pending or service) */
	GPtrArray *pending_characteristics; /* Pending*, load order */
	GPtrArray *pending_descriptors;     /* Pending*, load order */
	unsigned n_services_defined;
	bool file_failed;            /* a services.d file could not be read or parsed */
} Loader;

static void pending_add(GPtrArray *list, const Section *s, void *object, GDestroyNotify free_object)
{
	Pending *p = g_new0(Pending, 1);

	p->file = g_strdup(s->file);
	p->group = g_strdup(s->group);
	p->object = object;
	p->free_object = free_object;
	g_ptr_array_add(list, p);
}

static char *origin_for(const Section *s)
{
	return g_strdup_printf("%s [%s]", s->file, s->group);
}

/* ---- services.d groups ---- */

static void load_service(Loader *l, const Section *s, const char *id)
{
	g_autoptr(CfgService) service = g_new0(CfgService, 1);

	check_keys(s, service_keys);
	service->id = g_strdup(id);
	service->primary = true;
	service->characteristics = g_ptr_array_new_with_free_func((GDestroyNotify) cfg_characteristic_free);
	service->origin = origin_for(s);

	if (get_required_uuid(s, service->uuid)) {
		uint32_t short_uuid = 0;

		if (uuid_get_short(service->uuid, &short_uuid) && (short_uuid == 0x1800 || short_uuid == 0x1801))
			report(s, "UUID", "0x%04X is the %s service, which BlueZ provides itself", short_uuid,
			       short_uuid == 0x1800 ? "Generic Access (GAP)" : "Generic Attribute (GATT)");
	}
	get_bool(s, "Primary", &service->primary);
	get_bool(s, "Advertise", &service->advertise);

	l->n_services_defined++;
	g_hash_table_insert(l->services, service->id, service);
	g_ptr_array_add(l->config->services, g_steal_pointer(&service));
}

static CfgDescriptor *description_descriptor_new(const CfgCharacteristic *c)
{
	CfgDescriptor *d = g_new0(CfgDescriptor, 1);
	const char *read_only[] = { "read", NULL };

	d->id = g_strdup_printf("%s/%s", c->id, DESCRIPTION_NAME);
	d->name = g_strdup(DESCRIPTION_NAME);
	memcpy(d->uuid, UUID_USER_DESCRIPTION, sizeof(d->uuid));
	d->flags = g_strdupv((char **) read_only);
	d->value = g_bytes_new(c->description, strlen(c->description));
	d->max_length = GATTD_MAX_VALUE_LEN;
	d->origin = g_strdup_printf("%s Description", c->origin);
	return d;
}

static void load_characteristic(Loader *l, const Section *s, const char *id)
{
	g_autoptr(CfgCharacteristic) c = g_new0(CfgCharacteristic, 1);
	ValueSettings settings;
	bool capture_given = false;
	unsigned capture = 0;

	check_keys(s, characteristic_keys);
	c->id = g_strdup(id);
	c->name = id_last_part(id);
	c->descriptors = g_ptr_array_new_with_free_func((GDestroyNotify) cfg_descriptor_free);
	c->origin = origin_for(s);

	get_required_uuid(s, c->uuid);
	get_flags(s, false, &c->flags);

	get_value_settings(s, true, &settings);
	c->has_type = settings.has_type;
	c->type = settings.type;
	c->value = settings.value;
	c->max_length = settings.max_length;

	if (get_uint(s, "Capture", 1, GATTD_MAX_CAPTURE, &capture, &capture_given) && capture_given) {
		/* Without a write flag the queue could never fill; say so rather than ignore it. */
		if (c->flags && !(flags_permissions((const char *const *) c->flags) & GATT_PERM_WRITE))
			report(s, "Capture", "needs a write flag in Flags= (write, write-without-response, "
			       "reliable-write, authenticated-signed-writes or an encrypt-/secure- write)");
		else
			c->capture = capture;
	}

	get_bool(s, "Persist", &c->persist);

	if (get_string(s, "Description", &c->description) && c->description) {
		size_t len = strlen(c->description);

		if (len > GATTD_MAX_VALUE_LEN)
			report(s, "Description", "%zu bytes, longer than the %d an attribute holds", len,
			       GATTD_MAX_VALUE_LEN);
		else
			g_ptr_array_add(c->descriptors, description_descriptor_new(c));
	}

	g_hash_table_insert(l->characteristics, c->id, c);
	pending_add(l->pending_characteristics, s, g_steal_pointer(&c), (GDestroyNotify) cfg_characteristic_free);
}

static void load_descriptor(Loader *l, const Section *s, const char *id)
{
	g_autoptr(CfgDescriptor) d = g_new0(CfgDescriptor, 1);
	ValueSettings settings;

	check_keys(s, descriptor_keys);
	d->id = g_strdup(id);
	d->name = id_last_part(id);
	d->origin = origin_for(s);

	if (get_required_uuid(s, d->uuid)) {
		uint32_t short_uuid = 0;

		if (!uuid_get_short(d->uuid, &short_uuid))
			short_uuid = 0;
		if (short_uuid == 0x2902)
			report(s, "UUID", "0x2902 (Client Characteristic Configuration) is created by BlueZ "
			       "for characteristics with notify or indicate");
		else if (short_uuid == 0x2900)
			report(s, "UUID", "0x2900 (Characteristic Extended Properties) is created by BlueZ "
			       "for characteristics with reliable-write or writable-auxiliaries");
	}
	get_flags(s, true, &d->flags);

	get_value_settings(s, false, &settings);
	d->value = settings.value;
	d->max_length = settings.max_length;

	pending_add(l->pending_descriptors, s, g_steal_pointer(&d), (GDestroyNotify) cfg_descriptor_free);
}

typedef enum {
	GROUP_SERVICE,
	GROUP_CHARACTERISTIC,
	GROUP_DESCRIPTOR,
} GroupKind;

static const struct {
	const char *prefix;
	unsigned n_parts;
	const char *expected;
} group_kinds[] = {
	[GROUP_SERVICE] = { "Service ", 1, "SERVICE" },
	[GROUP_CHARACTERISTIC] = { "Characteristic ", 2, "SERVICE/CHARACTERISTIC" },
	[GROUP_DESCRIPTOR] = { "Descriptor ", 3, "SERVICE/CHARACTERISTIC/DESCRIPTOR" },
};

static void load_services_group(Loader *l, const Section *s)
{
	const char *group = s->group;
	const char *id = NULL;
	GroupKind kind = GROUP_SERVICE;
	const char *first_file;

	for (size_t i = 0; i < G_N_ELEMENTS(group_kinds); i++) {
		if (g_str_has_prefix(group, group_kinds[i].prefix)) {
			kind = (GroupKind) i;
			id = group + strlen(group_kinds[i].prefix);
			break;
		}
	}
	if (!id) {
		if (strcmp(group, "Daemon") == 0 || strcmp(group, "Advertising") == 0)
			report(s, NULL, "belongs in " DAEMON_FILE ", not in " SERVICES_DIR "/");
		else
			report(s, NULL, "unknown group (expected [Service ID], [Characteristic ID] or [Descriptor ID])");
		return;
	}
	if (!id_is_valid(id, group_kinds[kind].n_parts)) {
		report(s, NULL, "invalid id '%s': expected %s, each part 1-%d characters of A-Z, a-z, 0-9 and _",
		       id, group_kinds[kind].expected, ID_PART_MAX);
		return;
	}
	first_file = g_hash_table_lookup(l->id_files, id);
	if (first_file) {
		report(s, NULL, "duplicate id '%s', already defined in %s", id, first_file);
		return;
	}
	g_hash_table_insert(l->id_files, g_strdup(id), g_strdup(s->file));

	switch (kind) {
	case GROUP_SERVICE:
		load_service(l, s, id);
		break;
	case GROUP_CHARACTERISTIC:
		load_characteristic(l, s, id);
		break;
	case GROUP_DESCRIPTOR:
		load_descriptor(l, s, id);
		break;
	}
}

/* ---- gattd.conf groups ---- */

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

static void load_socket_keys(GattdConfig *config, const Section *s);

static void load_daemon_group(GattdConfig *config, const Section *s)
{
	g_autofree char *adapter = get_raw(s, "Adapter");
	bool min_ok, max_ok, max_given = false;

	check_keys(s, daemon_keys);

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
			report(s, "Adapter", "'%s' is not auto, hciN or an address XX:XX:XX:XX:XX:XX%s", adapter,
			       comment_hint(adapter));
		}
	}

	load_socket_keys(config, s);

	min_ok = get_uint(s, "RetryMinMs", RETRY_MS_MIN, RETRY_MS_MAX, &config->retry_min_ms, NULL);
	max_ok = get_uint(s, "RetryMaxMs", RETRY_MS_MIN, RETRY_MS_MAX, &config->retry_max_ms, &max_given);
	if (min_ok && max_ok && config->retry_max_ms < config->retry_min_ms) {
		if (max_given)
			report(s, "RetryMaxMs", "%u is below RetryMinMs (%u)", config->retry_max_ms,
			       config->retry_min_ms);
		else
			report(s, "RetryMinMs", "%u is above RetryMaxMs (%u by default); raise RetryMaxMs too",
			       config->retry_min_ms, config->retry_max_ms);
	}
}

/* The client socket's settings. */
static void load_socket_keys(GattdConfig *config, const Section *s)
{
	g_autofree char *path = get_raw(s, "Socket");
	g_autofree char *mode = get_raw(s, "SocketMode");
	g_autofree char *group = get_raw(s, "SocketGroup");

	if (path) {
		if (path[0] != '/' || strlen(path) > 107)
			report(s, "Socket", "'%s' is not an absolute path of at most 107 bytes%s", path, comment_hint(path));
		else {
			g_free(config->socket_path);
			config->socket_path = g_steal_pointer(&path);
		}
	}
	if (mode) {
		guint64 v = 0;

		if (!*mode || strspn(mode, "01234567") != strlen(mode) || strlen(mode) > 4 ||
		    (v = g_ascii_strtoull(mode, NULL, 8)) > 0777)
			report(s, "SocketMode", "'%s' is not an octal mode within 0000..0777%s", mode, comment_hint(mode));
		else
			config->socket_mode = (unsigned)v;
	}
	if (group) {
		if (!*group || strpbrk(group, ":/ \t#") || strlen(group) > 32)
			report(s, "SocketGroup", "'%s' is not a group name%s", group, comment_hint(group));
		else
			config->socket_group = g_steal_pointer(&group);
	}
	get_uint(s, "MaxClients", 1, 4096, &config->max_clients, NULL);
	get_uint(s, "MaxLineLength", 1024, 16 * 1024 * 1024, &config->max_line_length, NULL);
	get_uint(s, "MaxClientQueue", 65536, 256 * 1024 * 1024, &config->max_client_queue, NULL);
}

/* "COMPANY:LITERAL" or "UUID:LITERAL": split at the first ':' (a literal has its own). */
static bool split_data_item(const Section *s, const char *key, const char *item, const char *example,
                            char **ret_head, GBytes **ret_data)
{
	const char *colon = strchr(item, ':');
	g_autofree char *error = NULL;
	GBytes *data;

	if (!colon) {
		report(s, key, "'%s' is not %s", item, example);
		return false;
	}
	data = value_parse_literal(colon + 1, &error);
	if (!data) {
		report(s, key, "'%s': %s", item, error);
		return false;
	}
	*ret_head = g_strndup(item, (gsize) (colon - item));
	*ret_data = data;
	return true;
}

static void load_manufacturer_data(CfgAdvertising *adv, const Section *s)
{
	g_auto(GStrv) items = NULL;

	if (!get_list(s, "ManufacturerData", false, &items) || !items)
		return;
	for (size_t i = 0; items[i]; i++) {
		g_autofree char *company = NULL;
		g_autoptr(GBytes) data = NULL;
		uint64_t id;
		int r;

		if (!split_data_item(s, "ManufacturerData", items[i], "COMPANY:LITERAL (e.g. 0x05F1:hex:0102)",
		                     &company, &data))
			continue;
		r = value_parse_uint(company, 0xffff, &id);
		if (r < 0) {
			report(s, "ManufacturerData", "company id '%s' is not %s", company,
			       r == -ERANGE ? "in range 0..0xFFFF" : "a decimal or 0x-hex integer");
			continue;
		}
		for (guint j = 0; j < adv->manufacturer_data->len; j++) {
			const CfgManufacturerData *m = g_ptr_array_index(adv->manufacturer_data, j);
			if (m->company_id == id) {
				report(s, "ManufacturerData", "company id 0x%04X given more than once", (unsigned) id);
				goto next;
			}
		}
		{
			CfgManufacturerData *m = g_new0(CfgManufacturerData, 1);
			m->company_id = (uint16_t) id;
			m->data = g_steal_pointer(&data);
			g_ptr_array_add(adv->manufacturer_data, m);
		}
	next:;
	}
}

static void load_service_data(CfgAdvertising *adv, const Section *s)
{
	g_auto(GStrv) items = NULL;

	if (!get_list(s, "ServiceData", false, &items) || !items)
		return;
	for (size_t i = 0; items[i]; i++) {
		g_autofree char *uuid_text = NULL;
		g_autoptr(GBytes) data = NULL;
		char uuid[UUID_STR_LEN + 1];
		bool duplicate = false;
		CfgServiceData *sd;

		if (!split_data_item(s, "ServiceData", items[i], "UUID:LITERAL (e.g. 180F:u8:100)", &uuid_text, &data))
			continue;
		if (!parse_uuid(s, "ServiceData", uuid_text, uuid))
			continue;
		for (guint j = 0; j < adv->service_data->len; j++) {
			const CfgServiceData *other = g_ptr_array_index(adv->service_data, j);
			duplicate = duplicate || strcmp(other->uuid, uuid) == 0;
		}
		if (duplicate) {
			report(s, "ServiceData", "UUID %s given more than once", uuid_text);
			continue;
		}
		sd = g_new0(CfgServiceData, 1);
		memcpy(sd->uuid, uuid, sizeof(sd->uuid));
		sd->data = g_steal_pointer(&data);
		g_ptr_array_add(adv->service_data, sd);
	}
}

/* A list whose items must come from valid and appear once; always returns a vector. */
static char **get_name_set(const Section *s, const char *key, const char *const *valid)
{
	g_auto(GStrv) items = NULL;
	g_autoptr(GStrvBuilder) kept = g_strv_builder_new();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	if (get_list(s, key, true, &items) && items) {
		for (size_t i = 0; items[i]; i++) {
			if (!strv_has(valid, items[i])) {
				g_autofree char *list = join_names(valid);
				report(s, key, "unknown value '%s'%s (valid: %s)", items[i], comment_hint(items[i]), list);
			} else if (!g_hash_table_add(seen, items[i])) {
				report(s, key, "'%s' given more than once", items[i]);
			} else {
				g_strv_builder_add(kept, items[i]);
			}
		}
	}
	return g_strv_builder_end(kept);
}

static void load_advertising_group(GattdConfig *config, const Section *s)
{
	CfgAdvertising *adv = &config->advertising;
	g_autofree char *type = get_raw(s, "Type");
	g_autofree char *local_name = NULL;
	g_auto(GStrv) solicit = NULL;
	g_autoptr(GStrvBuilder) solicit_kept = g_strv_builder_new();
	unsigned appearance = 0, min_interval = 0, max_interval = 0;
	bool min_given = false, max_given = false, min_ok, max_ok;
	int64_t tx_power = 0;

	check_keys(s, advertising_keys);
	get_bool(s, "Enabled", &adv->enabled);

	if (type && !strv_has(advertising_types, type)) {
		report(s, "Type", "'%s' is not peripheral or broadcast%s", type, comment_hint(type));
	} else if (type) {
		g_free(adv->type);
		adv->type = g_steal_pointer(&type);
	}

	if (get_string(s, "LocalName", &local_name) && local_name) {
		if (local_name[0] == '\0')
			report(s, "LocalName", "empty; leave LocalName out to advertise no name");
		else if (strlen(local_name) > LOCAL_NAME_MAX)
			report(s, "LocalName", "'%s' is %zu bytes; at most %d fit in an advertisement", local_name,
			       strlen(local_name), LOCAL_NAME_MAX);
		else
			adv->local_name = g_steal_pointer(&local_name);
	}

	if (get_uint(s, "Appearance", 0, 0xffff, &appearance, &adv->has_appearance) && adv->has_appearance)
		adv->appearance = (uint16_t) appearance;
	else
		adv->has_appearance = false;

	get_bool(s, "Discoverable", &adv->discoverable);
	get_uint(s, "DiscoverableTimeout", 0, 0xffff, &adv->discoverable_timeout, NULL);

	g_strfreev(adv->includes);
	adv->includes = get_name_set(s, "Includes", advertising_includes);

	load_manufacturer_data(adv, s);
	load_service_data(adv, s);

	if (get_list(s, "SolicitUUIDs", true, &solicit) && solicit) {
		for (size_t i = 0; solicit[i]; i++) {
			char uuid[UUID_STR_LEN + 1];
			if (parse_uuid(s, "SolicitUUIDs", solicit[i], uuid))
				g_strv_builder_add(solicit_kept, uuid);
		}
	}
	g_strfreev(adv->solicit_uuids);
	adv->solicit_uuids = g_strv_builder_end(solicit_kept);

	/* Both or neither: BlueZ has no sensible partner for a lone bound. */
	min_ok = get_uint(s, "MinIntervalMs", INTERVAL_MS_MIN, INTERVAL_MS_MAX, &min_interval, &min_given);
	max_ok = get_uint(s, "MaxIntervalMs", INTERVAL_MS_MIN, INTERVAL_MS_MAX, &max_interval, &max_given);
	if (min_given && !max_given)
		report(s, "MaxIntervalMs", "missing; MinIntervalMs and MaxIntervalMs go together");
	else if (max_given && !min_given)
		report(s, "MinIntervalMs", "missing; MinIntervalMs and MaxIntervalMs go together");
	else if (min_ok && max_ok && max_interval < min_interval)
		report(s, "MaxIntervalMs", "%u is below MinIntervalMs (%u)", max_interval, min_interval);
	else if (min_ok && max_ok) {
		adv->min_interval_ms = min_interval;
		adv->max_interval_ms = max_interval;
	}

	if (get_int(s, "TxPower", TX_POWER_MIN, TX_POWER_MAX, &tx_power, &adv->has_tx_power) &&
	    adv->has_tx_power)
		adv->tx_power = (int16_t) tx_power;
	else
		adv->has_tx_power = false;
}

/* ---- files ---- */

/*
 * Read a regular file of at most CONFIG_FILE_MAX bytes. O_NONBLOCK keeps a FIFO
 * dropped into services.d from hanging the daemon at open(). Returns 0 or -errno
 * (-EFBIG when too large, -EINVAL when not a regular file).
 */
static int read_file_limited(const char *path, GBytes **ret)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (st.st_size > CONFIG_FILE_MAX)
		r = -EFBIG;

	while (r == 0) {
		guint8 chunk[16384];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else if (n == 0)
			break;
		else if (buf->len + (size_t) n > CONFIG_FILE_MAX)
			r = -EFBIG; /* it grew since fstat() */
		else
			g_byte_array_append(buf, chunk, (guint) n);
	}
	close(fd);
	if (r < 0)
		return r;
	*ret = g_byte_array_free_to_bytes(g_steal_pointer(&buf));
	return 0;
}

static void report_read_error(GPtrArray *errors, const char *file, int r)
{
	const Section s = { .errors = errors, .file = file };

	if (r == -EFBIG)
		report(&s, NULL, "larger than %d bytes, not a config file", CONFIG_FILE_MAX);
	else if (r == -EINVAL)
		report(&s, NULL, "cannot read: not a regular file");
	else
		report(&s, NULL, "cannot read: %s", g_strerror(-r));
}

/*
 * GKeyFile silently merges a group that appears twice in one file, so an id
 * defined twice there would go unnoticed; count the header lines ourselves.
 */
static void check_duplicate_groups(const Section *file_section, const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) reported = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);
		size_t len = strlen(line);
		Section s = *file_section;

		if (len < 2 || line[0] != '[' || line[len - 1] != ']')
			continue;
		line[len - 1] = '\0';
		s.group = line + 1;
		if (!g_hash_table_add(seen, line + 1) && g_hash_table_add(reported, line + 1))
			report(&s, NULL, "group appears more than once in this file");
	}
}

/* Read, check and parse one file; NULL (problems reported) or NULL without problems if absent_ok. */
static GKeyFile *load_key_file(GPtrArray *errors, const char *path, const char *file, bool absent_ok)
{
	g_autoptr(GKeyFile) keyfile = g_key_file_new();
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;
	const Section s = { .errors = errors, .file = file };
	const char *text, *bad = NULL;
	gsize len;
	int r;

	r = read_file_limited(path, &bytes);
	if (r == -ENOENT && absent_ok)
		return NULL;
	if (r < 0) {
		report_read_error(errors, file, r);
		return NULL;
	}

	text = g_bytes_get_data(bytes, &len);
	if (!text)
		text = ""; /* empty GBytes may have no data pointer */
	if (len > 0 && memchr(text, '\0', len)) {
		report(&s, NULL, "contains a NUL byte, not a text file");
		return NULL;
	}
	/* Values are quoted back in messages and sent on D-Bus as strings. */
	if (len > 0 && !g_utf8_validate_len(text, len, &bad)) {
		unsigned line = 1;
		for (const char *p = text; p < bad; p++)
			line += *p == '\n';
		report(&s, NULL, "not valid UTF-8 (line %u)", line);
		return NULL;
	}

	/* Keep "Key[locale]" entries so they are reported as unknown keys, not dropped. */
	if (!g_key_file_load_from_data(keyfile, text, len, G_KEY_FILE_KEEP_TRANSLATIONS, &error)) {
		report(&s, NULL, "%s", error->message);
		return NULL;
	}
	{
		g_autofree char *copy = g_strndup(text, len);
		check_duplicate_groups(&s, copy);
	}
	return g_steal_pointer(&keyfile);
}

static void load_daemon_file(GattdConfig *config, const char *dir, GPtrArray *errors)
{
	g_autofree char *path = g_build_filename(dir, DAEMON_FILE, NULL);
	g_autoptr(GKeyFile) keyfile = load_key_file(errors, path, DAEMON_FILE, true);
	g_auto(GStrv) groups = NULL;

	if (!keyfile)
		return;
	groups = g_key_file_get_groups(keyfile, NULL);
	for (size_t i = 0; groups[i]; i++) {
		const Section s = { .errors = errors, .file = DAEMON_FILE, .group = groups[i], .keyfile = keyfile };

		if (strcmp(groups[i], "Daemon") == 0)
			load_daemon_group(config, &s);
		else if (strcmp(groups[i], "Advertising") == 0)
			load_advertising_group(config, &s);
		else if (g_str_has_prefix(groups[i], "Service ") || g_str_has_prefix(groups[i], "Characteristic ") ||
		         g_str_has_prefix(groups[i], "Descriptor "))
			report(&s, NULL, "belongs in " SERVICES_DIR "/*.conf, not in " DAEMON_FILE);
		else
			report(&s, NULL, "unknown group (expected [Daemon] or [Advertising])");
	}
}

static gint compare_file_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Returns false if the directory itself could not be read (reported). */
static bool load_services_dir(Loader *l, const char *dir)
{
	g_autofree char *dir_path = g_build_filename(dir, SERVICES_DIR, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(dir_path);
	struct dirent *entry;

	if (!d) {
		const Section s = { .errors = l->errors, .file = SERVICES_DIR };
		report(&s, NULL, "cannot read directory: %s", g_strerror(errno));
		return false;
	}
	while ((entry = readdir(d)))
		if (g_str_has_suffix(entry->d_name, ".conf"))
			g_ptr_array_add(names, g_strdup(entry->d_name));
	closedir(d);
	g_ptr_array_sort(names, compare_file_names);

	for (guint i = 0; i < names->len; i++) {
		const char *file_name = g_ptr_array_index(names, i);
		g_autofree char *path = g_build_filename(dir_path, file_name, NULL);
		/* Names are shown escaped wherever they appear: origins, duplicates, every problem. */
		g_autofree char *display_name = escape_text(file_name);
		g_autofree char *file = g_strconcat(SERVICES_DIR "/", display_name, NULL);
		g_autoptr(GKeyFile) keyfile = load_key_file(l->errors, path, file, false);
		g_auto(GStrv) groups = NULL;

		if (!keyfile) {
			l->file_failed = true;
			continue;
		}
		groups = g_key_file_get_groups(keyfile, NULL);
		for (size_t j = 0; groups[j]; j++) {
			const Section s = { .errors = l->errors, .file = file, .group = groups[j], .keyfile = keyfile };
			load_services_group(l, &s);
		}
	}
	return true;
}

/* ---- pass 2 ---- */

static void attach_characteristics(Loader *l)
{
	for (guint i = 0; i < l->pending_characteristics->len; i++) {
		Pending *p = g_ptr_array_index(l->pending_characteristics, i);
		CfgCharacteristic *c = p->object;
		g_autofree char *service_id = id_parent(c->id);
		CfgService *service = g_hash_table_lookup(l->services, service_id);
		const Section s = { .errors = l->errors, .file = p->file, .group = p->group };

		if (!service) {
			report(&s, NULL, "service '%s' is not defined (no [Service %s] in " SERVICES_DIR "/*.conf)",
			       service_id, service_id);
			continue;
		}
		g_ptr_array_add(service->characteristics, g_steal_pointer(&p->object));
	}
}

static void attach_descriptors(Loader *l)
{
	for (guint i = 0; i < l->pending_descriptors->len; i++) {
		Pending *p = g_ptr_array_index(l->pending_descriptors, i);
		CfgDescriptor *d = p->object;
		g_autofree char *characteristic_id = id_parent(d->id);
		CfgCharacteristic *c = g_hash_table_lookup(l->characteristics, characteristic_id);
		const Section s = { .errors = l->errors, .file = p->file, .group = p->group };

		if (!c) {
			report(&s, NULL, "characteristic '%s' is not defined (no [Characteristic %s] in "
			       SERVICES_DIR "/*.conf)", characteristic_id, characteristic_id);
			continue;
		}
		if (c->description && strcmp(d->uuid, UUID_USER_DESCRIPTION) == 0) {
			report(&s, "UUID", "0x2901 (User Description) clashes with Description= in %s; use one of them",
			       c->origin);
			continue;
		}
		if (c->description && strcmp(d->name, DESCRIPTION_NAME) == 0) {
			report(&s, NULL, "id '%s' is already used by the descriptor that Description= in %s generates",
			       d->id, c->origin);
			continue;
		}
		g_ptr_array_add(c->descriptors, g_steal_pointer(&p->object));
	}
}

static unsigned characteristic_handles(const CfgCharacteristic *c)
{
	const char *const *flags = (const char *const *) c->flags;
	unsigned handles = 2 + c->descriptors->len; /* declaration + value */

	if (flags_permissions(flags) & (GATT_PERM_NOTIFY | GATT_PERM_INDICATE))
		handles++; /* CCCD */
	if (flags && (g_strv_contains(flags, "reliable-write") || g_strv_contains(flags, "writable-auxiliaries")))
		handles++; /* extended properties */
	return handles;
}

static void check_handle_budget(const GattdConfig *config, GPtrArray *errors)
{
	const Section s = { .errors = errors, .file = SERVICES_DIR "/*.conf" };
	uint64_t handles = 0;

	for (guint i = 0; i < config->services->len; i++) {
		const CfgService *service = g_ptr_array_index(config->services, i);

		handles++;
		for (guint j = 0; j < service->characteristics->len; j++)
			handles += characteristic_handles(g_ptr_array_index(service->characteristics, j));
	}
	if (handles >= ATT_HANDLE_LIMIT)
		report(&s, NULL, "the services need %" G_GUINT64_FORMAT " ATT handles, more than the %d available",
		       handles, ATT_HANDLE_LIMIT - 1);
}

GattdConfig *config_load(const char *dir, GPtrArray *errors)
{
	g_autoptr(GPtrArray) own_errors = errors ? NULL : g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GattdConfig) config = NULL;
	guint errors_before;
	Loader l;

	if (!errors)
		errors = own_errors; /* the caller only wants to know whether it loads */
	errors_before = errors->len;
	config = config_new_defaults(dir);
	l = (Loader) {
		.errors = errors,
		.config = config,
		.id_files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.services = g_hash_table_new(g_str_hash, g_str_equal),
		.characteristics = g_hash_table_new(g_str_hash, g_str_equal),
		.pending_characteristics = g_ptr_array_new_with_free_func((GDestroyNotify) pending_free),
		.pending_descriptors = g_ptr_array_new_with_free_func((GDestroyNotify) pending_free),
	};

	load_daemon_file(config, dir, errors);
	/* After a file failed to load, "no services" would only repeat that problem. */
	if (load_services_dir(&l, dir) && l.n_services_defined == 0 && !l.file_failed) {
		const Section s = { .errors = errors, .file = SERVICES_DIR "/*.conf" };
		report(&s, NULL, "no services defined");
	}
	attach_characteristics(&l);
	attach_descriptors(&l);
	check_handle_budget(config, errors);

	/* Descriptors first: they may belong to characteristics still pending. */
	g_ptr_array_unref(l.pending_descriptors);
	g_ptr_array_unref(l.pending_characteristics);
	g_hash_table_unref(l.characteristics);
	g_hash_table_unref(l.services);
	g_hash_table_unref(l.id_files);

	if (errors->len > errors_before)
		return NULL;
	return g_steal_pointer(&config);
}

/* ---- queries ---- */

const CfgService *config_find_service(const GattdConfig *config, const char *id)
{
	for (guint i = 0; config && id && i < config->services->len; i++) {
		const CfgService *service = g_ptr_array_index(config->services, i);
		if (strcmp(service->id, id) == 0)
			return service;
	}
	return NULL;
}

int config_characteristic_value_fits(const CfgCharacteristic *c, size_t len, char **ret_reason)
{
	size_t fixed = c->has_type ? value_type_size(c->type) : 0;

	if (len > c->max_length) {
		if (ret_reason)
			*ret_reason = g_strdup_printf("%zu bytes, more than MaxLength=%u", len, c->max_length);
		return -EMSGSIZE;
	}
	if (fixed && len != fixed) {
		if (ret_reason)
			*ret_reason = g_strdup_printf("%zu bytes, where Type=%s takes %zu", len,
			                              value_type_name(c->type), fixed);
		return -EMSGSIZE;
	}
	return 0;
}

const CfgCharacteristic *config_find_characteristic(const GattdConfig *config, const char *id)
{
	g_autofree char *service_id = NULL;
	const CfgService *service;

	if (!id || !strchr(id, '/'))
		return NULL;
	service_id = id_parent(id);
	service = config_find_service(config, service_id);
	for (guint i = 0; service && i < service->characteristics->len; i++) {
		const CfgCharacteristic *c = g_ptr_array_index(service->characteristics, i);
		if (strcmp(c->id, id) == 0)
			return c;
	}
	return NULL;
}

const CfgDescriptor *config_find_descriptor(const GattdConfig *config, const char *id)
{
	g_autofree char *characteristic_id = NULL;
	const CfgCharacteristic *c;

	if (!id || !strchr(id, '/'))
		return NULL;
	characteristic_id = id_parent(id);
	c = config_find_characteristic(config, characteristic_id);
	for (guint i = 0; c && i < c->descriptors->len; i++) {
		const CfgDescriptor *d = g_ptr_array_index(c->descriptors, i);
		if (strcmp(d->id, id) == 0)
			return d;
	}
	return NULL;
}

void config_count(const GattdConfig *config, unsigned *ret_services, unsigned *ret_characteristics,
                  unsigned *ret_descriptors)
{
	unsigned n_characteristics = 0, n_descriptors = 0;

	for (guint i = 0; i < config->services->len; i++) {
		const CfgService *service = g_ptr_array_index(config->services, i);

		n_characteristics += service->characteristics->len;
		for (guint j = 0; j < service->characteristics->len; j++) {
			const CfgCharacteristic *c = g_ptr_array_index(service->characteristics, j);
			n_descriptors += c->descriptors->len;
		}
	}
	if (ret_services)
		*ret_services = config->services->len;
	if (ret_characteristics)
		*ret_characteristics = n_characteristics;
	if (ret_descriptors)
		*ret_descriptors = n_descriptors;
}

/* ---- summary ---- */

/* Longest values shown in full in a summary; the rest is elided. */
#define SUMMARY_HEX_MAX 32
#define SUMMARY_TEXT_MAX 80

static char *uuid_display_dup(const char *uuid)
{
	char out[UUID_STR_LEN + 1];

	uuid_to_display(uuid, out);
	return g_strdup(out);
}

static char *summary_hex(const guint8 *data, size_t len)
{
	g_autofree char *hex = value_to_hex(data, MIN(len, (size_t) SUMMARY_HEX_MAX));

	if (len > SUMMARY_HEX_MAX)
		return g_strdup_printf("%s... (%zu bytes)", hex, len);
	return g_steal_pointer(&hex);
}

/*
 * "u8:100 (hex 64)", "utf8:hi (hex 6869)", "hex:0102" or "empty". Text is
 * escaped so a value with a newline cannot forge summary lines.
 */
static char *summary_value(ValueType type, GBytes *value)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(value, &len);
	g_autofree char *hex = summary_hex(data, len);
	g_autofree char *text = NULL;

	if (len == 0 && value_type_size(type) == 0)
		return g_strdup("empty");
	if (type != VALUE_TYPE_HEX)
		text = value_format(type, data, len);
	if (text) {
		g_autofree char *shown = escape_text_cut(text, SUMMARY_TEXT_MAX);
		return g_strdup_printf("%s:%s (hex %s)", value_type_name(type), shown, hex);
	}
	return g_strdup_printf("hex:%s", hex);
}

static void summary_adapter(GString *out, const GattdConfig *config)
{
	g_autofree char *socket_path = escape_text(config->socket_path);

	switch (config->adapter_match) {
	case ADAPTER_MATCH_AUTO:
		g_string_append(out, "Adapter: auto (the first adapter that offers GATT)\n");
		break;
	case ADAPTER_MATCH_NAME:
		g_string_append_printf(out, "Adapter: %s\n", config->adapter);
		break;
	case ADAPTER_MATCH_ADDRESS:
		g_string_append_printf(out, "Adapter: address %s\n", config->adapter);
		break;
	}
	g_string_append_printf(out, "BlueZ retries: after %u ms, backing off to %u ms\n", config->retry_min_ms,
	                       config->retry_max_ms);
	g_string_append_printf(out, "Client socket: %s (mode %04o%s%s), at most %u clients\n", socket_path,
	                       config->socket_mode, config->socket_group ? ", group " : "",
	                       config->socket_group ? config->socket_group : "", config->max_clients);
}

static void summary_advertising(GString *out, const GattdConfig *config)
{
	const CfgAdvertising *adv = &config->advertising;
	g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func(g_free);

	if (!adv->enabled) {
		g_string_append(out, "Advertising: disabled\n");
		return;
	}
	g_string_append_printf(out, "Advertising: %s", adv->type);
	if (adv->local_name)
		g_string_append_printf(out, ", local name \"%s\"", adv->local_name);
	if (adv->has_appearance)
		g_string_append_printf(out, ", appearance 0x%04x", adv->appearance);
	if (!adv->discoverable)
		g_string_append(out, ", not discoverable");
	else if (adv->discoverable_timeout)
		g_string_append_printf(out, ", discoverable for %u s", adv->discoverable_timeout);
	else
		g_string_append(out, ", discoverable");
	g_string_append_c(out, '\n');

	for (guint i = 0; i < config->services->len; i++) {
		const CfgService *service = g_ptr_array_index(config->services, i);
		if (service->advertise)
			g_ptr_array_add(uuids, uuid_display_dup(service->uuid));
	}
	if (uuids->len > 0) {
		g_ptr_array_add(uuids, NULL);
		g_autofree char *list = g_strjoinv(", ", (char **) uuids->pdata);
		g_string_append_printf(out, "  service UUIDs: %s\n", list);
	}
	if (adv->includes[0]) {
		g_autofree char *list = g_strjoinv(", ", adv->includes);
		g_string_append_printf(out, "  includes: %s\n", list);
	}
	for (guint i = 0; i < adv->manufacturer_data->len; i++) {
		const CfgManufacturerData *m = g_ptr_array_index(adv->manufacturer_data, i);
		g_autofree char *value = summary_value(VALUE_TYPE_HEX, m->data);
		g_string_append_printf(out, "  manufacturer data 0x%04x: %s\n", m->company_id, value);
	}
	for (guint i = 0; i < adv->service_data->len; i++) {
		const CfgServiceData *sd = g_ptr_array_index(adv->service_data, i);
		g_autofree char *uuid = uuid_display_dup(sd->uuid);
		g_autofree char *value = summary_value(VALUE_TYPE_HEX, sd->data);
		g_string_append_printf(out, "  service data %s: %s\n", uuid, value);
	}
	if (adv->solicit_uuids[0]) {
		g_string_append(out, "  solicit UUIDs:");
		for (size_t i = 0; adv->solicit_uuids[i]; i++) {
			g_autofree char *uuid = uuid_display_dup(adv->solicit_uuids[i]);
			g_string_append_printf(out, "%s %s", i > 0 ? "," : "", uuid);
		}
		g_string_append_c(out, '\n');
	}
	if (adv->min_interval_ms)
		g_string_append_printf(out, "  interval: %u..%u ms\n", adv->min_interval_ms, adv->max_interval_ms);
	if (adv->has_tx_power)
		g_string_append_printf(out, "  tx power: %d dBm\n", adv->tx_power);
}

static void summary_descriptor(GString *out, const CfgDescriptor *d)
{
	g_autofree char *uuid = uuid_display_dup(d->uuid);
	g_autofree char *flags = g_strjoinv(", ", d->flags);
	/* A user description is text by definition; other descriptors have no Type=. */
	ValueType type = strcmp(d->uuid, UUID_USER_DESCRIPTION) == 0 ? VALUE_TYPE_UTF8 : VALUE_TYPE_HEX;
	g_autofree char *value = summary_value(type, d->value);

	g_string_append_printf(out, "    Descriptor %s: UUID %s, flags %s\n", d->id, uuid, flags);
	g_string_append_printf(out, "      value %s, max length %u\n", value, d->max_length);
}

static void summary_characteristic(GString *out, const CfgCharacteristic *c)
{
	g_autofree char *uuid = uuid_display_dup(c->uuid);
	g_autofree char *flags = g_strjoinv(", ", c->flags);
	g_autofree char *value = summary_value(c->type, c->value);

	g_string_append_printf(out, "  Characteristic %s: UUID %s, flags %s\n", c->id, uuid, flags);
	g_string_append_printf(out, "    type %s, value %s, max length %u\n",
	                       c->has_type ? value_type_name(c->type) : "hex (none given)", value, c->max_length);
	if (c->capture)
		g_string_append_printf(out, "    capture: up to %u writes queued for local clients\n", c->capture);
	for (guint i = 0; i < c->descriptors->len; i++)
		summary_descriptor(out, g_ptr_array_index(c->descriptors, i));
}

char *config_summary(const GattdConfig *config)
{
	g_autofree char *dir = escape_text(config->config_dir);
	GString *out = g_string_new(NULL);
	unsigned n_services, n_characteristics, n_descriptors;

	g_string_append_printf(out, "Configuration: %s\n", dir);
	summary_adapter(out, config);
	summary_advertising(out, config);

	for (guint i = 0; i < config->services->len; i++) {
		const CfgService *service = g_ptr_array_index(config->services, i);
		g_autofree char *uuid = uuid_display_dup(service->uuid);

		g_string_append_printf(out, "Service %s: UUID %s, %s%s\n", service->id, uuid,
		                       service->primary ? "primary" : "secondary",
		                       service->advertise ? ", advertised" : "");
		for (guint j = 0; j < service->characteristics->len; j++)
			summary_characteristic(out, g_ptr_array_index(service->characteristics, j));
	}

	config_count(config, &n_services, &n_characteristics, &n_descriptors);
	g_string_append_printf(out, "%u services, %u characteristics, %u descriptors\n", n_services,
	                       n_characteristics, n_descriptors);
	return g_string_free(out, FALSE);
}
