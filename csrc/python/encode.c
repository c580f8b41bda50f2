/* Encoding a connector: its fields as views for the core, which writes straight into a bytes
 * object that grows in place and is shrunk to size at the end. */
#include "ndes_py.h"

#include "json_write.h"
#include "mp_write.h"

static int bytes_grow(nd_buf *b, size_t extra)
{
    size_t need = b->len + extra, cap = b->cap * 2;
    if (cap < need) cap = need;
    if (cap > PY_SSIZE_T_MAX) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *bytes = b->owner;
    if (_PyBytes_Resize(&bytes, (Py_ssize_t)cap) < 0) {
        b->owner = NULL; /* freed by _PyBytes_Resize */
        return -1;
    }
    b->owner = bytes;
    b->data = PyBytes_AS_STRING(bytes);
    b->cap = cap;
    return 0;
}

static int bytes_init(nd_buf *b, size_t cap)
{
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cap);
    if (!bytes) return -1;
    b->owner = bytes;
    b->data = PyBytes_AS_STRING(bytes);
    b->len = 0;
    b->cap = cap;
    b->grow = bytes_grow;
    return 0;
}

static PyObject *bytes_finish(nd_buf *b)
{
    PyObject *bytes = b->owner;
    if (_PyBytes_Resize(&bytes, (Py_ssize_t)b->len) < 0) return NULL;
    return bytes;
}

typedef struct {
    ModState *st;
    PyObject *extra;
    ValueFormat fmt;
} Extras;

static int write_extras(void *ctx, nd_buf *b)
{
    Extras *x = ctx;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(x->extra, &pos, &key, &value)) {
        if (check_extra_key(x->st, key) < 0) return -1;
        Py_ssize_t n;
        const char *k = PyUnicode_AsUTF8AndSize(key, &n);
        if (!k) return -1;
        int r = x->fmt == VALUE_JSON
                    ? (nd_buf_append(b, ",", 1) < 0 || nd_json_write_str(b, k, (size_t)n) < 0 ||
                       nd_buf_append(b, ":", 1) < 0)
                    : nd_mp_write_str(b, k, (size_t)n) < 0;
        if (r) {
            if (!PyErr_Occurred()) PyErr_NoMemory();
            return -1;
        }
        if (write_value(x->st, value, x->fmt, b, key) < 0) return -1;
    }
    return 0;
}

/* A view of one str field; its UTF-8 was checked when it was set. */
static int str_view(ModState *st, PyObject *s, nd_strv *out, size_t *total, nd_field f)
{
    if (!s) {
        out->ptr = NULL;
        return 0;
    }
    Py_ssize_t n;
    out->ptr = utf8_of(st, s, &n, nd_field_wire[f].ptr);
    out->len = (size_t)n;
    *total += (size_t)n;
    return out->ptr ? 0 : -1;
}

#define STACK_TAGS 16

