#include "capture.h"

#include <stdio.h>
#include <stdlib.h>

#include "json_write.h"
#include "utf8.h"

static int put(nd_buf *b, const char *s, size_t n)
{
    return nd_buf_append(b, s, n);
}

/* Before a value inside additional data: a comma when it is not the first in its container. */
static int sep(capture *c)
{
    if (c->depth == 0) return 0;
    if (c->first[c->depth]) {
        c->first[c->depth] = false;
        return 0;
    }
    return put(&c->extra, ",", 1);
}

#define C ((capture *)s)
static int on_str(nd_sink *s, nd_field f, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    if (f == ND_F_ROLE_SCOPE_TAG_IDS) {
        C->n_tags++;
        return put(&C->tags, (const char *)&n, sizeof n) | put(&C->tags, p, n);
    }
    C->text[f].len = 0;
    C->has[f] = true;
    return put(&C->text[f], p, n);
}
static int on_null(nd_sink *s, nd_field f)
{
    C->has[f] = false;
    if (f == ND_F_ROLE_SCOPE_TAG_IDS) {
        C->n_tags = 0;
        C->tags.len = 0;
    }
    return 0;
}
static int on_datetime(nd_sink *s, nd_field f, const nd_datetime *dt)
{
    C->dates[f] = *dt;
    C->has[f] = true;
    return 0;
}
static int on_state(nd_sink *s, nd_state st, const char *raw, size_t n, bool ascii)
{
    (void)st;
    return on_str(s, ND_F_STATE, raw, n, ascii);
}
static int on_list(nd_sink *s, nd_field f, size_t hint)
{
    (void)hint;
    C->has[f] = true;
    return 0;
}
static int on_extra(nd_sink *s, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    C->n_extra++;
    if (nd_buf_append(&C->extra_at, (const char *)&C->extra.len, sizeof C->extra.len) < 0)
        return -1;
    return put(&C->extra, ",", 1) | nd_json_write_str(&C->extra, p, n) | put(&C->extra, ":", 1);
}
static int v_null(nd_sink *s)
{
    return sep(C) | put(&C->extra, "null", 4);
}
static int v_bool(nd_sink *s, bool v)
{
    return sep(C) | (v ? put(&C->extra, "true", 4) : put(&C->extra, "false", 5));
}
static int v_int(nd_sink *s, int64_t v)
{
    return sep(C) | nd_json_write_i64(&C->extra, v);
}
static int v_uint(nd_sink *s, uint64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    return sep(C) | put(&C->extra, t, (size_t)n);
}
static int v_text(nd_sink *s, const char *p, size_t n)
{
    return sep(C) | put(&C->extra, p, n);
}
static int v_float(nd_sink *s, double v)
{
    char t[40];
    int n = snprintf(t, sizeof t, "%.17g", v);
    return sep(C) | put(&C->extra, t, (size_t)n);
}
static int v_str(nd_sink *s, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    return sep(C) | nd_json_write_str(&C->extra, p, n);
}
static int open_(nd_sink *s, const char *bracket)
{
    if (sep(C) < 0 || put(&C->extra, bracket, 1) < 0) return -1;
    C->first[++C->depth] = true;
    return 0;
}
static int v_array_begin(nd_sink *s, size_t hint)
{
    (void)hint;
    return open_(s, "[");
}
static int v_map_begin(nd_sink *s, size_t hint)
{
    (void)hint;
    return open_(s, "{");
}
static int v_array_end(nd_sink *s)
{
    C->depth--;
    return put(&C->extra, "]", 1);
}
static int v_map_end(nd_sink *s)
{
    C->depth--;
    return put(&C->extra, "}", 1);
}
static int v_map_key(nd_sink *s, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    int r = sep(C) | nd_json_write_str(&C->extra, p, n) | put(&C->extra, ":", 1);
    C->first[C->depth] = true; /* the value after a key takes no comma */
    return r;
}
static int item(nd_sink *s, size_t i)
{
    (void)s;
    (void)i;
    return 0;
}
static int item_begin(nd_sink *s, size_t i)
{
    (void)i;
    C->n_items++;
    return 0;
}
static int next_link(nd_sink *s, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    C->has_link = true;
    C->link.len = 0;
    return put(&C->link, p, n);
}
#undef C

static const nd_sink_vt capture_vt = {
    .str = on_str,
    .null = on_null,
    .datetime = on_datetime,
    .state = on_state,
    .list_begin = on_list,
    .extra_key = on_extra,
    .v_null = v_null,
    .v_bool = v_bool,
    .v_int = v_int,
    .v_uint = v_uint,
    .v_bigint = v_text,
    .v_float = v_float,
    .v_float_text = v_text,
    .v_str = v_str,
    .v_array_begin = v_array_begin,
    .v_array_end = v_array_end,
    .v_map_begin = v_map_begin,
    .v_map_key = v_map_key,
    .v_map_end = v_map_end,
    .item_begin = item_begin,
    .item_end = item,
    .next_link = next_link,
};

void capture_init(capture *c)
{
    memset(c, 0, sizeof *c);
    c->base.vt = &capture_vt;
    for (int f = 0; f < ND_F_COUNT; f++)
        nd_buf_init_malloc(&c->text[f]);
    nd_buf_init_malloc(&c->tags);
    nd_buf_init_malloc(&c->extra);
    nd_buf_init_malloc(&c->extra_at);
    nd_buf_init_malloc(&c->link);
}

