/* JSON-compatible values of additional data: one walk that checks them, and writes them as JSON
 * or MessagePack or copies them, naming the exact place of a bad value.
 *
 * Any value may run Python code while it is walked (a subclass's __repr__ in an error message,
 * a key's __hash__, a finalizer the collector runs during an allocation), and that code may
 * change or free the containers being walked. So the walk holds a reference to each container,
 * key and item it is working on, reads a list's length afresh at each item, and refuses a
 * container whose size changed under it (MessagePack has written its count already). */
#include "ndes_py.h"

#include "json_write.h"
#include "mp_write.h"

/* Integers beyond 64 bits go to JSON as text; beyond this, to no format (CPython refuses to
 * make text of more than 4,300 digits by default, and no reader of Graph's wants them). */
#define MAX_INT_BITS 13000

typedef struct {
    ModState *st;
    ValueFormat fmt;
    nd_buf *b;
    PyObject *made;                 /* VALUE_COPY: the copy of the value walked last (owned) */
    PyObject *key;                  /* the additional property (held by the caller) */
    PyObject *keys[ND_MAX_DEPTH];   /* per level: the dict key (held by walk_dict)... */
    Py_ssize_t index[ND_MAX_DEPTH]; /* ...or for a list, NULL and then its index */
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

/* The container at `level` changed size while it was walked. */
static int changed(Walk *w, int level, const char *what)
{
    w->depth = level;
    return fail(w, "%s changed size while ndes was reading it", what);
}

static bool writes(const Walk *w)
{
    return w->fmt == VALUE_JSON || w->fmt == VALUE_MSGPACK;
}

/* A scalar's copy is the scalar itself. */
static int keep(Walk *w, PyObject *v)
{
    if (w->fmt == VALUE_COPY) w->made = Py_NewRef(v);
    return 0;
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

/* A dict key or a str value: a key is written but never kept, its dict's copy holds it. */
static int write_text(Walk *w, PyObject *s, bool is_key)
{
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(s, &n);
    if (!p) {
        PyErr_Clear();
        return fail(w, "string is not valid UTF-8 (lone surrogate)");
    }
    if (!writes(w)) return is_key ? 0 : keep(w, s);
    int r = w->fmt == VALUE_JSON ? nd_json_write_str(w->b, p, (size_t)n)
                                 : nd_mp_write_str(w->b, p, (size_t)n);
    return r < 0 ? nomem() : 0;
}

static int write_int(Walk *w, PyObject *v)
{
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred()) return -1;
    if (!overflow) {
        if (!writes(w)) return keep(w, v);
        int r = w->fmt == VALUE_JSON ? nd_json_write_i64(w->b, x) : nd_mp_pack_int64(w->b, x);
        return r < 0 ? nomem() : 0;
    }
    /* The same limit whichever way the value goes out, checked before any text is made. */
    size_t bits = _PyLong_NumBits(v);
    if (bits == (size_t)-1 && PyErr_Occurred()) return -1;
    if (bits > MAX_INT_BITS) return fail(w, "integer too large (more than %d bits)", MAX_INT_BITS);
    if (!writes(w)) return keep(w, v);
    if (w->fmt == VALUE_MSGPACK) {
        unsigned long long u = overflow > 0 ? PyLong_AsUnsignedLongLong(v) : 0;
        if (overflow < 0 || (u == (unsigned long long)-1 && PyErr_Occurred())) {
            PyErr_Clear();
            return fail(w, "integer %R does not fit MessagePack's 64 bits", v);
        }
        return nd_mp_pack_uint64(w->b, u) < 0 ? nomem() : 0;
    }
    PyObject *text = PyNumber_ToBase(v, 10);
    if (!text) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError)) return -1;
        PyErr_Clear(); /* sys.set_int_max_str_digits() set a lower limit */
        return fail(w, "integer too large to write as text");
    }
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
    if (!writes(w)) return keep(w, v);
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

/* v is held by the caller, as every value walk() is given. */
static int walk_list(Walk *w, PyObject *v)
{
    Py_ssize_t n = PyList_GET_SIZE(v);
    if (enter(w) < 0) return -1;
    if (w->fmt == VALUE_JSON && put(w, "[", 1) < 0) return -1;
    if (w->fmt == VALUE_MSGPACK && nd_mp_pack_array(w->b, (size_t)n) < 0) return nomem();
    PyObject *out = w->fmt == VALUE_COPY ? PyList_New(n) : NULL;
    if (w->fmt == VALUE_COPY && !out) return -1;
    int level = w->depth++, r = 0;
    w->keys[level] = NULL;
    for (Py_ssize_t i = 0; r == 0 && i < n; i++) {
        w->index[level] = i;
        if (PyList_GET_SIZE(v) != n) {
            r = changed(w, level, "list");
            break;
        }
        PyObject *item = Py_NewRef(PyList_GET_ITEM(v, i));
        if ((i && w->fmt == VALUE_JSON && put(w, ",", 1) < 0) || walk(w, item) < 0)
            r = -1;
        else if (out)
            PyList_SET_ITEM(out, i, w->made);
        Py_DECREF(item);
    }
    if (r == 0 && PyList_GET_SIZE(v) != n) r = changed(w, level, "list");
    if (r < 0) {
        Py_XDECREF(out);
        return -1;
    }
    w->depth = level;
    if (out) w->made = out;
    return w->fmt == VALUE_JSON ? put(w, "]", 1) : 0;
}

