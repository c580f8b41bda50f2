/* Differential: a valid document's members, in wire order (@odata.type, the fields, then the
 * rest as they came) and in a random order, must decode to the same connector as the document
 * itself, through the single, array and page readers alike. The round-trip targets only ever
 * see the writer's order, so they cannot see a reader that depends on it.
 *
 * Input: byte 0 bit 0 picks the format (JSON, MessagePack), bytes 1-4 seed the order, the rest
 * is the document. */
#include <msgpack.h>
#include <stdlib.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MEMBERS 64

typedef struct {
    size_t at, len; /* the member's bytes: `"key":value` (JSON), key then value (MessagePack) */
    int rank;       /* its place in wire order */
} member;

typedef struct {
    size_t head, tail; /* the document is p[0:head] members... p[tail:n] */
    size_t count;
    member m[MAX_MEMBERS];
} members;

static int rank_of(const char *key, size_t n)
{
    nd_field f;
    switch (nd_classify_key(key, n, &f)) {
    case ND_KEY_ODATA_TYPE:
        return 0;
    case ND_KEY_FIELD:
        return 1 + (int)f;
    default:
        return 100;
    }
}

/* A JSON object's members, cut at its top-level commas. The text is valid JSON (it decoded). */
static bool split_json(const uint8_t *p, size_t n, members *out)
{
    size_t i = 0;
    while (i < n && p[i] != '{')
        i++;
    if (i == n) return false;
    out->head = i + 1;
    out->count = 0;
    size_t start = i + 1;
    int depth = 0;
    bool in_str = false, esc = false;
    for (; i < n; i++) {
        uint8_t c = p[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']' || (c == ',' && depth == 1)) {
            if (depth == 1) {
                if (out->count == MAX_MEMBERS) return false;
                out->m[out->count++] = (member){start, i - start, 100};
                start = i + 1;
            }
            if (c != ',' && --depth == 0) {
                out->tail = i;
                break;
            }
        }
    }
    if (depth != 0) return false;
    /* `{ }` has one blank "member": none */
    if (out->count == 1) {
        bool blank = true;
        for (size_t k = 0; k < out->m[0].len; k++)
            blank &= p[out->m[0].at + k] <= ' ';
        if (blank) out->count = 0;
    }
    for (size_t k = 0; k < out->count; k++) {
        const uint8_t *q = p + out->m[k].at, *end = q + out->m[k].len;
        while (q < end && *q != '"')
            q++;
        const uint8_t *key = q + 1, *e = key;
        while (e < end && *e != '"' && *e != '\\')
            e++;
        /* an escaped key keeps rank 100: any order is a fair test */
        if (e < end && *e == '"') out->m[k].rank = rank_of((const char *)key, (size_t)(e - key));
    }
    return true;
}

/* A MessagePack map's members, each found by msgpack-c. The bytes are a valid map (they
 * decoded). */
static bool split_mp(const uint8_t *p, size_t n, members *out)
{
    if (n == 0) return false;
    size_t count, off;
    if ((p[0] & 0xf0) == 0x80) {
        count = p[0] & 0x0f;
        off = 1;
    } else if (p[0] == 0xde && n >= 3) {
        count = (size_t)p[1] << 8 | p[2];
        off = 3;
    } else if (p[0] == 0xdf && n >= 5) {
        count = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
        off = 5;
    } else {
        return false;
    }
    if (count > MAX_MEMBERS) return false;
    out->head = off;
    out->count = count;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    bool ok = true;
    for (size_t k = 0; ok && k < count; k++) {
        size_t at = off;
        ok = msgpack_unpack_next(&u, (const char *)p, n, &off) == MSGPACK_UNPACK_SUCCESS;
        int rank = 100;
        if (ok && u.data.type == MSGPACK_OBJECT_STR)
            rank = rank_of(u.data.via.str.ptr, u.data.via.str.size);
        ok = ok && msgpack_unpack_next(&u, (const char *)p, n, &off) == MSGPACK_UNPACK_SUCCESS;
        out->m[k] = (member){at, off - at, rank};
    }
    msgpack_unpacked_destroy(&u);
    out->tail = off;
    return ok;
}

/* The document with its members in the order given. */
static void rebuild(const uint8_t *p, size_t n, const members *ms, const size_t *order, bool json,
                    nd_buf *out)
{
    out->len = 0;
    nd_buf_append(out, (const char *)p, ms->head);
    for (size_t k = 0; k < ms->count; k++) {
        if (json && k > 0) nd_buf_append(out, ",", 1);
        const member *m = &ms->m[order[k]];
        nd_buf_append(out, (const char *)p + m->at, m->len);
    }
    nd_buf_append(out, (const char *)p + ms->tail, n - ms->tail);
}

