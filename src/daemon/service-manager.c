/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* service-manager.c: sd_notify readiness, status, watchdog and stop notifications. */
#include "daemon/service-manager.h"

#include <glib.h>

#include "gattd-build-config.h"
#include "shared/log.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

struct ServiceManager {
	bool ready;
	bool watchdog_wanted;   /* start pinging once READY=1 is out */
	guint watchdog_id;
	char *last_status;
};

static void notify(const char *text)
{
#if HAVE_LIBSYSTEMD
	int r = sd_notify(0, text);

	if (r < 0)
		log_warning("telling systemd '%s' failed: %s, ignoring", text, g_strerror(-r));
#else
	(void)text;
#endif
}

#if HAVE_LIBSYSTEMD
static gboolean watchdog_ping(gpointer data)
{
	notify("WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}
#endif

ServiceManager *service_manager_new(void)
{
	return g_new0(ServiceManager, 1);
}

void service_manager_free(ServiceManager *sm)
{
	if (!sm)
		return;
	if (sm->watchdog_id)
		g_source_remove(sm->watchdog_id);
	g_free(sm->last_status);
	g_free(sm);
}

/* systemd counts the watchdog from READY=1 on: ping from then. */
static void watchdog_begin(ServiceManager *sm)
{
#if HAVE_LIBSYSTEMD
	uint64_t usec = 0;
	int r;

	if (!sm->watchdog_wanted || sm->watchdog_id)
		return;
	r = sd_watchdog_enabled(0, &usec);
	if (r < 0)
		log_warning("cannot read the watchdog settings: %s, ignoring", g_strerror(-r));
	if (r <= 0 || usec == 0)
		return;
	/* Half the interval, as sd_watchdog_enabled(3) advises; at least 1 ms. */
	sm->watchdog_id = g_timeout_add(MAX(usec / 2000, 1), watchdog_ping, sm);
	log_info("watchdog: pinging systemd every %" G_GUINT64_FORMAT " ms", MAX(usec / 2000, 1));
#else
	(void)sm;
#endif
}

void service_manager_start_watchdog(ServiceManager *sm)
{
	sm->watchdog_wanted = true;
	if (sm->ready)
		watchdog_begin(sm);
}

void service_manager_status(ServiceManager *sm, const char *status)
{
	g_autofree char *line = NULL;

	if (g_strcmp0(status, sm->last_status) == 0)
		return;
	g_free(sm->last_status);
	sm->last_status = g_strdup(status);
	line = g_strconcat("STATUS=", status, NULL);
	notify(line);
}

void service_manager_ready(ServiceManager *sm, const char *status)
{
	g_autofree char *line = NULL;

	if (sm->ready) {
		service_manager_status(sm, status);
		return;
	}
	sm->ready = true;
	g_free(sm->last_status);
	sm->last_status = g_strdup(status);
	line = g_strconcat("READY=1\nSTATUS=", status, NULL);
	notify(line);
	watchdog_begin(sm);
}

bool service_manager_is_ready(ServiceManager *sm)
{
	return sm->ready;
}

/*
 * A reload before READY=1 (a SIGHUP during start-up, a client's reload while gattd
 * settles): systemd still waits for the start, so no RELOADING=1, and READY=1 only
 * once settled; the status alone follows the reload.
 */
void service_manager_reloading(ServiceManager *sm)
{
	if (!sm->ready) {
		service_manager_status(sm, "reloading the configuration");
		return;
	}
	notify("RELOADING=1\nSTATUS=reloading the configuration");
}

void service_manager_reloaded(ServiceManager *sm, const char *status)
{
	g_autofree char *line = NULL;

	if (!sm->ready) {
		service_manager_status(sm, status);
		return;
	}
	line = g_strconcat("READY=1\nSTATUS=", status, NULL);
	g_free(sm->last_status);
	sm->last_status = g_strdup(status);
	notify(line);
}

void service_manager_stopping(ServiceManager *sm)
{
	notify("STOPPING=1\nSTATUS=stopped");
}
