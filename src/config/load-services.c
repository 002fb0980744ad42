/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * load-services.c: services.d/ *.conf, the GATT tree (loader.h).
 *
 * Every rule of [Service], [Characteristic] and [Descriptor] groups lives
 * here: the id grammar per group (ids.h), duplicate ids across files, the
 * services BlueZ provides itself and the descriptors it creates, Capture=
 * without a way to write, Description= and its generated 0x2901 descriptor,
 * Type=, Unit= and Exponent= and the 0x2904 descriptor they make, and whether
 * the whole tree fits in the ATT handle space.
 *
 * Loading runs in two passes: the first reads every file and group in load
 * order, the second attaches characteristics to services and descriptors to
 * characteristics, so a characteristic may sit in a different (even earlier)
 * file than its service.
 */
#include <string.h>

#include "config/flags.h"
#include "config/ids.h"
#include "config/loader.h"
#include "config/presentation.h"
#include "shared/escape.h"

/* ATT handles are 16-bit and 0 is invalid; the database must stay below this. */
#define ATT_HANDLE_LIMIT 65535
/* The id part of the descriptor that Description= generates. */
#define DESCRIPTION_NAME "description"
/* The id part of the 0x2904 descriptor that Type= generates. */
#define PRESENTATION_NAME "presentation"

static const char *const service_keys[] = { "UUID", "Primary", "Advertise", NULL };
static const char *const characteristic_keys[] = {
	"UUID", "Flags", "Type", "Value", "Description", "MaxLength", "Capture", "Persist",
	"Handler", "HandlerFallback", "Acquire", "Presentation", "Unit", "Exponent", NULL,
};
static const char *const descriptor_keys[] = { "UUID", "Flags", "Value", "MaxLength", "Handler", NULL };

/* A characteristic or descriptor read in pass 1, waiting for its parent. */
typedef struct {
	char *file;
	char *group;
	const char *id; /* the object's */
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
	GHashTable *presentations;   /* characteristic id -> Presentation* (the 0x2904 of its Type=) */
	unsigned n_services_defined;
	bool file_failed;            /* a services.d file could not be read or parsed */
} Loader;

static void pending_add(GPtrArray *list, const ConfigSection *s, const char *id, void *object,
                        GDestroyNotify free_object)
{
	Pending *p = g_new0(Pending, 1);

	p->file = g_strdup(s->file);
	p->group = g_strdup(s->group);
	p->id = id;
	p->object = object;
	p->free_object = free_object;
	g_ptr_array_add(list, p);
}

static char *origin_for(const ConfigSection *s)
{
	return g_strdup_printf("%s [%s]", s->file, s->group);
}

/* ---- pass 1: services.d groups ---- */

static void load_service(Loader *l, const ConfigSection *s, const char *id)
{
	g_autoptr(CfgService) service = g_new0(CfgService, 1);

	config_section_check_keys(s, service_keys);
	service->id = g_strdup(id);
	service->primary = true;
	service->characteristics = g_ptr_array_new_with_free_func((GDestroyNotify) config_characteristic_free);
	service->origin = origin_for(s);

	if (config_section_get_required_uuid(s, service->uuid)) {
		uint32_t short_uuid = 0;

		if (uuid_get_short(service->uuid, &short_uuid) && (short_uuid == 0x1800 || short_uuid == 0x1801))
			config_section_report(s, "UUID", "0x%04X is the %s service, which BlueZ provides itself",
			                      short_uuid, short_uuid == 0x1800 ? "Generic Access (GAP)"
			                                                       : "Generic Attribute (GATT)");
	}
	config_section_get_bool(s, "Primary", &service->primary);
	config_section_get_bool(s, "Advertise", &service->advertise);

	l->n_services_defined++;
	g_hash_table_insert(l->services, service->id, service);
	g_ptr_array_add(l->config->services, g_steal_pointer(&service));
}

/*
 * Handler=read;write: which requests a local handler answers. A request the flags
 * refuse never reaches a handler, so naming one the flags cannot grant is a mistake.
 */
