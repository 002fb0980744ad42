/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-frame.c: the binary frames of a channel (shared/frame.c, README "Handler channel
 * (binary frames)"): requests, errors, answers and notify frames written and read back, one
 * request, answer, error and unhandled frame byte for byte against the README's table and
 * a notify frame against frame.h's, frame_next() on a stream that arrives in pieces or
 * cannot be followed, and every refusal of the four parsers with a message that names the
 * problem (and for answers and notify frames, the request or tag they still name).
 *
 * The parsers always get a copy of the body of exactly its length, so that a build with
 * ASan catches a read past its end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include <cmocka.h>

#include "shared/att.h"
#include "shared/frame.h"

/* A string literal and its length, for the pointer and length members of FrameRequest that follow each other. */
#define STR(s) (s), (sizeof(s) - 1)

/* The body of the one frame out holds (its size field checked against its length). */
static const uint8_t *only_body(const GByteArray *out, size_t *ret_len)
{
	const uint8_t *body = NULL;
	size_t len = 0, used = 0;

	assert_int_equal(frame_next(out->data, out->len, 1 << 20, &body, &len, &used), 1);
	assert_int_equal(used, out->len);
	assert_int_equal(len + FRAME_SIZE_BYTES, out->len);
	assert_ptr_equal(body, out->data + FRAME_SIZE_BYTES);
	*ret_len = len;
	return body;
}

static void assert_bytes(const void *got, size_t got_len, const void *want, size_t want_len)
{
	assert_int_equal(got_len, want_len);
	if (want_len)
		assert_memory_equal(got, want, want_len);
}

/* The frame out holds, byte for byte (hex of both on a difference). */
static void assert_frame(const GByteArray *out, const uint8_t *want, size_t want_len)
{
	if (out->len != want_len || memcmp(out->data, want, want_len) != 0) {
		GString *got = g_string_new(NULL), *wanted = g_string_new(NULL);

		for (guint i = 0; i < out->len; i++)
			g_string_append_printf(got, "%02x ", out->data[i]);
		for (size_t i = 0; i < want_len; i++)
			g_string_append_printf(wanted, "%02x ", want[i]);
		fail_msg("frame\n  got  %s\n  want %s", got->str, wanted->str);
	}
}

static void assert_names(const char *error, const char *needle)
{
	assert_non_null(error);
	if (!strstr(error, needle))
		fail_msg("error '%s' does not say '%s'", error, needle);
}

/* The parsers on an exact-size copy of body. */
static int parse_answer(const void *body, size_t len, FrameAnswer *ret, char **ret_error)
{
	g_autofree uint8_t *copy = g_memdup2(body, len);

	*ret_error = NULL;
	return frame_parse_answer(copy, len, ret, ret_error);
}

/* A request frame's body is parsed in place (its pointers point into it); the caller frees *ret_copy. */
static int parse_request(const void *body, size_t len, FrameRequest *ret, char **ret_error, uint8_t **ret_copy)
{
	*ret_copy = g_memdup2(body, len);
	*ret_error = NULL;
	return frame_parse_request(*ret_copy, len, ret, ret_error);
}

static int parse_error(const void *body, size_t len, FrameError *ret, char **ret_error, uint8_t **ret_copy)
{
	*ret_copy = g_memdup2(body, len);
	*ret_error = NULL;
	return frame_parse_error(*ret_copy, len, ret, ret_error);
}

/* ---- requests ---- */

static void assert_same_request(const FrameRequest *got, const FrameRequest *want)
{
	assert_int_equal(got->type, want->type);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->offset, want->offset);
	assert_int_equal(got->mtu, want->mtu);
	assert_true(got->request == want->request);
	assert_true(got->deadline == want->deadline);
	assert_bytes(got->char_id, got->char_len, want->char_id, want->char_len);
	assert_bytes(got->desc_id, got->desc_len, want->desc_id, want->desc_len);
	assert_bytes(got->address, got->address_len, want->address, want->address_len);
	/* No descriptor, no address: NULL, as the header says. */
	if (!want->desc_len)
		assert_null(got->desc_id);
	if (!want->address_len)
		assert_null(got->address);
	assert_bytes(got->data, got->data_len, want->data, want->data_len);
	assert_bytes(got->value, got->value_len, want->value, want->value_len);
}

static void check_request_round_trip(const FrameRequest *want)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree char *error = NULL;
	g_autofree uint8_t *copy = NULL;
	const uint8_t *body;
	FrameRequest got;
	size_t len;

	frame_put_request(out, want);
	body = only_body(out, &len);
	assert_int_equal(len, FRAME_REQUEST_FIXED + want->char_len + want->desc_len + want->address_len +
	                              want->data_len + want->value_len);
	if (parse_request(body, len, &got, &error, &copy) != 0)
		fail_msg("request refused: %s", error);
	assert_null(error);
	assert_same_request(&got, want);
}

