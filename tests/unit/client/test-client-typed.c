/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-client-typed.c: libgattd-client's typed results (0.3): status and list
 * against the scripted fake gattd (fake-gattd.h) answering with replies copied from
 * a real gattd, and event lines parsed as GattdEvents, known, unknown and broken.
 */
#include "fake-gattd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gattd/client.h>

/* ---- status ---- */

/* What gattd 0.x answered in the bus tier, with a beacon group bluetoothd refused. */
#define STATUS_FIELDS \
	",\"state\":\"ADVERTISING\",\"description\":\"registered on hci0, advertising\"," \
	"\"adapter\":{\"name\":\"hci0\",\"address\":\"00:AA:01:00:00:01\",\"powered\":true,\"path\":\"/org/bluez/hci0\"}," \
	"\"registered\":true,\"advertising\":true,\"on_air\":true," \
	"\"advertisements\":[{\"name\":\"beacon\",\"enabled\":true,\"advertising\":false,\"paused\":false," \
	"\"error\":\"org.bluez.Error.Failed: Maximum advertisements reached\"}," \
	"{\"name\":\"night\",\"enabled\":false,\"advertising\":false,\"paused\":true,\"error\":null}]," \
	"\"sockets\":\"shared\",\"pairing\":{\"method\":\"confirm\",\"agent\":true,\"pairable\":true,\"always\":false," \
	"\"remaining_ms\":41000},\"clients\":2,\"watchers\":1,\"subscriptions\":3,\"captured\":5,\"overflows\":7," \
	"\"generation\":4"

#define STATUS_NO_ADAPTER \
	",\"state\":\"NO_BLUEZ\",\"description\":\"waiting for bluetoothd\",\"adapter\":null," \
	"\"registered\":false,\"advertising\":false,\"on_air\":false,\"advertisements\":[],\"sockets\":null," \
	"\"pairing\":{\"method\":\"off\",\"agent\":false,\"pairable\":false,\"always\":false,\"remaining_ms\":null}," \
	"\"clients\":1,\"watchers\":0,\"subscriptions\":0,\"captured\":0,\"overflows\":0,\"generation\":1"

static void script_status(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), STATUS_FIELDS);
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), STATUS_NO_ADAPTER);
	/* No "on_air": the whole reply is a protocol error. */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"state\":\"NO_BLUEZ\",\"description\":\"x\",\"adapter\":null,\"registered\":false,"
	          "\"advertising\":false");
	/* An advertisement without "paused". */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"state\":\"NO_BLUEZ\",\"description\":\"x\",\"adapter\":null,\"registered\":false,"
	          "\"advertising\":false,\"on_air\":false,\"advertisements\":[{\"name\":\"b\",\"enabled\":true,"
	          "\"advertising\":true,\"error\":null}],\"sockets\":null,\"pairing\":{\"method\":\"off\","
	          "\"agent\":false,\"pairable\":false,\"always\":false,\"remaining_ms\":null},\"clients\":1,"
	          "\"watchers\":0,\"subscriptions\":0,\"captured\":0,\"overflows\":0,\"generation\":1");
	srv_error(srv, srv_id(srv, srv_read_request(srv)), "shutting-down", "gattd is stopping");
	srv_wait_for_close(srv);
}