static unsigned load_handler(const ConfigSection *s, char **flags)
{
	g_auto(GStrv) items = NULL;
	unsigned perms = flags ? flags_permissions((const char *const *)flags) : 0;
	unsigned handler = 0;

	if (!config_section_get_list(s, "Handler", true, &items) || !items)
		return 0;
	for (size_t i = 0; items[i]; i++) {
		if (strcmp(items[i], "read") == 0) {
			if (flags && !(perms & GATT_PERM_READ))
				config_section_report(s, "Handler", "'read' needs a read flag in Flags=");
			handler |= CFG_HANDLE_READ;
		} else if (strcmp(items[i], "write") == 0) {
			if (flags && !(perms & GATT_PERM_WRITE))
				config_section_report(s, "Handler", "'write' needs a write flag in Flags=");
			handler |= CFG_HANDLE_WRITE;
		} else {
			config_section_report(s, "Handler", "unknown request '%s' (expected read, write or both: "
			                      "read;write)", items[i]);
		}
	}
	if (!handler && !items[0])
		config_section_report(s, "Handler", "empty; give read, write or both (read;write)");
	return handler;
}

/*
 * Acquire=notify;write: bluetoothd hands notifications and writes over sockets
 * (AcquireNotify, AcquireWrite). bluetoothd answers a write that arrives by socket
 * itself, before gattd sees it, so gattd could refuse none: write takes only
 * characteristics whose one write flag is write-without-response (Write Commands get no
 * answer anyway; a central that sends a Write Request regardless gets bluetoothd's
 * success), and no Handler=write.
 */
static unsigned load_acquire(const ConfigSection *s, const CfgCharacteristic *c)
{
	g_auto(GStrv) items = NULL;
	unsigned perms = c->flags ? flags_permissions((const char *const *)c->flags) : 0;
	unsigned acquire = 0;

	if (!config_section_get_list(s, "Acquire", true, &items) || !items)
		return 0;
	for (size_t i = 0; items[i]; i++) {
		if (strcmp(items[i], "notify") == 0) {
			if (c->flags && !(perms & (GATT_PERM_NOTIFY | GATT_PERM_INDICATE)))
				config_section_report(s, "Acquire", "'notify' needs notify or indicate in Flags=");
			acquire |= CFG_ACQUIRE_NOTIFY;
		} else if (strcmp(items[i], "write") == 0) {
			if (c->flags && !flags_only_write_command((const char *const *)c->flags))
				config_section_report(s, "Acquire", "'write' needs write-without-response as the only write "
				                      "flag in Flags= (bluetoothd answers a write that comes by socket itself, "
				                      "so gattd could refuse none)");
			if (c->handler & CFG_HANDLE_WRITE)
				config_section_report(s, "Acquire", "'write' cannot go with Handler=write: a write that "
				                      "comes by socket is answered before a handler could decide");
			acquire |= CFG_ACQUIRE_WRITE;
		} else {
			config_section_report(s, "Acquire", "unknown socket '%s' (expected notify, write or both: "
			                      "notify;write)", items[i]);
		}
	}
	if (!acquire && !items[0])
		config_section_report(s, "Acquire", "empty; give notify, write or both (notify;write)");
	return acquire;
}

/* HandlerFallback=refuse|store: what a write no handler answers gets. Returns whether to store. */
static bool load_handler_fallback(const ConfigSection *s)
{
	g_autofree char *fallback = config_section_get_raw(s, "HandlerFallback");

	if (!fallback || strcmp(fallback, "refuse") == 0)
		return false;
	if (strcmp(fallback, "store") == 0)
		return true;
	config_section_report(s, "HandlerFallback", "'%s' is not refuse or store%s", fallback,
	                      config_section_comment_hint(fallback));
	return false;
}

/*
 * A read-only descriptor a key of characteristic c makes (Description=, Type=): id
 * "<c's id>/name", taking value; its origin names the key.
 */
static CfgDescriptor *generated_descriptor_new(const CfgCharacteristic *c, const char *name, const char *uuid,
                                               GBytes *value, unsigned max_length, const char *key)
{
	CfgDescriptor *d = g_new0(CfgDescriptor, 1);

	d->id = g_strdup_printf("%s/%s", c->id, name);
	d->name = g_strdup(name);
	memcpy(d->uuid, uuid, sizeof(d->uuid));
	d->flags = g_strdupv((char *[]) { "read", NULL });
	d->value = value;
	d->max_length = max_length;
	d->origin = g_strdup_printf("%s %s", c->origin, key);
	return d;
}

