/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-acquire.c: section 8 of the benchmarks, linked into bench-central (bench-central.h).
 *
 * bluetoothd's side of centrals that connect: fake centrals as org.bluez.Device1 objects
 * under hci0 (InterfacesAdded with Connected=true and an Address, PropertiesChanged of
 * Connected, InterfacesRemoved; also in GetManagedObjects and Properties.GetAll), and for
 * the first of them the sockets bluetoothd takes with AcquireNotify and AcquireWrite
 * (options device, mtu 247, link "LE"): the notify socket is read and its datagrams
 * counted (what gattd notifies there is asked for by `set` lines, or by notify frames on a
 * channel), Write Commands are sent on the write socket as datagrams of 20 bytes.
 *
 * Commands (results as JSON lines, as bench-central's others):
 *   centrals N               fake centrals 0..N-1 present and connected, no others
 *   acquired-notify PID CHAR N WARMUP SOCKET SETCHAR INFLIGHT [frames]
 *   acquired-write PID CHAR SOCKET latency|burst N WARMUP INFLIGHT
 *   roster PID SOCKET NCENTRALS CHURN REPS
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench-central.h"
#include "shared/frame.h"

#define ADAPTER_PATH "/org/bluez/hci0"
#define CENTRAL_PREFIX ADAPTER_PATH "/dev_00_BE_0C_00_"
#define MAX_CENTRALS 1000
/* Roster changes the churn lets gattd's watcher be behind by. */
#define CHURN_WINDOW 64
/* A measurement whose count has not moved for this long has failed. */
#define STALL_NS 5000000000ull

/* ---- the fake centrals ---- */

typedef struct {
	bool present, connected;
} FakeCentral;

typedef struct {
	char path[64];
	char address[18];
	char alias[18];
} CentralNames;

static FakeCentral centrals[MAX_CENTRALS];

/* Central i is 00:BE:0C:00:HH:LL, i = 0xHHLL. */
static CentralNames names_of(unsigned i)
{
	unsigned hi = (i >> 8) & 0xff, lo = i & 0xff;
	CentralNames n;

	snprintf(n.path, sizeof(n.path), CENTRAL_PREFIX "%02X_%02X", hi, lo);
	snprintf(n.address, sizeof(n.address), "00:BE:0C:00:%02X:%02X", hi, lo);
	snprintf(n.alias, sizeof(n.alias), "00-BE-0C-00-%02X-%02X", hi, lo);
	return n;
}

/* The central whose object path is path, or -1. */
static int central_of_path(const char *path)
{
	unsigned hi, lo;
	char rest;

	if (strncmp(path, CENTRAL_PREFIX, strlen(CENTRAL_PREFIX)) != 0 ||
	    sscanf(path + strlen(CENTRAL_PREFIX), "%2X_%2X%c", &hi, &lo, &rest) != 2 || (hi << 8 | lo) >= MAX_CENTRALS)
		return -1;
	return (int)(hi << 8 | lo);
}

static void append_device_props(DBusMessageIter *iter, unsigned i)
{
	CentralNames n = names_of(i);
	DBusMessageIter dict;
	const char *address = n.address, *alias = n.alias, *type = "public", *adapter = ADAPTER_PATH;
	dbus_bool_t connected = centrals[i].connected, f = FALSE;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	dict_basic(&dict, "Address", DBUS_TYPE_STRING, &address);
	dict_basic(&dict, "AddressType", DBUS_TYPE_STRING, &type);
	dict_basic(&dict, "Alias", DBUS_TYPE_STRING, &alias);
	dict_basic(&dict, "Paired", DBUS_TYPE_BOOLEAN, &f);
	dict_basic(&dict, "Bonded", DBUS_TYPE_BOOLEAN, &f);
	dict_basic(&dict, "Trusted", DBUS_TYPE_BOOLEAN, &f);
	dict_basic(&dict, "Connected", DBUS_TYPE_BOOLEAN, &connected);
	dict_basic(&dict, "Adapter", DBUS_TYPE_OBJECT_PATH, &adapter);
	dbus_message_iter_close_container(iter, &dict);
}

/* {o a{sa{sv}}}'s second half: Device1 and its properties. */
static void append_device_interfaces(DBusMessageIter *iter, unsigned i)
{
	DBusMessageIter ifaces, entry;
	const char *name = IFACE_DEVICE;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sa{sv}}", &ifaces);
	dbus_message_iter_open_container(&ifaces, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &name);
	append_device_props(&entry, i);
	dbus_message_iter_close_container(&ifaces, &entry);
	dbus_message_iter_close_container(iter, &ifaces);
}