static void test_status_fills_every_field_and_nulls_for_what_is_not_there(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_status);
	GattdClient *c = server_connect(srv);
	GattdStatus s = { 0 }, untouched = { .state = (char *)"untouched", .clients = 99 };

	assert_int_equal(gattd_client_status(c, &s), 0);
	assert_string_equal(s.state, "ADVERTISING");
	assert_string_equal(s.description, "registered on hci0, advertising");
	assert_string_equal(s.adapter, "hci0");
	assert_string_equal(s.adapter_address, "00:AA:01:00:00:01");
	assert_string_equal(s.adapter_path, "/org/bluez/hci0");
	assert_int_equal(s.adapter_powered, 1);
	assert_int_equal(s.registered, 1);
	assert_int_equal(s.advertising, 1);
	assert_int_equal(s.on_air, 1);
	assert_int_equal(s.n_advertisements, 2);
	assert_string_equal(s.advertisements[0].name, "beacon");
	assert_int_equal(s.advertisements[0].enabled, 1);
	assert_int_equal(s.advertisements[0].advertising, 0);
	assert_string_equal(s.advertisements[0].error, "org.bluez.Error.Failed: Maximum advertisements reached");
	assert_string_equal(s.advertisements[1].name, "night");
	assert_int_equal(s.advertisements[1].paused, 1);
	assert_null(s.advertisements[1].error);
	assert_string_equal(s.sockets, "shared");
	assert_string_equal(s.pairing.method, "confirm");
	assert_int_equal(s.pairing.agent, 1);
	assert_int_equal(s.pairing.pairable, 1);
	assert_int_equal(s.pairing.remaining_ms, 41000);
	assert_int_equal(s.clients, 2);
	assert_int_equal(s.watchers, 1);
	assert_int_equal(s.subscriptions, 3);
	assert_int_equal(s.captured, 5);
	assert_int_equal(s.overflows, 7);
	assert_int_equal(s.generation, 4);
	gattd_status_clear(&s);
	assert_null(s.state);

	assert_int_equal(gattd_client_status(c, &s), 0);
	assert_string_equal(s.state, "NO_BLUEZ");
	assert_null(s.adapter);
	assert_null(s.adapter_address);
	assert_null(s.adapter_path);
	assert_int_equal(s.n_advertisements, 0);
	assert_null(s.advertisements);
	assert_null(s.sockets);
	assert_string_equal(s.pairing.method, "off");
	assert_int_equal(s.pairing.remaining_ms, -1);
	gattd_status_clear(&s);

	s = untouched;
	assert_int_equal(gattd_client_status(c, &s), -EPROTO);
	assert_int_equal(gattd_client_status(c, &s), -EPROTO);
	assert_int_equal(gattd_client_status(c, &s), -ESHUTDOWN);
	assert_string_equal(gattd_client_error_code(c), "shutting-down");
	assert_ptr_equal(s.state, untouched.state);
	assert_int_equal(s.clients, 99);
	assert_int_equal(gattd_client_status(c, NULL), -EINVAL);
	assert_int_equal(gattd_client_status(NULL, &s), -EINVAL);
	gattd_status_clear(NULL);
	server_finish(srv, c);

	assert_int_equal(srv->requests->len, 5);
	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "status");
}

/* ---- list ---- */

#define LIST_FIELDS \
	",\"services\":[{\"id\":\"battery\",\"uuid\":\"0000180f-0000-1000-8000-00805f9b34fb\",\"primary\":true," \
	"\"characteristics\":[{\"id\":\"battery/level\",\"uuid\":\"00002a19-0000-1000-8000-00805f9b34fb\"," \
	"\"flags\":[\"read\",\"notify\"],\"type\":\"u8\",\"max_length\":1,\"capture\":0,\"notifying\":true," \
	"\"value\":\"64\",\"typed\":100,\"descriptors\":[{\"id\":\"battery/level/description\"," \
	"\"uuid\":\"00002901-0000-1000-8000-00805f9b34fb\",\"flags\":[\"read\"]," \
	"\"value\":\"42617474657279204c6576656c\"},{\"id\":\"battery/level/valid_range\"," \
	"\"uuid\":\"00002906-0000-1000-8000-00805f9b34fb\",\"flags\":[\"read\"],\"value\":\"0064\"}]}," \
	"{\"id\":\"battery/command\",\"uuid\":\"6e400002-b5a3-f393-e0a9-e50e24dcca9e\"," \
	"\"flags\":[\"write\",\"write-without-response\"],\"type\":null,\"max_length\":20,\"capture\":16," \
	"\"notifying\":false,\"value\":\"\",\"descriptors\":[]}]}," \
	"{\"id\":\"empty\",\"uuid\":\"6e400001-b5a3-f393-e0a9-e50e24dcca9e\",\"primary\":false,\"characteristics\":[]}]"