/* The 0x2904 a characteristic's Type= makes, until its own descriptors are known. */
typedef struct {
	CfgDescriptor *descriptor; /* NULL once attached */
	const char *asked_by;      /* "Unit=" etc. when the group asked for it, NULL when only Type= did */
} Presentation;

static void presentation_free(Presentation *p)
{
	if (p->descriptor)
		config_descriptor_free(p->descriptor);
	g_free(p);
}

static const char *type_name_or_none(const CfgCharacteristic *c)
{
	return c->has_type ? value_type_name(c->type) : "none";
}

/*
 * Unit=, Exponent= and Presentation= of characteristic c (Type= already read):
 * the 0x2904 they make goes to l->presentations, or none does.
 */
static void load_presentation(Loader *l, const ConfigSection *s, const CfgCharacteristic *c)
{
	g_autofree char *wanted_raw = config_section_get_raw(s, "Presentation");
	g_autofree char *unit_text = NULL;
	bool wanted = true, exponent_given = false, ok = true;
	int64_t exponent = 0;
	uint16_t unit = CONFIG_UNIT_UNITLESS;
	uint8_t format;
	Presentation *p;

	ok &= config_section_get_bool(s, "Presentation", &wanted);
	ok &= config_section_get_string(s, "Unit", &unit_text);
	ok &= config_section_get_int(s, "Exponent", INT8_MIN, INT8_MAX, &exponent, &exponent_given);
	if (unit_text) {
		g_autofree char *error = NULL;

		if (!c->has_type || !config_presentation_takes_unit(c->type)) {
			config_section_report(s, "Unit", "needs Type= of a number (u8 to i64, f32, f64); Type= is %s",
			                      type_name_or_none(c));
			ok = false;
		} else if (!config_unit_parse(unit_text, &unit, &error)) {
			config_section_report(s, "Unit", "%s", error);
			ok = false;
		}
	}
	if (exponent_given && (!c->has_type || !config_presentation_takes_exponent(c->type))) {
		config_section_report(s, "Exponent", "needs Type= of an integer (u8 to i64); Type= is %s",
		                      type_name_or_none(c));
		ok = false;
	}
	if (!wanted && (unit_text || exponent_given)) {
		config_section_report(s, unit_text ? "Unit" : "Exponent",
		                      "describes the 0x2904 descriptor that Presentation=false turns off");
		ok = false;
	}
	if (wanted && wanted_raw && !(c->has_type && config_presentation_format(c->type, &format))) {
		config_section_report(s, "Presentation",
		                      "true needs Type= of a format (bool, u8 to i64, f32, f64, utf8); Type= is %s",
		                      type_name_or_none(c));
		ok = false;
	}
	if (!ok || !wanted || !c->has_type || !config_presentation_format(c->type, &format))
		return;

	p = g_new0(Presentation, 1);
	p->asked_by = unit_text ? "Unit=" : exponent_given ? "Exponent=" : wanted_raw ? "Presentation=true" : NULL;
	p->descriptor = generated_descriptor_new(c, PRESENTATION_NAME, CONFIG_UUID_PRESENTATION_FORMAT,
	                                         config_presentation_value(c->type, (int8_t) exponent, unit),
	                                         CONFIG_PRESENTATION_SIZE, "Type=");
	g_hash_table_replace(l->presentations, g_strdup(c->id), p);
}

