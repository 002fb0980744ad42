/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/capture.h: the capture policy, pure (no I/O): the bounded, ordered queue
 * of central writes kept for a Capture=N characteristic until a local client takes
 * them (CaptureQueue), the clients waiting for them in next-write (Capture), and
 * the set of captures that follows the configuration across reloads (CaptureSet).
 * socket/waiters.c does the talking to the clients.
 *
 * The queue belongs to the characteristic, not to any registration with BlueZ, so
 * writes queued before a power cycle or a bluetoothd restart are still there after.
 * On overflow the oldest write is dropped and counted: never silently.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

typedef struct {
	uint64_t seq;        /* 1, 2, 3 ... per queue, never reused */
	GBytes *value;       /* the bytes the central wrote (not the resulting full value) */
	uint16_t offset;
	char *device;        /* BlueZ device object path, or NULL */
	char *address;       /* the central's address when it wrote, or NULL */
	int64_t time_us;     /* g_get_real_time() when captured */
} CapturedWrite;

typedef struct {
	unsigned capacity;
	GQueue writes;       /* CapturedWrite*, oldest first */
	uint64_t next_seq;
	uint64_t overflows;  /* writes dropped because the queue was full */
	uint64_t total;      /* writes ever captured */
} CaptureQueue;

void capture_write_free(CapturedWrite *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CapturedWrite, capture_write_free)

void capture_queue_init(CaptureQueue *q, unsigned capacity);
void capture_queue_clear(CaptureQueue *q);

/*
 * Append a write. Returns true if an older write had to be dropped to make room
 * (the caller reports the overflow).
 */
bool capture_queue_push(CaptureQueue *q, const uint8_t *data, size_t len, uint16_t offset,
                        const char *device, const char *address, int64_t time_us);
/*
 * Put a write taken with capture_queue_pop back, keeping its seq (its reply could
 * not be delivered): at the head, or, when other taken writes went back before it,
 * in its place among them by seq, so the queue stays in order. Beyond capacity the
 * write is still kept: it was already counted in, and dropping it now would lose it
 * silently.
 */
void capture_queue_unpop(CaptureQueue *q, CapturedWrite *w);
/* Take the oldest write (caller frees), or NULL when empty. */
CapturedWrite *capture_queue_pop(CaptureQueue *q);
unsigned capture_queue_length(const CaptureQueue *q);

/* A Capture=N characteristic: its queue and who waits for its next write. */
typedef struct {
	const CfgCharacteristic *cfg;  /* id, Type=, Capture= (of the current configuration) */
	CaptureQueue queue;
	GQueue waiters;                /* waiting in next-write, oldest first (opaque here: the server's clients) */
} Capture;

/* Put waiter at the end of cap's waiters. */
void capture_wait(Capture *cap, void *waiter);
/* Take waiter out of cap's waiters (it got its answer, or gave up). */
void capture_unwait(Capture *cap, void *waiter);
/*
 * Serve the oldest waiter: take it out of the waiters and return the oldest write,
 * for it (caller owns it). NULL, and nothing taken, when nobody waits or nothing is queued.
 */
CapturedWrite *capture_serve(Capture *cap, void **ret_waiter);

/* The captures of one configuration, by characteristic id. */
typedef struct CaptureSet CaptureSet;

CaptureSet *capture_set_new(void);
/* Frees every capture with its queue; its waiters must have been told. */
void capture_set_free(CaptureSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CaptureSet, capture_set_free)

/*
 * Follow a configuration: chars holds the CfgCharacteristic* of every
 * characteristic, in order; those with Capture=N get a capture. One that captured
 * before (same id) keeps its queue, seq and counters: a reload loses no queued
 * write. When its capacity shrank, the oldest writes beyond it are dropped and
 * counted as overflows. Returns the captures of characteristics that no longer
 * capture, their waiters still in: tell those, then free the array (it frees them).
 */
GPtrArray *capture_set_rebuild(CaptureSet *set, GPtrArray *chars);
/* The capture of the characteristic with this id, or NULL when it has no Capture=. */
Capture *capture_set_lookup(CaptureSet *set, const char *id);
/* Every capture, always in the same order. Free the array, not the captures. */
GPtrArray *capture_set_list(CaptureSet *set);
/* Writes waiting in all queues, and writes all queues dropped. */
void capture_set_count(CaptureSet *set, uint64_t *ret_queued, uint64_t *ret_overflows);