/* A central connects: its object appears with Connected=true. */
static void central_add(unsigned i)
{
	CentralNames n = names_of(i);
	DBusMessage *sig = dbus_message_new_signal("/", IFACE_OM, "InterfacesAdded");
	DBusMessageIter iter;
	const char *path = n.path;

	centrals[i].present = true;
	centrals[i].connected = true;
	dbus_message_iter_init_append(sig, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_OBJECT_PATH, &path);
	append_device_interfaces(&iter, i);
	send_and_unref(sig);
}

static void central_remove(unsigned i)
{
	CentralNames n = names_of(i);
	DBusMessage *sig = dbus_message_new_signal("/", IFACE_OM, "InterfacesRemoved");
	DBusMessageIter iter, array;
	const char *path = n.path, *name = IFACE_DEVICE;

	centrals[i].present = false;
	centrals[i].connected = false;
	dbus_message_iter_init_append(sig, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_OBJECT_PATH, &path);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &array);
	dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &name);
	dbus_message_iter_close_container(&iter, &array);
	send_and_unref(sig);
}

static void central_set_connected(unsigned i, bool connected)
{
	CentralNames n = names_of(i);
	DBusMessage *sig = dbus_message_new_signal(n.path, IFACE_PROPS, "PropertiesChanged");
	DBusMessageIter iter, dict, array;
	const char *iface = IFACE_DEVICE;
	dbus_bool_t b = connected;

	centrals[i].connected = connected;
	dbus_message_iter_init_append(sig, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	dict_basic(&dict, "Connected", DBUS_TYPE_BOOLEAN, &b);
	dbus_message_iter_close_container(&iter, &dict);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &array);
	dbus_message_iter_close_container(&iter, &array);
	send_and_unref(sig);
}

/* Centrals 0..n-1 present and connected, the others gone; the number of roster changes that makes. */
static unsigned centrals_set(unsigned n)
{
	unsigned changes = 0;

	for (unsigned i = 0; i < MAX_CENTRALS; i++) {
		if (i < n && !centrals[i].present) {
			central_add(i);
			changes++;
		} else if (i < n && !centrals[i].connected) {
			central_set_connected(i, true);
			changes++;
		} else if (i >= n && centrals[i].present) {
			changes += centrals[i].connected;
			central_remove(i);
		}
	}
	return changes;
}

void centrals_append_objects(DBusMessageIter *objects)
{
	for (unsigned i = 0; i < MAX_CENTRALS; i++) {
		CentralNames n = names_of(i);
		DBusMessageIter entry;
		const char *path = n.path;

		if (!centrals[i].present)
			continue;
		dbus_message_iter_open_container(objects, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_OBJECT_PATH, &path);
		append_device_interfaces(&entry, i);
		dbus_message_iter_close_container(objects, &entry);
	}
}

DBusHandlerResult centrals_message(DBusMessage *msg)
{
	int i = central_of_path(dbus_message_get_path(msg));
	const char *iface = NULL;
	DBusMessage *reply;
	DBusMessageIter iter;

	if (i < 0 || !centrals[i].present)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (dbus_message_is_method_call(msg, IFACE_PROPS, "GetAll") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID) &&
	    strcmp(iface, IFACE_DEVICE) == 0) {
		reply = dbus_message_new_method_return(msg);
		dbus_message_iter_init_append(reply, &iter);
		append_device_props(&iter, (unsigned)i);
	} else {
		reply = dbus_message_new_error(msg, DBUS_ERROR_UNKNOWN_METHOD, "not implemented by bench-central");
	}
	send_and_unref(reply);
	return DBUS_HANDLER_RESULT_HANDLED;
}

/* centrals N: fake centrals 0..N-1 present and connected, the others removed. */
void cmd_centrals(char **argv, int argc)
{
	unsigned n, changes;

	if (argc != 2 || (n = (unsigned)atoi(argv[1])) > MAX_CENTRALS)
		return out_error("usage: centrals N (0..%d)", MAX_CENTRALS);
	changes = centrals_set(n);
	dbus_connection_flush(conn);
	out("{\"centrals\":%u,\"changes\":%u}", n, changes);
}

