/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-client-header.c: <gattd/client.h> as a program without GLib sees it: it
 * builds alone (no GLib include path is given), and GATTD_CLEANUP() runs the clear
 * and free functions when variables leave their scope. Plain asserts: cmocka is
 * not needed to fail.
 */
#include <gattd/client.h>

#include <assert.h>
#include <stdio.h>
#include <string.h>

static int cleared;

/* gattd_event_clear() as the cleanup, counting, and checking what it left. */
static void event_clear_counted(GattdEvent *event)
{
	gattd_event_clear(event);
	if (event->name == NULL && event->json == NULL && event->kind == GATTD_EVENT_UNKNOWN)
		cleared++;
}

int main(void)
{
	GattdClient *kept;

	{
		GattdEvent event GATTD_CLEANUP(event_clear_counted) = { 0 };
		GattdStatus status GATTD_CLEANUP(gattd_status_clear) = { 0 };
		GattdClient *none GATTD_CLEANUP(gattd_client_freep) = NULL;

		if (gattd_event_parse("{\"event\":\"reloaded\",\"generation\":2}", &event) != 0 ||
		    event.kind != GATTD_EVENT_RELOADED || event.generation != 2) {
			fprintf(stderr, "reloaded event not parsed\n");
			return 1;
		}
		(void)status;
		(void)none;
	}
	if (cleared != 1) {
		fprintf(stderr, "the event was not cleared at the end of its scope\n");
		return 1;
	}
	/* gattd_client_freep() forgets what it freed: a second run is harmless. */
	kept = NULL;
	gattd_client_freep(&kept);
	gattd_client_freep(NULL);
	return kept == NULL ? 0 : 1;
}