static void test_requests_read_back_as_written(void **state)
{
	static const uint8_t data[] = { 0x00, 0x01, 0xff };
	static const uint8_t value[] = { 0x68, 0x00, 0x01, 0xff, 0x69 };
	static const uint8_t big[512] = { 1, 2, 3 };
	const FrameRequest cases[] = {
		/* Reads: the characteristic's own, a descriptor's, with and without the address. */
		{ .type = FRAME_READ_REQUEST, .request = 1, .char_id = STR("battery/level") },
		{ .type = FRAME_READ_REQUEST, .offset = 22, .mtu = 517, .request = 2, .deadline = 123456789,
		  .char_id = STR("prov/ssid"), .desc_id = STR("prov/ssid/desc") },
		{ .type = FRAME_READ_REQUEST, .request = 3, .deadline = 1, .char_id = STR("prov/ssid"),
		  .address = STR("AA:BB:CC:DD:EE:FF") },
		{ .type = FRAME_READ_REQUEST, .offset = UINT16_MAX, .mtu = UINT16_MAX, .request = UINT64_MAX,
		  .deadline = INT64_MAX, .char_id = STR("a"), .desc_id = STR("a/b"), .address = STR("11:22:33:44:55:66") },
		/* Writes: data and value, each empty or not, every flag, descriptor and address or not. */
		{ .type = FRAME_WRITE_REQUEST, .flags = FRAME_FLAG_RESPONSE, .request = 4, .deadline = -1,
		  .char_id = STR("console/rx"), .data = data, .data_len = sizeof(data), .value = value,
		  .value_len = sizeof(value) },
		{ .type = FRAME_WRITE_REQUEST,
		  .flags = FRAME_FLAG_PREPARED | FRAME_FLAG_AUTHORIZE | FRAME_FLAG_RESPONSE,
		  .offset = 3, .mtu = 23, .request = 0x8000000000000001ull, .deadline = INT64_MIN,
		  .char_id = STR("console/rx"), .desc_id = STR("console/rx/cccd"), .address = STR("AA:BB:CC:DD:EE:FF"),
		  .data = data, .data_len = sizeof(data), .value = value, .value_len = sizeof(value) },
		{ .type = FRAME_WRITE_REQUEST, .flags = FRAME_FLAG_AUTHORIZE, .request = 5, .char_id = STR("x/y"),
		  .value = value, .value_len = sizeof(value) },
		{ .type = FRAME_WRITE_REQUEST, .request = 6, .char_id = STR("x/y"), .address = STR("AA:BB:CC:DD:EE:FF"),
		  .data = data, .data_len = sizeof(data) },
		{ .type = FRAME_WRITE_REQUEST, .request = 7, .char_id = STR("x/y") },
		{ .type = FRAME_WRITE_REQUEST, .request = 8, .char_id = STR("x/y"), .data = big, .data_len = sizeof(big),
		  .value = big, .value_len = sizeof(big) },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		check_request_round_trip(&cases[i]);
}

/* 255-byte ids and address, the most a u8 length says. */
static void test_requests_with_the_longest_strings_read_back(void **state)
{
	char id[255], desc[255], address[255];
	FrameRequest r = { .type = FRAME_WRITE_REQUEST, .request = 9, .char_id = id, .char_len = sizeof(id),
		           .desc_id = desc, .desc_len = sizeof(desc), .address = address,
		           .address_len = sizeof(address) };

	memset(id, 'c', sizeof(id));
	memset(desc, 'd', sizeof(desc));
	memset(address, 'a', sizeof(address));
	check_request_round_trip(&r);
	r.type = FRAME_READ_REQUEST;
	check_request_round_trip(&r);
}

/* The README's table, byte for byte: a write to a descriptor, every field non-zero and distinct. */
static void test_a_write_request_frame_is_laid_out_as_the_readme_says(void **state)
{
	static const uint8_t data[] = { 0xde, 0xad };
	static const uint8_t value[] = { 0x01, 0xde, 0xad };
	const FrameRequest r = {
		.type = FRAME_WRITE_REQUEST,
		.flags = FRAME_FLAG_PREPARED | FRAME_FLAG_RESPONSE,
		.offset = 0x0102,
		.mtu = 0x0205,
		.request = 0x0807060504030201ull,
		.deadline = (int64_t)0x1122334455667788ll,
		.char_id = STR("a/b"),
		.desc_id = STR("d"),
		.address = STR("AA:BB:CC:DD:EE:FF"),
		.data = data,
		.data_len = sizeof(data),
		.value = value,
		.value_len = sizeof(value),
	};
	static const uint8_t want[] = {
		0x36, 0x00, 0x00, 0x00,                         /* size: 28 + 3 + 1 + 17 + 2 + 3 = 54 */
		0x02,                                           /* type: write-request */
		0x05,                                           /* flags: prepared | response */
		0x02, 0x01,                                     /* offset 0x0102 */
		0x05, 0x02,                                     /* mtu 517 */
		0x03,                                           /* char_len */
		0x01,                                           /* desc_len */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* request */
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* deadline */
		0x11,                                           /* address_len: 17 */
		0x00,                                           /* reserved */
		0x02, 0x00,                                     /* data_len */
		'a', '/', 'b',                                  /* characteristic id */
		'd',                                            /* descriptor id */
		'A', 'A', ':', 'B', 'B', ':', 'C', 'C', ':', 'D', 'D', ':', 'E', 'E', ':', 'F', 'F',
		0xde, 0xad,                                     /* data */
		0x01, 0xde, 0xad,                               /* value: the rest */
	};
	g_autoptr(GByteArray) out = g_byte_array_new();

	frame_put_request(out, &r);
	assert_frame(out, want, sizeof(want));
}

/* A read of a characteristic by an unknown central: no descriptor, no address, no data. */
static void test_a_read_request_frame_is_laid_out_as_the_readme_says(void **state)
{
	const FrameRequest r = {
		.type = FRAME_READ_REQUEST, .mtu = 23, .request = 1, .deadline = 1000, .char_id = STR("b/l"),
	};
	static const uint8_t want[] = {
		0x1f, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x17, 0x00, 0x03, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		'b', '/', 'l',
	};
	g_autoptr(GByteArray) out = g_byte_array_new();

	frame_put_request(out, &r);
	assert_frame(out, want, sizeof(want));
}

/* frame_put_*() append: what out held stays, and each frame follows the last. */
static void test_frames_are_appended(void **state)
{
	const FrameRequest r = { .type = FRAME_READ_REQUEST, .request = 1, .char_id = STR("x") };
	const FrameAnswer a = { .request = 1 };
	const FrameNotify n = { .tag = 1, .char_id = STR("x") };
	g_autoptr(GByteArray) out = g_byte_array_new();
	const uint8_t *body;
	size_t len, used, at = 0;

	g_byte_array_append(out, (const uint8_t *)"ab", 2);
	frame_put_request(out, &r);
	frame_put_answer(out, &a);
	frame_put_error(out, 1, "expired", "");
	frame_put_unhandled(out, "x", "reload");
	frame_put_notify(out, &n);
	assert_memory_equal(out->data, "ab", 2);
	at = 2;
	assert_int_equal(frame_next(out->data + at, out->len - at, 4096, &body, &len, &used), 1);
	assert_int_equal(body[0], FRAME_READ_REQUEST);
	at += used;
	assert_int_equal(frame_next(out->data + at, out->len - at, 4096, &body, &len, &used), 1);
	assert_int_equal(body[0], FRAME_ANSWER);
	at += used;
	assert_int_equal(frame_next(out->data + at, out->len - at, 4096, &body, &len, &used), 1);
	assert_int_equal(body[0], FRAME_ERROR);
	at += used;
	assert_int_equal(frame_next(out->data + at, out->len - at, 4096, &body, &len, &used), 1);
	assert_int_equal(body[0], FRAME_UNHANDLED);
	at += used;
	assert_int_equal(frame_next(out->data + at, out->len - at, 4096, &body, &len, &used), 1);
	assert_int_equal(body[0], FRAME_NOTIFY);
	at += used;
	assert_int_equal(at, out->len);
}

/* ---- answers ---- */

static void test_answers_read_back_as_written(void **state)
{
	static const uint8_t value[] = { 0x00, 0x68, 0x69, 0xff };
	static const uint8_t big[600] = { 9 };
	const FrameAnswer cases[] = {
		{ .request = 1, .att = 0, .value = value, .value_len = sizeof(value) },
		{ .request = 2, .att = 0 },                       /* an empty value, or a write accepted */
		{ .request = UINT64_MAX, .att = 0, .value = big, .value_len = sizeof(big) },
		{ .request = 0x0100000000000000ull, .att = ATT_UNLIKELY },
		{ .request = 3, .att = ATT_READ_NOT_PERMITTED },
		{ .request = 4, .att = ATT_APP_FIRST },
		{ .request = 5, .att = ATT_APP_LAST },
		{ .request = 6, .att = ATT_IN_PROGRESS },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autofree char *error = NULL;
		const uint8_t *body;
		FrameAnswer got;
		size_t len;

		frame_put_answer(out, &cases[i]);
		body = only_body(out, &len);
		assert_int_equal(len, FRAME_ANSWER_FIXED + cases[i].value_len);
		/* In place: got.value points into out. */
		if (frame_parse_answer(body, len, &got, &error) != 0)
			fail_msg("answer %zu refused: %s", i, error);
		assert_null(error);
		assert_true(got.request == cases[i].request);
		assert_int_equal(got.att, cases[i].att);
		assert_bytes(got.value, got.value_len, cases[i].value, cases[i].value_len);
		assert_ptr_equal(got.value, body + FRAME_ANSWER_FIXED);
	}
}

static void test_an_answer_frame_is_laid_out_as_the_readme_says(void **state)
{
	static const uint8_t value[] = { 0x68, 0x69 };
	const FrameAnswer value_answer = { .request = 0x0807060504030201ull, .value = value, .value_len = 2 };
	const FrameAnswer error_answer = { .request = 0x102, .att = ATT_UNLIKELY };
	static const uint8_t want_value[] = {
		0x12, 0x00, 0x00, 0x00,                         /* size: 16 + 2 */
		0x81,                                           /* type: answer */
		0x00,                                           /* att 0: the value follows */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* reserved */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* request */
		0x68, 0x69,                                     /* value */
	};
	static const uint8_t want_error[] = {
		0x10, 0x00, 0x00, 0x00,
		0x81, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	g_autoptr(GByteArray) out = g_byte_array_new();

	frame_put_answer(out, &value_answer);
	assert_frame(out, want_value, sizeof(want_value));
	g_byte_array_set_size(out, 0);
	frame_put_answer(out, &error_answer);
	assert_frame(out, want_error, sizeof(want_error));
}

/* A hand-made answer body: type 0x81, att, reserved zero, request, then value_len bytes of 0x5a. */
static GByteArray *answer_body(uint8_t att, uint64_t request, size_t value_len)
{
	GByteArray *b = g_byte_array_sized_new(FRAME_ANSWER_FIXED + value_len);

	g_byte_array_set_size(b, FRAME_ANSWER_FIXED + value_len);
	memset(b->data, 0, FRAME_ANSWER_FIXED);
	memset(b->data + FRAME_ANSWER_FIXED, 0x5a, value_len);
	b->data[0] = FRAME_ANSWER;
	b->data[1] = att;
	for (int i = 0; i < 8; i++)
		b->data[8 + i] = (uint8_t)(request >> (8 * i));
	return b;
}

/* Refused with a message that says needle, and ret->request as the caller expects. */
static void expect_answer_refused(const void *body, size_t len, uint64_t want_request, const char *needle)
{
	g_autofree char *error = NULL;
	FrameAnswer got;

	if (parse_answer(body, len, &got, &error) != -EINVAL)
		fail_msg("answer of %zu bytes accepted, should fail with '%s'", len, needle);
	assert_names(error, needle);
	if (got.request != want_request)
		fail_msg("'%s': request %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, error, got.request,
		         want_request);
}

static void expect_answer_accepted(const GByteArray *b, uint8_t att, uint64_t request, size_t value_len)
{
	g_autofree char *error = NULL;
	FrameAnswer got;

	if (parse_answer(b->data, b->len, &got, &error) != 0)
		fail_msg("answer with ATT code 0x%02x and %zu bytes of value refused: %s", att, value_len, error);
	assert_null(error);
	assert_int_equal(got.att, att);
	assert_true(got.request == request);
	assert_int_equal(got.value_len, value_len);
}

static void test_empty_and_short_answers_are_refused(void **state)
{
	g_autoptr(GByteArray) b = answer_body(0, 7, 0);

	expect_answer_refused(b->data, 0, 0, "empty");
	/* Shorter than 16 bytes: the request id cannot be read, so it is 0. */
	expect_answer_refused(b->data, 1, 0, "1 byte");
	expect_answer_refused(b->data, 15, 0, "15 bytes");
	expect_answer_refused(b->data, 15, 0, "at least 16");
	/* 16 is enough. */
	expect_answer_accepted(b, 0, 7, 0);
}

static void test_frames_of_another_type_are_not_answers(void **state)
{
	static const uint8_t types[] = { 0x00, FRAME_READ_REQUEST, FRAME_WRITE_REQUEST, FRAME_ERROR, FRAME_UNHANDLED,
		                         0x80, 0x82, 0xff };

	for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
		g_autoptr(GByteArray) b = answer_body(0, 42, 3);
		g_autofree char *needle = g_strdup_printf("frame type 0x%02x is not an answer", types[i]);

		b->data[0] = types[i];
		/* Long enough to name a request: gattd can still settle it. */
		expect_answer_refused(b->data, b->len, 42, needle);
		expect_answer_refused(b->data, FRAME_ANSWER_FIXED, 42, needle);
		/* Too short to name one. */
		expect_answer_refused(b->data, FRAME_ANSWER_FIXED - 1, 0, needle);
		expect_answer_refused(b->data, 1, 0, needle);
	}
}

static void test_answers_for_request_0_are_refused(void **state)
{
	g_autoptr(GByteArray) b = answer_body(0, 0, 0);
	g_autoptr(GByteArray) with_value = answer_body(0, 0, 4);

	expect_answer_refused(b->data, b->len, 0, "request 0");
	expect_answer_refused(with_value->data, with_value->len, 0, "request 0");
}

static void test_answers_with_reserved_bytes_set_are_refused(void **state)
{
	for (size_t at = 2; at < 8; at++) {
		g_autoptr(GByteArray) b = answer_body(0, 0x1234, 1);

		b->data[at] = 0x01;
		expect_answer_refused(b->data, b->len, 0x1234, "reserved");
		b->data[at] = 0x80;
		expect_answer_refused(b->data, b->len, 0x1234, "reserved");
	}
}

/* The README's list: 0x02 or 0x03, 0x06, 0x07, 0x08, 0x0d, 0x0e, 0xfd, 0xfe, or 0x80..0x9f. */
static bool readme_allows(unsigned code)
{
	static const uint8_t named[] = { 0x02, 0x03, 0x06, 0x07, 0x08, 0x0d, 0x0e, 0xfd, 0xfe };

	if (code >= 0x80 && code <= 0x9f)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(named); i++)
		if (code == named[i])
			return true;
	return false;
}

