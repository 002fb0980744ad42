/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/app.c: the persistent GATT object tree (gatt/app.h): built from the
 * configuration, adopted after a reload, looked up, its values set and restored, and
 * what changes reported to the listeners. Its D-Bus face is gatt/objects.c, the rules
 * of a central's read and write gatt/access.c.
 */
#include "gatt/app.h"

#include <stddef.h>

#include "config/compare.h"
#include "config/flags.h"
#include "gatt/links.h"
#include "gatt/node.h"
#include "shared/listeners.h"
#include "shared/log.h"

struct GattApp {
	GattNode *nodes;           /* every object, in tree order (gatt/node.h) */
	unsigned n_nodes;
	GHashTable *nodes_by_id;   /* id -> GattNode* */
	GPtrArray *services;       /* GattService*, in the nodes */
	GPtrArray *chars;          /* GattChar*, in the nodes: every one, in tree order */
	ListenerList listeners;    /* GattAppListener */
	const GattdConfig *config;
	GattRequests *requests;    /* pending requests of local handlers (gatt/requests.c) */
	void (*requests_free)(GattRequests *requests);
	GattBluezFeatures features;
};

/* ---- the tree ---- */

static GByteArray *byte_array_from_bytes(GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;
	GByteArray *array = g_byte_array_sized_new((guint)len);

	if (len)
		g_byte_array_append(array, data, (guint)len);
	return array;
}

/* Take the next node: its place in the tree, id and path. */
static GattNode *add_node(GattApp *app, GattNodeKind kind, const GattNode *parent, const char *id,
                          const char *uuid)
{
	GattNode *node = &app->nodes[app->n_nodes++];

	node->kind = kind;
	node->parent = parent;
	node->id = id;
	node->uuid = uuid;
	/* "battery/level" -> "/org/gattd/app/battery/level": IDs are valid path elements by construction. */
	node->path = g_strconcat(GATT_APP_ROOT "/", id, NULL);
	g_hash_table_insert(app->nodes_by_id, (char *)id, node);
	return node;
}

/* What a characteristic and a descriptor take alike from their definition: flags and value. */
static void node_set_value(GattNode *node, char **flags, GBytes *initial, unsigned max_length)
{
	node->flags = flags;
	node->access = (GattAccess){
		.id = node->id,
		.value = byte_array_from_bytes(initial),
		.perms = flags_permissions((const char *const *)flags),
		.max_length = max_length,
	};
}

static void add_descriptor(GattApp *app, GattNode *parent, const CfgDescriptor *cd)
{
	GattNode *node = add_node(app, GATT_NODE_DESC, parent, cd->id, cd->uuid);

	node_set_value(node, cd->flags, cd->value, cd->max_length);
	node->handler = cd->handler;
	node->desc = (GattDesc){
		.cfg = cd, .chr = &parent->chr, .path = node->path, .value = node->access.value,
		.perms = node->access.perms,
	};
	node->handle = &node->desc.handle;
	g_ptr_array_add(parent->chr.descs, &node->desc);
}

static void add_characteristic(GattApp *app, GattNode *parent, const CfgCharacteristic *cc)
{
	GattNode *node = add_node(app, GATT_NODE_CHAR, parent, cc->id, cc->uuid);

	node_set_value(node, cc->flags, cc->value, cc->max_length);
	node->access.fixed_size = cc->has_type ? value_type_size(cc->type) : 0;
	node->handler = cc->handler;
	node->chr = (GattChar){
		.cfg = cc, .service = &parent->service, .path = node->path, .value = node->access.value,
		.perms = node->access.perms, .descs = g_ptr_array_new(),
	};
	node->handle = &node->chr.handle;
	g_ptr_array_add(parent->service.chars, &node->chr);
	g_ptr_array_add(app->chars, &node->chr);
	for (unsigned k = 0; k < cc->descriptors->len; k++)
		add_descriptor(app, node, cc->descriptors->pdata[k]);
}

static void add_service(GattApp *app, const CfgService *cs)
{
	GattNode *node = add_node(app, GATT_NODE_SERVICE, NULL, cs->id, cs->uuid);

	node->service = (GattService){ .cfg = cs, .app = app, .path = node->path, .chars = g_ptr_array_new() };
	node->handle = &node->service.handle;
	g_ptr_array_add(app->services, &node->service);
	for (unsigned j = 0; j < cs->characteristics->len; j++)
		add_characteristic(app, node, cs->characteristics->pdata[j]);
}

