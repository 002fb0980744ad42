/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.h: the gattd configuration model and its loader.
 *
 * Loading is pure (files in, model or error list out): no D-Bus, so the unit
 * tests call it directly. Everything is validated here, before the daemon touches
 * the bus; the rest of gattd may trust a GattdConfig.
 *
 * src/config/: model.c (the model, its defaults, queries); config.c's
 * config_load() hands the loading to files.c, section.c, load-daemon.c, load-advertising.c and load-services.c
 * (loader.h, section.h, ids.h); summary.c prints --check-config's summary,
 * compare.c (compare.h) says what a reload changes, persist.c keeps Persist=
 * values, flags.c knows BlueZ's flag names.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "shared/att.h"
#include "shared/uuid.h"
#include "shared/value.h"

/* ATT caps attribute values at 512 bytes. */
#define GATTD_MAX_VALUE_LEN 512
/* Where local clients connect unless [Daemon] Socket= or --socket says otherwise. */
#define GATTD_DEFAULT_SOCKET "/run/gattd/gattd.sock"
/* Where Persist=true values live unless systemd's $STATE_DIRECTORY says otherwise. */
#define GATTD_DEFAULT_STATE_DIR "/var/lib/gattd"
/* Upper bound for Capture=. */
#define GATTD_MAX_CAPTURE 65536
/* Handler=: which requests of a central a local client answers (bits). */
#define CFG_HANDLE_READ 1u
#define CFG_HANDLE_WRITE 2u
/* Acquire=: the sockets bluetoothd may take instead of D-Bus calls (AcquireNotify, AcquireWrite). */
#define CFG_ACQUIRE_NOTIFY 1u
#define CFG_ACQUIRE_WRITE 2u
/* The User Description descriptor (0x2901) that Description= generates. */
#define CONFIG_UUID_USER_DESCRIPTION "00002901-0000-1000-8000-00805f9b34fb"

typedef enum {
	ADAPTER_MATCH_AUTO,    /* first adapter (by path) with GattManager1 */
	ADAPTER_MATCH_NAME,    /* "hci1" */
	ADAPTER_MATCH_ADDRESS, /* "00:AA:01:01:00:01", upper case */
} AdapterMatch;

typedef struct {
	char *id;            /* "battery/level/valid_range" */
	char *name;          /* "valid_range" */
	char uuid[UUID_STR_LEN + 1];
	char **flags;        /* NULL-terminated, each valid for a descriptor */
	GBytes *value;       /* initial value, never NULL (may be empty) */
	unsigned max_length; /* MaxLength=, default GATTD_MAX_VALUE_LEN */
	unsigned handler;    /* Handler=: CFG_HANDLE_* bits, 0 = gattd answers alone */
	char *origin;        /* "services.d/battery.conf [Descriptor battery/level/valid_range]" for messages */
} CfgDescriptor;

typedef struct {
	char *id;            /* "battery/level" */
	char *name;          /* "level" */
	char uuid[UUID_STR_LEN + 1];
	char **flags;        /* NULL-terminated, non-empty, each valid for a characteristic */
	bool has_type;       /* Type= given */
	ValueType type;      /* VALUE_TYPE_HEX when !has_type */
	GBytes *value;       /* initial value, never NULL (may be empty) */
	unsigned max_length; /* MaxLength=, default GATTD_MAX_VALUE_LEN, 1..512 */
	unsigned capture;    /* Capture=, 0 = off */
	bool persist;        /* Persist=, keep the last value across restarts */
	unsigned handler;    /* Handler=: CFG_HANDLE_* bits, 0 = gattd answers alone */
	bool handler_store;  /* HandlerFallback=store: with no handler, writes are stored (default refuse) */
	unsigned acquire;    /* Acquire=: CFG_ACQUIRE_* bits, 0 = every exchange over D-Bus */
	char *description;   /* Description= or NULL; becomes a read-only 0x2901 descriptor */
	GPtrArray *descriptors; /* CfgDescriptor*, in file order; the one Description=
	                           generates ("<id>/description", 0x2901, read) comes first,
	                           then the one Type= generates ("<id>/presentation", 0x2904,
	                           read; config/presentation.h) */
	char *origin;
} CfgCharacteristic;