static void test_every_code_is_taken_or_refused_as_the_readme_says(void **state)
{
	for (unsigned code = 1; code <= 0xff; code++) {
		g_autoptr(GByteArray) b = answer_body((uint8_t)code, 99, 0);

		assert_int_equal(att_is_allowed((uint8_t)code), readme_allows(code));
		if (readme_allows(code)) {
			expect_answer_accepted(b, (uint8_t)code, 99, 0);
		} else {
			g_autofree char *needle = g_strdup_printf("ATT code 0x%02x", code);

			expect_answer_refused(b->data, b->len, 99, needle);
		}
	}
	/* The edges, by name. */
	{
		static const uint8_t refused[] = { 0x01, 0x04, 0x05, 0x09, 0x0c, 0x0f, 0x7f, 0xa0, 0xfc, 0xff };
		static const uint8_t accepted[] = { 0x00, 0x0e, 0x80, 0x9f, 0xfd, 0xfe };

		for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
			g_autoptr(GByteArray) b = answer_body(refused[i], 5, 0);

			expect_answer_refused(b->data, b->len, 5, "ATT code");
		}
		for (size_t i = 0; i < G_N_ELEMENTS(accepted); i++) {
			g_autoptr(GByteArray) b = answer_body(accepted[i], 5, 0);

			expect_answer_accepted(b, accepted[i], 5, 0);
		}
	}
}