PyObject *encode_connector(Connector *c, ValueFormat fmt)
{
    ModState *st = state_of((PyObject *)c);
    nd_connector_view v;
    nd_strv stack_tags[STACK_TAGS], *tags = stack_tags;
    size_t total = 0;
    PyObject *result = NULL;
    if (str_view(st, c->id, &v.id, &total, ND_F_ID) < 0 ||
        str_view(st, c->state, &v.state, &total, ND_F_STATE) < 0 ||
        str_view(st, c->display_name, &v.display_name, &total, ND_F_DISPLAY_NAME) < 0 ||
        str_view(st, c->machine_name, &v.machine_name, &total, ND_F_MACHINE_NAME) < 0 ||
        str_view(st, c->connector_version, &v.connector_version, &total, ND_F_CONNECTOR_VERSION) <
            0)
        return NULL;
    v.last_connection = c->last_connection;
    v.enrolled = c->enrolled;
    v.has_role_tags = c->role_scope_tag_ids != NULL;
    v.n_role_tags = 0;
    if (v.has_role_tags) {
        /* The list may have been changed in place since it was set: check its items again. */
        PyObject *list = c->role_scope_tag_ids;
        Py_ssize_t n = PyList_GET_SIZE(list);
        if (n > STACK_TAGS && !(tags = PyMem_Malloc(sizeof *tags * (size_t)n)))
            return PyErr_NoMemory();
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PyList_GET_ITEM(list, i);
            char name[48];
            snprintf(name, sizeof name, "roleScopeTagIds[%zd]", i);
            if (!PyUnicode_Check(item)) {
                raise_validation(st, name, "expected str, got %s", Py_TYPE(item)->tp_name);
                goto done;
            }
            Py_ssize_t len;
            if (!(tags[i].ptr = utf8_of(st, item, &len, name))) goto done;
            tags[i].len = (size_t)len;
            total += (size_t)len + 3;
        }
        v.n_role_tags = (size_t)n;
    }
    v.role_tags = tags;
    Extras extras = {st, c->additional_data, fmt};
    v.n_extra = c->additional_data ? (size_t)PyDict_GET_SIZE(c->additional_data) : 0;
    v.write_extra = write_extras;
    v.extra_ctx = &extras;

    nd_buf b;
    /* Keys, dates and punctuation of a full connector fit in 300 bytes; escapes may grow it. */
    if (bytes_init(&b, total + 300) < 0) goto done;
    int rc = fmt == VALUE_JSON ? nd_json_write_connector(&b, &v) : nd_mp_write_connector(&b, &v);
    if (rc != ND_OK) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        Py_XDECREF((PyObject *)b.owner);
        goto done;
    }
    result = bytes_finish(&b);
done:
    if (tags != stack_tags) PyMem_Free(tags);
    return result;
}

static int put_wire(PyObject *d, nd_field f, PyObject *v)
{
    if (!v) return -1;
    PyObject *key =
        PyUnicode_FromStringAndSize(nd_field_wire[f].ptr, (Py_ssize_t)nd_field_wire[f].len);
    int r = key ? PyDict_SetItem(d, key, v) : -1;
    Py_XDECREF(key);
    Py_DECREF(v);
    return r;
}

static PyObject *datetime_text(const nd_datetime *dt)
{
    char text[ND_DATETIME_MAX];
    size_t n = nd_datetime_format(dt, text);
    return PyUnicode_FromStringAndSize(text, (Py_ssize_t)n);
}

/* The document to_json writes, as Python objects: json.loads(c.to_json()) == c.to_dict(). */
PyObject *connector_to_dict(Connector *c)
{
    ModState *st = state_of((PyObject *)c);
    PyObject *d = Py_BuildValue("{ss}", ND_ODATA_TYPE_KEY, ND_ODATA_TYPE);
    if (!d) return NULL;
    for (int i = 0; i < ND_F_COUNT; i++) {
        nd_field f = (nd_field)i;
        PyObject *v = NULL;
        if (nd_field_kind[f] == ND_K_DATETIME) {
            if (!dt_slot(c, f)->present) continue;
            v = datetime_text(dt_slot(c, f));
        } else {
            PyObject *slot = *obj_slot(c, f);
            if (!slot) continue;
            if (nd_field_kind[f] == ND_K_STATE)
                v = PyUnicode_FromObject(slot); /* the plain str value, member or not */
            else if (nd_field_kind[f] == ND_K_STR_LIST)
                v = PyList_GetSlice(slot, 0, PY_SSIZE_T_MAX);
            else
                v = Py_NewRef(slot);
        }
        if (put_wire(d, f, v) < 0) goto fail;
    }
    if (c->additional_data) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(c->additional_data, &pos, &key, &value)) {
            if (check_extra_key(st, key) < 0 || write_value(st, value, VALUE_CHECK, NULL, key) < 0)
                goto fail;
            PyObject *copy = copy_value(value);
            int r = copy ? PyDict_SetItem(d, key, copy) : -1;
            Py_XDECREF(copy);
            if (r < 0) goto fail;
        }
    }
    return d;
fail:
    Py_DECREF(d);
    return NULL;
}
