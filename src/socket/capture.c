/* capture.c: bounded FIFO of captured central writes with overflow accounting. */
#include "socket/capture.h"

void captured_write_free(CapturedWrite *w)
{
	if (!w)
		return;
	g_bytes_unref(w->value);
	g_free(w->device);
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
	g_queue_clear_full(&q->writes, (GDestroyNotify)captured_write_free);
}

bool capture_queue_push(CaptureQueue *q, const uint8_t *data, size_t len, uint16_t offset,
                        const char *device, int64_t time_us)
{
	CapturedWrite *w;
	bool dropped = false;

	if (q->capacity == 0)
		return false;
	while (q->writes.length >= q->capacity) {
		captured_write_free(g_queue_pop_head(&q->writes));
		q->overflows++;
		dropped = true;
	}
	w = g_new0(CapturedWrite, 1);
	w->seq = q->next_seq++;
	w->value = g_bytes_new(data, len);
	w->offset = offset;
	w->device = g_strdup(device);
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
