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
    if (rc == ND_ERR_DECODE && err.offset > size) abort();
    if (rc != ND_OK && rc != ND_ERR_DECODE) abort();
    capture_free(&a);
    return 0;
}
