/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shell-input.c: the lines of gattctl's shell. On a terminal, GNU Readline's callback
 * interface (when gattctl is built with it): the shell's poll() loop hands it each
 * byte typed, so that gattd's events can be printed above the prompt while a line is
 * being typed; history in a file; Tab asks shell_complete(). Otherwise lines are
 * split from what read() returns, for a pipe, a file, or a terminal without Readline.
 *
 * Readline keeps its state in globals and calls back without user data: one
 * ShellInput exists at a time, and `current` is it.
 */
#include "shell.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef GATTCTL_HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

/* Lines kept in the history file. */
#define HISTORY_MAX 1000

struct ShellInput {
	bool editing;
	bool readline;      /* editing with Readline */
	bool started;       /* a prompt is up */
	char *prompt;
	char *history_path;
	ShellLineFunc on_line;
	ShellCompleteFunc complete;
	void *data;
	GString *pending;   /* plain: the line being read */
	bool skipping;      /* plain: the rest of a line too long to take */
	unsigned line_no;
};

static ShellInput *current;

bool shell_input_has_readline(void)
{
#ifdef GATTCTL_HAVE_READLINE
	return true;
#else
	return false;
#endif
}

#ifdef GATTCTL_HAVE_READLINE
/* What Tab offers: rl_completion_matches() asks for them one by one. */
static GPtrArray *completions;

static char *next_completion(const char *text, int state)
{
	static guint next;

	(void)text;
	if (state == 0)
		next = 0;
	if (!completions || next >= completions->len)
		return NULL;
	return strdup(g_ptr_array_index(completions, next++)); /* Readline free()s it */
}

static char **complete_word(const char *text, int start, int end)
{
	g_autofree char *before = g_strndup(rl_line_buffer, (gsize)start);
	g_auto(GStrv) words = g_strsplit_set(before, " \t", -1);
	g_autoptr(GPtrArray) kept = g_ptr_array_new();

	(void)end;
	for (char **w = words; *w; w++)
		if (**w)
			g_ptr_array_add(kept, *w);
	g_ptr_array_add(kept, NULL);
	rl_attempted_completion_over = 1; /* never file names */
	g_clear_pointer(&completions, g_ptr_array_unref);
	completions = current->complete(current->data, (char **)kept->pdata, text);
	return rl_completion_matches(text, next_completion);
}

static void on_readline(char *line)
{
	ShellInput *input = current;
	HIST_ENTRY *last;

	/* One command at a time: the shell starts input again when this one is done. */
	rl_callback_handler_remove();
	input->started = false;
	if (line && *line) {
		last = history_get(history_base + history_length - 1);
		if (!last || strcmp(last->line, line) != 0)
			add_history(line);
	}
	if (!line)
		fputc('\n', stdout); /* Ctrl-D left the cursor after the prompt */
	input->on_line(input->data, line ? g_strdup(line) : NULL);
	free(line);
}

static void readline_open(ShellInput *input)
{
	/* The shell's signalfd takes SIGINT and SIGWINCH; Readline must not install handlers. */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_readline_name = "gattctl";
	rl_attempted_completion_function = complete_word;
	using_history();
	stifle_history(HISTORY_MAX);
	if (input->history_path)
		read_history(input->history_path); /* none yet is fine */
}

static void readline_close(ShellInput *input)
{
	g_autofree char *dir = NULL;
	int r;

	if (input->started)
		rl_callback_handler_remove();
	g_clear_pointer(&completions, g_ptr_array_unref);
	if (!input->history_path)
		return;
	dir = g_path_get_dirname(input->history_path);
	/* write_history() returns the errno value; it does not set errno. */
	r = g_mkdir_with_parents(dir, 0700) < 0 ? errno : write_history(input->history_path);
	if (r != 0)
		fprintf(stderr, "gattctl: cannot save the history in %s: %s\n", input->history_path, g_strerror(r));
	else
		history_truncate_file(input->history_path, HISTORY_MAX);
	clear_history();
}
#endif

ShellInput *shell_input_new(bool editing, const char *history_path, ShellLineFunc on_line,
                            ShellCompleteFunc complete, void *data)
{
	ShellInput *input = g_new0(ShellInput, 1);

	g_assert(!current);
	input->editing = editing;
	input->readline = editing && shell_input_has_readline();
	input->history_path = g_strdup(history_path);
	input->on_line = on_line;
	input->complete = complete;
	input->data = data;
	input->pending = g_string_new(NULL);
	current = input;
#ifdef GATTCTL_HAVE_READLINE
	if (input->readline)
		readline_open(input);
#endif
	return input;
}

