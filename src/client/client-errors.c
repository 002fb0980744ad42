/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-errors.c: the one place where gattd's error codes become errno values.
 * include/gattd/client.h documents the table; keep the two in step.
 */
#include <gattd/client.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

static const struct {
	const char *code;
	int error;
} code_errors[] = {
	{ "not-found", ENOENT },
	{ "invalid-value", EINVAL },
	{ "bad-request", EBADMSG },
	{ "unknown-command", ENOSYS },
	/* ENOTSUP and EOPNOTSUPP are one value on Linux, so not-capture, which also
	 * means "this characteristic can't do that", takes ENOTTY, the kernel's errno
	 * for an operation the kind of object does not have. */
	{ "not-supported", EOPNOTSUPP },
	{ "not-capture", ENOTTY },
	{ "busy", EBUSY },
	{ "timeout", ETIMEDOUT },
	{ "disconnected", ENOTCONN },
	{ "too-many-clients", EUSERS },
	{ "line-too-long", EMSGSIZE },
	{ "shutting-down", ESHUTDOWN },
	{ "invalid-config", EINVAL },
	/* The configuration does not let this connection answer for it. */
	{ "not-handled", EPERM },
	/* ETIME ("timer expired"): mostly HandlerTimeoutMs passed; ETIMEDOUT is next-write's. */
	{ "expired", ETIME },
	/* BlueZ refused what gattd asked of it (disconnect): an I/O error, seen from here. */
	{ "failed", EIO },
	/* "No such device or address": the central has no notify socket for the characteristic. */
	{ "not-subscribed", ENXIO },
};

int gattd_client_errno_from_code(const char *code)
{
	if (!code)
		return -EPROTO;
	for (size_t i = 0; i < sizeof(code_errors) / sizeof(code_errors[0]); i++)
		if (strcmp(code_errors[i].code, code) == 0)
			return -code_errors[i].error;
	return -EPROTO;
}
