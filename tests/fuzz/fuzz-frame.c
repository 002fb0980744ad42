/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-frame.c: the binary frames of a channel (shared/frame.c), which gattd reads from a
 * local client (answers, notify frames) and a client reads from gattd (requests, errors).
 *
 * The input is a byte stream as it arrives on a channel: frame_next() cuts it into frames
 * (at most FRAME_MAX bytes each) until it runs out or meets a size it cannot follow, and
 * each frame goes through frame_parse_answer(), frame_parse_notify(),
 * frame_parse_request() and frame_parse_error(), from a copy of exactly its length. The
 * whole input is also parsed as one frame body, so that the parsers are reached without a
 * size field that fits.
 * Checks, besides the sanitizers:
 * - frame_next(): a frame is 1..FRAME_MAX bytes, right after its size field, inside the
 *   input, and not whole one byte earlier; 0 only when the size field or the body is not
 *   all there; -EMSGSIZE only for a size of 0 or over FRAME_MAX, and it says which;
 * - each parser returns 0 with no message or -EINVAL with one (UTF-8, not empty), and
 *   accepts exactly what the README's table allows, judged here from the bytes: an
 *   answer of at least 16 bytes with type 0x81, request not 0, reserved bytes zero and a
 *   code of the README's list (no value after a code that is not 0); a request whose
 *   lengths fit and, for a read, no flags, data or value; an error whose code fits; a
 *   notify frame of at least 16 bytes with type 0x82, bytes 1 and 4..7 zero, char_len not
 *   0, address_len 0 or 17, and room for the id and the address (any value, empty too);
 * - a refused answer names the request at bytes 8..15 when it has 16 bytes, else 0; a
 *   refused notify frame its tag likewise, and no id, address or value;
 * - at most one parser takes a frame;
 * - what is taken, written again with frame_put_*(), is the same frame (reserved bytes
 *   that the request and error parsers do not look at aside), and reads back as the
 *   same fields; a notify frame byte for byte, its reserved bytes being checked.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "shared/frame.h"