static void load_characteristic(Loader *l, const ConfigSection *s, const char *id)
{
	g_autoptr(CfgCharacteristic) c = g_new0(CfgCharacteristic, 1);
	ConfigValueSettings settings;
	bool capture_given = false;
	unsigned capture = 0;

	config_section_check_keys(s, characteristic_keys);
	c->id = g_strdup(id);
	c->name = config_id_last_part(id);
	c->descriptors = g_ptr_array_new_with_free_func((GDestroyNotify) config_descriptor_free);
	c->origin = origin_for(s);

	config_section_get_required_uuid(s, c->uuid);
	config_section_get_flags(s, false, &c->flags);

	config_section_get_value_settings(s, true, &settings);
	c->has_type = settings.has_type;
	c->type = settings.type;
	c->value = settings.value;
	c->max_length = settings.max_length;

	if (config_section_get_uint(s, "Capture", 1, GATTD_MAX_CAPTURE, &capture, &capture_given) && capture_given) {
		/* Without a write flag the queue could never fill; say so rather than ignore it. */
		if (c->flags && !(flags_permissions((const char *const *) c->flags) & GATT_PERM_WRITE))
			config_section_report(s, "Capture",
			                      "needs a write flag in Flags= (write, write-without-response, "
			                      "reliable-write, authenticated-signed-writes "
			                      "or an encrypt-/secure- write)");
		else
			c->capture = capture;
	}

	config_section_get_bool(s, "Persist", &c->persist);
	c->handler = load_handler(s, c->flags);
	c->handler_store = load_handler_fallback(s);
	c->acquire = load_acquire(s, c);

	if (config_section_get_string(s, "Description", &c->description) && c->description) {
		size_t len = strlen(c->description);

		if (len > GATTD_MAX_VALUE_LEN)
			config_section_report(s, "Description", "%zu bytes, longer than the %d an attribute holds", len,
			                      GATTD_MAX_VALUE_LEN);
		else
			g_ptr_array_add(c->descriptors,
			                generated_descriptor_new(c, DESCRIPTION_NAME, CONFIG_UUID_USER_DESCRIPTION,
			                                         g_bytes_new(c->description, len), GATTD_MAX_VALUE_LEN,
			                                         "Description"));
	}
	load_presentation(l, s, c);

	g_hash_table_insert(l->characteristics, c->id, c);
	pending_add(l->pending_characteristics, s, c->id, c, (GDestroyNotify) config_characteristic_free);
	c = NULL; /* the pending list owns it */
}

