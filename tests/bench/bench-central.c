/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-central.c: the benchmarks' load generator, on a private bus.
 *
 * It owns org.bluez and implements just enough of bluetoothd for a GATT application to
 * register: the ObjectManager at / with adapters /org/bluez/hciN (Adapter1 with Powered,
 * GattManager1, LEAdvertisingManager1). RegisterApplication calls GetManagedObjects on the
 * application and replies (optionally writing allocated handles back with Properties.Set
 * first, as bluetoothd 5.66 does); RegisterAdvertisement calls GetAll on the advertisement
 * and replies. Then it acts as the central: ReadValue/WriteValue with a window of calls in
 * flight, StartNotify and counting PropertiesChanged, and as gattd's local socket clients,
 * one of them a handler (`handle`) that answers the central's requests from a thread of its
 * own, as a separate handler process would. The same code drives every target (gattd, the floor, BlueZ's example-gatt-server), so
 * their figures differ only by the target. Section 8 (bench-acquire.c) adds what bluetoothd
 * does for connected centrals: their Device1 objects, and the sockets of AcquireNotify and
 * AcquireWrite. Adapter1 carries Manufacturer and Connectable, as from BlueZ 5.79 on.
 *
 * tests/bench/run drives it: one command per line on stdin, one JSON object per result
 * line on stdout, diagnostics on stderr. Commands are listed in run_command().
 *
 * CPU time of a process is read from /proc/PID/task/ASTERISK/schedstat (nanoseconds,
 * every thread), falling back to utime+stime of /proc/PID/stat.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE      /* memmem; meson defines it, a standalone build (tests/bench/run) does not */
#endif
#include <dbus/dbus.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench-central.h"
#include "shared/frame.h"

#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_GATT_MANAGER "org.bluez.GattManager1"
#define IFACE_ADV_MANAGER "org.bluez.LEAdvertisingManager1"
#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_DESC "org.bluez.GattDescriptor1"
#define IFACE_ADV "org.bluez.LEAdvertisement1"
#define DEVICE_PATH "/org/bluez/hci0/dev_00_11_22_33_44_55"

#define MAX_ADAPTERS 4
#define MAX_INFLIGHT 256
#define MAX_SET_INFLIGHT 128     /* Handle write-backs in flight, under the bus' pending-reply limit */

/* ---- small utilities ---- */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench-central: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		die("out of memory");
	return d;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t quantile(uint64_t *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	i = (size_t)(q * (double)n);
	return v[i >= n ? n - 1 : i];
}

void buf_printf(Buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if (b->s && b->len + (size_t)n < b->cap)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			die("out of memory");
	}
	b->len += (size_t)n;
}

void buf_array_u64(Buf *b, const char *key, const uint64_t *v, unsigned n)
{
	buf_printf(b, ",\"%s\":[", key);
	for (unsigned i = 0; i < n; i++)
		buf_printf(b, "%s%" PRIu64, i ? "," : "", v[i]);
	buf_printf(b, "]");
}

static void buf_array_i64(Buf *b, const char *key, const int64_t *v, unsigned n)
{
	buf_printf(b, ",\"%s\":[", key);
	for (unsigned i = 0; i < n; i++)
		buf_printf(b, "%s%" PRId64, i ? "," : "", v[i]);
	buf_printf(b, "]");
}

/* Sum of the run time of every thread of pid in ns, or -1 if it is gone. */
static int64_t proc_cpu_ns(pid_t pid)
{
	char path[64];
	DIR *dir;
	struct dirent *de;
	int64_t sum = 0;
	bool any = false;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		char file[320];
		unsigned long long run = 0;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "/proc/%d/task/%s/schedstat", (int)pid, de->d_name);
		f = fopen(file, "r");
		if (f && fscanf(f, "%llu", &run) == 1) {
			sum += (int64_t)run;
			any = true;
		}
		if (f)
			fclose(f);
	}
	closedir(dir);
	if (!any) {
		/* No schedstat (kernel without CONFIG_SCHED_INFO): clock ticks from stat. */
		unsigned long ut = 0, st = 0;
		char buf[1024], *p;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (!f)
			return -1;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		p = p ? strrchr(buf, ')') : NULL;
		if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
			return -1;
		sum = (int64_t)(ut + st) * (1000000000 / sysconf(_SC_CLK_TCK));
	}
	return sum;
}

long proc_status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kib = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

/* Pss of pid in KiB (its fair share of shared pages), -1 if unknown. */
static long proc_pss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Pss:", 4) == 0) {
			kib = strtol(line + 4, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

/* ---- state ---- */

typedef struct {
	char name[8];
	char path[32];
	char address[18];
	bool present;
	bool powered;
	uint16_t next_handle;
} Adapter;

typedef enum { REG_PENDING, REG_DONE, REG_FAILED } RegState;

/* An application or advertisement registration, as bluetoothd keeps it. */
typedef struct {
	bool used;
	bool is_app;
	char *sender;
	char *path;
	int adapter;
	RegState state;
	DBusMessage *call;         /* the Register* call to answer, while pending */
	uint64_t t_call, t_objects, t_done;
	unsigned services, chars, descs;
	/* Handle write-back */
	char **set_paths;
	char **set_ifaces;
	unsigned set_total, set_sent, set_done;
	unsigned generation;       /* how many times this sender registered one of these */
} Registration;

typedef struct {
	char *name;
	pid_t pid;
	uint64_t t_root_objects;   /* when it called GetManagedObjects on / (0: never) */
} Peer;

typedef struct {
	uint32_t serial;
	uint64_t t_sent;
} Inflight;

DBusConnection *conn;
int epfd = -1;
static DBusWatch *watches[8];
static Adapter adapters[MAX_ADAPTERS];
static Registration regs[256];
static Peer peers[64];
static pid_t bus_pid;
static bool set_handles;       /* write handles back at RegisterApplication, as bluetoothd does */

/* The running scenario's central calls and signal counting. */
static struct {
	Inflight inflight[MAX_INFLIGHT];
	unsigned n_inflight;
	unsigned replies, errors;
	uint64_t t_last_reply;
	uint64_t *rtt;             /* per-call round trip, when recording */
	size_t rtt_cap, rtt_len;
	/* notifications */
	const char *sig_sender;
	const char *sig_path;
	unsigned notifications;
	uint64_t t_last_notification;
} sc;

static char stdin_buf[65536];
static size_t stdin_len;
static bool stdin_eof;

/* ---- the main loop: libdbus watches and sockets on epoll ---- */

static void dbus_fd_update(void)
{
	int fd = -1;
	uint32_t events = 0;
	struct epoll_event ev = { 0 };
	static int registered_fd = -1;

	for (size_t i = 0; i < sizeof(watches) / sizeof(watches[0]); i++) {
		unsigned flags;

		if (!watches[i])
			continue;
		fd = dbus_watch_get_unix_fd(watches[i]);
		if (!dbus_watch_get_enabled(watches[i]))
			continue;
		flags = dbus_watch_get_flags(watches[i]);
		if (flags & DBUS_WATCH_READABLE)
			events |= EPOLLIN;
		if (flags & DBUS_WATCH_WRITABLE)
			events |= EPOLLOUT;
	}
	if (fd < 0) {
		if (registered_fd >= 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, registered_fd, NULL);
		registered_fd = -1;
		return;
	}
	ev.events = events;
	ev.data.u64 = TAG_DBUS;
	if (registered_fd == fd)
		epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
	else {
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
		registered_fd = fd;
	}
}

static dbus_bool_t watch_add(DBusWatch *watch, void *data)
{
	for (size_t i = 0; i < sizeof(watches) / sizeof(watches[0]); i++)
		if (!watches[i]) {
			watches[i] = watch;
			dbus_fd_update();
			return TRUE;
		}
	return FALSE;
}

static void watch_remove(DBusWatch *watch, void *data)
{
	for (size_t i = 0; i < sizeof(watches) / sizeof(watches[0]); i++)
		if (watches[i] == watch)
			watches[i] = NULL;
	dbus_fd_update();
}

static void watch_toggled(DBusWatch *watch, void *data)
{
	dbus_fd_update();
}

/* Pending calls' timeouts never fire: every wait here has its own deadline. */
static dbus_bool_t timeout_add(DBusTimeout *t, void *data)
{
	return TRUE;
}

static void timeout_remove(DBusTimeout *t, void *data)
{
}

static void client_on_readable(Client *c);
static Client **clients;
static unsigned n_clients;

static void dispatch_all(void)
{
	while (dbus_connection_get_dispatch_status(conn) == DBUS_DISPATCH_DATA_REMAINS)
		dbus_connection_dispatch(conn);
}

static void stdin_readable(void)
{
	ssize_t n;

	if (stdin_len == sizeof(stdin_buf))
		die("command line too long");
	n = read(0, stdin_buf + stdin_len, sizeof(stdin_buf) - stdin_len);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			stdin_eof = true;
			epoll_ctl(epfd, EPOLL_CTL_DEL, 0, NULL);
		}
		return;
	}
	stdin_len += (size_t)n;
}

void iterate(int timeout_ms)
{
	struct epoll_event events[64];
	int n;

	dispatch_all();
	n = epoll_wait(epfd, events, 64, timeout_ms);
	for (int i = 0; i < n; i++) {
		uint64_t tag = events[i].data.u64;

		if (tag == TAG_DBUS) {
			unsigned flags = 0;

			if (events[i].events & EPOLLIN)
				flags |= DBUS_WATCH_READABLE;
			if (events[i].events & EPOLLOUT)
				flags |= DBUS_WATCH_WRITABLE;
			if (events[i].events & EPOLLHUP)
				flags |= DBUS_WATCH_HANGUP;
			if (events[i].events & EPOLLERR)
				flags |= DBUS_WATCH_ERROR;
			for (size_t w = 0; w < sizeof(watches) / sizeof(watches[0]); w++) {
				DBusWatch *watch = watches[w];
				unsigned wf;

				if (!watch || !dbus_watch_get_enabled(watch))
					continue;
				wf = dbus_watch_get_flags(watch) | DBUS_WATCH_HANGUP | DBUS_WATCH_ERROR;
				if (flags & wf)
					dbus_watch_handle(watch, flags & wf);
			}
		} else if (tag == TAG_STDIN) {
			stdin_readable();
		} else if (tag == TAG_NOTIFY_SOCKET) {
			notify_socket_readable();
		} else if (tag - TAG_CLIENT < n_clients) {
			client_on_readable(clients[tag - TAG_CLIENT]);
		}
	}
	dispatch_all();
	if (!dbus_connection_get_is_connected(conn))
		die("lost the bus connection");
}

/* ---- output ---- */

