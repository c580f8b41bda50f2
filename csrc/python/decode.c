/* Decoding: the sink the core's readers fill, building the connector and its additional data
 * directly, with no intermediate dict. */
#include "ndes_py.h"

typedef struct {
    nd_sink base;
    ModState *st;
    PyTypeObject *type;
    PyObject *items;     /* arrays of connectors: the list being built */
    PyObject *next_link; /* pages: the @odata.nextLink, or NULL */
    /* The connector being filled, hidden from the garbage collector until it is complete
     * (connector_alloc_untracked): a finalizer run by one of the decode's allocations could
     * otherwise reach it through gc.get_objects() and empty the slots the sink goes on filling. */
    Connector *c;
    PyObject *extra_key;               /* the additional property whose value comes next */
    PyObject *stack[ND_MAX_DEPTH];     /* open containers of additional data (owned) */
    PyObject *stack_key[ND_MAX_DEPTH]; /* per open dict: the key whose value comes next */
    int depth;
} Builder;

/* A decoded string as a str. Its bytes are made into the object before anything else is
 * allocated: they are valid only until the next call that can run Python code. */
static PyObject *text_to_str(const char *p, size_t n, bool ascii)
{
    return ascii ? ascii_to_str(p, n) : PyUnicode_DecodeUTF8(p, (Py_ssize_t)n, "strict");
}

/* A str field's value, or an item of the tag list opened by on_list_begin. The values that
 * repeat across a tenant's connectors, its connector versions and role scope tags, share strs. */
static int on_str(nd_sink *s, nd_field f, const char *p, size_t n, bool ascii)
{
    Builder *bd = (Builder *)s;
    Connector *c = bd->c;
    bool repeats = f == ND_F_CONNECTOR_VERSION || f == ND_F_ROLE_SCOPE_TAG_IDS;
    PyObject *v = ascii && repeats ? shared_ascii_str(bd->st, p, n) : text_to_str(p, n, ascii);
    if (!v) return -1;
    if (f == ND_F_ROLE_SCOPE_TAG_IDS) {
        int r = PyList_Append(c->role_scope_tag_ids, v);
        Py_DECREF(v);
        return r;
    }
    Py_XSETREF(*obj_slot(c, f), v);
    return 0;
}

static int on_null(nd_sink *s, nd_field f)
{
    Builder *bd = (Builder *)s;
    if (nd_field_kind[f] == ND_K_DATETIME) return set_date(bd->st, bd->c, f, NULL);
    Py_XSETREF(*obj_slot(bd->c, f), Py_NewRef(Py_None));
    return 0;
}

static int on_datetime(nd_sink *s, nd_field f, const nd_datetime *dt)
{
    Builder *bd = (Builder *)s;
    return set_date(bd->st, bd->c, f, dt);
}

static int on_state(nd_sink *s, nd_state st, const char *raw, size_t n, bool ascii)
{
    Builder *bd = (Builder *)s;
    PyObject *v = st == ND_STATE_UNKNOWN    ? text_to_str(raw, n, ascii)
                  : load_states(bd->st) < 0 ? NULL
                                            : Py_NewRef(bd->st->state_members[st]);
    if (!v) return -1;
    Py_XSETREF(bd->c->state, v);
    return 0;
}

static int on_list_begin(nd_sink *s, nd_field f, size_t hint)
{
    (void)hint;
    PyObject *list = PyList_New(0);
    if (!list) return -1;
    Py_XSETREF(*obj_slot(((Builder *)s)->c, f), list);
    return 0;
}

/* A key of a dict being built: its str, or ND_SINK_DUPLICATE when the dict has it already. */
static int new_key(PyObject *dict, const char *p, size_t n, bool ascii, PyObject **out)
{
    PyObject *key = text_to_str(p, n, ascii);
    if (!key) return -1;
    int has = PyDict_Contains(dict, key);
    if (has != 0) {
        Py_DECREF(key);
        return has < 0 ? -1 : ND_SINK_DUPLICATE;
    }
    Py_XSETREF(*out, key);
    return 0;
}

static int on_extra_key(nd_sink *s, const char *p, size_t n, bool ascii)
{
    Builder *bd = (Builder *)s;
    if (!bd->c->additional_data && !(bd->c->additional_data = PyDict_New())) return -1;
    return new_key(bd->c->additional_data, p, n, ascii, &bd->extra_key);
}

