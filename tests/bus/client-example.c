/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-example.c: a small program on libgattd-client, written the way a user
 * would write one; the bus tests (test_client_library.py) run it against gattd.
 *
 *   client-example [--socket PATH] watch [CHAR...]
 *       Print every write a central makes (and when the services go off and on
 *       the air) until SIGINT or SIGTERM. gattd keeps the watch across adapter
 *       power cycles and bluetoothd restarts, so this runs unattended.
 *   client-example [--socket PATH] take CHAR [COUNT]
 *       Take COUNT writes (default: forever) queued for CHAR, a characteristic
 *       with Capture=, oldest first. gattd queues writes while nobody asks, so
 *       none is missed; when the adapter or bluetoothd goes away while we wait,
 *       next_write says -ENOTCONN and we simply ask again.
 *   client-example [--socket PATH] devices
 *       Print the centrals connected to gattd's adapter, oldest connection first.
 *   client-example [--socket PATH] disconnect ADDRESS
 *       Disconnect the central with that address; returns once BlueZ has dropped
 *       the link.
 *   client-example [--socket PATH] pair SECONDS
 *       Open the pairing window for SECONDS (the gadget's "pair" button), print how
 *       pairing stands.
 *   client-example [--socket PATH] service-data UUID BYTE
 *       Advertise BYTE (0..255) as UUID's service data, as a sensor puts its latest
 *       reading in its advertisement, and print what is advertised now.
 *   client-example [--socket PATH] advertise-named NAME [COMPANY HEX]
 *       Put HEX as COMPANY's manufacturer data (e.g. 0x05F1 0102) into the
 *       advertisement of gattd.conf's [Advertising NAME] group, a beacon beside
 *       the main advertisement, or without them only ask; print what it advertises.
 *   client-example [--socket PATH] bonds
 *       Print the devices BlueZ keeps keys for.
 *   client-example [--socket PATH] forget ADDRESS
 *       Remove the device with that address and its keys.
 *   client-example [--socket PATH] handle COUNT CHAR...
 *       Claim CHARs (characteristics with Handler=read;write) and answer COUNT
 *       requests of centrals, then exit: a device name kept here, not in gattd.
 *       A read gets the name; a write that leaves a printable ASCII name is
 *       accepted (gattd stores it as any write), an empty one is refused with
 *       invalid-value-length and any other with the application's own error
 *       0x81 (NAME_NOT_PRINTABLE), which the central receives as it is.
 *   client-example [--socket PATH] confirm accept|reject [COUNT]
 *       Confirm pairings ([Pairing] Method=confirm): answer COUNT pairing requests
 *       (default: forever) all the same way, printing each, and each pairing-failed
 *       that settles one of them (timeout, canceled).
 *   client-example [--socket PATH] status
 *       Print how gattd stands, from the typed GattdStatus.
 *   client-example [--socket PATH] list
 *       Print the services, characteristics and descriptors gattd serves, with their values.
 *   client-example [--socket PATH] events COUNT [CHAR...]
 *       Watch, then print COUNT events as GattdEvents (no JSON read here), one a line.
 *
 * "watch" shows the raw layer in a poll() loop of the program's own (the way to
 * combine gattd with other file descriptors); "take", "devices", "disconnect",
 * "handle" and "confirm" use the blocking helpers; "status", "list" and "events"
 * the typed results, freed by GATTD_CLEANUP() (no GLib needed).
 *
 * Events are JSON objects, one a line; jansson picks their fields here (any JSON
 * library would do: the client library hands over the lines as text).
 *
 * Build outside gattd's tree:
 *   cc client-example.c $(pkg-config --cflags --libs gattd-client jansson)
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gattd/client.h>
#include <jansson.h>

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = 1;
}

/* Report a failed call: gattd's error code and message if it answered, else errno's text. */
static int fail(GattdClient *client, const char *what, int r)
{
	const char *code = gattd_client_error_code(client);

	if (code)
		fprintf(stderr, "client-example: %s: %s (%s)\n", what, gattd_client_error_message(client), code);
	else
		fprintf(stderr, "client-example: %s: %s\n", what, strerror(-r));
	return 1;
}