void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void out_error(const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (char *p = text; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '\'';
	fprintf(stderr, "bench-central: %s\n", text);
	out("{\"error\":\"%s\"}", text);
}

/* ---- peers (connections that talk to us) and their pids ---- */

static Peer *peer_get(const char *name, bool create)
{
	Peer *free_slot = NULL;

	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		if (peers[i].name && strcmp(peers[i].name, name) == 0)
			return &peers[i];
		if (!peers[i].name && !free_slot)
			free_slot = &peers[i];
	}
	if (!create)
		return NULL;
	if (!free_slot)
		die("more than %zu connections talk to org.bluez at once", sizeof(peers) / sizeof(peers[0]));
	free_slot->name = xstrdup(name);
	free_slot->pid = 0;
	free_slot->t_root_objects = 0;
	return free_slot;
}

/* The pid of a unique name, asked of the bus daemon (blocking; never inside a measurement). */
static pid_t peer_pid(Peer *p)
{
	DBusMessage *msg, *reply;
	DBusError err = DBUS_ERROR_INIT;
	dbus_uint32_t pid = 0;

	if (p->pid)
		return p->pid;
	msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
	                                   "GetConnectionUnixProcessID");
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &p->name, DBUS_TYPE_INVALID);
	reply = dbus_connection_send_with_reply_and_block(conn, msg, 5000, &err);
	dbus_message_unref(msg);
	if (!reply) {
		dbus_error_free(&err);
		return 0;
	}
	if (dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &pid, DBUS_TYPE_INVALID))
		p->pid = (pid_t)pid;
	dbus_message_unref(reply);
	return p->pid;
}

static const char *sender_of_pid(pid_t pid)
{
	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++)
		if (peers[i].name && peer_pid(&peers[i]) == pid)
			return peers[i].name;
	return NULL;
}

/* ---- registrations ---- */

static void reg_clear(Registration *r)
{
	if (r->call)
		dbus_message_unref(r->call);
	for (unsigned i = 0; i < r->set_total; i++) {
		free(r->set_paths[i]);
		free(r->set_ifaces[i]);
	}
	free(r->set_paths);
	free(r->set_ifaces);
	free(r->sender);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

static Registration *reg_find(bool is_app, const char *sender, const char *path)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		Registration *r = &regs[i];

		if (r->used && r->is_app == is_app && strcmp(r->sender, sender) == 0 &&
		    (!path || strcmp(r->path, path) == 0))
			return r;
	}
	return NULL;
}

static Registration *reg_new(bool is_app, const char *sender, const char *path, int adapter, DBusMessage *call)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		Registration *r = &regs[i];

		if (r->used)
			continue;
		r->used = true;
		r->is_app = is_app;
		r->sender = xstrdup(sender);
		r->path = xstrdup(path);
		r->adapter = adapter;
		r->state = REG_PENDING;
		r->call = dbus_message_ref(call);
		r->t_call = now_ns();
		return r;
	}
	die("too many registrations");
	return NULL;
}

/* A generation counter per sender survives unregistration, so waits can ask for "the next one". */
static unsigned generations[256];
static char *generation_names[256];

static unsigned *generation_of(const char *sender, bool is_app)
{
	for (size_t i = 0; i < 128; i++) {
		size_t k = i * 2 + (is_app ? 0 : 1);

		if (generation_names[k] && strcmp(generation_names[k], sender) == 0)
			return &generations[k];
		if (!generation_names[k]) {
			generation_names[k] = xstrdup(sender);
			return &generations[k];
		}
	}
	die("too many senders");
	return NULL;
}

static void drop_registrations(const char *sender, int adapter)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		Registration *r = &regs[i];

		if (r->used && (!sender || strcmp(r->sender, sender) == 0) && (adapter < 0 || r->adapter == adapter))
			reg_clear(r);
	}
}

/* ---- adapters ---- */

static int adapter_index(const char *path_or_name)
{
	for (int i = 0; i < MAX_ADAPTERS; i++)
		if (strcmp(adapters[i].path, path_or_name) == 0 || strcmp(adapters[i].name, path_or_name) == 0)
			return i;
	return -1;
}

void dict_basic(DBusMessageIter *dict, const char *key, int type, const void *value)
{
	DBusMessageIter entry, variant;
	char sig[2] = { (char)type, 0 };

	dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sig, &variant);
	dbus_message_iter_append_basic(&variant, type, value);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(dict, &entry);
}

static void append_adapter_props(DBusMessageIter *iter, const Adapter *a)
{
	DBusMessageIter dict;
	const char *address = a->address, *name = a->name, *type = "public";
	dbus_bool_t powered = a->powered, f = FALSE;
	dbus_uint32_t cls = 0;
	uint16_t manufacturer = 0x05f1;   /* the Linux Foundation */

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	dict_basic(&dict, "Address", DBUS_TYPE_STRING, &address);
	dict_basic(&dict, "AddressType", DBUS_TYPE_STRING, &type);
	dict_basic(&dict, "Name", DBUS_TYPE_STRING, &name);
	dict_basic(&dict, "Alias", DBUS_TYPE_STRING, &name);
	dict_basic(&dict, "Class", DBUS_TYPE_UINT32, &cls);
	dict_basic(&dict, "Powered", DBUS_TYPE_BOOLEAN, &powered);
	dict_basic(&dict, "Discoverable", DBUS_TYPE_BOOLEAN, &f);
	dict_basic(&dict, "Pairable", DBUS_TYPE_BOOLEAN, &f);
	dict_basic(&dict, "Discovering", DBUS_TYPE_BOOLEAN, &f);
	/* As BlueZ 5.79 and later: per-central acquired sockets that notify one central (section 8). */
	dict_basic(&dict, "Manufacturer", DBUS_TYPE_UINT16, &manufacturer);
	dict_basic(&dict, "Connectable", DBUS_TYPE_BOOLEAN, &f);
	dbus_message_iter_close_container(iter, &dict);
}

static void append_adv_manager_props(DBusMessageIter *iter)
{
	DBusMessageIter dict, entry, variant, array;
	uint8_t active = 0, supported = 5;
	const char *key = "SupportedIncludes";
	const char *includes[] = { "tx-power", "appearance", "local-name" };

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	dict_basic(&dict, "ActiveInstances", DBUS_TYPE_BYTE, &active);
	dict_basic(&dict, "SupportedInstances", DBUS_TYPE_BYTE, &supported);
	dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "as", &variant);
	dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, "s", &array);
	for (size_t i = 0; i < 3; i++)
		dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &includes[i]);
	dbus_message_iter_close_container(&variant, &array);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(&dict, &entry);
	dbus_message_iter_close_container(iter, &dict);
}

/* The a{sa{sv}} of an adapter's interfaces, for GetManagedObjects and InterfacesAdded. */
static void append_adapter_interfaces(DBusMessageIter *iter, const Adapter *a)
{
	DBusMessageIter ifaces, entry, empty;
	const char *names[] = { IFACE_ADAPTER, IFACE_GATT_MANAGER, IFACE_ADV_MANAGER };

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sa{sv}}", &ifaces);
	for (size_t i = 0; i < 3; i++) {
		dbus_message_iter_open_container(&ifaces, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &names[i]);
		if (i == 0)
			append_adapter_props(&entry, a);
		else if (i == 2)
			append_adv_manager_props(&entry);
		else {
			dbus_message_iter_open_container(&entry, DBUS_TYPE_ARRAY, "{sv}", &empty);
			dbus_message_iter_close_container(&entry, &empty);
		}
		dbus_message_iter_close_container(&ifaces, &entry);
	}
	dbus_message_iter_close_container(iter, &ifaces);
}

void send_and_unref(DBusMessage *msg)
{
	if (!dbus_connection_send(conn, msg, NULL))
		die("out of memory");
	dbus_message_unref(msg);
}

static void adapter_add(int i, bool powered)
{
	Adapter *a = &adapters[i];
	DBusMessage *sig = dbus_message_new_signal("/", IFACE_OM, "InterfacesAdded");
	DBusMessageIter iter;
	const char *path = a->path;

	a->present = true;
	a->powered = powered;
	dbus_message_iter_init_append(sig, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_OBJECT_PATH, &path);
	append_adapter_interfaces(&iter, a);
	send_and_unref(sig);
}

static void adapter_remove(int i)
{
	Adapter *a = &adapters[i];
	DBusMessage *sig = dbus_message_new_signal("/", IFACE_OM, "InterfacesRemoved");
	DBusMessageIter iter, array;
	const char *path = a->path;
	const char *names[] = { IFACE_ADAPTER, IFACE_GATT_MANAGER, IFACE_ADV_MANAGER };

	a->present = false;
	a->powered = false;
	/* bluetoothd frees the applications and advertisements of a removed adapter. */
	drop_registrations(NULL, i);
	dbus_message_iter_init_append(sig, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_OBJECT_PATH, &path);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &array);
	for (size_t k = 0; k < 3; k++)
		dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &names[k]);
	dbus_message_iter_close_container(&iter, &array);
	send_and_unref(sig);
}

static void adapter_set_powered(int i, bool powered)
{
	Adapter *a = &adapters[i];
	DBusMessage *sig;
	DBusMessageIter iter, dict, array;
	const char *iface = IFACE_ADAPTER;
	dbus_bool_t b = powered;

	if (a->powered == powered)
		return;
	a->powered = powered;
	sig = dbus_message_new_signal(a->path, IFACE_PROPS, "PropertiesChanged");
	dbus_message_iter_init_append(sig, &iter);
	dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	dict_basic(&dict, "Powered", DBUS_TYPE_BOOLEAN, &b);
	dbus_message_iter_close_container(&iter, &dict);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &array);
	dbus_message_iter_close_container(&iter, &array);
	send_and_unref(sig);
}

/* ---- bluetoothd's side: method calls to org.bluez ---- */

