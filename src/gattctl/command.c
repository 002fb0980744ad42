/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * command.c: running an operator's command for gattctl (handle's --read-cmd and
 * --write-cmd, confirm's --cmd): /bin/sh -c CMD with a value on stdin, its stdout
 * collected or passed to gattctl's stderr, a time limit, and SIGINT/SIGTERM heard
 * while it runs; and the loop of the verbs that run such commands for gattd's events.
 *
 * gattctl waits for the command without a main loop: SIGINT, SIGTERM and SIGCHLD are
 * blocked and read from one signalfd, which poll() watches next to the command's
 * stdout. The command runs in its own process group, so that a timeout kills what it
 * started as well, and it is always reaped: gattctl leaves no zombie behind.
 */
#include "gattctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* An interrupted gattctl gives its running command this long after SIGTERM, then SIGKILL. */
#define STOP_GRACE_MS 1000
/* The longest input: a pipe takes it whole, so it is written before the command starts. */
#define RUN_MAX_INPUT 4096

int gattctl_signalfd_open(const int *signos)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	for (; *signos; signos++) {
		/* Children are reaped by whoever asks for SIGCHLD: it must not be ignored (a parent's SIG_IGN is inherited). */
		if (*signos == SIGCHLD)
			signal(SIGCHLD, SIG_DFL);
		sigaddset(&mask, *signos);
	}
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int gattctl_signals_open(GattctlSignals *signals)
{
	static const int signos[] = { SIGINT, SIGTERM, SIGCHLD, 0 };

	signals->stop = false;
	/* Blocked before anything else, so an early Ctrl-C is not lost either. */
	signals->fd = gattctl_signalfd_open(signos);
	return signals->fd < 0 ? signals->fd : 0;
}

void gattctl_signals_close(GattctlSignals *signals)
{
	if (signals->fd >= 0)
		close(signals->fd);
	signals->fd = -1;
}

bool gattctl_signals_take(GattctlSignals *signals)
{
	struct signalfd_siginfo info;

	while (read(signals->fd, &info, sizeof(info)) == (ssize_t)sizeof(info))
		if (info.ssi_signo == SIGINT || info.ssi_signo == SIGTERM)
			signals->stop = true;
	return signals->stop;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - g_get_monotonic_time();

	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

static int spawn_command(const char *cmd, char **envp, int stdin_fd, int stdout_fd, pid_t *ret_pid)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)cmd, NULL };
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t empty, defaults;
	int r;

	sigemptyset(&empty);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGPIPE);
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	/* Its own process group, so that a timeout kills what it started too; signals as a fresh process has them. */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &empty);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	r = posix_spawn(ret_pid, "/bin/sh", &actions, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	return -r;
}

static void reap(pid_t pid, int *ret_status)
{
	while (waitpid(pid, ret_status, 0) < 0 && errno == EINTR)
		;
}

/* Kill the command and everything in its process group, and reap it (SIGKILL cannot be held off). */
static void kill_command(pid_t pid)
{
	kill(-pid, SIGKILL);
	reap(pid, NULL);
}

/* gattctl is interrupted: the command gets SIGTERM and a moment to clean up (a lock file), then SIGKILL. */
static void stop_command(GattctlSignals *signals, pid_t pid)
{
	int64_t deadline = g_get_monotonic_time() + STOP_GRACE_MS * G_TIME_SPAN_MILLISECOND;

	kill(-pid, SIGTERM);
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		struct pollfd fd = { .fd = signals->fd, .events = POLLIN };
		int left = remaining_ms(deadline);

		if (left == 0) {
			kill_command(pid);
			return;
		}
		if (poll(&fd, 1, left) > 0)
			gattctl_signals_take(signals);
	}
}

