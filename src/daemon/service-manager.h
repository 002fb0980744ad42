/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * service-manager.h: what gattd tells systemd (sd_notify): READY=1 once it has
 * settled, STATUS= lines that follow the lifecycle, WATCHDOG=1 at half the
 * configured interval, RELOADING=1 around a reload and STOPPING=1 at the end.
 * Without NOTIFY_SOCKET (not run by systemd) everything here is a no-op.
 */
#pragma once

#include <stdbool.h>

typedef struct ServiceManager ServiceManager;

ServiceManager *service_manager_new(void);
void service_manager_free(ServiceManager *sm);

/* Start sending WATCHDOG=1 if systemd asked for it (WATCHDOG_USEC). */
void service_manager_start_watchdog(ServiceManager *sm);
/* READY=1 with a status line; only the first call sends READY=1. */
void service_manager_ready(ServiceManager *sm, const char *status);
bool service_manager_is_ready(ServiceManager *sm);
void service_manager_status(ServiceManager *sm, const char *status);
/* RELOADING=1; before READY=1 (a reload while starting) only the status. */
void service_manager_reloading(ServiceManager *sm);
/* After a reload: READY=1 again with the new status; before the first READY=1 only the status. */
void service_manager_reloaded(ServiceManager *sm, const char *status);
void service_manager_stopping(ServiceManager *sm);
