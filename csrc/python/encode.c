/* Encoding a connector: its fields as views for the core, which writes straight into a bytes
 * object that grows in place and is shrunk to size at the end. */
#include "ndes_py.h"

#include "json_write.h"
#include "mp_write.h"

/* Output starts in a buffer on the C stack, so a connector costs one allocation: the bytes
 * object of the exact size. A larger output moves into a bytes object that grows in place. */
#define STACK_OUTPUT 1024

static int bytes_grow(nd_buf *b, size_t extra)
{
    size_t need = b->len + extra, cap = b->cap * 2;
    if (cap < need) cap = need;
    if (cap > PY_SSIZE_T_MAX) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *bytes = b->owner;
    if (!bytes) { /* leaving the stack */
        bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cap);
        if (!bytes) return -1;
        memcpy(PyBytes_AS_STRING(bytes), b->data, b->len);
    } else if (_PyBytes_Resize(&bytes, (Py_ssize_t)cap) < 0) {
        b->owner = NULL; /* freed by _PyBytes_Resize */
        return -1;
    }
    b->owner = bytes;
    b->data = PyBytes_AS_STRING(bytes);
    b->cap = cap;
    return 0;
}

static PyObject *bytes_finish(nd_buf *b)
{
    PyObject *bytes = b->owner;
    if (!bytes) return PyBytes_FromStringAndSize(b->data, (Py_ssize_t)b->len);
    b->owner = NULL;
    if (_PyBytes_Resize(&bytes, (Py_ssize_t)b->len) < 0) return NULL;
    return bytes;
}

static void bytes_abandon(nd_buf *b)
{
    Py_CLEAR(b->owner);
}

typedef struct {
    ModState *st;
    ValueFormat fmt;
    nd_buf *b;
} Extras;

static int write_extra(void *ctx, PyObject *key, const char *k, size_t n, PyObject *value)
{
    Extras *x = ctx;
    nd_buf *b = x->b;
    int r = x->fmt == VALUE_JSON ? (nd_buf_append(b, ",", 1) < 0 ||
                                    nd_json_write_str(b, k, n) < 0 || nd_buf_append(b, ":", 1) < 0)
                                 : nd_mp_write_str(b, k, n) < 0;
    if (r) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        return -1;
    }
    return write_value(x->st, value, x->fmt, b, key);
}

typedef struct {
    Extras x;
    PyObject *extra;
} ExtrasOf;

static int write_extras(void *ctx, nd_buf *b)
{
    ExtrasOf *e = ctx;
    e->x.b = b;
    return for_each_extra(e->x.st, e->extra, write_extra, &e->x);
}

/* A view of one str field; its UTF-8 was checked when it was set. `none` is Py_None, loaded
 * once by the caller rather than once per field. */
static inline int str_view(ModState *st, Connector *c, nd_field f, PyObject *none, nd_strv *out)
{
    PyObject *s = *obj_slot(c, f);
    if (s == none) {
        out->ptr = NULL;
        return 0;
    }
    Py_ssize_t n;
    out->ptr = utf8_of(st, s, &n, nd_field_wire[f].ptr);
    out->len = (size_t)n;
    return out->ptr ? 0 : -1;
}

#define STACK_TAGS 16

/* Writes one connector into b: 0, or -1 with an exception set. */
static int write_connector(ModState *st, Connector *c, ValueFormat fmt, nd_buf *b)
{
    nd_connector_view v;
    nd_strv stack_tags[STACK_TAGS], *tags = stack_tags;
    PyObject *none = Py_None;
    if (str_view(st, c, ND_F_ID, none, &v.id) < 0 ||
        str_view(st, c, ND_F_STATE, none, &v.state) < 0 ||
        str_view(st, c, ND_F_DISPLAY_NAME, none, &v.display_name) < 0 ||
        str_view(st, c, ND_F_MACHINE_NAME, none, &v.machine_name) < 0 ||
        str_view(st, c, ND_F_CONNECTOR_VERSION, none, &v.connector_version) < 0)
        return -1;
    date_of(c, ND_F_LAST_CONNECTION, &v.last_connection);
    date_of(c, ND_F_ENROLLED, &v.enrolled);
    v.has_role_tags = c->role_scope_tag_ids != none;
    v.n_role_tags = 0;
    int rc = -1;
    if (v.has_role_tags) {
        /* The list may have been changed in place since it was set: check its items again. */
        PyObject *list = c->role_scope_tag_ids;
        Py_ssize_t n = PyList_GET_SIZE(list);
        if (n > STACK_TAGS && !(tags = PyMem_Malloc(sizeof *tags * (size_t)n))) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_ssize_t len;
            tags[i].ptr =
                str_item_utf8(st, PyList_GET_ITEM(list, i), &len, ND_F_ROLE_SCOPE_TAG_IDS, i);
            if (!tags[i].ptr) goto done;
            tags[i].len = (size_t)len;
        }
        v.n_role_tags = (size_t)n;
    }
    v.role_tags = tags;
    /* The views above point into this connector's strings and text block. Nothing from here
     * until the core has written them can run Python code: the only allocations are the output's
     * bytes and UTF-8 caches of str, neither of which is a container the collector counts. The
     * additional properties, whose walk may run Python code that changes the connector, come
     * last. */
    ExtrasOf extras = {{st, fmt, b}, c->additional_data};
    v.n_extra = c->additional_data ? (size_t)PyDict_GET_SIZE(c->additional_data) : 0;
    v.write_extra = write_extras;
    v.extra_ctx = &extras;
    rc = fmt == VALUE_JSON ? nd_json_write_connector(b, &v) : nd_mp_write_connector(b, &v);
    if (rc != ND_OK) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        rc = -1;
    }
