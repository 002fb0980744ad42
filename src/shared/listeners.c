/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shared/listeners.c: lists of listeners (see shared/listeners.h). */
#include "shared/listeners.h"

void listener_list_init(ListenerList *list)
{
	*list = (ListenerList){ .entries = g_array_new(FALSE, FALSE, sizeof(ListenerEntry)), .next_id = 1 };
}

void listener_list_clear(ListenerList *list)
{
	g_assert(list->reporting == 0);
	g_clear_pointer(&list->entries, g_array_unref);
}

unsigned listener_list_add(ListenerList *list, const void *callbacks, void *user_data)
{
	ListenerEntry entry = { .id = list->next_id++, .callbacks = callbacks, .user_data = user_data };

	g_assert(callbacks);
	if (list->next_id == 0)
		list->next_id = 1;
	g_array_append_val(list->entries, entry);
	return entry.id;
}

void listener_list_compact(ListenerList *list)
{
	for (unsigned i = list->entries->len; i-- > 0;)
		if (g_array_index(list->entries, ListenerEntry, i).id == 0)
			g_array_remove_index(list->entries, i);
	list->removed = false;
}

void listener_list_remove(ListenerList *list, unsigned id)
{
	for (unsigned i = 0; id && list->entries && i < list->entries->len; i++) {
		ListenerEntry *entry = &g_array_index(list->entries, ListenerEntry, i);

		if (entry->id != id)
			continue;
		/* While reporting, the array may not move: mark it, compact afterwards. */
		entry->id = 0;
		list->removed = true;
		if (list->reporting == 0)
			listener_list_compact(list);
		return;
	}
}

unsigned listener_list_count(const ListenerList *list)
{
	unsigned n = 0;

	for (unsigned i = 0; list->entries && i < list->entries->len; i++)
		n += g_array_index(list->entries, ListenerEntry, i).id != 0;
	return n;
}
