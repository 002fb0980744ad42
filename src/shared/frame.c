/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shared/frame.c: the binary frames of a handler channel (see shared/frame.h). */
#include "shared/frame.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "shared/att.h"
#include "shared/value.h"

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, (uint16_t)v);
	put_u16(p + 2, (uint16_t)(v >> 16));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return get_u16(p) | (uint32_t)get_u16(p + 2) << 16;
}

static uint64_t get_u64(const uint8_t *p)
{
	return get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

int frame_next(const uint8_t *buf, size_t len, size_t max, const uint8_t **ret_body, size_t *ret_len,
               size_t *ret_used)
{
	uint32_t size;

	if (len < FRAME_SIZE_BYTES)
		return 0;
	size = get_u32(buf);
	*ret_len = size;
	if (size == 0 || size > max)
		return -EMSGSIZE;
	if (len - FRAME_SIZE_BYTES < size)
		return 0;
	*ret_body = buf + FRAME_SIZE_BYTES;
	*ret_used = FRAME_SIZE_BYTES + (size_t)size;
	return 1;
}

/* Room for a frame of size bytes at the end of out; returns where its body starts. */
static uint8_t *frame_begin(GByteArray *out, size_t size)
{
	guint at = out->len;

	g_byte_array_set_size(out, (guint)(at + FRAME_SIZE_BYTES + size));
	put_u32(out->data + at, (uint32_t)size);
	return out->data + at + FRAME_SIZE_BYTES;
}

static uint8_t *put_bytes(uint8_t *p, const void *data, size_t len)
{
	if (len)
		memcpy(p, data, len);
	return p + len;
}

void frame_put_request(GByteArray *out, const FrameRequest *r)
{
	size_t size = FRAME_REQUEST_FIXED + r->char_len + r->desc_len + r->address_len + r->data_len + r->value_len;
	uint8_t *p = frame_begin(out, size);

	g_assert(r->char_len <= 255 && r->desc_len <= 255 && r->address_len <= 255 && r->data_len <= UINT16_MAX);
	p[0] = r->type;
	p[1] = r->flags;
	put_u16(p + 2, r->offset);
	put_u16(p + 4, r->mtu);
	p[6] = (uint8_t)r->char_len;
	p[7] = (uint8_t)r->desc_len;
	put_u64(p + 8, r->request);
	put_u64(p + 16, (uint64_t)r->deadline);
	p[24] = (uint8_t)r->address_len;
	p[25] = 0;
	put_u16(p + 26, (uint16_t)r->data_len);
	p = put_bytes(p + FRAME_REQUEST_FIXED, r->char_id, r->char_len);
	p = put_bytes(p, r->desc_id, r->desc_len);
	p = put_bytes(p, r->address, r->address_len);
	p = put_bytes(p, r->data, r->data_len);
	put_bytes(p, r->value, r->value_len);
}

void frame_put_error(GByteArray *out, uint64_t request, const char *code, const char *message)
{
	size_t code_len = strlen(code), message_len = strlen(message);
	uint8_t *p = frame_begin(out, FRAME_ERROR_FIXED + code_len + message_len);

	g_assert(code_len <= 255);
	memset(p, 0, FRAME_ERROR_FIXED);
	p[0] = FRAME_ERROR;
	p[1] = (uint8_t)code_len;
	put_u64(p + 8, request);
	p = put_bytes(p + FRAME_ERROR_FIXED, code, code_len);
	put_bytes(p, message, message_len);
}

void frame_put_unhandled(GByteArray *out, const char *char_id, const char *reason)
{
	size_t char_len = strlen(char_id), reason_len = strlen(reason);
	uint8_t *p = frame_begin(out, 2 + char_len + reason_len);

	g_assert(char_len <= 255);
	p[0] = FRAME_UNHANDLED;
	p[1] = (uint8_t)char_len;
	p = put_bytes(p + 2, char_id, char_len);
	put_bytes(p, reason, reason_len);
}

void frame_put_answer(GByteArray *out, const FrameAnswer *a)
{
	uint8_t *p = frame_begin(out, FRAME_ANSWER_FIXED + a->value_len);

	memset(p, 0, FRAME_ANSWER_FIXED);
	p[0] = FRAME_ANSWER;
	p[1] = a->att;
	put_u64(p + 8, a->request);
	put_bytes(p + FRAME_ANSWER_FIXED, a->value, a->value_len);
}

/* type, flags (0), char_len, address_len, 4 reserved, tag (u64), then id, address, value. */
void frame_put_notify(GByteArray *out, const FrameNotify *n)
{
	uint8_t *p = frame_begin(out, FRAME_NOTIFY_FIXED + n->char_len + n->address_len + n->value_len);

	g_assert(n->char_len <= 255 && n->address_len <= 255);
	memset(p, 0, FRAME_NOTIFY_FIXED);
	p[0] = FRAME_NOTIFY;
	p[2] = (uint8_t)n->char_len;
	p[3] = (uint8_t)n->address_len;
	put_u64(p + 8, n->tag);
	p = put_bytes(p + FRAME_NOTIFY_FIXED, n->char_id, n->char_len);
	p = put_bytes(p, n->address, n->address_len);
	put_bytes(p, n->value, n->value_len);
}

static int fail(char **ret_error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static int fail(char **ret_error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*ret_error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int frame_parse_answer(const uint8_t *body, size_t len, FrameAnswer *ret, char **ret_error)
{
	memset(ret, 0, sizeof(*ret));
	if (len == 0)
		return fail(ret_error, "empty frame");
	if (len >= FRAME_ANSWER_FIXED)
		ret->request = get_u64(body + 8);
	if (body[0] != FRAME_ANSWER)
		return fail(ret_error, "frame type 0x%02x is not an answer (0x81)", body[0]);
	if (len < FRAME_ANSWER_FIXED)
		return fail(ret_error, "answer frame of %zu byte%s: it takes at least %d", len, value_plural(len), FRAME_ANSWER_FIXED);
	if (ret->request == 0)
		return fail(ret_error, "answer frame for request 0: request ids start at 1");
	if (!all_zero(body + 2, 6))
		return fail(ret_error, "answer frame with bytes 2..7 not zero (reserved)");
	ret->att = body[1];
	if (ret->att && !att_is_allowed(ret->att))
		return fail(ret_error, "answer frame with ATT code 0x%02x: give 0, a code of README's error table, or an "
		            "application code 0x80..0x9f", ret->att);
	ret->value = body + FRAME_ANSWER_FIXED;
	ret->value_len = len - FRAME_ANSWER_FIXED;
	if (ret->att && ret->value_len)
		return fail(ret_error, "answer frame with ATT code 0x%02x and a value: an error carries none", ret->att);
	return 0;
}

int frame_parse_notify(const uint8_t *body, size_t len, FrameNotify *ret, char **ret_error)
{
	memset(ret, 0, sizeof(*ret));
	if (len == 0)
		return fail(ret_error, "empty frame");
	if (len >= FRAME_NOTIFY_FIXED)
		ret->tag = get_u64(body + 8);
	if (body[0] != FRAME_NOTIFY)
		return fail(ret_error, "frame type 0x%02x is not a notify frame (0x82)", body[0]);
	if (len < FRAME_NOTIFY_FIXED)
		return fail(ret_error, "notify frame of %zu byte%s: it takes at least %d", len, value_plural(len), FRAME_NOTIFY_FIXED);
	if (body[1] || !all_zero(body + 4, 4))
		return fail(ret_error, "notify frame with byte 1 or bytes 4..7 not zero (reserved)");
	ret->char_len = body[2];
	ret->address_len = body[3];
	if (ret->char_len == 0)
		return fail(ret_error, "notify frame without a characteristic id");
	if (ret->address_len != 0 && ret->address_len != 17)
		return fail(ret_error, "notify frame with an address of %zu byte%s: give none, or AA:BB:CC:DD:EE:FF",
		            ret->address_len, value_plural(ret->address_len));
	if (len < FRAME_NOTIFY_FIXED + ret->char_len + ret->address_len)
		return fail(ret_error, "notify frame of %zu bytes: its id and address need %zu", len,
		            FRAME_NOTIFY_FIXED + ret->char_len + ret->address_len);
	ret->char_id = (const char *)body + FRAME_NOTIFY_FIXED;
	ret->address = ret->address_len ? ret->char_id + ret->char_len : NULL;
	ret->value = body + FRAME_NOTIFY_FIXED + ret->char_len + ret->address_len;
	ret->value_len = len - FRAME_NOTIFY_FIXED - ret->char_len - ret->address_len;
	return 0;
}

int frame_parse_request(const uint8_t *body, size_t len, FrameRequest *ret, char **ret_error)
{
	const uint8_t *p;
	size_t strings;

	memset(ret, 0, sizeof(*ret));
	if (len == 0)
		return fail(ret_error, "empty frame");
	if (body[0] != FRAME_READ_REQUEST && body[0] != FRAME_WRITE_REQUEST)
		return fail(ret_error, "frame type 0x%02x is not a request", body[0]);
	if (len < FRAME_REQUEST_FIXED)
		return fail(ret_error, "request frame of %zu byte%s: it takes at least %d", len, value_plural(len), FRAME_REQUEST_FIXED);
	ret->type = body[0];
	ret->flags = body[1];
	ret->offset = get_u16(body + 2);
	ret->mtu = get_u16(body + 4);
	ret->char_len = body[6];
	ret->desc_len = body[7];
	ret->request = get_u64(body + 8);
	ret->deadline = (int64_t)get_u64(body + 16);
	ret->address_len = body[24];
	ret->data_len = get_u16(body + 26);
	strings = ret->char_len + ret->desc_len + ret->address_len;
	p = body + FRAME_REQUEST_FIXED;
	if (len - FRAME_REQUEST_FIXED < strings + ret->data_len)
		return fail(ret_error, "request frame of %zu bytes: its lengths add up to %zu", len,
		            FRAME_REQUEST_FIXED + strings + ret->data_len);
	if (ret->type == FRAME_READ_REQUEST && (ret->flags || ret->data_len || len > FRAME_REQUEST_FIXED + strings))
		return fail(ret_error, "read request frame with write flags, data or a value");
	ret->char_id = (const char *)p;
	ret->desc_id = ret->desc_len ? (const char *)p + ret->char_len : NULL;
	ret->address = ret->address_len ? (const char *)p + ret->char_len + ret->desc_len : NULL;
	p += strings;
	ret->data = p;
	ret->value = p + ret->data_len;
	ret->value_len = len - FRAME_REQUEST_FIXED - strings - ret->data_len;
	return 0;
}

int frame_parse_error(const uint8_t *body, size_t len, FrameError *ret, char **ret_error)
{
	memset(ret, 0, sizeof(*ret));
	if (len == 0)
		return fail(ret_error, "empty frame");
	if (body[0] != FRAME_ERROR)
		return fail(ret_error, "frame type 0x%02x is not an error", body[0]);
	if (len < FRAME_ERROR_FIXED || len - FRAME_ERROR_FIXED < body[1])
		return fail(ret_error, "error frame of %zu byte%s is cut short", len, value_plural(len));
	ret->request = get_u64(body + 8);
	ret->code = (const char *)body + FRAME_ERROR_FIXED;
	ret->code_len = body[1];
	ret->message = ret->code + ret->code_len;
	ret->message_len = len - FRAME_ERROR_FIXED - ret->code_len;
	return 0;
}