void shell_input_free(ShellInput *input)
{
	if (!input)
		return;
#ifdef GATTCTL_HAVE_READLINE
	if (input->readline)
		readline_close(input);
#endif
	g_string_free(input->pending, TRUE);
	g_free(input->prompt);
	g_free(input->history_path);
	current = NULL;
	g_free(input);
}

/* Take the prompt and what is typed away, print text (if any) as a line, then the prompt back with the line as it was. */
static void redraw(ShellInput *input, const char *text)
{
#ifdef GATTCTL_HAVE_READLINE
	if (input->readline && input->started) {
		char *typed = rl_copy_text(0, rl_end);
		int point = rl_point;

		rl_set_prompt("");
		rl_replace_line("", 0);
		rl_redisplay();
		printf("\r\033[K");
		if (text)
			printf("%s\n", text);
		fflush(stdout);
		rl_set_prompt(input->prompt);
		rl_replace_line(typed, 0);
		rl_point = point;
		rl_redisplay();
		free(typed);
		return;
	}
#endif
	if (input->editing && input->started)
		printf("\r\033[K%s%s%s", text ? text : "", text ? "\n" : "", input->prompt);
	else if (text)
		printf("%s\n", text);
	fflush(stdout);
}

void shell_input_start(ShellInput *input, const char *prompt)
{
	bool changed = g_strcmp0(prompt, input->prompt) != 0;

	if (input->started && !changed)
		return;
	g_free(input->prompt);
	input->prompt = g_strdup(prompt);
	if (input->started) {
		redraw(input, NULL); /* the new prompt in place of the old one */
		return;
	}
	input->started = true;
#ifdef GATTCTL_HAVE_READLINE
	if (input->readline) {
		rl_callback_handler_install(prompt, on_readline);
		return;
	}
#endif
	if (input->editing) {
		fputs(prompt, stdout);
		fflush(stdout);
	}
}

void shell_input_stop(ShellInput *input)
{
#ifdef GATTCTL_HAVE_READLINE
	if (input->readline && input->started)
		rl_callback_handler_remove();
#endif
	input->started = false;
}

/* plain: one line complete (or the last, unended one at the end of input). */
static void plain_line(ShellInput *input)
{
	input->line_no++;
	if (input->skipping) {
		fprintf(stderr, "gattctl: line %u: longer than %d bytes, skipped\n", input->line_no, SHELL_MAX_LINE);
		input->skipping = false;
		g_string_truncate(input->pending, 0);
		return;
	}
	input->started = false;
	input->on_line(input->data, g_strdup(input->pending->str));
	g_string_truncate(input->pending, 0);
}

void shell_input_read(ShellInput *input)
{
	char buf[4096];
	ssize_t n;

#ifdef GATTCTL_HAVE_READLINE
	if (input->readline) {
		rl_callback_read_char();
		return;
	}
#endif
	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "gattctl: reading commands: %s\n", g_strerror(errno));
		if (input->pending->len > 0 || input->skipping)
			plain_line(input);
		input->started = false;
		input->on_line(input->data, NULL);
		return;
	}
	/* Each line goes to on_line, which may stop input: the rest waits in pending. */
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			plain_line(input);
			continue;
		}
		if (input->pending->len >= SHELL_MAX_LINE)
			input->skipping = true;
		else
			g_string_append_c(input->pending, buf[i]);
	}
}

void shell_input_print(ShellInput *input, const char *text)
{
	redraw(input, text);
}

void shell_input_interrupt(ShellInput *input)
{
#ifdef GATTCTL_HAVE_READLINE
	if (input->readline && input->started) {
		rl_free_line_state();
		rl_callback_sigcleanup();
		rl_replace_line("", 0);
		rl_crlf();
		rl_on_new_line();
		rl_redisplay();
		return;
	}
#endif
	if (input->editing && input->started) {
		printf("\n%s", input->prompt);
		fflush(stdout);
	}
}

void shell_input_resize(ShellInput *input)
{
#ifdef GATTCTL_HAVE_READLINE
	if (input->readline)
		rl_resize_terminal();
#endif
	(void)input;
}
