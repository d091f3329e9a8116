/*
 * C test program for legacy_export: calls every export the way a C caller would, including
 * the ways a careless C caller would, and checks codes, outputs and last-error messages.
 * Exit status 0 when every check passes.
 */
#include "legacy_export.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int checks;
static int failures;

#define CHECK(name, cond)                                                     \
    do {                                                                      \
        checks++;                                                             \
        if (cond) {                                                           \
            printf("ok %s\n", name);                                          \
        } else {                                                              \
            failures++;                                                       \
            printf("FAILED %s (%s:%d: %s)\n", name, __FILE__, __LINE__, #cond); \
        }                                                                     \
    } while (0)

static const char *last_error(void)
{
    static char message[256];
    lgx_last_error_message(message, sizeof message);
    return message;
}

static void test_version(void)
{
    const char *version = lgx_version();
    CHECK("lgx_version is a dotted version", version != NULL && version[0] >= '0' &&
                                                 version[0] <= '9' && strchr(version, '.'));
}

static void test_parse_size(void)
{
    uint64_t out = 7;
    CHECK("lgx_parse_size 4k", lgx_parse_size("4k", &out) == LGX_OK && out == 4096);
    CHECK("no last error after success", lgx_last_error_message(NULL, 0) == 0);
    CHECK("lgx_parse_size max u64",
          lgx_parse_size("18446744073709551615", &out) == LGX_OK && out == UINT64_MAX);

    out = 7;
    CHECK("lgx_parse_size overflow -> LGX_ERR_OVERFLOW",
          lgx_parse_size("17179869184G", &out) == LGX_ERR_OVERFLOW && out == 7);
    CHECK("overflow message", strstr(last_error(), "does not fit in 64 bits") != NULL);
    CHECK("lgx_parse_size garbage -> LGX_ERR_PARSE", lgx_parse_size("12q", &out) == LGX_ERR_PARSE);
    CHECK("lgx_parse_size invalid UTF-8 -> LGX_ERR_UTF8",
          lgx_parse_size("4\xff", &out) == LGX_ERR_UTF8);
    CHECK("lgx_parse_size NULL text -> LGX_ERR_NULL", lgx_parse_size(NULL, &out) == LGX_ERR_NULL);
    CHECK("NULL message names the argument", strstr(last_error(), "`text`") != NULL);
    CHECK("lgx_parse_size NULL out -> LGX_ERR_NULL", lgx_parse_size("4k", NULL) == LGX_ERR_NULL);
}

static void test_normalize_key(void)
{
    char buf[32];
    size_t needed = 0;
    const char *label = "Max Open Files";

    CHECK("lgx_normalize_key size query",
          lgx_normalize_key(label, NULL, 0, &needed) == LGX_ERR_BUFFER && needed == 15);
    memset(buf, 'X', sizeof buf);
    CHECK("lgx_normalize_key one byte short -> LGX_ERR_BUFFER",
          lgx_normalize_key(label, buf, needed - 1, &needed) == LGX_ERR_BUFFER);
    CHECK("short buffer left untouched", buf[0] == 'X' && buf[13] == 'X');
    CHECK("lgx_normalize_key exact size",
          lgx_normalize_key(label, buf, needed, &needed) == LGX_OK &&
              strcmp(buf, "max_open_files") == 0);
    CHECK("lgx_normalize_key NULL buf with capacity -> LGX_ERR_NULL",
          lgx_normalize_key(label, NULL, 8, &needed) == LGX_ERR_NULL);
    CHECK("lgx_normalize_key NULL needed -> LGX_ERR_NULL",
          lgx_normalize_key(label, buf, sizeof buf, NULL) == LGX_ERR_NULL);
}

static void test_describe_size(void)
{
    char *text = lgx_describe_size(1536);
    CHECK("lgx_describe_size 1536", text != NULL && strcmp(text, "1.5 KiB") == 0);
    lgx_string_free(text);
    text = lgx_describe_size(UINT64_MAX);
    CHECK("lgx_describe_size max", text != NULL && strcmp(text, "15.9 EiB") == 0);
    lgx_string_free(text);
    lgx_string_free(NULL);
    CHECK("lgx_string_free NULL is a no-op", 1);
}

static void test_percent(void)
{
    int64_t out = -1;
    CHECK("lgx_percent 1 of 4", lgx_percent(1, 4, &out) == LGX_OK && out == 25);
    CHECK("lgx_percent overflow -> LGX_ERR_OVERFLOW",
          lgx_percent(INT64_MAX, 1, &out) == LGX_ERR_OVERFLOW);
    out = -1;
    CHECK("lgx_percent divide by zero -> LGX_ERR_PANIC",
          lgx_percent(1, 0, &out) == LGX_ERR_PANIC && out == -1);
    CHECK("panic message readable", strstr(last_error(), "panic") != NULL);
    CHECK("library still usable after a panic", lgx_percent(3, 4, &out) == LGX_OK && out == 75);
}

static void test_last_error_buffer(void)
{
    char small[5];
    uint64_t out;
    size_t length;
    lgx_parse_size("nope", &out);
    length = lgx_last_error_message(small, sizeof small);
    CHECK("last error truncated and terminated", length > 4 && strlen(small) == 4);
    CHECK("last error capacity 0 writes nothing", lgx_last_error_message(small, 0) == length);
}

static void *fail_on_other_thread(void *arg)
{
    uint64_t out;
    (void)arg;
    return (void *)(intptr_t)lgx_parse_size(NULL, &out);
}

static void test_last_error_is_per_thread(void)
{
    pthread_t thread;
    void *code = NULL;
    uint64_t out;
    lgx_parse_size("1k", &out);
    CHECK("thread started", pthread_create(&thread, NULL, fail_on_other_thread, NULL) == 0);
    pthread_join(thread, &code);
    CHECK("other thread saw LGX_ERR_NULL", (intptr_t)code == LGX_ERR_NULL);
    CHECK("this thread's last error unaffected", lgx_last_error_message(NULL, 0) == 0);
}

int main(void)
{
    test_version();
    test_parse_size();
    test_normalize_key();
    test_describe_size();
    test_percent();
    test_last_error_buffer();
    test_last_error_is_per_thread();
    printf("legacy_export C checks: %d run, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
