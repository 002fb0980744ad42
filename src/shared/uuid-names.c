/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uuid-names.c: a table of the Bluetooth SIG's assigned numbers people meet most
 * (Assigned Numbers, sections 3.4 services, 3.7 descriptors, 3.8 characteristics),
 * so that gattctl can say "0x2A19 Battery Level" instead of a 128-bit UUID. It is a
 * convenience, not a registry: a number it lacks is shown by its number alone.
 */
#include "shared/uuid-names.h"

#include <glib.h>
#include <stdlib.h>

#include "shared/uuid.h"

typedef struct {
	uint16_t uuid;
	const char *name;
} UuidName;

/* Sorted by number, for bsearch(). */
static const UuidName names[] = {
	/* Services */
	{ 0x1800, "Generic Access" },
	{ 0x1801, "Generic Attribute" },
	{ 0x1802, "Immediate Alert" },
	{ 0x1803, "Link Loss" },
	{ 0x1804, "Tx Power" },
	{ 0x1805, "Current Time" },
	{ 0x1809, "Health Thermometer" },
	{ 0x180A, "Device Information" },
	{ 0x180D, "Heart Rate" },
	{ 0x180F, "Battery" },
	{ 0x1810, "Blood Pressure" },
	{ 0x1812, "Human Interface Device" },
	{ 0x1814, "Running Speed and Cadence" },
	{ 0x1816, "Cycling Speed and Cadence" },
	{ 0x1818, "Cycling Power" },
	{ 0x1819, "Location and Navigation" },
	{ 0x181A, "Environmental Sensing" },
	{ 0x181C, "User Data" },
	{ 0x181D, "Weight Scale" },
	{ 0x1826, "Fitness Machine" },
	/* Descriptors */
	{ 0x2900, "Characteristic Extended Properties" },
	{ 0x2901, "Characteristic User Description" },
	{ 0x2902, "Client Characteristic Configuration" },
	{ 0x2903, "Server Characteristic Configuration" },
	{ 0x2904, "Characteristic Presentation Format" },
	{ 0x2905, "Characteristic Aggregate Format" },
	{ 0x2906, "Valid Range" },
	{ 0x290B, "Environmental Sensing Configuration" },
	{ 0x290C, "Environmental Sensing Measurement" },
	{ 0x290D, "Environmental Sensing Trigger Setting" },
	/* Characteristics */
	{ 0x2A00, "Device Name" },
	{ 0x2A01, "Appearance" },
	{ 0x2A04, "Peripheral Preferred Connection Parameters" },
	{ 0x2A05, "Service Changed" },
	{ 0x2A06, "Alert Level" },
	{ 0x2A07, "Tx Power Level" },
	{ 0x2A08, "Date Time" },
	{ 0x2A19, "Battery Level" },
	{ 0x2A1C, "Temperature Measurement" },
	{ 0x2A1D, "Temperature Type" },
	{ 0x2A23, "System ID" },
	{ 0x2A24, "Model Number String" },
	{ 0x2A25, "Serial Number String" },
	{ 0x2A26, "Firmware Revision String" },
	{ 0x2A27, "Hardware Revision String" },
	{ 0x2A28, "Software Revision String" },
	{ 0x2A29, "Manufacturer Name String" },
	{ 0x2A2B, "Current Time" },
	{ 0x2A37, "Heart Rate Measurement" },
	{ 0x2A38, "Body Sensor Location" },
	{ 0x2A4A, "HID Information" },
	{ 0x2A4B, "Report Map" },
	{ 0x2A4C, "HID Control Point" },
	{ 0x2A4D, "Report" },
	{ 0x2A50, "PnP ID" },
	{ 0x2A6D, "Pressure" },
	{ 0x2A6E, "Temperature" },
	{ 0x2A6F, "Humidity" },
	{ 0x2A76, "UV Index" },
	{ 0x2B29, "Client Supported Features" },
	{ 0x2B2A, "Database Hash" },
	{ 0x2B3A, "Server Supported Features" },
};

static int compare_names(const void *key, const void *elem)
{
	uint16_t uuid = *(const uint16_t *)key;
	const UuidName *name = elem;

	return (int)uuid - (int)name->uuid;
}

const char *uuid_name_of_short(uint16_t short_uuid)
{
	const UuidName *found = bsearch(&short_uuid, names, G_N_ELEMENTS(names), sizeof(names[0]), compare_names);

	return found ? found->name : NULL;
}

char *uuid_describe(const char *uuid)
{
	char normalized[UUID_STR_LEN + 1];
	const char *name;
	uint32_t v;

	if (!uuid)
		return g_strdup("");
	if (uuid_normalize(uuid, normalized) < 0)
		return g_strdup(uuid);
	if (!uuid_get_short(normalized, &v))
		return g_strdup(normalized);
	if (v > 0xffff)
		return g_strdup_printf("0x%08X", v);
	name = uuid_name_of_short((uint16_t)v);
	return name ? g_strdup_printf("0x%04X %s", v, name) : g_strdup_printf("0x%04X", v);
}