/* Places a finished value (stolen) where it belongs: in the open container or as the value of
 * the additional property. */
static int place(Builder *bd, PyObject *v)
{
    if (!v) return -1;
    int r;
    if (bd->depth == 0) {
        r = PyDict_SetItem(bd->c->additional_data, bd->extra_key, v);
    } else {
        PyObject *top = bd->stack[bd->depth - 1];
        r = PyList_Check(top) ? PyList_Append(top, v)
                              : PyDict_SetItem(top, bd->stack_key[bd->depth - 1], v);
    }
    Py_DECREF(v);
    return r;
}

static int v_null(nd_sink *s)
{
    return place((Builder *)s, Py_NewRef(Py_None));
}
static int v_bool(nd_sink *s, bool v)
{
    return place((Builder *)s, PyBool_FromLong(v));
}
static int v_int(nd_sink *s, int64_t v)
{
    return place((Builder *)s, PyLong_FromLongLong(v));
}
static int v_uint(nd_sink *s, uint64_t v)
{
    return place((Builder *)s, PyLong_FromUnsignedLongLong(v));
}
static int v_float(nd_sink *s, double v)
{
    return place((Builder *)s, PyFloat_FromDouble(v));
}
static int v_str(nd_sink *s, const char *p, size_t n, bool ascii)
{
    return place((Builder *)s, text_to_str(p, n, ascii));
}

/* Number texts come from the JSON grammar; they are copied to be NUL-terminated. */
static int number_text(Builder *bd, const char *p, size_t n, bool is_float)
{
    char small[64], *text = n < sizeof small ? small : PyMem_Malloc(n + 1);
    if (!text) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(text, p, n);
    text[n] = '\0';
    PyObject *v;
    int r = 0;
    if (is_float) {
        double d = PyOS_string_to_double(text, NULL, NULL);
        if (d == -1.0 && PyErr_Occurred())
            v = NULL;
        else if (!isfinite(d))
            v = NULL, r = ND_SINK_OUT_OF_RANGE;
        else
            v = PyFloat_FromDouble(d);
    } else {
        v = PyLong_FromString(text, NULL, 10);
        /* Beyond sys.get_int_max_str_digits(): a property of the input, not a usage error. */
        if (!v && PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            r = ND_SINK_OUT_OF_RANGE;
        }
    }
    if (text != small) PyMem_Free(text);
    return r ? r : place(bd, v);
}

static int v_bigint(nd_sink *s, const char *p, size_t n)
{
    return number_text((Builder *)s, p, n, false);
}
static int v_float_text(nd_sink *s, const char *p, size_t n)
{
    return number_text((Builder *)s, p, n, true);
}

static int open_container(Builder *bd, PyObject *container)
{
    if (!container) return -1;
    if (place(bd, Py_NewRef(container)) < 0) {
        Py_DECREF(container);
        return -1;
    }
    bd->stack_key[bd->depth] = NULL;
    bd->stack[bd->depth++] = container;
    return 0;
}

static int close_container(nd_sink *s)
{
    Builder *bd = (Builder *)s;
    bd->depth--;
    Py_CLEAR(bd->stack[bd->depth]);
    Py_CLEAR(bd->stack_key[bd->depth]);
    return 0;
}

static int v_array_begin(nd_sink *s, size_t hint)
{
    (void)hint;
    return open_container((Builder *)s, PyList_New(0));
}

static int v_map_begin(nd_sink *s, size_t hint)
{
    (void)hint;
    return open_container((Builder *)s, PyDict_New());
}

static int v_map_key(nd_sink *s, const char *p, size_t n, bool ascii)
{
    Builder *bd = (Builder *)s;
    return new_key(bd->stack[bd->depth - 1], p, n, ascii, &bd->stack_key[bd->depth - 1]);
}

/* Arrays of connectors: each item gets a fresh connector, appended to the result list. */
static int item_begin(nd_sink *s, size_t index)
{
    (void)index;
    Builder *bd = (Builder *)s;
    bd->c = connector_alloc_untracked(bd->st, bd->type);
    return bd->c ? 0 : -1;
}