typedef struct {
	char *id;            /* "battery" */
	char uuid[UUID_STR_LEN + 1];
	bool primary;        /* default true */
	bool advertise;      /* put UUID in the advertisement, default false */
	GPtrArray *characteristics; /* CfgCharacteristic*, in file order */
	char *origin;
} CfgService;

typedef struct {
	uint16_t company_id;
	GBytes *data;
} CfgManufacturerData;

typedef struct {
	char uuid[UUID_STR_LEN + 1];
	GBytes *data;
} CfgServiceData;

typedef struct {
	char *name;              /* [Advertising NAME]: NAME; NULL for [Advertising] */
	bool enabled;            /* default true */
	char *type;              /* "peripheral" (default) or "broadcast" */
	char *local_name;        /* NULL = none */
	bool has_appearance;
	uint16_t appearance;
	bool discoverable;       /* default true */
	unsigned discoverable_timeout; /* seconds, 0 = none */
	char **includes;         /* "tx-power", "appearance", "local-name"; NULL-terminated, may be empty */
	GPtrArray *manufacturer_data; /* CfgManufacturerData* */
	GPtrArray *service_data;      /* CfgServiceData* */
	char **solicit_uuids;         /* normalised; NULL-terminated, may be empty */
	unsigned min_interval_ms;     /* 0 = BlueZ default */
	unsigned max_interval_ms;     /* 0 = BlueZ default */
	bool has_tx_power;
	int16_t tx_power;             /* dBm, -127..20 */
	bool pause_while_connected;   /* PauseWhileConnected: not advertised while a central is connected */
	unsigned secondary_channel;   /* SecondaryChannel: one CONFIG_ADV_SECONDARY_* bit; 0 = none (legacy) */
	GPtrArray *scan_manufacturer_data; /* ScanResponseManufacturerData: CfgManufacturerData* */
	GPtrArray *scan_service_data;      /* ScanResponseServiceData: CfgServiceData* */
	/*
	 * [Advertising NAME] ServiceUUIDs= (normalised, may be empty); NULL for [Advertising],
	 * whose are the Advertise=true services'.
	 */
	char **service_uuids;
} CfgAdvertising;

/*
 * [Advertising NAME]: at most this many, NAME of 1..CONFIG_ADV_NAME_MAX letters, digits
 * and '_' (a D-Bus object path element).
 */
#define CONFIG_ADV_MAX_SETS 16
#define CONFIG_ADV_NAME_MAX 32

/* [Pairing] Method=: how gattd answers a central's pairing as BlueZ's agent. */
typedef enum {
	PAIRING_OFF,            /* no agent: BlueZ rejects every pairing */
	PAIRING_JUST_WORKS,     /* NoInputNoOutput: accepted while pairable (encrypted, not authenticated) */
	PAIRING_PASSKEY,        /* KeyboardOnly: Passkey= is what gattd enters */
	PAIRING_DISPLAY,        /* DisplayOnly: BlueZ's passkey goes to clients as a `passkey` event */
	PAIRING_CONFIRM,        /* DisplayYesNo: a local client accepts or rejects each pairing (`pairing-request`) */
} PairingMethod;

#define PAIRING_PASSKEY_MAX 999999u
/* ConfirmTimeoutMs: the kernel ends a pairing (and the link) 30 s after it began. */
#define PAIRING_CONFIRM_TIMEOUT_MIN_MS 1000u
#define PAIRING_CONFIRM_TIMEOUT_MAX_MS 30000u

typedef struct {
	PairingMethod method;       /* default PAIRING_OFF */
	unsigned passkey;           /* Method=passkey: 0..999999 (never logged) */
	bool pairable_always;       /* Pairable=always (default) or on-request */
	unsigned pairable_seconds;  /* PairableSeconds: a window's default length, default 120 */
	unsigned confirm_timeout_ms; /* ConfirmTimeoutMs: how long a `pairing-request` waits, default 20000 */
} CfgPairing;