static void test_an_error_code_with_a_value_is_refused(void **state)
{
	static const uint8_t codes[] = { 0x0e, 0x02, 0x80, 0x9f, 0xfe };

	for (size_t i = 0; i < G_N_ELEMENTS(codes); i++) {
		g_autoptr(GByteArray) one = answer_body(codes[i], 11, 1);
		g_autoptr(GByteArray) many = answer_body(codes[i], 11, 300);

		expect_answer_refused(one->data, one->len, 11, "a value");
		expect_answer_refused(many->data, many->len, 11, "a value");
	}
	/* A code that is not allowed says so first. */
	{
		g_autoptr(GByteArray) b = answer_body(0xa0, 11, 1);

		expect_answer_refused(b->data, b->len, 11, "ATT code 0xa0");
	}
}

static void test_answers_with_code_0_and_any_value_are_taken(void **state)
{
	static const size_t lens[] = { 0, 1, 16, 512, 4096 };

	for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
		g_autoptr(GByteArray) b = answer_body(0, 1, lens[i]);

		expect_answer_accepted(b, 0, 1, lens[i]);
	}
}

/* ---- request refusals ---- */

static void expect_request_refused(const void *body, size_t len, const char *needle)
{
	g_autofree char *error = NULL;
	g_autofree uint8_t *copy = NULL;
	FrameRequest got;

	if (parse_request(body, len, &got, &error, &copy) != -EINVAL)
		fail_msg("request of %zu bytes accepted, should fail with '%s'", len, needle);
	assert_names(error, needle);
}

static GByteArray *request_frame(const FrameRequest *r)
{
	GByteArray *out = g_byte_array_new();

	frame_put_request(out, r);
	/* Only the body. */
	g_byte_array_remove_range(out, 0, FRAME_SIZE_BYTES);
	return out;
}

static void test_empty_short_and_foreign_requests_are_refused(void **state)
{
	const FrameRequest r = { .type = FRAME_READ_REQUEST, .request = 1, .char_id = STR("x") };
	g_autoptr(GByteArray) b = request_frame(&r);
	static const uint8_t types[] = { 0x00, FRAME_ERROR, FRAME_UNHANDLED, FRAME_ANSWER, 0xff };

	expect_request_refused(b->data, 0, "empty");
	expect_request_refused(NULL, 0, "empty");
	expect_request_refused(b->data, 1, "1 byte");
	expect_request_refused(b->data, FRAME_REQUEST_FIXED - 1, "27 bytes");
	expect_request_refused(b->data, FRAME_REQUEST_FIXED - 1, "at least 28");
	/* 28 bytes with char_len 1: the lengths overrun. */
	expect_request_refused(b->data, FRAME_REQUEST_FIXED, "add up to 29");
	for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
		g_autofree char *needle = g_strdup_printf("frame type 0x%02x is not a request", types[i]);

		b->data[0] = types[i];
		expect_request_refused(b->data, b->len, needle);
		expect_request_refused(b->data, 1, needle);
	}
}

static void test_requests_whose_lengths_overrun_the_frame_are_refused(void **state)
{
	static const uint8_t data[] = { 1, 2, 3, 4 };
	const FrameRequest r = { .type = FRAME_WRITE_REQUEST, .request = 1, .char_id = STR("abc"),
		                 .desc_id = STR("de"), .address = STR("A:B"), .data = data, .data_len = 4 };
	g_autoptr(GByteArray) b = request_frame(&r);
	size_t exact = b->len; /* 28 + 3 + 2 + 3 + 4 = 40, no value */

	assert_int_equal(exact, 40);
	/* Cut short by one byte: the data overruns. */
	expect_request_refused(b->data, exact - 1, "of 39 bytes: its lengths add up to 40");
	/* Each length one too big. */
	b->data[6]++;
	expect_request_refused(b->data, exact, "add up to 41");
	b->data[6]--;
	b->data[7]++;
	expect_request_refused(b->data, exact, "add up to 41");
	b->data[7]--;
	b->data[24]++;
	expect_request_refused(b->data, exact, "add up to 41");
	b->data[24]--;
	b->data[26]++;
	expect_request_refused(b->data, exact, "add up to 41");
	b->data[26]--;
	/* The largest lengths: 255 * 3 + 65535, far past the frame. */
	b->data[6] = b->data[7] = b->data[24] = 0xff;
	b->data[26] = b->data[27] = 0xff;
	expect_request_refused(b->data, exact, "add up to 66328");
	/* A read with lengths that overrun says so, not that it has data. */
	{
		const FrameRequest read = { .type = FRAME_READ_REQUEST, .request = 1, .char_id = STR("abc") };
		g_autoptr(GByteArray) rb = request_frame(&read);

		rb->data[6] = 4;
		expect_request_refused(rb->data, rb->len, "add up to 32");
	}
}

static void test_reads_with_flags_data_or_a_value_are_refused(void **state)
{
	static const uint8_t data[] = { 1, 2 };
	static const uint8_t value[] = { 3 };
	const FrameRequest read = { .type = FRAME_READ_REQUEST, .request = 1, .char_id = STR("abc") };
	const FrameRequest with_data = { .type = FRAME_READ_REQUEST, .request = 1, .char_id = STR("abc"), .data = data,
		                         .data_len = sizeof(data) };
	const FrameRequest with_value = { .type = FRAME_READ_REQUEST, .request = 1, .char_id = STR("abc"),
		                          .value = value, .value_len = sizeof(value) };
	static const uint8_t flags[] = { FRAME_FLAG_PREPARED, FRAME_FLAG_AUTHORIZE, FRAME_FLAG_RESPONSE, 0x80 };
	g_autoptr(GByteArray) b = request_frame(&read);
	g_autoptr(GByteArray) bd = request_frame(&with_data);
	g_autoptr(GByteArray) bv = request_frame(&with_value);

	for (size_t i = 0; i < G_N_ELEMENTS(flags); i++) {
		b->data[1] = flags[i];
		expect_request_refused(b->data, b->len, "read request frame with write flags");
	}
	expect_request_refused(bd->data, bd->len, "read request frame with write flags, data or a value");
	expect_request_refused(bv->data, bv->len, "read request frame with write flags, data or a value");
	/* The same frames as writes are taken. */
	{
		g_autofree char *error = NULL;
		g_autofree uint8_t *copy = NULL;
		FrameRequest got;

		bd->data[0] = FRAME_WRITE_REQUEST;
		assert_int_equal(parse_request(bd->data, bd->len, &got, &error, &copy), 0);
		assert_bytes(got.data, got.data_len, data, sizeof(data));
		assert_int_equal(got.value_len, 0);
	}
	{
		g_autofree char *error = NULL;
		g_autofree uint8_t *copy = NULL;
		FrameRequest got;

		bv->data[0] = FRAME_WRITE_REQUEST;
		assert_int_equal(parse_request(bv->data, bv->len, &got, &error, &copy), 0);
		assert_int_equal(got.data_len, 0);
		assert_bytes(got.value, got.value_len, value, sizeof(value));
	}
}