static int item_end(nd_sink *s, size_t index)
{
    (void)index;
    Builder *bd = (Builder *)s;
    PyObject_GC_Track(bd->c);
    int r = PyList_Append(bd->items, (PyObject *)bd->c);
    Py_CLEAR(bd->c);
    return r;
}

static int on_next_link(nd_sink *s, const char *p, size_t n, bool ascii)
{
    Builder *bd = (Builder *)s;
    PyObject *link = text_to_str(p, n, ascii);
    if (!link) return -1;
    Py_XSETREF(bd->next_link, link);
    return 0;
}

static const nd_sink_vt builder_vt = {
    .str = on_str,
    .null = on_null,
    .datetime = on_datetime,
    .state = on_state,
    .list_begin = on_list_begin,
    .extra_key = on_extra_key,
    .v_null = v_null,
    .v_bool = v_bool,
    .v_int = v_int,
    .v_uint = v_uint,
    .v_bigint = v_bigint,
    .v_float = v_float,
    .v_float_text = v_float_text,
    .v_str = v_str,
    .v_array_begin = v_array_begin,
    .v_array_end = close_container,
    .v_map_begin = v_map_begin,
    .v_map_key = v_map_key,
    .v_map_end = close_container,
    .item_begin = item_begin,
    .item_end = item_end,
    .next_link = on_next_link,
};

/* The input's bytes: bytes, bytearray, memoryview or any contiguous buffer, or a str's UTF-8.
 * Bytes and str cannot change; any other buffer can (a bytearray, a memoryview of one, an
 * mmap), also while it is read, by a finalizer that an allocation of the decode runs: so it is
 * read from a private copy, *copy, which the caller frees. */
