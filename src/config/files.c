/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * files.c: getting configuration files off the disk (loader.h): at most
 * CONFIG_FILE_MAX bytes of a regular file, never blocking on a FIFO, text that
 * is UTF-8 without NUL bytes, parsed by GKeyFile, with the groups that GKeyFile
 * would silently merge reported; and the list of services.d/ *.conf.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/loader.h"

/* A config file is a few kilobytes; anything this large is a mistake. */
#define CONFIG_FILE_MAX (1024 * 1024)

/*
 * Read a regular file of at most CONFIG_FILE_MAX bytes, and its permission bits
 * (of the file read, not of whatever the path names later). O_NONBLOCK keeps a
 * FIFO dropped into services.d from hanging the daemon at open(). Returns 0 or
 * -errno (-EFBIG when too large, -EINVAL when not a regular file).
 */
static int read_file_limited(const char *path, GBytes **ret, unsigned *ret_mode)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (st.st_size > CONFIG_FILE_MAX)
		r = -EFBIG;

	while (r == 0) {
		guint8 chunk[16384];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else if (n == 0)
			break;
		else if (buf->len + (size_t) n > CONFIG_FILE_MAX)
			r = -EFBIG; /* it grew since fstat() */
		else
			g_byte_array_append(buf, chunk, (guint) n);
	}
	close(fd);
	if (r < 0)
		return r;
	*ret = g_byte_array_free_to_bytes(g_steal_pointer(&buf));
	*ret_mode = st.st_mode & 07777;
	return 0;
}

static void report_read_error(GPtrArray *errors, const char *file, int r)
{
	const ConfigSection s = { .errors = errors, .file = file };

	if (r == -EFBIG)
		config_section_report(&s, NULL, "larger than %d bytes, not a config file", CONFIG_FILE_MAX);
	else if (r == -EINVAL)
		config_section_report(&s, NULL, "cannot read: not a regular file");
	else
		config_section_report(&s, NULL, "cannot read: %s", g_strerror(-r));
}

/*
 * GKeyFile silently merges a group that appears twice in one file, so an id
 * defined twice there would go unnoticed; count the header lines ourselves.
 */
static void check_duplicate_groups(const ConfigSection *file_section, const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) reported = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);
		size_t len = strlen(line);
		ConfigSection s = *file_section;

		if (len < 2 || line[0] != '[' || line[len - 1] != ']')
			continue;
		line[len - 1] = '\0';
		s.group = line + 1;
		if (!g_hash_table_add(seen, line + 1) && g_hash_table_add(reported, line + 1))
			config_section_report(&s, NULL, "group appears more than once in this file");
	}
}

/* The number of the first line GKeyFile cannot read as a key=value, a [group] or a comment; 0 if none. */
static unsigned first_bad_line(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	for (unsigned line = 1; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *stop = eol ? eol : end;
		const char *q = p;

		while (q < stop && g_ascii_isspace(*q))
			q++;
		if (q < stop && *q != '#' && *q != '[' && !memchr(q, '=', (size_t)(stop - q)))
			return line;
		p = eol ? eol + 1 : end;
	}
	return 0;
}

GKeyFile *config_files_load_key_file(GPtrArray *errors, const char *path, const char *file, bool absent_ok,
                                     unsigned *ret_mode)
{
	/* gattd.conf may hold [Pairing] Passkey=: never quote its lines back. */
	bool secret = ret_mode != NULL;
	g_autoptr(GKeyFile) keyfile = g_key_file_new();
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;
	const ConfigSection s = { .errors = errors, .file = file };
	const char *text, *bad = NULL;
	unsigned mode = 0;
	gsize len;
	int r;

	r = read_file_limited(path, &bytes, &mode);
	if (r == -ENOENT && absent_ok)
		return NULL;
	if (r < 0) {
		report_read_error(errors, file, r);
		return NULL;
	}

	text = g_bytes_get_data(bytes, &len);
	if (!text)
		text = ""; /* empty GBytes may have no data pointer */
	if (len > 0 && memchr(text, '\0', len)) {
		config_section_report(&s, NULL, "contains a NUL byte, not a text file");
		return NULL;
	}
	/* Values are quoted back in messages and sent on D-Bus as strings. */
	if (len > 0 && !g_utf8_validate_len(text, len, &bad)) {
		unsigned line = 1;
		for (const char *p = text; p < bad; p++)
			line += *p == '\n';
		config_section_report(&s, NULL, "not valid UTF-8 (line %u)", line);
		return NULL;
	}

	/* Keep "Key[locale]" entries so they are reported as unknown keys, not dropped. */
	if (!g_key_file_load_from_data(keyfile, text, len, G_KEY_FILE_KEEP_TRANSLATIONS, &error)) {
		unsigned line = secret ? first_bad_line(text, len) : 0;

		/* GLib quotes the whole line, which may be a mistyped Passkey=: its number only. */
		if (line)
			config_section_report(&s, NULL, "line %u is not a key=value line, a [group] or a comment", line);
		else
			config_section_report(&s, NULL, "%s", error->message);
		return NULL;
	}
	{
		g_autofree char *copy = g_strndup(text, len);
		check_duplicate_groups(&s, copy);
	}
	if (ret_mode)
		*ret_mode = mode;
	return g_steal_pointer(&keyfile);
}

static gint compare_file_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *config_files_list_services(GPtrArray *errors, const char *dir)
{
	g_autofree char *dir_path = g_build_filename(dir, CONFIG_SERVICES_DIR, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(dir_path);
	struct dirent *entry;

	if (!d) {
		const ConfigSection s = { .errors = errors, .file = CONFIG_SERVICES_DIR };
		config_section_report(&s, NULL, "cannot read directory: %s", g_strerror(errno));
		return NULL;
	}
	while ((entry = readdir(d)))
		if (g_str_has_suffix(entry->d_name, ".conf"))
			g_ptr_array_add(names, g_strdup(entry->d_name));
	closedir(d);
	g_ptr_array_sort(names, compare_file_names);
	return g_steal_pointer(&names);
}
