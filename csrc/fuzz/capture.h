/* A sink that keeps what a decoder reports as plain C data, so that a fuzz target can encode it
 * again and compare: the known fields, and additional data as canonical JSON text. */
#ifndef NDES_CAPTURE_H
#define NDES_CAPTURE_H

#include "connector.h"

typedef struct {
    nd_sink base;
    nd_buf text[ND_F_COUNT]; /* str and state fields, by field */
    bool has[ND_F_COUNT];    /* set, and not null */
    nd_datetime dates[ND_F_COUNT];
    nd_buf tags; /* role scope tags, each as a length then its bytes */
    size_t n_tags;
    nd_buf extra; /* `,"key":value` pairs, as JSON */
    size_t n_extra;
    nd_buf extra_at; /* where each pair starts in extra (size_t each) */
    nd_buf link;     /* a page's @odata.nextLink */
    bool has_link;
    size_t n_items; /* items of an array or page begun */
    int depth;      /* of the additional value being written */
    bool first[ND_MAX_DEPTH + 1];
} capture;

void capture_init(capture *c);
void capture_free(capture *c);

/* A view of the captured connector, for the encoders. With with_extra false, the additional
 * data is left out (MessagePack needs counts that JSON text does not carry). */
void capture_view(capture *c, nd_connector_view *v, nd_strv *tags, bool with_extra);
size_t capture_tag_count(const capture *c);

/* True when both hold the same known fields (and the same additional data when `extra`). */
bool capture_equal(const capture *a, const capture *b, bool extra);

/* The same, additional data compared as a set of pairs (whatever order they came in). */
bool capture_equal_any_order(const capture *a, const capture *b);

/* What `a` holds, written as JSON (json) or MessagePack and read back, compares equal. */
bool capture_reencodes(capture *a, bool json);

/* A decoder's result is acceptable: success, or a decode error that points inside the input
 * (or at its end) and whose message is valid UTF-8. */
bool decode_result_ok(int rc, const nd_error *err, size_t size);

#endif