static void script_list(FakeServer *srv)
{
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), LIST_FIELDS);
	srv_reply(srv, srv_id(srv, srv_read_request(srv)), ",\"services\":[]");
	/* A descriptor whose value is no hex, deep in the tree. */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"services\":[{\"id\":\"s\",\"uuid\":\"u\",\"primary\":true,\"characteristics\":[{\"id\":\"s/c\","
	          "\"uuid\":\"u\",\"flags\":[],\"type\":null,\"max_length\":1,\"capture\":0,\"notifying\":false,"
	          "\"value\":\"\",\"descriptors\":[{\"id\":\"s/c/d\",\"uuid\":\"u\",\"flags\":[],\"value\":\"xyz\"}]}]}]");
	/* A flag that is no string. */
	srv_reply(srv, srv_id(srv, srv_read_request(srv)),
	          ",\"services\":[{\"id\":\"s\",\"uuid\":\"u\",\"primary\":true,\"characteristics\":[{\"id\":\"s/c\","
	          "\"uuid\":\"u\",\"flags\":[\"read\",7],\"type\":null,\"max_length\":1,\"capture\":0,"
	          "\"notifying\":false,\"value\":\"\",\"descriptors\":[]}]}]");
	srv_wait_for_close(srv);
}

static void test_list_fills_services_characteristics_and_descriptors(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_list);
	GattdClient *c = server_connect(srv);
	GattdService *services = NULL, *untouched = (GattdService *)&untouched;
	const GattdCharacteristic *level, *command;
	size_t n = 0;

	assert_int_equal(gattd_client_list(c, &services, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(services[0].id, "battery");
	assert_string_equal(services[0].uuid, "0000180f-0000-1000-8000-00805f9b34fb");
	assert_int_equal(services[0].primary, 1);
	assert_int_equal(services[0].n_characteristics, 2);
	level = &services[0].characteristics[0];
	assert_string_equal(level->id, "battery/level");
	assert_string_equal(level->flags[0], "read");
	assert_string_equal(level->flags[1], "notify");
	assert_null(level->flags[2]);
	assert_string_equal(level->type, "u8");
	assert_int_equal(level->max_length, 1);
	assert_int_equal(level->notifying, 1);
	assert_int_equal(level->len, 1);
	assert_int_equal(level->value[0], 100);
	assert_int_equal(level->n_descriptors, 2);
	assert_string_equal(level->descriptors[0].id, "battery/level/description");
	assert_string_equal(level->descriptors[0].flags[0], "read");
	assert_int_equal(level->descriptors[0].len, strlen("Battery Level"));
	assert_memory_equal(level->descriptors[0].value, "Battery Level", strlen("Battery Level"));
	assert_int_equal(level->descriptors[1].len, 2);
	assert_int_equal(level->descriptors[1].value[1], 0x64);
	command = &services[0].characteristics[1];
	assert_null(command->type);
	assert_int_equal(command->capture, 16);
	assert_int_equal(command->len, 0);
	assert_non_null(command->value);
	assert_int_equal(command->n_descriptors, 0);
	assert_null(command->descriptors);
	assert_string_equal(services[1].id, "empty");
	assert_int_equal(services[1].primary, 0);
	assert_int_equal(services[1].n_characteristics, 0);
	assert_null(services[1].characteristics);
	gattd_services_free(services, n);

	services = untouched;
	assert_int_equal(gattd_client_list(c, &services, &n), 0);
	assert_int_equal(n, 0);
	assert_null(services);

	services = untouched;
	n = 99;
	assert_int_equal(gattd_client_list(c, &services, &n), -EPROTO);
	assert_int_equal(gattd_client_list(c, &services, &n), -EPROTO);
	assert_ptr_equal(services, untouched);
	assert_int_equal(n, 99);
	assert_int_equal(gattd_client_list(c, NULL, &n), -EINVAL);
	gattd_services_free(NULL, 0);
	server_finish(srv, c);

	assert_string_equal(string_member(recorded(srv, 0), "cmd"), "list");
}

/* ---- events ---- */

#define CENTRAL \
	"\"address\":\"11:22:33:44:55:66\",\"address_type\":\"public\"," \
	"\"device\":\"/org/bluez/hci0/dev_11_22_33_44_55_66\",\"name\":null,\"alias\":\"11-22-33-44-55-66\"," \
	"\"paired\":false,\"bonded\":false,\"trusted\":false,\"connected_since\":1796557527280,\"mtu\":185," \
	"\"subscribed\":[]"

/* Lines a real gattd sent (bus tier), one per kind. */
static const struct {
	const char *line;
	GattdEventKind kind;
} known_events[] = {
	{ "{\"event\":\"write\",\"char\":\"battery/command\",\"value\":\"6f6e65\",\"offset\":0,"
	  "\"device\":\"/org/bluez/hci0/dev_11_22_33_44_55_66\",\"address\":\"11:22:33:44:55:66\"}", GATTD_EVENT_WRITE },
	{ "{\"event\":\"subscribed\",\"char\":\"battery/level\",\"device\":null,\"address\":null}", GATTD_EVENT_SUBSCRIBED },
	{ "{\"event\":\"unsubscribed\",\"char\":\"battery/level\",\"device\":null,\"address\":null}",
	  GATTD_EVENT_UNSUBSCRIBED },
	{ "{\"event\":\"confirm\",\"char\":\"settings/threshold\"}", GATTD_EVENT_CONFIRM },
	{ "{\"event\":\"capture-overflow\",\"char\":\"battery/command\",\"dropped\":1,\"overflows\":3}",
	  GATTD_EVENT_CAPTURE_OVERFLOW },
	{ "{\"event\":\"adapter\",\"name\":\"hci0\",\"address\":\"00:AA:01:00:00:01\",\"powered\":false}",
	  GATTD_EVENT_ADAPTER },
	{ "{\"event\":\"registered\",\"adapter\":\"hci0\"}", GATTD_EVENT_REGISTERED },
	{ "{\"event\":\"unregistered\",\"reason\":\"adapter-down\"}", GATTD_EVENT_UNREGISTERED },
	{ "{\"event\":\"reloaded\",\"generation\":2}", GATTD_EVENT_RELOADED },
	{ "{\"event\":\"connected\"," CENTRAL "}", GATTD_EVENT_CONNECTED },
	{ "{\"event\":\"disconnected\"," CENTRAL ",\"reason\":null}", GATTD_EVENT_DISCONNECTED },
	{ "{\"event\":\"paired\"," CENTRAL "}", GATTD_EVENT_PAIRED },
	{ "{\"event\":\"pairing-failed\",\"device\":null,\"address\":null,\"reason\":\"timeout\",\"request\":7}",
	  GATTD_EVENT_PAIRING_FAILED },
	{ "{\"event\":\"passkey\",\"device\":\"/org/bluez/hci0/dev_11_22_33_44_55_66\","
	  "\"address\":\"11:22:33:44:55:66\",\"passkey\":\"004821\"}", GATTD_EVENT_PASSKEY },
	{ "{\"event\":\"pairable\",\"method\":\"just-works\",\"agent\":true,\"pairable\":true,\"always\":false,"
	  "\"remaining_ms\":60000}", GATTD_EVENT_PAIRABLE },
	{ "{\"event\":\"advertisement\",\"advertisement\":null,\"enabled\":true,\"advertising\":true,\"paused\":false,"
	  "\"changed\":true,\"type\":\"peripheral\",\"local_name\":\"x\","
	  "\"service_uuids\":[\"0000180f-0000-1000-8000-00805f9b34fb\"],\"manufacturer_data\":{},"
	  "\"service_data\":{},\"bytes\":7,\"max_bytes\":31}", GATTD_EVENT_ADVERTISEMENT },
	{ "{\"event\":\"unhandled\",\"char\":\"dev/name\",\"reason\":\"reload\"}", GATTD_EVENT_UNHANDLED },
	{ "{\"event\":\"read-request\",\"request\":3,\"char\":\"dev/name\",\"device\":null,\"address\":null,"
	  "\"offset\":0,\"mtu\":null,\"deadline\":123}", GATTD_EVENT_READ_REQUEST },
	{ "{\"event\":\"write-request\",\"request\":4,\"char\":\"dev/name\",\"device\":null,\"address\":null,"
	  "\"offset\":0,\"mtu\":23,\"data\":\"6869\",\"value\":\"6869\",\"prepared\":false,\"authorize\":false,"
	  "\"response\":true}", GATTD_EVENT_WRITE_REQUEST },
	{ "{\"event\":\"pairing-request\",\"request\":9,\"kind\":\"compare\",\"device\":null,\"address\":null,"
	  "\"passkey\":\"123456\",\"deadline\":99}", GATTD_EVENT_PAIRING_REQUEST },
};

static void test_event_parse_gives_each_known_event_its_kind_and_keeps_the_line(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(known_events); i++) {
		g_auto(GattdEvent) event = { 0 };

		if (gattd_event_parse(known_events[i].line, &event) != 0)
			fail_msg("refused: %s", known_events[i].line);
		assert_int_equal(event.kind, known_events[i].kind);
		assert_string_equal(event.json, known_events[i].line);
		assert_non_null(event.name);
		assert_non_null(strstr(known_events[i].line, event.name));
	}
}

