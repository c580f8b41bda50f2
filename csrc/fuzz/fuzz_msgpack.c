/* The MessagePack readers on arbitrary bytes (the first byte picks object or array); what the
 * object reader accepts is written again and read back the same. */
#include <stdlib.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    bool array = data[0] & 1;
    const char *body = (const char *)data + 1;
    size--;
    capture a;
    nd_error err;
    capture_init(&a);
    int rc = array ? nd_mp_read_connectors(body, size, &a.base, &err)
                   : nd_mp_read_connector(body, size, &a.base, &err);
    if (!decode_result_ok(rc, &err, size) ||
        (rc == ND_OK && !array && !capture_reencodes(&a, false)))
        abort();
    capture_free(&a);
    return 0;
}
