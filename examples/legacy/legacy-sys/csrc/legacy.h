/*
 * liblegacy - a tiny configuration store, version 2.3.1
 *
 * Copyright (c) 2003-2009 The liblegacy authors.
 *
 * Stores hold "key = value" string pairs.  Keys are at most LG_KEY_MAX
 * characters of [A-Za-z0-9_.-]; keys starting with '$' are computed by the
 * library ("virtual keys", see below).
 *
 * Conventions (read these before using any function):
 *   - Functions returning int return LG_OK (0) or a negative LG_ERR_* code.
 *     They also set errno and the message returned by lg_last_error().
 *   - Strings returned as `char *` are owned by the caller and must be
 *     released with lg_free(), never with free().
 *   - Strings returned as `const char *` are borrowed from the library.
 *   - The library is NOT thread-safe: it keeps global state (the registry of
 *     open stores, the id counter and the last error message).
 */
#ifndef LEGACY_H
#define LEGACY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this header, packed as 0xMMmmpp. */
#define LG_VERSION_NUMBER 0x020301

/** Feature flag: lg_checksum() is available. */
#define LG_FEATURE_CHECKSUM 0x01u
/** Feature flag: stores can be loaded from and saved to files. */
#define LG_FEATURE_FILES 0x02u
/** Feature flag: virtual keys ("$name", "$count", ...) are supported. */
#define LG_FEATURE_VIRTUAL_KEYS 0x04u
/** Feature flag: the library is thread-safe (never set by this build). */
#define LG_FEATURE_THREADS 0x08u

/** Success. */
#define LG_OK 0
/** Out of memory. */
#define LG_ERR_NOMEM (-1)
/** Invalid argument (NULL handle, bad key, ...). */
#define LG_ERR_INVAL (-2)
/** No such key. */
#define LG_ERR_NOTFOUND (-3)
/** A value does not fit the requested type or range. */
#define LG_ERR_RANGE (-4)
/** A file could not be read or written; errno tells why. */
#define LG_ERR_IO (-5)
/** The store or the registry is full. */
#define LG_ERR_FULL (-6)
/** Malformed input (e.g. a bad line in a file). */
#define LG_ERR_SYNTAX (-7)

/** Longest key, in bytes, not counting the terminating NUL. */
#define LG_KEY_MAX 63
/** Most stores open at the same time. */
#define LG_MAX_STORES 64

/** An open store (opaque). */
typedef struct lg_store lg_store;

/** Statistics about a store, filled by lg_store_stats(). */
typedef struct lg_stats {
    /** Kind of store: 'm' for memory, 'f' for loaded from a file. */
    char kind;
    /** Number of entries. */
    long entries;
    /** True when the store changed since it was created or loaded. */
    _Bool dirty;
    /** Total bytes of keys and values, terminators excluded. */
    long bytes;
} lg_stats;

/** Library version as a static string, e.g. "2.3.1". */
const char *lg_version(void);
/** Library version packed as 0xMMmmpp (compare with LG_VERSION_NUMBER). */
unsigned long lg_version_number(void);
/** Bit set of LG_FEATURE_* flags compiled into this build. */
unsigned int lg_features(void);

/** Message describing the last error (static buffer, overwritten by the next error). */
const char *lg_last_error(void);
/** The LG_ERR_* code the message of lg_last_error() is about; LG_OK before any error. */
int lg_last_error_code(void);
/** Releases memory returned by this library as `char *`. NULL is allowed. */
void lg_free(void *ptr);

/** Creates an empty store called name. Returns NULL and sets errno on error. */
lg_store *lg_store_new(const char *name);
/** Destroys a store. NULL is allowed. */
void lg_store_free(lg_store *store);
/** Number of stores currently open in the process. */
int lg_open_stores(void);
/**
 * Number of times a call entered the library while another call was still inside it (from
 * another thread): each one is a misuse of this non-thread-safe library.  A debugging aid
 * added in 2.2; it can undercount, never overcount.
 */
unsigned long lg_misuse_count(void);
/** Identifier of a store, unique in the process; 0 for NULL. */
unsigned int lg_store_id(const lg_store *store);

/** Sets key to value, replacing an existing value. */
int lg_store_set(lg_store *store, const char *key, const char *value);
/** Removes key. Returns LG_ERR_NOTFOUND when absent. */
int lg_store_remove(lg_store *store, const char *key);
/** Reserves room for `slots` more entries; slots must be positive. */
int lg_store_reserve(lg_store *store, int slots);

/**
 * Copies the value of key into buf (at most cap bytes, NUL-terminated when
 * cap > 0) and returns the length of the value, not counting the NUL, like
 * snprintf. A return value >= cap means the value was truncated: call again
 * with a buffer of (return value + 1) bytes. buf may be NULL when cap is 0.
 * Returns a negative LG_ERR_* code on error.
 */
long lg_store_get(const lg_store *store, const char *key, char *buf, size_t cap);

/** Parses the value of key as a decimal long into *out. */
int lg_store_get_long(const lg_store *store, const char *key, long *out);
/** Writes the statistics of store into *out. */
int lg_store_stats(const lg_store *store, lg_stats *out);

/**
 * Borrowed pointer to the value of key, valid until the store changes.
 * Returns NULL when key is absent.
 */
const char *lg_store_peek(const lg_store *store, const char *key);

/** All entries as "key=value\n" lines, sorted by key; release with lg_free(). */
char *lg_store_dump(const lg_store *store);

/** Loads "key = value" lines from a file into store. */
int lg_store_load(lg_store *store, const char *path);
/** Saves store to a file, one "key = value" line per entry. */
int lg_store_save(const lg_store *store, const char *path);

/** Marks the store read-only. Later changes fail. */
int lg_store_seal(lg_store *store);

/** Sum of a and b. */
int lg_add(int a, int b);
/** FNV-1a hash of len bytes at data. */
unsigned int lg_checksum(const void *data, unsigned int len);

#ifdef __cplusplus
}
#endif

#endif /* LEGACY_H */
