/* Encode, decode, compare: arbitrary bytes become a connector's fields (strings made valid
 * UTF-8 by construction), which must come back the same through JSON and MessagePack. */
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Cuts the next piece of the input: up to a 0xFF byte, its invalid UTF-8 dropped. */
static nd_strv piece(const uint8_t **p, const uint8_t *end, char *buf)
{
    size_t n = 0;
    while (*p < end && **p != 0xFF) {
        const uint8_t *q = *p;
        if (*q < 0x80) {
            buf[n++] = (char)*q;
            (*p)++;
            continue;
        }
        size_t len = nd_utf8_seq(q, (size_t)(end - q));
        if (len) {
            memcpy(buf + n, q, len);
            n += len;
            *p += len;
        } else {
            (*p)++;
        }
    }
    if (*p < end) (*p)++;
    return (nd_strv){buf, n};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 24) return 0;
    const uint8_t *p = data + 24, *end = data + size;
    char *bufs = malloc(8 * size + 8); /* a region per string: 5 fields, 3 tags */
    nd_connector_view v;
    memset(&v, 0, sizeof v);
    nd_strv *text[5] = {&v.id, &v.state, &v.display_name, &v.machine_name, &v.connector_version};
    for (int i = 0; i < 5; i++)
        if (data[0] & (1u << i)) *text[i] = piece(&p, end, bufs + i * size);
    nd_datetime *dates[2] = {&v.last_connection, &v.enrolled};
    for (int i = 0; i < 2; i++) {
        const uint8_t *d = data + 1 + i * 11;
        nd_datetime dt = {(uint16_t)(1 + (d[0] | d[1] << 8) % 9999),
                          (uint8_t)(1 + d[2] % 12),
                          (uint8_t)(1 + d[3] % 28),
                          (uint8_t)(d[4] % 24),
                          (uint8_t)(d[5] % 60),
                          (uint8_t)(d[6] % 60),
                          (uint8_t)(data[0] >> (5 + i) & 1),
                          (uint32_t)((d[7] | d[8] << 8 | d[9] << 16) % 1000000),
                          (int16_t)((int)(d[10] * 11) % (2 * ND_DATETIME_MAX_OFFSET + 1) -
                                    ND_DATETIME_MAX_OFFSET)};
        *dates[i] = dt;
    }
    nd_strv tags[4];
    v.has_role_tags = data[23] & 1;
    v.n_role_tags = v.has_role_tags ? (size_t)(data[23] >> 1 & 3) : 0;
    for (size_t i = 0; i < v.n_role_tags; i++)
        tags[i] = piece(&p, end, bufs + (5 + i) * size);
    v.role_tags = tags;

    capture a, b;
    nd_error err;
    nd_buf out;
    for (int format = 0; format < 2; format++) {
        capture_init(&a);
        capture_init(&b);
        nd_buf_init_malloc(&out);
        int rc = format ? nd_mp_write_connector(&out, &v) : nd_json_write_connector(&out, &v);
        if (rc != ND_OK) abort();
        rc = format ? nd_mp_read_connector(out.data, out.len, &a.base, &err)
                    : nd_json_read_connector(out.data, out.len, &a.base, &err);
        if (rc != ND_OK) abort();
        /* What came back must be what went in, field by field... */
        for (int i = 0; i < 5; i++) {
            static const nd_field f[5] = {ND_F_ID, ND_F_STATE, ND_F_DISPLAY_NAME, ND_F_MACHINE_NAME,
                                          ND_F_CONNECTOR_VERSION};
            if (a.has[f[i]] != (text[i]->ptr != NULL) ||
                (text[i]->ptr && (a.text[f[i]].len != text[i]->len ||
                                  memcmp(a.text[f[i]].data, text[i]->ptr, text[i]->len) != 0)))
                abort();
        }
        if (a.has[ND_F_LAST_CONNECTION] != v.last_connection.present ||
            a.has[ND_F_ENROLLED] != v.enrolled.present ||
            a.has[ND_F_ROLE_SCOPE_TAG_IDS] != v.has_role_tags || a.n_tags != v.n_role_tags)
            abort();
        /* ...and encoding it again gives the same bytes. */
        nd_strv again_tags[4];
        nd_connector_view again;
        capture_view(&a, &again, again_tags, false);
        nd_buf out2;
        nd_buf_init_malloc(&out2);
        rc = format ? nd_mp_write_connector(&out2, &again) : nd_json_write_connector(&out2, &again);
        if (rc != ND_OK || out2.len != out.len || memcmp(out2.data, out.data, out.len) != 0)
            abort();
        nd_buf_free_malloc(&out2);
        nd_buf_free_malloc(&out);
        capture_free(&a);
        capture_free(&b);
    }
    free(bufs);
    return 0;
}