void capture_free(capture *c)
{
    for (int f = 0; f < ND_F_COUNT; f++)
        nd_buf_free_malloc(&c->text[f]);
    nd_buf_free_malloc(&c->tags);
    nd_buf_free_malloc(&c->extra);
    nd_buf_free_malloc(&c->extra_at);
    nd_buf_free_malloc(&c->link);
}

size_t capture_tag_count(const capture *c)
{
    return c->n_tags;
}

static int write_extra(void *ctx, nd_buf *b)
{
    capture *c = ctx;
    return nd_buf_append(b, c->extra.data, c->extra.len);
}

void capture_view(capture *c, nd_connector_view *v, nd_strv *tags, bool with_extra)
{
    memset(v, 0, sizeof *v);
    nd_strv *text[ND_F_COUNT] = {
        &v->id, NULL, &v->state, &v->display_name, NULL, &v->machine_name, &v->connector_version,
        NULL};
    for (int f = 0; f < ND_F_COUNT; f++)
        if (text[f] && c->has[f]) *text[f] = (nd_strv){c->text[f].data, c->text[f].len};
    if (c->has[ND_F_LAST_CONNECTION]) v->last_connection = c->dates[ND_F_LAST_CONNECTION];
    if (c->has[ND_F_ENROLLED]) v->enrolled = c->dates[ND_F_ENROLLED];
    v->has_role_tags = c->has[ND_F_ROLE_SCOPE_TAG_IDS];
    size_t off = 0;
    for (size_t i = 0; i < c->n_tags; i++) {
        size_t n;
        memcpy(&n, c->tags.data + off, sizeof n);
        tags[i] = (nd_strv){c->tags.data + off + sizeof n, n};
        off += sizeof n + n;
    }
    v->role_tags = tags;
    v->n_role_tags = c->n_tags;
    if (with_extra && c->n_extra) {
        v->n_extra = c->n_extra;
        v->write_extra = write_extra;
        v->extra_ctx = c;
    }
}

static bool same_buf(const nd_buf *a, const nd_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

bool capture_equal(const capture *a, const capture *b, bool extra)
{
    for (int f = 0; f < ND_F_COUNT; f++) {
        if (a->has[f] != b->has[f]) return false;
        if (!a->has[f]) continue;
        if (nd_field_kind[f] == ND_K_DATETIME) {
            const nd_datetime *x = &a->dates[f], *y = &b->dates[f];
            if (x->year != y->year || x->month != y->month || x->day != y->day ||
                x->hour != y->hour || x->minute != y->minute || x->second != y->second ||
                x->usec != y->usec || x->offset_min != y->offset_min)
                return false;
        } else if (nd_field_kind[f] != ND_K_STR_LIST && !same_buf(&a->text[f], &b->text[f])) {
            return false;
        }
    }
    if (a->n_tags != b->n_tags || !same_buf(&a->tags, &b->tags)) return false;
    return !extra || (a->n_extra == b->n_extra && same_buf(&a->extra, &b->extra));
}

/* Pair i of the additional data: its `,"key":value` text. */
static nd_strv extra_pair(const capture *c, size_t i)
{
    size_t start, end = c->extra.len;
    memcpy(&start, c->extra_at.data + i * sizeof start, sizeof start);
    if (i + 1 < c->n_extra) memcpy(&end, c->extra_at.data + (i + 1) * sizeof end, sizeof end);
    return (nd_strv){c->extra.data + start, end - start};
}

bool capture_equal_any_order(const capture *a, const capture *b)
{
    if (!capture_equal(a, b, false) || a->n_extra != b->n_extra || a->extra.len != b->extra.len)
        return false;
    if (a->has_link != b->has_link || a->n_items != b->n_items) return false;
    if (a->has_link && !same_buf(&a->link, &b->link)) return false;
    /* Keys are unique within an object: each pair of a is in b once. Quadratic, but fuzz
     * inputs hold few pairs. */
    for (size_t i = 0; i < a->n_extra; i++) {
        nd_strv x = extra_pair(a, i);
        bool found = false;
        for (size_t j = 0; j < b->n_extra && !found; j++) {
            nd_strv y = extra_pair(b, j);
            found = x.len == y.len && memcmp(x.ptr, y.ptr, x.len) == 0;
        }
        if (!found) return false;
    }
    return true;
}

bool decode_result_ok(int rc, const nd_error *err, size_t size)
{
    if (rc == ND_OK) return true;
    if (rc != ND_ERR_DECODE || err->offset > size) return false;
    bool ascii;
    size_t n = strlen(err->msg);
    return nd_utf8_check(err->msg, n, &ascii) == n;
}

bool capture_reencodes(capture *a, bool json)
{
    capture b;
    nd_error err;
    nd_buf out;
    nd_connector_view v;
    nd_strv *tags = malloc(sizeof *tags * (a->n_tags + 1));
    capture_init(&b);
    nd_buf_init_malloc(&out);
    /* MessagePack needs container counts that the captured JSON text of additional data does
     * not carry, so that format compares the known fields only. */
    capture_view(a, &v, tags, json);
    bool same =
        (json ? nd_json_write_connector(&out, &v) : nd_mp_write_connector(&out, &v)) == ND_OK &&
        (json ? nd_json_read_connector(out.data, out.len, &b.base, &err)
              : nd_mp_read_connector(out.data, out.len, &b.base, &err)) == ND_OK &&
        capture_equal(a, &b, json);
    nd_buf_free_malloc(&out);
    capture_free(&b);
    free(tags);
    return same;
}