static void test_event_parse_reads_the_fields_of_each_kind(void **state)
{
	g_auto(GattdEvent) write = { 0 };
	g_auto(GattdEvent) disconnected = { 0 };
	g_auto(GattdEvent) failed = { 0 };
	g_auto(GattdEvent) adapter = { 0 };
	g_auto(GattdEvent) advertisement = { 0 };
	g_auto(GattdEvent) request = { 0 };
	g_auto(GattdEvent) overflow = { 0 };

	assert_int_equal(gattd_event_parse(known_events[0].line, &write), 0);
	assert_string_equal(write.name, "write");
	assert_string_equal(write.chr, "battery/command");
	assert_string_equal(write.address, "11:22:33:44:55:66");
	assert_string_equal(write.write.chr, "battery/command");
	assert_int_equal(write.write.len, 3);
	assert_memory_equal(write.write.value, "one", 3);
	assert_string_equal(write.write.device, "/org/bluez/hci0/dev_11_22_33_44_55_66");
	assert_int_equal(write.write.seq, 0);

	assert_int_equal(gattd_event_parse(known_events[10].line, &disconnected), 0);
	assert_int_equal(disconnected.kind, GATTD_EVENT_DISCONNECTED);
	assert_string_equal(disconnected.central.address, "11:22:33:44:55:66");
	assert_string_equal(disconnected.central.alias, "11-22-33-44-55-66");
	assert_null(disconnected.central.name);
	assert_int_equal(disconnected.central.mtu, 185);
	assert_int_equal(disconnected.central.connected_since_ms, 1796557527280);
	assert_string_equal(disconnected.address, "11:22:33:44:55:66");
	assert_null(disconnected.reason);

	assert_int_equal(gattd_event_parse(known_events[12].line, &failed), 0);
	assert_string_equal(failed.reason, "timeout");
	assert_int_equal(failed.request, 7);
	assert_null(failed.address);

	assert_int_equal(gattd_event_parse(known_events[5].line, &adapter), 0);
	assert_string_equal(adapter.adapter, "hci0");
	assert_string_equal(adapter.adapter_address, "00:AA:01:00:00:01");
	assert_int_equal(adapter.adapter_powered, 0);

	assert_int_equal(gattd_event_parse(known_events[15].line, &advertisement), 0);
	assert_null(advertisement.advertisement_name);
	assert_string_equal(advertisement.advertisement.local_name, "x");
	assert_string_equal(advertisement.advertisement.service_uuids[0], "0000180f-0000-1000-8000-00805f9b34fb");
	assert_int_equal(advertisement.advertisement.bytes, 7);

	assert_int_equal(gattd_event_parse(known_events[18].line, &request), 0);
	assert_int_equal(request.handler_request.kind, GATTD_REQUEST_WRITE);
	assert_int_equal(request.handler_request.id, 4);
	assert_int_equal(request.handler_request.mtu, 23);
	assert_memory_equal(request.handler_request.data, "hi", 2);

	assert_int_equal(gattd_event_parse(known_events[4].line, &overflow), 0);
	assert_int_equal(overflow.dropped, 1);
	assert_int_equal(overflow.overflows, 3);
}

