/* bdaddr.c: Bluetooth device addresses (see bdaddr.h). */
#include "shared/bdaddr.h"

#include <glib.h>
#include <string.h>

#define BDADDR_LEN 17

bool bdaddr_is_valid(const char *text)
{
	if (!text || strlen(text) != BDADDR_LEN)
		return false;
	for (size_t i = 0; i < BDADDR_LEN; i++)
		if (i % 3 == 2 ? text[i] != ':' : !g_ascii_isxdigit(text[i]))
			return false;
	return true;
}
