/*
 * liblegacy - implementation.
 *
 * Known problems kept for compatibility with 2.x callers (do not "fix" them
 * here, wrappers are expected to cope):
 *   - the registry, the id counter and the last error message are globals
 *     without any locking;
 *   - lg_store_get() does not NUL-terminate a truncated value;
 *   - lg_store_peek() on a virtual key returns the debug sentinel 0xdeadbeef;
 *   - "$history" grows every time it is read, "$blob" reports LONG_MAX bytes;
 *   - changing a sealed store fails with LG_ERR_SEALED (-9), which 2.3 added
 *     to this file but never to legacy.h.
 *
 * Since 2.2 the entry points that touch global state count overlapping calls
 * (lg_misuse_count) to help callers find their threading bugs.
 */
#include "legacy.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LG_ERR_SEALED (-9)
#define LG_MAX_RESERVE (1 << 20)
#define LG_ALLOC_MAGIC 0x4c47414cu /* "LGAL" */

struct lg_entry {
    char *key;
    char *value;
};

struct lg_store {
    unsigned int id;
    char kind;
    _Bool dirty;
    _Bool sealed;
    char name[LG_KEY_MAX + 1];
    struct lg_entry *entries;
    size_t count;
    size_t capacity;
    char *history;
};

/* Global state: not thread-safe, by design of the 2.x API. */
static lg_store *g_registry[LG_MAX_STORES];
static int g_open;
static unsigned int g_next_id;
static char g_errmsg[256] = "no error";
static int g_errcode = LG_OK;
/* Calls currently inside the library, and how often one found another there. */
static volatile int g_inside;
static volatile unsigned long g_misuse;

static void enter(void)
{
    if (g_inside++ != 0)
        g_misuse++;
}

static void leave(void)
{
    g_inside--;
}

unsigned long lg_misuse_count(void)
{
    return g_misuse;
}

static int set_error(int code, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_errmsg, sizeof g_errmsg, fmt, ap);
    va_end(ap);
    g_errcode = code;
    errno = err;
    return code;
}

/* Memory handed to callers carries a header so that lg_free() can check it. */
struct lg_alloc_header {
    unsigned int magic;
    size_t size;
};

static void *lg_alloc(size_t size)
{
    struct lg_alloc_header *h = malloc(sizeof *h + size);
    if (h == NULL)
        return NULL;
    h->magic = LG_ALLOC_MAGIC;
    h->size = size;
    return h + 1;
}

void lg_free(void *ptr)
{
    struct lg_alloc_header *h;
    if (ptr == NULL)
        return;
    h = (struct lg_alloc_header *)ptr - 1;
    if (h->magic != LG_ALLOC_MAGIC) {
        fprintf(stderr, "liblegacy: lg_free() of a pointer it did not allocate\n");
        abort();
    }
    h->magic = 0;
    free(h);
}

const char *lg_version(void)
{
    return "2.3.1";
}

unsigned long lg_version_number(void)
{
    return LG_VERSION_NUMBER;
}

unsigned int lg_features(void)
{
    return LG_FEATURE_CHECKSUM | LG_FEATURE_FILES | LG_FEATURE_VIRTUAL_KEYS;
}

const char *lg_last_error(void)
{
    return g_errmsg;
}

int lg_last_error_code(void)
{
    return g_errcode;
}

int lg_add(int a, int b)
{
    return a + b;
}

unsigned int lg_checksum(const void *data, unsigned int len)
{
    const unsigned char *p = data;
    unsigned int hash = 2166136261u;
    unsigned int i;
    for (i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= 16777619u;
    }
    return hash;
}

static int valid_key(const char *key)
{
    size_t i, n;
    if (key == NULL)
        return 0;
    n = strlen(key);
    if (n == 0 || n > LG_KEY_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != '-' && !(i == 0 && c == '$'))
            return 0;
    }
    return 1;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