/* ---- errors and unhandled ---- */

static void test_errors_read_back_as_written(void **state)
{
	static const struct {
		uint64_t request;
		const char *code, *message;
	} cases[] = {
		{ 0, "bad-request", "frame of size 0 (a frame holds at least its type); closing the connection" },
		{ 7, "not-found", "" },
		{ UINT64_MAX, "", "no code" },
		{ 1, "", "" },
		{ 2, "line-too-long", "\xc3\xa9t\xc3\xa9" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autofree char *error = NULL;
		g_autofree uint8_t *copy = NULL;
		const uint8_t *body;
		FrameError got;
		size_t len;

		frame_put_error(out, cases[i].request, cases[i].code, cases[i].message);
		body = only_body(out, &len);
		assert_int_equal(len, FRAME_ERROR_FIXED + strlen(cases[i].code) + strlen(cases[i].message));
		if (parse_error(body, len, &got, &error, &copy) != 0)
			fail_msg("error frame refused: %s", error);
		assert_null(error);
		assert_true(got.request == cases[i].request);
		assert_bytes(got.code, got.code_len, cases[i].code, strlen(cases[i].code));
		assert_bytes(got.message, got.message_len, cases[i].message, strlen(cases[i].message));
	}
}

static void test_an_error_frame_is_laid_out_as_the_readme_says(void **state)
{
	static const uint8_t want[] = {
		0x1c, 0x00, 0x00, 0x00,                         /* size: 16 + 7 + 5 */
		0x03,                                           /* type: error */
		0x07,                                           /* code_len */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* reserved */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* request */
		'e', 'x', 'p', 'i', 'r', 'e', 'd',              /* code */
		'l', 'a', 't', 'e', '!',                        /* message: the rest */
	};
	g_autoptr(GByteArray) out = g_byte_array_new();

	frame_put_error(out, 0x0807060504030201ull, "expired", "late!");
	assert_frame(out, want, sizeof(want));
}

static void test_an_unhandled_frame_is_laid_out_as_the_readme_says(void **state)
{
	static const uint8_t want[] = {
		0x11, 0x00, 0x00, 0x00,                            /* size: 2 + 9 + 6 */
		0x04,                                              /* type: unhandled */
		0x09,                                              /* char_len */
		'p', 'r', 'o', 'v', '/', 's', 's', 'i', 'd',       /* characteristic id */
		'r', 'e', 'l', 'o', 'a', 'd',                      /* reason: the rest */
	};
	g_autoptr(GByteArray) out = g_byte_array_new();

	frame_put_unhandled(out, "prov/ssid", "reload");
	assert_frame(out, want, sizeof(want));
}

static void expect_error_refused(const void *body, size_t len, const char *needle)
{
	g_autofree char *error = NULL;
	g_autofree uint8_t *copy = NULL;
	FrameError got;

	if (parse_error(body, len, &got, &error, &copy) != -EINVAL)
		fail_msg("error frame of %zu bytes accepted, should fail with '%s'", len, needle);
	assert_names(error, needle);
}

static void test_error_frames_cut_short_are_refused(void **state)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree char *error = NULL;
	g_autofree uint8_t *copy = NULL;
	const uint8_t *body;
	FrameError got;
	size_t len;

	frame_put_error(out, 3, "expired", "");
	body = only_body(out, &len);
	assert_int_equal(len, FRAME_ERROR_FIXED + 7);
	expect_error_refused(body, 0, "empty");
	expect_error_refused(NULL, 0, "empty");
	expect_error_refused(body, 1, "error frame of 1 byte is cut short");
	expect_error_refused(body, FRAME_ERROR_FIXED - 1, "error frame of 15 bytes is cut short");
	/* Long enough for the fixed part, not for the code. */
	expect_error_refused(body, FRAME_ERROR_FIXED, "error frame of 16 bytes is cut short");
	expect_error_refused(body, len - 1, "error frame of 22 bytes is cut short");
	/* All of it: the code, and an empty message. */
	assert_int_equal(parse_error(body, len, &got, &error, &copy), 0);
	assert_bytes(got.code, got.code_len, "expired", 7);
	assert_int_equal(got.message_len, 0);
	assert_true(got.request == 3);
	/* Another type. */
	{
		g_autofree uint8_t *other = g_memdup2(body, len);

		other[0] = FRAME_ANSWER;
		expect_error_refused(other, len, "frame type 0x81 is not an error");
		other[0] = FRAME_UNHANDLED;
		expect_error_refused(other, 1, "frame type 0x04 is not an error");
	}
}

/* ---- notify frames ---- */

/* A notify frame's body is parsed in place (its pointers point into it); the caller frees *ret_copy. */
static int parse_notify(const void *body, size_t len, FrameNotify *ret, char **ret_error, uint8_t **ret_copy)
{
	*ret_copy = g_memdup2(body, len);
	*ret_error = NULL;
	return frame_parse_notify(*ret_copy, len, ret, ret_error);
}

/* A notify frame's body only, as frame_put_notify() writes it (any lengths, for the refusals). */
static GByteArray *notify_frame(const FrameNotify *n)
{
	GByteArray *out = g_byte_array_new();

	frame_put_notify(out, n);
	g_byte_array_remove_range(out, 0, FRAME_SIZE_BYTES);
	return out;
}

static void check_notify_round_trip(const FrameNotify *want)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree char *error = NULL;
	const uint8_t *body;
	FrameNotify got;
	size_t len;

	frame_put_notify(out, want);
	body = only_body(out, &len);
	assert_int_equal(len, FRAME_NOTIFY_FIXED + want->char_len + want->address_len + want->value_len);
	/* In place: the strings and the value point into out. */
	if (frame_parse_notify(body, len, &got, &error) != 0)
		fail_msg("notify frame refused: %s", error);
	assert_null(error);
	assert_true(got.tag == want->tag);
	assert_bytes(got.char_id, got.char_len, want->char_id, want->char_len);
	assert_ptr_equal(got.char_id, body + FRAME_NOTIFY_FIXED);
	assert_bytes(got.address, got.address_len, want->address, want->address_len);
	/* No address: NULL, as the header says (every subscriber). */
	if (!want->address_len)
		assert_null(got.address);
	else
		assert_ptr_equal(got.address, got.char_id + got.char_len);
	assert_bytes(got.value, got.value_len, want->value, want->value_len);
	/* The value is the rest of the frame, even when it is empty. */
	assert_ptr_equal(got.value, body + FRAME_NOTIFY_FIXED + want->char_len + want->address_len);
}

