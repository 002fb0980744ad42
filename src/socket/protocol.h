/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * protocol.h: the local client protocol, newline-delimited JSON (pure: no I/O).
 *
 * Requests are decoded and validated here into a ProtoRequest; replies and events
 * are encoded here. README.md, "Local client protocol" is the reference for clients.
 * protocol.c has the requests and values, proto-advertise.c the `advertise` command,
 * proto-bluez.c what tells of the BlueZ side (centrals, adapter, pairing, status).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/advertising.h"
#include "config/config.h"
#include "gatt/centrals.h"
#include "shared/att.h"
#include "shared/jread.h"
#include "shared/jwrite.h"
#include "shared/value.h"
#include "socket/status.h"

#define PROTOCOL_VERSION 1
/* Limits on what a request may carry. */
#define PROTO_MAX_WATCH_CHARS 1024
/* pairable: the longest window a client may open (as [Pairing] PairableSeconds). */
#define PROTO_MAX_PAIRABLE_SECONDS 86400
#define PROTO_MAX_TIMEOUT_MS (24 * 3600 * 1000)

/* Error codes clients see (the "code" of an error reply). */
#define PROTO_ERR_BAD_REQUEST "bad-request"       /* malformed JSON, missing or wrong-typed field */
#define PROTO_ERR_UNKNOWN_COMMAND "unknown-command"
#define PROTO_ERR_NOT_FOUND "not-found"           /* no such characteristic */
#define PROTO_ERR_INVALID_VALUE "invalid-value"   /* value does not decode or does not fit */
#define PROTO_ERR_NOT_CAPTURE "not-capture"       /* next-write on a characteristic without Capture= */
#define PROTO_ERR_BUSY "busy"                     /* this client already waits in next-write */
#define PROTO_ERR_NOT_SUPPORTED "not-supported"   /* set notify:true on a characteristic without notify/indicate */
#define PROTO_ERR_TIMEOUT "timeout"
#define PROTO_ERR_DISCONNECTED "disconnected"     /* the adapter or BlueZ went away while waiting */
#define PROTO_ERR_LINE_TOO_LONG "line-too-long"
#define PROTO_ERR_TOO_MANY_CLIENTS "too-many-clients"
#define PROTO_ERR_SHUTTING_DOWN "shutting-down"
#define PROTO_ERR_INVALID_CONFIG "invalid-config"   /* reload refused; the old configuration stays */
#define PROTO_ERR_NOT_HANDLED "not-handled"         /* handle on a characteristic without Handler= */
#define PROTO_ERR_EXPIRED "expired"                 /* answer to a request already settled (time limit, ...) */
#define PROTO_ERR_FAILED "failed"                   /* BlueZ refused what gattd asked of it for the request */
#define PROTO_ERR_NOT_SUBSCRIBED "not-subscribed"   /* set for one central that has no notify socket for it */

typedef enum {
	PROTO_CMD_HELLO,
	PROTO_CMD_STATUS,
	PROTO_CMD_LIST,
	PROTO_CMD_GET,
	PROTO_CMD_SET,
	PROTO_CMD_WATCH,
	PROTO_CMD_UNWATCH,
	PROTO_CMD_NEXT_WRITE,
	PROTO_CMD_RELOAD,
	PROTO_CMD_HANDLE,
	PROTO_CMD_UNHANDLE,
	PROTO_CMD_ANSWER,
	PROTO_CMD_DEVICES,
	PROTO_CMD_DISCONNECT,
	PROTO_CMD_CHANNEL,
	PROTO_CMD_PAIRABLE,
	PROTO_CMD_BONDS,
	PROTO_CMD_FORGET,
	PROTO_CMD_HANDLE_PAIRING,
	PROTO_CMD_UNHANDLE_PAIRING,
	PROTO_CMD_ANSWER_PAIRING,
	PROTO_CMD_ADVERTISE,
} ProtoCommand;

typedef struct {
	ProtoCommand cmd;
	json_t *root;        /* the request as read: the strings below are its own */
	json_t *id;          /* echoed in the reply; NULL when absent */
	const char *chr;     /* get, set, next-write */
	const char *hex;     /* set: "value" (hex), or NULL */
	json_t *typed;       /* set: "typed" (number, string or bool), or NULL */
	bool has_notify;
	bool notify;         /* set */
	const char **chars;  /* watch: NULL-terminated, NULL = all characteristics */
	int64_t timeout_ms;  /* next-write: -1 = wait forever */
	uint64_t request;    /* answer, answer-pairing: the request's id */
	bool accept;         /* answer-pairing: accept (true) or reject the pairing */
	bool frames;         /* handle: the connection becomes a handler channel (shared/frame.h) */
	bool has_error;      /* answer: "error" given, by error_name or error_code */
	const char *error_name; /* answer: an error name (shared/att.h), checked by the command */
	uint8_t error_code;  /* answer: an application code 0x80..0x9f */
	const char *address; /* disconnect, set (optional): a central's address, "AA:BB:CC:DD:EE:FF" (checked) */
	bool has_open;
	bool open;           /* pairable: open (true) or close (false) the pairing window */
	unsigned seconds;    /* pairable with "open": true: for how long; 0 = [Pairing] PairableSeconds */
	CfgAdvertisingChange advertise; /* advertise: what to change (.enabled -1 and nothing else: only ask) */
} ProtoRequest;