static DBusHandlerResult reply_error(DBusMessage *msg, const char *name, const char *text)
{
	DBusMessage *reply = dbus_message_new_error(msg, name, text);

	send_and_unref(reply);
	return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusHandlerResult reply_empty(DBusMessage *msg)
{
	if (!dbus_message_get_no_reply(msg))
		send_and_unref(dbus_message_new_method_return(msg));
	return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusHandlerResult root_message(DBusConnection *c, DBusMessage *msg, void *data)
{
	DBusMessage *reply;
	DBusMessageIter iter, objects, entry;

	if (!dbus_message_is_method_call(msg, IFACE_OM, "GetManagedObjects"))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	peer_get(dbus_message_get_sender(msg), true)->t_root_objects = now_ns();
	reply = dbus_message_new_method_return(msg);
	dbus_message_iter_init_append(reply, &iter);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{oa{sa{sv}}}", &objects);
	for (int i = 0; i < MAX_ADAPTERS; i++) {
		const char *path = adapters[i].path;

		if (!adapters[i].present)
			continue;
		dbus_message_iter_open_container(&objects, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_OBJECT_PATH, &path);
		append_adapter_interfaces(&entry, &adapters[i]);
		dbus_message_iter_close_container(&objects, &entry);
	}
	centrals_append_objects(&objects);
	dbus_message_iter_close_container(&iter, &objects);
	send_and_unref(reply);
	return DBUS_HANDLER_RESULT_HANDLED;
}

static void registration_finish(Registration *r, const char *error_name, const char *error_text)
{
	DBusMessage *reply;

	r->t_done = now_ns();
	if (error_name) {
		reply = dbus_message_new_error(r->call, error_name, error_text);
		r->state = REG_FAILED;
		fprintf(stderr, "bench-central: %s of %s %s failed: %s\n", r->is_app ? "application" : "advertisement",
		        r->sender, r->path, error_text);
	} else {
		reply = dbus_message_new_method_return(r->call);
		r->state = REG_DONE;
		(*generation_of(r->sender, r->is_app))++;
	}
	send_and_unref(reply);
	dbus_message_unref(r->call);
	r->call = NULL;
	if (error_name)
		reg_clear(r);
}

/* Locate a registration again by its identity: the pointer may have been freed meanwhile. */
typedef struct {
	bool is_app;
	char *sender;
	char *path;
} RegKey;

static RegKey *reg_key_new(const Registration *r)
{
	RegKey *k = xcalloc(1, sizeof(*k));

	k->is_app = r->is_app;
	k->sender = xstrdup(r->sender);
	k->path = xstrdup(r->path);
	return k;
}

static void reg_key_free(void *data)
{
	RegKey *k = data;

	free(k->sender);
	free(k->path);
	free(k);
}

static Registration *reg_from_key(const RegKey *k)
{
	Registration *r = reg_find(k->is_app, k->sender, k->path);

	return r && r->state == REG_PENDING ? r : NULL;
}

static void call_with_reply(DBusMessage *msg, DBusPendingCallNotifyFunction func, void *data,
                            DBusFreeFunction free_data)
{
	DBusPendingCall *pending = NULL;

	if (!dbus_connection_send_with_reply(conn, msg, &pending, DBUS_TIMEOUT_INFINITE) || !pending)
		die("cannot send %s", dbus_message_get_member(msg));
	dbus_pending_call_set_notify(pending, func, data, free_data);
	dbus_pending_call_unref(pending);
	dbus_message_unref(msg);
}

static void send_handle_sets(Registration *r);

static void set_handle_reply(DBusPendingCall *pending, void *data)
{
	Registration *r = reg_from_key(data);
	DBusMessage *reply = dbus_pending_call_steal_reply(pending);

	if (r) {
		if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
			fprintf(stderr, "bench-central: Set(Handle) on %s: %s\n", r->sender,
			        dbus_message_get_error_name(reply));
		r->set_done++;
		if (r->set_done == r->set_total)
			registration_finish(r, NULL, NULL);
		else
			send_handle_sets(r);
	}
	dbus_message_unref(reply);
}

static void send_handle_sets(Registration *r)
{
	while (r->set_sent < r->set_total && r->set_sent - r->set_done < MAX_SET_INFLIGHT) {
		DBusMessage *msg = dbus_message_new_method_call(r->sender, r->set_paths[r->set_sent], IFACE_PROPS, "Set");
		DBusMessageIter iter, variant;
		const char *iface = r->set_ifaces[r->set_sent], *name = "Handle";
		uint16_t handle = adapters[r->adapter].next_handle++;

		dbus_message_iter_init_append(msg, &iter);
		dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface);
		dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &name);
		dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, "q", &variant);
		dbus_message_iter_append_basic(&variant, DBUS_TYPE_UINT16, &handle);
		dbus_message_iter_close_container(&iter, &variant);
		r->set_sent++;
		call_with_reply(msg, set_handle_reply, reg_key_new(r), reg_key_free);
	}
}

/* Note an object needing its Handle written back: it has Handle and it is 0. */
static void note_handle(Registration *r, const char *path, const char *iface, DBusMessageIter *props)
{
	DBusMessageIter dict;

	dbus_message_iter_recurse(props, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&dict)) {
		DBusMessageIter entry, variant;
		const char *key;
		uint16_t handle = 1;

		dbus_message_iter_recurse(&dict, &entry);
		dbus_message_iter_get_basic(&entry, &key);
		if (strcmp(key, "Handle") != 0)
			continue;
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &variant);
		if (dbus_message_iter_get_arg_type(&variant) == DBUS_TYPE_UINT16)
			dbus_message_iter_get_basic(&variant, &handle);
		if (handle != 0)
			return;
		if ((r->set_total & (r->set_total - 1)) == 0) {
			unsigned cap = r->set_total ? r->set_total * 2 : 64;

			r->set_paths = realloc(r->set_paths, cap * sizeof(char *));
			r->set_ifaces = realloc(r->set_ifaces, cap * sizeof(char *));
			if (!r->set_paths || !r->set_ifaces)
				die("out of memory");
		}
		r->set_paths[r->set_total] = xstrdup(path);
		r->set_ifaces[r->set_total] = xstrdup(iface);
		r->set_total++;
		return;
	}
}

static void app_objects_reply(DBusPendingCall *pending, void *data)
{
	Registration *r = reg_from_key(data);
	DBusMessage *reply = dbus_pending_call_steal_reply(pending);
	DBusMessageIter iter, objects;

	if (!r)
		goto out;
	r->t_objects = now_ns();
	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR ||
	    strcmp(dbus_message_get_signature(reply), "a{oa{sa{sv}}}") != 0) {
		registration_finish(r, "org.bluez.Error.Failed", "GetManagedObjects failed");
		goto out;
	}
	dbus_message_iter_init(reply, &iter);
	dbus_message_iter_recurse(&iter, &objects);
	for (; dbus_message_iter_get_arg_type(&objects) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&objects)) {
		DBusMessageIter entry, ifaces;
		const char *path;

		dbus_message_iter_recurse(&objects, &entry);
		dbus_message_iter_get_basic(&entry, &path);
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &ifaces);
		for (; dbus_message_iter_get_arg_type(&ifaces) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&ifaces)) {
			DBusMessageIter ientry;
			const char *iface;

			dbus_message_iter_recurse(&ifaces, &ientry);
			dbus_message_iter_get_basic(&ientry, &iface);
			dbus_message_iter_next(&ientry);
			if (strcmp(iface, IFACE_SERVICE) == 0)
				r->services++;
			else if (strcmp(iface, IFACE_CHRC) == 0)
				r->chars++;
			else if (strcmp(iface, IFACE_DESC) == 0)
				r->descs++;
			else
				continue;
			if (set_handles)
				note_handle(r, path, iface, &ientry);
		}
	}
	if (r->services == 0)
		registration_finish(r, "org.bluez.Error.InvalidArguments", "no services");
	else if (r->set_total > 0)
		send_handle_sets(r);
	else
		registration_finish(r, NULL, NULL);
out:
	dbus_message_unref(reply);
}

static void adv_props_reply(DBusPendingCall *pending, void *data)
{
	Registration *r = reg_from_key(data);
	DBusMessage *reply = dbus_pending_call_steal_reply(pending);

	if (r) {
		r->t_objects = now_ns();
		if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
			registration_finish(r, "org.bluez.Error.Failed", "GetAll(LEAdvertisement1) failed");
		else
			registration_finish(r, NULL, NULL);
	}
	dbus_message_unref(reply);
}

static DBusHandlerResult on_register(DBusMessage *msg, int adapter, bool is_app)
{
	const char *sender = dbus_message_get_sender(msg);
	const char *path = NULL;
	Registration *r;
	DBusMessage *call;

	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID))
		return reply_error(msg, "org.bluez.Error.InvalidArguments", "expected (oa{sv})");
	peer_get(sender, true);
	if (reg_find(is_app, sender, path))
		return reply_error(msg, "org.bluez.Error.AlreadyExists", "Already Exists");
	r = reg_new(is_app, sender, path, adapter, msg);
	if (is_app) {
		call = dbus_message_new_method_call(sender, path, IFACE_OM, "GetManagedObjects");
		call_with_reply(call, app_objects_reply, reg_key_new(r), reg_key_free);
	} else {
		const char *iface = IFACE_ADV;

		call = dbus_message_new_method_call(sender, path, IFACE_PROPS, "GetAll");
		dbus_message_append_args(call, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID);
		call_with_reply(call, adv_props_reply, reg_key_new(r), reg_key_free);
	}
	return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusHandlerResult on_unregister(DBusMessage *msg, bool is_app)
{
	const char *path = NULL;
	Registration *r;

	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID))
		return reply_error(msg, "org.bluez.Error.InvalidArguments", "expected (o)");
	r = reg_find(is_app, dbus_message_get_sender(msg), path);
	if (!r)
		return reply_error(msg, "org.bluez.Error.DoesNotExist", "Does Not Exist");
	reg_clear(r);
	return reply_empty(msg);
}

static DBusHandlerResult adapter_properties(DBusMessage *msg, int i)
{
	const char *iface = NULL, *name = NULL;
	DBusMessage *reply;
	DBusMessageIter iter, variant;

	if (dbus_message_is_method_call(msg, IFACE_PROPS, "GetAll") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID) &&
	    strcmp(iface, IFACE_ADAPTER) == 0) {
		reply = dbus_message_new_method_return(msg);
		dbus_message_iter_init_append(reply, &iter);
		append_adapter_props(&iter, &adapters[i]);
		send_and_unref(reply);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (dbus_message_is_method_call(msg, IFACE_PROPS, "Get") &&
	    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID) &&
	    strcmp(iface, IFACE_ADAPTER) == 0 && strcmp(name, "Powered") == 0) {
		dbus_bool_t b = adapters[i].powered;

		reply = dbus_message_new_method_return(msg);
		dbus_message_iter_init_append(reply, &iter);
		dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, "b", &variant);
		dbus_message_iter_append_basic(&variant, DBUS_TYPE_BOOLEAN, &b);
		dbus_message_iter_close_container(&iter, &variant);
		send_and_unref(reply);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (dbus_message_is_method_call(msg, IFACE_PROPS, "Set") && strcmp(dbus_message_get_signature(msg), "ssv") == 0) {
		dbus_bool_t b = FALSE;

		dbus_message_iter_init(msg, &iter);
		dbus_message_iter_get_basic(&iter, &iface);
		dbus_message_iter_next(&iter);
		dbus_message_iter_get_basic(&iter, &name);
		dbus_message_iter_next(&iter);
		dbus_message_iter_recurse(&iter, &variant);
		if (strcmp(iface, IFACE_ADAPTER) != 0 || strcmp(name, "Powered") != 0 ||
		    dbus_message_iter_get_arg_type(&variant) != DBUS_TYPE_BOOLEAN)
			return reply_error(msg, DBUS_ERROR_INVALID_ARGS, "only Powered (b) can be set here");
		dbus_message_iter_get_basic(&variant, &b);
		adapter_set_powered(i, b);
		return reply_empty(msg);
	}
	return reply_error(msg, DBUS_ERROR_UNKNOWN_METHOD, "not implemented by bench-central");
}

