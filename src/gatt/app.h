/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gatt/app.h: the one persistent GATT application.
 *
 * Built once from the configuration, these objects and their values live as long as
 * the process: every registration with BlueZ, however many, serves the same objects
 * and the same current values. gatt/app.c owns the model; gatt/objects.c serves it
 * as org.bluez.GattService1, GattCharacteristic1 and GattDescriptor1 as bluetoothd
 * expects them; gatt/access.c holds the rules a central's read or write must meet.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

#define GATT_APP_ROOT "/org/gattd/app"

typedef struct GattApp GattApp;
typedef struct GattService GattService;
typedef struct GattChar GattChar;
typedef struct GattDesc GattDesc;

struct GattDesc {
	const CfgDescriptor *cfg;
	GattChar *chr;
	char *path;
	GByteArray *value;
	unsigned perms;          /* GattPerm bits */
	uint16_t handle;         /* as written back by BlueZ; 0 = let BlueZ choose */
};

struct GattChar {
	const CfgCharacteristic *cfg;
	GattService *service;
	char *path;
	GByteArray *value;
	unsigned perms;
	bool notifying;          /* some central subscribed: StartNotify, or a notify socket (Acquire=notify) */
	bool start_notified;     /* BlueZ called StartNotify and no StopNotify since */
	uint16_t handle;
	GPtrArray *descs;        /* GattDesc* */
	GPtrArray *links;        /* the sockets bluetoothd acquired (gatt/links.c), or NULL */
};

struct GattService {
	const CfgService *cfg;
	GattApp *app;
	char *path;
	uint16_t handle;
	GPtrArray *chars;        /* GattChar* */
};

/*
 * What the bluetoothd in use does with acquired sockets (tests/vm/bluez-versions.md 8.7),
 * as the daemon probes it from Adapter1's properties; both false until known.
 */
typedef struct {
	bool per_device_fds;   /* one socket per central (5.69+; probed as 5.71+: Adapter1.Manufacturer) */
	bool targeted_notify;  /* a notification written to one reaches only that central (5.76+;
	                          probed as 5.79+: Adapter1.Connectable) */
	/* Advertising: the adapter has LEAdvertisingManager1, and its SupportedSecondaryChannels as
	 * CONFIG_ADV_SECONDARY_* bits. */
	bool advertising;
	unsigned secondary_channels;
	/* SecondaryChannel leaves the other flags alone (5.66+, probed by Adapter1.PowerState; bluez 2e4327816). */
	bool secondary_keeps_flags;
	/* It may read the ScanResponse* properties (5.80+ with --experimental; probed as 5.79+: Adapter1.Connectable). */
	bool scan_response;
} GattBluezFeatures;

/* What the rest of gattd hears about from centrals. All optional. */
typedef struct {
	/* A central's write was accepted and stored (the full new value is chr->value). */
	void (*write)(GattChar *chr, const uint8_t *data, size_t len, uint16_t offset,
	              const char *device, void *user_data);
	void (*notifying_changed)(GattChar *chr, void *user_data);
	/*
	 * A central subscribed or unsubscribed: device is its path when BlueZ said
	 * (AcquireNotify), NULL when not (StartNotify, StopNotify carry nothing).
	 */
	void (*subscription)(GattChar *chr, bool subscribed, const char *device, void *user_data);
	void (*confirm)(GattChar *chr, void *user_data);
	/* chr->value changed, by a central's write or a local set (not by a reload's carry-over). */
	void (*value_changed)(GattChar *chr, void *user_data);
	/* A local set asks for chr's new value to reach the subscribed centrals (chr->notifying). */
	void (*notify)(GattChar *chr, void *user_data);
	/* A call from BlueZ named the central at device (its object path) with this ATT MTU. */
	void (*mtu)(const char *device, uint16_t mtu, void *user_data);
} GattAppListener;

/* Build the tree from config (which must outlive the app); nothing is exported yet. */
GattApp *gatt_app_new(const GattdConfig *config);
/*
 * After a reload, take over what old (still exported, about to be freed) knew:
 * the current value of every characteristic and descriptor whose definition is
 * unchanged and, when the tree BlueZ sees is unchanged (same_tree), which
 * characteristics centrals subscribed to. The handles are the daemon's to carry
 * (daemon/handles.c, service by service).
 */
void gatt_app_adopt(GattApp *app, GattApp *old, bool same_tree);
void gatt_app_free(GattApp *app);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GattApp, gatt_app_free)

/* Add a listener (shared/listeners.h); returns its id for gatt_app_remove_listener(). */
unsigned gatt_app_add_listener(GattApp *app, const GattAppListener *listener, void *user_data);
void gatt_app_remove_listener(GattApp *app, unsigned id);

GPtrArray *gatt_app_get_services(GattApp *app);  /* GattService*, borrowed */
/* Every characteristic of every service, in tree order (GattChar*, borrowed): the one walk over them. */
GPtrArray *gatt_app_get_chars(GattApp *app);
GattChar *gatt_app_find_char(GattApp *app, const char *id);
unsigned gatt_app_count_notifying(GattApp *app);

/* The handle of the service, characteristic (its value) or descriptor with this id; NULL if none. */
uint16_t *gatt_app_find_handle(GattApp *app, const char *id);
/* Forget the handles BlueZ wrote back so the next registration lets it choose afresh. */
void gatt_app_reset_handles(GattApp *app);
/* BlueZ lost every subscription (adapter or bluetoothd gone): clear Notifying, close the sockets. */
void gatt_app_reset_notifying(GattApp *app);
void gatt_app_set_features(GattApp *app, const GattBluezFeatures *features);
const GattBluezFeatures *gatt_app_get_features(GattApp *app);

/*
 * Notify chr's current value to the one central at device (its path), through the
 * socket BlueZ acquired for it. check_only: only say whether it could. Returns 0;
 * -EOPNOTSUPP without Acquire=notify, or when the BlueZ in use sends what is written to
 * one socket to every subscriber; -ENOENT when that central has no socket (it did not
 * subscribe, or is a bonded central that came back without writing its CCC again);
 * and when sending: -EMSGSIZE for an empty value (BlueZ would stop reading the socket),
 * -EAGAIN when its socket is full, -EIO.
 */
int gatt_char_notify_device(GattChar *chr, const char *device, bool check_only);
/*
 * The ids of the characteristics the central at device (its path) subscribed to as
 * far as BlueZ said: those with a notify socket of its own (borrowed strings, in tree
 * order). Empty when BlueZ shares one socket between centrals, or did not say.
 */
GPtrArray *gatt_app_subscriptions_of(GattApp *app, const char *device);

/* The characteristic has notify or indicate (in any of their encrypt-/secure- forms). */
bool gatt_char_can_notify(const GattChar *chr);

/*
 * Set the value without notifying anyone or reporting a change (restoring a persisted
 * value at start). Same length rules as gatt_char_set_value.
 */
int gatt_char_restore_value(GattChar *chr, const uint8_t *data, size_t len);

/*
 * Store a new value (from a local client). Returns -EMSGSIZE if longer than MaxLength
 * or not of the characteristic's fixed Type size. With notify, and centrals subscribed,
 * the listeners hear notify (gatt/objects.c sends PropertiesChanged(Value), BlueZ's
 * notification); returns 1 if a notification was asked for, else 0.
 */
int gatt_char_set_value(GattChar *chr, const uint8_t *data, size_t len, bool notify);
