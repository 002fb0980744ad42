/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client-handlers.c: the handler role (include/gattd/client.h, "handlers"): claiming
 * characteristics, the read-request and write-request events as GattdRequests, and
 * the answers that settle them.
 */
#include "client-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/value.h"

/* ---- claims ---- */

static int call_with_chars(GattdClient *c, const char *cmd, const char *const *chars)
{
	g_autoptr(json_t) request = client_request_new(cmd, NULL);
	int r;

	if (!request)
		return -ENOMEM;
	if (chars && (r = client_request_set_chars(request, chars)) < 0)
		return r;
	return client_call_object(c, request, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, NULL);
}

int gattd_client_handle(GattdClient *c, const char *const *chars)
{
	/* gattd refuses an empty list too; refused here, it needs no round trip. */
	if (!c || !chars || !chars[0])
		return -EINVAL;
	return call_with_chars(c, "handle", chars);
}

int gattd_client_unhandle(GattdClient *c, const char *const *chars)
{
	if (!c)
		return -EINVAL;
	return call_with_chars(c, "unhandle", chars);
}

/* ---- requests ---- */

void gattd_request_clear(GattdRequest *r)
{
	if (!r)
		return;
	free(r->chr);
	free(r->desc);
	free(r->device);
	free(r->address);
	free(r->data);
	free(r->value);
	*r = (GattdRequest){ 0 };
}

/* "mtu": an integer, or null when bluetoothd did not say (0). */
static int member_mtu(json_t *event, uint16_t *ret)
{
	uint64_t mtu;
	int r = client_member_uint_or_null(event, "mtu", UINT16_MAX, &mtu);

	if (r < 0)
		return r;
	*ret = (uint16_t)mtu;
	return 0;
}

/* "deadline": CLOCK_MONOTONIC microseconds; absent (0) from a gattd older than the field. */
static int member_deadline(json_t *event, int64_t *ret)
{
	uint64_t deadline = 0;
	int r;

	if (json_object_get(event, "deadline") &&
	    (r = client_member_uint(event, "deadline", INT64_MAX, &deadline)) < 0)
		return r;
	*ret = (int64_t)deadline;
	return 0;
}

static int parse_write_fields(json_t *event, GattdRequest *req)
{
	int r;

	if ((r = client_member_hex(event, "data", &req->data, &req->data_len)) < 0 ||
	    (r = client_member_hex(event, "value", &req->value, &req->value_len)) < 0 ||
	    (r = client_member_bool(event, "prepared", &req->prepared)) < 0 ||
	    (r = client_member_bool(event, "authorize", &req->authorize)) < 0 ||
	    (r = client_member_bool(event, "response", &req->response)) < 0)
		return r;
	return 0;
}

int client_request_parse(json_t *event, GattdRequest *req)
{
	const char *name = jread_string(event, "event");
	uint64_t offset;
	int r;

	if (!name)
		return -ENOMSG;
	if (strcmp(name, "read-request") == 0)
		req->kind = GATTD_REQUEST_READ;
	else if (strcmp(name, "write-request") == 0)
		req->kind = GATTD_REQUEST_WRITE;
	else
		return -ENOMSG;

	if ((r = client_member_uint(event, "request", INT64_MAX, &req->id)) < 0 ||
	    (r = client_member_string(event, "char", false, &req->chr)) < 0 ||
	    (r = client_member_string(event, "device", true, &req->device)) < 0 ||
	    (r = client_member_string(event, "address", true, &req->address)) < 0 ||
	    (r = client_member_uint(event, "offset", UINT16_MAX, &offset)) < 0 ||
	    (r = member_mtu(event, &req->mtu)) < 0 ||
	    (r = member_deadline(event, &req->deadline)) < 0)
		return r;
	if (req->id == 0)
		return -EPROTO;
	req->offset = (uint16_t)offset;
	/* "desc" only when a descriptor is asked. */
	if (json_object_get(event, "desc") && (r = client_member_string(event, "desc", false, &req->desc)) < 0)
		return r;
	if (req->kind == GATTD_REQUEST_WRITE)
		return parse_write_fields(event, req);
	return 0;
}