/* dbus-python (the peer) needs the signatures: with an empty options dict it cannot guess them. */
static const char adapter_xml[] =
	DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE
	"<node>\n"
	" <interface name=\"" IFACE_GATT_MANAGER "\">\n"
	"  <method name=\"RegisterApplication\"><arg name=\"application\" type=\"o\" direction=\"in\"/>"
	"<arg name=\"options\" type=\"a{sv}\" direction=\"in\"/></method>\n"
	"  <method name=\"UnregisterApplication\"><arg name=\"application\" type=\"o\" direction=\"in\"/></method>\n"
	" </interface>\n"
	" <interface name=\"" IFACE_ADV_MANAGER "\">\n"
	"  <method name=\"RegisterAdvertisement\"><arg name=\"advertisement\" type=\"o\" direction=\"in\"/>"
	"<arg name=\"options\" type=\"a{sv}\" direction=\"in\"/></method>\n"
	"  <method name=\"UnregisterAdvertisement\"><arg name=\"service\" type=\"o\" direction=\"in\"/></method>\n"
	" </interface>\n"
	"</node>\n";

static DBusHandlerResult adapter_message(DBusConnection *c, DBusMessage *msg, void *data)
{
	int i = adapter_index(dbus_message_get_path(msg));

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (i < 0 && centrals_message(msg) == DBUS_HANDLER_RESULT_HANDLED)
		return DBUS_HANDLER_RESULT_HANDLED;
	if (i < 0 || !adapters[i].present)
		return reply_error(msg, DBUS_ERROR_UNKNOWN_OBJECT, "no such object");
	if (dbus_message_is_method_call(msg, IFACE_GATT_MANAGER, "RegisterApplication"))
		return on_register(msg, i, true);
	if (dbus_message_is_method_call(msg, IFACE_GATT_MANAGER, "UnregisterApplication"))
		return on_unregister(msg, true);
	if (dbus_message_is_method_call(msg, IFACE_ADV_MANAGER, "RegisterAdvertisement"))
		return on_register(msg, i, false);
	if (dbus_message_is_method_call(msg, IFACE_ADV_MANAGER, "UnregisterAdvertisement"))
		return on_unregister(msg, false);
	if (dbus_message_has_interface(msg, IFACE_PROPS))
		return adapter_properties(msg, i);
	if (dbus_message_is_method_call(msg, DBUS_INTERFACE_INTROSPECTABLE, "Introspect")) {
		DBusMessage *reply = dbus_message_new_method_return(msg);
		const char *xml = adapter_xml;

		dbus_message_append_args(reply, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID);
		send_and_unref(reply);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	return reply_error(msg, DBUS_ERROR_UNKNOWN_METHOD, "not implemented by bench-central");
}

/* ---- the central's side: replies and signals ---- */

static void on_central_reply(DBusMessage *msg)
{
	uint32_t serial = dbus_message_get_reply_serial(msg);
	uint64_t t = now_ns();

	for (unsigned i = 0; i < sc.n_inflight; i++) {
		if (sc.inflight[i].serial != serial)
			continue;
		if (dbus_message_get_type(msg) == DBUS_MESSAGE_TYPE_ERROR) {
			const char *text = NULL;

			dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
			if (sc.errors++ < 5)
				fprintf(stderr, "bench-central: call failed: %s: %s\n", dbus_message_get_error_name(msg),
				        text ? text : "");
		}
		if (sc.rtt && sc.rtt_len < sc.rtt_cap)
			sc.rtt[sc.rtt_len++] = t - sc.inflight[i].t_sent;
		sc.inflight[i] = sc.inflight[--sc.n_inflight];
		sc.replies++;
		sc.t_last_reply = t;
		return;
	}
}

/* PropertiesChanged(GattCharacteristic1, {Value...}) from the target on the char path. */
static void on_properties_changed(DBusMessage *msg)
{
	DBusMessageIter iter, dict;
	const char *iface;

	if (!sc.sig_path || strcmp(dbus_message_get_path(msg), sc.sig_path) != 0 ||
	    strcmp(dbus_message_get_sender(msg), sc.sig_sender) != 0 ||
	    strcmp(dbus_message_get_signature(msg), "sa{sv}as") != 0)
		return;
	dbus_message_iter_init(msg, &iter);
	dbus_message_iter_get_basic(&iter, &iface);
	if (strcmp(iface, IFACE_CHRC) != 0)
		return;
	dbus_message_iter_next(&iter);
	dbus_message_iter_recurse(&iter, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&dict)) {
		DBusMessageIter entry;
		const char *key;

		dbus_message_iter_recurse(&dict, &entry);
		dbus_message_iter_get_basic(&entry, &key);
		if (strcmp(key, "Value") == 0) {
			sc.notifications++;
			sc.t_last_notification = now_ns();
			return;
		}
	}
}

static DBusHandlerResult filter(DBusConnection *c, DBusMessage *msg, void *data)
{
	int type = dbus_message_get_type(msg);

	if (type == DBUS_MESSAGE_TYPE_METHOD_RETURN || type == DBUS_MESSAGE_TYPE_ERROR) {
		on_central_reply(msg);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (type != DBUS_MESSAGE_TYPE_SIGNAL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (dbus_message_is_signal(msg, IFACE_PROPS, "PropertiesChanged")) {
		on_properties_changed(msg);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged")) {
		const char *name, *old, *new;

		if (dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old, DBUS_TYPE_STRING,
		                          &new, DBUS_TYPE_INVALID) &&
		    name[0] == ':' && !*new) {
			Peer *p = peer_get(name, false);

			/* bluetoothd frees what a connection registered when it leaves the bus. */
			drop_registrations(name, -1);
			if (p) {
				free(p->name);
				memset(p, 0, sizeof(*p));
			}
		}
	}
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

/* Send a central call and track its reply. */
static void central_send(DBusMessage *msg)
{
	dbus_uint32_t serial = 0;

	if (sc.n_inflight == MAX_INFLIGHT)
		die("too many calls in flight");
	if (!dbus_connection_send(conn, msg, &serial))
		die("out of memory");
	sc.inflight[sc.n_inflight].serial = serial;
	sc.inflight[sc.n_inflight].t_sent = now_ns();
	sc.n_inflight++;
	dbus_message_unref(msg);
}

void append_options(DBusMessageIter *iter, const char *device)
{
	DBusMessageIter dict;
	const char *link = "LE";
	uint16_t mtu = 247;

	dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	{
		DBusMessageIter entry, variant;
		const char *key = "device";

		dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
		dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "o", &variant);
		dbus_message_iter_append_basic(&variant, DBUS_TYPE_OBJECT_PATH, &device);
		dbus_message_iter_close_container(&entry, &variant);
		dbus_message_iter_close_container(&dict, &entry);
	}
	dict_basic(&dict, "mtu", DBUS_TYPE_UINT16, &mtu);
	dict_basic(&dict, "link", DBUS_TYPE_STRING, &link);
	dbus_message_iter_close_container(iter, &dict);
}

static void central_read(const char *dest, const char *path)
{
	DBusMessage *msg = dbus_message_new_method_call(dest, path, IFACE_CHRC, "ReadValue");
	DBusMessageIter iter;

	dbus_message_iter_init_append(msg, &iter);
	append_options(&iter, DEVICE_PATH);
	central_send(msg);
}

static void central_write(const char *dest, const char *path, unsigned seq)
{
	DBusMessage *msg = dbus_message_new_method_call(dest, path, IFACE_CHRC, "WriteValue");
	DBusMessageIter iter, array;
	uint8_t value[VALUE_LEN];
	const uint8_t *p = value;

	for (size_t i = 0; i < VALUE_LEN; i++)
		value[i] = (uint8_t)(seq + i);
	dbus_message_iter_init_append(msg, &iter);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "y", &array);
	dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, &p, VALUE_LEN);
	dbus_message_iter_close_container(&iter, &array);
	append_options(&iter, DEVICE_PATH);
	central_send(msg);
}

static void central_simple(const char *dest, const char *path, const char *iface, const char *method)
{
	central_send(dbus_message_new_method_call(dest, path, iface, method));
}

static void scenario_reset(void)
{
	sc.n_inflight = 0;
	sc.replies = 0;
	sc.errors = 0;
	sc.rtt = NULL;
	sc.rtt_cap = sc.rtt_len = 0;
	sc.notifications = 0;
}

/* Blocking: what dest sent in reaction to what it was sent before has arrived too. */
bool ping(const char *dest)
{
	unsigned before = sc.replies;

	central_simple(dest, "/", DBUS_INTERFACE_PEER, "Ping");
	return WAIT_UNTIL(sc.replies > before, DEFAULT_TIMEOUT_MS);
}

/* ---- local socket clients (gattd's protocol: one JSON object per line) ---- */

/* A blocking connection to gattd's socket at path. */
static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot connect to %s: %s", path, strerror(errno));
	return fd;
}

/* A client on fd, a connection to gattd, read by the loop from now on. */
static Client *client_add(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	Client *c;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	if ((n_clients & (n_clients + 1)) == 0 || n_clients == 0) {
		clients = realloc(clients, (n_clients * 2 + 2) * sizeof(*clients));
		if (!clients)
			die("out of memory");
	}
	clients[n_clients] = c;
	ev.data.u64 = TAG_CLIENT + n_clients;
	n_clients++;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll: %s", strerror(errno));
	return c;
}

Client *client_connect(const char *path)
{
	return client_add(unix_connect(path));
}