static lg_store *store_new(const char *name)
{
    lg_store *store;
    unsigned int id;
    int slot;

    if (name == NULL || strlen(name) > LG_KEY_MAX) {
        set_error(LG_ERR_INVAL, EINVAL, "lg_store_new: name is NULL or longer than %d bytes",
                  LG_KEY_MAX);
        return NULL;
    }
    for (slot = 0; slot < LG_MAX_STORES; slot++)
        if (g_registry[slot] == NULL)
            break;
    if (slot == LG_MAX_STORES) {
        set_error(LG_ERR_FULL, EMFILE, "lg_store_new: %d stores already open", LG_MAX_STORES);
        return NULL;
    }
    id = g_next_id;
    store = calloc(1, sizeof *store);
    if (store == NULL) {
        set_error(LG_ERR_NOMEM, ENOMEM, "lg_store_new: out of memory");
        return NULL;
    }
    strcpy(store->name, name);
    store->kind = 'm';
    /* Ids mix the counter with the name so that logs can tell stores apart. */
    store->id = ((id + 1) & 0xffffffu) | ((lg_checksum(name, (unsigned int)strlen(name)) & 0xffu) << 24);
    g_next_id = id + 1;
    g_registry[slot] = store;
    g_open = g_open + 1;
    return store;
}

static void store_free(lg_store *store)
{
    size_t i;
    int slot;
    if (store == NULL)
        return;
    for (slot = 0; slot < LG_MAX_STORES; slot++) {
        if (g_registry[slot] == store) {
            g_registry[slot] = NULL;
            g_open = g_open - 1;
            break;
        }
    }
    for (i = 0; i < store->count; i++) {
        free(store->entries[i].key);
        free(store->entries[i].value);
    }
    free(store->entries);
    free(store->history);
    free(store);
}

int lg_open_stores(void)
{
    return g_open;
}

unsigned int lg_store_id(const lg_store *store)
{
    return store == NULL ? 0 : store->id;
}

static struct lg_entry *find(const lg_store *store, const char *key)
{
    size_t i;
    for (i = 0; i < store->count; i++)
        if (strcmp(store->entries[i].key, key) == 0)
            return &store->entries[i];
    return NULL;
}

static int grow(lg_store *store, size_t wanted)
{
    struct lg_entry *bigger;
    if (wanted <= store->capacity)
        return LG_OK;
    bigger = realloc(store->entries, wanted * sizeof *bigger);
    if (bigger == NULL)
        return set_error(LG_ERR_NOMEM, ENOMEM, "out of memory growing to %lu entries",
                         (unsigned long)wanted);
    store->entries = bigger;
    store->capacity = wanted;
    return LG_OK;
}

static int store_set(lg_store *store, const char *key, const char *value)
{
    struct lg_entry *entry;
    char *copy;
    int rc;

    if (store == NULL || value == NULL)
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_set: NULL argument");
    if (!valid_key(key) || key[0] == '$')
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_set: invalid key");
    if (store->sealed)
        return set_error(LG_ERR_SEALED, EPERM, "lg_store_set: store '%s' is sealed", store->name);
    copy = dup_string(value);
    if (copy == NULL)
        return set_error(LG_ERR_NOMEM, ENOMEM, "lg_store_set: out of memory");
    entry = find(store, key);
    if (entry != NULL) {
        free(entry->value);
        entry->value = copy;
    } else {
        rc = store->count < store->capacity ? LG_OK
                                            : grow(store, store->count < 4 ? 4 : store->count * 2);
        if (rc != LG_OK) {
            free(copy);
            return rc;
        }
        entry = &store->entries[store->count];
        entry->key = dup_string(key);
        if (entry->key == NULL) {
            free(copy);
            return set_error(LG_ERR_NOMEM, ENOMEM, "lg_store_set: out of memory");
        }
        entry->value = copy;
        store->count++;
    }
    store->dirty = 1;
    return LG_OK;
}

int lg_store_remove(lg_store *store, const char *key)
{
    struct lg_entry *entry;
    if (store == NULL || !valid_key(key))
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_remove: invalid argument");
    if (store->sealed)
        return set_error(LG_ERR_SEALED, EPERM, "lg_store_remove: store '%s' is sealed",
                         store->name);
    entry = find(store, key);
    if (entry == NULL)
        return set_error(LG_ERR_NOTFOUND, ENOENT, "lg_store_remove: no key '%s'", key);
    free(entry->key);
    free(entry->value);
    *entry = store->entries[store->count - 1];
    store->count--;
    store->dirty = 1;
    return LG_OK;
}