/* A string member of an event, or "" (absent, null or not a string). */
static const char *member_string(json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));

	return s ? s : "";
}

static void print_event(const char *line)
{
	json_t *event = json_loads(line, 0, NULL);
	const char *name;

	if (!json_is_object(event)) {
		json_decref(event);
		return;
	}
	name = member_string(event, "event");
	if (strcmp(name, "write") == 0)
		/* "value" is hex; "typed" would hold the value as a number or text if the characteristic had a Type. */
		printf("write %s %s offset=%" JSON_INTEGER_FORMAT " from %s\n", member_string(event, "char"),
		       member_string(event, "value"), json_integer_value(json_object_get(event, "offset")),
		       member_string(event, "address"));
	else if (strcmp(name, "connected") == 0)
		printf("connected %s (%s)\n", member_string(event, "address"), member_string(event, "address_type"));
	else if (strcmp(name, "disconnected") == 0)
		/* "reason" is null when nobody said why (BlueZ before 5.83, a power cycle). */
		printf("disconnected %s%s%s\n", member_string(event, "address"),
		       json_is_string(json_object_get(event, "reason")) ? ": " : "", member_string(event, "reason"));
	else if (strcmp(name, "unregistered") == 0)
		printf("off the air: %s\n", member_string(event, "reason"));
	else if (strcmp(name, "registered") == 0)
		printf("on the air on %s\n", member_string(event, "adapter"));
	else if (*name) /* subscribed, adapter, capture-overflow, ... */
		printf("%s%s%s\n", name, json_object_get(event, "char") ? " " : "", member_string(event, "char"));
	fflush(stdout);
	json_decref(event);
}

static void print_queued_events(GattdClient *client)
{
	char *line;

	while ((line = gattd_client_pop_message(client))) {
		print_event(line);
		free(line);
	}
}

static int watch(GattdClient *client, char **chars)
{
	struct sigaction action = { .sa_handler = on_stop_signal };
	sigset_t stop_signals, unblocked;
	int r;

	/* SIGINT and SIGTERM stay blocked except inside ppoll(): none is lost between checks. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, &unblocked);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);

	r = gattd_client_watch(client, chars[0] ? (const char *const *)chars : NULL);
	if (r < 0)
		return fail(client, "watch", r);
	printf("watching\n");
	fflush(stdout);

	while (!stop_requested) {
		struct pollfd pfd = { .fd = gattd_client_get_fd(client), .events = POLLIN };

		/* Events that arrived while gattd_client_watch() waited for its reply come first. */
		print_queued_events(client);
		if (ppoll(&pfd, 1, NULL, &unblocked) < 0) {
			if (errno == EINTR)
				continue;
			perror("client-example: ppoll");
			return 1;
		}
		r = gattd_client_process(client);
		if (r < 0) {
			print_queued_events(client);
			if (r == -ECONNRESET) {
				fprintf(stderr, "client-example: gattd closed the connection\n");
				return 1;
			}
			return fail(client, "watch", r);
		}
	}
	return 0;
}

static int take(GattdClient *client, const char *chr, long count)
{
	for (long taken = 0; count < 0 || taken < count;) {
		GattdWrite w = { 0 };
		int r = gattd_client_next_write(client, chr, -1, &w);

		if (r == -ENOTCONN) {
			/* The adapter or bluetoothd went away while we waited; the queue is intact. */
			printf("interrupted: %s; asking again\n", gattd_client_error_message(client));
			fflush(stdout);
			continue;
		}
		if (r < 0)
			return fail(client, "next-write", r);
		printf("%s seq=%" PRIu64 " ", w.chr, w.seq);
		for (size_t i = 0; i < w.len; i++)
			printf("%02x", w.value[i]);
		printf(" offset=%u queued=%" PRIu64 "\n", (unsigned)w.offset, w.queued);
		fflush(stdout);
		gattd_write_clear(&w);
		taken++;
	}
	return 0;
}