Client *client_channel(const char *path)
{
	static const char line[] = "{\"cmd\":\"channel\",\"id\":1}\n";
	char reply[4096];
	size_t len = 0, off = 0;
	int fd = unix_connect(path);
	Client *c;

	while (off < sizeof(line) - 1) {
		ssize_t n = send(fd, line + off, sizeof(line) - 1 - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("channel: %s", strerror(errno));
		off += (size_t)n;
	}
	/* One byte at a time: what follows the reply line is frames. */
	while (!memchr(reply, '\n', len)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (len == sizeof(reply) || poll(&p, 1, DEFAULT_TIMEOUT_MS) != 1 || (n = recv(fd, reply + len, 1, 0)) <= 0)
			die("no reply to channel");
		len += (size_t)n;
	}
	*(char *)memchr(reply, '\n', len) = '\0';
	if (!strstr(reply, "\"ok\":true") || !strstr(reply, "\"frames\":true"))
		die("channel refused: %s", reply);
	c = client_add(fd);
	c->frames = true;
	return c;
}

void clients_close_all(void)
{
	for (unsigned i = 0; i < n_clients; i++) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, clients[i]->fd, NULL);
		close(clients[i]->fd);
		free(clients[i]);
	}
	free(clients);
	clients = NULL;
	n_clients = 0;
}

void client_send_line(Client *c, const char *line)
{
	client_send(c, line, strlen(line));
}

void client_send(Client *c, const void *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, (const char *)data + off, len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd p = { .fd = c->fd, .events = POLLOUT };

			/* gattd is not taking input: read what it sent meanwhile, then wait. */
			client_on_readable(c);
			poll(&p, 1, 100);
		} else {
			die("client socket: %s", strerror(errno));
		}
	}
}

static void client_on_line(Client *c, const char *line)
{
	if (strncmp(line, "{\"event\":", 9) == 0) {
		if (strncmp(line + 9, "\"write\"", 7) == 0) {
			c->write_events++;
			c->t_write_event = now_ns();
		} else if (strncmp(line + 9, "\"connected\"", 11) == 0 || strncmp(line + 9, "\"disconnected\"", 14) == 0) {
			c->central_events++;
		} else {
			c->other_events++;
		}
	} else if (strstr(line, "\"ok\":true")) {
		c->replies++;
		if (strstr(line, "\"devices\":[")) {
			c->devices_listed = 0;
			for (const char *p = line; (p = strstr(p, "\"address_type\":")); p++)
				c->devices_listed++;
		}
	} else {
		c->replies++;
		if (c->errors++ < 3)
			fprintf(stderr, "bench-central: client got: %s\n", line);
	}
}

/* A channel's frames in c->buf: gattd sends one only for a problem (an error frame naming a tag). */
static size_t client_on_frames(Client *c)
{
	const uint8_t *body;
	size_t start = 0, len, used;
	int r;

	while ((r = frame_next((const uint8_t *)c->buf + start, c->len - start, sizeof(c->buf) - FRAME_SIZE_BYTES,
	                       &body, &len, &used)) > 0) {
		g_autofree char *not_error = NULL;
		FrameError e;

		if (c->errors++ < 3) {
			if (frame_parse_error(body, len, &e, &not_error) == 0)
				fprintf(stderr, "bench-central: channel got an error frame for tag %" PRIu64 ": %.*s: %.*s\n",
				        e.request, (int)e.code_len, e.code, (int)e.message_len, e.message);
			else
				fprintf(stderr, "bench-central: channel got a frame of type 0x%02x (%s)\n", body[0], not_error);
		}
		start += used;
	}
	if (r < 0)
		die("channel: a frame of %zu bytes", len);
	return start;
}

static void client_on_readable(Client *c)
{
	for (;;) {
		ssize_t n;
		size_t start = 0;

		if (c->len == sizeof(c->buf))
			die("client line too long");
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (n == 0)
			die("gattd closed a client connection");
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			die("client socket: %s", strerror(errno));
		}
		c->len += (size_t)n;
		if (c->frames) {
			start = client_on_frames(c);
		} else {
			for (;;) {
				char *nl = memchr(c->buf + start, '\n', c->len - start);

				if (!nl)
					break;
				*nl = '\0';
				client_on_line(c, c->buf + start);
				start = (size_t)(nl - c->buf) + 1;
			}
		}
		memmove(c->buf, c->buf + start, c->len - start);
		c->len -= start;
	}
}

Client *client_watching(const char *socket_path)
{
	Client *c = client_connect(socket_path);

	client_send_line(c, "{\"cmd\":\"watch\"}\n");
	if (!WAIT_UNTIL(c->replies >= 1, DEFAULT_TIMEOUT_MS) || c->errors)
		die("watch was not accepted");
	return c;
}

/* ---- the handlers: local clients answering the central's requests (Handler=) ---- */

/*
 * Each claims one characteristic (of its own gattd) and answers each read request (with the
 * whole 20-byte value) and write request (accepting it) as soon as it has read it, from a
 * thread of its own: it is scheduled apart from the central, as a handler process would be,
 * and its CPU time is its thread's. Woken by poll, it reads what the socket holds in one
 * recv, answers every request in it and sends the answers in one send: one wakeup per
 * batch, as an efficient handler does. A JSON handler's answers carry no "id"; gattd's
 * replies to them are only checked for errors. A channel handler (`frames`) reads request
 * frames and sends answer frames with shared/frame.h, as a C handler would.
 */
typedef struct {
	bool frames;
	int fd;
	pthread_t thread;
	clockid_t clock;           /* the thread's CPU clock */
	/* the thread's counts; read once it is joined, but for wakeups (atomic) */
	unsigned reads, writes, batches, replies, errors;
	unsigned wakeups;          /* recv calls that returned data */
} Handler;

#define MAX_HANDLERS 2
static Handler handlers[MAX_HANDLERS];
static unsigned n_handlers;

#define HANDLER_VALUE_HEX "0102030405060708090a0b0c0d0e0f1011121314"
static const uint8_t handler_value[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };

static void send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("handler socket: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
}

/* Append the answer to the event in line (len bytes) to out; false if it is no request. */
static bool handler_answer(Handler *h, const char *line, size_t len, Buf *out)
{
	static const char read_ev[] = "{\"event\":\"read-request\"", write_ev[] = "{\"event\":\"write-request\"";
	bool write = len > sizeof(write_ev) && memcmp(line, write_ev, sizeof(write_ev) - 1) == 0;
	const char *at;
	unsigned long long id;

	if (!write && !(len > sizeof(read_ev) && memcmp(line, read_ev, sizeof(read_ev) - 1) == 0))
		return false;
	at = memmem(line, len, "\"request\":", 10);
	if (!at)
		die("request event without a request id: %.*s", (int)len, line);
	id = strtoull(at + 10, NULL, 10);
	if (write) {
		buf_printf(out, "{\"cmd\":\"answer\",\"request\":%llu}\n", id);
		h->writes++;
	} else {
		buf_printf(out, "{\"cmd\":\"answer\",\"request\":%llu,\"value\":\"" HANDLER_VALUE_HEX "\"}\n", id);
		h->reads++;
	}
	return true;
}

/* Answer the JSON lines in in[0..len) into out; returns the bytes taken (whole lines). */
static size_t handler_lines(Handler *h, const char *in, size_t len, Buf *out)
{
	size_t start = 0;
	const char *nl;

	while ((nl = memchr(in + start, '\n', len - start))) {
		size_t line_len = (size_t)(nl - (in + start));

		if (!handler_answer(h, in + start, line_len, out)) {
			h->replies++;
			if (!memmem(in + start, line_len, "\"ok\":true", 9) && h->errors++ < 3)
				fprintf(stderr, "bench-central: handler got: %.*s\n", (int)line_len, in + start);
		}
		start = (size_t)(nl - in) + 1;
	}
	return start;
}

/* Answer the frames in in[0..len) into out; returns the bytes taken (whole frames). */
static size_t handler_frames(Handler *h, const char *in, size_t len, GByteArray *out)
{
	size_t start = 0, used, body_len;
	const uint8_t *body;
	int r;

	while ((r = frame_next((const uint8_t *)in + start, len - start, CLIENT_BUF, &body, &body_len, &used)) > 0) {
		g_autofree char *not_request = NULL, *not_error = NULL;
		FrameRequest req;
		FrameError err;
		FrameAnswer a = { 0 };

		start += used;
		if (frame_parse_request(body, body_len, &req, &not_request) == 0) {
			a.request = req.request;
			if (req.type == FRAME_READ_REQUEST) {
				a.value = handler_value;
				a.value_len = sizeof(handler_value);
				h->reads++;
			} else {
				h->writes++;
			}
			frame_put_answer(out, &a);
		} else if (frame_parse_error(body, body_len, &err, &not_error) == 0 && h->errors++ < 3) {
			fprintf(stderr, "bench-central: handler got error %.*s: %.*s\n", (int)err.code_len, err.code,
			        (int)err.message_len, err.message);
		}
	}
	if (r < 0)
		die("handler: a frame of %zu bytes", body_len);
	return start;
}

