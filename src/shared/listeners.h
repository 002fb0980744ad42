/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shared/listeners.h: the one observer style of gattd's modules.
 *
 * A module that reports what happens defines a struct of optional callbacks, each
 * taking the module's object first and the listener's user data last, and keeps a
 * ListenerList. Others add themselves with the module's *_add_listener() (a
 * const callback struct, usually static, plus user data), which returns an id, and
 * remove themselves with *_remove_listener(id). Listeners are called in the order
 * they were added. A listener may add or remove listeners, itself included, from
 * inside a callback: one removed is not called again, one added is called from
 * the next report on.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct {
	GArray *entries;      /* ListenerEntry */
	unsigned next_id;
	unsigned reporting;   /* nesting depth of LISTENERS_REPORT */
	bool removed;         /* entries were removed while reporting: compact afterwards */
} ListenerList;

typedef struct {
	unsigned id;          /* 0 once removed */
	const void *callbacks;
	void *user_data;
} ListenerEntry;

void listener_list_init(ListenerList *list);
void listener_list_clear(ListenerList *list);
/* Returns the id (never 0). callbacks must outlive the entry. */
unsigned listener_list_add(ListenerList *list, const void *callbacks, void *user_data);
/* Remove by id; an unknown id (or 0) is ignored. */
void listener_list_remove(ListenerList *list, unsigned id);
unsigned listener_list_count(const ListenerList *list);

/* For LISTENERS_REPORT: removal while reporting marks, the end of the outermost report compacts. */
void listener_list_compact(ListenerList *list);

static inline void listener_list_begin(ListenerList *list)
{
	list->reporting++;
}

static inline void listener_list_end(ListenerList *list)
{
	if (--list->reporting == 0 && list->removed)
		listener_list_compact(list);
}

/*
 * Call member of every listener of type Type in list that has it:
 *   LISTENERS_REPORT(&bluez->listeners, BluezListener, up, bluez);
 * calls listener->up(bluez, user_data). The entry count is read once: listeners
 * added during the report are not called by it.
 */
#define LISTENERS_REPORT(list, Type, member, ...)                                       \
	do {                                                                            \
		ListenerList *list_ = (list);                                           \
		unsigned n_ = list_->entries ? list_->entries->len : 0;                 \
		listener_list_begin(list_);                                             \
		for (unsigned i_ = 0; i_ < n_; i_++) {                                  \
			ListenerEntry *e_ = &g_array_index(list_->entries, ListenerEntry, i_); \
			const Type *cb_ = e_->callbacks;                                \
			if (e_->id && cb_->member)                                      \
				cb_->member(__VA_ARGS__, e_->user_data);                \
		}                                                                       \
		listener_list_end(list_);                                               \
	} while (0)

/*
 * For a callback that answers (returns a value): call member of the first listener
 * that has it and store its return value in result; result is left as it is when
 * no listener has member. Returns through result only, so a caller sets a default:
 *   int r = -ENOTSUP;
 *   LISTENERS_ASK(&server->listeners, ServerListener, reload, r, server, &error);
 */
#define LISTENERS_ASK(list, Type, member, result, ...)                                  \
	do {                                                                            \
		ListenerList *list_ = (list);                                           \
		for (unsigned i_ = 0; list_->entries && i_ < list_->entries->len; i_++) { \
			ListenerEntry *e_ = &g_array_index(list_->entries, ListenerEntry, i_); \
			const Type *cb_ = e_->callbacks;                                \
			if (e_->id && cb_->member) {                                    \
				void *user_data_ = e_->user_data;                       \
				listener_list_begin(list_);                             \
				(result) = cb_->member(__VA_ARGS__, user_data_);        \
				listener_list_end(list_);                               \
				break;                                                  \
			}                                                               \
		}                                                                       \
	} while (0)

/*
 * Define a module's PREFIX_add_listener() and PREFIX_remove_listener() (declared in
 * its header) over the ListenerList field `listeners` of its Type:
 *   LISTENERS_DEFINE_ADD_REMOVE(Bluez, bluez, BluezListener)
 * defines bluez_add_listener(Bluez *, const BluezListener *, void *user_data),
 * returning the id, and bluez_remove_listener(Bluez *, unsigned id).
 */
#define LISTENERS_DEFINE_ADD_REMOVE(Type, prefix, ListenerType)                                  \
	unsigned prefix##_add_listener(Type *object, const ListenerType *listener, void *user_data) \
	{                                                                                       \
		return listener_list_add(&object->listeners, listener, user_data);              \
	}                                                                                       \
	void prefix##_remove_listener(Type *object, unsigned id)                                \
	{                                                                                       \
		listener_list_remove(&object->listeners, id);                                   \
	}
