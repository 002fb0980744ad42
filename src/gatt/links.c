/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gatt/links.c: the sockets of AcquireNotify and AcquireWrite (see gatt/links.h). */
#include "gatt/links.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dbus/message.h"
#include "gatt/serve.h"
#include "shared/fd-source.h"
#include "shared/log.h"

/* Datagrams a write socket serves per wake-up, so one busy central does not hold the loop. */
#define WRITES_PER_WAKEUP 64

static void link_free(GattLink *link)
{
	g_clear_handle_id(&link->source, g_source_remove);
	if (link->fd >= 0)
		close(link->fd);
	g_free(link->device);
	g_free(link);
}

static GattNode *node_of(GattChar *chr)
{
	return (GattNode *)((char *)chr - offsetof(GattNode, chr));
}

static const char *kind_name(GattLinkKind kind)
{
	return kind == GATT_LINK_NOTIFY ? "notify" : "write";
}

/* The central a socket's traffic comes from or goes to: NULL when one socket serves them all. */
static const char *link_central(const GattLink *link)
{
	return link->shared ? NULL : link->device;
}

static GPtrArray *links_of(GattChar *chr)
{
	if (!chr->links)
		chr->links = g_ptr_array_new_with_free_func((GDestroyNotify)link_free);
	return chr->links;
}

/*
 * recv() gave 0 bytes: an empty datagram (bluetoothd forwards an empty Write Command as
 * one), or bluetoothd's end closed. Only the latter hangs the socket up.
 */
static bool peer_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	return poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

/* bluetoothd closed its end (or gattd gives up the socket): forget it, telling who unsubscribed. */
static void link_end(GattLink *link, const char *why)
{
	GattChar *chr = link->chr;
	/* The central its `subscribed` named: with a shared socket, the first subscriber. */
	g_autofree char *device = g_strdup(link->device);
	GattLinkKind kind = link->kind;

	log_debug("%s: %s socket of %s closed: %s", chr->cfg->id, kind_name(kind), link->device ? link->device : "?",
	          why);
	g_ptr_array_remove_fast(chr->links, link);
	if (kind == GATT_LINK_NOTIFY)
		gatt_char_report_subscription(chr, false, device);
}

static gboolean notify_readable(gint fd, GIOCondition cond, gpointer data)
{
	GattLink *link = data;
	uint8_t buf[16];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n > 0) {
		/* 5.80+: one byte 0x01 per indication the central confirmed. */
		if (n == 1 && buf[0] == 0x01)
			gatt_app_report_confirm(link->chr);
		else
			log_info("%s: %zd unexpected bytes on a notify socket, ignored", link->chr->cfg->id, n);
		return G_SOURCE_CONTINUE;
	}
	if ((n < 0 && (errno == EAGAIN || errno == EINTR)) || (n == 0 && !peer_closed(fd)))
		return G_SOURCE_CONTINUE;
	link->source = 0;
	link_end(link, n < 0 ? g_strerror(errno) : "closed by bluetoothd");
	return G_SOURCE_REMOVE;
}

/* One Write Command as bluetoothd forwards it: the value bytes, nothing else. */
static void serve_datagram(GattLink *link, const uint8_t *data, size_t len)
{
	GattWriteRequest req = { .data = data, .len = len };
	g_autofree char *error = NULL;
	const char *device = link_central(link);

	if (gatt_serve_write(node_of(link->chr), &req, device, &error) < 0)
		log_info("write from %s by socket dropped: %s", device ? device : "a central", error);
}

