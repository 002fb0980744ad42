/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shell.c: bare `gattctl`, an interactive shell as bluetoothctl has one. Each line is
 * a command as `gattctl COMMAND ...` takes it (quoted as in sh), run as exactly that:
 * gattctl again, with the shell's global options, in a process of its own, so that
 * every command behaves, exits and is interrupted as on its own: Ctrl-C stops a
 * watch or a handle and comes back to the prompt.
 *
 * On a terminal the shell keeps a connection to gattd of its own, watching, and
 * prints gattd's events above the prompt as they come; while a command runs they are
 * held (at most HELD_MAX) and printed when it ends. When gattd is not there or goes
 * away, the shell says so and connects again (every RECONNECT_MS) when it is back.
 * From a pipe or a file the shell only runs the lines, one after another, and exits
 * with the last one's status, as sh does.
 *
 * One poll() loop: stdin (while no command runs), the watching connection, and a
 * signalfd for SIGINT (the prompt's Ctrl-C; a running command gets its own), SIGTERM,
 * SIGCHLD (a command ended) and SIGWINCH.
 */
#include "gattctl.h"
#include "shell.h"

#include "shared/escape.h"
#include "gattd-build-config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECONNECT_MS 1000
/* After gattd refused the watch (too many clients, shutting down): not every second. */
#define REFUSED_RECONNECT_MS 30000
/* Events held while a command runs; beyond them only a count is kept. */
#define HELD_MAX 100

typedef struct {
	Gattctl *ctl;
	bool interactive;
	int signal_fd;
	ShellInput *input;
	GQueue lines;             /* read, to be run in order */
	bool input_ended;
	bool quit;
	bool interrupted;         /* a script got SIGINT */
	int status;               /* the last command's exit status */

	pid_t child;              /* the command running, or 0 */
	char *child_name;

	GattdClient *events;      /* the watching connection, or NULL */
	bool ever_connected;
	bool said_absent;         /* "not running" said since the last connection */
	bool refused;             /* gattd refused this connection's watch */
	int64_t reconnect_at;     /* g_get_monotonic_time() */
	GQueue held;              /* event lines held while a command runs */
	unsigned held_dropped;
} Shell;

static const char *prompt(const Shell *shell)
{
	return shell->events ? "gattctl> " : "gattctl (no gattd)> ";
}

/* A line for the user: above the prompt, or, while a command has the terminal, after it ends. */
static void show(Shell *shell, char *text)
{
	if (!shell->child) {
		shell_input_print(shell->input, text);
		g_free(text);
		return;
	}
	if (g_queue_get_length(&shell->held) < HELD_MAX)
		g_queue_push_tail(&shell->held, text);
	else {
		shell->held_dropped++;
		g_free(text);
	}
}

static void say(Shell *shell, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void say(Shell *shell, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	show(shell, g_strdup_vprintf(format, ap));
	va_end(ap);
}

/* ---- gattd's events ---- */

static void events_close(Shell *shell)
{
	int64_t delay_ms = shell->refused ? REFUSED_RECONNECT_MS : RECONNECT_MS;

	g_clear_pointer(&shell->events, gattd_client_free);
	shell->reconnect_at = g_get_monotonic_time() + delay_ms * G_TIME_SPAN_MILLISECOND;
}

static void events_connect(Shell *shell)
{
	g_autofree char *path = escape_text(gattctl_socket_path(shell->ctl));
	int r;

	shell->reconnect_at = 0;
	shell->refused = false;
	r = gattd_client_connect(gattctl_socket_path(shell->ctl), &shell->events);
	if (r >= 0)
		r = gattd_client_send(shell->events, "{\"cmd\":\"watch\"}", NULL);
	if (r >= 0)
		r = gattd_client_flush(shell->events, 1000);
	if (r < 0) {
		if (!shell->said_absent)
			say(shell, "gattd is not running at %s (%s); connecting when it is", path, g_strerror(-r));
		shell->said_absent = true;
		events_close(shell);
		return;
	}
	if (shell->ever_connected)
		say(shell, "connected to gattd again");
	else
		say(shell, "connected to gattd at %s", path);
	shell->ever_connected = true;
	shell->said_absent = false;
}

/* gattd's error reply to the watch: said once, and the next try is in REFUSED_RECONNECT_MS. */
static char *refused_text(Shell *shell, const json_t *reply)
{
	g_autofree char *message = escape_text(jread_string(reply, "message") ?: "no reason given");

	shell->refused = true;
	return g_strdup_printf("gattd refused to send events (%s); trying again in %d s", message,
	                       REFUSED_RECONNECT_MS / 1000);
}

static void show_event(Shell *shell, const char *line)
{
	g_autoptr(json_t) root = jread_object(line, strlen(line), NULL);
	char *text = NULL;

	if (root && json_is_false(json_object_get(root, "ok")))
		text = refused_text(shell, root);
	else if (!root || !jread_string(root, "event"))
		return; /* the watch's reply */
	else if (shell->ctl->json)
		text = escape_text(line);
	else
		text = gattctl_format_event(root);
	show(shell, text);
}

static void events_read(Shell *shell)
{
	int r = gattd_client_process(shell->events);
	char *line;

	while ((line = gattd_client_pop_message(shell->events))) {
		show_event(shell, line);
		free(line);
	}
	if (r >= 0)
		return;
	if (r == -ECONNRESET && !shell->refused)
		say(shell, "gattd closed the connection; connecting again when it is back");
	else if (!shell->refused)
		say(shell, "connection to gattd lost (%s); connecting again", g_strerror(-r));
	events_close(shell);
}

static void show_held(Shell *shell)
{
	char *text;

	while ((text = g_queue_pop_head(&shell->held))) {
		shell_input_print(shell->input, text);
		g_free(text);
	}
	if (shell->held_dropped)
		say(shell, "(%u more events while the command ran, not shown)", shell->held_dropped);
	shell->held_dropped = 0;
}

/* ---- commands ---- */

static void help(Shell *shell)
{
	g_autoptr(GString) s = g_string_new("Commands (each as `gattctl COMMAND`; COMMAND --help for its options):\n");

	gattctl_verbs_help_append(s);
	g_string_append(s, "  help [COMMAND]              this list, or a command's options\n"
	                   "  exit, quit                  leave (Ctrl-D too)\n"
	                   "Tab completes commands, options, ids and addresses; Ctrl-C stops a command.");
	say(shell, "%s", s->str);
}

/* `gattctl [--socket P] [--json] [--timeout MS] VERB ARGS...`: the shell's own global options, then the line. */
static GPtrArray *command_argv(const Shell *shell, char **argv)
{
	GPtrArray *args = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(args, g_strdup("gattctl"));
	if (shell->ctl->socket_path) {
		g_ptr_array_add(args, g_strdup("--socket"));
		g_ptr_array_add(args, g_strdup(shell->ctl->socket_path));
	}
	if (shell->ctl->json)
		g_ptr_array_add(args, g_strdup("--json"));
	if (shell->ctl->timeout_ms) {
		g_ptr_array_add(args, g_strdup("--timeout"));
		g_ptr_array_add(args, g_strdup_printf("%d", shell->ctl->timeout_ms < 0 ? 0 : shell->ctl->timeout_ms));
	}
	for (char **a = argv; *a; a++)
		g_ptr_array_add(args, g_strdup(*a));
	g_ptr_array_add(args, NULL);
	return args;
}

/*
 * Run the line as `gattctl VERB ARGS` runs: gattctl itself again (/proc/self/exe), a
 * fresh process with signals as a shell starts a program with them and none of the
 * shell's descriptors (all close-on-exec), in the terminal's foreground process group
 * with the shell, so that Ctrl-C reaches it.
 */
static void start_command(Shell *shell, const GattctlVerbInfo *verb, char **argv)
{
	g_autoptr(GPtrArray) args = command_argv(shell, argv);
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	pid_t pid;
	int r;

	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGWINCH);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	shell_input_stop(shell->input);
	fflush(stdout);
	r = posix_spawn(&pid, "/proc/self/exe", NULL, &attr, (char **)args->pdata, environ);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		fprintf(stderr, "gattctl: %s: cannot start it: %s\n", verb->name, g_strerror(r));
		shell->status = GATTCTL_EXIT_ERROR;
		return;
	}
	shell->child = pid;
	shell->child_name = g_strdup(verb->name);
}