static const char *yes_no(int flag)
{
	return flag < 0 ? "unknown" : flag ? "yes" : "no";
}

static int devices(GattdClient *client, bool bonds)
{
	GattdDevice *list = NULL;
	size_t n = 0;
	int r = bonds ? gattd_client_bonds(client, &list, &n) : gattd_client_devices(client, &list, &n);

	if (r < 0)
		return fail(client, bonds ? "bonds" : "devices", r);
	if (n == 0)
		printf(bonds ? "no bonds\n" : "no centrals connected\n");
	for (size_t i = 0; i < n; i++) {
		const GattdDevice *d = &list[i];

		/* name is NULL until the central told it; mtu 0 until it read or wrote. */
		printf("%s (%s) name=%s mtu=%d paired=%s bonded=%s trusted=%s\n", d->address,
		       d->address_type ? d->address_type : "?", d->name ? d->name : "-", d->mtu, yes_no(d->paired),
		       yes_no(d->bonded), yes_no(d->trusted));
	}
	gattd_devices_free(list, n);
	return 0;
}

static int disconnect(GattdClient *client, const char *address, bool forget)
{
	int r = forget ? gattd_client_forget(client, address) : gattd_client_disconnect(client, address);

	if (r == -EINVAL) {
		fprintf(stderr, "client-example: %s is not a Bluetooth address\n", address);
		return 2;
	}
	if (r < 0)
		return fail(client, forget ? "forget" : "disconnect", r);
	printf("%s %s\n", forget ? "forgot" : "disconnected", address);
	return 0;
}

static int pair(GattdClient *client, const char *seconds)
{
	GattdPairing pairing;
	int r = gattd_client_pairable(client, 1, (unsigned)strtoul(seconds, NULL, 10), &pairing);

	if (r < 0)
		return fail(client, "pairable", r);
	printf("method=%s agent=%s pairable=%s remaining_ms=%lld\n", pairing.method, yes_no(pairing.agent),
	       yes_no(pairing.pairable), (long long)pairing.remaining_ms);
	gattd_pairing_clear(&pairing);
	return 0;
}

/* The application error a central gets for a name it cannot display. */
#define NAME_NOT_PRINTABLE 0x81
#define NAME_MAX_LEN 20

static void print_hex(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%02x", data[i]);
}

/* "advertising=yes changed=yes UUID=2a 0x05F1=0102 bytes=12/31": an advertisement's data on one line. */
static void print_advertisement(const GattdAdvertisement *adv)
{
	printf("advertising=%s changed=%s", yes_no(adv->advertising), yes_no(adv->changed));
	for (size_t i = 0; i < adv->n_service_data; i++) {
		printf(" %s=", adv->service_data[i].uuid);
		print_hex(adv->service_data[i].data, adv->service_data[i].len);
	}
	for (size_t i = 0; i < adv->n_manufacturer_data; i++) {
		printf(" 0x%04X=", adv->manufacturer_data[i].company_id);
		print_hex(adv->manufacturer_data[i].data, adv->manufacturer_data[i].len);
	}
	printf(" bytes=%u/%u\n", adv->bytes, adv->max_bytes);
}

static int service_data(GattdClient *client, const char *uuid, const char *byte)
{
	GattdAdvertisingChange change = GATTD_ADVERTISING_UNCHANGED;
	uint8_t reading = (uint8_t)strtoul(byte, NULL, 10);
	GattdAdvertisingData data = { .uuid = (char *)uuid, .data = &reading, .len = 1 };
	GattdAdvertisement adv;
	int r;

	change.set_service_data = 1;
	change.service_data = &data;
	change.n_service_data = 1;
	r = gattd_client_advertise(client, &change, &adv);
	if (r < 0)
		return fail(client, "advertise", r);
	print_advertisement(&adv);
	gattd_advertisement_clear(&adv);
	return 0;
}

/* "0102" into bytes; the count, or -1 for what is not an even number of hex digits (at most max bytes). */
static int parse_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t len = strlen(hex);

	if (len % 2 || len / 2 > max)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned byte;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (uint8_t)byte;
	}
	return (int)(len / 2);
}