GattApp *gatt_app_new(const GattdConfig *config)
{
	GattApp *app = g_new0(GattApp, 1);
	unsigned n_services, n_chars, n_descs;

	config_count(config, &n_services, &n_chars, &n_descs);
	app->nodes = g_new0(GattNode, n_services + n_chars + n_descs);
	app->nodes_by_id = g_hash_table_new(g_str_hash, g_str_equal);
	app->services = g_ptr_array_new();
	app->chars = g_ptr_array_new();
	listener_list_init(&app->listeners);
	for (unsigned i = 0; i < config->services->len; i++)
		add_service(app, config->services->pdata[i]);
	g_assert(app->n_nodes == n_services + n_chars + n_descs);
	app->config = config;
	return app;
}

GattRequests *gatt_app_get_requests(GattApp *app)
{
	return app->requests;
}

void gatt_app_set_requests(GattApp *app, GattRequests *requests, void (*free_func)(GattRequests *requests))
{
	app->requests = requests;
	app->requests_free = free_func;
}

const GattdConfig *gatt_app_get_config(GattApp *app)
{
	return app->config;
}

GattApp *gatt_node_get_app(const GattNode *node)
{
	switch (node->kind) {
	case GATT_NODE_SERVICE:
		return node->service.app;
	case GATT_NODE_CHAR:
		return node->chr.service->app;
	default:
		return node->desc.chr->service->app;
	}
}

GattNode *gatt_app_get_nodes(GattApp *app, unsigned *ret_n_nodes)
{
	*ret_n_nodes = app->n_nodes;
	return app->nodes;
}

/* The definitions of node and was (same id, so same kind) agree in every key. */
static bool same_definition(const GattNode *node, const GattNode *was)
{
	switch (node->kind) {
	case GATT_NODE_CHAR:
		return config_characteristic_equal(node->chr.cfg, was->chr.cfg);
	case GATT_NODE_DESC:
		return config_descriptor_equal(node->desc.cfg, was->desc.cfg);
	default:
		return false;
	}
}

void gatt_app_adopt(GattApp *app, GattApp *old, bool same_tree)
{
	for (unsigned i = 0; i < app->n_nodes; i++) {
		GattNode *node = &app->nodes[i];
		const GattNode *was = g_hash_table_lookup(old->nodes_by_id, node->id);

		if (!was)
			continue;
		if (same_definition(node, was))
			gatt_value_replace(node->access.value, was->access.value->data, was->access.value->len);
		if (!same_tree)
			continue;
		if (node->kind == GATT_NODE_CHAR) {
			node->chr.notifying = was->chr.notifying;
			node->chr.start_notified = was->chr.start_notified;
			gatt_links_move(&node->chr, (GattChar *)&was->chr);
		}
	}
	app->features = old->features;
}

static void node_clear(GattNode *node)
{
	g_free(node->path);
	if (node->access.value)
		g_byte_array_unref(node->access.value);
	if (node->kind == GATT_NODE_SERVICE)
		g_ptr_array_unref(node->service.chars);
	if (node->kind == GATT_NODE_CHAR) {
		g_ptr_array_unref(node->chr.descs);
		if (node->chr.links)
			g_ptr_array_unref(node->chr.links);
	}
}

void gatt_app_free(GattApp *app)
{
	if (!app)
		return;
	/* First: settling a request reads its node. */
	if (app->requests)
		app->requests_free(app->requests);
	for (unsigned i = 0; i < app->n_nodes; i++)
		node_clear(&app->nodes[i]);
	g_free(app->nodes);
	g_hash_table_unref(app->nodes_by_id);
	g_ptr_array_unref(app->chars);
	g_ptr_array_unref(app->services);
	listener_list_clear(&app->listeners);
	g_free(app);
}

/* ---- listeners ---- */

LISTENERS_DEFINE_ADD_REMOVE(GattApp, gatt_app, GattAppListener)

