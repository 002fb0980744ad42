/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shell.h: the parts of gattctl's interactive shell (shell.c): reading lines
 * (shell-input.c: GNU Readline on a terminal when built with it, plain lines
 * otherwise) and completing words (shell-complete.c).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* The longest line the shell takes; a longer one is skipped with a message. */
#define SHELL_MAX_LINE 65536

/* A line read, without its newline (the callee's, to g_free()), or NULL at the end of input. */
typedef void (*ShellLineFunc)(void *data, char *line);

/* The words that may complete text, typed after words (NULL-terminated), as shell_complete() gives them. */
typedef GPtrArray *(*ShellCompleteFunc)(void *data, char **words, const char *text);

typedef struct ShellInput ShellInput;

/*
 * Lines from stdin. editing: a terminal's user types them (a prompt, line editing,
 * history in history_path (may be NULL), Tab asking complete); otherwise they are
 * read as they come, from a pipe or a file.
 */
ShellInput *shell_input_new(bool editing, const char *history_path, ShellLineFunc on_line,
                            ShellCompleteFunc complete, void *data);
void shell_input_free(ShellInput *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ShellInput, shell_input_free)

/* Whether lines are edited with GNU Readline (else a terminal's user gets a plain prompt). */
bool shell_input_has_readline(void);

/* Show prompt and take input: stdin readable means shell_input_read(). */
void shell_input_start(ShellInput *input, const char *prompt);
/* Stop taking input and leave the terminal as a command run in it expects. */
void shell_input_stop(ShellInput *input);
/* stdin is readable: read what is there, calling on_line for each line completed. */
void shell_input_read(ShellInput *input);
/* Print text as a line of its own, above the prompt and what the user has typed so far. */
void shell_input_print(ShellInput *input, const char *text);
/* Ctrl-C at the prompt: drop what was typed, a new prompt. */
void shell_input_interrupt(ShellInput *input);
/* The terminal changed size. */
void shell_input_resize(ShellInput *input);

/*
 * The words that may complete text, the word being typed after words (the line's
 * words before it; words[0] the command): commands, a command's options (from its
 * --help), characteristic and descriptor ids and central addresses asked of gattd at
 * socket_path, and the words some commands take. Only those beginning with text.
 */
GPtrArray *shell_complete(const char *socket_path, char **words, const char *text);
