/* JSON-compatible values of additional data: one walk that checks them, and writes them as JSON
 * or MessagePack, naming the exact place of a bad value. */
#include "ndes_py.h"

#include "json_write.h"
#include "mp_write.h"

typedef struct {
    ModState *st;
    ValueFormat fmt;
    nd_buf *b;
    PyObject *key;                  /* the additional property */
    PyObject *keys[ND_MAX_DEPTH];   /* per level: the dict key, or NULL for a list... */
    Py_ssize_t index[ND_MAX_DEPTH]; /* ...and then its index */
    int depth;
} Walk;

/* Raises ValidationError with the value's path, e.g. additional_data['ext'][2]['when']. */
static int fail(Walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *reason = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    PyObject *path = PyUnicode_FromFormat("additional_data[%R]", w->key);
    for (int i = 0; path && i < w->depth; i++) {
        PyObject *step = w->keys[i] ? PyUnicode_FromFormat("%U[%R]", path, w->keys[i])
                                    : PyUnicode_FromFormat("%U[%zd]", path, w->index[i]);
        Py_SETREF(path, step);
    }
    if (reason && path) raise_validation_obj(w->st, path, reason);
    Py_XDECREF(reason);
    Py_XDECREF(path);
    return -1;
}

static int nomem(void)
{
    if (!PyErr_Occurred()) PyErr_NoMemory();
    return -1;
}

static int put(Walk *w, const char *s, size_t n)
{
    return nd_buf_append(w->b, s, n) < 0 ? nomem() : 0;
}

static int write_str(Walk *w, PyObject *s)
{
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(s, &n);
    if (!p) {
        PyErr_Clear();
        return fail(w, "string is not valid UTF-8 (lone surrogate)");
    }
    if (w->fmt == VALUE_CHECK) return 0;
    int r = w->fmt == VALUE_JSON ? nd_json_write_str(w->b, p, (size_t)n)
                                 : nd_mp_write_str(w->b, p, (size_t)n);
    return r < 0 ? nomem() : 0;
}

static int write_int(Walk *w, PyObject *v)
{
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred()) return -1;
    if (w->fmt == VALUE_CHECK) return 0;
    if (!overflow) {
        int r = w->fmt == VALUE_JSON ? nd_json_write_i64(w->b, x) : nd_mp_pack_int64(w->b, x);
        return r < 0 ? nomem() : 0;
    }
    if (w->fmt == VALUE_MSGPACK) {
        unsigned long long u = overflow > 0 ? PyLong_AsUnsignedLongLong(v) : 0;
        if (overflow < 0 || (u == (unsigned long long)-1 && PyErr_Occurred())) {
            PyErr_Clear();
            return fail(w, "integer %R does not fit MessagePack's 64 bits", v);
        }
        return nd_mp_pack_uint64(w->b, u) < 0 ? nomem() : 0;
    }
    PyObject *text = PyNumber_ToBase(v, 10);
    if (!text) return -1;
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(text, &n);
    int r = p ? put(w, p, (size_t)n) : -1;
    Py_DECREF(text);
    return r;
}

static int write_float(Walk *w, PyObject *v)
{
    double d = PyFloat_AS_DOUBLE(v);
    if (!isfinite(d)) return fail(w, "%R is not a JSON number", v);
    if (w->fmt == VALUE_MSGPACK) return nd_mp_pack_double(w->b, d) < 0 ? nomem() : 0;
    if (w->fmt == VALUE_CHECK) return 0;
    char *text = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (!text) return -1;
    int r = put(w, text, strlen(text));
    PyMem_Free(text);
    return r;
}

static int walk(Walk *w, PyObject *v);

static int enter(Walk *w)
{
    /* The connector object is level 1 and the property's value level 2. */
    if (w->depth + 2 > ND_MAX_DEPTH) return fail(w, "nested deeper than %d levels", ND_MAX_DEPTH);
    return 0;
}

