#include <stdint.h>
#define LG_KEY_MAX 63
typedef struct lg_store lg_store;
struct point { int32_t x; int64_t y; };
int lg_store_set(lg_store *s, const char *key, const char *value);