static int advertise_named(GattdClient *client, const char *name, const char *company, const char *hex)
{
	GattdAdvertisingChange change = GATTD_ADVERTISING_UNCHANGED;
	uint8_t bytes[31];
	GattdAdvertisingData data = { 0 };
	GattdAdvertisement adv;
	int r;

	if (company) {
		int len = parse_hex(hex, bytes, sizeof(bytes));

		if (len < 0) {
			fprintf(stderr, "client-example: '%s' is not hex bytes\n", hex);
			return 2;
		}
		data.company_id = (uint16_t)strtoul(company, NULL, 0);
		data.data = bytes;
		data.len = (size_t)len;
		change.set_manufacturer_data = 1;
		change.manufacturer_data = &data;
		change.n_manufacturer_data = 1;
	}
	r = gattd_client_advertise_named(client, name, company ? &change : NULL, &adv);
	if (r < 0)
		return fail(client, "advertise", r);
	printf("advertisement %s: ", name);
	print_advertisement(&adv);
	gattd_advertisement_clear(&adv);
	return 0;
}

static bool is_printable(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (data[i] < 0x20 || data[i] > 0x7e)
			return false;
	return true;
}

/* Settle one write: accept it (keeping the name it leaves) or refuse it. */
static int answer_write(GattdClient *client, const GattdRequest *req, char *name)
{
	int stored = 0, r;

	if (req->value_len == 0) {
		printf(": refused invalid-value-length\n");
		r = gattd_client_refuse(client, req->id, "invalid-value-length");
	} else if (!is_printable(req->value, req->value_len) || req->value_len > NAME_MAX_LEN) {
		printf(": refused 0x%02x\n", NAME_NOT_PRINTABLE);
		r = gattd_client_refuse_code(client, req->id, NAME_NOT_PRINTABLE);
	} else {
		r = gattd_client_accept_write(client, req->id, &stored);
		if (r == 0) {
			/* A write that only asks for authorization changes nothing yet. */
			if (stored) {
				memcpy(name, req->value, req->value_len);
				name[req->value_len] = '\0';
			}
			printf(": accepted, %s\n", stored ? "stored" : "authorized only");
		}
	}
	return r;
}

static int handle(GattdClient *client, long count, char **chars)
{
	char name[NAME_MAX_LEN + 1] = "gattd";
	int r;

	r = gattd_client_handle(client, (const char *const *)chars);
	if (r < 0)
		return fail(client, "handle", r);
	for (char **c = chars; *c; c++)
		printf("handling %s\n", *c);
	fflush(stdout);

	for (long served = 0; served < count; served++) {
		GattdRequest req = { 0 };

		r = gattd_client_next_request(client, -1, &req);
		if (r < 0)
			return fail(client, "next-request", r);
		if (req.kind == GATTD_REQUEST_READ) {
			printf("read %s offset=%u from %s: ", req.chr, (unsigned)req.offset,
			       req.address ? req.address : "an unknown device");
			print_hex((const uint8_t *)name, strlen(name));
			printf("\n");
			/* The whole value: gattd gives the central the part from its offset. */
			r = gattd_client_answer_read(client, req.id, (const uint8_t *)name, strlen(name));
		} else {
			printf("write %s ", req.chr);
			print_hex(req.data, req.data_len);
			r = answer_write(client, &req, name);
		}
		fflush(stdout);
		/* -ETIME: we were too slow (HandlerTimeoutMs); the central has had its answer. */
		if (r < 0 && r != -ETIME) {
			gattd_request_clear(&req);
			return fail(client, "answer", r);
		}
		gattd_request_clear(&req);
	}
	return 0;
}

/* A pairing-failed event: print it when it settles a request of ours (it names the request). */
static void print_pairing_failed(const char *line)
{
	json_t *event = json_loads(line, 0, NULL);
	json_t *request = json_object_get(event, "request");

	if (strcmp(member_string(event, "event"), "pairing-failed") == 0 && json_is_integer(request))
		printf("request %" JSON_INTEGER_FORMAT " failed: %s\n", json_integer_value(request),
		       member_string(event, "reason"));
	json_decref(event);
}

