/*
 * liblegacy - callbacks (since 2.2)
 *
 * Same conventions as legacy.h.  None of this is thread-safe unless stated:
 * the listener table and the event counter are global state.  Callbacks
 * may call back into the library; the library does not guard against it.
 */
#ifndef LEGACY_CALLBACKS_H
#define LEGACY_CALLBACKS_H

#include "legacy.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most listeners registered at the same time. */
#define LG_MAX_LISTENERS 16
/** Most worker threads lg_run_workers() starts. */
#define LG_MAX_WORKERS 64

/**
 * Visitor of lg_parse(): called with each key, its value and the key's depth
 * in the dotted hierarchy ("a" is 0, "a.b" is 1).  Return 0 to go on; any
 * other value stops the parse and is returned by lg_parse().
 */
typedef int (*lg_entry_fn)(void *user_data, const char *key, const char *value, int depth);

/**
 * Parses "key = value" lines (the format of lg_store_load(); blank lines and
 * lines starting with '#' are skipped) and calls visit for each entry, in
 * order.  The parse works on a private copy of text, so visit may call any
 * function of the library, lg_parse() included.
 * Returns LG_OK, the first nonzero value of visit, LG_ERR_SYNTAX for a line
 * without '=', LG_ERR_INVAL or LG_ERR_NOMEM.
 */
int lg_parse(const char *text, lg_entry_fn visit, void *user_data);

/** Called by lg_emit() with the announced change. */
typedef void (*lg_change_fn)(void *user_data, const char *key, const char *value);
/** Releases the user_data of a listener. */
typedef void (*lg_destroy_fn)(void *user_data);

/**
 * Registers a listener.  Returns its id (> 0) or LG_ERR_INVAL / LG_ERR_FULL.
 * destroy (may be NULL) is called with user_data exactly once, by
 * lg_listener_remove(); it is not called when registration fails.
 */
int lg_listener_add(lg_change_fn on_change, void *user_data, lg_destroy_fn destroy);

/** Unregisters listener id, then calls its destroy hook.  LG_ERR_NOTFOUND if unknown. */
int lg_listener_remove(int id);

/** Number of registered listeners. */
int lg_listener_count(void);

/**
 * Announces a change of key to every listener, on the calling thread, in
 * registration order.  A listener that calls lg_emit() is called again,
 * recursively, before the outer call returns.  Returns the number of
 * listeners called.
 */
int lg_emit(const char *key, const char *value);

/** Work item of lg_run_workers(): return 0 to go on, nonzero to stop this worker. */
typedef int (*lg_task_fn)(void *user_data, int worker, int iteration);

/**
 * Starts `workers` threads, each calling task(user_data, worker, i) for i in
 * [0, iterations), and waits for all of them.  Returns LG_OK, the first
 * nonzero task result (lowest worker first), LG_ERR_INVAL or LG_ERR_NOMEM.
 * This function itself touches no global state and may be called from any
 * thread; task runs on threads the library creates.
 */
int lg_run_workers(int workers, int iterations, lg_task_fn task, void *user_data);

/** Counts an event in a global counter (plain read-modify-write: serialize calls). */
void lg_events_bump(void);
/** Value of the global event counter. */
long lg_events_count(void);
/** Resets the global event counter to 0. */
void lg_events_reset(void);

#ifdef __cplusplus
}
#endif

#endif /* LEGACY_CALLBACKS_H */
