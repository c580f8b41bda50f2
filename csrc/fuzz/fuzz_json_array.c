/* The JSON array reader on arbitrary bytes. */
#include <stdlib.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    capture a;
    nd_error err;
    capture_init(&a);
    int rc = nd_json_read_connectors((const char *)data, size, &a.base, &err);
    if (!decode_result_ok(rc, &err, size)) abort();
    capture_free(&a);
    return 0;
}