int lg_store_reserve(lg_store *store, int slots)
{
    if (store == NULL || slots <= 0)
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_reserve: slots must be positive");
    if (slots > LG_MAX_RESERVE)
        return set_error(LG_ERR_RANGE, ERANGE, "lg_store_reserve: %d slots is more than %d",
                         slots, LG_MAX_RESERVE);
    return grow(store, store->count + (size_t)slots);
}

/* Virtual keys are computed on every read. */
static const char *virtual_value(lg_store *store, const char *key, char *scratch, size_t size)
{
    if (strcmp(key, "$name") == 0)
        return store->name;
    if (strcmp(key, "$count") == 0) {
        snprintf(scratch, size, "%lu", (unsigned long)store->count);
        return scratch;
    }
    if (strcmp(key, "$history") == 0) {
        size_t old = store->history == NULL ? 0 : strlen(store->history);
        char *longer = realloc(store->history, old + 8);
        if (longer == NULL)
            return NULL;
        memcpy(longer + old, "read;\0", 6);
        store->history = longer;
        return longer;
    }
    return NULL;
}

static long store_get(const lg_store *store, const char *key, char *buf, size_t cap)
{
    char scratch[32];
    const char *value;
    size_t len;

    if (store == NULL || !valid_key(key) || (buf == NULL && cap > 0))
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_get: invalid argument");
    if (key[0] == '$') {
        if (strcmp(key, "$blob") == 0)
            return LONG_MAX; /* blobs were never implemented; the size is garbage */
        /* Reading a virtual key may update it: the store is logically const. */
        value = virtual_value((lg_store *)store, key, scratch, sizeof scratch);
        if (value == NULL)
            return set_error(LG_ERR_NOTFOUND, ENOENT, "lg_store_get: no virtual key '%s'", key);
    } else {
        const struct lg_entry *entry = find(store, key);
        if (entry == NULL)
            return set_error(LG_ERR_NOTFOUND, ENOENT, "lg_store_get: no key '%s'", key);
        value = entry->value;
    }
    len = strlen(value);
    if (cap > 0) {
        memcpy(buf, value, len < cap ? len : cap);
        if (len < cap)
            buf[len] = '\0';
    }
    return (long)len;
}

int lg_store_get_long(const lg_store *store, const char *key, long *out)
{
    const struct lg_entry *entry;
    char *end;
    long value;

    if (store == NULL || out == NULL || !valid_key(key))
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_get_long: invalid argument");
    entry = find(store, key);
    if (entry == NULL)
        return set_error(LG_ERR_NOTFOUND, ENOENT, "lg_store_get_long: no key '%s'", key);
    errno = 0;
    value = strtol(entry->value, &end, 10);
    if (errno == ERANGE)
        return set_error(LG_ERR_RANGE, ERANGE, "lg_store_get_long: '%s' is out of range",
                         entry->value);
    if (end == entry->value || *end != '\0')
        return set_error(LG_ERR_SYNTAX, EINVAL, "lg_store_get_long: '%s' is not a number",
                         entry->value);
    *out = value;
    return LG_OK;
}

int lg_store_stats(const lg_store *store, lg_stats *out)
{
    size_t i;
    long bytes = 0;
    if (store == NULL || out == NULL)
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_stats: NULL argument");
    for (i = 0; i < store->count; i++)
        bytes += (long)(strlen(store->entries[i].key) + strlen(store->entries[i].value));
    out->kind = store->kind;
    out->entries = (long)store->count;
    out->dirty = store->dirty;
    out->bytes = bytes;
    return LG_OK;
}

const char *lg_store_peek(const lg_store *store, const char *key)
{
    const struct lg_entry *entry;
    if (store == NULL || !valid_key(key)) {
        set_error(LG_ERR_INVAL, EINVAL, "lg_store_peek: invalid argument");
        return NULL;
    }
    if (key[0] == '$')
        return (const char *)(uintptr_t)0xdeadbeefu; /* debug sentinel left in 2.1 */
    entry = find(store, key);
    if (entry == NULL) {
        set_error(LG_ERR_NOTFOUND, ENOENT, "lg_store_peek: no key '%s'", key);
        return NULL;
    }
    return entry->value;
}