static gboolean write_readable(gint fd, GIOCondition cond, gpointer data)
{
	GattLink *link = data;
	uint8_t buf[GATTD_MAX_VALUE_LEN];

	for (unsigned i = 0; i < WRITES_PER_WAKEUP; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

		if (n > (ssize_t)sizeof(buf)) {
			log_info("%s: a %zd-byte write by socket is longer than an attribute holds; dropped",
			         link->chr->cfg->id, n);
			continue;
		}
		if (n > 0 || (n == 0 && !peer_closed(fd))) {
			serve_datagram(link, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return G_SOURCE_CONTINUE;
		link->source = 0;
		link_end(link, n < 0 ? g_strerror(errno) : "closed by bluetoothd");
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static unsigned count(GattChar *chr, GattLinkKind kind)
{
	unsigned n = 0;

	for (unsigned i = 0; chr->links && i < chr->links->len; i++)
		n += ((GattLink *)chr->links->pdata[i])->kind == kind;
	return n;
}

/*
 * An error, whatever went wrong, makes bluetoothd fall back to D-Bus: StartNotify for
 * AcquireNotify, WriteValue for AcquireWrite. Only a D-Bus error outside org.bluez.Error
 * does that safely (bluetoothd 5.60-5.75 jams a characteristic's writes after others).
 */
static DBusMessage *fall_back(DBusMessage *msg, const GattChar *chr, GattLinkKind kind, const char *why)
{
	log_warning("%s: Acquire%s refused (%s); bluetoothd goes over D-Bus instead", chr->cfg->id,
	            kind == GATT_LINK_NOTIFY ? "Notify" : "Write", why);
	return bus_error_reply(msg, -EIO, "%s: %s", chr->cfg->id, why);
}

DBusMessage *gatt_links_acquire(GattNode *node, GattLinkKind kind, DBusMessage *msg, const GattOptions *opts)
{
	GattChar *chr = &node->chr;
	GattApp *app = chr->service->app;
	unsigned want = kind == GATT_LINK_NOTIFY ? CFG_ACQUIRE_NOTIFY : CFG_ACQUIRE_WRITE;
	uint16_t mtu = opts->mtu ? opts->mtu : 23;
	DBusMessage *reply;
	GattLink *link;
	int fds[2];

	if (!(chr->cfg->acquire & want))
		return fall_back(msg, chr, kind, kind == GATT_LINK_NOTIFY ? "no Acquire=notify" : "no Acquire=write");
	if (count(chr, kind) >= GATT_LINKS_MAX)
		return fall_back(msg, chr, kind, "too many sockets already");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
		return fall_back(msg, chr, kind, g_strerror(errno));
	reply = dbus_message_new_method_return(msg);
	/* libdbus keeps a duplicate of the end it passes: ours must go, or bluetoothd's close never shows. */
	if (!dbus_message_append_args(reply, DBUS_TYPE_UNIX_FD, &fds[1], DBUS_TYPE_UINT16, &mtu, DBUS_TYPE_INVALID)) {
		close(fds[0]);
		close(fds[1]);
		dbus_message_unref(reply);
		return fall_back(msg, chr, kind, "cannot pass a socket");
	}
	close(fds[1]);

	link = g_new0(GattLink, 1);
	*link = (GattLink){
		.kind = kind,
		.chr = chr,
		.device = g_strdup(opts->device),
		.shared = !gatt_app_get_features(app)->per_device_fds,
		.mtu = mtu,
		.fd = fds[0],
	};
	link->source = fd_source_add(fds[0], G_IO_IN | G_IO_HUP | G_IO_ERR,
	                             kind == GATT_LINK_NOTIFY ? notify_readable : write_readable, link, NULL);
	g_ptr_array_add(links_of(chr), link);
	log_debug("%s: %s socket for %s (mtu %u)", chr->cfg->id, kind_name(kind), opts->device ? opts->device : "?",
	          mtu);
	if (kind == GATT_LINK_NOTIFY)
		gatt_char_report_subscription(chr, true, opts->device);
	return reply;
}

void gatt_app_reset_notifying(GattApp *app)
{
	GPtrArray *chars = gatt_app_get_chars(app);

	for (unsigned i = 0; i < chars->len; i++) {
		GattChar *chr = chars->pdata[i];

		while (chr->links && chr->links->len)
			link_end(chr->links->pdata[chr->links->len - 1], "services left the air");
		gatt_char_set_notifying(chr, false);
	}
}

GPtrArray *gatt_app_subscriptions_of(GattApp *app, const char *device)
{
	GPtrArray *chars = gatt_app_get_chars(app);
	GPtrArray *ids = g_ptr_array_new();

	for (unsigned i = 0; device && i < chars->len; i++) {
		GattChar *chr = chars->pdata[i];

		for (unsigned k = 0; chr->links && k < chr->links->len; k++) {
			const GattLink *link = chr->links->pdata[k];

			if (link->kind == GATT_LINK_NOTIFY && g_strcmp0(link_central(link), device) == 0) {
				g_ptr_array_add(ids, (char *)chr->cfg->id);
				break;
			}
		}
	}
	return ids;
}

int gatt_char_notify_device(GattChar *chr, const char *device, bool check_only)
{
	GattApp *app = chr->service->app;
	GattLink *found = NULL;
	ssize_t n;

	if (!(chr->cfg->acquire & CFG_ACQUIRE_NOTIFY) || !gatt_app_get_features(app)->targeted_notify)
		return -EOPNOTSUPP;
	for (unsigned i = 0; chr->links && i < chr->links->len && !found; i++) {
		GattLink *link = chr->links->pdata[i];

		if (link->kind == GATT_LINK_NOTIFY && g_strcmp0(link->device, device) == 0)
			found = link;
	}
	if (!found)
		return -ENOENT;
	if (check_only)
		return 0;
	/* A 0-byte datagram would make bluetoothd stop reading the socket for good. */
	if (chr->value->len == 0)
		return -EMSGSIZE;
	n = send(found->fd, chr->value->data, chr->value->len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -EIO;
	return 0;
}