static int input_bytes(ModState *st, PyObject *data, ValueFormat fmt, nd_strv *in, char **copy)
{
    *copy = NULL;
    if (PyBytes_Check(data)) {
        in->ptr = PyBytes_AS_STRING(data);
        in->len = (size_t)PyBytes_GET_SIZE(data);
        return 0;
    }
    if (PyUnicode_Check(data)) {
        if (fmt != VALUE_JSON) {
            PyErr_SetString(PyExc_TypeError, "MessagePack input must be bytes-like, not str");
            return -1;
        }
        Py_ssize_t n;
        const char *p = PyUnicode_AsUTF8AndSize(data, &n);
        if (!p) {
            PyErr_Clear();
            raise_decode(st, "input str is not valid UTF-8 (lone surrogate)", 0);
            return -1;
        }
        *in = (nd_strv){p, (size_t)n};
        return 0;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        PyErr_Format(PyExc_TypeError, "expected bytes, bytearray, memoryview or str, got %s",
                     Py_TYPE(data)->tp_name);
        return -1;
    }
    *copy = PyMem_Malloc(view.len ? (size_t)view.len : 1);
    if (*copy) memcpy(*copy, view.buf, (size_t)view.len);
    *in = (nd_strv){*copy, (size_t)view.len};
    PyBuffer_Release(&view);
    if (!*copy) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

typedef enum { DECODE_ONE, DECODE_ARRAY, DECODE_PAGE } DecodeShape;

typedef int (*reader_fn)(const char *data, size_t n, nd_sink *sink, nd_error *err);
static const reader_fn readers[2][3] = {
    {nd_json_read_connector, nd_json_read_connectors, nd_json_read_page},
    {nd_mp_read_connector, nd_mp_read_connectors, nd_mp_read_page},
};

/* One connector, a list of them, or a page (a list and its next link) from JSON or MessagePack
 * input. */
static PyObject *decode(PyTypeObject *type, PyObject *data, ValueFormat fmt, DecodeShape shape)
{
    bool as_list = shape != DECODE_ONE;
    ModState *st = state_of_type(type);
    nd_strv in;
    char *copy;
    if (input_bytes(st, data, fmt, &in, &copy) < 0) return NULL;
    /* Field by field: an initializer would also zero the 1 KiB of container stack. */
    Builder bd;
    bd.base.vt = &builder_vt;
    bd.st = st;
    bd.type = type;
    bd.items = NULL;
    bd.next_link = NULL;
    bd.c = NULL;
    bd.extra_key = NULL;
    bd.depth = 0;
    if (as_list)
        bd.items = PyList_New(0);
    else
        bd.c = connector_alloc_untracked(st, type);
    if (as_list ? !bd.items : !bd.c) {
        PyMem_Free(copy);
        return NULL;
    }
    nd_error err;
    const char *p = in.ptr;
    size_t n = in.len;
    int rc = readers[fmt != VALUE_JSON][shape](p, n, &bd.base, &err);
    PyMem_Free(copy);
    while (bd.depth > 0)
        close_container(&bd.base);
    Py_XDECREF(bd.extra_key);
    PyObject *result = as_list ? bd.items : (PyObject *)bd.c;
    if (as_list) Py_XDECREF(bd.c); /* an item left half-built by an error */
    if (rc == ND_OK && !as_list) PyObject_GC_Track(bd.c);
    if (rc == ND_OK && shape == DECODE_PAGE) {
        PyObject *page = PyTuple_Pack(2, result, bd.next_link ? bd.next_link : Py_None);
        Py_DECREF(result);
        Py_XDECREF(bd.next_link);
        return page;
    }
    Py_XDECREF(bd.next_link);
    if (rc == ND_OK) return result;
    Py_DECREF(result);
    if (rc == ND_ERR_DECODE) return raise_decode(st, err.msg, err.offset);
    if (!PyErr_Occurred()) PyErr_NoMemory();
    return NULL;
}

PyObject *decode_connector(PyTypeObject *type, PyObject *data, ValueFormat fmt)
{
    return decode(type, data, fmt, DECODE_ONE);
}

PyObject *decode_connectors(PyTypeObject *type, PyObject *data, ValueFormat fmt)
{
    return decode(type, data, fmt, DECODE_ARRAY);
}

PyObject *decode_page(PyTypeObject *type, PyObject *data, ValueFormat fmt)
{
    return decode(type, data, fmt, DECODE_PAGE);
}

/* One entry of from_dict()'s dict, key and value held by the caller. */
static int from_dict_entry(ModState *st, Connector *c, PyObject *key, PyObject *value)
{
    if (!PyUnicode_Check(key)) {
        raise_validation(st, "from_dict", "keys must be str, got %s", Py_TYPE(key)->tp_name);
        return -1;
    }
    Py_ssize_t n;
    const char *k = utf8_of(st, key, &n, "from_dict");
    if (!k) return -1;
    nd_field f;
    switch (nd_classify_key(k, (size_t)n, &f)) {
    case ND_KEY_FIELD:
        return set_field(st, c, f, value, FROM_WIRE);
    case ND_KEY_ODATA_TYPE: {
        Py_ssize_t tn;
        const char *t = PyUnicode_Check(value) ? PyUnicode_AsUTF8AndSize(value, &tn) : NULL;
        if (!t || !nd_is_connector_type(t, (size_t)tn)) {
            PyErr_Clear();
            raise_validation(st, ND_ODATA_TYPE_KEY, "%R is not " ND_ODATA_TYPE, value);
            return -1;
        }
        return 0;
    }
    case ND_KEY_ANNOTATION:
        return 0;
    case ND_KEY_EXTRA:
    default: {
        PyObject *copy = copy_value(st, value, key);
        if (!copy) return -1;
        if (!c->additional_data && !(c->additional_data = PyDict_New())) {
            Py_DECREF(copy);
            return -1;
        }
        int r = PyDict_SetItem(c->additional_data, key, copy);
        Py_DECREF(copy);
        return r;
    }
    }
}

PyObject *connector_from_dict(PyTypeObject *type, PyObject *d)
{
    ModState *st = state_of_type(type);
    if (!PyDict_Check(d))
        return PyErr_Format(PyExc_TypeError, "from_dict() expects a dict, got %s",
                            Py_TYPE(d)->tp_name);
    Connector *c = connector_alloc(type);
    if (!c) return NULL;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    /* Each entry is held while it is used: utcoffset(), __repr__, __hash__ and finalizers may
     * change the caller's dict meanwhile. */
    while (PyDict_Next(d, &pos, &key, &value)) {
        Py_INCREF(key);
        Py_INCREF(value);
        int r = from_dict_entry(st, c, key, value);
        Py_DECREF(key);
        Py_DECREF(value);
        if (r < 0) {
            Py_DECREF(c);
            return NULL;
        }
    }
    return (PyObject *)c;
}
