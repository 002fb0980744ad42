/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-client-header.cc: <gattd/client.h> from C++ (extern "C", no C-only syntax in
 * the header), with its cleanup helper; the C test checks what they do.
 */
#include <gattd/client.h>

int main()
{
	GattdClient *none GATTD_CLEANUP(gattd_client_freep) = nullptr;
	GattdEvent event GATTD_CLEANUP(gattd_event_clear) = {};

	(void)none;
	return gattd_event_parse("{\"event\":\"confirm\",\"char\":\"a/b\"}", &event) == 0 &&
	               event.kind == GATTD_EVENT_CONFIRM ? 0 : 1;
}