typedef struct {
	const char *code;    /* PROTO_ERR_* */
	char *message;
	json_t *id;          /* the request's id if it could be read, else NULL */
	uint64_t answer_request; /* a refused `answer`'s "request" when it could be read, else 0:
	                            the central's request it meant still gets an answer */
} ProtoError;

void proto_request_free(ProtoRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProtoRequest, proto_request_free)
void proto_error_clear(ProtoError *err);

/*
 * Decode one line (without its newline): strict RFC 8259 JSON (shared/jread.h), one
 * object, the command's fields with their types. NULL + *err filled on failure.
 */
ProtoRequest *proto_parse_request(const char *line, size_t len, ProtoError *err);

const char *proto_command_name(ProtoCommand cmd);

/*
 * Decode the bytes a client gives for a characteristic of the given type: either
 * hex (the "value" field) or typed JSON (the "typed" field). NULL + *ret_error on failure.
 */
GBytes *proto_decode_value(const char *hex, const json_t *typed, bool has_type, ValueType type, char **ret_error);

/* The `advertise` command's members as found in the request, NULL when absent (proto-advertise.c). */
typedef struct {
	json_t *local_name, *service_uuids, *manufacturer_data, *service_data, *enabled, *reset, *advertisement;
} ProtoAdvertiseFields;

/* Decode them into *out (cleared first); false + *ret_error naming the field on failure. */
bool proto_parse_advertise(const ProtoAdvertiseFields *fields, CfgAdvertisingChange *out, char **ret_error);

/* ---- encoding ---- */

/* Start a success reply: {"id":..,"ok":true ... (the writer is inside the object). */
JWriter *proto_reply_begin(const json_t *id);
/* Start an event: {"event":"name" ... */
JWriter *proto_event_begin(const char *name);
/* Add "method", "agent", "pairable", "always" and "remaining_ms" (null with always or Method=off). */
void proto_write_pairing(JWriter *w, const ServerPairing *pairing);
/*
 * Add the advertisement: "enabled", "advertising", "paused", "changed", "type", "local_name",
 * "service_uuids", "manufacturer_data", "service_data", "bytes", "max_bytes".
 */
void proto_write_advertisement(JWriter *w, const ServerAdvertisement *adv);
/* Close the object and return the line, newline included. The writer is spent: free it. */
char *proto_finish(JWriter *w);
/* A whole error reply line. */
char *proto_error_line(const json_t *id, const char *code, const char *message);
/* The same with "problems": each one of the message's, for a client to show one per line. */
char *proto_error_line_problems(const json_t *id, const char *code, const char *message,
                                const char *const *problems);

/*
 * Add "value": hex and, when has_type and the bytes fit the type, "typed": a
 * number, a boolean, or a string (utf8; u64 above 2^63-1; NaN and infinities).
 */
void proto_write_value(JWriter *w, bool has_type, ValueType type, const uint8_t *data, size_t len);

/*
 * Add "char", "value" (and "typed" when the write alone is a whole value of the
 * characteristic's type), "offset", "device" and "address" (each null when not
 * known): a central's write to the characteristic of cfg, as the `write` event and
 * next-write tell it.
 */
void proto_write_write(JWriter *w, const CfgCharacteristic *cfg, const uint8_t *data, size_t len, uint16_t offset,
                       const char *device, const char *address);
/*
 * "AA:BB:CC:DD:EE:FF" from BlueZ's device path ".../dev_AA_BB_CC_DD_EE_FF", or NULL
 * when path is NULL or not a device's.
 */
char *proto_device_address(const char *path);
/* Add "device" (BlueZ's path) and "address", each null when not known. */
void proto_write_device(JWriter *w, const char *path, const char *address);
/* Why a value of len bytes does not fit the characteristic of cfg (MaxLength, Type's size). */
char *proto_value_fit_message(const CfgCharacteristic *cfg, size_t len);
/* Add "mtu": the ATT MTU BlueZ named, null for 0 (not named). */
void proto_write_mtu(JWriter *w, uint16_t mtu);
/*
 * Add a connected central's fields, as `devices` and the `connected` event tell them;
 * subscribed: the ids of the characteristics it subscribed to (char*).
 */
void proto_write_central(JWriter *w, const GattCentral *central, const GPtrArray *subscribed);
/* Add "name", "address" (null when not known) and "powered" of an adapter. */
void proto_write_adapter(JWriter *w, const ServerAdapter *adapter);
/* The whole reply line to `status`. */
char *proto_status_line(const json_t *id, const ServerStatus *status);