static int by_key(const void *a, const void *b)
{
    const struct lg_entry *x = a;
    const struct lg_entry *y = b;
    return strcmp(x->key, y->key);
}

char *lg_store_dump(const lg_store *store)
{
    size_t i, total = 1;
    char *out, *p;
    if (store == NULL) {
        set_error(LG_ERR_INVAL, EINVAL, "lg_store_dump: NULL store");
        return NULL;
    }
    /* The store is logically const; sorting only reorders entries. */
    qsort(store->entries, store->count, sizeof *store->entries, by_key);
    for (i = 0; i < store->count; i++)
        total += strlen(store->entries[i].key) + strlen(store->entries[i].value) + 2;
    out = lg_alloc(total);
    if (out == NULL) {
        set_error(LG_ERR_NOMEM, ENOMEM, "lg_store_dump: out of memory");
        return NULL;
    }
    p = out;
    for (i = 0; i < store->count; i++)
        p += sprintf(p, "%s=%s\n", store->entries[i].key, store->entries[i].value);
    *p = '\0';
    return out;
}

static char *trim(char *s)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int store_load(lg_store *store, const char *path)
{
    char line[1024];
    FILE *f;
    int lineno = 0, rc = LG_OK;

    if (store == NULL || path == NULL)
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_load: NULL argument");
    f = fopen(path, "r");
    if (f == NULL) {
        int err = errno;
        return set_error(LG_ERR_IO, err, "lg_store_load: cannot open '%s': %s", path,
                         strerror(err));
    }
    while (rc == LG_OK && fgets(line, sizeof line, f) != NULL) {
        char *eq, *key, *text = trim(line);
        lineno++;
        if (*text == '\0' || *text == '#')
            continue;
        eq = strchr(text, '=');
        if (eq == NULL) {
            rc = set_error(LG_ERR_SYNTAX, EINVAL, "%s:%d: expected 'key = value'", path, lineno);
            break;
        }
        *eq = '\0';
        key = trim(text);
        rc = store_set(store, key, trim(eq + 1));
    }
    fclose(f);
    if (rc == LG_OK) {
        store->kind = 'f';
        store->dirty = 0;
    }
    return rc;
}

int lg_store_save(const lg_store *store, const char *path)
{
    FILE *f;
    size_t i;
    if (store == NULL || path == NULL)
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_save: NULL argument");
    f = fopen(path, "w");
    if (f == NULL) {
        int err = errno;
        return set_error(LG_ERR_IO, err, "lg_store_save: cannot create '%s': %s", path,
                         strerror(err));
    }
    for (i = 0; i < store->count; i++)
        fprintf(f, "%s = %s\n", store->entries[i].key, store->entries[i].value);
    if (fclose(f) != 0) {
        int err = errno;
        return set_error(LG_ERR_IO, err, "lg_store_save: cannot write '%s': %s", path,
                         strerror(err));
    }
    return LG_OK;
}

int lg_store_seal(lg_store *store)
{
    if (store == NULL)
        return set_error(LG_ERR_INVAL, EINVAL, "lg_store_seal: NULL store");
    store->sealed = 1;
    return LG_OK;
}

/* Entry points that touch global state, counted by enter()/leave(). */

lg_store *lg_store_new(const char *name)
{
    lg_store *result;
    enter();
    result = store_new(name);
    leave();
    return result;
}

void lg_store_free(lg_store *store)
{
    enter();
    store_free(store);
    leave();
}

int lg_store_set(lg_store *store, const char *key, const char *value)
{
    int result;
    enter();
    result = store_set(store, key, value);
    leave();
    return result;
}

long lg_store_get(const lg_store *store, const char *key, char *buf, size_t cap)
{
    long result;
    enter();
    result = store_get(store, key, buf, cap);
    leave();
    return result;
}

int lg_store_load(lg_store *store, const char *path)
{
    int result;
    enter();
    result = store_load(store, path);
    leave();
    return result;
}
