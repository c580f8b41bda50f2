/* The MessagePack readers on arbitrary bytes (the first byte picks object or array); what the
 * object reader accepts is written again and read back the same. */
#include <stdlib.h>
#include <string.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    bool array = data[0] & 1;
    data++;
    size--;
    capture a, b;
    nd_error err;
    capture_init(&a);
    capture_init(&b);
    int rc = array ? nd_mp_read_connectors((const char *)data, size, &a.base, &err)
                   : nd_mp_read_connector((const char *)data, size, &a.base, &err);
    if (!decode_result_ok(rc, &err, size)) abort();
    if (rc == ND_OK && !array) {
        nd_strv *tags = malloc(sizeof *tags * (capture_tag_count(&a) + 1));
        nd_connector_view v;
        capture_view(&a, &v, tags, false);
        nd_buf out;
        nd_buf_init_malloc(&out);
        if (nd_mp_write_connector(&out, &v) != ND_OK ||
            nd_mp_read_connector(out.data, out.len, &b.base, &err) != ND_OK ||
            !capture_equal(&a, &b, false))
            abort();
        nd_buf_free_malloc(&out);
        free(tags);
    }
    capture_free(&a);
    capture_free(&b);
    return 0;
}
