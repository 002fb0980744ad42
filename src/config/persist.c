/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * persist.c: the value files of Persist=true characteristics.
 *
 * A file is a small GKeyFile written whole to ID.tmp and renamed over ID, with
 * fsync before and after the rename: rename() is atomic, so a crash leaves the
 * old file or the new one, and the fsyncs make the same hold across a power
 * loss. Loading trusts nothing in the file: it reads at most
 * PERSIST_MAX_FILE_SIZE bytes, refuses non-regular files and symbolic links, and
 * checks every field, so a damaged or foreign file only ever costs the saved
 * value. Length= is written before Hex= so that a file cut short anywhere no
 * longer parses as a value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h> /* renameat() */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/escape.h"
#include "config/ids.h"
#include "config/persist.h"
#include "shared/value.h"

#define VALUES_SUBDIR "values"
#define GROUP "Value"
#define KEY_CHARACTERISTIC "Characteristic"
#define KEY_UUID "UUID"
#define KEY_TYPE "Type"
#define KEY_LENGTH "Length"
#define KEY_HEX "Hex"

struct PersistStore {
	char *path; /* DIR/values, escaped for messages (escape.h): only dir_fd is used to reach files */
	int dir_fd;
};

static const char *const known_keys[] = {
	KEY_CHARACTERISTIC, KEY_UUID, KEY_TYPE, KEY_LENGTH, KEY_HEX, NULL,
};

/* ---- names ---- */

/*
 * "battery/level" -> "battery.level". Only SERVICE/CHAR ids are accepted, so a
 * file name has exactly one '.' and can never be another id's "ID.tmp" (nor
 * escape the directory).
 */
static char *file_name_for_id(const char *id)
{
	if (!id || !config_id_is_valid(id, 2))
		return NULL;
	return g_strdelimit(g_strdup(id), "/", '.');
}

/* UUIDs and type names go into the file verbatim: one printable ASCII word. */
static bool is_field_word(const char *text)
{
	if (!text || !*text)
		return false;
	for (const char *p = text; *p; p++) {
		if (*p <= ' ' || *p > '~')
			return false;
	}
	return true;
}

/* ---- open / free ---- */

PersistStore *persist_store_open(const char *dir, char **ret_error)
{
	return persist_store_open_subdir(dir, VALUES_SUBDIR, ret_error);
}

PersistStore *persist_store_open_subdir(const char *dir, const char *subdir, char **ret_error)
{
	g_autofree char *path = g_build_filename(dir, subdir, NULL);
	/* $STATE_DIRECTORY may hold anything: messages show it escaped. */
	g_autofree char *shown = escape_text(path);
	PersistStore *store;
	int fd;

	if (g_mkdir_with_parents(path, 0700) < 0) {
		*ret_error = g_strdup_printf("cannot create %s: %s", shown, g_strerror(errno));
		return NULL;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		*ret_error = g_strdup_printf("cannot open %s: %s", shown, g_strerror(errno));
		return NULL;
	}
	/* Find out now, not at the first change of a value. */
	if (faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		*ret_error = g_strdup_printf("cannot write to %s: %s", shown, g_strerror(errno));
		close(fd);
		return NULL;
	}

	store = g_new0(PersistStore, 1);
	store->path = g_steal_pointer(&shown);
	store->dir_fd = fd;
	return store;
}

void persist_store_free(PersistStore *store)
{
	if (!store)
		return;
	if (store->dir_fd >= 0)
		close(store->dir_fd);
	g_free(store->path);
	g_free(store);
}

const char *persist_store_get_path(const PersistStore *store)
{
	return store->path;
}

/* ---- save ---- */

