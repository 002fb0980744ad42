/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compare.h: what a reload changes, by comparing two loaded configurations
 * (compare.c). Pure: the daemon decides from these whether BlueZ must see the
 * tree again and which current values survive.
 */
#pragma once

#include <stdbool.h>

#include "config/config.h"

/*
 * Same tree: the same services, characteristics and descriptors with the same
 * ids, UUIDs, flags and order, so BlueZ's view is unchanged and no
 * re-registration is needed.
 */
bool config_same_tree(const GattdConfig *a, const GattdConfig *b);
/* Same advertisement: [Advertising] and the advertised service UUIDs. */
bool config_same_advertising(const GattdConfig *a, const GattdConfig *b);
/* Same definition in every key: a current value may be carried over. */
bool config_characteristic_equal(const CfgCharacteristic *a, const CfgCharacteristic *b);
bool config_descriptor_equal(const CfgDescriptor *a, const CfgDescriptor *b);
