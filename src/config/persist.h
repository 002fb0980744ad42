/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * persist.h: last values of Persist=true characteristics, one file per
 * characteristic under the state directory, written atomically.
 *
 * Pure file I/O, no D-Bus and no logging: callers decide what a failure means
 * (gattd warns and carries on with the configured value). A file lives at
 * DIR/values/SERVICE.CHAR and records the characteristic's id, UUID and Type
 * name next to the value, so a value saved for another characteristic, or
 * before the configuration changed the characteristic's UUID or Type, is
 * refused at load instead of being served. persist_store_load_for() adds the
 * rest of the rule gattd serves stored values by.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Longest file persist_store_load() reads; a 512-byte value takes about 1.2 KiB. */
#define PERSIST_MAX_FILE_SIZE 4096

typedef struct PersistStore PersistStore;

/* dir is created (0700) if missing. NULL + *ret_error if it cannot be used. */
PersistStore *persist_store_open(const char *dir, char **ret_error);
void persist_store_free(PersistStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PersistStore, persist_store_free)

/* The same for DIR/subdir, for files of other kinds (persist_store_write_file()). */
PersistStore *persist_store_open_subdir(const char *dir, const char *subdir, char **ret_error);

/*
 * Replace the file name in the store's directory with content, atomically and durably
 * (name.tmp, fsync, rename, fsync of the directory): 0 or -errno.
 */
int persist_store_write_file(PersistStore *store, const char *name, const char *content);
/*
 * Read the regular file name (never through a symbolic link), at most max_size bytes:
 * 0 and *ret_content; -ENOENT if there is none; -EINVAL with *ret_error naming the file.
 */
int persist_store_read_file(const PersistStore *store, const char *name, size_t max_size, GString **ret_content,
                            char **ret_error);

/* The directory holding the value files (DIR/values), for messages: escaped (escape.h). */
const char *persist_store_get_path(const PersistStore *store);

/*
 * Atomic replace: write DIR/values/ID.tmp (ID with '/' -> '.'), fsync, rename,
 * fsync dir. 0 or -errno: -EINVAL if id is not SERVICE/CHAR or uuid or type_name
 * is not one printable ASCII word, -EFBIG if the file would exceed
 * PERSIST_MAX_FILE_SIZE (values of about 1.9 KiB; GATT's cap is 512 bytes). A
 * crash at any moment leaves the old file or the new one, never a mix.
 */
int persist_store_save(PersistStore *store, const char *id, const char *uuid, const char *type_name,
                       const uint8_t *data, size_t len);

/*
 * Remove the value stored for id, if any (durably): 0, or -EINVAL for an id that is
 * not SERVICE/CHAR, or the -errno of unlink or fsync.
 */
int persist_store_forget(PersistStore *store, const char *id);

/*
 * 0 and *ret_value if a value is stored for id and was recorded for this uuid
 * (case-insensitive) and type_name; -ENOENT if none is stored; -EINVAL and
 * *ret_error (the reason, naming the file) if the file cannot be read, is
 * corrupt, or was recorded for another id, uuid or type. Reads at most
 * PERSIST_MAX_FILE_SIZE bytes whatever the file holds. Out-parameters are
 * untouched on failure, except *ret_error on -EINVAL.
 */
int persist_store_load(PersistStore *store, const char *id, const char *uuid, const char *type_name,
                       GBytes **ret_value, char **ret_error);

/*
 * The one rule for whether a Persist=true characteristic serves its stored value,
 * at start and after a reload that changed its definition alike: the value stored
 * for c's id is served if it was recorded for c's UUID and Type and still fits c
 * (at most MaxLength bytes, exactly the Type's size for fixed-size types). Every
 * other change (Value=, Description=, Flags=, descriptors, a larger MaxLength)
 * keeps it. 0 and *ret_value; -ENOENT if none is stored; -EINVAL and *ret_reason
 * (naming the file and what does not fit) otherwise, and then Value= is served.
 */
int persist_store_load_for(PersistStore *store, const CfgCharacteristic *c, GBytes **ret_value, char **ret_reason);