static void reap_child(Shell *shell)
{
	int wstatus;
	pid_t pid = waitpid(shell->child, &wstatus, WNOHANG);

	if (pid <= 0)
		return;
	if (WIFEXITED(wstatus)) {
		shell->status = WEXITSTATUS(wstatus);
	} else {
		fprintf(stderr, "gattctl: %s: killed by signal %d (%s)\n", shell->child_name, WTERMSIG(wstatus),
		        strsignal(WTERMSIG(wstatus)));
		shell->status = 128 + WTERMSIG(wstatus);
	}
	shell->child = 0;
	g_clear_pointer(&shell->child_name, g_free);
	show_held(shell);
}

static void run_line(Shell *shell, const char *line)
{
	g_auto(GStrv) argv = NULL;
	g_autoptr(GError) error = NULL;
	const GattctlVerbInfo *verb;
	const char *text = line + strspn(line, " \t");
	const char *suggestion;
	g_autofree char *shown = NULL;

	if (!*text || *text == '#')
		return;
	if (!g_shell_parse_argv(text, NULL, &argv, &error)) {
		fprintf(stderr, "gattctl: %s\n", error->message);
		shell->status = GATTCTL_EXIT_USAGE;
		return;
	}
	if (strcmp(argv[0], "exit") == 0 || strcmp(argv[0], "quit") == 0) {
		shell->quit = true;
		return;
	}
	if (strcmp(argv[0], "help") == 0 && !argv[1]) {
		help(shell);
		shell->status = GATTCTL_EXIT_OK;
		return;
	}
	if (strcmp(argv[0], "help") == 0) {
		/* help COMMAND: its --help. */
		g_free(argv[0]);
		argv[0] = argv[1];
		argv[1] = g_strdup("--help");
	}
	verb = gattctl_verb_find(argv[0]);
	if (verb) {
		start_command(shell, verb, argv);
		return;
	}
	shown = escape_text(argv[0]);
	suggestion = gattctl_verb_suggest(argv[0]);
	if (suggestion)
		fprintf(stderr, "gattctl: unknown command '%s' (did you mean '%s'?); 'help' lists them\n", shown,
		        suggestion);
	else
		fprintf(stderr, "gattctl: unknown command '%s'; 'help' lists them\n", shown);
	shell->status = GATTCTL_EXIT_USAGE;
}