/* ---- the acquired sockets ---- */

/* The notify socket bluetoothd holds for central 0, as bench-central reads it. */
static struct {
	int fd;                /* -1: none */
	unsigned datagrams;
	unsigned wrong;        /* not 20 bytes, or not the value of the set it answers */
	bool closed;           /* gattd closed its end */
	uint64_t t_last;
} notify_link = { .fd = -1 };

void notify_socket_readable(void)
{
	uint8_t buf[600];

	for (;;) {
		ssize_t n = recv(notify_link.fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* EOF: gattd gave the socket up (it never sends an empty datagram). */
			notify_link.closed = true;
			epoll_ctl(epfd, EPOLL_CTL_DEL, notify_link.fd, NULL);
			return;
		}
		/* Set k carries k & 0xff in its first byte: each datagram is the value of the set it follows. */
		if (n != VALUE_LEN || buf[0] != (uint8_t)notify_link.datagrams)
			notify_link.wrong++;
		notify_link.datagrams++;
		notify_link.t_last = now_ns();
	}
}

/* AcquireNotify or AcquireWrite on dest's path for central 0: the socket, or -1 after an error line. */
static int acquire(const Target *t, const char *path, const char *method, uint16_t *ret_mtu)
{
	CentralNames n = names_of(0);
	DBusMessage *msg = dbus_message_new_method_call(t->dest, path, IFACE_CHRC, method), *reply;
	DBusMessageIter iter;
	DBusError err = DBUS_ERROR_INIT;
	int fd = -1;

	if (!centrals[0].connected) {
		dbus_message_unref(msg);
		out_error("%s: no fake central is connected (`centrals 1` first)", method);
		return -1;
	}
	dbus_message_iter_init_append(msg, &iter);
	append_options(&iter, n.path);
	reply = dbus_connection_send_with_reply_and_block(conn, msg, DEFAULT_TIMEOUT_MS, &err);
	dbus_message_unref(msg);
	if (!reply ||
	    !dbus_message_get_args(reply, &err, DBUS_TYPE_UNIX_FD, &fd, DBUS_TYPE_UINT16, ret_mtu, DBUS_TYPE_INVALID)) {
		out_error("%s on %s: %s", method, path, err.message);
		dbus_error_free(&err);
		if (reply)
			dbus_message_unref(reply);
		return -1;
	}
	dbus_message_unref(reply);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Notification k's value: k & 0xff, then 0x00..0x12 (20 bytes, as the set lines' hex). */
static void notify_value(uint8_t *value, unsigned k)
{
	value[0] = (uint8_t)k;
	for (size_t i = 1; i < VALUE_LEN; i++)
		value[i] = (uint8_t)(i - 1);
}

/* Notification k as a notify frame on the channel c: SETCHAR, central 0's address, tag k + 1. */
static void send_notify_frame(Client *c, const char *char_id, const char *address, unsigned k)
{
	uint8_t value[VALUE_LEN];
	g_autoptr(GByteArray) frame = g_byte_array_sized_new(FRAME_SIZE_BYTES + FRAME_NOTIFY_FIXED + 64 + VALUE_LEN);
	const FrameNotify f = { .tag = (uint64_t)k + 1, .char_id = char_id, .char_len = strlen(char_id),
		                .address = address, .address_len = strlen(address), .value = value,
		                .value_len = VALUE_LEN };

	notify_value(value, k);
	frame_put_notify(frame, &f);
	client_send(c, frame->data, frame->len);
}

/*
 * acquired-notify PID CHAR N WARMUP SOCKET SETCHAR INFLIGHT [frames]: AcquireNotify for
 * central 0, then a local client on SOCKET sends `set` with central 0's address, INFLIGHT
 * outstanding (neither more replies nor more datagrams missing than that: the socket never
 * holds more than INFLIGHT), and the datagrams on the notify socket are counted; the last N
 * after WARMUP are timed. Each datagram must be its set's value. With `frames` the client
 * is a channel (`channel`) and sends notify frames instead, one per send as the lines: gattd
 * answers none that succeeds, so only the datagrams pace the window; an error frame fails it.
 */