static void test_event_parse_keeps_an_unknown_event_with_its_name(void **state)
{
	static const char line[] = "{\"event\":\"solar-flare\",\"char\":\"sun/level\",\"reason\":{\"kp\":9},\"x\":[1]}";
	g_auto(GattdEvent) event = { 0 };

	assert_int_equal(gattd_event_parse(line, &event), 0);
	assert_int_equal(event.kind, GATTD_EVENT_UNKNOWN);
	assert_string_equal(event.name, "solar-flare");
	assert_string_equal(event.json, line);
	assert_string_equal(event.chr, "sun/level");
	assert_null(event.reason); /* an object: not a reason this library can give */
}

static void test_event_parse_refuses_what_is_no_event_or_lacks_a_field(void **state)
{
	static const struct {
		const char *line;
		int r;
	} broken[] = {
		{ "{\"id\":1,\"ok\":true}", -ENOMSG },
		{ "not json", -EPROTO },
		{ "[\"event\"]", -EPROTO },
		{ "{\"event\":42}", -EPROTO },
		{ "{\"event\":\"write\",\"char\":\"a\",\"offset\":0,\"device\":null,\"address\":null}", -EPROTO },
		{ "{\"event\":\"write\",\"char\":\"a\",\"value\":\"zz\",\"offset\":0,\"device\":null}", -EPROTO },
		{ "{\"event\":\"subscribed\",\"char\":\"a\",\"device\":1,\"address\":null}", -EPROTO },
		{ "{\"event\":\"confirm\"}", -EPROTO },
		{ "{\"event\":\"confirm\",\"char\":5}", -EPROTO },
		{ "{\"event\":\"connected\",\"address\":\"11:22:33:44:55:66\"}", -EPROTO },
		{ "{\"event\":\"disconnected\"," CENTRAL "}", -EPROTO },
		{ "{\"event\":\"unregistered\"}", -EPROTO },
		{ "{\"event\":\"reloaded\",\"generation\":-1}", -EPROTO },
		{ "{\"event\":\"pairable\",\"method\":\"off\"}", -EPROTO },
		{ "{\"event\":\"read-request\",\"request\":0,\"char\":\"a\",\"device\":null,\"address\":null,"
		  "\"offset\":0,\"mtu\":null}", -EPROTO },
		{ "{\"event\":\"pairing-request\",\"request\":9,\"kind\":\"compare\",\"device\":null,"
		  "\"address\":null,\"passkey\":null,\"deadline\":99}", -EPROTO },
	};
	GattdEvent event = { .kind = GATTD_EVENT_PAIRED, .name = (char *)"untouched" };

	for (size_t i = 0; i < G_N_ELEMENTS(broken); i++) {
		int r = gattd_event_parse(broken[i].line, &event);

		if (r != broken[i].r)
			fail_msg("%s: %d, not %d", broken[i].line, r, broken[i].r);
		assert_int_equal(event.kind, GATTD_EVENT_PAIRED);
		assert_string_equal(event.name, "untouched");
	}
	assert_int_equal(gattd_event_parse(NULL, &event), -EINVAL);
	assert_int_equal(gattd_event_parse("{\"event\":\"confirm\",\"char\":\"a\"}", NULL), -EINVAL);
	gattd_event_clear(NULL);
}

