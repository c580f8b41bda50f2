/* The slow half of shared_ascii_str (ndes_py.h): a value not kept yet, and the release. */
#include "ndes_py.h"

PyObject *shared_str_miss(SharedStr *e, SharedKey k, const char *p, size_t n)
{
    PyObject *s = ascii_to_str(p, n);
    if (!s) return NULL;
    PyObject *old = e->s;
    *e = (SharedStr){k, Py_NewRef(s)};
    Py_XDECREF(old); /* a str: freeing it runs no Python code */
    return s;
}

void clear_shared_strs(ModState *st)
{
    for (size_t i = 0; i < SHARED_STRS_SIZE; i++) {
        st->shared_strs[i].key.n = 0; /* no value has this key: the bucket is empty */
        Py_CLEAR(st->shared_strs[i].s);
    }
}