#define FRAME_MAX 4096

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static bool same_bytes(const void *a, size_t a_len, const void *b, size_t b_len)
{
	return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

/* Within body (len bytes), or a NULL/empty string. */
static bool inside(const uint8_t *body, size_t len, const void *p, size_t p_len)
{
	if (!p_len)
		return true;
	return p && (const uint8_t *)p >= body && p_len <= len && (const uint8_t *)p - body <= (ptrdiff_t)(len - p_len);
}

static void check_outcome(int r, const char *error)
{
	if (r == 0) {
		FUZZ_CHECK(error == NULL);
	} else {
		FUZZ_CHECK(r == -EINVAL);
		FUZZ_CHECK(error && *error);
		FUZZ_CHECK(g_utf8_validate(error, -1, NULL));
	}
}

/* The one frame out holds: its body and length. */
static const uint8_t *only_frame(const GByteArray *out, size_t *ret_len)
{
	const uint8_t *body = NULL;
	size_t len = 0, used = 0;

	FUZZ_CHECK(frame_next(out->data, out->len, SIZE_MAX, &body, &len, &used) == 1);
	FUZZ_CHECK(used == out->len);
	*ret_len = len;
	return body;
}

/* The README's codes: 0x02 or 0x03, 0x06, 0x07, 0x08, 0x0d, 0x0e, 0xfd, 0xfe, 0x80..0x9f. */
static bool readme_code(uint8_t code)
{
	switch (code) {
	case 0x02: case 0x03: case 0x06: case 0x07: case 0x08: case 0x0d: case 0x0e: case 0xfd: case 0xfe:
		return true;
	default:
		return code >= 0x80 && code <= 0x9f;
	}
}

static bool check_answer(const uint8_t *body, size_t len)
{
	g_autofree char *error = NULL;
	FrameAnswer a;
	bool valid = len >= 16 && body[0] == FRAME_ANSWER && le(body + 8, 8) != 0 && le(body + 2, 6) == 0 &&
	             (body[1] == 0 || (readme_code(body[1]) && len == 16));
	int r = frame_parse_answer(body, len, &a, &error);

	check_outcome(r, error);
	if (r != 0 && valid)
		fprintf(stderr, "answer refused: %s\n", error);
	FUZZ_CHECK((r == 0) == valid);
	if (r < 0) {
		FUZZ_CHECK(a.request == (len >= 16 ? le(body + 8, 8) : 0));
		return false;
	}
	FUZZ_CHECK(a.request == le(body + 8, 8) && a.att == body[1]);
	FUZZ_CHECK(a.value == body + FRAME_ANSWER_FIXED && a.value_len == len - FRAME_ANSWER_FIXED);

	/* Written again: the very same frame, read back the same. */
	{
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autofree char *error_again = NULL;
		const uint8_t *again_body;
		size_t again_len;
		FrameAnswer again;

		frame_put_answer(out, &a);
		again_body = only_frame(out, &again_len);
		FUZZ_CHECK(same_bytes(again_body, again_len, body, len));
		FUZZ_CHECK(frame_parse_answer(again_body, again_len, &again, &error_again) == 0);
		FUZZ_CHECK(again.request == a.request && again.att == a.att);
		FUZZ_CHECK(same_bytes(again.value, again.value_len, a.value, a.value_len));
	}
	return true;
}

static bool same_notify(const FrameNotify *x, const FrameNotify *y)
{
	return x->tag == y->tag && same_bytes(x->char_id, x->char_len, y->char_id, y->char_len) &&
	       same_bytes(x->address, x->address_len, y->address, y->address_len) && !x->address == !y->address &&
	       same_bytes(x->value, x->value_len, y->value, y->value_len);
}

static bool check_notify(const uint8_t *body, size_t len)
{
	g_autofree char *error = NULL;
	FrameNotify n;
	bool valid = len >= FRAME_NOTIFY_FIXED && body[0] == FRAME_NOTIFY && body[1] == 0 && le(body + 4, 4) == 0 &&
	             body[2] != 0 && (body[3] == 0 || body[3] == 17) &&
	             (size_t)FRAME_NOTIFY_FIXED + body[2] + body[3] <= len;
	int r = frame_parse_notify(body, len, &n, &error);

	check_outcome(r, error);
	if (r != 0 && valid)
		fprintf(stderr, "notify frame refused: %s\n", error);
	FUZZ_CHECK((r == 0) == valid);
	if (r < 0) {
		/* The tag when it is there, so that the error frame can name it; no id, address or value. */
		FUZZ_CHECK(n.tag == (len >= FRAME_NOTIFY_FIXED ? le(body + 8, 8) : 0));
		FUZZ_CHECK(!n.char_id && !n.address && !n.value && !n.value_len);
		return false;
	}
	FUZZ_CHECK(n.tag == le(body + 8, 8) && n.char_len == body[2] && n.address_len == body[3]);
	FUZZ_CHECK((const uint8_t *)n.char_id == body + FRAME_NOTIFY_FIXED);
	FUZZ_CHECK(!n.address == !n.address_len && (!n.address || n.address == n.char_id + n.char_len));
	FUZZ_CHECK(inside(body, len, n.char_id, n.char_len) && inside(body, len, n.address, n.address_len) &&
	           inside(body, len, n.value, n.value_len));
	/* The value is the rest of the frame, empty or not. */
	FUZZ_CHECK(n.value == body + FRAME_NOTIFY_FIXED + n.char_len + n.address_len);
	FUZZ_CHECK(FRAME_NOTIFY_FIXED + n.char_len + n.address_len + n.value_len == len);

	/* Written again: the very same frame (every reserved byte is zero), read back the same. */
	{
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autofree char *error_again = NULL;
		const uint8_t *again_body;
		size_t again_len;
		FrameNotify again;

		frame_put_notify(out, &n);
		again_body = only_frame(out, &again_len);
		FUZZ_CHECK(same_bytes(again_body, again_len, body, len));
		FUZZ_CHECK(frame_parse_notify(again_body, again_len, &again, &error_again) == 0);
		FUZZ_CHECK(error_again == NULL);
		FUZZ_CHECK(same_notify(&again, &n));
	}
	return true;
}

static bool same_request(const FrameRequest *x, const FrameRequest *y)
{
	return x->type == y->type && x->flags == y->flags && x->offset == y->offset && x->mtu == y->mtu &&
	       x->request == y->request && x->deadline == y->deadline &&
	       same_bytes(x->char_id, x->char_len, y->char_id, y->char_len) &&
	       same_bytes(x->desc_id, x->desc_len, y->desc_id, y->desc_len) && !x->desc_id == !y->desc_id &&
	       same_bytes(x->address, x->address_len, y->address, y->address_len) && !x->address == !y->address &&
	       same_bytes(x->data, x->data_len, y->data, y->data_len) &&
	       same_bytes(x->value, x->value_len, y->value, y->value_len);
}

static bool check_request(const uint8_t *body, size_t len)
{
	g_autofree char *error = NULL;
	FrameRequest q;
	bool valid = false;
	int r;

	if (len >= FRAME_REQUEST_FIXED && (body[0] == FRAME_READ_REQUEST || body[0] == FRAME_WRITE_REQUEST)) {
		size_t strings = (size_t)body[6] + body[7] + body[24], data_len = le(body + 26, 2);

		valid = FRAME_REQUEST_FIXED + strings + data_len <= len;
		if (body[0] == FRAME_READ_REQUEST)
			valid = valid && body[1] == 0 && data_len == 0 && len == FRAME_REQUEST_FIXED + strings;
	}
	r = frame_parse_request(body, len, &q, &error);
	check_outcome(r, error);
	if (r != 0 && valid)
		fprintf(stderr, "request refused: %s\n", error);
	FUZZ_CHECK((r == 0) == valid);
	if (r < 0)
		return false;

	FUZZ_CHECK(q.type == body[0] && q.flags == body[1] && q.offset == le(body + 2, 2) && q.mtu == le(body + 4, 2));
	FUZZ_CHECK(q.request == le(body + 8, 8) && (uint64_t)q.deadline == le(body + 16, 8));
	FUZZ_CHECK(q.char_len == body[6] && q.desc_len == body[7] && q.address_len == body[24]);
	FUZZ_CHECK(q.data_len == le(body + 26, 2));
	FUZZ_CHECK((const uint8_t *)q.char_id == body + FRAME_REQUEST_FIXED);
	FUZZ_CHECK(!q.desc_id == !q.desc_len && !q.address == !q.address_len);
	FUZZ_CHECK(inside(body, len, q.char_id, q.char_len) && inside(body, len, q.desc_id, q.desc_len) &&
	           inside(body, len, q.address, q.address_len) && inside(body, len, q.data, q.data_len) &&
	           inside(body, len, q.value, q.value_len));
	FUZZ_CHECK(FRAME_REQUEST_FIXED + q.char_len + q.desc_len + q.address_len + q.data_len + q.value_len == len);
	/* The value is the rest of the frame. */
	FUZZ_CHECK(!q.value_len || q.value + q.value_len == body + len);

	/* Written again: the same frame but for the reserved byte 25, read back the same. */
	{
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autofree char *error_again = NULL;
		const uint8_t *again_body;
		size_t again_len;
		FrameRequest again;

		frame_put_request(out, &q);
		again_body = only_frame(out, &again_len);
		FUZZ_CHECK(again_len == len);
		FUZZ_CHECK(memcmp(again_body, body, 25) == 0 && again_body[25] == 0);
		FUZZ_CHECK(memcmp(again_body + 26, body + 26, len - 26) == 0);
		FUZZ_CHECK(frame_parse_request(again_body, again_len, &again, &error_again) == 0);
		FUZZ_CHECK(same_request(&again, &q));
	}
	return true;
}

static bool check_error(const uint8_t *body, size_t len)
{
	g_autofree char *error = NULL;
	FrameError e;
	bool valid = len >= FRAME_ERROR_FIXED && body[0] == FRAME_ERROR && len - FRAME_ERROR_FIXED >= body[1];
	int r = frame_parse_error(body, len, &e, &error);

	check_outcome(r, error);
	FUZZ_CHECK((r == 0) == valid);
	if (r < 0)
		return false;
	FUZZ_CHECK(e.request == le(body + 8, 8));
	FUZZ_CHECK((const uint8_t *)e.code == body + FRAME_ERROR_FIXED && e.code_len == body[1]);
	FUZZ_CHECK(e.message == e.code + e.code_len && e.message_len == len - FRAME_ERROR_FIXED - e.code_len);

	/* frame_put_error() takes C strings: written again when neither holds a NUL. */
	if (!memchr(e.code, 0, e.code_len) && !memchr(e.message, 0, e.message_len)) {
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autofree char *code = g_strndup(e.code, e.code_len);
		g_autofree char *message = g_strndup(e.message, e.message_len);
		g_autofree char *error_again = NULL;
		const uint8_t *again_body;
		size_t again_len;
		FrameError again;

		frame_put_error(out, e.request, code, message);
		again_body = only_frame(out, &again_len);
		/* The same frame but for the reserved bytes 2..7, which come back zero. */
		FUZZ_CHECK(again_len == len);
		FUZZ_CHECK(again_body[0] == body[0] && again_body[1] == body[1] && le(again_body + 2, 6) == 0);
		FUZZ_CHECK(memcmp(again_body + 8, body + 8, len - 8) == 0);
		FUZZ_CHECK(frame_parse_error(again_body, again_len, &again, &error_again) == 0);
		FUZZ_CHECK(again.request == e.request);
		FUZZ_CHECK(same_bytes(again.code, again.code_len, e.code, e.code_len));
		FUZZ_CHECK(same_bytes(again.message, again.message_len, e.message, e.message_len));
	}
	return true;
}

/* One frame body through the four parsers, from a copy of exactly its length. */
static void check_body(const uint8_t *body, size_t len)
{
	g_autofree uint8_t *copy = g_malloc(MAX(len, 1));
	int taken = 0;

	if (len)
		memcpy(copy, body, len);
	taken += check_answer(copy, len);
	taken += check_notify(copy, len);
	taken += check_request(copy, len);
	taken += check_error(copy, len);
	FUZZ_CHECK(taken <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;

	for (;;) {
		const uint8_t *rest = data + at, *body = NULL;
		size_t left = size - at, len = 0, used = 0;
		int r = frame_next(rest, left, FRAME_MAX, &body, &len, &used);

		if (r == 1) {
			FUZZ_CHECK(len >= 1 && len <= FRAME_MAX && len == le(rest, 4));
			FUZZ_CHECK(body == rest + FRAME_SIZE_BYTES && used == FRAME_SIZE_BYTES + len && used <= left);
			/* One byte fewer is not a frame yet. */
			{
				const uint8_t *b = NULL;
				size_t l = 0, u = 0;

				FUZZ_CHECK(frame_next(rest, used - 1, FRAME_MAX, &b, &l, &u) == 0);
			}
			check_body(body, len);
			at += used;
			continue;
		}
		if (r == 0) {
			/* Not all there: the size field, or the body of a size that can be followed. */
			FUZZ_CHECK(left < FRAME_SIZE_BYTES ||
			           (le(rest, 4) >= 1 && le(rest, 4) <= FRAME_MAX && le(rest, 4) > left - FRAME_SIZE_BYTES));
		} else {
			FUZZ_CHECK(r == -EMSGSIZE && left >= FRAME_SIZE_BYTES);
			FUZZ_CHECK(len == le(rest, 4) && (len == 0 || len > FRAME_MAX));
		}
		break;
	}
	/* The whole input as one body. */
	check_body(data, size);
	return 0;
}