static void *handler_main(void *data)
{
	static char in_bufs[MAX_HANDLERS][CLIENT_BUF];
	Handler *h = data;
	char *in = in_bufs[h - handlers];
	size_t len = 0;
	Buf out = { 0 };
	g_autoptr(GByteArray) frames = g_byte_array_new();

	for (;;) {
		struct pollfd p = { .fd = h->fd, .events = POLLIN };
		size_t start;
		ssize_t n;

		/* Not a blocking recv(): that sleeper is also woken each time gattd reads from the
		 * socket (the kernel wakes a unix socket's writer then); poll for POLLIN is not. */
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			die("handler: poll: %s", strerror(errno));
		n = recv(h->fd, in + len, CLIENT_BUF - len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;             /* handler_stop() shut the socket down */
		len += (size_t)n;
		__atomic_add_fetch(&h->wakeups, 1, __ATOMIC_RELAXED);
		out.len = 0;
		g_byte_array_set_size(frames, 0);
		start = h->frames ? handler_frames(h, in, len, frames) : handler_lines(h, in, len, &out);
		if (start == 0 && len == CLIENT_BUF)
			die("handler: line too long");
		memmove(in, in + start, len - start);
		len -= start;
		if (out.len || frames->len) {
			if (h->frames)
				send_all(h->fd, (const char *)frames->data, frames->len);
			else
				send_all(h->fd, out.s, out.len);
			h->batches++;
		}
	}
	free(out.s);
	return NULL;
}

/*
 * handler SOCKET CHAR [frames]: connect, claim CHAR with `handle` (as a handler channel
 * with frames), answer its requests from now on.
 */
static void cmd_handler(char **argv, int argc)
{
	char line[512], reply[4096];
	size_t len = 0;
	Handler *h;

	if (argc != 3 && !(argc == 4 && strcmp(argv[3], "frames") == 0))
		return out_error("usage: handler SOCKET CHAR [frames]");
	if (n_handlers == MAX_HANDLERS)
		return out_error("%d handlers are running already", MAX_HANDLERS);
	h = &handlers[n_handlers];
	memset(h, 0, sizeof(*h));
	h->frames = argc == 4;
	h->fd = unix_connect(argv[1]);
	snprintf(line, sizeof(line), "{\"cmd\":\"handle\",\"id\":1,\"chars\":[\"%s\"]%s}\n", argv[2],
	         h->frames ? ",\"frames\":true" : "");
	send_all(h->fd, line, strlen(line));
	/* One byte at a time: what follows the reply line is the channel's. */
	while (!memchr(reply, '\n', len)) {
		struct pollfd p = { .fd = h->fd, .events = POLLIN };
		ssize_t n;

		if (len == sizeof(reply) || poll(&p, 1, DEFAULT_TIMEOUT_MS) != 1 ||
		    (n = recv(h->fd, reply + len, 1, 0)) <= 0) {
			close(h->fd);
			return out_error("no reply to handle %s", argv[2]);
		}
		len += (size_t)n;
	}
	if (!memmem(reply, len, "\"ok\":true", 9)) {
		close(h->fd);
		*(char *)memchr(reply, '\n', len) = '\0';
		return out_error("handle %s refused: %s", argv[2], reply);
	}
	if (pthread_create(&h->thread, NULL, handler_main, h) != 0 || pthread_getcpuclockid(h->thread, &h->clock) != 0)
		die("cannot start the handler thread");
	n_handlers++;
	out("{\"ok\":true}");
}

/* The handler threads' CPU time in ns (0: no handler): one works at a time, the others sleep. */
static int64_t handler_cpu_ns(void)
{
	int64_t sum = 0;

	for (unsigned i = 0; i < n_handlers; i++) {
		struct timespec ts;

		if (clock_gettime(handlers[i].clock, &ts) == 0)
			sum += (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	return sum;
}

static unsigned handler_wakeups(void)
{
	unsigned sum = 0;

	for (unsigned i = 0; i < n_handlers; i++)
		sum += __atomic_load_n(&handlers[i].wakeups, __ATOMIC_RELAXED);
	return sum;
}

/* handler-stop: close the handlers' connections (gattd settles what they still held by the fallback). */
static void cmd_handler_stop(char **argv, int argc)
{
	Buf b = { 0 };

	if (n_handlers == 0)
		return out_error("no handler is running");
	for (unsigned i = 0; i < n_handlers; i++) {
		Handler *h = &handlers[i];

		shutdown(h->fd, SHUT_RDWR);
		pthread_join(h->thread, NULL);
		close(h->fd);
		buf_printf(&b, "%s{\"frames\":%s,\"reads\":%u,\"writes\":%u,\"wakeups\":%u,\"batches\":%u,\"replies\":%u,"
		           "\"errors\":%u}", i ? "," : "", h->frames ? "true" : "false", h->reads, h->writes, h->wakeups,
		           h->batches, h->replies, h->errors);
	}
	n_handlers = 0;
	out("{\"handlers\":[%.*s]}", (int)b.len, b.s);
	free(b.s);
}

/* ---- measurements ---- */

Snapshot snapshot(pid_t target)
{
	Snapshot s = { now_ns(), proc_cpu_ns(target), proc_cpu_ns(bus_pid), proc_cpu_ns(getpid()), handler_cpu_ns(),
		       handler_wakeups() };

	return s;
}

/* self_cpu_ns is all of bench-central, the handler thread included; handler_cpu_ns that thread's. */
void print_cpu(const char *prefix, const Snapshot *a, const Snapshot *b, unsigned ops)
{
	out("%s,\"ops\":%u,\"wall_ns\":%" PRIu64 ",\"target_cpu_ns\":%" PRId64 ",\"bus_cpu_ns\":%" PRId64
	    ",\"self_cpu_ns\":%" PRId64 ",\"handler_cpu_ns\":%" PRId64 ",\"handler_wakeups\":%u}",
	    prefix, ops, b->t - a->t, b->target - a->target, b->bus - a->bus, b->self - a->self,
	    b->handler - a->handler, b->handler_wakeups - a->handler_wakeups);
}

bool target_resolve(const char *pid_text, Target *ret)
{
	pid_t pid = (pid_t)atoi(pid_text);
	const char *name = pid > 0 ? sender_of_pid(pid) : NULL;

	if (!name) {
		out_error("no bus connection of pid %s has talked to org.bluez", pid_text);
		return false;
	}
	ret->dest = name;
	ret->pid = pid;
	return true;
}

/* throughput PID CHAR read|write INFLIGHT N WARMUP: calls/s, CPU per call, and the calls'
 * round trips after the warm-up (p50, p99). */
static void cmd_throughput(char **argv, int argc)
{
	Target t;
	bool write;
	unsigned window, n, warmup, sent = 0;
	Snapshot a = { 0 }, b;
	uint64_t *rtt;

	if (argc != 7)
		return out_error("usage: throughput PID CHAR read|write INFLIGHT N WARMUP");
	if (!target_resolve(argv[1], &t))
		return;
	write = strcmp(argv[3], "write") == 0;
	window = (unsigned)atoi(argv[4]);
	n = (unsigned)atoi(argv[5]);
	warmup = (unsigned)atoi(argv[6]);
	if (window < 1 || window > MAX_INFLIGHT)
		return out_error("INFLIGHT must be 1..%d", MAX_INFLIGHT);
	scenario_reset();
	rtt = xcalloc(warmup + n, sizeof(uint64_t));
	sc.rtt = rtt;
	sc.rtt_cap = warmup + n;
	while (sc.replies < warmup + n) {
		while (sent < warmup + n && sent - sc.replies < window) {
			if (write)
				central_write(t.dest, argv[2], sent);
			else
				central_read(t.dest, argv[2]);
			sent++;
		}
		iterate(1000);
		if (sc.replies >= warmup && a.t == 0)
			a = snapshot(t.pid);
		if (sc.errors) {
			out_error("%s failed (%u errors)", write ? "WriteValue" : "ReadValue", sc.errors);
			goto out;
		}
	}
	b = snapshot(t.pid);
	b.t = sc.t_last_reply;
	{
		char prefix[256];
		size_t k = sc.rtt_len > warmup ? sc.rtt_len - warmup : 0;

		/* Replies in the order they came: the first WARMUP are the warm-up's. */
		snprintf(prefix, sizeof(prefix),
		         "{\"op\":\"%s\",\"inflight\":%u,\"rtt_p50_ns\":%" PRIu64 ",\"rtt_p99_ns\":%" PRIu64, argv[3],
		         window, quantile(rtt + warmup, k, 0.5), quantile(rtt + warmup, k, 0.99));
		print_cpu(prefix, &a, &b, sc.replies - warmup);
	}
out:
	sc.rtt = NULL;
	free(rtt);
}

/* latency PID CHAR N WARMUP SOCKET|-: one WriteValue at a time; round trip, and the write
 * event at a local client watching on SOCKET. */
static void cmd_latency(char **argv, int argc)
{
	Target t;
	Client *c = NULL;
	unsigned n, warmup;
	uint64_t *rtt, *event;
	size_t k = 0;

	if (argc != 6)
		return out_error("usage: latency PID CHAR N WARMUP SOCKET|-");
	if (!target_resolve(argv[1], &t))
		return;
	n = (unsigned)atoi(argv[3]);
	warmup = (unsigned)atoi(argv[4]);
	if (strcmp(argv[5], "-") != 0)
		c = client_watching(argv[5]);
	rtt = xcalloc(n, sizeof(uint64_t));
	event = xcalloc(n, sizeof(uint64_t));
	scenario_reset();
	for (unsigned i = 0; i < warmup + n; i++) {
		unsigned want_events = c ? c->write_events + 1 : 0;
		uint64_t t0 = now_ns();

		central_write(t.dest, argv[2], i);
		if (!WAIT_UNTIL(sc.replies > i && (!c || c->write_events >= want_events), DEFAULT_TIMEOUT_MS)) {
			out_error("no reply or event for write %u", i);
			goto out;
		}
		if (sc.errors) {
			out_error("WriteValue failed");
			goto out;
		}
		if (i >= warmup) {
			rtt[k] = sc.t_last_reply - t0;
			event[k] = c ? c->t_write_event - t0 : 0;
			k++;
		}
	}
	out("{\"n\":%zu,\"rtt_p50_ns\":%" PRIu64 ",\"rtt_p99_ns\":%" PRIu64 ",\"event_p50_ns\":%" PRIu64
	    ",\"event_p99_ns\":%" PRIu64 "}",
	    k, quantile(rtt, k, 0.5), quantile(rtt, k, 0.99), quantile(event, k, 0.5), quantile(event, k, 0.99));
out:
	free(rtt);
	free(event);
	clients_close_all();
}

/* notify PID CHAR N WARMUP SOCKET|- SETCHAR INFLIGHT: StartNotify, then count PropertiesChanged
 * with Value. With SOCKET, a local client makes them with `set` (INFLIGHT requests
 * outstanding) and the last N after WARMUP are timed. Without, the target emits by itself
 * once notifying (the floor, started with --notify-count WARMUP+N): all of them are timed,
 * from StartNotify on, so its CPU time covers exactly the signals counted. */
static void cmd_notify(char **argv, int argc)
{
	Target t;
	Client *c = NULL;
	unsigned n, warmup, window, sent = 0;
	char match[512];
	Snapshot a = { 0 }, b;
	DBusError err = DBUS_ERROR_INIT;

	if (argc != 8)
		return out_error("usage: notify PID CHAR N WARMUP SOCKET|- SETCHAR INFLIGHT");
	if (!target_resolve(argv[1], &t))
		return;
	n = (unsigned)atoi(argv[3]);
	warmup = (unsigned)atoi(argv[4]);
	window = (unsigned)atoi(argv[7]);
	snprintf(match, sizeof(match),
	         "type='signal',sender='%s',path='%s',interface='" IFACE_PROPS "',member='PropertiesChanged'", t.dest,
	         argv[2]);
	dbus_bus_add_match(conn, match, &err);
	if (dbus_error_is_set(&err)) {
		out_error("AddMatch: %s", err.message);
		dbus_error_free(&err);
		return;
	}
	scenario_reset();
	sc.sig_sender = t.dest;
	sc.sig_path = argv[2];
	if (strcmp(argv[5], "-") != 0)
		c = client_connect(argv[5]);
	else {
		a = snapshot(t.pid);
		n += warmup;
		warmup = 0;
	}
	central_simple(t.dest, argv[2], IFACE_CHRC, "StartNotify");
	if (!WAIT_UNTIL(sc.replies >= 1, DEFAULT_TIMEOUT_MS) || sc.errors) {
		out_error("StartNotify failed");
		goto out;
	}
	while (sc.notifications < warmup + n) {
		if (c) {
			while (sent < warmup + n && sent - c->replies < window) {
				char line[256];

				snprintf(line, sizeof(line),
				         "{\"cmd\":\"set\",\"char\":\"%s\",\"value\":\"%02x000102030405060708090a0b0c0d0e0f1011"
				         "12\",\"notify\":true}\n",
				         argv[6], sent & 0xff);
				client_send_line(c, line);
				sent++;
			}
			if (c->errors) {
				out_error("set failed");
				goto out;
			}
		}
		iterate(5000);
		if (c && sc.notifications >= warmup && a.t == 0)
			a = snapshot(t.pid);
		if (!c && now_ns() - sc.t_last_notification > 5000000000ull && sc.notifications > 0) {
			out_error("notifications stopped at %u", sc.notifications);
			goto out;
		}
	}
	b = snapshot(t.pid);
	b.t = sc.t_last_notification;
	print_cpu("{\"op\":\"notify\"", &a, &b, sc.notifications - warmup);
	central_simple(t.dest, argv[2], IFACE_CHRC, "StopNotify");
	if (c)
		WAIT_UNTIL(c->replies >= sent, DEFAULT_TIMEOUT_MS);
	ping(t.dest);
out:
	sc.sig_path = NULL;
	dbus_bus_remove_match(conn, match, NULL);
	clients_close_all();
}

/* fanout PID CHAR SOCKET NCLIENTS REPS: NCLIENTS watching; one WriteValue; when did the
 * last one have the event. */
static void cmd_fanout(char **argv, int argc)
{
	Target t;
	unsigned nc, reps;
	uint64_t *last, *first, *reply;
	int64_t *cpu;
	unsigned done = 0;

	if (argc != 6)
		return out_error("usage: fanout PID CHAR SOCKET NCLIENTS REPS");
	if (!target_resolve(argv[1], &t))
		return;
	nc = (unsigned)atoi(argv[4]);
	reps = (unsigned)atoi(argv[5]);
	for (unsigned i = 0; i < nc; i++) {
		Client *c = client_connect(argv[3]);

		client_send_line(c, "{\"cmd\":\"watch\"}\n");
		/* Keep the accept backlog short: let gattd answer every 64 clients. */
		if (i % 64 == 63 && !WAIT_UNTIL(c->replies >= 1, DEFAULT_TIMEOUT_MS))
			break;
	}
	for (unsigned i = 0; i < n_clients; i++)
		if (!WAIT_UNTIL(clients[i]->replies >= 1, DEFAULT_TIMEOUT_MS) || clients[i]->errors) {
			out_error("client %u was not accepted as a watcher (MaxClients?)", i);
			clients_close_all();
			return;
		}
	last = xcalloc(reps, sizeof(uint64_t));
	first = xcalloc(reps, sizeof(uint64_t));
	reply = xcalloc(reps, sizeof(uint64_t));
	cpu = xcalloc(reps, sizeof(int64_t));
	scenario_reset();
	for (unsigned r = 0; r < reps; r++) {
		uint64_t t0, tl = 0, tf = UINT64_MAX;
		Snapshot a, b;
		unsigned before;
		bool all;


		ping(t.dest);
		before = sc.replies;
		a = snapshot(t.pid);
		t0 = a.t;
		central_write(t.dest, argv[2], r);
		for (;;) {
			all = sc.replies > before;
			for (unsigned i = 0; all && i < n_clients; i++)
				all = clients[i]->write_events > r;
			if (all || now_ns() - t0 > 10000000000ull)
				break;
			iterate(1000);
		}
		if (!all) {
			out_error("not every client had the event after 10 s");
			goto out;
		}
		b = snapshot(t.pid);
		for (unsigned i = 0; i < n_clients; i++) {
			if (clients[i]->t_write_event > tl)
				tl = clients[i]->t_write_event;
			if (clients[i]->t_write_event < tf)
				tf = clients[i]->t_write_event;
		}
		last[r] = tl - t0;
		first[r] = tf - t0;
		reply[r] = sc.t_last_reply - t0;
		cpu[r] = b.target - a.target;
		done++;
	}
	{
		Buf o = { 0 };

		buf_printf(&o, "{\"clients\":%u", n_clients);
		buf_array_u64(&o, "last_ns", last, done);
		buf_array_u64(&o, "first_ns", first, done);
		buf_array_u64(&o, "reply_ns", reply, done);
		buf_array_i64(&o, "target_cpu_ns", cpu, done);
		buf_printf(&o, "}");
		out("%s", o.s);
		free(o.s);
	}
out:
	free(last);
	free(first);
	free(reply);
	free(cpu);
	clients_close_all();
	ping(t.dest);
}

static const char *sender_or_error(const char *pid_text)
{
	const char *name = sender_of_pid((pid_t)atoi(pid_text));

	if (!name)
		out_error("no bus connection of pid %s has talked to org.bluez", pid_text);
	return name;
}

static int adapter_or_error(const char *name)
{
	int i = adapter_index(name);

	if (i < 0)
		out_error("no adapter %s (hci0..hci%d)", name, MAX_ADAPTERS - 1);
	return i;
}

static bool reg_done(bool is_app, const char *sender, int adapter)
{
	Registration *r = reg_find(is_app, sender, NULL);

	return r && r->state == REG_DONE && (adapter < 0 || r->adapter == adapter);
}

/* Power the adapter off and on; true once sender registered its advertisement again. */
static bool power_cycle(int adapter, const char *sender)
{
	unsigned gen;

	adapter_set_powered(adapter, false);
	if (!ping(sender))
		return false;
	gen = *generation_of(sender, false);
	adapter_set_powered(adapter, true);
	return WAIT_UNTIL(*generation_of(sender, false) > gen, DEFAULT_TIMEOUT_MS) && ping(sender);
}

/* register PID ADAPTER REPS: the adapter appears powered (InterfacesAdded, Powered=true):
 * when did RegisterApplication get its reply and the advertisement get registered, and how
 * much CPU did the target spend; then Powered off and on: when was it advertising again. */
static void cmd_register(char **argv, int argc)
{
	const char *sender;
	int adapter;
	unsigned reps, done = 0;
	uint64_t *call, *objects, *app, *adv, *on;
	int64_t *cpu, *on_cpu;
	unsigned chars = 0, services = 0, descs = 0;

	if (argc != 4)
		return out_error("usage: register PID ADAPTER REPS");
	if (!(sender = sender_or_error(argv[1])) || (adapter = adapter_or_error(argv[2])) < 0)
		return;
	if (adapters[adapter].present)
		return out_error("%s is present already", argv[2]);
	reps = (unsigned)atoi(argv[3]);
	call = xcalloc(reps, sizeof(uint64_t));
	objects = xcalloc(reps, sizeof(uint64_t));
	app = xcalloc(reps, sizeof(uint64_t));
	adv = xcalloc(reps, sizeof(uint64_t));
	on = xcalloc(reps, sizeof(uint64_t));
	cpu = xcalloc(reps, sizeof(int64_t));
	on_cpu = xcalloc(reps, sizeof(int64_t));
	scenario_reset();
	for (unsigned r = 0; r < reps; r++) {
		pid_t pid = (pid_t)atoi(argv[1]);
		Registration *ra, *rv;
		Snapshot a, b;
		unsigned gen;

		if (!ping(sender)) {
			out_error("%s does not answer Ping", sender);
			goto out;
		}
		a = snapshot(pid);
		adapter_add(adapter, true);
		if (!WAIT_UNTIL(reg_done(true, sender, adapter) && reg_done(false, sender, adapter), DEFAULT_TIMEOUT_MS)) {
			out_error("%s did not register application and advertisement on %s", sender, argv[2]);
			goto out;
		}
		ping(sender);
		b = snapshot(pid);
		ra = reg_find(true, sender, NULL);
		rv = reg_find(false, sender, NULL);
		call[r] = ra->t_call - a.t;
		objects[r] = ra->t_objects - a.t;
		app[r] = ra->t_done - a.t;
		adv[r] = rv->t_done - a.t;
		cpu[r] = b.target - a.target;
		services = ra->services;
		chars = ra->chars;
		descs = ra->descs;

		adapter_set_powered(adapter, false);
		ping(sender);
		gen = *generation_of(sender, false);
		a = snapshot(pid);
		adapter_set_powered(adapter, true);
		if (!WAIT_UNTIL(*generation_of(sender, false) > gen, DEFAULT_TIMEOUT_MS)) {
			out_error("%s did not advertise again after power-on", sender);
			goto out;
		}
		ping(sender);
		b = snapshot(pid);
		on[r] = reg_find(false, sender, NULL)->t_done - a.t;
		on_cpu[r] = b.target - a.target;

		adapter_remove(adapter);
		ping(sender);
		done++;
	}
	{
		Buf o = { 0 };

		buf_printf(&o, "{\"services\":%u,\"chars\":%u,\"descs\":%u,\"set_handles\":%s", services, chars, descs,
		           set_handles ? "true" : "false");
		buf_array_u64(&o, "call_ns", call, done);
		buf_array_u64(&o, "objects_ns", objects, done);
		buf_array_u64(&o, "app_ns", app, done);
		buf_array_u64(&o, "adv_ns", adv, done);
		buf_array_i64(&o, "target_cpu_ns", cpu, done);
		buf_array_u64(&o, "poweron_adv_ns", on, done);
		buf_array_i64(&o, "poweron_cpu_ns", on_cpu, done);
		buf_printf(&o, "}");
		out("%s", o.s);
		free(o.s);
	}
out:
	if (adapters[adapter].present)
		adapter_remove(adapter);
	free(call);
	free(objects);
	free(app);
	free(adv);
	free(on);
	free(cpu);
	free(on_cpu);
}

static bool in_list(const char *list, unsigned value)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if ((unsigned)atoi(tok) == value)
			return true;
	return false;
}

/* cycles PID ADAPTER N SAMPLES SOCKET|-: N power cycles (off, on, advertisement registered
 * again), with a local client watching on SOCKET; RSS of PID after the cycles in SAMPLES. */
static void cmd_cycles(char **argv, int argc)
{
	const char *sender;
	int adapter;
	unsigned n;
	pid_t pid;
	Buf o = { 0 };
	Snapshot a, b;

	if (argc != 6)
		return out_error("usage: cycles PID ADAPTER N SAMPLES SOCKET|-");
	if (!(sender = sender_or_error(argv[1])) || (adapter = adapter_or_error(argv[2])) < 0)
		return;
	pid = (pid_t)atoi(argv[1]);
	n = (unsigned)atoi(argv[3]);
	if (!reg_done(true, sender, adapter) || !reg_done(false, sender, adapter))
		return out_error("%s is not registered and advertising on %s", sender, argv[2]);
	if (strcmp(argv[5], "-") != 0)
		client_watching(argv[5]);
	scenario_reset();
	a = snapshot(pid);
	buf_printf(&o, "{\"samples\":[");
	for (unsigned i = 1; i <= n; i++) {
		if (!power_cycle(adapter, sender)) {
			out_error("power cycle %u did not end advertising again", i);
			free(o.s);
			clients_close_all();
			return;
		}
		if (in_list(argv[4], i)) {
			if (n_clients)
				ping(sender);
			buf_printf(&o, "%s{\"cycle\":%u,\"rss_kib\":%ld,\"anon_kib\":%ld,\"t_ns\":%" PRIu64 "}",
			           o.s[o.len - 1] == '[' ? "" : ",", i, proc_status_kib(pid, "VmRSS"),
			           proc_status_kib(pid, "RssAnon"), now_ns() - a.t);
		}
	}
	b = snapshot(pid);
	buf_printf(&o, "],\"cycles\":%u,\"wall_ns\":%" PRIu64 ",\"target_cpu_ns\":%" PRId64 ",\"client_events\":%u}", n,
	           b.t - a.t, b.target - a.target, n_clients ? clients[0]->other_events : 0);
	out("%s", o.s);
	free(o.s);
	clients_close_all();
}

/* wait-discovered PID TIMEOUT_MS: PID's connection asked GetManagedObjects on / and has handled the reply. */
static void cmd_wait_discovered(char **argv, int argc)
{
	pid_t pid;
	const char *name = NULL;
	bool ok;

	if (argc != 3)
		return out_error("usage: wait-discovered PID TIMEOUT_MS");
	pid = (pid_t)atoi(argv[1]);
	ok = WAIT_UNTIL((name = sender_of_pid(pid)) && peer_get(name, false)->t_root_objects, atoi(argv[2]));
	if (!ok || !ping(name))
		return out_error("pid %d did not ask for bluetoothd's objects", (int)pid);
	out("{\"sender\":\"%s\"}", name);
}

/* wait-app PID TIMEOUT_MS app|adv|both: PID's connection has registered its application
 * (and/or advertisement). */
static void cmd_wait_app(char **argv, int argc)
{
	pid_t pid;
	const char *name = NULL;
	bool want_app, want_adv;
	Registration *r;

	if (argc != 4)
		return out_error("usage: wait-app PID TIMEOUT_MS app|adv|both");
	pid = (pid_t)atoi(argv[1]);
	want_app = strcmp(argv[3], "adv") != 0;
	want_adv = strcmp(argv[3], "app") != 0;
	if (!WAIT_UNTIL((name = sender_of_pid(pid)) && (!want_app || reg_done(true, name, -1)) &&
	                        (!want_adv || reg_done(false, name, -1)),
	                atoi(argv[2])))
		return out_error("pid %d did not register (%s)", (int)pid, argv[3]);
	ping(name);
	r = reg_find(true, name, NULL);
	out("{\"sender\":\"%s\",\"app\":\"%s\",\"adapter\":\"%s\",\"services\":%u,\"chars\":%u,\"descs\":%u,"
	    "\"register_ns\":%" PRIu64 "}",
	    name, r ? r->path : "", r ? adapters[r->adapter].name : "", r ? r->services : 0, r ? r->chars : 0,
	    r ? r->descs : 0, r ? r->t_done - r->t_call : 0);
}

/* adapter NAME add|remove|on|off */
static void cmd_adapter(char **argv, int argc)
{
	int i;

	if (argc != 3)
		return out_error("usage: adapter NAME add|remove|on|off");
	if ((i = adapter_or_error(argv[1])) < 0)
		return;
	if (strcmp(argv[2], "add") == 0 && !adapters[i].present)
		adapter_add(i, true);
	else if (strcmp(argv[2], "remove") == 0 && adapters[i].present)
		adapter_remove(i);
	else if (strcmp(argv[2], "on") == 0 || strcmp(argv[2], "off") == 0)
		adapter_set_powered(i, strcmp(argv[2], "on") == 0);
	else
		return out_error("adapter %s: cannot %s", argv[1], argv[2]);
	dbus_connection_flush(conn);
	out("{\"ok\":true}");
}

static bool quit;

static void run_command(char *line)
{
	char *argv[16], *save = NULL;
	int argc = 0;

	for (char *tok = strtok_r(line, " \t", &save); tok && argc < 16; tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return;
	if (strcmp(argv[0], "throughput") == 0)
		cmd_throughput(argv, argc);
	else if (strcmp(argv[0], "latency") == 0)
		cmd_latency(argv, argc);
	else if (strcmp(argv[0], "notify") == 0)
		cmd_notify(argv, argc);
	else if (strcmp(argv[0], "fanout") == 0)
		cmd_fanout(argv, argc);
	else if (strcmp(argv[0], "register") == 0)
		cmd_register(argv, argc);
	else if (strcmp(argv[0], "cycles") == 0)
		cmd_cycles(argv, argc);
	else if (strcmp(argv[0], "wait-discovered") == 0)
		cmd_wait_discovered(argv, argc);
	else if (strcmp(argv[0], "wait-app") == 0)
		cmd_wait_app(argv, argc);
	else if (strcmp(argv[0], "adapter") == 0)
		cmd_adapter(argv, argc);
	else if (strcmp(argv[0], "handler") == 0)
		cmd_handler(argv, argc);
	else if (strcmp(argv[0], "handler-stop") == 0)
		cmd_handler_stop(argv, argc);
	else if (strcmp(argv[0], "centrals") == 0)
		cmd_centrals(argv, argc);
	else if (strcmp(argv[0], "acquired-notify") == 0)
		cmd_acquired_notify(argv, argc);
	else if (strcmp(argv[0], "acquired-write") == 0)
		cmd_acquired_write(argv, argc);
	else if (strcmp(argv[0], "roster") == 0)
		cmd_roster(argv, argc);
	else if (strcmp(argv[0], "set-handles") == 0 && argc == 2) {
		set_handles = atoi(argv[1]) != 0;
		out("{\"ok\":true}");
	} else if (strcmp(argv[0], "bus-pid") == 0 && argc == 2) {
		bus_pid = (pid_t)atoi(argv[1]);
		out("{\"ok\":true}");
	} else if (strcmp(argv[0], "rss") == 0 && argc == 2) {
		pid_t pid = (pid_t)atoi(argv[1]);

		out("{\"rss_kib\":%ld,\"anon_kib\":%ld,\"pss_kib\":%ld,\"hwm_kib\":%ld,\"cpu_ns\":%" PRId64 "}",
		    proc_status_kib(pid, "VmRSS"), proc_status_kib(pid, "RssAnon"), proc_pss_kib(pid),
		    proc_status_kib(pid, "VmHWM"), proc_cpu_ns(pid));
	} else if (strcmp(argv[0], "quit") == 0) {
		quit = true;
		out("{\"ok\":true}");
	} else {
		out_error("unknown command %s", argv[0]);
	}
}

static void setup_bus(void)
{
	static const DBusObjectPathVTable root_vtable = { .message_function = root_message };
	static const DBusObjectPathVTable adapter_vtable = { .message_function = adapter_message };
	const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
	DBusError err = DBUS_ERROR_INIT;
	int r;

	if (!address || !*address)
		die("DBUS_SYSTEM_BUS_ADDRESS is not set: run me on a private bus");
	conn = dbus_connection_open_private(address, &err);
	if (!conn || !dbus_bus_register(conn, &err))
		die("cannot connect to %s: %s", address, err.message);
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	/* GetManagedObjects replies for 10,000 characteristics are several MiB. */
	dbus_connection_set_max_message_size(conn, 128 * 1024 * 1024);
	dbus_connection_set_max_received_size(conn, 256 * 1024 * 1024);
	r = dbus_bus_request_name(conn, BLUEZ, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err);
	if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER)
		die("cannot own " BLUEZ ": %s", dbus_error_is_set(&err) ? err.message : "taken");
	dbus_bus_add_match(conn,
	                   "type='signal',sender='" DBUS_SERVICE_DBUS "',interface='" DBUS_INTERFACE_DBUS
	                   "',member='NameOwnerChanged'",
	                   &err);
	if (dbus_error_is_set(&err))
		die("AddMatch: %s", err.message);
	if (!dbus_connection_register_object_path(conn, "/", &root_vtable, NULL) ||
	    !dbus_connection_register_fallback(conn, "/org/bluez", &adapter_vtable, NULL) ||
	    !dbus_connection_add_filter(conn, filter, NULL, NULL))
		die("out of memory");
	if (!dbus_connection_set_watch_functions(conn, watch_add, watch_remove, watch_toggled, NULL, NULL) ||
	    !dbus_connection_set_timeout_functions(conn, timeout_add, timeout_remove, NULL, NULL, NULL))
		die("out of memory");
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_STDIN };
	bool hci0_powered = true;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hci0-off") == 0)
			hci0_powered = false;
		else if (strcmp(argv[i], "--set-handles") == 0)
			set_handles = true;
		else {
			fprintf(stderr,
			        "usage: bench-central [--hci0-off] [--set-handles]\n"
			        "Owns org.bluez on $DBUS_SYSTEM_BUS_ADDRESS; commands on stdin (see tests/bench/run).\n");
			return 2;
		}
	}
	for (int i = 0; i < MAX_ADAPTERS; i++) {
		snprintf(adapters[i].name, sizeof(adapters[i].name), "hci%d", i);
		snprintf(adapters[i].path, sizeof(adapters[i].path), "/org/bluez/hci%d", i);
		snprintf(adapters[i].address, sizeof(adapters[i].address), "00:AA:01:00:00:%02X", i + 1);
		adapters[i].next_handle = 0x000a;
	}
	adapters[0].present = true;
	adapters[0].powered = hci0_powered;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll: %s", strerror(errno));
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) < 0)
		die("cannot poll stdin: %s", strerror(errno));
	setup_bus();
	out("{\"ready\":true,\"name\":\"%s\",\"pid\":%d}", dbus_bus_get_unique_name(conn), (int)getpid());

	while (!quit) {
		char *nl;

		while (!quit && (nl = memchr(stdin_buf, '\n', stdin_len))) {
			size_t len = (size_t)(nl - stdin_buf) + 1;

			*nl = '\0';
			run_command(stdin_buf);
			memmove(stdin_buf, stdin_buf + len, stdin_len - len);
			stdin_len -= len;
		}
		if (quit || stdin_eof)
			break;
		iterate(-1);
	}
	dbus_connection_flush(conn);
	return 0;
}
