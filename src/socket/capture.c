/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket/capture.c: the capture policy (capture.h): the bounded FIFO of captured
 * central writes with overflow accounting, the waiters of each capture, and the
 * set of captures rebuilt at each reload. Pure: no I/O.
 */
#include "socket/capture.h"

void capture_write_free(CapturedWrite *w)
{
	if (!w)
		return;
	g_bytes_unref(w->value);
	g_free(w->device);
	g_free(w->address);
	g_free(w);
}

void capture_queue_init(CaptureQueue *q, unsigned capacity)
{
	q->capacity = capacity;
	g_queue_init(&q->writes);
	q->next_seq = 1;
	q->overflows = 0;
	q->total = 0;
}

void capture_queue_clear(CaptureQueue *q)
{
	g_queue_clear_full(&q->writes, (GDestroyNotify)capture_write_free);
}

bool capture_queue_push(CaptureQueue *q, const uint8_t *data, size_t len, uint16_t offset,
                        const char *device, const char *address, int64_t time_us)
{
	CapturedWrite *w;
	bool dropped = false;

	if (q->capacity == 0)
		return false;
	while (q->writes.length >= q->capacity) {
		capture_write_free(g_queue_pop_head(&q->writes));
		q->overflows++;
		dropped = true;
	}
	w = g_new0(CapturedWrite, 1);
	w->seq = q->next_seq++;
	w->value = g_bytes_new(data, len);
	w->offset = offset;
	w->device = g_strdup(device);
	w->address = g_strdup(address);
	w->time_us = time_us;
	g_queue_push_tail(&q->writes, w);
	q->total++;
	return dropped;
}

void capture_queue_unpop(CaptureQueue *q, CapturedWrite *w)
{
	GList *l = q->writes.head;

	while (l && ((CapturedWrite *)l->data)->seq < w->seq)
		l = l->next;
	if (l)
		g_queue_insert_before(&q->writes, l, w);
	else
		g_queue_push_tail(&q->writes, w);
}

CapturedWrite *capture_queue_pop(CaptureQueue *q)
{
	return g_queue_pop_head(&q->writes);
}

unsigned capture_queue_length(const CaptureQueue *q)
{
	return q->writes.length;
}

/* ---- waiters ---- */

void capture_wait(Capture *cap, void *waiter)
{
	g_queue_push_tail(&cap->waiters, waiter);
}

void capture_unwait(Capture *cap, void *waiter)
{
	g_queue_remove(&cap->waiters, waiter);
}

CapturedWrite *capture_serve(Capture *cap, void **ret_waiter)
{
	if (cap->waiters.length == 0 || capture_queue_length(&cap->queue) == 0)
		return NULL;
	*ret_waiter = g_queue_pop_head(&cap->waiters);
	return capture_queue_pop(&cap->queue);
}

/* ---- the set ---- */

struct CaptureSet {
	GHashTable *by_id;       /* cfg->id -> Capture* */
};

static void capture_free(Capture *cap)
{
	capture_queue_clear(&cap->queue);
	g_queue_clear(&cap->waiters);
	g_free(cap);
}

static GHashTable *capture_table_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)capture_free);
}

CaptureSet *capture_set_new(void)
{
	CaptureSet *set = g_new0(CaptureSet, 1);

	set->by_id = capture_table_new();
	return set;
}

void capture_set_free(CaptureSet *set)
{
	if (!set)
		return;
	g_hash_table_unref(set->by_id);
	g_free(set);
}

GPtrArray *capture_set_rebuild(CaptureSet *set, GPtrArray *chars)
{
	g_autoptr(GHashTable) old = set->by_id;
	GPtrArray *removed = g_ptr_array_new_with_free_func((GDestroyNotify)capture_free);
	GHashTableIter it;
	Capture *cap;

	set->by_id = capture_table_new();
	for (unsigned i = 0; i < chars->len; i++) {
		const CfgCharacteristic *cfg = chars->pdata[i];

		if (!cfg->capture)
			continue;
		if (g_hash_table_steal_extended(old, cfg->id, NULL, (gpointer *)&cap)) {
			cap->queue.capacity = cfg->capture;
			while (capture_queue_length(&cap->queue) > cap->queue.capacity) {
				capture_write_free(capture_queue_pop(&cap->queue));
				cap->queue.overflows++;
			}
		} else {
			cap = g_new0(Capture, 1);
			capture_queue_init(&cap->queue, cfg->capture);
			g_queue_init(&cap->waiters);
		}
		cap->cfg = cfg;
		g_hash_table_insert(set->by_id, (gpointer)cfg->id, cap);
	}
	/* What is left in old belongs to characteristics that no longer capture. */
	g_hash_table_iter_init(&it, old);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&cap)) {
		g_hash_table_iter_steal(&it);
		g_ptr_array_add(removed, cap);
	}
	return removed;
}

Capture *capture_set_lookup(CaptureSet *set, const char *id)
{
	return g_hash_table_lookup(set->by_id, id);
}

GPtrArray *capture_set_list(CaptureSet *set)
{
	GPtrArray *caps = g_ptr_array_new();
	GHashTableIter it;
	Capture *cap;

	g_hash_table_iter_init(&it, set->by_id);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&cap))
		g_ptr_array_add(caps, cap);
	return caps;
}

void capture_set_count(CaptureSet *set, uint64_t *ret_queued, uint64_t *ret_overflows)
{
	GHashTableIter it;
	Capture *cap;

	*ret_queued = *ret_overflows = 0;
	g_hash_table_iter_init(&it, set->by_id);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&cap)) {
		*ret_queued += capture_queue_length(&cap->queue);
		*ret_overflows += cap->queue.overflows;
	}
}
