/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-confirm.c: the confirm role (include/gattd/client.h, "confirming pairings"):
 * claiming it with Method=confirm, the pairing-request events as GattdPairingRequests,
 * and the answers that settle them.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The digits of a numeric comparison, as gattd sends them: "004821". */
#define PASSKEY_DIGITS 6

/* ---- the role ---- */

static int call_plain(GattdClient *c, const char *cmd)
{
	g_autoptr(json_t) request = NULL;

	if (!c)
		return -EINVAL;
	request = client_request_new(cmd, NULL);
	if (!request)
		return -ENOMEM;
	return client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, NULL);
}

int gattd_client_handle_pairing(GattdClient *c)
{
	return call_plain(c, "handle-pairing");
}

int gattd_client_unhandle_pairing(GattdClient *c)
{
	return call_plain(c, "unhandle-pairing");
}

/* ---- requests ---- */

void gattd_pairing_request_clear(GattdPairingRequest *r)
{
	if (!r)
		return;
	free(r->device);
	free(r->address);
	free(r->passkey);
	*r = (GattdPairingRequest){ 0 };
}

static int member_kind(json_t *event, GattdPairingKind *ret)
{
	const char *kind = jread_string(event, "kind");

	if (g_strcmp0(kind, "compare") == 0)
		*ret = GATTD_PAIRING_COMPARE;
	else if (g_strcmp0(kind, "just-works") == 0)
		*ret = GATTD_PAIRING_JUST_WORKS;
	else
		return -EPROTO;
	return 0;
}

static bool is_passkey(const char *text)
{
	if (!text || strlen(text) != PASSKEY_DIGITS)
		return false;
	for (size_t i = 0; i < PASSKEY_DIGITS; i++)
		if (!g_ascii_isdigit(text[i]))
			return false;
	return true;
}

/* "passkey": six digits for a comparison, null for Just Works. */
static int member_passkey(json_t *event, GattdPairingKind kind, char **ret)
{
	char *passkey = NULL;
	int r = client_member_string(event, "passkey", true, &passkey);

	if (r < 0)
		return r;
	if (kind == GATTD_PAIRING_COMPARE ? !is_passkey(passkey) : passkey != NULL) {
		free(passkey);
		return -EPROTO;
	}
	*ret = passkey;
	return 0;
}

int client_pairing_request_parse(json_t *event, GattdPairingRequest *req)
{
	uint64_t deadline;
	int r;

	if (g_strcmp0(jread_string(event, "event"), "pairing-request") != 0)
		return -ENOMSG;
	if ((r = client_member_uint(event, "request", INT64_MAX, &req->id)) < 0 ||
	    (r = member_kind(event, &req->kind)) < 0 ||
	    (r = client_member_string(event, "device", true, &req->device)) < 0 ||
	    (r = client_member_string(event, "address", true, &req->address)) < 0 ||
	    (r = member_passkey(event, req->kind, &req->passkey)) < 0 ||
	    (r = client_member_uint(event, "deadline", INT64_MAX, &deadline)) < 0)
		return r;
	if (req->id == 0)
		return -EPROTO;
	req->deadline = (int64_t)deadline;
	return 0;
}

int gattd_pairing_request_parse(const char *event_json, GattdPairingRequest *ret)
{
	g_autoptr(json_t) event = NULL;
	GattdPairingRequest req = { 0 };
	int r;

	if (!event_json || !ret)
		return -EINVAL;
	event = jread_object(event_json, strlen(event_json), NULL);
	if (!event)
		return -EPROTO;
	r = client_pairing_request_parse(event, &req);
	if (r < 0) {
		gattd_pairing_request_clear(&req);
		return r;
	}
	*ret = req;
	return 0;
}

int gattd_client_next_pairing_request(GattdClient *c, int timeout_ms, GattdPairingRequest *ret)
{
	g_autofree char *line = NULL;
	int r;

	if (!c || !ret || timeout_ms < -1)
		return -EINVAL;
	r = client_wait_pairing_request(c, timeout_ms, &line);
	if (r < 0)
		return r;
	r = gattd_pairing_request_parse(line, ret);
	/* The line was classified as a pairing-request on arrival, so only a bad field fails. */
	return r == -ENOMSG ? -EPROTO : r;
}

/* ---- answers ---- */

int gattd_client_answer_pairing(GattdClient *c, uint64_t request, int accept)
{
	g_autoptr(json_t) answer = NULL;

	/* Ids start at 1 and fit JSON's 64-bit integers: gattd would refuse others too. */
	if (!c || request == 0 || request > (uint64_t)INT64_MAX)
		return -EINVAL;
	answer = client_request_new("answer-pairing", NULL);
	if (!answer || json_object_set_new(answer, "request", json_integer((json_int_t)request)) < 0 ||
	    json_object_set_new(answer, "accept", json_boolean(accept)) < 0)
		return -ENOMEM;
	return client_call_object(c, answer, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, NULL);
}