/* Read what fd holds into run (beyond GATTCTL_RUN_MAX_OUTPUT: noted, dropped). Returns true at EOF. */
static bool read_output(int fd, GattctlRun *run, bool draining)
{
	guint8 buffer[4096];

	for (;;) {
		ssize_t n = read(fd, buffer, sizeof(buffer));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno != EAGAIN;
		if (n == 0)
			return true;
		if (run->output->len + (size_t)n > GATTCTL_RUN_MAX_OUTPUT) {
			g_byte_array_append(run->output, buffer, GATTCTL_RUN_MAX_OUTPUT - run->output->len);
			run->output_overflow = true;
			/* After its exit, a process it left behind may keep the pipe open and writing. */
			if (draining)
				return true;
		} else {
			g_byte_array_append(run->output, buffer, (guint)n);
		}
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void gattctl_run_command(GattctlSignals *signals, const char *cmd, char **envp, GBytes *input, bool capture,
                         int64_t until, GattctlRun *run)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int status = 0, r;
	pid_t pid;

	*run = (GattctlRun) { .output = g_byte_array_new() };
	if (input && g_bytes_get_size(input) > RUN_MAX_INPUT) {
		run->end = GATTCTL_RUN_FAILED;
		run->status = E2BIG;
		return;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || (capture && pipe2(out, O_CLOEXEC) < 0)) {
		run->end = GATTCTL_RUN_FAILED;
		run->status = errno;
		goto out;
	}
	if (input && g_bytes_get_size(input) > 0) {
		gsize len;
		const guint8 *data = g_bytes_get_data(input, &len);

		/* A fresh pipe takes RUN_MAX_INPUT bytes whole: written before the command starts, it
		 * never blocks and never meets a closed end (SIGPIPE). */
		ssize_t n = write(in[1], data, len);

		if (n != (ssize_t)len) {
			run->end = GATTCTL_RUN_FAILED;
			run->status = n < 0 ? errno : EIO;
			goto out;
		}
	}
	close_fd(&in[1]);
	if (capture)
		fcntl(out[0], F_SETFL, O_NONBLOCK);

	r = spawn_command(cmd, envp, in[0], capture ? out[1] : STDERR_FILENO, &pid);
	close_fd(&in[0]);
	close_fd(&out[1]);
	if (r < 0) {
		run->end = GATTCTL_RUN_FAILED;
		run->status = -r;
		goto out;
	}

	for (;;) {
		struct pollfd fds[] = {
			{ .fd = signals->fd, .events = POLLIN },
			{ .fd = out[0], .events = POLLIN },
		};
		pid_t done = waitpid(pid, &status, WNOHANG);
		int left = remaining_ms(until);

		if (done == pid)
			break;
		if (done < 0 && errno != EINTR) {
			run->end = GATTCTL_RUN_FAILED;
			run->status = errno;
			kill(-pid, SIGKILL);
			goto out;
		}
		if (left == 0) {
			kill_command(pid);
			run->end = GATTCTL_RUN_TIMED_OUT;
			goto out;
		}
		if (poll(fds, out[0] >= 0 ? 2 : 1, left) < 0 && errno != EINTR) {
			run->end = GATTCTL_RUN_FAILED;
			run->status = errno;
			kill_command(pid);
			goto out;
		}
		if (fds[0].revents && gattctl_signals_take(signals)) {
			stop_command(signals, pid);
			run->end = GATTCTL_RUN_INTERRUPTED;
			goto out;
		}
		if (out[0] >= 0 && fds[1].revents && read_output(out[0], run, false))
			close_fd(&out[0]);
	}
	/* Everything it printed before it exited is in the pipe now. */
	if (out[0] >= 0)
		read_output(out[0], run, true);
	run->end = WIFSIGNALED(status) ? GATTCTL_RUN_SIGNALED : GATTCTL_RUN_EXITED;
	run->status = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
out:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
}

void gattctl_run_clear(GattctlRun *run)
{
	g_clear_pointer(&run->output, g_byte_array_unref);
}

/* ---- the verbs that serve gattd's requests (handle, confirm) ---- */

char **gattctl_command_environ(const Gattctl *ctl)
{
	/* A command that runs gattctl itself reaches this gattd. */
	return g_environ_setenv(g_get_environ(), "GATTD_SOCKET", gattctl_socket_path(ctl), TRUE);
}

int64_t gattctl_run_until(unsigned timeout_ms, int64_t deadline, unsigned margin_ms, bool *ret_by_deadline)
{
	int64_t until = g_get_monotonic_time() + (int64_t)timeout_ms * G_TIME_SPAN_MILLISECOND;
	int64_t cut = deadline - (int64_t)margin_ms * G_TIME_SPAN_MILLISECOND;

	*ret_by_deadline = deadline > 0 && cut < until;
	return *ret_by_deadline ? cut : until;
}

int gattctl_serve_events(Gattctl *ctl, GattctlSignals *signals, const char *what, GattctlLineFunc on_line, void *data)
{
	GattdClient *client = ctl->client;

	for (;;) {
		struct pollfd fds[] = {
			{ .fd = gattd_client_get_fd(client), .events = POLLIN },
			{ .fd = signals->fd, .events = POLLIN },
		};
		char *line;
		int r;

		while (!gattctl_signals_take(signals) && (line = gattd_client_pop_message(client))) {
			r = on_line(data, line);
			free(line);
			/* A reader at the other end of a pipe wants each line when it happens. */
			fflush(stdout);
			if (r != GATTCTL_EXIT_OK)
				return r;
		}
		if (signals->stop)
			return GATTCTL_EXIT_OK;
		if (poll(fds, G_N_ELEMENTS(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			return gattctl_exit_for_errno(-errno, what);
		}
		if (!fds[0].revents)
			continue;
		r = gattd_client_process(client);
		if (r == -ECONNRESET) {
			fprintf(stderr, "gattctl: %s: gattd closed the connection\n", what);
			return GATTCTL_EXIT_CONNECTION;
		}
		if (r < 0 && r != -ENOBUFS)
			return gattctl_exit_for_errno(r, what);
	}
}
