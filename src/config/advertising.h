/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config/advertising.h: the advertisement as a value (pure, no I/O): copying and
 * clearing a CfgAdvertising, the UUIDs of the Advertise=true services, how many
 * bytes of advertising data bluetoothd makes of it, and a local client's change
 * (the `advertise` command) applied to it after the same checks as the
 * configuration's. gatt/advertisement.c keeps the live copy on the bus.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/* A legacy advertisement's data, and its scan response, carry at most 31 bytes. */
#define CONFIG_ADV_LEGACY_MAX 31
/* LocalName goes into the scan response: its length and type byte, then the name. */
#define CONFIG_ADV_LOCAL_NAME_MAX (CONFIG_ADV_LEGACY_MAX - 2)
/* What one change may carry, before the size check (which allows far less). */
#define CONFIG_ADV_MAX_ITEMS 16

/* SecondaryChannel= values as bits (bluetoothd's names, LEAdvertisingManager1.SupportedSecondaryChannels). */
#define CONFIG_ADV_SECONDARY_1M (1u << 0)
#define CONFIG_ADV_SECONDARY_2M (1u << 1)
#define CONFIG_ADV_SECONDARY_CODED (1u << 2)
/* The bit of "1M", "2M" or "Coded" (any case), 0 for anything else; and the name of a bit. */
unsigned config_secondary_channel_bit(const char *name);
const char *config_secondary_channel_name(unsigned bit);
/* "1M, 2M" for bits (at most 3 names); "none" for 0. */
void config_secondary_channels_text(unsigned bits, GString *out);

/* What a client changes; everything else stays. */
typedef struct {
	char *name;                   /* the [Advertising NAME] it changes; NULL: [Advertising] */
	bool reset;                   /* start from the configuration's advertisement */
	int enabled;                  /* -1: unchanged; 0: stop; 1: start */
	bool has_local_name;
	char *local_name;             /* with has_local_name: the name, or NULL for none */
	char **service_uuids;         /* NULL: unchanged; else normalised, NULL-terminated, may be empty */
	GPtrArray *manufacturer_data; /* NULL: unchanged; else CfgManufacturerData*, may be empty */
	GPtrArray *service_data;      /* NULL: unchanged; else CfgServiceData*, may be empty */
} CfgAdvertisingChange;

void config_advertising_change_clear(CfgAdvertisingChange *change);
/* Whether change changes nothing (the `advertise` command that only asks). */
bool config_advertising_change_is_empty(const CfgAdvertisingChange *change);

/* New, empty lists of CfgManufacturerData* and CfgServiceData*, freeing their items. */
GPtrArray *config_manufacturer_data_list_new(void);
GPtrArray *config_service_data_list_new(void);
/* An item of each; data is referenced. */
CfgManufacturerData *config_manufacturer_data_new(uint16_t company_id, GBytes *data);
CfgServiceData *config_service_data_new(const char uuid[UUID_STR_LEN + 1], GBytes *data);

/* adv (zeroed, or cleared) gets [Advertising]'s defaults: enabled, peripheral, discoverable, empty lists. */
void config_advertising_init(CfgAdvertising *adv);
/* A new [Advertising NAME] set with the defaults, and freeing one (with what it owns). */
CfgAdvertising *config_advertising_new(const char *name);
void config_advertising_free(CfgAdvertising *adv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgAdvertising, config_advertising_free)
/* Its group's name as messages give it: "Advertising" or "Advertising NAME" (newly allocated). */
char *config_advertising_group(const CfgAdvertising *adv);
/* The [Advertising NAME] set of config called name; NULL when there is none. */
const CfgAdvertising *config_find_advertisement(const GattdConfig *config, const char *name);

/* dst becomes a deep copy of src (dst's old contents are not freed). */
void config_advertising_copy(CfgAdvertising *dst, const CfgAdvertising *src);
/* Free what adv owns and zero it. */
void config_advertising_clear(CfgAdvertising *adv);
/* The UUIDs of the services with Advertise=true, in load order (NULL-terminated). */
char **config_advertised_uuids(const GattdConfig *config);
/* The service UUIDs adv (config's [Advertising] or one of its sets) advertises: a new NULL-terminated copy. */
char **config_advertising_uuids(const GattdConfig *config, const CfgAdvertising *adv);

/*
 * The bytes of advertising data bluetoothd makes of adv with service_uuids, counted
 * as it counts them (the flags, what Includes= asks the kernel to add, each field
 * with its length and type bytes). When parts is given, it gets them one by one
 * ("flags 3 + service UUIDs 18 + ..."). The local name is not in it: it goes into
 * the scan response.
 */
unsigned config_advertising_size(const CfgAdvertising *adv, const char *const *service_uuids, GString *parts);

/*
 * The bytes of its scan response, likewise: the local name, and the scan response's
 * manufacturer and service data. (With Includes=local-name the kernel adds the
 * adapter's name, which is not counted.)
 */
unsigned config_advertising_scan_size(const CfgAdvertising *adv, GString *parts);

/*
 * Whether adv with service_uuids fits a legacy advertisement, its advertising data
 * and its scan response: 0, or -EMSGSIZE with *ret_error giving the byte count and
 * its parts.
 */
int config_advertising_check_size(const CfgAdvertising *adv, const char *const *service_uuids, char **ret_error);

/*
 * out (cleared first) becomes from with change applied, and *ret_uuids its service
 * UUIDs; change->reset starts from base and base_uuids (the configuration's)
 * instead. Returns 0, or -EINVAL / -EMSGSIZE with *ret_error and out cleared: a
 * company or UUID given twice, a local name too long or beside Includes=local-name,
 * the data over CONFIG_ADV_LEGACY_MAX bytes. change->enabled is the caller's to apply.
 */
int config_advertising_apply(const CfgAdvertising *from, const char *const *from_uuids, const CfgAdvertising *base,
                             const char *const *base_uuids, const CfgAdvertisingChange *change, CfgAdvertising *out,
                             char ***ret_uuids, char **ret_error);

/* Whether two NULL-terminated lists of an advertisement (UUIDs, Includes=) are the same; NULL is empty. */
bool config_advertising_list_equal(const char *const *a, const char *const *b);
/* Whether two lists of CfgManufacturerData* (or of CfgServiceData*) are the same, in order; NULL is empty. */
bool config_manufacturer_data_equal(const GPtrArray *a, const GPtrArray *b);
bool config_service_data_equal(const GPtrArray *a, const GPtrArray *b);
/* Whether a and b (with their service UUIDs) advertise the same. */
bool config_advertising_equal(const CfgAdvertising *a, const char *const *a_uuids, const CfgAdvertising *b,
                              const char *const *b_uuids);
