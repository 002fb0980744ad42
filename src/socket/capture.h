/*
 * capture.h: the bounded, ordered queue of central writes kept for a Capture=N
 * characteristic until a local client takes them (pure: no I/O).
 *
 * The queue belongs to the characteristic, not to any registration with BlueZ, so
 * writes queued before a power cycle or a bluetoothd restart are still there after.
 * On overflow the oldest write is dropped and counted: never silently.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
	uint64_t seq;        /* 1, 2, 3 ... per queue, never reused */
	GBytes *value;       /* the bytes the central wrote (not the resulting full value) */
	uint16_t offset;
	char *device;        /* BlueZ device object path, or NULL */
	int64_t time_us;     /* g_get_real_time() when captured */
} CapturedWrite;

typedef struct {
	unsigned capacity;
	GQueue writes;       /* CapturedWrite*, oldest first */
	uint64_t next_seq;
	uint64_t overflows;  /* writes dropped because the queue was full */
	uint64_t total;      /* writes ever captured */
} CaptureQueue;

void captured_write_free(CapturedWrite *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CapturedWrite, captured_write_free)

void capture_queue_init(CaptureQueue *q, unsigned capacity);
void capture_queue_clear(CaptureQueue *q);

/*
 * Append a write. Returns true if an older write had to be dropped to make room
 * (the caller reports the overflow).
 */
bool capture_queue_push(CaptureQueue *q, const uint8_t *data, size_t len, uint16_t offset,
                        const char *device, int64_t time_us);
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