/* Answer one pairing request, printing it and the outcome. */
static int answer_pairing(GattdClient *client, const GattdPairingRequest *req, bool accept)
{
	int r;

	/* A comparison's passkey is a string: "004821" keeps its zeros. */
	printf("request %" PRIu64 " %s%s%s from %s: ", req->id,
	       req->kind == GATTD_PAIRING_COMPARE ? "compare" : "just-works", req->passkey ? " " : "",
	       req->passkey ? req->passkey : "", req->address ? req->address : "an unknown device");
	r = gattd_client_answer_pairing(client, req->id, accept);
	/* -ETIME: too late (ConfirmTimeoutMs); the pairing-failed that follows says why. */
	if (r == -ETIME)
		printf("too late\n");
	else if (r == 0)
		printf("%s\n", accept ? "accepted" : "rejected");
	fflush(stdout);
	return r == -ETIME ? 0 : r;
}

static int confirm(GattdClient *client, bool accept, long count)
{
	int r = gattd_client_handle_pairing(client);

	if (r < 0)
		return fail(client, "handle-pairing", r);
	printf("confirming pairings\n");
	fflush(stdout);
	for (long answered = 0; count < 0 || answered < count;) {
		GattdPairingRequest req;
		char *line = NULL;

		/* Every event, not gattd_client_next_pairing_request(): pairing-failed ones are shown too. */
		r = gattd_client_wait_event(client, -1, &line);
		if (r < 0)
			return fail(client, "wait-event", r);
		r = gattd_pairing_request_parse(line, &req);
		if (r == -ENOMSG)
			print_pairing_failed(line);
		free(line);
		if (r == -ENOMSG)
			continue;
		if (r < 0)
			return fail(client, "pairing-request", r);
		r = answer_pairing(client, &req, accept);
		gattd_pairing_request_clear(&req);
		if (r < 0)
			return fail(client, "answer-pairing", r);
		answered++;
	}
	return 0;
}

/* ---- typed results ---- */

static int status(GattdClient *client)
{
	GattdStatus s GATTD_CLEANUP(gattd_status_clear) = { 0 };
	int r = gattd_client_status(client, &s);

	if (r < 0)
		return fail(client, "status", r);
	printf("state=%s adapter=%s powered=%s registered=%s on_air=%s advertising=%s sockets=%s pairing=%s\n", s.state,
	       s.adapter ? s.adapter : "-", yes_no(s.adapter_powered), yes_no(s.registered), yes_no(s.on_air),
	       yes_no(s.advertising), s.sockets ? s.sockets : "-", s.pairing.method);
	for (size_t i = 0; i < s.n_advertisements; i++)
		printf("advertisement %s enabled=%s advertising=%s paused=%s error=%s\n", s.advertisements[i].name,
		       yes_no(s.advertisements[i].enabled), yes_no(s.advertisements[i].advertising),
		       yes_no(s.advertisements[i].paused), s.advertisements[i].error ? s.advertisements[i].error : "-");
	printf("clients=%u watchers=%u subscriptions=%u captured=%" PRIu64 " generation=%" PRIu64 "\n", s.clients,
	       s.watchers, s.subscriptions, s.captured, s.generation);
	return 0;
}

static void print_flags(char **flags)
{
	for (size_t i = 0; flags[i]; i++)
		printf("%s%s", i ? "," : "", flags[i]);
}

