/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/listen.c: the listening socket (listen.h): the one systemd passed
 * (socket activation) or one made at Socket=, with its mode and group, after
 * probing whether a socket file already there is stale; accepting clients (up to
 * MaxClients), and pausing with a growing delay while accept() fails (out of
 * descriptors or memory).
 */
#include "socket/listen.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gattd-build-config.h"
#include "shared/fd-source.h"
#include "shared/log.h"
#include "socket/protocol.h"
#include "socket/server-private.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

/* How long the stale-socket probe waits for a connection in progress. */
#define PROBE_TIMEOUT_MS 1000
/* Accepting paused after accept() failed (out of descriptors, memory): first and longest pause. */
#define ACCEPT_RETRY_MIN_MS 100
#define ACCEPT_RETRY_MAX_MS 1000

static void set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* ---- accepting ---- */

static gboolean server_accept(gint fd, GIOCondition cond, gpointer data);

static void accept_watch(Server *server)
{
	if (!server->listen_source && server->listen_fd >= 0)
		server->listen_source = fd_source_add(server->listen_fd, G_IO_IN, server_accept, server, NULL);
}

static void accept_backlog_served(Server *server);

/*
 * Watch the listening socket again after a pause. The watch fires only for a client
 * waiting: if none is left (every one was taken while descriptors freed up), the
 * failure episode is over now, or nothing would ever say so.
 */
static void accept_rearm(Server *server)
{
	struct pollfd p = { .fd = server->listen_fd, .events = POLLIN };

	accept_watch(server);
	if (server->listen_fd >= 0 && poll(&p, 1, 0) == 0)
		accept_backlog_served(server);
}

static gboolean accept_retry(gpointer data)
{
	Server *server = data;

	server->accept_retry_id = 0;
	accept_rearm(server);
	return G_SOURCE_REMOVE;
}

void server_listen_resume(Server *server)
{
	if (!server->accept_retry_id)
		return;
	g_source_remove(server->accept_retry_id);
	server->accept_retry_id = 0;
	accept_rearm(server);
}

/* What an operator can do about accept() failing with err ("" when nothing specific). */
static char *accept_failure_hint(int err)
{
	struct rlimit nofile;

	switch (err) {
	case EMFILE:
		if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY)
			return g_strdup_printf("; gattd uses all %llu descriptors it may open: raise its limit "
			                       "(LimitNOFILE=, ulimit -n) or lower MaxClients=",
			                       (unsigned long long)nofile.rlim_cur);
		return g_strdup("; raise gattd's open file limit (LimitNOFILE=, ulimit -n) or lower MaxClients=");
	case ENFILE:
		return g_strdup("; the system's open file table is full (fs.file-max)");
	case ENOBUFS:
	case ENOMEM:
		return g_strdup("; the system is short of memory");
	default:
		return g_strdup("");
	}
}

/*
 * accept() failed with err (out of descriptors or memory, say): the listening
 * socket stays readable while the cause lasts, so watching it would spin. Stop
 * watching until a client leaves (server_listen_resume) or a retry timer fires, its delay
 * doubling from ACCEPT_RETRY_MIN_MS to ACCEPT_RETRY_MAX_MS. Logged once until the
 * backlog has been served (server_accept logs the recovery). The caller returns
 * G_SOURCE_REMOVE.
 */
static void accept_pause(Server *server, int err)
{
	if (!server->accept_failing) {
		g_autofree char *hint = accept_failure_hint(err);

		server->accept_failing = true;
		log_warning("cannot accept clients on %s: %s (%u connected)%s. New clients wait until one leaves "
		            "(tried again at least every %u ms)", server->path, g_strerror(err), server->n_clients, hint,
		            ACCEPT_RETRY_MAX_MS);
	}
	server->listen_source = 0;
	if (!server->accept_retry_id) {
		server->accept_retry_ms = CLAMP(server->accept_retry_ms, ACCEPT_RETRY_MIN_MS, ACCEPT_RETRY_MAX_MS);
		server->accept_retry_id = g_timeout_add(server->accept_retry_ms, accept_retry, server);
		server->accept_retry_ms = MIN(server->accept_retry_ms * 2, ACCEPT_RETRY_MAX_MS);
	}
}

