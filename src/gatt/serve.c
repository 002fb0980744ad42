/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gatt/serve.c: a read or a write answered from the stored value (gatt/serve.h). */
#include "gatt/serve.h"

#include "dbus/message.h"
#include "shared/log.h"

DBusMessage *gatt_serve_read(const GattNode *node, DBusMessage *msg, uint16_t offset)
{
	g_autofree char *error = NULL;
	DBusMessageIter iter;
	DBusMessage *reply;
	int r;

	r = gatt_access_read(&node->access, offset, &error);
	if (r < 0)
		return bus_error_reply(msg, r, "%s", error);
	reply = dbus_message_new_method_return(msg);
	dbus_message_iter_init_append(reply, &iter);
	bus_append_bytes(&iter, node->access.value->data + offset, (size_t)r);
	return reply;
}

int gatt_serve_write(GattNode *node, const GattWriteRequest *req, const char *device, char **ret_error)
{
	int r = gatt_access_write(&node->access, req, ret_error);

	if (r > 0) {
		log_debug("%s written by %s: %zu bytes at offset %u", node->id, device ? device : "?", req->len,
		          req->offset);
		if (node->kind == GATT_NODE_CHAR)
			gatt_app_report_write(&node->chr, req, device);
	}
	return r;
}
