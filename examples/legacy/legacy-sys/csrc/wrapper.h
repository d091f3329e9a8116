/* Every public header of liblegacy, for binding generators. Add new headers here. */
#include "legacy.h"
#include "legacy_callbacks.h"
