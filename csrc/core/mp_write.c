#include "mp_write.h"

#include "connector.h"

static int write_key(nd_buf *b, nd_field f)
{
    return nd_mp_write_str(b, nd_field_wire[f].ptr, nd_field_wire[f].len);
}

static int write_str_field(nd_buf *b, nd_field f, nd_strv v)
{
    if (!v.ptr) return 0;
    return write_key(b, f) < 0 ? -1 : nd_mp_write_str(b, v.ptr, v.len);
}

/* Dates go as the same RFC 3339 text as in JSON: the timestamp extension cannot carry the
 * offset. */
static int write_datetime_field(nd_buf *b, nd_field f, const nd_datetime *dt)
{
    if (!dt->present) return 0;
    char text[ND_DATETIME_MAX];
    size_t n = nd_datetime_format(dt, text);
    return write_key(b, f) < 0 ? -1 : nd_mp_write_str(b, text, n);
}

static int write_list_field(nd_buf *b, nd_field f, const nd_strv *items, size_t n)
{
    if (write_key(b, f) < 0 || nd_mp_pack_array(b, n) < 0) return -1;
    for (size_t i = 0; i < n; i++)
        if (nd_mp_write_str(b, items[i].ptr, items[i].len) < 0) return -1;
    return 0;
}

int nd_mp_write_connector(nd_buf *b, const nd_connector_view *c)
{
    size_t count = 1 + !!c->id.ptr + c->last_connection.present + !!c->state.ptr +
                   !!c->display_name.ptr + c->enrolled.present + !!c->machine_name.ptr +
                   !!c->connector_version.ptr + c->has_role_tags + c->n_extra;
    static const char type_key[] = ND_ODATA_TYPE_KEY, type_value[] = ND_ODATA_TYPE;
    if (nd_mp_pack_map(b, count) < 0 || nd_mp_write_str(b, type_key, sizeof type_key - 1) < 0 ||
        nd_mp_write_str(b, type_value, sizeof type_value - 1) < 0 ||
        write_str_field(b, ND_F_ID, c->id) < 0 ||
        write_datetime_field(b, ND_F_LAST_CONNECTION, &c->last_connection) < 0 ||
        write_str_field(b, ND_F_STATE, c->state) < 0 ||
        write_str_field(b, ND_F_DISPLAY_NAME, c->display_name) < 0 ||
        write_datetime_field(b, ND_F_ENROLLED, &c->enrolled) < 0 ||
        write_str_field(b, ND_F_MACHINE_NAME, c->machine_name) < 0 ||
        write_str_field(b, ND_F_CONNECTOR_VERSION, c->connector_version) < 0 ||
        (c->has_role_tags &&
         write_list_field(b, ND_F_ROLE_SCOPE_TAG_IDS, c->role_tags, c->n_role_tags) < 0))
        return ND_ERR_NOMEM;
    if (c->n_extra && c->write_extra(c->extra_ctx, b) < 0) return ND_ERR_CALLBACK;
    return ND_OK;
}