static int list(GattdClient *client)
{
	GattdService *services = NULL;
	size_t n = 0;
	int r = gattd_client_list(client, &services, &n);

	if (r < 0)
		return fail(client, "list", r);
	for (size_t i = 0; i < n; i++) {
		printf("service %s %s%s\n", services[i].id, services[i].uuid, services[i].primary ? "" : " secondary");
		for (size_t j = 0; j < services[i].n_characteristics; j++) {
			const GattdCharacteristic *chr = &services[i].characteristics[j];

			printf("  %s ", chr->id);
			print_flags(chr->flags);
			printf(" type=%s value=", chr->type ? chr->type : "-");
			print_hex(chr->value, chr->len);
			printf(chr->capture ? " capture=%u\n" : "\n", chr->capture);
			for (size_t k = 0; k < chr->n_descriptors; k++) {
				printf("    %s ", chr->descriptors[k].id);
				print_flags(chr->descriptors[k].flags);
				printf(" value=");
				print_hex(chr->descriptors[k].value, chr->descriptors[k].len);
				printf("\n");
			}
		}
	}
	gattd_services_free(services, n);
	return 0;
}

/* One event on one line, from its typed fields. */
static void print_typed_event(const GattdEvent *e)
{
	switch (e->kind) {
	case GATTD_EVENT_WRITE:
		printf("write %s ", e->write.chr);
		print_hex(e->write.value, e->write.len);
		printf(" offset=%u from %s\n", (unsigned)e->write.offset, e->address ? e->address : "?");
		break;
	case GATTD_EVENT_CONNECTED:
	case GATTD_EVENT_DISCONNECTED:
		printf("%s %s mtu=%d%s%s\n", e->name, e->central.address, e->central.mtu, e->reason ? " reason=" : "",
		       e->reason ? e->reason : "");
		break;
	case GATTD_EVENT_ADAPTER:
		printf("adapter %s powered=%s\n", e->adapter ? e->adapter : "-", yes_no(e->adapter_powered));
		break;
	case GATTD_EVENT_REGISTERED:
		printf("registered on %s\n", e->adapter);
		break;
	case GATTD_EVENT_UNREGISTERED:
		printf("unregistered: %s\n", e->reason);
		break;
	case GATTD_EVENT_RELOADED:
		printf("reloaded generation=%" PRIu64 "\n", e->generation);
		break;
	case GATTD_EVENT_ADVERTISEMENT:
		printf("advertisement %s: ", e->advertisement_name ? e->advertisement_name : "main");
		print_advertisement(&e->advertisement);
		break;
	case GATTD_EVENT_UNKNOWN:
		printf("unknown event %s\n", e->name);
		break;
	default: /* subscribed, confirm, pairing events, ... and kinds of a later library */
		printf("%s%s%s\n", e->name, e->chr ? " " : "", e->chr ? e->chr : "");
		break;
	}
	fflush(stdout);
}