void cmd_acquired_notify(char **argv, int argc)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_NOTIFY_SOCKET };
	CentralNames names = names_of(0);
	Target t;
	Client *c;
	unsigned n, warmup, window, sent = 0, at_a = 0, seen = 0;
	uint16_t mtu = 0;
	uint64_t t_seen;
	Snapshot a = { 0 }, b;
	char prefix[128];
	bool frames;

	if (argc != 8 && !(argc == 9 && strcmp(argv[8], "frames") == 0))
		return out_error("usage: acquired-notify PID CHAR N WARMUP SOCKET SETCHAR INFLIGHT [frames]");
	if (!target_resolve(argv[1], &t))
		return;
	frames = argc == 9;
	n = (unsigned)atoi(argv[3]);
	warmup = (unsigned)atoi(argv[4]);
	window = (unsigned)atoi(argv[7]);
	if (n == 0 || window == 0)
		return out_error("N and INFLIGHT must be positive");
	notify_link.fd = acquire(&t, argv[2], "AcquireNotify", &mtu);
	if (notify_link.fd < 0)
		return;
	notify_link.datagrams = notify_link.wrong = 0;
	notify_link.closed = false;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, notify_link.fd, &ev) < 0)
		die("epoll: %s", strerror(errno));
	c = frames ? client_channel(argv[5]) : client_connect(argv[5]);
	t_seen = now_ns();
	while (notify_link.datagrams < warmup + n) {
		while (sent < warmup + n && (frames || sent - c->replies < window) && sent - notify_link.datagrams < window) {
			char line[256];

			if (frames) {
				send_notify_frame(c, argv[6], names.address, sent);
			} else {
				snprintf(line, sizeof(line),
				         "{\"cmd\":\"set\",\"char\":\"%s\",\"value\":\"%02x000102030405060708090a0b0c0d0e0f1011"
				         "12\",\"address\":\"%s\"}\n",
				         argv[6], sent & 0xff, names.address);
				client_send_line(c, line);
			}
			sent++;
		}
		if (c->errors || notify_link.closed || notify_link.wrong)
			break;
		iterate(1000);
		if (notify_link.datagrams >= warmup && a.t == 0) {
			a = snapshot(t.pid);
			at_a = notify_link.datagrams;
		}
		if (notify_link.datagrams != seen) {
			seen = notify_link.datagrams;
			t_seen = now_ns();
		} else if (now_ns() - t_seen > STALL_NS) {
			break;
		}
	}
	b = snapshot(t.pid);
	b.t = notify_link.t_last;
	if (c->errors && frames)
		out_error("notify frames: gattd sent %u error frames (see bench-central's log)", c->errors);
	else if (c->errors)
		out_error("set with address failed (%u errors; see bench-central's log)", c->errors);
	else if (notify_link.closed)
		out_error("gattd closed the notify socket after %u datagrams", notify_link.datagrams);
	else if (notify_link.wrong)
		out_error("%u of %u datagrams were not the value set", notify_link.wrong, notify_link.datagrams);
	else if (notify_link.datagrams < warmup + n)
		out_error("notifications stopped at %u of %u", notify_link.datagrams, warmup + n);
	else if (!frames && (!WAIT_UNTIL(c->replies >= sent, DEFAULT_TIMEOUT_MS) || c->errors))
		out_error("set with address: %u replies to %u requests, %u errors", c->replies, sent, c->errors);
	else {
		snprintf(prefix, sizeof(prefix), "{\"op\":\"acquired-notify\",\"frames\":%s,\"inflight\":%u,\"mtu\":%u",
		         frames ? "true" : "false", window, mtu);
		print_cpu(prefix, &a, &b, notify_link.datagrams - at_a);
	}
	if (!notify_link.closed)
		epoll_ctl(epfd, EPOLL_CTL_DEL, notify_link.fd, NULL);
	close(notify_link.fd);
	notify_link.fd = -1;
	clients_close_all();
	/* gattd has seen the socket close (central 0 unsubscribed) before the next command. */
	ping(t.dest);
}

/* One Write Command, value seq..seq+19; false if the socket is full (only with MSG_DONTWAIT). */
static bool write_command(int fd, unsigned seq, int flags)
{
	uint8_t value[VALUE_LEN];
	ssize_t r;

	for (size_t i = 0; i < VALUE_LEN; i++)
		value[i] = (uint8_t)(seq + i);
	do
		r = send(fd, value, VALUE_LEN, flags | MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == EAGAIN && (flags & MSG_DONTWAIT))
		return false;
	if (r != VALUE_LEN)
		die("write socket: %s", r < 0 ? strerror(errno) : "short datagram");
	return true;
}

