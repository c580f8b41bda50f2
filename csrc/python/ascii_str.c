/* str objects for decoded ASCII text, made by filling the object: a header with the fields
 * PyUnicode_New sets for a compact ASCII str, its length, then the bytes. PyUnicode_New's work
 * for that is mostly choosing among the kinds of str, which a decoder knows already; most of a
 * connector's strings are ASCII, so this is a tenth of a decode. */
#include "ndes_py.h"

/* The header of a compact ASCII str, length 0, its unused bits zero (PyUnicode_New leaves them
 * as the allocator gave them: no byte compare with its objects could be defined). */
static PyASCIIObject header;
/* 1: fill; 0: call PyUnicode_New (the check found a difference); -1: not checked yet. */
static int filling_works = -1;

static void make_header(void)
{
    memset(&header, 0, sizeof header);
    Py_SET_TYPE((PyObject *)&header, &PyUnicode_Type);
    header.hash = -1;
    header.state.kind = PyUnicode_1BYTE_KIND;
    header.state.compact = 1;
    header.state.ascii = 1;
#if PY_VERSION_HEX < 0x030C0000
    header.state.ready = 1; /* and wstr NULL */
#endif
}

/* Copies n bytes: short strings, most of them, without a call. */
static inline void copy_bytes(char *d, const char *s, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else {
        memcpy(d, s, n);
    }
}

static PyObject *filled(const char *p, size_t n)
{
    PyASCIIObject *s = PyObject_Malloc(sizeof(PyASCIIObject) + n + 1);
    if (!s) return PyErr_NoMemory();
    *s = header;
    s->length = (Py_ssize_t)n;
    char *data = (char *)(s + 1);
    copy_bytes(data, p, n);
    data[n] = '\0';
    return init_new_object(s, &PyUnicode_Type);
}

static PyObject *made(const char *p, size_t n)
{
    PyObject *s = PyUnicode_New((Py_ssize_t)n, 127);
    if (s) memcpy(PyUnicode_DATA(s), p, n);
    return s;
}

/* Whether filled() makes what PyUnicode_New makes, in this interpreter, as every reader of a
 * str sees it (the macros of unicodeobject.h, which the interpreter's own code uses): compared
 * on a string made both ways. A layout that ever differs falls back to PyUnicode_New. */
static int check_filling(void)
{
    static const char probe[] = "ndes-probe-17";
    const Py_ssize_t n = sizeof probe - 1;
    make_header();
    PyObject *ref = made(probe, (size_t)n);
    PyObject *got = ref ? filled(probe, (size_t)n) : NULL;
    int same = got != NULL;
    if (same) {
        char *data = PyUnicode_DATA(got);
        same = Py_IS_TYPE(got, Py_TYPE(ref)) && PyUnicode_GET_LENGTH(got) == n &&
               PyUnicode_GET_LENGTH(ref) == n && PyUnicode_KIND(got) == PyUnicode_KIND(ref) &&
               PyUnicode_IS_ASCII(got) == PyUnicode_IS_ASCII(ref) &&
               PyUnicode_IS_COMPACT(got) == PyUnicode_IS_COMPACT(ref) &&
               PyUnicode_IS_COMPACT_ASCII(got) &&
               PyUnicode_CHECK_INTERNED(got) == PyUnicode_CHECK_INTERNED(ref) &&
#if PY_VERSION_HEX < 0x030C0000
               PyUnicode_IS_READY(got) && ((PyASCIIObject *)got)->wstr == NULL &&
#endif
               data - (char *)got == (char *)PyUnicode_DATA(ref) - (char *)ref &&
               memcmp(data, PyUnicode_DATA(ref), (size_t)n + 1) == 0 &&
               ((PyASCIIObject *)got)->hash == -1 && PyUnicode_Compare(got, ref) == 0 &&
               PyObject_Hash(got) == PyObject_Hash(ref);
    }
    Py_XDECREF(got);
    Py_XDECREF(ref);
    if (PyErr_Occurred()) return -1;
    filling_works = same;
    return 0;
}

PyObject *ascii_to_str(const char *p, size_t n)
{
    /* One character, as role scope tag "0" mostly is: the interpreter's shared str for it. */
    if (n <= 1) return n ? PyUnicode_FromOrdinal((unsigned char)p[0]) : PyUnicode_New(0, 0);
#ifdef Py_GIL_DISABLED
    filling_works = 0; /* its object header has more than a count to set up */
#endif
    if (ND_UNLIKELY(filling_works < 0) && check_filling() < 0) return NULL;
    return filling_works ? filled(p, n) : made(p, n);
}

int str_made_by_filling(void)
{
    return filling_works == 1;
}
