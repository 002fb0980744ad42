/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * load-pairing.c: the [Pairing] group of gattd.conf (loader.h): whether gattd
 * is BlueZ's pairing agent and how it answers (Method=), the static passkey and
 * the file's permissions that keep it secret, and when the adapter is pairable.
 * The passkey is never quoted back in a message.
 */
#include <string.h>

#include "config/loader.h"

#define PAIRABLE_SECONDS_MAX 86400

static const char *const pairing_keys[] = {
	"Method", "Passkey", "Pairable", "PairableSeconds", "ConfirmTimeoutMs", NULL,
};

static const struct {
	const char *name;
	PairingMethod method;
} methods[] = {
	{ "off", PAIRING_OFF },
	{ "just-works", PAIRING_JUST_WORKS },
	{ "passkey", PAIRING_PASSKEY },
	{ "display", PAIRING_DISPLAY },
	{ "confirm", PAIRING_CONFIRM },
};

const char *config_pairing_method_name(PairingMethod method)
{
	for (size_t i = 0; i < G_N_ELEMENTS(methods); i++) {
		if (methods[i].method == method)
			return methods[i].name;
	}
	return "off";
}

static void load_method(CfgPairing *p, const ConfigSection *s)
{
	g_autofree char *raw = config_section_get_raw(s, "Method");

	if (!raw)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(methods); i++) {
		if (strcmp(raw, methods[i].name) == 0) {
			p->method = methods[i].method;
			return;
		}
	}
	config_section_report(s, "Method", "'%s' is not off, just-works, passkey, display or confirm%s", raw,
	                      config_section_comment_hint(raw));
}

/* Returns whether a Passkey= line is there (valid or not). */
static bool load_passkey(CfgPairing *p, const ConfigSection *s, unsigned mode, bool *ret_valid)
{
	g_autofree char *raw = config_section_get_raw(s, "Passkey");

	*ret_valid = false;
	if (!raw)
		return false;
	/* Never quote it: a typo of the real passkey is nearly the passkey. */
	if (strlen(raw) != 6 || strspn(raw, "0123456789") != 6)
		config_section_report(s, "Passkey", "not 6 digits (000000..999999)%s",
		                      strchr(raw, '#') ? " (comments must be on their own line)" : "");
	else {
		p->passkey = (unsigned)g_ascii_strtoull(raw, NULL, 10);
		*ret_valid = true;
	}
	if (mode & 0077)
		config_section_report(s, "Passkey",
		                      "the file can be read or written by others than its owner (mode %04o): "
		                      "make it private (chmod 600) so the passkey stays secret",
		                      mode);
	return true;
}

void config_pairing_load_group(GattdConfig *config, const ConfigSection *s, unsigned mode)
{
	CfgPairing *p = &config->pairing;
	g_autofree char *pairable = config_section_get_raw(s, "Pairable");
	bool has_passkey, passkey_valid;

	config_section_check_keys(s, pairing_keys);
	load_method(p, s);
	has_passkey = load_passkey(p, s, mode, &passkey_valid);
	if (p->method == PAIRING_PASSKEY && !has_passkey)
		config_section_report(s, "Method", "passkey needs Passkey= (the 6 digits gattd enters)");
	else if (has_passkey && passkey_valid && p->method != PAIRING_PASSKEY)
		config_section_report(s, "Passkey", "used only with Method=passkey (Method=%s)",
		                      config_pairing_method_name(p->method));

	if (pairable) {
		if (strcmp(pairable, "always") == 0)
			p->pairable_always = true;
		else if (strcmp(pairable, "on-request") == 0)
			p->pairable_always = false;
		else
			config_section_report(s, "Pairable", "'%s' is not always or on-request%s", pairable,
			                      config_section_comment_hint(pairable));
	}
	config_section_get_uint(s, "PairableSeconds", 1, PAIRABLE_SECONDS_MAX, &p->pairable_seconds, NULL);
	/* Taken with any method, so that switching Method= back and forth needs no other edit. */
	config_section_get_uint(s, "ConfirmTimeoutMs", PAIRING_CONFIRM_TIMEOUT_MIN_MS, PAIRING_CONFIRM_TIMEOUT_MAX_MS,
	                        &p->confirm_timeout_ms, NULL);
}