void gatt_app_report_write(GattChar *chr, const GattWriteRequest *req, const char *device)
{
	GattApp *app = chr->service->app;

	LISTENERS_REPORT(&app->listeners, GattAppListener, value_changed, chr);
	LISTENERS_REPORT(&app->listeners, GattAppListener, write, chr, req->data, req->len, req->offset, device);
}

void gatt_app_report_confirm(GattChar *chr)
{
	GattApp *app = chr->service->app;

	LISTENERS_REPORT(&app->listeners, GattAppListener, confirm, chr);
}

void gatt_app_report_mtu(GattApp *app, const char *device, uint16_t mtu)
{
	if (device && mtu)
		LISTENERS_REPORT(&app->listeners, GattAppListener, mtu, device, mtu);
}

/* ---- lookups ---- */

GPtrArray *gatt_app_get_services(GattApp *app)
{
	return app->services;
}

GPtrArray *gatt_app_get_chars(GattApp *app)
{
	return app->chars;
}

GattChar *gatt_app_find_char(GattApp *app, const char *id)
{
	GattNode *node = g_hash_table_lookup(app->nodes_by_id, id);

	return node && node->kind == GATT_NODE_CHAR ? &node->chr : NULL;
}

unsigned gatt_app_count_notifying(GattApp *app)
{
	unsigned n = 0;

	for (unsigned i = 0; i < app->chars->len; i++)
		n += ((GattChar *)app->chars->pdata[i])->notifying;
	return n;
}

/* ---- state ---- */

uint16_t *gatt_app_find_handle(GattApp *app, const char *id)
{
	GattNode *node = g_hash_table_lookup(app->nodes_by_id, id);

	return node ? node->handle : NULL;
}

void gatt_app_reset_handles(GattApp *app)
{
	for (unsigned i = 0; i < app->n_nodes; i++)
		*app->nodes[i].handle = 0;
}

/* Notifying is StartNotify's state or any notify socket. */
static void update_notifying(GattChar *chr)
{
	GattApp *app = chr->service->app;
	bool notifying = chr->start_notified || gatt_links_notifying(chr);

	if (chr->notifying == notifying)
		return;
	chr->notifying = notifying;
	log_info("%s: centrals %s", chr->cfg->id, notifying ? "subscribed" : "unsubscribed");
	LISTENERS_REPORT(&app->listeners, GattAppListener, notifying_changed, chr);
}

void gatt_char_report_subscription(GattChar *chr, bool subscribed, const char *device)
{
	GattApp *app = chr->service->app;

	LISTENERS_REPORT(&app->listeners, GattAppListener, subscription, chr, subscribed, device);
	update_notifying(chr);
}

void gatt_char_set_notifying(GattChar *chr, bool notifying)
{
	if (chr->start_notified == notifying)
		return;
	chr->start_notified = notifying;
	gatt_char_report_subscription(chr, notifying, NULL);
}

void gatt_app_set_features(GattApp *app, const GattBluezFeatures *features)
{
	app->features = *features;
}

const GattBluezFeatures *gatt_app_get_features(GattApp *app)
{
	return &app->features;
}

bool gatt_char_can_notify(const GattChar *chr)
{
	return chr->perms & (GATT_PERM_NOTIFY | GATT_PERM_INDICATE);
}

int gatt_char_restore_value(GattChar *chr, const uint8_t *data, size_t len)
{
	int r = config_characteristic_value_fits(chr->cfg, len, NULL);

	if (r < 0)
		return r;
	gatt_value_replace(chr->value, data, len);
	return 0;
}

int gatt_char_set_value(GattChar *chr, const uint8_t *data, size_t len, bool notify)
{
	GattApp *app = chr->service->app;
	int r = gatt_char_restore_value(chr, data, len);

	if (r < 0)
		return r;
	LISTENERS_REPORT(&app->listeners, GattAppListener, value_changed, chr);
	/*
	 * With Acquire=notify, PropertiesChanged goes out whatever gattd counts: bluetoothd
	 * 5.69-5.87 can close the socket of a central still subscribed (bluez#1452), and
	 * delivers the signal only to subscribed centrals anyway.
	 */
	if (!notify || !(chr->notifying || (chr->cfg->acquire & CFG_ACQUIRE_NOTIFY)))
		return 0;
	LISTENERS_REPORT(&app->listeners, GattAppListener, notify, chr);
	return 1;
}
