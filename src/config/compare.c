/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare.c: what a reload changes, by comparing two loaded configurations
 * (compare.h). Pure: the daemon decides from these whether BlueZ must see the
 * tree again and which current values survive.
 */
#include "config/compare.h"

#include "config/advertising.h"

#include <string.h>

static bool strv_equal(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	return g_strv_equal((const char *const *)a, (const char *const *)b);
}

static bool bytes_equal(GBytes *a, GBytes *b)
{
	if (!a || !b)
		return a == b;
	return g_bytes_equal(a, b);
}

static bool same_attribute(const char *id_a, const char *uuid_a, char **flags_a, const char *id_b,
                           const char *uuid_b, char **flags_b)
{
	return strcmp(id_a, id_b) == 0 && strcmp(uuid_a, uuid_b) == 0 && strv_equal(flags_a, flags_b);
}

static bool same_characteristic_shape(const CfgCharacteristic *a, const CfgCharacteristic *b)
{
	/* Acquire= shows as properties bluetoothd reads at registration. */
	if (!same_attribute(a->id, a->uuid, a->flags, b->id, b->uuid, b->flags) || a->acquire != b->acquire ||
	    a->descriptors->len != b->descriptors->len)
		return false;
	for (unsigned i = 0; i < a->descriptors->len; i++) {
		const CfgDescriptor *da = a->descriptors->pdata[i], *db = b->descriptors->pdata[i];

		if (!same_attribute(da->id, da->uuid, da->flags, db->id, db->uuid, db->flags))
			return false;
	}
	return true;
}

bool config_same_tree(const GattdConfig *a, const GattdConfig *b)
{
	if (a->services->len != b->services->len)
		return false;
	for (unsigned i = 0; i < a->services->len; i++) {
		const CfgService *sa = a->services->pdata[i], *sb = b->services->pdata[i];

		if (strcmp(sa->id, sb->id) != 0 || strcmp(sa->uuid, sb->uuid) != 0 || sa->primary != sb->primary ||
		    sa->characteristics->len != sb->characteristics->len)
			return false;
	}
	/* As many characteristics in each service: the flat lists pair them up. */
	for (unsigned i = 0; i < a->characteristics->len; i++)
		if (!same_characteristic_shape(a->characteristics->pdata[i], b->characteristics->pdata[i]))
			return false;
	return true;
}

bool config_same_advertising(const GattdConfig *a, const GattdConfig *b)
{
	g_auto(GStrv) a_uuids = config_advertised_uuids(a);
	g_auto(GStrv) b_uuids = config_advertised_uuids(b);

	return config_advertising_equal(&a->advertising, (const char *const *)a_uuids, &b->advertising,
	                                (const char *const *)b_uuids);
}

bool config_descriptor_equal(const CfgDescriptor *a, const CfgDescriptor *b)
{
	return same_attribute(a->id, a->uuid, a->flags, b->id, b->uuid, b->flags) && bytes_equal(a->value, b->value) &&
	       a->max_length == b->max_length;
}

bool config_characteristic_equal(const CfgCharacteristic *a, const CfgCharacteristic *b)
{
	return same_characteristic_shape(a, b) && a->has_type == b->has_type && a->type == b->type &&
	       bytes_equal(a->value, b->value) && a->max_length == b->max_length && a->capture == b->capture &&
	       a->persist == b->persist && g_strcmp0(a->description, b->description) == 0;
}