done:
    if (tags != stack_tags) PyMem_Free(tags);
    return rc;
}

PyObject *encode_connector(Connector *c, ValueFormat fmt)
{
    char stack[STACK_OUTPUT];
    nd_buf b = {stack, 0, sizeof stack, bytes_grow, NULL};
    if (write_connector(state_of((PyObject *)c), c, fmt, &b) < 0) {
        bytes_abandon(&b);
        return NULL;
    }
    return bytes_finish(&b);
}

/* A ValidationError from item i gets the item's place in front of its field: [3].displayName */
static void name_item(ModState *st, Py_ssize_t i)
{
    if (!PyErr_ExceptionMatches(st->ValidationError)) return;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *field = value ? PyObject_GetAttrString(value, "field") : NULL;
    PyObject *reason = value ? PyObject_GetAttrString(value, "reason") : NULL;
    PyObject *placed = field ? PyUnicode_FromFormat("[%zd].%U", i, field) : NULL;
    if (placed && reason) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        raise_validation_obj(st, placed, reason);
    } else {
        PyErr_Restore(type, value, tb);
    }
    Py_XDECREF(field);
    Py_XDECREF(reason);
    Py_XDECREF(placed);
}

PyObject *encode_connectors(PyTypeObject *type, PyObject *items, ValueFormat fmt)
{
    ModState *st = state_of_type(type);
    PyObject *seq = PySequence_Fast(items, "expected a sequence of NdesConnector");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    char stack[STACK_OUTPUT];
    /* The output grows by doubling: items differ too much in size to foretell it from one. */
    nd_buf b = {stack, 0, sizeof stack, bytes_grow, NULL};
    int r = fmt == VALUE_JSON ? nd_buf_append(&b, "[", 1) : nd_mp_pack_array(&b, (size_t)n);
    for (Py_ssize_t i = 0; r == 0 && i < n; i++) {
        if (PySequence_Fast_GET_SIZE(seq) != n) { /* a list changed by an item's Python code */
            PyErr_SetString(PyExc_RuntimeError, "the sequence changed size while being encoded");
            r = -1;
            break;
        }
        PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(seq, i));
        if (Py_TYPE(item) != type) {
            PyErr_Format(PyExc_TypeError, "item %zd is %s, not an NdesConnector", i,
                         Py_TYPE(item)->tp_name);
            r = -1;
        } else if ((i && fmt == VALUE_JSON && nd_buf_append(&b, ",", 1) < 0) ||
                   write_connector(st, (Connector *)item, fmt, &b) < 0) {
            name_item(st, i);
            r = -1;
        }
        Py_DECREF(item);
    }
    if (r == 0 && fmt == VALUE_JSON) r = nd_buf_append(&b, "]", 1);
    Py_DECREF(seq);
    if (r < 0) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        bytes_abandon(&b);
        return NULL;
    }
    return bytes_finish(&b);
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

typedef struct {
    ModState *st;
    PyObject *d;
} DictOut;

static int copy_extra(void *ctx, PyObject *key, const char *k, size_t n, PyObject *value)
{
    (void)k, (void)n;
    DictOut *o = ctx;
    PyObject *copy = copy_value(o->st, value, key);
    int r = copy ? PyDict_SetItem(o->d, key, copy) : -1;
    Py_XDECREF(copy);
    return r;
}

/* The document to_json writes, as Python objects: json.loads(c.to_json()) == c.to_dict(), and
 * what to_json() refuses, to_dict() refuses with the same error. */
PyObject *connector_to_dict(Connector *c)
{
    ModState *st = state_of((PyObject *)c);
    PyObject *d = Py_BuildValue("{ss}", ND_ODATA_TYPE_KEY, ND_ODATA_TYPE);
    if (!d) return NULL;
    for (int i = 0; i < ND_F_COUNT; i++) {
        nd_field f = (nd_field)i;
        PyObject *v = NULL;
        if (nd_field_kind[f] == ND_K_DATETIME) {
            nd_datetime dt;
            date_of(c, f, &dt);
            if (!dt.present) continue;
            v = datetime_text(&dt);
        } else {
            /* Held: each allocation below may run a finalizer that sets this field. */
            PyObject *slot = Py_XNewRef(obj_value(c, f));
            if (!slot) continue;
            if (nd_field_kind[f] == ND_K_STATE)
                v = PyUnicode_FromObject(slot); /* the plain str value, member or not */
            else if (nd_field_kind[f] == ND_K_STR_LIST)
                v = checked_tags(st, slot); /* its items may have been changed in place */
            else
                v = Py_NewRef(slot);
            Py_DECREF(slot);
        }
        if (put_wire(d, f, v) < 0) goto fail;
    }
    DictOut out = {st, d};
    if (for_each_extra(st, c->additional_data, copy_extra, &out) < 0) goto fail;
    return d;
fail:
    Py_DECREF(d);
    return NULL;
}