/* Every client waiting has been taken: a failure episode, if any, is over. */
static void accept_backlog_served(Server *server)
{
	if (!server->accept_failing)
		return;
	server->accept_failing = false;
	server->accept_retry_ms = ACCEPT_RETRY_MIN_MS;
	log_notice("accepting clients on %s again (%u connected)", server->path, server->n_clients);
}

static gboolean server_accept(gint fd, GIOCondition cond, gpointer data)
{
	Server *server = data;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t cred_len = sizeof(cred);
		Client *client;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				accept_backlog_served(server);
				break;
			}
			accept_pause(server, errno);
			return G_SOURCE_REMOVE;
		}
		/* Descriptors were freed: the next pause, if any, starts short again. */
		server->accept_retry_ms = ACCEPT_RETRY_MIN_MS;
		getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len);

		if (server->n_clients >= server->opts.max_clients) {
			g_autofree char *line = proto_error_line(NULL, PROTO_ERR_TOO_MANY_CLIENTS,
			                                         "gattd serves at most MaxClients clients at once");

			log_warning("refused client pid %d uid %u: %u clients already (MaxClients)", (int)cred.pid,
			            (unsigned)cred.uid, server->n_clients);
			if (send(cfd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("could not tell the refused client why: %s", g_strerror(errno));
			close(cfd);
			continue;
		}

		client = server_client_new(server, &server->opts, ++server->next_client_id, cfd, &cred);
		server_client_add_listener(client, server->client_listener, server);
		server->clients = g_list_prepend(server->clients, client);
		server->n_clients++;
		log_debug("client %u connected: pid %d uid %u gid %u", client->id, (int)cred.pid, (unsigned)cred.uid,
		          (unsigned)cred.gid);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- listening ---- */

static int fail_errno(int err, char **ret_error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static int fail_errno(int err, char **ret_error, const char *fmt, ...)
{
	g_autofree char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	*ret_error = g_strdup_printf("%s: %s", what, g_strerror(err));
	return -err;
}

/*
 * Connect to the socket at path without ever blocking (a listener that does not
 * accept and whose backlog is full would hold a blocking connect() forever).
 * Returns 0 when connected, else -errno telling what is there: -EAGAIN is
 * Linux's answer for a full backlog; -ETIMEDOUT when a connection in progress
 * (EINPROGRESS, elsewhere) got no answer within PROBE_TIMEOUT_MS.
 */
static int probe_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	pfd.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (pfd.fd < 0)
		return -errno;
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	if (connect(pfd.fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EINTR) {
		if (poll(&pfd, 1, PROBE_TIMEOUT_MS) != 1 || getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = ETIMEDOUT;
	}
	close(pfd.fd);
	return -err;
}

/*
 * A socket file already at path: remove it if nobody listens there (connection
 * refused), else refuse with what was seen. When the probe cannot tell, the socket
 * counts as live: replacing one that is would cut off whoever serves it.
 */
static int clear_stale_socket(const char *path, char **ret_error)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : fail_errno(errno, ret_error, "cannot inspect %s", path);
	if (!S_ISSOCK(st.st_mode)) {
		*ret_error = g_strdup_printf("%s exists and is not a socket; remove it or choose another Socket=", path);
		return -EEXIST;
	}
	r = probe_socket(path);
	switch (r) {
	case -ECONNREFUSED:
	case -ENOENT:
		break;
	case 0:
		*ret_error = g_strdup_printf("another gattd is already listening on %s", path);
		return -EADDRINUSE;
	case -EAGAIN:
		*ret_error = g_strdup_printf("something listens on %s but does not accept connections (its backlog is "
		                             "full): a hung gattd or another program; stop it or choose another Socket=",
		                             path);
		return -EADDRINUSE;
	case -ETIMEDOUT:
		*ret_error = g_strdup_printf("a connection to %s got no answer within %d ms; taking it for a live socket: "
		                             "stop what listens there or choose another Socket=", path, PROBE_TIMEOUT_MS);
		return -EADDRINUSE;
	default:
		*ret_error = g_strdup_printf("cannot tell whether something listens on %s (connecting: %s); leaving it "
		                             "alone: remove it or choose another Socket=", path, g_strerror(-r));
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return fail_errno(errno, ret_error, "cannot remove stale socket %s", path);
	log_info("removed stale socket %s", path);
	return 0;
}

static int listen_on_path(Server *server, char **ret_error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree char *dir = g_path_get_dirname(server->path);
	int fd, r;

	if (strlen(server->path) >= sizeof(addr.sun_path)) {
		*ret_error = g_strdup_printf("socket path %s is longer than %zu bytes", server->path,
		                             sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	if (g_mkdir_with_parents(dir, 0755) < 0)
		return fail_errno(errno, ret_error, "cannot create %s", dir);
	r = clear_stale_socket(server->path, ret_error);
	if (r < 0)
		return r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail_errno(errno, ret_error, "socket");
	g_strlcpy(addr.sun_path, server->path, sizeof(addr.sun_path));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		r = fail_errno(errno, ret_error, "cannot bind %s", server->path);
		close(fd);
		return r;
	}
	server->created_path = true;
	/* Permissions before listen(): nobody can connect in between. */
	if (chmod(server->path, server->opts.mode) < 0) {
		r = fail_errno(errno, ret_error, "cannot chmod %s", server->path);
		close(fd);
		return r;
	}
	if (server->group) {
		struct group *gr = getgrnam(server->group);

		if (!gr) {
			*ret_error = g_strdup_printf("SocketGroup=%s: no such group", server->group);
			close(fd);
			return -ENOENT;
		}
		if (chown(server->path, (uid_t)-1, gr->gr_gid) < 0) {
			r = fail_errno(errno, ret_error, "cannot give %s to group %s", server->path, server->group);
			close(fd);
			return r;
		}
	}
	if (listen(fd, SOMAXCONN) < 0) {
		r = fail_errno(errno, ret_error, "cannot listen on %s", server->path);
		close(fd);
		return r;
	}
	server->listen_fd = fd;
	log_info("listening for clients on %s (mode %04o%s%s)", server->path, server->opts.mode,
	         server->group ? ", group " : "", server->group ? server->group : "");
	return 0;
}

int server_listen_start(Server *server, char **ret_error)
{
	int r;

#if HAVE_LIBSYSTEMD
	int n = sd_listen_fds(1);

	if (n < 0)
		log_warning("socket activation: %s, ignoring", g_strerror(-n));
	if (n > 1)
		log_warning("socket activation passed %d sockets; using the first", n);
	if (n >= 1) {
		int fd = SD_LISTEN_FDS_START;

		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
			*ret_error = g_strdup("socket activation passed something that is not a listening Unix stream socket");
			return -EINVAL;
		}
		set_nonblocking(fd);
		server->listen_fd = fd;
		log_info("listening for clients on the socket passed by systemd");
	}
#endif
	if (server->listen_fd < 0) {
		r = listen_on_path(server, ret_error);
		if (r < 0)
			return r;
	}
	accept_watch(server);
	return 0;
}

void server_listen_stop(Server *server)
{
	if (server->listen_source)
		g_source_remove(server->listen_source);
	if (server->accept_retry_id)
		g_source_remove(server->accept_retry_id);
	server->listen_source = server->accept_retry_id = 0;
	if (server->listen_fd >= 0)
		close(server->listen_fd);
	server->listen_fd = -1;
}