/* One entry of a dict, key and value held by the caller. */
static int walk_entry(Walk *w, PyObject *key, PyObject *value, bool first, PyObject *out)
{
    if (!PyUnicode_Check(key)) return fail(w, "keys must be str, got %s", Py_TYPE(key)->tp_name);
    if ((!first && w->fmt == VALUE_JSON && put(w, ",", 1) < 0) || write_text(w, key, true) < 0 ||
        (w->fmt == VALUE_JSON && put(w, ":", 1) < 0) || walk(w, value) < 0)
        return -1;
    if (!out) return 0;
    int r = PyDict_SetItem(out, key, w->made);
    Py_DECREF(w->made);
    return r;
}

static int walk_dict(Walk *w, PyObject *v)
{
    Py_ssize_t n = PyDict_GET_SIZE(v);
    if (enter(w) < 0) return -1;
    if (w->fmt == VALUE_JSON && put(w, "{", 1) < 0) return -1;
    if (w->fmt == VALUE_MSGPACK && nd_mp_pack_map(w->b, (size_t)n) < 0) return nomem();
    PyObject *out = w->fmt == VALUE_COPY ? PyDict_New() : NULL;
    if (w->fmt == VALUE_COPY && !out) return -1;
    int level = w->depth++, r = 0;
    PyObject *key, *value;
    Py_ssize_t pos = 0, seen = 0;
    while (r == 0 && PyDict_Next(v, &pos, &key, &value)) {
        if (seen++ == n || PyDict_GET_SIZE(v) != n) {
            r = changed(w, level, "dict");
            break;
        }
        Py_INCREF(key);
        Py_INCREF(value);
        w->keys[level] = key;
        r = walk_entry(w, key, value, seen == 1, out);
        Py_DECREF(key);
        Py_DECREF(value);
    }
    if (r == 0 && (seen != n || PyDict_GET_SIZE(v) != n)) r = changed(w, level, "dict");
    if (r < 0) {
        Py_XDECREF(out);
        return -1;
    }
    w->depth = level;
    if (out) w->made = out;
    return w->fmt == VALUE_JSON ? put(w, "}", 1) : 0;
}

static int walk(Walk *w, PyObject *v)
{
    if (v == Py_None)
        return w->fmt == VALUE_JSON      ? put(w, "null", 4)
               : w->fmt == VALUE_MSGPACK ? (nd_mp_pack_nil(w->b) < 0 ? nomem() : 0)
                                         : keep(w, v);
    if (v == Py_True || v == Py_False) {
        bool t = v == Py_True;
        if (w->fmt == VALUE_JSON) return t ? put(w, "true", 4) : put(w, "false", 5);
        if (w->fmt == VALUE_MSGPACK)
            return (t ? nd_mp_pack_true(w->b) : nd_mp_pack_false(w->b)) < 0 ? nomem() : 0;
        return keep(w, v);
    }
    if (PyUnicode_Check(v)) return write_text(w, v, false);
    if (PyLong_Check(v)) return write_int(w, v);
    if (PyFloat_Check(v)) return write_float(w, v);
    if (PyList_Check(v)) return walk_list(w, v);
    if (PyDict_Check(v)) return walk_dict(w, v);
    return fail(w, "%s is not JSON-compatible (use None, bool, int, float, str, list or dict)",
                Py_TYPE(v)->tp_name);
}

static int walk_value(ModState *st, PyObject *v, ValueFormat fmt, nd_buf *b, PyObject *key,
                      PyObject **made)
{
    Walk w;
    w.st = st;
    w.fmt = fmt;
    w.b = b;
    w.made = NULL;
    w.key = key;
    w.depth = 0;
    Py_INCREF(v); /* v may be an item of a dict that the walk's Python code changes */
    int r = walk(&w, v);
    Py_DECREF(v);
    if (made) *made = r < 0 ? NULL : w.made;
    return r;
}

int write_value(ModState *st, PyObject *v, ValueFormat fmt, nd_buf *b, PyObject *key)
{
    return walk_value(st, v, fmt, b, key, NULL);
}

PyObject *copy_value(ModState *st, PyObject *v, PyObject *key)
{
    PyObject *made;
    return walk_value(st, v, VALUE_COPY, NULL, key, &made) < 0 ? NULL : made;
}

int for_each_extra(ModState *st, PyObject *extra, ExtraFn fn, void *ctx)
{
    if (!extra) return 0;
    Py_INCREF(extra); /* the connector's may be replaced meanwhile */
    Py_ssize_t n = PyDict_GET_SIZE(extra), pos = 0, seen = 0;
    PyObject *key, *value;
    int r = 0;
    while (r == 0 && PyDict_Next(extra, &pos, &key, &value)) {
        if (seen++ == n || PyDict_GET_SIZE(extra) != n) break;
        Py_INCREF(key);
        Py_INCREF(value);
        Py_ssize_t len;
        const char *k = extra_key_utf8(st, key, &len);
        r = k ? fn(ctx, key, k, (size_t)len, value) : -1;
        Py_DECREF(key);
        Py_DECREF(value);
    }
    if (r == 0 && (seen != n || PyDict_GET_SIZE(extra) != n)) {
        raise_validation(st, "additional_data", "dict changed size while ndes was reading it");
        r = -1;
    }
    Py_DECREF(extra);
    return r;
}
