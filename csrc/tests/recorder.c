#include "recorder.h"

#include <stdarg.h>
#include <stdio.h>

static int out(recorder *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->text + r->len, sizeof r->text - r->len, fmt, ap);
    va_end(ap);
    if (n > 0) r->len += (size_t)n;
    if (r->len >= sizeof r->text) r->len = sizeof r->text - 1;
    return 0;
}

/* Containers print their items separated by ','; a flag per level says whether one was seen. */
static int sep(recorder *r)
{
    if (r->len && r->text[r->len - 1] != '[' && r->text[r->len - 1] != '{' &&
        r->text[r->len - 1] != '=' && r->text[r->len - 1] != ':')
        return out(r, ",");
    return 0;
}

#define R ((recorder *)s)
static int on_str(nd_sink *s, nd_field f, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    if (f == ND_F_ROLE_SCOPE_TAG_IDS) return sep(R), out(R, "\"%.*s\"", (int)n, p);
    return out(R, " %s=\"%.*s\"", nd_field_wire[f].ptr, (int)n, p);
}
static int on_null(nd_sink *s, nd_field f)
{
    return out(R, " %s=null", nd_field_wire[f].ptr);
}
static int on_datetime(nd_sink *s, nd_field f, const nd_datetime *dt)
{
    char text[ND_DATETIME_MAX + 1];
    text[nd_datetime_format(dt, text)] = '\0';
    return out(R, " %s=@%s", nd_field_wire[f].ptr, text);
}
static int on_state(nd_sink *s, nd_state st, const char *raw, size_t n, bool ascii)
{
    (void)ascii;
    return out(R, " state=%d:%.*s", (int)st, (int)n, raw);
}
static int on_list(nd_sink *s, nd_field f, size_t hint)
{
    (void)hint;
    return out(R, " %s=", nd_field_wire[f].ptr);
}
static int on_extra(nd_sink *s, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    if (n == 3 && memcmp(p, "dup", 3) == 0) return ND_SINK_DUPLICATE;
    return out(R, " extra:%.*s=", (int)n, p);
}
static int v_null(nd_sink *s)
{
    return sep(R), out(R, "null");
}
static int v_bool(nd_sink *s, bool v)
{
    return sep(R), out(R, v ? "true" : "false");
}
static int v_int(nd_sink *s, int64_t v)
{
    return sep(R), out(R, "%lld", (long long)v);
}
static int v_uint(nd_sink *s, uint64_t v)
{
    return sep(R), out(R, "u%llu", (unsigned long long)v);
}
static int v_bigint(nd_sink *s, const char *p, size_t n)
{
    return sep(R), out(R, "big:%.*s", (int)n, p);
}
static int v_float(nd_sink *s, double v)
{
    return sep(R), out(R, "%g", v);
}
static int v_float_text(nd_sink *s, const char *p, size_t n)
{
    if (n == 5 && memcmp(p, "1e999", 5) == 0) return ND_SINK_OUT_OF_RANGE;
    return sep(R), out(R, "f:%.*s", (int)n, p);
}
static int v_str(nd_sink *s, const char *p, size_t n, bool ascii)
{
    return sep(R), out(R, "%s\"%.*s\"", ascii ? "" : "u", (int)n, p);
}
static int v_array_begin(nd_sink *s, size_t hint)
{
    (void)hint;
    return sep(R), out(R, "[");
}
static int v_array_end(nd_sink *s)
{
    return out(R, "]");
}
static int v_map_begin(nd_sink *s, size_t hint)
{
    (void)hint;
    return sep(R), out(R, "{");
}
static int v_map_key(nd_sink *s, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    return sep(R), out(R, "%.*s:", (int)n, p);
}
static int v_map_end(nd_sink *s)
{
    return out(R, "}");
}
#undef R

static int item_begin(nd_sink *s, size_t i)
{
    return out((recorder *)s, " <%zu>", i);
}
static int item_end(nd_sink *s, size_t i)
{
    return out((recorder *)s, " </%zu>", i);
}

static int next_link(nd_sink *s, const char *p, size_t n, bool ascii)
{
    (void)ascii;
    return out((recorder *)s, " next=\"%.*s\"", (int)n, p);
}

static const nd_sink_vt recorder_vt = {
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
    .v_bigint = v_bigint,
    .v_float = v_float,
    .v_float_text = v_float_text,
    .v_str = v_str,
    .v_array_begin = v_array_begin,
    .v_array_end = v_array_end,
    .v_map_begin = v_map_begin,
    .v_map_key = v_map_key,
    .v_map_end = v_map_end,
    .item_begin = item_begin,
    .item_end = item_end,
    .next_link = next_link,
};

void recorder_init(recorder *r)
{
    r->base.vt = &recorder_vt;
    r->len = 0;
    r->text[0] = '\0';
}

static const char *finish(recorder *r, int rc, const nd_error *err)
{
    if (rc == ND_ERR_DECODE)
        snprintf(r->text, sizeof r->text, "ERROR@%zu: %s", err->offset, err->msg);
    else if (rc != ND_OK)
        snprintf(r->text, sizeof r->text, "FAILED %d", rc);
    return r->text;
}

const char *record_json(recorder *r, const char *data, size_t n)
{
    nd_error err;
    recorder_init(r);
    return finish(r, nd_json_read_connector(data, n, &r->base, &err), &err);
}

const char *record_mp(recorder *r, const char *data, size_t n)
{
    nd_error err;
    recorder_init(r);
    return finish(r, nd_mp_read_connector(data, n, &r->base, &err), &err);
}

const char *record_json_array(recorder *r, const char *data, size_t n)
{
    nd_error err;
    recorder_init(r);
    return finish(r, nd_json_read_connectors(data, n, &r->base, &err), &err);
}

const char *record_mp_array(recorder *r, const char *data, size_t n)
{
    nd_error err;
    recorder_init(r);
    return finish(r, nd_mp_read_connectors(data, n, &r->base, &err), &err);
}

const char *record_json_page(recorder *r, const char *data, size_t n)
{
    nd_error err;
    recorder_init(r);
    return finish(r, nd_json_read_page(data, n, &r->base, &err), &err);
}

const char *record_mp_page(recorder *r, const char *data, size_t n)
{
    nd_error err;
    recorder_init(r);
    return finish(r, nd_mp_read_page(data, n, &r->base, &err), &err);
}