static void load_descriptor(Loader *l, const ConfigSection *s, const char *id)
{
	g_autoptr(CfgDescriptor) d = g_new0(CfgDescriptor, 1);
	ConfigValueSettings settings;

	config_section_check_keys(s, descriptor_keys);
	d->id = g_strdup(id);
	d->name = config_id_last_part(id);
	d->origin = origin_for(s);

	if (config_section_get_required_uuid(s, d->uuid)) {
		uint32_t short_uuid = 0;

		if (!uuid_get_short(d->uuid, &short_uuid))
			short_uuid = 0;
		if (short_uuid == 0x2902)
			config_section_report(s, "UUID",
			                      "0x2902 (Client Characteristic Configuration) is created by BlueZ "
			                      "for characteristics with notify or indicate");
		else if (short_uuid == 0x2900)
			config_section_report(s, "UUID",
			                      "0x2900 (Characteristic Extended Properties) is created by BlueZ "
			                      "for characteristics with reliable-write or writable-auxiliaries");
	}
	config_section_get_flags(s, true, &d->flags);

	config_section_get_value_settings(s, false, &settings);
	d->value = settings.value;
	d->max_length = settings.max_length;
	d->handler = load_handler(s, d->flags);

	pending_add(l->pending_descriptors, s, d->id, d, (GDestroyNotify) config_descriptor_free);
	d = NULL; /* the pending list owns it */
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

static void load_services_group(Loader *l, const ConfigSection *s)
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
		if (strcmp(group, "Daemon") == 0 || strcmp(group, "Advertising") == 0 || strcmp(group, "Pairing") == 0)
			config_section_report(s, NULL,
			                      "belongs in " CONFIG_DAEMON_FILE ", not in " CONFIG_SERVICES_DIR "/");
		else
			config_section_report(s, NULL,
			                      "unknown group (expected [Service ID], [Characteristic ID] or "
			                      "[Descriptor ID])");
		return;
	}
	if (!config_id_is_valid(id, group_kinds[kind].n_parts)) {
		config_section_report(s, NULL,
		                      "invalid id '%s': expected %s, each part 1-%d characters of A-Z, a-z, 0-9 and _",
		                      id, group_kinds[kind].expected, CONFIG_ID_PART_MAX);
		return;
	}
	first_file = g_hash_table_lookup(l->id_files, id);
	if (first_file) {
		config_section_report(s, NULL, "duplicate id '%s', already defined in %s", id, first_file);
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

/* Pass 1 over DIR/services.d; returns false if the directory itself could not be read (reported). */
static bool load_services_dir(Loader *l, const char *dir)
{
	g_autofree char *dir_path = g_build_filename(dir, CONFIG_SERVICES_DIR, NULL);
	g_autoptr(GPtrArray) names = config_files_list_services(l->errors, dir);

	if (!names)
		return false;
	for (guint i = 0; i < names->len; i++) {
		const char *file_name = g_ptr_array_index(names, i);
		g_autofree char *path = g_build_filename(dir_path, file_name, NULL);
		/* Names are shown escaped wherever they appear: origins, duplicates, every problem. */
		g_autofree char *display_name = escape_text(file_name);
		g_autofree char *file = g_strconcat(CONFIG_SERVICES_DIR "/", display_name, NULL);
		g_autoptr(GKeyFile) keyfile = config_files_load_key_file(l->errors, path, file, false, NULL);
		g_auto(GStrv) groups = NULL;

		if (!keyfile) {
			l->file_failed = true;
			continue;
		}
		groups = g_key_file_get_groups(keyfile, NULL);
		for (size_t j = 0; groups[j]; j++) {
			const ConfigSection s = {
				.errors = l->errors, .file = file, .group = groups[j], .keyfile = keyfile,
			};
			load_services_group(l, &s);
		}
	}
	return true;
}

/* ---- pass 2 ---- */

/*
 * The parent of a pending characteristic or descriptor, found in parents by
 * the id its own id names, or NULL after reporting that no [GROUP ID] defines it.
 */
static void *pending_parent(const Loader *l, const Pending *p, GHashTable *parents, const char *kind,
                            const char *group)
{
	g_autofree char *parent_id = config_id_parent(p->id);
	void *parent = g_hash_table_lookup(parents, parent_id);
	const ConfigSection s = { .errors = l->errors, .file = p->file, .group = p->group };

	if (!parent)
		config_section_report(&s, NULL, "%s '%s' is not defined (no [%s %s] in " CONFIG_SERVICES_DIR "/*.conf)",
		                      kind, parent_id, group, parent_id);
	return parent;
}

static void attach_characteristics(Loader *l)
{
	for (guint i = 0; i < l->pending_characteristics->len; i++) {
		Pending *p = g_ptr_array_index(l->pending_characteristics, i);
		CfgService *service = pending_parent(l, p, l->services, "service", "Service");

		if (service)
			g_ptr_array_add(service->characteristics, g_steal_pointer(&p->object));
	}
}

/*
 * Whether descriptor d of the files may join c beside the 0x2904 c's Type= makes. A
 * characteristic that declares its own 0x2904 keeps it (as configurations written
 * before gattd made one do) and gets none from gattd, unless its group asked for
 * gattd's with Unit=, Exponent= or Presentation=true.
 */
static bool presentation_allows(Loader *l, const ConfigSection *s, const CfgCharacteristic *c,
                                const CfgDescriptor *d)
{
	const Presentation *p = g_hash_table_lookup(l->presentations, c->id);

	if (!p)
		return true;
	if (strcmp(d->uuid, CONFIG_UUID_PRESENTATION_FORMAT) == 0) {
		if (!p->asked_by) {
			g_hash_table_remove(l->presentations, c->id);
			return true;
		}
		config_section_report(s, "UUID", "0x2904 (Presentation Format) clashes with the one %s in %s makes; "
		                      "use one of them", p->asked_by, c->origin);
		return false;
	}
	if (strcmp(d->name, PRESENTATION_NAME) == 0) {
		config_section_report(s, NULL, "id '%s' is already used by the 0x2904 descriptor that Type= in %s "
		                      "generates (Presentation=false turns it off)", d->id, c->origin);
		return false;
	}
	return true;
}

static void attach_descriptors(Loader *l)
{
	for (guint i = 0; i < l->pending_descriptors->len; i++) {
		Pending *p = g_ptr_array_index(l->pending_descriptors, i);
		CfgDescriptor *d = p->object;
		CfgCharacteristic *c = pending_parent(l, p, l->characteristics, "characteristic", "Characteristic");
		const ConfigSection s = { .errors = l->errors, .file = p->file, .group = p->group };

		if (!c)
			continue;
		if (c->description && strcmp(d->uuid, CONFIG_UUID_USER_DESCRIPTION) == 0) {
			config_section_report(&s, "UUID",
			                      "0x2901 (User Description) clashes with Description= in %s; "
			                      "use one of them",
			                      c->origin);
			continue;
		}
		if (c->description && strcmp(d->name, DESCRIPTION_NAME) == 0) {
			config_section_report(&s, NULL,
			                      "id '%s' is already used by the descriptor that Description= in %s "
			                      "generates",
			                      d->id, c->origin);
			continue;
		}
		if (!presentation_allows(l, &s, c, d))
			continue;
		g_ptr_array_add(c->descriptors, g_steal_pointer(&p->object));
	}
}

/* The 0x2904 each Type= makes goes after the 0x2901 of Description=, before the descriptors of the files. */
static void attach_presentations(Loader *l)
{
	GHashTableIter iter;
	const char *id;
	Presentation *p;

	g_hash_table_iter_init(&iter, l->presentations);
	while (g_hash_table_iter_next(&iter, (gpointer *) &id, (gpointer *) &p)) {
		CfgCharacteristic *c = g_hash_table_lookup(l->characteristics, id);

		if (c)
			g_ptr_array_insert(c->descriptors, c->description ? 1 : 0, g_steal_pointer(&p->descriptor));
	}
}

/* HandlerFallback=store says what a handler's writes get without it: a write handler must exist. */
static void check_handler_fallbacks(Loader *l)
{
	for (guint i = 0; i < l->pending_characteristics->len; i++) {
		Pending *p = g_ptr_array_index(l->pending_characteristics, i);
		const CfgCharacteristic *c = g_hash_table_lookup(l->characteristics, p->id);
		const ConfigSection s = { .errors = l->errors, .file = p->file, .group = p->group };
		bool writes_handled;

		if (!c || !c->handler_store)
			continue;
		writes_handled = c->handler & CFG_HANDLE_WRITE;
		for (guint k = 0; k < c->descriptors->len; k++)
			writes_handled |= ((const CfgDescriptor *)c->descriptors->pdata[k])->handler & CFG_HANDLE_WRITE;
		if (!writes_handled)
			config_section_report(&s, "HandlerFallback",
			                      "store applies to writes a handler answers, and no Handler= of %s or its "
			                      "descriptors names write", c->id);
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

void config_services_check_handles(const GattdConfig *config, GPtrArray *errors)
{
	const ConfigSection s = { .errors = errors, .file = CONFIG_SERVICES_DIR "/*.conf" };
	uint64_t handles = config->services->len; /* a declaration each */

	for (guint i = 0; i < config->characteristics->len; i++)
		handles += characteristic_handles(g_ptr_array_index(config->characteristics, i));
	if (handles >= ATT_HANDLE_LIMIT)
		config_section_report(&s, NULL,
		                      "the services need %" G_GUINT64_FORMAT " ATT handles, more than the %d available",
		                      handles, ATT_HANDLE_LIMIT - 1);
}

void config_services_load(GattdConfig *config, const char *dir, GPtrArray *errors)
{
	Loader l = {
		.errors = errors,
		.config = config,
		.id_files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.services = g_hash_table_new(g_str_hash, g_str_equal),
		.characteristics = g_hash_table_new(g_str_hash, g_str_equal),
		.pending_characteristics = g_ptr_array_new_with_free_func((GDestroyNotify) pending_free),
		.pending_descriptors = g_ptr_array_new_with_free_func((GDestroyNotify) pending_free),
		.presentations = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		                                       (GDestroyNotify) presentation_free),
	};

	/* After a file failed to load, "no services" would only repeat that problem. */
	if (load_services_dir(&l, dir) && l.n_services_defined == 0 && !l.file_failed) {
		const ConfigSection s = { .errors = errors, .file = CONFIG_SERVICES_DIR "/*.conf" };
		config_section_report(&s, NULL, "no services defined");
	}
	attach_characteristics(&l);
	attach_descriptors(&l);
	attach_presentations(&l);
	check_handler_fallbacks(&l);

	/* Descriptors first: they may belong to characteristics still pending. */
	g_ptr_array_unref(l.pending_descriptors);
	g_ptr_array_unref(l.pending_characteristics);
	g_hash_table_unref(l.presentations);
	g_hash_table_unref(l.characteristics);
	g_hash_table_unref(l.services);
	g_hash_table_unref(l.id_files);
}