int gattd_request_parse(const char *event_json, GattdRequest *ret)
{
	g_autoptr(json_t) event = NULL;
	GattdRequest req = { 0 };
	int r;

	if (!event_json || !ret)
		return -EINVAL;
	event = jread_object(event_json, strlen(event_json), NULL);
	if (!event)
		return -EPROTO;
	r = client_request_parse(event, &req);
	if (r < 0) {
		gattd_request_clear(&req);
		return r;
	}
	*ret = req;
	return 0;
}

int gattd_client_next_request(GattdClient *c, int timeout_ms, GattdRequest *ret)
{
	g_autofree char *line = NULL;
	int r;

	if (!c || !ret || timeout_ms < -1)
		return -EINVAL;
	r = client_wait_handler_request(c, timeout_ms, &line);
	if (r < 0)
		return r;
	r = gattd_request_parse(line, ret);
	/* The line was classified as a request event on arrival, so only a missing field fails. */
	return r == -ENOMSG ? -EPROTO : r;
}

/* ---- answers ---- */

/* {"cmd": "answer", "request": request}; NULL for an id gattd never hands out. */
static json_t *answer_new(uint64_t request)
{
	g_autoptr(json_t) answer = NULL;

	if (request == 0 || request > (uint64_t)INT64_MAX)
		return NULL;
	answer = client_request_new("answer", NULL);
	if (!answer || json_object_set_new(answer, "request", json_integer((json_int_t)request)) < 0)
		return NULL;
	return g_steal_pointer(&answer);
}

static int send_answer(GattdClient *c, json_t *answer, json_t **ret_reply)
{
	return client_call_object(c, answer, GATTD_CLIENT_CALL_TIMEOUT_MS, NULL, ret_reply);
}

int gattd_client_answer_read(GattdClient *c, uint64_t request, const uint8_t *value, size_t len)
{
	g_autoptr(json_t) answer = NULL;
	g_autofree char *hex = NULL;

	if (!c || (len > 0 && !value))
		return -EINVAL;
	answer = answer_new(request);
	if (!answer)
		return -EINVAL;
	hex = value_to_hex(value, len);
	if (json_object_set_new(answer, "value", json_string(hex)) < 0)
		return -ENOMEM;
	return send_answer(c, answer, NULL);
}

int gattd_client_accept_write(GattdClient *c, uint64_t request, int *ret_stored)
{
	g_autoptr(json_t) answer = NULL;
	g_autoptr(json_t) reply = NULL;
	int stored, r;

	if (!c)
		return -EINVAL;
	answer = answer_new(request);
	if (!answer)
		return -EINVAL;
	r = send_answer(c, answer, &reply);
	if (r < 0)
		return r;
	r = client_member_bool(reply, "stored", &stored);
	if (r < 0)
		return r;
	if (ret_stored)
		*ret_stored = stored;
	return 0;
}

int gattd_client_refuse(GattdClient *c, uint64_t request, const char *error)
{
	g_autoptr(json_t) answer = NULL;

	if (!c || !error)
		return -EINVAL;
	answer = answer_new(request);
	/* json_string() refuses what is not UTF-8: no error name is. */
	if (!answer || json_object_set_new(answer, "error", json_string(error)) < 0)
		return -EINVAL;
	return send_answer(c, answer, NULL);
}

int gattd_client_refuse_code(GattdClient *c, uint64_t request, int code)
{
	g_autoptr(json_t) answer = NULL;

	if (!c || code < GATTD_CLIENT_ATT_APP_FIRST || code > GATTD_CLIENT_ATT_APP_LAST)
		return -EINVAL;
	answer = answer_new(request);
	if (!answer)
		return -EINVAL;
	if (json_object_set_new(answer, "error", json_integer(code)) < 0)
		return -ENOMEM;
	return send_answer(c, answer, NULL);
}
