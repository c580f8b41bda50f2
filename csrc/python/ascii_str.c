/* str objects for decoded ASCII text, made by filling the object: a copy of the header of one
 * that PyUnicode_New made, with its length, then the bytes. PyUnicode_New's work for that is
 * mostly choosing among the kinds of str, which a decoder knows already; most of a connector's
 * strings are ASCII, so this is a tenth of a decode. */
#include "ndes_py.h"

/* The header of an empty-to-be compact ASCII str as PyUnicode_New leaves it, once checked. */
static PyASCIIObject header;
/* 1: fill; 0: call PyUnicode_New (the check found a difference); -1: not checked yet. */
static int filling_works = -1;

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
#if PY_VERSION_HEX >= 0x030D0000 || defined(Py_REF_DEBUG) || defined(Py_TRACE_REFS)
    /* a new reference also tells the reference tracer (3.13) or the debug counts */
    return PyObject_Init((PyObject *)s, &PyUnicode_Type);
#else
    /* All PyObject_Init adds to the header's type here is the count, and re-dating the block
     * tracemalloc has just recorded for this very allocation. */
    Py_SET_REFCNT((PyObject *)s, 1);
    return (PyObject *)s;
#endif
}

static PyObject *made(const char *p, size_t n)
{
    PyObject *s = PyUnicode_New((Py_ssize_t)n, 127);
    if (s) memcpy(PyUnicode_DATA(s), p, n);
    return s;
}

/* Whether two headers are the same in every field but the reference count. The state's unnamed
 * bits and the padding are not compared: PyUnicode_New leaves them as the allocator gave them,
 * and a comparison of those bytes, though the same in both (copied), is one valgrind reports
 * (`make memcheck`). Any byte of the header outside the fields named here but alignment
 * padding is a layout this was not written for: not the same. */
static int same_header(const PyASCIIObject *a, const PyASCIIObject *b)
{
    const size_t skip = sizeof(Py_ssize_t); /* ob_refcnt, first in every layout */
    const size_t state = offsetof(PyASCIIObject, state);
#if PY_VERSION_HEX < 0x030C0000
    const size_t known = offsetof(PyASCIIObject, wstr) + sizeof a->wstr;
    if (a->state.ready != b->state.ready || a->wstr != b->wstr) return 0;
#else
    const size_t known = state + sizeof a->state;
    if (a->state.statically_allocated != b->state.statically_allocated) return 0;
#endif
    return sizeof(PyASCIIObject) - known < sizeof(void *) &&
           memcmp((const char *)a + skip, (const char *)b + skip, state - skip) == 0 &&
           a->state.interned == b->state.interned && a->state.kind == b->state.kind &&
           a->state.compact == b->state.compact && a->state.ascii == b->state.ascii;
}

/* Whether filled() makes what PyUnicode_New makes, in this interpreter: the header (above),
 * and the text with its terminator, compared on a string made both ways. A layout that ever
 * differs falls back to PyUnicode_New. */
static int check_filling(void)
{
    static const char probe[] = "ndes-probe-17";
    const size_t n = sizeof probe - 1;
    PyObject *ref = made(probe, n);
    if (!ref) return -1;
    memcpy(&header, ref, sizeof header);
    header.length = 0;
    PyObject *got = filled(probe, n);
    if (!got) {
        Py_DECREF(ref);
        return -1;
    }
    int same = same_header((PyASCIIObject *)got, (PyASCIIObject *)ref) &&
               memcmp(PyUnicode_DATA(got), PyUnicode_DATA(ref), n + 1) == 0 &&
               PyUnicode_IS_COMPACT_ASCII(got) && PyUnicode_GET_LENGTH(got) == (Py_ssize_t)n &&
               PyUnicode_Compare(got, ref) == 0 && PyObject_Hash(got) == PyObject_Hash(ref);
    Py_DECREF(got);
    Py_DECREF(ref);
    if (same < 0 || PyErr_Occurred()) return -1;
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
