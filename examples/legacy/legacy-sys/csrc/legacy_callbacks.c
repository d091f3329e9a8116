/*
 * liblegacy - callbacks (since 2.2).  See legacy_callbacks.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "legacy_callbacks.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parse ---------------------------------------------------------------- */

static char *trim_spaces(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

int lg_parse(const char *text, lg_entry_fn visit, void *user_data)
{
    char *copy, *line, *next;
    size_t len;
    int rc = LG_OK;

    if (text == NULL || visit == NULL) {
        errno = EINVAL;
        return LG_ERR_INVAL;
    }
    /* A private copy: visit may do anything, including parsing again. */
    len = strlen(text);
    copy = malloc(len + 1);
    if (copy == NULL)
        return LG_ERR_NOMEM;
    memcpy(copy, text, len + 1);

    for (line = copy; rc == LG_OK && *line != '\0'; line = next) {
        char *eq, *key, *value, *p;
        int depth = 0;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        else
            next = line + strlen(line);
        line = trim_spaces(line);
        if (*line == '\0' || *line == '#')
            continue;
        eq = strchr(line, '=');
        if (eq == NULL) {
            errno = EINVAL;
            rc = LG_ERR_SYNTAX;
            break;
        }
        *eq = '\0';
        key = trim_spaces(line);
        value = trim_spaces(eq + 1);
        for (p = key; *p != '\0'; p++)
            if (*p == '.')
                depth++;
        rc = visit(user_data, key, value, depth);
    }
    free(copy);
    return rc;
}

/* ---- listeners (global state) ------------------------------------------- */

struct listener {
    int id;
    lg_change_fn on_change;
    void *user_data;
    lg_destroy_fn destroy;
};

static struct listener g_listeners[LG_MAX_LISTENERS];
static int g_next_listener = 1;

int lg_listener_add(lg_change_fn on_change, void *user_data, lg_destroy_fn destroy)
{
    int i;

    if (on_change == NULL) {
        errno = EINVAL;
        return LG_ERR_INVAL;
    }
    for (i = 0; i < LG_MAX_LISTENERS; i++) {
        if (g_listeners[i].id == 0) {
            g_listeners[i].id = g_next_listener++;
            g_listeners[i].on_change = on_change;
            g_listeners[i].user_data = user_data;
            g_listeners[i].destroy = destroy;
            return g_listeners[i].id;
        }
    }
    errno = ENOSPC;
    return LG_ERR_FULL;
}

int lg_listener_remove(int id)
{
    int i;

    for (i = 0; id > 0 && i < LG_MAX_LISTENERS; i++) {
        if (g_listeners[i].id == id) {
            struct listener gone = g_listeners[i];
            memset(&g_listeners[i], 0, sizeof g_listeners[i]);
            /* Unregistered first: the hook may free what the listener used. */
            if (gone.destroy != NULL)
                gone.destroy(gone.user_data);
            return LG_OK;
        }
    }
    errno = ENOENT;
    return LG_ERR_NOTFOUND;
}

int lg_listener_count(void)
{
    int i, n = 0;

    for (i = 0; i < LG_MAX_LISTENERS; i++)
        if (g_listeners[i].id != 0)
            n++;
    return n;
}

int lg_emit(const char *key, const char *value)
{
    int i, called = 0;

    /* Re-read each slot: a listener may add or remove listeners. */
    for (i = 0; i < LG_MAX_LISTENERS; i++) {
        struct listener l = g_listeners[i];
        if (l.id != 0) {
            l.on_change(l.user_data, key, value);
            called++;
        }
    }
    return called;
}

/* ---- workers -------------------------------------------------------------- */

struct worker {
    pthread_t thread;
    int index;
    int iterations;
    lg_task_fn task;
    void *user_data;
    int result;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    int i;

    for (i = 0; i < w->iterations; i++) {
        w->result = w->task(w->user_data, w->index, i);
        if (w->result != 0)
            break;
    }
    return NULL;
}

int lg_run_workers(int workers, int iterations, lg_task_fn task, void *user_data)
{
    struct worker pool[LG_MAX_WORKERS];
    int i, started, rc = LG_OK;

    if (task == NULL || workers < 1 || workers > LG_MAX_WORKERS || iterations < 0) {
        errno = EINVAL;
        return LG_ERR_INVAL;
    }
    for (started = 0; started < workers; started++) {
        struct worker *w = &pool[started];
        w->index = started;
        w->iterations = iterations;
        w->task = task;
        w->user_data = user_data;
        w->result = 0;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            rc = LG_ERR_NOMEM;
            break;
        }
    }
    for (i = 0; i < started; i++) {
        pthread_join(pool[i].thread, NULL);
        if (rc == LG_OK && pool[i].result != 0)
            rc = pool[i].result;
    }
    return rc;
}

/* ---- events (global state) ----------------------------------------------- */

/* volatile keeps the load and the store apart, as in the original 2003 code. */
static volatile long g_events;
/* Text of the last event, kept for debuggers. */
static char g_last_event[32];

void lg_events_bump(void)
{
    long seen = g_events;
    snprintf(g_last_event, sizeof g_last_event, "event #%ld", seen + 1);
    g_events = seen + 1;
}

long lg_events_count(void)
{
    return g_events;
}

void lg_events_reset(void)
{
    g_events = 0;
}
