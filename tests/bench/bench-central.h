/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-central.h: what bench-central.c shares with the files linked into bench-central:
 * the main loop, the bus connection, the local socket clients, the CPU snapshots and the
 * result lines. bench-acquire.c (section 8) has the fake centrals' Device1 objects, the
 * sockets of AcquireNotify and AcquireWrite, and the commands that use them.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BLUEZ "org.bluez"
#define IFACE_OM "org.freedesktop.DBus.ObjectManager"
#define IFACE_PROPS "org.freedesktop.DBus.Properties"
#define IFACE_CHRC "org.bluez.GattCharacteristic1"
#define IFACE_DEVICE "org.bluez.Device1"

#define VALUE_LEN 20             /* what a central writes: one default-MTU ATT payload */
#define CLIENT_BUF 65536
#define DEFAULT_TIMEOUT_MS 60000

/* epoll tags: a local client's is TAG_CLIENT + its index. */
enum { TAG_DBUS = 0, TAG_STDIN = 1, TAG_NOTIFY_SOCKET = 2, TAG_CLIENT = 3 };

/* ---- utilities ---- */

uint64_t now_ns(void);
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
void *xcalloc(size_t n, size_t size);
/* The q-quantile (0..1) of n samples, sorted in place; nearest rank. */
uint64_t quantile(uint64_t *v, size_t n, double q);

/* A growing string for result lines. */
typedef struct {
	char *s;
	size_t len, cap;
} Buf;

__attribute__((format(printf, 2, 3))) void buf_printf(Buf *b, const char *fmt, ...);
void buf_array_u64(Buf *b, const char *key, const uint64_t *v, unsigned n);

/* VmRSS (or another /proc/PID/status field) in KiB, -1 if unknown. */
long proc_status_kib(pid_t pid, const char *field);

/* ---- the loop and the bus ---- */

extern DBusConnection *conn;
extern int epfd;

/* One round: dispatch what libdbus holds, wait up to timeout_ms for I/O, handle it. */
void iterate(int timeout_ms);

/* Iterate until cond holds or timeout_ms passes; false on timeout. */
#define WAIT_UNTIL(cond, timeout_ms)                                                   \
	({                                                                             \
		uint64_t deadline_ = now_ns() + (uint64_t)(timeout_ms) * 1000000u;    \
		bool ok_ = true;                                                       \
		while (!(cond)) {                                                      \
			uint64_t t_ = now_ns();                                        \
			if (t_ >= deadline_) {                                         \
				ok_ = false;                                           \
				break;                                                 \
			}                                                              \
			iterate((int)((deadline_ - t_) / 1000000u) + 1);               \
		}                                                                      \
		ok_;                                                                   \
	})

/* One result line on stdout; out_error also says it on stderr. */
__attribute__((format(printf, 1, 2))) void out(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void out_error(const char *fmt, ...);

void dict_basic(DBusMessageIter *dict, const char *key, int type, const void *value);
void send_and_unref(DBusMessage *msg);
/* The options a central's call carries: {device: o, mtu: q 247, link: "LE"}. */
void append_options(DBusMessageIter *iter, const char *device);
/* One round trip to dest through the bus (Peer.Ping): all it was sent before is handled. */
bool ping(const char *dest);

/* ---- local socket clients (gattd's protocol: one JSON object per line, or a channel's frames) ---- */

typedef struct {
	int fd;
	bool frames;               /* a channel: frames both ways; errors counts gattd's frames (each an error) */
	char buf[CLIENT_BUF];
	size_t len;
	unsigned write_events, central_events, other_events, replies, errors;
	uint64_t t_write_event;
	unsigned devices_listed;   /* entries in the latest `devices` reply */
} Client;

Client *client_connect(const char *path);
/* Connect and watch (dies if gattd does not accept the watch). */
Client *client_watching(const char *socket_path);
/* Connect and send `channel`: a client whose connection carries frames from then on (dies if refused). */
Client *client_channel(const char *socket_path);
void client_send_line(Client *c, const char *line);
/* len bytes: a frame, or lines. */
void client_send(Client *c, const void *data, size_t len);
void clients_close_all(void);

/* ---- measurements ---- */

typedef struct {
	uint64_t t;
	int64_t target, bus, self, handler;
	unsigned handler_wakeups;
} Snapshot;

Snapshot snapshot(pid_t target);
/* A result line: prefix (an open JSON object), then ops, wall time and each process's CPU between a and b. */
void print_cpu(const char *prefix, const Snapshot *a, const Snapshot *b, unsigned ops);

typedef struct {
	const char *dest;
	pid_t pid;
} Target;

/* The bus name of the process with that pid (it has talked to org.bluez); false after an error line. */
bool target_resolve(const char *pid_text, Target *ret);

/* ---- bench-acquire.c ---- */

/* The fake centrals' entries of GetManagedObjects (a{oa{sa{sv}}} being built). */
void centrals_append_objects(DBusMessageIter *objects);
/* A method call to a fake central's object; NOT_YET_HANDLED when path is none. */
DBusHandlerResult centrals_message(DBusMessage *msg);
/* The notify socket has datagrams (TAG_NOTIFY_SOCKET). */
void notify_socket_readable(void);

void cmd_centrals(char **argv, int argc);
void cmd_acquired_notify(char **argv, int argc);
void cmd_acquired_write(char **argv, int argc);
void cmd_roster(char **argv, int argc);