static int walk_list(Walk *w, PyObject *v)
{
    Py_ssize_t n = PyList_GET_SIZE(v);
    if (enter(w) < 0) return -1;
    if (w->fmt == VALUE_JSON && put(w, "[", 1) < 0) return -1;
    if (w->fmt == VALUE_MSGPACK && nd_mp_pack_array(w->b, (size_t)n) < 0) return nomem();
    int level = w->depth++;
    w->keys[level] = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        w->index[level] = i;
        if ((i && w->fmt == VALUE_JSON && put(w, ",", 1) < 0) || walk(w, PyList_GET_ITEM(v, i)) < 0)
            return -1;
    }
    w->depth--;
    return w->fmt == VALUE_JSON ? put(w, "]", 1) : 0;
}

static int walk_dict(Walk *w, PyObject *v)
{
    if (enter(w) < 0) return -1;
    if (w->fmt == VALUE_JSON && put(w, "{", 1) < 0) return -1;
    if (w->fmt == VALUE_MSGPACK && nd_mp_pack_map(w->b, (size_t)PyDict_GET_SIZE(v)) < 0)
        return nomem();
    int level = w->depth++;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    bool first = true;
    while (PyDict_Next(v, &pos, &key, &value)) {
        w->keys[level] = key;
        if (!PyUnicode_Check(key))
            return fail(w, "keys must be str, got %s", Py_TYPE(key)->tp_name);
        if ((!first && w->fmt == VALUE_JSON && put(w, ",", 1) < 0) || write_str(w, key) < 0 ||
            (w->fmt == VALUE_JSON && put(w, ":", 1) < 0) || walk(w, value) < 0)
            return -1;
        first = false;
    }
    w->depth--;
    return w->fmt == VALUE_JSON ? put(w, "}", 1) : 0;
}

static int walk(Walk *w, PyObject *v)
{
    if (v == Py_None)
        return w->fmt == VALUE_JSON      ? put(w, "null", 4)
               : w->fmt == VALUE_MSGPACK ? (nd_mp_pack_nil(w->b) < 0 ? nomem() : 0)
                                         : 0;
    if (v == Py_True || v == Py_False) {
        bool t = v == Py_True;
        if (w->fmt == VALUE_JSON) return t ? put(w, "true", 4) : put(w, "false", 5);
        if (w->fmt == VALUE_MSGPACK)
            return (t ? nd_mp_pack_true(w->b) : nd_mp_pack_false(w->b)) < 0 ? nomem() : 0;
        return 0;
    }
    if (PyUnicode_Check(v)) return write_str(w, v);
    if (PyLong_Check(v)) return write_int(w, v);
    if (PyFloat_Check(v)) return write_float(w, v);
    if (PyList_Check(v)) return walk_list(w, v);
    if (PyDict_Check(v)) return walk_dict(w, v);
    return fail(w, "%s is not JSON-compatible (use None, bool, int, float, str, list or dict)",
                Py_TYPE(v)->tp_name);
}

int write_value(ModState *st, PyObject *v, ValueFormat fmt, nd_buf *b, PyObject *key)
{
    Walk w;
    w.st = st;
    w.fmt = fmt;
    w.b = b;
    w.key = key;
    w.depth = 0;
    return walk(&w, v);
}

PyObject *copy_value(PyObject *v)
{
    if (PyList_Check(v)) {
        Py_ssize_t n = PyList_GET_SIZE(v);
        PyObject *out = PyList_New(n);
        for (Py_ssize_t i = 0; out && i < n; i++) {
            PyObject *item = copy_value(PyList_GET_ITEM(v, i));
            if (!item)
                Py_CLEAR(out);
            else
                PyList_SET_ITEM(out, i, item);
        }
        return out;
    }
    if (PyDict_Check(v)) {
        PyObject *out = PyDict_New(), *key, *value;
        Py_ssize_t pos = 0;
        while (out && PyDict_Next(v, &pos, &key, &value)) {
            PyObject *item = copy_value(value);
            if (!item || PyDict_SetItem(out, key, item) < 0) Py_CLEAR(out);
            Py_XDECREF(item);
        }
        return out;
    }
    return Py_NewRef(v);
}
