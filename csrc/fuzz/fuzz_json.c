/* The JSON reader on arbitrary bytes: a connector or a decode error, never a crash; and what it
 * accepts is written again and read back the same. */
#include <stdlib.h>
#include <string.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    capture a, b;
    nd_error err;
    capture_init(&a);
    capture_init(&b);
    int rc = nd_json_read_connector((const char *)data, size, &a.base, &err);
    if (!decode_result_ok(rc, &err, size)) abort();
    /* an error points inside the input (or at its end) and reads as text */ /* an error
                                                                                must point
                                                                                inside the
                                                                                input, or at
                                                                                its end */
    if (rc == ND_OK) {
        nd_strv *tags = malloc(sizeof *tags * (capture_tag_count(&a) + 1));
        nd_connector_view v;
        capture_view(&a, &v, tags, true);
        nd_buf out;
        nd_buf_init_malloc(&out);
        if (nd_json_write_connector(&out, &v) != ND_OK ||
            nd_json_read_connector(out.data, out.len, &b.base, &err) != ND_OK ||
            !capture_equal(&a, &b, true))
            abort();
        nd_buf_free_malloc(&out);
        free(tags);
    }
    capture_free(&a);
    capture_free(&b);
    return 0;
}
