/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shared/att.c: the handler's ATT error names and codes (shared/att.h). */
#include "shared/att.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Each is a code bluetoothd passes on exactly (dbus/message.h, bus_att_error_reply). */
static const struct {
	const char *name;
	uint8_t read_code;
	uint8_t write_code;
} att_table[] = {
	{ "not-permitted", ATT_READ_NOT_PERMITTED, ATT_WRITE_NOT_PERMITTED },
	{ "not-supported", ATT_NOT_SUPPORTED, ATT_NOT_SUPPORTED },
	{ "invalid-offset", ATT_INVALID_OFFSET, ATT_INVALID_OFFSET },
	{ "not-authorized", ATT_NOT_AUTHORIZED, ATT_NOT_AUTHORIZED },
	{ "invalid-value-length", ATT_INVALID_VALUE_LENGTH, ATT_INVALID_VALUE_LENGTH },
	{ "unlikely", ATT_UNLIKELY, ATT_UNLIKELY },
	{ "improperly-configured", ATT_IMPROPERLY_CONFIGURED, ATT_IMPROPERLY_CONFIGURED },
	{ "in-progress", ATT_IN_PROGRESS, ATT_IN_PROGRESS },
};

int att_from_name(const char *name, bool write, uint8_t *ret_code)
{
	for (size_t i = 0; i < sizeof(att_table) / sizeof(att_table[0]); i++) {
		if (strcmp(att_table[i].name, name) == 0) {
			*ret_code = write ? att_table[i].write_code : att_table[i].read_code;
			return 0;
		}
	}
	return -EINVAL;
}

bool att_is_allowed(uint8_t code)
{
	return (code >= ATT_APP_FIRST && code <= ATT_APP_LAST) || att_name(code) != NULL;
}

const char *att_name(uint8_t code)
{
	for (size_t i = 0; i < sizeof(att_table) / sizeof(att_table[0]); i++)
		if (att_table[i].read_code == code || att_table[i].write_code == code)
			return att_table[i].name;
	return NULL;
}

const char *att_names(void)
{
	return "not-permitted not-supported invalid-offset not-authorized invalid-value-length unlikely "
	       "improperly-configured in-progress";
}
