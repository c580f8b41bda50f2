/* The JSON reader on arbitrary bytes: a connector or a decode error, never a crash; and what it
 * accepts is written again and read back the same. */
#include <stdlib.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    capture a;
    nd_error err;
    capture_init(&a);
    int rc = nd_json_read_connector((const char *)data, size, &a.base, &err);
    if (!decode_result_ok(rc, &err, size) || (rc == ND_OK && !capture_reencodes(&a, true))) abort();
    capture_free(&a);
    return 0;
}