static void script_events_around_a_reply(FakeServer *srv)
{
	gint64 id = srv_id(srv, srv_read_request(srv));

	srv_write(srv, "{\"event\":\"registered\",\"adapter\":\"hci0\"}\n");
	srv_write(srv, "{\"event\":\"confirm\"}\n"); /* broken: no char */
	srv_write(srv, "{\"event\":\"someday\",\"n\":1}\n");
	srv_reply(srv, id, ",\"chars\":null");
	srv_write(srv, "{\"event\":\"reloaded\",\"generation\":3}\n");
	srv_wait_for_close(srv);
}

static void test_next_event_takes_events_in_order_and_leaves_replies(void **state)
{
	g_autoptr(FakeServer) srv = server_start(script_events_around_a_reply);
	g_autoptr(GattdClient) c = server_connect(srv);
	GattdEvent event = { 0 };
	uint64_t id;
	char *reply;

	assert_int_equal(gattd_client_send(c, "{\"cmd\":\"watch\"}", &id), 0);
	assert_int_equal(gattd_client_next_event(c, 5000, &event), 0);
	assert_int_equal(event.kind, GATTD_EVENT_REGISTERED);
	assert_string_equal(event.adapter, "hci0");
	gattd_event_clear(&event);
	/* The broken one is dropped: the next call gets the one after it. */
	assert_int_equal(gattd_client_next_event(c, 5000, &event), -EPROTO);
	assert_null(event.name);
	assert_int_equal(gattd_client_next_event(c, 5000, &event), 0);
	assert_int_equal(event.kind, GATTD_EVENT_UNKNOWN);
	assert_string_equal(event.name, "someday");
	gattd_event_clear(&event);
	assert_int_equal(gattd_client_next_event(c, 5000, &event), 0);
	assert_int_equal(event.kind, GATTD_EVENT_RELOADED);
	assert_int_equal(event.generation, 3);
	gattd_event_clear(&event);
	assert_int_equal(gattd_client_next_event(c, 0, &event), -ETIMEDOUT);
	assert_int_equal(gattd_client_next_event(c, -2, &event), -EINVAL);

	/* The reply stayed queued for the raw layer. */
	reply = gattd_client_pop_message(c);
	assert_non_null(reply);
	assert_int_equal(int_member(parse(reply), "id"), (gint64)id);
	free(reply);
	server_finish(srv, g_steal_pointer(&c));
}