static void on_line(void *data, char *line)
{
	Shell *shell = data;

	if (line)
		g_queue_push_tail(&shell->lines, line);
	else
		shell->input_ended = true;
}

static GPtrArray *on_complete(void *data, char **words, const char *text)
{
	Shell *shell = data;

	return shell_complete(gattctl_socket_path(shell->ctl), words, text);
}

/* ---- the loop ---- */

static void take_signals(Shell *shell)
{
	struct signalfd_siginfo info;

	while (read(shell->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		switch (info.ssi_signo) {
		case SIGCHLD:
			if (shell->child)
				reap_child(shell);
			break;
		case SIGINT:
			/* A command has the terminal's Ctrl-C too, and ends as it does on its own;
			 * a script stops there, as sh's does (130 once the command has ended). */
			if (!shell->interactive) {
				shell->quit = true;
				shell->interrupted = true;
			} else if (!shell->child) {
				shell_input_interrupt(shell->input);
			}
			break;
		case SIGTERM:
			if (shell->child)
				kill(shell->child, SIGTERM);
			shell->quit = true;
			break;
		case SIGWINCH:
			shell_input_resize(shell->input);
			break;
		}
	}
}

static int poll_timeout(const Shell *shell)
{
	int64_t left;

	if (!shell->interactive || shell->events)
		return -1;
	left = shell->reconnect_at - g_get_monotonic_time();
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

static void loop(Shell *shell)
{
	while (!(shell->quit && !shell->child)) {
		struct pollfd fds[3] = {
			{ .fd = shell->signal_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		char *line;

		if (!shell->child && !shell->quit && (line = g_queue_pop_head(&shell->lines))) {
			run_line(shell, line);
			g_free(line);
			continue;
		}
		if (!shell->child && shell->input_ended)
			break;
		/* Not while a command has the terminal: it may take gattd's last client slot, too. */
		if (shell->interactive && !shell->events && !shell->child && g_get_monotonic_time() >= shell->reconnect_at)
			events_connect(shell);
		if (!shell->child && !shell->quit) {
			shell_input_start(shell->input, prompt(shell));
			fds[1].fd = STDIN_FILENO;
		}
		if (shell->events)
			fds[2].fd = gattd_client_get_fd(shell->events);
		if (poll(fds, G_N_ELEMENTS(fds), poll_timeout(shell)) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "gattctl: poll: %s\n", g_strerror(errno));
			break;
		}
		if (fds[0].revents)
			take_signals(shell);
		if (fds[2].revents && shell->events)
			events_read(shell);
		if (fds[1].revents && !shell->child && !shell->quit)
			shell_input_read(shell->input);
	}
	if (shell->child) {
		int wstatus;

		waitpid(shell->child, &wstatus, 0);
	}
}

static char *history_path(void)
{
	const char *dir = g_get_user_state_dir();

	return dir && *dir ? g_build_filename(dir, "gattctl", "history", NULL) : NULL;
}

int gattctl_shell(Gattctl *ctl)
{
	Shell shell = { .ctl = ctl, .interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) };
	g_autofree char *history = shell.interactive ? history_path() : NULL;
	static const int signos[] = { SIGINT, SIGTERM, SIGCHLD, SIGWINCH, 0 };

	/* Blocked before anything else: the loop reads them from the signalfd. */
	shell.signal_fd = gattctl_signalfd_open(signos);
	if (shell.signal_fd < 0)
		return gattctl_exit_for_errno(shell.signal_fd, "shell: signalfd");

	g_queue_init(&shell.lines);
	g_queue_init(&shell.held);
	shell.input = shell_input_new(shell.interactive, history, on_line, on_complete, &shell);
	if (shell.interactive) {
		printf("gattctl %s: 'help' lists the commands, Tab completes, Ctrl-D leaves.\n", GATTD_VERSION);
		events_connect(&shell);
	}
	loop(&shell);

	g_clear_pointer(&shell.input, shell_input_free);
	g_clear_pointer(&shell.events, gattd_client_free);
	g_queue_clear_full(&shell.lines, g_free);
	g_queue_clear_full(&shell.held, g_free);
	close(shell.signal_fd);
	if (shell.interactive)
		return GATTCTL_EXIT_OK;
	return shell.interrupted ? 128 + SIGINT : shell.status;
}