typedef struct {
	char *config_dir;

	AdapterMatch adapter_match;
	char *adapter;           /* hciN or address for NAME/ADDRESS, NULL for AUTO */
	bool auto_power_on;      /* [Daemon] AutoPowerOn, default true: power the adapter on when found off */
	unsigned retry_min_ms;   /* [Daemon] RetryMinMs, default 500 */
	unsigned retry_max_ms;   /* [Daemon] RetryMaxMs, default 30000 */

	char *socket_path;       /* [Daemon] Socket, default GATTD_DEFAULT_SOCKET */
	unsigned socket_mode;    /* [Daemon] SocketMode (octal), default 0660 */
	char *socket_group;      /* [Daemon] SocketGroup, NULL = leave the group alone */
	unsigned max_clients;    /* [Daemon] MaxClients, default 64 (1..4096) */
	unsigned max_line_length;  /* [Daemon] MaxLineLength bytes, default 65536 (1024..16777216) */
	unsigned max_client_queue; /* [Daemon] MaxClientQueue bytes, default 1048576 (65536..268435456) */
	unsigned handler_timeout_ms;   /* [Daemon] HandlerTimeoutMs, default 3000 (100..ATT_HANDLER_TIMEOUT_MAX_MS) */
	unsigned max_handler_requests; /* [Daemon] MaxHandlerRequests, pending in all, default 256 (1..65536) */
	unsigned max_client_requests;  /* [Daemon] MaxClientRequests, pending per handler, default 64 (1..65536) */

	CfgAdvertising advertising;   /* [Advertising] */
	GPtrArray *advertisements;    /* CfgAdvertising* of the [Advertising NAME] groups, in file order */
	CfgPairing pairing;

	GPtrArray *services;     /* CfgService*, in load order (files lexical, groups in file order) */
	/* Every CfgCharacteristic* of services, borrowed: in service order, then file order. */
	GPtrArray *characteristics;
	GHashTable *characteristic_index; /* id -> CfgCharacteristic*, borrowed */
} GattdConfig;

/*
 * Load DIR/gattd.conf (optional: defaults when absent) and DIR/services.d/ *.conf
 * (lexical order; other names ignored). On any problem returns NULL and appends one
 * message per problem to errors (a GPtrArray of char*, g_free), each naming
 * file, group and key: "services.d/battery.conf: [Characteristic battery/level] Flags: unknown flag 'reed'".
 * File names in messages are relative to dir; every message is one line, file
 * names and quoted text with control characters escaped (escape.h).
 */
GattdConfig *config_load(const char *dir, GPtrArray *errors);
void config_free(GattdConfig *config);
/* "off", "just-works", "passkey", "display", "confirm": Method='s words. */
const char *config_pairing_method_name(PairingMethod method);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GattdConfig, config_free)

/* Lookups by id; NULL when absent. */
const CfgService *config_find_service(const GattdConfig *config, const char *id);
const CfgCharacteristic *config_find_characteristic(const GattdConfig *config, const char *id);
const CfgDescriptor *config_find_descriptor(const GattdConfig *config, const char *id);

/*
 * Whether len bytes may be c's value: at most MaxLength, and exactly the Type's size
 * for fixed-size types. 0, or -EMSGSIZE with *ret_reason (may be NULL) saying why,
 * e.g. "12 bytes, more than MaxLength=5".
 */
int config_characteristic_value_fits(const CfgCharacteristic *c, size_t len, char **ret_reason);

/* Counts for summaries. */
void config_count(const GattdConfig *config, unsigned *ret_services,
                  unsigned *ret_characteristics, unsigned *ret_descriptors);

/* Human-readable summary of what would be served (for --check-config; summary.c). */
char *config_summary(const GattdConfig *config);