/* ---- cleanup helpers ---- */

static void test_autoptr_frees_the_client_at_the_end_of_its_scope(void **state)
{
	g_autoptr(FakeServer) srv = server_start(srv_wait_for_close);

	{
		g_autoptr(GattdClient) c = server_connect(srv);
		GattdClient *other GATTD_CLEANUP(gattd_client_freep) = NULL;

		assert_int_equal(gattd_client_get_fd(c) >= 0, 1);
		(void)other;
	}
	/* The script ends only when the client closed the connection. */
	g_thread_join(g_steal_pointer(&srv->thread));
	assert_null(srv->failure);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_fills_every_field_and_nulls_for_what_is_not_there),
		cmocka_unit_test(test_list_fills_services_characteristics_and_descriptors),
		cmocka_unit_test(test_event_parse_gives_each_known_event_its_kind_and_keeps_the_line),
		cmocka_unit_test(test_event_parse_reads_the_fields_of_each_kind),
		cmocka_unit_test(test_event_parse_keeps_an_unknown_event_with_its_name),
		cmocka_unit_test(test_event_parse_refuses_what_is_no_event_or_lacks_a_field),
		cmocka_unit_test(test_next_event_takes_events_in_order_and_leaves_replies),
		cmocka_unit_test(test_autoptr_frees_the_client_at_the_end_of_its_scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
