/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shared/frame.h: the binary frames of a channel (README, "Handler channel (binary frames)" and "Notify frames"):
 * a connection that claimed characteristics with `handle` and `"frames": true` gets
 * each read or write request as a frame and answers it with one, instead of JSON
 * lines; any channel (`channel` makes one without claims) may send notify frames.
 * Pure: gattd, bench-central's channel clients, the unit tests and the fuzz target use it.
 *
 * Every frame is a little-endian u32 size (the bytes that follow it) and then that
 * many bytes, the first of which is the frame's type.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The size field before every frame. */
#define FRAME_SIZE_BYTES 4

/* Frame types: gattd to the handler. */
#define FRAME_READ_REQUEST 0x01
#define FRAME_WRITE_REQUEST 0x02
#define FRAME_ERROR 0x03
#define FRAME_UNHANDLED 0x04
/* The client to gattd. */
#define FRAME_ANSWER 0x81
#define FRAME_NOTIFY 0x82

/* The fixed part of a request frame, of an error frame and of an answer. */
#define FRAME_REQUEST_FIXED 28
#define FRAME_ERROR_FIXED 16
#define FRAME_ANSWER_FIXED 16
#define FRAME_NOTIFY_FIXED 16

/* Request flags: write requests only. */
#define FRAME_FLAG_PREPARED 0x01
#define FRAME_FLAG_AUTHORIZE 0x02
#define FRAME_FLAG_RESPONSE 0x04

/* A read or write request, as gattd sends it. Strings and bytes are borrowed. */
typedef struct {
	uint8_t type;            /* FRAME_READ_REQUEST or FRAME_WRITE_REQUEST */
	uint8_t flags;           /* FRAME_FLAG_*, writes only */
	uint16_t offset;
	uint16_t mtu;            /* 0: BlueZ did not say */
	uint64_t request;
	int64_t deadline;        /* CLOCK_MONOTONIC, microseconds */
	const char *char_id;
	size_t char_len;
	const char *desc_id;     /* NULL/0: the characteristic's own request */
	size_t desc_len;
	const char *address;     /* NULL/0: not known */
	size_t address_len;
	const uint8_t *data;     /* writes: the bytes written */
	size_t data_len;
	const uint8_t *value;    /* writes: the whole value the write leaves */
	size_t value_len;
} FrameRequest;

/* An answer, as the handler sends it. value is borrowed from the frame. */
typedef struct {
	uint64_t request;
	uint8_t att;             /* 0: the value (read) or acceptance (write); else an ATT error */
	const uint8_t *value;
	size_t value_len;
} FrameAnswer;

/*
 * A notify frame, as a client sends it: store value as the characteristic's and notify
 * it, to the central at address alone (its socket, Acquire=notify), or without an
 * address to every subscribed central. tag comes back in an error frame about it.
 * Strings and value are borrowed from the frame, not terminated.
 */
typedef struct {
	uint64_t tag;
	const char *char_id;
	size_t char_len;         /* 1..255 */
	const char *address;     /* NULL/0: every subscriber */
	size_t address_len;      /* 0 or 17 */
	const uint8_t *value;
	size_t value_len;
} FrameNotify;

/* An error frame, as gattd sends it. Strings are borrowed from the frame, not terminated. */
typedef struct {
	uint64_t request;        /* 0: the error names no request */
	const char *code;
	size_t code_len;
	const char *message;
	size_t message_len;
} FrameError;

/*
 * Where the next frame of buf (len bytes) is. Returns 1 and sets *ret_body and *ret_len to
 * the frame (type byte first) and *ret_used to the bytes it takes with its size field;
 * 0 when buf does not hold a whole frame yet; -EMSGSIZE when its size is 0 or over max
 * (*ret_len says which): the stream cannot be followed past it.
 */
int frame_next(const uint8_t *buf, size_t len, size_t max, const uint8_t **ret_body, size_t *ret_len,
               size_t *ret_used);

/* Append a whole frame (size field included) to out. Ids and address must fit 255 bytes. */
void frame_put_request(GByteArray *out, const FrameRequest *r);
void frame_put_error(GByteArray *out, uint64_t request, const char *code, const char *message);
void frame_put_unhandled(GByteArray *out, const char *char_id, const char *reason);
void frame_put_answer(GByteArray *out, const FrameAnswer *a);
void frame_put_notify(GByteArray *out, const FrameNotify *n);

/*
 * Read the frame body (len bytes, from frame_next) as an answer. Returns 0, or -EINVAL
 * with *ret_error saying what is wrong; then ret->request is the request the answer
 * names when that much could be read (else 0): its central still gets an answer.
 * A code that is neither 0 nor one a handler may give (att_is_allowed) is refused here.
 */
int frame_parse_answer(const uint8_t *body, size_t len, FrameAnswer *ret, char **ret_error);

/*
 * Read the frame body as a notify frame. Returns 0, or -EINVAL with *ret_error; then
 * ret->tag is the frame's tag when that much could be read (else 0).
 */
int frame_parse_notify(const uint8_t *body, size_t len, FrameNotify *ret, char **ret_error);

/* Read a request frame's body. Returns 0, or -EINVAL with *ret_error. Not terminated strings. */
int frame_parse_request(const uint8_t *body, size_t len, FrameRequest *ret, char **ret_error);

/* Read an error frame's body. Returns 0, or -EINVAL with *ret_error. */
int frame_parse_error(const uint8_t *body, size_t len, FrameError *ret, char **ret_error);
