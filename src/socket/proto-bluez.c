/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proto-bluez.c: encoding what the daemon tells of the BlueZ side (protocol.h): a
 * central, its MTU, the adapter, the pairing agent and window, and the `status` reply.
 */
#include "socket/protocol.h"

#include <string.h>

void proto_write_central(JWriter *w, const GattCentral *central, const GPtrArray *subscribed)
{
	jwrite_member_string(w, "address", central->address);
	jwrite_member_string(w, "address_type", central->address_type);
	jwrite_member_string(w, "device", central->path);
	jwrite_member_string(w, "name", central->name);
	jwrite_member_string(w, "alias", central->alias);
	jwrite_member(w, "paired");
	jwrite_bool(w, central->paired);
	jwrite_member(w, "bonded");
	if (central->has_bonded)
		jwrite_bool(w, central->bonded);
	else
		jwrite_null(w);
	jwrite_member(w, "trusted");
	jwrite_bool(w, central->trusted);
	jwrite_member(w, "connected_since");
	jwrite_int(w, central->connected_since / 1000);
	proto_write_mtu(w, central->mtu);
	jwrite_member(w, "subscribed");
	jwrite_begin_array(w);
	for (unsigned i = 0; subscribed && i < subscribed->len; i++)
		jwrite_string(w, subscribed->pdata[i]);
	jwrite_end_array(w);
}

void proto_write_mtu(JWriter *w, uint16_t mtu)
{
	jwrite_member(w, "mtu");
	if (mtu)
		jwrite_int(w, mtu);
	else
		jwrite_null(w);
}

void proto_write_adapter(JWriter *w, const ServerAdapter *adapter)
{
	/* The writer writes null for a NULL string. */
	jwrite_member(w, "name");
	jwrite_string(w, adapter->name);
	jwrite_member(w, "address");
	jwrite_string(w, adapter->address);
	jwrite_member(w, "powered");
	jwrite_bool(w, adapter->powered);
}

void proto_write_pairing(JWriter *w, const ServerPairing *pairing)
{
	jwrite_member(w, "method");
	jwrite_string(w, pairing->method ? pairing->method : "off");
	jwrite_member_bool(w, "agent", pairing->agent);
	jwrite_member_bool(w, "pairable", pairing->pairable);
	jwrite_member_bool(w, "always", pairing->always);
	jwrite_member(w, "remaining_ms");
	if (pairing->always || !pairing->method || strcmp(pairing->method, "off") == 0)
		jwrite_null(w);
	else
		jwrite_int(w, pairing->remaining_ms);
}

char *proto_status_line(const json_t *id, const ServerStatus *status)
{
	g_autoptr(JWriter) w = proto_reply_begin(id);

	jwrite_member(w, "state");
	jwrite_string(w, status->state);
	jwrite_member(w, "description");
	jwrite_string(w, status->description);
	jwrite_member(w, "adapter");
	if (status->adapter.name) {
		jwrite_begin_object(w);
		proto_write_adapter(w, &status->adapter);
		jwrite_member(w, "path");
		jwrite_string(w, status->adapter.path);
		jwrite_end_object(w);
	} else {
		jwrite_null(w);
	}
	jwrite_member_bool(w, "registered", status->registered);
	jwrite_member_bool(w, "advertising", status->advertising);
	jwrite_member_bool(w, "on_air", status->on_air);
	jwrite_member(w, "advertisements");
	jwrite_begin_array(w);
	for (unsigned i = 0; status->advertisements && i < status->advertisements->len; i++) {
		const ServerAdvertisementState *a = status->advertisements->pdata[i];

		jwrite_begin_object(w);
		jwrite_member_string(w, "name", a->name);
		jwrite_member_bool(w, "enabled", a->enabled);
		jwrite_member_bool(w, "advertising", a->advertising);
		jwrite_member_bool(w, "paused", a->paused);
		jwrite_member_string(w, "error", a->error);
		jwrite_end_object(w);
	}
	jwrite_end_array(w);
	jwrite_member(w, "sockets");
	jwrite_string(w, status->sockets);
	jwrite_member(w, "pairing");
	jwrite_begin_object(w);
	proto_write_pairing(w, &status->pairing);
	jwrite_end_object(w);
	jwrite_member_int(w, "clients", status->clients);
	jwrite_member_int(w, "watchers", status->watchers);
	jwrite_member_int(w, "subscriptions", status->subscriptions);
	jwrite_member_int(w, "captured", (int64_t)status->captured);
	jwrite_member_int(w, "overflows", (int64_t)status->overflows);
	jwrite_member_int(w, "generation", status->generation);
	return proto_finish(w);
}
