/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bluez/agent-manager.c: RegisterAgent and RequestDefaultAgent (agent-manager.h). */
#include "bluez/agent-manager.h"

#include <errno.h>
#include <string.h>

#include "bluez/agent.h"
#include "dbus/message.h"

#define AGENT_MANAGER_IFACE "org.bluez.AgentManager1"
#define AGENT_MANAGER_PATH "/org/bluez"

struct BluezAgentManager {
	BluezBus *bus;
	DBusPendingCall *pending;
	BluezAgentManagerDone done;
	void *data;
};

static DBusMessage *agent_call(const char *method, const char *capability)
{
	DBusMessage *msg = dbus_message_new_method_call(BLUEZ_SERVICE, AGENT_MANAGER_PATH, AGENT_MANAGER_IFACE, method);
	const char *path = BLUEZ_AGENT_PATH;

	dbus_message_append_args(msg, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID);
	if (capability)
		dbus_message_append_args(msg, DBUS_TYPE_STRING, &capability, DBUS_TYPE_INVALID);
	return msg;
}

static void fail(BluezAgentManager *manager, const char *method, DBusMessage *reply)
{
	g_autofree char *error = g_strdup_printf("%s: %s: %s", method, dbus_message_get_error_name(reply),
	                                         bluez_bus_error_text(reply));

	manager->done(-EIO, error, manager->data);
}

static void default_reply(DBusPendingCall *call, void *data)
{
	BluezAgentManager *manager = data;
	g_autoptr(DBusMessage) reply = bluez_bus_take_reply(&manager->pending, call);

	if (!reply)
		return;
	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
		fail(manager, "RequestDefaultAgent", reply);
	else
		manager->done(0, NULL, manager->data);
}

static void register_reply(DBusPendingCall *call, void *data)
{
	BluezAgentManager *manager = data;
	g_autoptr(DBusMessage) reply = bluez_bus_take_reply(&manager->pending, call);
	g_autoptr(DBusMessage) msg = NULL;

	if (!reply)
		return;
	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
		/*
		 * AlreadyExists: this connection still has an agent there (an earlier
		 * unregistration lost): drop it, so that the retry registers afresh.
		 */
		if (g_strcmp0(dbus_message_get_error_name(reply), BLUEZ_ERROR_PREFIX "AlreadyExists") == 0)
			bluez_agent_manager_unregister(manager);
		fail(manager, "RegisterAgent", reply);
		return;
	}
	msg = agent_call("RequestDefaultAgent", NULL);
	manager->pending = bluez_bus_call(manager->bus, msg, default_reply, manager);
}

void bluez_agent_manager_register(BluezAgentManager *manager, const char *capability)
{
	g_autoptr(DBusMessage) msg = agent_call("RegisterAgent", capability);

	bluez_bus_cancel(&manager->pending);
	manager->pending = bluez_bus_call(manager->bus, msg, register_reply, manager);
}

void bluez_agent_manager_unregister(BluezAgentManager *manager)
{
	g_autoptr(DBusMessage) msg = agent_call("UnregisterAgent", NULL);

	dbus_message_set_no_reply(msg, TRUE);
	bluez_bus_send(manager->bus, msg);
}

void bluez_agent_manager_cancel(BluezAgentManager *manager)
{
	bluez_bus_cancel(&manager->pending);
}

BluezAgentManager *bluez_agent_manager_new(BluezBus *bus, BluezAgentManagerDone done, void *data)
{
	BluezAgentManager *manager = g_new0(BluezAgentManager, 1);

	manager->bus = bus;
	manager->done = done;
	manager->data = data;
	return manager;
}

void bluez_agent_manager_free(BluezAgentManager *manager)
{
	if (!manager)
		return;
	bluez_bus_cancel(&manager->pending);
	g_free(manager);
}
