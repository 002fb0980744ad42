/* gatt/att.c: the handler's ATT error names and codes (gatt/att.h). */
#include "gatt/att.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Each is a code bluetoothd passes on exactly (dbus/message.h, bus_att_error_reply). */
static const struct {
	const char *name;
	uint8_t read_code;
	uint8_t write_code;
} att_names[] = {
	{ "not-permitted", GATT_ATT_READ_NOT_PERMITTED, GATT_ATT_WRITE_NOT_PERMITTED },
	{ "not-supported", GATT_ATT_NOT_SUPPORTED, GATT_ATT_NOT_SUPPORTED },
	{ "invalid-offset", GATT_ATT_INVALID_OFFSET, GATT_ATT_INVALID_OFFSET },
	{ "not-authorized", GATT_ATT_NOT_AUTHORIZED, GATT_ATT_NOT_AUTHORIZED },
	{ "invalid-value-length", GATT_ATT_INVALID_VALUE_LENGTH, GATT_ATT_INVALID_VALUE_LENGTH },
	{ "unlikely", GATT_ATT_UNLIKELY, GATT_ATT_UNLIKELY },
	{ "improperly-configured", GATT_ATT_IMPROPERLY_CONFIGURED, GATT_ATT_IMPROPERLY_CONFIGURED },
	{ "in-progress", GATT_ATT_IN_PROGRESS, GATT_ATT_IN_PROGRESS },
};

int gatt_att_from_name(const char *name, bool write, uint8_t *ret_code)
{
	for (size_t i = 0; i < sizeof(att_names) / sizeof(att_names[0]); i++) {
		if (strcmp(att_names[i].name, name) == 0) {
			*ret_code = write ? att_names[i].write_code : att_names[i].read_code;
			return 0;
		}
	}
	return -EINVAL;
}

bool gatt_att_is_allowed(uint8_t code)
{
	return (code >= GATT_ATT_APP_FIRST && code <= GATT_ATT_APP_LAST) || gatt_att_name(code) != NULL;
}

const char *gatt_att_name(uint8_t code)
{
	for (size_t i = 0; i < sizeof(att_names) / sizeof(att_names[0]); i++)
		if (att_names[i].read_code == code || att_names[i].write_code == code)
			return att_names[i].name;
	return NULL;
}

const char *gatt_att_names(void)
{
	return "not-permitted not-supported invalid-offset not-authorized invalid-value-length unlikely "
	       "improperly-configured in-progress";
}
