/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * loader.h: how config_load() (config.c) hands the work to the loaders, one
 * file a concern: files.c reads and parses files, load-daemon.c and
 * load-advertising.c read gattd.conf, load-services.c reads services.d/ and
 * assembles the tree. Private to src/config/.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "config/config.h"
#include "config/section.h"

#define CONFIG_DAEMON_FILE "gattd.conf"
#define CONFIG_SERVICES_DIR "services.d"

/* model.c: a configuration with every default and no services yet. */
GattdConfig *config_new_defaults(const char *dir);
/* model.c: config->characteristics and config->characteristic_index, once the tree is assembled. */
void config_index_characteristics(GattdConfig *config);
/* model.c: the model's destructors, for the loaders that build it piece by piece. */
void config_descriptor_free(CfgDescriptor *d);
void config_characteristic_free(CfgCharacteristic *c);
void config_service_free(CfgService *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgDescriptor, config_descriptor_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgCharacteristic, config_characteristic_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CfgService, config_service_free)

/*
 * files.c: read, check and parse one file (path, shown as file in messages);
 * NULL after reporting the problems, or NULL without a problem when the file
 * is absent and absent_ok. ret_mode (may be NULL): the permission bits of the
 * file read; given, the file may hold a secret, and a line GKeyFile cannot read
 * is named by its number, never quoted.
 */
GKeyFile *config_files_load_key_file(GPtrArray *errors, const char *path, const char *file, bool absent_ok,
                                     unsigned *ret_mode);
/*
 * files.c: the names of the *.conf files in DIR/services.d, sorted bytewise;
 * NULL after reporting a directory that cannot be read.
 */
GPtrArray *config_files_list_services(GPtrArray *errors, const char *dir);

/* load-daemon.c: DIR/gattd.conf, if there, into config. */
void config_daemon_load_file(GattdConfig *config, const char *dir, GPtrArray *errors);
/*
 * load-advertising.c: the [Advertising] group s into config->advertising, an
 * [Advertising NAME] into config->advertisements.
 */
void config_advertising_load_group(GattdConfig *config, const ConfigSection *s);
/*
 * load-advertising.c: whether [Advertising] with the Advertise=true services fits a
 * legacy advertisement; needs config->services.
 */
void config_advertising_check_total(const GattdConfig *config, GPtrArray *errors);
/*
 * load-pairing.c: the [Pairing] group s into config->pairing; mode is the file's
 * permission bits, since a file holding a Passkey= must be private.
 */
void config_pairing_load_group(GattdConfig *config, const ConfigSection *s, unsigned mode);
/*
 * load-services.c: DIR/services.d/ *.conf into config->services, in two passes:
 * the first reads every file and group in load order, the second attaches
 * characteristics to services and descriptors to characteristics.
 */
void config_services_load(GattdConfig *config, const char *dir, GPtrArray *errors);
/* load-services.c: whether the tree fits in BlueZ's ATT handle space; needs config->characteristics. */
void config_services_check_handles(const GattdConfig *config, GPtrArray *errors);