static void test_notify_frames_read_back_as_written(void **state)
{
	static const uint8_t value[] = { 0x00, 0x68, 0x69, 0xff };
	static const uint8_t big[600] = { 7, 8, 9 };
	const FrameNotify cases[] = {
		/* To every subscriber, and to one central. */
		{ .tag = 1, .char_id = STR("battery/level"), .value = value, .value_len = sizeof(value) },
		{ .tag = 2, .char_id = STR("bench/fast"), .address = STR("AA:BB:CC:DD:EE:FF"), .value = value,
		  .value_len = sizeof(value) },
		/* An empty value: the codec takes it (gattd refuses it for one central, not here). */
		{ .tag = 3, .char_id = STR("x") },
		{ .tag = 4, .char_id = STR("x/y"), .address = STR("00:BE:0C:00:00:00") },
		/* Tag 0 is a tag like another: it only comes back in an error frame. */
		{ .tag = 0, .char_id = STR("a"), .value = value, .value_len = 1 },
		{ .tag = UINT64_MAX, .char_id = STR("a"), .address = STR("11:22:33:44:55:66"), .value = big,
		  .value_len = sizeof(big) },
		{ .tag = 0x8000000000000001ull, .char_id = STR("console/tx"), .value = big, .value_len = sizeof(big) },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		check_notify_round_trip(&cases[i]);
}

/* A 255-byte id, the most char_len says, with and without an address. */
static void test_notify_frames_with_the_longest_id_read_back(void **state)
{
	char id[255];
	FrameNotify n = { .tag = 9, .char_id = id, .char_len = sizeof(id), .value = (const uint8_t *)"v", .value_len = 1 };

	memset(id, 'c', sizeof(id));
	check_notify_round_trip(&n);
	n.address = "AA:BB:CC:DD:EE:FF";
	n.address_len = 17;
	check_notify_round_trip(&n);
	n.value_len = 0;
	check_notify_round_trip(&n);
}

/* frame.h's layout, byte for byte: type, flags 0, char_len, address_len, 4 reserved, tag; id, address, value. */
static void test_a_notify_frame_is_laid_out_as_frame_h_says(void **state)
{
	static const uint8_t value[] = { 0xde, 0xad };
	const FrameNotify to_one = { .tag = 0x0807060504030201ull, .char_id = STR("a/b"),
		                     .address = STR("AA:BB:CC:DD:EE:FF"), .value = value, .value_len = sizeof(value) };
	const FrameNotify to_all = { .tag = 0x102, .char_id = STR("b/l") };
	static const uint8_t want_one[] = {
		0x26, 0x00, 0x00, 0x00,                         /* size: 16 + 3 + 17 + 2 = 38 */
		0x82,                                           /* type: notify */
		0x00,                                           /* flags: none */
		0x03,                                           /* char_len */
		0x11,                                           /* address_len: 17 */
		0x00, 0x00, 0x00, 0x00,                         /* reserved */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* tag */
		'a', '/', 'b',                                  /* characteristic id */
		'A', 'A', ':', 'B', 'B', ':', 'C', 'C', ':', 'D', 'D', ':', 'E', 'E', ':', 'F', 'F',
		0xde, 0xad,                                     /* value: the rest */
	};
	static const uint8_t want_all[] = {
		0x13, 0x00, 0x00, 0x00,                         /* size: 16 + 3 */
		0x82, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* no address */
		0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		'b', '/', 'l',                                  /* and no value */
	};
	g_autoptr(GByteArray) out = g_byte_array_new();

	frame_put_notify(out, &to_one);
	assert_frame(out, want_one, sizeof(want_one));
	g_byte_array_set_size(out, 0);
	frame_put_notify(out, &to_all);
	assert_frame(out, want_all, sizeof(want_all));
}

/* Refused with a message that says needle, and ret->tag as the caller expects. */
static void expect_notify_refused(const void *body, size_t len, uint64_t want_tag, const char *needle)
{
	g_autofree char *error = NULL;
	g_autofree uint8_t *copy = NULL;
	FrameNotify got;

	if (parse_notify(body, len, &got, &error, &copy) != -EINVAL)
		fail_msg("notify frame of %zu bytes accepted, should fail with '%s'", len, needle);
	assert_names(error, needle);
	if (got.tag != want_tag)
		fail_msg("'%s': tag %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, error, got.tag, want_tag);
	/* Nothing else is given on a refusal. */
	assert_null(got.char_id);
	assert_null(got.address);
	assert_null(got.value);
}

static void expect_notify_accepted(const void *body, size_t len, uint64_t tag, size_t char_len, size_t address_len,
                                   size_t value_len)
{
	g_autofree char *error = NULL;
	g_autofree uint8_t *copy = NULL;
	FrameNotify got;

	if (parse_notify(body, len, &got, &error, &copy) != 0)
		fail_msg("notify frame of %zu bytes refused: %s", len, error);
	assert_null(error);
	assert_true(got.tag == tag);
	assert_int_equal(got.char_len, char_len);
	assert_int_equal(got.address_len, address_len);
	assert_int_equal(got.value_len, value_len);
}

static void test_empty_and_short_notify_frames_are_refused(void **state)
{
	const FrameNotify n = { .tag = 7, .char_id = STR("x") };
	g_autoptr(GByteArray) b = notify_frame(&n);

	assert_int_equal(b->len, FRAME_NOTIFY_FIXED + 1);
	expect_notify_refused(b->data, 0, 0, "empty frame");
	expect_notify_refused(NULL, 0, 0, "empty frame");
	/* Shorter than 16 bytes: the tag cannot be read, so it is 0. */
	expect_notify_refused(b->data, 1, 0, "notify frame of 1 byte: it takes at least 16");
	expect_notify_refused(b->data, 8, 0, "notify frame of 8 bytes: it takes at least 16");
	expect_notify_refused(b->data, FRAME_NOTIFY_FIXED - 1, 0, "notify frame of 15 bytes: it takes at least 16");
	/* 16 bytes name the tag, but char_len 1 needs one more. */
	expect_notify_refused(b->data, FRAME_NOTIFY_FIXED, 7, "notify frame of 16 bytes: its id and address need 17");
	/* 17 is the whole frame. */
	expect_notify_accepted(b->data, b->len, 7, 1, 0, 0);
}

static void test_frames_of_another_type_are_not_notify_frames(void **state)
{
	static const uint8_t types[] = { 0x00, FRAME_READ_REQUEST, FRAME_WRITE_REQUEST, FRAME_ERROR, FRAME_UNHANDLED,
		                         0x80, FRAME_ANSWER, 0x83, 0xff };
	const FrameNotify n = { .tag = 42, .char_id = STR("x/y"), .address = STR("AA:BB:CC:DD:EE:FF"),
		                .value = (const uint8_t *)"abc", .value_len = 3 };

	for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
		g_autoptr(GByteArray) b = notify_frame(&n);
		g_autofree char *needle = g_strdup_printf("frame type 0x%02x is not a notify frame (0x82)", types[i]);

		b->data[0] = types[i];
		/* Long enough to name its tag: the error frame can name it too. */
		expect_notify_refused(b->data, b->len, 42, needle);
		expect_notify_refused(b->data, FRAME_NOTIFY_FIXED, 42, needle);
		/* Too short to name one. */
		expect_notify_refused(b->data, FRAME_NOTIFY_FIXED - 1, 0, needle);
		expect_notify_refused(b->data, 1, 0, needle);
	}
	/* An answer frame is not taken for a notify frame, nor the reverse. */
	{
		const FrameAnswer a = { .request = 42 };
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autoptr(GByteArray) notify = notify_frame(&n);
		g_autofree char *error = NULL;
		FrameAnswer got;
		const uint8_t *body;
		size_t len;

		frame_put_answer(out, &a);
		body = only_body(out, &len);
		expect_notify_refused(body, len, 42, "frame type 0x81 is not a notify frame");
		assert_int_equal(parse_answer(notify->data, notify->len, &got, &error), -EINVAL);
		assert_names(error, "frame type 0x82 is not an answer");
		assert_true(got.request == 42);
	}
}

static void test_notify_frames_with_reserved_bytes_set_are_refused(void **state)
{
	static const size_t reserved[] = { 1, 4, 5, 6, 7 };
	const FrameNotify n = { .tag = 0x1234, .char_id = STR("x/y"), .value = (const uint8_t *)"v", .value_len = 1 };

	for (size_t i = 0; i < G_N_ELEMENTS(reserved); i++) {
		g_autoptr(GByteArray) b = notify_frame(&n);

		b->data[reserved[i]] = 0x01;
		expect_notify_refused(b->data, b->len, 0x1234, "notify frame with byte 1 or bytes 4..7 not zero (reserved)");
		b->data[reserved[i]] = 0x80;
		expect_notify_refused(b->data, b->len, 0x1234, "reserved");
		/* Said before the lengths are looked at. */
		b->data[2] = 0;
		b->data[3] = 5;
		expect_notify_refused(b->data, b->len, 0x1234, "reserved");
	}
	/* The tag's own bytes are not reserved: any tag is taken. */
	{
		g_autoptr(GByteArray) b = notify_frame(&n);

		memset(b->data + 8, 0xff, 8);
		expect_notify_accepted(b->data, b->len, UINT64_MAX, 3, 0, 1);
	}
}

static void test_notify_frames_without_a_characteristic_id_are_refused(void **state)
{
	const FrameNotify none = { .tag = 5, .value = (const uint8_t *)"abc", .value_len = 3 };
	const FrameNotify none_to_one = { .tag = 6, .address = STR("AA:BB:CC:DD:EE:FF") };
	g_autoptr(GByteArray) b = notify_frame(&none);
	g_autoptr(GByteArray) b_to_one = notify_frame(&none_to_one);

	expect_notify_refused(b->data, b->len, 5, "notify frame without a characteristic id");
	expect_notify_refused(b->data, FRAME_NOTIFY_FIXED, 5, "without a characteristic id");
	expect_notify_refused(b_to_one->data, b_to_one->len, 6, "without a characteristic id");
}

static void test_notify_frames_with_an_address_of_another_length_are_refused(void **state)
{
	char address[255];

	memset(address, 'A', sizeof(address));
	for (size_t address_len = 0; address_len <= 255; address_len++) {
		const FrameNotify n = { .tag = address_len + 100, .char_id = STR("x/y"), .address = address,
			                .address_len = address_len, .value = (const uint8_t *)"v", .value_len = 1 };
		g_autoptr(GByteArray) b = notify_frame(&n);

		if (address_len == 0 || address_len == 17) {
			expect_notify_accepted(b->data, b->len, address_len + 100, 3, address_len, 1);
		} else {
			g_autofree char *needle = g_strdup_printf(
				"notify frame with an address of %zu byte%s: give none, or AA:BB:CC:DD:EE:FF", address_len,
				address_len == 1 ? "" : "s");

			expect_notify_refused(b->data, b->len, address_len + 100, needle);
			/* Said before the lengths are checked against the frame. */
			expect_notify_refused(b->data, FRAME_NOTIFY_FIXED + 1, address_len + 100, needle);
		}
	}
}

static void test_notify_frames_whose_id_and_address_overrun_the_frame_are_refused(void **state)
{
	const FrameNotify n = { .tag = 11, .char_id = STR("abc"), .address = STR("AA:BB:CC:DD:EE:FF") };
	g_autoptr(GByteArray) b = notify_frame(&n);
	size_t exact = b->len; /* 16 + 3 + 17 = 36, an empty value */

	assert_int_equal(exact, 36);
	expect_notify_accepted(b->data, exact, 11, 3, 17, 0);
	/* Cut short anywhere in the id or the address. */
	expect_notify_refused(b->data, exact - 1, 11, "notify frame of 35 bytes: its id and address need 36");
	expect_notify_refused(b->data, FRAME_NOTIFY_FIXED + 3, 11, "notify frame of 19 bytes: its id and address need 36");
	expect_notify_refused(b->data, FRAME_NOTIFY_FIXED + 1, 11, "notify frame of 17 bytes: its id and address need 36");
	/* char_len one too big, and the most it can be. */
	b->data[2]++;
	expect_notify_refused(b->data, exact, 11, "its id and address need 37");
	b->data[2] = 0xff;
	expect_notify_refused(b->data, exact, 11, "its id and address need 288");
	/* Without an address, char_len alone. */
	b->data[3] = 0;
	expect_notify_refused(b->data, exact, 11, "notify frame of 36 bytes: its id and address need 271");
	b->data[2] = 20;
	expect_notify_accepted(b->data, exact, 11, 20, 0, 0);
	b->data[2] = 3;
	/* The same bytes with a shorter id: the rest is the value. */
	expect_notify_accepted(b->data, exact, 11, 3, 0, 17);
}

/* ---- frame_next ---- */

static void test_a_frame_arriving_in_pieces_is_whole_only_at_its_last_byte(void **state)
{
	const FrameAnswer a = { .request = 5, .value = (const uint8_t *)"hello", .value_len = 5 };
	g_autoptr(GByteArray) out = g_byte_array_new();

	frame_put_answer(out, &a);
	/* Part of the size field, then part of the body: not yet. */
	for (size_t len = 0; len < out->len; len++) {
		g_autofree uint8_t *part = g_memdup2(out->data, len);
		const uint8_t *body = NULL;
		size_t body_len = 0, used = 0;

		if (frame_next(part, len, 4096, &body, &body_len, &used) != 0)
			fail_msg("%zu bytes of %u taken as a frame", len, out->len);
	}
	{
		g_autofree uint8_t *whole = g_memdup2(out->data, out->len);
		const uint8_t *body = NULL;
		size_t body_len = 0, used = 0;

		assert_int_equal(frame_next(whole, out->len, 4096, &body, &body_len, &used), 1);
		assert_ptr_equal(body, whole + FRAME_SIZE_BYTES);
		assert_int_equal(body_len, FRAME_ANSWER_FIXED + 5);
		assert_int_equal(used, out->len);
	}
}

static void test_two_frames_back_to_back_come_one_at_a_time(void **state)
{
	const FrameAnswer first = { .request = 1, .value = (const uint8_t *)"ab", .value_len = 2 };
	const FrameAnswer second = { .request = 2, .att = ATT_UNLIKELY };
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree char *error = NULL;
	const uint8_t *body = NULL;
	size_t len = 0, used = 0, at;
	FrameAnswer got;

	frame_put_answer(out, &first);
	frame_put_answer(out, &second);
	g_byte_array_append(out, (const uint8_t *)"\x10\x00", 2); /* the start of a third */
	assert_int_equal(frame_next(out->data, out->len, 4096, &body, &len, &used), 1);
	assert_ptr_equal(body, out->data + FRAME_SIZE_BYTES);
	assert_int_equal(len, FRAME_ANSWER_FIXED + 2);
	assert_int_equal(used, FRAME_SIZE_BYTES + FRAME_ANSWER_FIXED + 2);
	assert_int_equal(frame_parse_answer(body, len, &got, &error), 0);
	assert_true(got.request == 1);
	assert_bytes(got.value, got.value_len, "ab", 2);
	at = used;
	assert_int_equal(frame_next(out->data + at, out->len - at, 4096, &body, &len, &used), 1);
	assert_ptr_equal(body, out->data + at + FRAME_SIZE_BYTES);
	assert_int_equal(len, FRAME_ANSWER_FIXED);
	assert_int_equal(used, FRAME_SIZE_BYTES + FRAME_ANSWER_FIXED);
	assert_int_equal(frame_parse_answer(body, len, &got, &error), 0);
	assert_true(got.request == 2);
	assert_int_equal(got.att, ATT_UNLIKELY);
	at += used;
	assert_int_equal(out->len - at, 2);
	assert_int_equal(frame_next(out->data + at, out->len - at, 4096, &body, &len, &used), 0);
}

static void test_a_frame_of_size_0_cannot_be_followed(void **state)
{
	static const uint8_t zero[] = { 0, 0, 0, 0, FRAME_ANSWER, 0, 0, 0 };
	const uint8_t *body = NULL;
	size_t len = 12345, used = 0;

	assert_int_equal(frame_next(zero, 4, 4096, &body, &len, &used), -EMSGSIZE);
	assert_int_equal(len, 0);
	len = 12345;
	assert_int_equal(frame_next(zero, sizeof(zero), 4096, &body, &len, &used), -EMSGSIZE);
	assert_int_equal(len, 0);
}

static void test_a_frame_over_the_limit_cannot_be_followed(void **state)
{
	/* Refused as soon as the size field is in, before the body arrives. */
	static const uint8_t over[] = { 0x01, 0x10, 0x00, 0x00, FRAME_ANSWER }; /* 4097 */
	static const uint8_t most[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t at_max[] = { 0x00, 0x10, 0x00, 0x00 }; /* 4096 */
	const uint8_t *body = NULL;
	size_t len = 0, used = 0;

	assert_int_equal(frame_next(over, sizeof(over), 4096, &body, &len, &used), -EMSGSIZE);
	assert_int_equal(len, 4097);
	assert_int_equal(frame_next(over, 4, 4096, &body, &len, &used), -EMSGSIZE);
	assert_int_equal(len, 4097);
	assert_int_equal(frame_next(most, sizeof(most), 4096, &body, &len, &used), -EMSGSIZE);
	assert_int_equal(len, 0xffffffffu);
	assert_int_equal(frame_next(most, sizeof(most), 1, &body, &len, &used), -EMSGSIZE);
	assert_int_equal(len, 0xffffffffu);
	/* max itself is allowed: it waits for the body. */
	assert_int_equal(frame_next(at_max, sizeof(at_max), 4096, &body, &len, &used), 0);
	assert_int_equal(frame_next(at_max, sizeof(at_max), 4095, &body, &len, &used), -EMSGSIZE);
	assert_int_equal(len, 4096);
	/* A frame of max bytes, whole. */
	{
		g_autoptr(GByteArray) out = g_byte_array_new();
		const FrameAnswer a = { .request = 1, .value = (const uint8_t *)"xyz", .value_len = 3 };

		frame_put_answer(out, &a);
		assert_int_equal(frame_next(out->data, out->len, FRAME_ANSWER_FIXED + 3, &body, &len, &used), 1);
		assert_int_equal(len, FRAME_ANSWER_FIXED + 3);
		assert_int_equal(frame_next(out->data, out->len, FRAME_ANSWER_FIXED + 2, &body, &len, &used), -EMSGSIZE);
		assert_int_equal(len, FRAME_ANSWER_FIXED + 3);
	}
	/* A one-byte frame is the smallest. */
	{
		static const uint8_t one[] = { 0x01, 0x00, 0x00, 0x00, FRAME_ANSWER };

		assert_int_equal(frame_next(one, sizeof(one), 1, &body, &len, &used), 1);
		assert_int_equal(len, 1);
		assert_int_equal(used, 5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_read_back_as_written),
		cmocka_unit_test(test_requests_with_the_longest_strings_read_back),
		cmocka_unit_test(test_a_write_request_frame_is_laid_out_as_the_readme_says),
		cmocka_unit_test(test_a_read_request_frame_is_laid_out_as_the_readme_says),
		cmocka_unit_test(test_frames_are_appended),
		cmocka_unit_test(test_answers_read_back_as_written),
		cmocka_unit_test(test_an_answer_frame_is_laid_out_as_the_readme_says),
		cmocka_unit_test(test_empty_and_short_answers_are_refused),
		cmocka_unit_test(test_frames_of_another_type_are_not_answers),
		cmocka_unit_test(test_answers_for_request_0_are_refused),
		cmocka_unit_test(test_answers_with_reserved_bytes_set_are_refused),
		cmocka_unit_test(test_every_code_is_taken_or_refused_as_the_readme_says),
		cmocka_unit_test(test_an_error_code_with_a_value_is_refused),
		cmocka_unit_test(test_answers_with_code_0_and_any_value_are_taken),
		cmocka_unit_test(test_empty_short_and_foreign_requests_are_refused),
		cmocka_unit_test(test_requests_whose_lengths_overrun_the_frame_are_refused),
		cmocka_unit_test(test_reads_with_flags_data_or_a_value_are_refused),
		cmocka_unit_test(test_errors_read_back_as_written),
		cmocka_unit_test(test_an_error_frame_is_laid_out_as_the_readme_says),
		cmocka_unit_test(test_an_unhandled_frame_is_laid_out_as_the_readme_says),
		cmocka_unit_test(test_error_frames_cut_short_are_refused),
		cmocka_unit_test(test_notify_frames_read_back_as_written),
		cmocka_unit_test(test_notify_frames_with_the_longest_id_read_back),
		cmocka_unit_test(test_a_notify_frame_is_laid_out_as_frame_h_says),
		cmocka_unit_test(test_empty_and_short_notify_frames_are_refused),
		cmocka_unit_test(test_frames_of_another_type_are_not_notify_frames),
		cmocka_unit_test(test_notify_frames_with_reserved_bytes_set_are_refused),
		cmocka_unit_test(test_notify_frames_without_a_characteristic_id_are_refused),
		cmocka_unit_test(test_notify_frames_with_an_address_of_another_length_are_refused),
		cmocka_unit_test(test_notify_frames_whose_id_and_address_overrun_the_frame_are_refused),
		cmocka_unit_test(test_a_frame_arriving_in_pieces_is_whole_only_at_its_last_byte),
		cmocka_unit_test(test_two_frames_back_to_back_come_one_at_a_time),
		cmocka_unit_test(test_a_frame_of_size_0_cannot_be_followed),
		cmocka_unit_test(test_a_frame_over_the_limit_cannot_be_followed),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