/* The latency mode: one write at a time, until the watcher c has its event. */
static void write_latency(Client *c, int fd, unsigned n, unsigned warmup, uint16_t mtu)
{
	uint64_t *event = xcalloc(n, sizeof(uint64_t));
	size_t k = 0;

	for (unsigned i = 0; i < warmup + n; i++) {
		unsigned want = c->write_events + 1;
		uint64_t t0 = now_ns();

		write_command(fd, i, 0);
		if (!WAIT_UNTIL(c->write_events >= want || c->errors, DEFAULT_TIMEOUT_MS) || c->errors) {
			out_error("no write event for the Write Command %u", i);
			free(event);
			return;
		}
		if (i >= warmup)
			event[k++] = c->t_write_event - t0;
	}
	out("{\"op\":\"acquired-write\",\"mtu\":%u,\"n\":%zu,\"event_p50_ns\":%" PRIu64 ",\"event_p99_ns\":%" PRIu64 "}",
	    mtu, k, quantile(event, k, 0.5), quantile(event, k, 0.99));
	free(event);
}

/* The burst mode: as fast as the socket takes them, at most window without their event yet. */
static void write_burst(Client *c, int fd, const Target *t, unsigned n, unsigned warmup, unsigned window)
{
	unsigned sent = 0, at_a = 0, seen = 0;
	uint64_t t_seen = now_ns();
	Snapshot a = { 0 }, b;
	char prefix[128];

	while (c->write_events < warmup + n && !c->errors) {
		while (sent < warmup + n && sent - c->write_events < window && write_command(fd, sent, MSG_DONTWAIT))
			sent++;
		iterate(1000);
		if (c->write_events >= warmup && a.t == 0) {
			a = snapshot(t->pid);
			at_a = c->write_events;
		}
		if (c->write_events != seen) {
			seen = c->write_events;
			t_seen = now_ns();
		} else if (now_ns() - t_seen > STALL_NS) {
			break;
		}
	}
	b = snapshot(t->pid);
	b.t = c->t_write_event;
	if (c->write_events < warmup + n || c->errors)
		return out_error("write events stopped at %u of %u (%u errors)", c->write_events, warmup + n, c->errors);
	snprintf(prefix, sizeof(prefix), "{\"op\":\"acquired-write-burst\",\"inflight\":%u", window);
	print_cpu(prefix, &a, &b, c->write_events - at_a);
}

/*
 * acquired-write PID CHAR SOCKET latency|burst N WARMUP INFLIGHT: AcquireWrite for central
 * 0, a local client watching on SOCKET; latency: one Write Command at a time, the time until
 * the client has its `write` event (p50, p99 of the N after WARMUP); burst: N after WARMUP
 * as fast as the socket takes them with at most INFLIGHT not seen yet, CPU per write.
 */
void cmd_acquired_write(char **argv, int argc)
{
	Target t;
	Client *c;
	unsigned n, warmup, window;
	uint16_t mtu = 0;
	bool burst;
	int fd;

	if (argc != 8 || (strcmp(argv[4], "latency") != 0 && strcmp(argv[4], "burst") != 0))
		return out_error("usage: acquired-write PID CHAR SOCKET latency|burst N WARMUP INFLIGHT");
	if (!target_resolve(argv[1], &t))
		return;
	burst = strcmp(argv[4], "burst") == 0;
	n = (unsigned)atoi(argv[5]);
	warmup = (unsigned)atoi(argv[6]);
	window = (unsigned)atoi(argv[7]);
	if (n == 0 || window == 0)
		return out_error("N and INFLIGHT must be positive");
	c = client_watching(argv[3]);
	fd = acquire(&t, argv[2], "AcquireWrite", &mtu);
	if (fd >= 0) {
		if (burst)
			write_burst(c, fd, &t, n, warmup, window);
		else
			write_latency(c, fd, n, warmup, mtu);
		close(fd);
	}
	clients_close_all();
	ping(t.dest);
}

/* ---- the roster at scale ---- */

static long proc_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *de;
	long n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!(dir = opendir(path)))
		return -1;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