static int events(GattdClient *client, long count, char **chars)
{
	int r = gattd_client_watch(client, chars[0] ? (const char *const *)chars : NULL);

	if (r < 0)
		return fail(client, "watch", r);
	printf("watching\n");
	fflush(stdout);
	for (long taken = 0; taken < count; taken++) {
		GattdEvent event GATTD_CLEANUP(gattd_event_clear) = { 0 };

		r = gattd_client_next_event(client, -1, &event);
		if (r < 0)
			return fail(client, "next-event", r);
		print_typed_event(&event);
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: client-example [--socket PATH] watch [CHAR...]\n"
	                "       client-example [--socket PATH] take CHAR [COUNT]\n"
	                "       client-example [--socket PATH] devices\n"
	                "       client-example [--socket PATH] disconnect ADDRESS\n"
	                "       client-example [--socket PATH] pair SECONDS\n"
	                "       client-example [--socket PATH] service-data UUID BYTE\n"
	                "       client-example [--socket PATH] advertise-named NAME [COMPANY HEX]\n"
	                "       client-example [--socket PATH] bonds\n"
	                "       client-example [--socket PATH] forget ADDRESS\n"
	                "       client-example [--socket PATH] handle COUNT CHAR...\n"
	                "       client-example [--socket PATH] confirm accept|reject [COUNT]\n"
	                "       client-example [--socket PATH] status\n"
	                "       client-example [--socket PATH] list\n"
	                "       client-example [--socket PATH] events COUNT [CHAR...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *socket_path = NULL; /* NULL: $GATTD_SOCKET, else /run/gattd/gattd.sock */
	/* Freed on every way out of main(). */
	GattdClient *client GATTD_CLEANUP(gattd_client_freep) = NULL;
	long count = -1;
	int i = 1, r;

	if (argc > 2 && strcmp(argv[1], "--socket") == 0) {
		socket_path = argv[2];
		i = 3;
	}
	if (i >= argc)
		return usage();
	if (strcmp(argv[i], "take") == 0 && (argc - i == 2 || argc - i == 3)) {
		if (argc - i == 3 && (count = strtol(argv[i + 2], NULL, 10)) <= 0)
			return usage();
	} else if (strcmp(argv[i], "events") == 0 && argc - i >= 2) {
		if ((count = strtol(argv[i + 1], NULL, 10)) <= 0)
			return usage();
	} else if (strcmp(argv[i], "handle") == 0 && argc - i >= 3) {
		if ((count = strtol(argv[i + 1], NULL, 10)) <= 0)
			return usage();
	} else if (strcmp(argv[i], "confirm") == 0 && (argc - i == 2 || argc - i == 3)) {
		if (strcmp(argv[i + 1], "accept") != 0 && strcmp(argv[i + 1], "reject") != 0)
			return usage();
		if (argc - i == 3 && (count = strtol(argv[i + 2], NULL, 10)) <= 0)
			return usage();
	} else if (!(strcmp(argv[i], "watch") == 0 || (strcmp(argv[i], "devices") == 0 && argc - i == 1) ||
	             (strcmp(argv[i], "status") == 0 && argc - i == 1) || (strcmp(argv[i], "list") == 0 && argc - i == 1) ||
	             (strcmp(argv[i], "bonds") == 0 && argc - i == 1) ||
	             (strcmp(argv[i], "disconnect") == 0 && argc - i == 2) ||
	             (strcmp(argv[i], "forget") == 0 && argc - i == 2) ||
	             (strcmp(argv[i], "pair") == 0 && argc - i == 2) ||
	             (strcmp(argv[i], "service-data") == 0 && argc - i == 3) ||
	             (strcmp(argv[i], "advertise-named") == 0 && (argc - i == 2 || argc - i == 4)))) {
		return usage();
	}

	r = gattd_client_connect(socket_path, &client);
	if (r < 0) {
		fprintf(stderr, "client-example: cannot connect to %s: %s\n",
		        socket_path ? socket_path : gattd_client_default_socket(), strerror(-r));
		return 1;
	}
	if (strcmp(argv[i], "watch") == 0)
		r = watch(client, argv + i + 1);
	else if (strcmp(argv[i], "handle") == 0)
		r = handle(client, count, argv + i + 2);
	else if (strcmp(argv[i], "events") == 0)
		r = events(client, count, argv + i + 2);
	else if (strcmp(argv[i], "status") == 0)
		r = status(client);
	else if (strcmp(argv[i], "list") == 0)
		r = list(client);
	else if (strcmp(argv[i], "confirm") == 0)
		r = confirm(client, strcmp(argv[i + 1], "accept") == 0, count);
	else if (strcmp(argv[i], "devices") == 0 || strcmp(argv[i], "bonds") == 0)
		r = devices(client, strcmp(argv[i], "bonds") == 0);
	else if (strcmp(argv[i], "disconnect") == 0 || strcmp(argv[i], "forget") == 0)
		r = disconnect(client, argv[i + 1], strcmp(argv[i], "forget") == 0);
	else if (strcmp(argv[i], "pair") == 0)
		r = pair(client, argv[i + 1]);
	else if (strcmp(argv[i], "service-data") == 0)
		r = service_data(client, argv[i + 1], argv[i + 2]);
	else if (strcmp(argv[i], "advertise-named") == 0)
		r = advertise_named(client, argv[i + 1], argc - i == 4 ? argv[i + 2] : NULL,
		                    argc - i == 4 ? argv[i + 3] : NULL);
	else
		r = take(client, argv[i + 1], count);
	return r;
}
