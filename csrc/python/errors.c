/* Raising ndes's own exceptions from C. */
#include "ndes_py.h"

PyObject *raise_validation_obj(ModState *st, PyObject *field, PyObject *reason)
{
    PyObject *exc = PyObject_CallFunctionObjArgs(st->ValidationError, field, reason, NULL);
    if (exc) {
        PyErr_SetObject(st->ValidationError, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *raise_validation(ModState *st, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *reason = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    PyObject *name = PyUnicode_FromString(field);
    if (reason && name) raise_validation_obj(st, name, reason);
    Py_XDECREF(reason);
    Py_XDECREF(name);
    return NULL;
}

PyObject *raise_decode(ModState *st, const char *reason, size_t offset)
{
    /* The core keeps its messages valid UTF-8; "replace" is the net under that promise. */
    PyObject *text = PyUnicode_DecodeUTF8(reason, (Py_ssize_t)strlen(reason), "replace");
    if (!text) return NULL;
    PyObject *exc = PyObject_CallFunction(st->DecodeError, "Nn", text, (Py_ssize_t)offset);
    if (exc) {
        PyErr_SetObject(st->DecodeError, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

const char *str_item_utf8(ModState *st, PyObject *item, Py_ssize_t *n, nd_field f, Py_ssize_t i)
{
    if (ND_LIKELY(PyUnicode_Check(item))) {
        const char *p = ascii_utf8(item, n);
        if (ND_LIKELY(p != NULL)) return p;
        p = PyUnicode_AsUTF8AndSize(item, n);
        if (ND_LIKELY(p != NULL)) return p;
        PyErr_Clear();
    }
    char name[64];
    snprintf(name, sizeof name, "%s[%zd]", nd_field_wire[f].ptr, i);
    if (!PyUnicode_Check(item)) {
        raise_validation(st, name, "expected str, got %s", Py_TYPE(item)->tp_name);
        return NULL;
    }
    return utf8_of(st, item, n, name); /* raises the lone-surrogate ValidationError */
}

const char *utf8_of_any(ModState *st, PyObject *s, Py_ssize_t *n, const char *field)
{
    const char *p = PyUnicode_AsUTF8AndSize(s, n);
    if (ND_LIKELY(p != NULL)) return p;
    if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        Py_ssize_t at = -1;
        if (value && PyUnicodeEncodeError_GetStart(value, &at) < 0) PyErr_Clear();
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        raise_validation(st, field, "string is not valid UTF-8 (lone surrogate at index %zd)", at);
    }
    return NULL;
}