static char *format_file(const char *id, const char *uuid, const char *type_name, const uint8_t *data,
                         size_t len)
{
	g_autofree char *hex = value_to_hex(data, len);

	return g_strdup_printf("# gattd: the last value of characteristic %s (Persist=true).\n"
	                       "# Written by gattd; ignored with a warning if it no longer fits the characteristic.\n"
	                       "[" GROUP "]\n"
	                       KEY_CHARACTERISTIC "=%s\n"
	                       KEY_UUID "=%s\n"
	                       KEY_TYPE "=%s\n"
	                       KEY_LENGTH "=%zu\n"
	                       KEY_HEX "=%s\n",
	                       id, id, uuid, type_name, len, hex);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_file_synced(int dir_fd, const char *name, const char *content)
{
	int fd, r;

	/* O_TRUNC also reuses a .tmp left behind by a crash. */
	fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, content, strlen(content));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int persist_store_save(PersistStore *store, const char *id, const char *uuid, const char *type_name,
                       const uint8_t *data, size_t len)
{
	g_autofree char *name = file_name_for_id(id);
	g_autofree char *content = NULL;

	if (!name || !is_field_word(uuid) || !is_field_word(type_name))
		return -EINVAL;
	content = format_file(id, uuid, type_name, data, len);
	/* Never write what persist_store_load() would refuse to read. */
	if (strlen(content) > PERSIST_MAX_FILE_SIZE)
		return -EFBIG;
	return persist_store_write_file(store, name, content);
}

int persist_store_write_file(PersistStore *store, const char *name, const char *content)
{
	g_autofree char *tmp_name = NULL;
	int r;

	tmp_name = g_strconcat(name, ".tmp", NULL);
	r = write_file_synced(store->dir_fd, tmp_name, content);
	if (r < 0) {
		(void)unlinkat(store->dir_fd, tmp_name, 0);
		return r;
	}
	if (renameat(store->dir_fd, tmp_name, store->dir_fd, name) < 0) {
		r = -errno;
		(void)unlinkat(store->dir_fd, tmp_name, 0);
		return r;
	}
	/* The rename itself is durable only once the directory is. */
	if (fsync(store->dir_fd) < 0)
		return -errno;
	return 0;
}

int persist_store_forget(PersistStore *store, const char *id)
{
	g_autofree char *name = file_name_for_id(id);

	if (!name)
		return -EINVAL;
	if (unlinkat(store->dir_fd, name, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fsync(store->dir_fd) < 0)
		return -errno;
	return 0;
}

/* ---- load ---- */

static int fail(char **ret_error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static int fail(char **ret_error, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	*ret_error = g_strdup_vprintf(format, ap);
	va_end(ap);
	return -EINVAL;
}

/* At most PERSIST_MAX_FILE_SIZE bytes of a regular file; -ENOENT if there is none. */
int persist_store_read_file(const PersistStore *store, const char *name, size_t max_size, GString **ret_content,
                            char **ret_error)
{
	g_autoptr(GString) content = g_string_sized_new(512);
	char buf[1024];
	struct stat st;
	int fd, r = 0;

	/* O_NONBLOCK: a FIFO planted here must not block gattd's start. */
	fd = openat(store->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		if (errno == ELOOP)
			return fail(ret_error, "%s/%s is a symbolic link, which gattd never writes", store->path, name);
		return fail(ret_error, "cannot open %s/%s: %s", store->path, name, g_strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		r = fail(ret_error, "cannot stat %s/%s: %s", store->path, name, g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = fail(ret_error, "%s/%s is not a regular file", store->path, name);
		goto out;
	}
	/* Read one byte past the limit to tell "exactly at" from "over", whatever st_size claims. */
	while (content->len <= max_size) {
		ssize_t n = read(fd, buf, MIN(sizeof(buf), max_size + 1 - content->len));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail(ret_error, "cannot read %s/%s: %s", store->path, name, g_strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		g_string_append_len(content, buf, n);
	}
	if (content->len > max_size) {
		r = fail(ret_error, "%s/%s is larger than %zu bytes", store->path, name, max_size);
		goto out;
	}
	*ret_content = g_steal_pointer(&content);
out:
	close(fd);
	return r;
}

static int check_keys(GKeyFile *file, const char *where, char **ret_error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);
	g_auto(GStrv) keys = NULL;

	if (!g_key_file_has_group(file, GROUP))
		return fail(ret_error, "%s: no [" GROUP "] group", where);
	for (char **g = groups; *g; g++) {
		if (strcmp(*g, GROUP) != 0)
			return fail(ret_error, "%s: unexpected group [%s]", where, *g);
	}
	keys = g_key_file_get_keys(file, GROUP, NULL, NULL);
	for (char **k = keys; k && *k; k++) {
		if (!g_strv_contains(known_keys, *k))
			return fail(ret_error, "%s: unexpected key %s", where, *k);
	}
	for (const char *const *k = known_keys; *k; k++) {
		if (!g_key_file_has_key(file, GROUP, *k, NULL))
			return fail(ret_error, "%s: no %s= (the file is incomplete)", where, *k);
	}
	return 0;
}

/* Recorded field equals what the caller expects; the recorded text is quoted safely in the reason. */
static int check_field(GKeyFile *file, const char *key, const char *expected, bool ignore_case, const char *where,
                       char **ret_error)
{
	g_autofree char *recorded = g_key_file_get_value(file, GROUP, key, NULL);
	g_autofree char *shown = NULL;

	if (ignore_case ? g_ascii_strcasecmp(recorded, expected) == 0 : strcmp(recorded, expected) == 0)
		return 0;
	shown = escape_text_cut(recorded, 64);
	return fail(ret_error, "%s: recorded for %s %s, not %s", where, key, shown, expected);
}

static int parse_value(GKeyFile *file, const char *where, GBytes **ret_value, char **ret_error)
{
	g_autofree char *length_text = g_key_file_get_value(file, GROUP, KEY_LENGTH, NULL);
	g_autofree char *hex = g_key_file_get_value(file, GROUP, KEY_HEX, NULL);
	g_autofree char *hex_error = NULL;
	g_autoptr(GBytes) value = NULL;
	uint64_t length;

	if (value_parse_uint(length_text, PERSIST_MAX_FILE_SIZE, &length) < 0) {
		g_autofree char *shown = escape_text_cut(length_text, 32);

		return fail(ret_error, "%s: Length=%s is not a byte count", where, shown);
	}
	value = value_from_hex(hex, &hex_error);
	if (!value)
		return fail(ret_error, "%s: %s", where, hex_error);
	if (g_bytes_get_size(value) != length)
		return fail(ret_error, "%s: %zu byte%s of value where Length=%" G_GUINT64_FORMAT
		            " (the file is damaged)", where, g_bytes_get_size(value), value_plural(g_bytes_get_size(value)),
		            length);
	*ret_value = g_steal_pointer(&value);
	return 0;
}

int persist_store_load(PersistStore *store, const char *id, const char *uuid, const char *type_name,
                       GBytes **ret_value, char **ret_error)
{
	g_autofree char *name = file_name_for_id(id);
	g_autofree char *where = NULL;
	g_autoptr(GString) content = NULL;
	g_autoptr(GKeyFile) file = g_key_file_new();
	g_autoptr(GError) error = NULL;
	int r;

	if (!name)
		return fail(ret_error, "'%s' is not a characteristic id (SERVICE/CHAR)", id ? id : "(null)");
	r = persist_store_read_file(store, name, PERSIST_MAX_FILE_SIZE, &content, ret_error);
	if (r < 0)
		return r;

	where = g_strdup_printf("%s/%s", store->path, name);
	if (memchr(content->str, '\0', content->len))
		return fail(ret_error, "%s: contains a NUL byte", where);
	if (!g_key_file_load_from_data(file, content->str, content->len, G_KEY_FILE_NONE, &error))
		return fail(ret_error, "%s: %s", where, error->message);

	r = check_keys(file, where, ret_error);
	if (r == 0)
		r = check_field(file, KEY_CHARACTERISTIC, id, false, where, ret_error);
	if (r == 0)
		r = check_field(file, KEY_UUID, uuid, true, where, ret_error);
	if (r == 0)
		r = check_field(file, KEY_TYPE, type_name, false, where, ret_error);
	if (r == 0)
		r = parse_value(file, where, ret_value, ret_error);
	return r;
}

/* ---- the rule for serving a stored value ---- */

int persist_store_load_for(PersistStore *store, const CfgCharacteristic *c, GBytes **ret_value, char **ret_reason)
{
	g_autoptr(GBytes) value = NULL;
	g_autofree char *name = NULL;
	g_autofree char *why = NULL;
	int r;

	r = persist_store_load(store, c->id, c->uuid, value_type_name(c->type), &value, ret_reason);
	if (r < 0)
		return r;
	if (config_characteristic_value_fits(c, g_bytes_get_size(value), &why) < 0) {
		/* persist_store_load() accepted the id, so it has a file name. */
		name = file_name_for_id(c->id);
		return fail(ret_reason, "%s/%s: %s", store->path, name, why);
	}
	*ret_value = g_steal_pointer(&value);
	return 0;
}