static void buf_sample(Buf *o, const char *name, pid_t pid)
{
	buf_printf(o, ",\"%s\":{\"rss_kib\":%ld,\"anon_kib\":%ld,\"fds\":%ld}", name, proc_status_kib(pid, "VmRSS"),
	           proc_status_kib(pid, "RssAnon"), proc_fd_count(pid));
}

/*
 * roster PID SOCKET NCENTRALS CHURN REPS: fake centrals 0..NCENTRALS-1 connected (a client
 * watching on SOCKET has seen each join), REPS `devices` requests one at a time (reply time,
 * NCENTRALS listed each time), then CHURN roster changes: central after central, a
 * disconnect and a connect again, by PropertiesChanged(Connected) in one pass over the
 * centrals and by InterfacesRemoved / InterfacesAdded in the next, with the watcher at most
 * CHURN_WINDOW events behind. gattd's RSS and open fds before the churn, after half of it
 * and after it (each time once the watcher has every event and gattd answers a Ping).
 */
void cmd_roster(char **argv, int argc)
{
	Target t;
	Client *c;
	unsigned nc, churn, reps, expected;
	uint64_t *reply = NULL;
	Snapshot a, b;
	Buf o = { 0 };

	if (argc != 6)
		return out_error("usage: roster PID SOCKET NCENTRALS CHURN REPS");
	if (!target_resolve(argv[1], &t))
		return;
	nc = (unsigned)atoi(argv[3]);
	churn = (unsigned)atoi(argv[4]);
	reps = (unsigned)atoi(argv[5]);
	if (nc == 0 || nc > MAX_CENTRALS || churn % 4 != 0 || reps == 0)
		return out_error("NCENTRALS must be 1..%d, CHURN a multiple of 4, REPS positive", MAX_CENTRALS);
	c = client_watching(argv[2]);
	expected = centrals_set(nc);
	if (!WAIT_UNTIL(c->central_events >= expected, DEFAULT_TIMEOUT_MS)) {
		out_error("the watcher saw %u of %u centrals join", c->central_events, expected);
		goto out;
	}
	reply = xcalloc(reps, sizeof(uint64_t));
	for (unsigned r = 0; r < reps; r++) {
		unsigned before = c->replies;
		uint64_t t0 = now_ns();

		client_send_line(c, "{\"cmd\":\"devices\"}\n");
		if (!WAIT_UNTIL(c->replies > before, DEFAULT_TIMEOUT_MS) || c->errors || c->devices_listed != nc) {
			out_error("devices: %u centrals listed of %u (%u errors)", c->devices_listed, nc, c->errors);
			goto out;
		}
		reply[r] = now_ns() - t0;
	}
	ping(t.dest);
	buf_printf(&o, "{\"centrals\":%u,\"churn\":%u", nc, churn);
	buf_sample(&o, "before", t.pid);
	a = snapshot(t.pid);
	for (unsigned e = 0; e < churn; e += 2) {
		unsigned step = e / 2, i = step % nc;

		if ((step / nc) % 2 == 0) {
			central_set_connected(i, false);
			central_set_connected(i, true);
		} else {
			central_remove(i);
			central_add(i);
		}
		expected += 2;
		if (!WAIT_UNTIL(expected - c->central_events <= CHURN_WINDOW, DEFAULT_TIMEOUT_MS) ||
		    ((e + 2 == churn / 2 || e + 2 == churn) && !WAIT_UNTIL(c->central_events >= expected, DEFAULT_TIMEOUT_MS))) {
			out_error("the watcher saw %u of %u roster events", c->central_events, expected);
			goto out;
		}
		if (e + 2 == churn / 2) {
			ping(t.dest);
			buf_sample(&o, "middle", t.pid);
		}
	}
	ping(t.dest);
	b = snapshot(t.pid);
	buf_sample(&o, "after", t.pid);
	buf_printf(&o, ",\"churn_wall_ns\":%" PRIu64 ",\"churn_cpu_ns\":%" PRId64 ",\"churn_bus_cpu_ns\":%" PRId64, b.t - a.t,
	           b.target - a.target, b.bus - a.bus);
	buf_printf(&o, ",\"devices_p50_ns\":%" PRIu64 ",\"devices_p99_ns\":%" PRIu64 ",\"devices_reps\":%u}",
	           quantile(reply, reps, 0.5), quantile(reply, reps, 0.99), reps);
	out("%s", o.s);
out:
	free(o.s);
	free(reply);
	clients_close_all();
}