typedef int (*reader_fn)(const char *data, size_t n, nd_sink *sink, nd_error *err);

static int decode(reader_fn read, const nd_buf *doc, capture *c)
{
    nd_error err;
    capture_init(c);
    int rc = read(doc->data, doc->len, &c->base, &err);
    if (!decode_result_ok(rc, &err, doc->len)) abort();
    return rc;
}

/* The one connector of an array or page reads as the document did. */
static bool same_item(const capture *one, const capture *item, bool link)
{
    return capture_equal(one, item, false) && one->n_extra == item->n_extra &&
           one->extra.len == item->extra.len && item->n_items == 1 && item->has_link == link &&
           (!link || (item->link.len == 1 && item->link.data[0] == 'n'));
}

/* The document as the only item of an array and of a page, envelope members in either order. */
static void check_wrapped(const nd_buf *doc, const capture *one, bool json, bool link_first)
{
    nd_buf w;
    capture c;
    nd_buf_init_malloc(&w);
    if (json) {
        nd_buf_append(&w, "[", 1);
        nd_buf_append(&w, doc->data, doc->len);
        nd_buf_append(&w, "]", 1);
    } else {
        nd_buf_append(&w, "\x91", 1);
        nd_buf_append(&w, doc->data, doc->len);
    }
    if (decode(json ? nd_json_read_connectors : nd_mp_read_connectors, &w, &c) != ND_OK ||
        !same_item(one, &c, false))
        abort();
    capture_free(&c);

    static const char link_json[] = "\"@odata.nextLink\":\"n\"",
                      link_mp[] = "\xaf@odata.nextLink\xa1n";
    w.len = 0;
    if (json) {
        nd_buf_append(&w, "{\"@odata.context\":\"x\",", 22);
        if (link_first)
            nd_buf_append(&w, link_json, sizeof link_json - 1), nd_buf_append(&w, ",", 1);
        nd_buf_append(&w, "\"value\":[", 9);
        nd_buf_append(&w, doc->data, doc->len);
        nd_buf_append(&w, "]", 1);
        if (!link_first)
            nd_buf_append(&w, ",", 1), nd_buf_append(&w, link_json, sizeof link_json - 1);
        nd_buf_append(&w, "}", 1);
    } else {
        nd_buf_append(&w, "\x82", 1);
        if (link_first) nd_buf_append(&w, link_mp, sizeof link_mp - 1);
        nd_buf_append(&w, "\xa5value\x91", 7);
        nd_buf_append(&w, doc->data, doc->len);
        if (!link_first) nd_buf_append(&w, link_mp, sizeof link_mp - 1);
    }
    if (decode(json ? nd_json_read_page : nd_mp_read_page, &w, &c) != ND_OK ||
        !same_item(one, &c, true))
        abort();
    capture_free(&c);
    nd_buf_free_malloc(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5) return 0;
    bool json = !(data[0] & 1);
    uint32_t seed = ((uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
                     (uint32_t)data[4] << 24) |
                    1;
    const uint8_t *p = data + 5;
    size_t n = size - 5;
    reader_fn read = json ? nd_json_read_connector : nd_mp_read_connector;

    nd_buf doc;
    nd_buf_init_malloc(&doc);
    nd_buf_append(&doc, (const char *)p, n);
    capture given, canonical, shuffled;
    int rc = decode(read, &doc, &given);
    members ms;
    if (rc != ND_OK || !(json ? split_json(p, n, &ms) : split_mp(p, n, &ms))) {
        capture_free(&given);
        nd_buf_free_malloc(&doc);
        return 0;
    }

    size_t order[MAX_MEMBERS];
    /* wire order: a stable sort by rank */
    for (size_t k = 0; k < ms.count; k++) {
        size_t j = k;
        for (; j > 0 && ms.m[order[j - 1]].rank > ms.m[k].rank; j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
    rebuild(p, n, &ms, order, json, &doc);
    if (decode(read, &doc, &canonical) != ND_OK || !capture_equal_any_order(&given, &canonical))
        abort();
    /* a random order: Fisher-Yates driven by xorshift */
    for (size_t k = 0; k < ms.count; k++)
        order[k] = k;
    for (size_t k = ms.count; k > 1; k--) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        size_t j = seed % k, t = order[k - 1];
        order[k - 1] = order[j];
        order[j] = t;
    }
    rebuild(p, n, &ms, order, json, &doc);
    if (decode(read, &doc, &shuffled) != ND_OK || !capture_equal_any_order(&given, &shuffled))
        abort();
    check_wrapped(&doc, &given, json, seed & 2);

    capture_free(&given);
    capture_free(&canonical);
    capture_free(&shuffled);
    nd_buf_free_malloc(&doc);
    return 0;
}
