/* The slow half of shared_ascii_str (ndes_py.h): a value not kept yet, and the release. */
#include "ndes_py.h"

_Static_assert(SHARED_STRS_WAYS == 2, "shared_ascii_str looks in two entries");

PyObject *shared_str_miss(SharedStr *set, SharedKey k, const char *p)
{
    PyObject *s = ascii_to_str(p, k.n);
    if (!s) return NULL;
    PyObject *old = set[1].s;
    set[1] = set[0];
    set[0] = (SharedStr){k, Py_NewRef(s)};
    Py_XDECREF(old); /* a str: freeing it runs no Python code */
    return s;
}

void clear_shared_strs(ModState *st)
{
    for (size_t i = 0; i < SHARED_STRS_SIZE; i++) {
        for (int w = 0; w < SHARED_STRS_WAYS; w++) {
            st->shared_strs[i][w].key.n = 0; /* no value has this key: the entry is empty */
            Py_CLEAR(st->shared_strs[i][w].s);
        }
    }
}
