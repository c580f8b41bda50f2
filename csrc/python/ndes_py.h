/* The CPython binding of the ndes core: shared declarations of its files. */
#ifndef NDES_PY_H
#define NDES_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "connector.h"

/* Room for the connectors of a few pages of a collection (100 each) decoded and dropped in
 * turn; beyond it a freed connector goes back to the allocator. */
#define FREE_CONNECTORS_MAX 256
/* The same for the datetimes of those connectors' dates (see drop_datetime). */
#define SPARE_DATETIMES_MAX 256
/* The values shared_ascii_str shares: at most this long, in this many sets of two. */
#define SHARED_STR_MAX 16
#define SHARED_STRS_BITS 6
#define SHARED_STRS_SIZE (1u << SHARED_STRS_BITS)
#define SHARED_STRS_WAYS 2

/* The key of a value shared_ascii_str may share: its bytes as two words, and its length. */
typedef struct {
    uint64_t a, b;
    size_t n;
} SharedKey;

/* An entry of shared_ascii_str: a str it made (owned) and its key; n is 0 while the entry is
 * empty. */
typedef struct {
    SharedKey key;
    PyObject *s;
} SharedStr;

typedef struct {
    PyTypeObject *Connector;
    PyObject *State;                         /* ndes.NdesConnectorState */
    PyObject *state_members[ND_STATE_COUNT]; /* in nd_state order */
    PyObject *ValidationError, *DecodeError;
    /* The constructor's keywords, interned: each field's Python name, then "additional_data". */
    PyObject *keyword_names[ND_F_COUNT + 1];
    PyObject *utcoffset_name; /* "utcoffset", interned */
    /* The datetime.timezone of each offset read so far, by offset + ND_DATETIME_MAX_OFFSET
     * (owned, or NULL): a decoded date finds its tzinfo with one load, whatever mix of offsets a
     * page of connectors has. */
    PyObject *timezones[2 * ND_DATETIME_MAX_OFFSET + 1];
    PyObject *tz_seen; /* the datetime.timezone a datetime given to ndes had last, or NULL */
    int tz_seen_offset;
    /* Connectors of this module's type, freed and waiting for reuse: untracked, with no
     * reference to their type, slots as a new connector has them (see connector_type.c). */
    PyObject *free_connectors[FREE_CONNECTORS_MAX];
    int n_free_connectors;
    /* Datetimes this module made whose last holder, a connector, let them go: owned, for
     * datetime_to_py to fill again (see drop_datetime). */
    PyObject *spare_datetimes[SPARE_DATETIMES_MAX];
    int n_spare_datetimes;
    /* Each set's most recently made str first. */
    SharedStr shared_strs[SHARED_STRS_SIZE][SHARED_STRS_WAYS];
} ModState;

/* Every field has an object slot holding None when unset, never NULL, from allocation to
 * deallocation (tp_clear sets None too): they are read as plain slots (T_OBJECT_EX members), which
 * the interpreter's specialised attribute load reads without a call. A date is the aware datetime
 * made when it is set or decoded (always an exact datetime filled from a checked value), with its
 * UTC offset in minutes kept beside it: the encoders and == read the value back from the two
 * (date_of), which set_date stores together, with no Python code run between. */
typedef struct {
    PyObject_HEAD PyObject *id, *display_name, *machine_name, *connector_version; /* str or None */
    PyObject *state;              /* a NdesConnectorState member, a str the server sent, or None */
    PyObject *role_scope_tag_ids; /* list or None */
    PyObject *last_connection_obj, *enrolled_obj; /* datetime or None */
    PyObject *additional_data;                    /* dict or NULL (reads as an empty dict) */
    int16_t date_offset[2]; /* each date's UTC offset in minutes, by date_index() */
} Connector;

int load_states_slow(ModState *st);
static inline int load_states(ModState *st)
{
    return st->State ? 0 : load_states_slow(st);
}

static inline ModState *state_of_type(PyTypeObject *t)
{
    return PyType_GetModuleState(t);
}
static inline ModState *state_of(PyObject *self)
{
    return state_of_type(Py_TYPE(self));
}

/* The object slot of each field, by field. */
extern const Py_ssize_t field_slot_offset[ND_F_COUNT];

/* The slot holding field f's object: a str, state, list or datetime, or None. */
static inline PyObject **obj_slot(Connector *c, nd_field f)
{
    return (PyObject **)((char *)c + field_slot_offset[f]);
}

/* The object of a field, or NULL when it is unset (None). Borrowed. */
static inline PyObject *obj_value(Connector *c, nd_field f)
{
    PyObject *v = *obj_slot(c, f);
    return v == Py_None ? NULL : v; /* never NULL itself */
}

/* Where date field f keeps its UTC offset in date_offset. */
static inline int date_index(nd_field f)
{
    return f == ND_F_LAST_CONNECTION ? 0 : 1;
}

/* errors.c */
PyObject *raise_validation(ModState *st, const char *field, const char *fmt, ...);
PyObject *raise_validation_obj(ModState *st, PyObject *field, PyObject *reason);
PyObject *raise_decode(ModState *st, const char *reason, size_t offset);
/* A str's UTF-8, or NULL with a ValidationError naming `field` (lone surrogates). */
const char *utf8_of_any(ModState *st, PyObject *s, Py_ssize_t *n, const char *field);
/* A compact ASCII str's bytes, which are its UTF-8, without a call; NULL for any other str. */
static inline const char *ascii_utf8(PyObject *s, Py_ssize_t *n)
{
    if (!PyUnicode_IS_COMPACT_ASCII(s)) return NULL;
    *n = PyUnicode_GET_LENGTH(s);
    return (const char *)PyUnicode_DATA(s);
}
static inline const char *utf8_of(ModState *st, PyObject *s, Py_ssize_t *n, const char *field)
{
    const char *p = ascii_utf8(s, n);
    return ND_LIKELY(p != NULL) ? p : utf8_of_any(st, s, n, field);
}

/* The UTF-8 of item i of a list field, or NULL with a ValidationError naming field[i]. */
const char *str_item_utf8(ModState *st, PyObject *item, Py_ssize_t *n, nd_field f, Py_ssize_t i);

/* datetime_py.c: the only file that uses the datetime C API. */
/* A present date as an aware datetime; st holds its tzinfo unless the offset is zero. */
PyObject *datetime_to_py(ModState *st, const nd_datetime *dt);
/* Date field f's value, read back from its datetime and offset (not present when unset). Runs no
 * Python code. */
void date_of(const Connector *c, nd_field f, nd_datetime *out);
/* The type of the datetimes datetime_to_py may fill again, or NULL (see drop_datetime). */
extern PyTypeObject *spare_datetime_type;
/* Releases o (stolen), the object of a date slot: a datetime that this module filled and that
 * nothing else holds is kept in st (when st is not NULL and its module not cleared) for
 * datetime_to_py to fill again, instead of being freed. No one else can see such an object, so
 * filling it again is the same as freeing it and making a new one at the same address, without
 * the two calls to the allocator. */
static inline void drop_datetime(ModState *st, PyObject *o)
{
    if (Py_IS_TYPE(o, spare_datetime_type) && Py_REFCNT(o) == 1 && st &&
        st->n_spare_datetimes < SPARE_DATETIMES_MAX && st->Connector) {
        st->spare_datetimes[st->n_spare_datetimes++] = o;
        return;
    }
    Py_DECREF(o);
}
/* Sets date field f, value and object together: dt NULL (or not present) unsets it. dt is the
 * caller's own value, never a connector's (code the allocation runs could change that one while
 * it is read). 0, or -1 with an exception and the field unchanged. */
int set_date(ModState *st, Connector *c, nd_field f, const nd_datetime *dt);
/* Releases the timezones and spare datetimes st holds. */
void clear_datetimes(ModState *st);
/* 1 when datetime_to_py fills the objects it makes (checked against the constructor on first
 * use), 0 when it calls the constructor or has not run yet. */
int datetime_made_by_filling(void);
/* 1 with *out filled, 0 when v is not a datetime, -1 with ValidationError for `field`. */
int datetime_from_py(ModState *st, PyObject *v, nd_datetime *out, const char *field);

/* A new object of a static, untracked type in memory the caller took with PyObject_Malloc:
 * what PyObject_Init does, without its call before 3.13 (there it only sets the type and the
 * count, and re-dates the block tracemalloc has just recorded); from 3.13, and in debug builds,
 * PyObject_Init itself, which also tells a reference tracer or the debug counts. The count is
 * stored, not set with Py_SET_REFCNT: from 3.12 that leaves alone a count it reads as immortal,
 * and a fresh block's is whatever the allocator left there. */
static inline PyObject *init_new_object(void *mem, PyTypeObject *type)
{
#if PY_VERSION_HEX >= 0x030D0000 || defined(Py_REF_DEBUG) || defined(Py_TRACE_REFS)
    return PyObject_Init((PyObject *)mem, type);
#else
    PyObject *o = mem;
    Py_SET_TYPE(o, type);
    o->ob_refcnt = 1;
    return o;
#endif
}

/* ascii_str.c: a new str of n ASCII bytes, made by filling the object (checked against
 * PyUnicode_New on first use), or NULL with an exception. */
PyObject *ascii_to_str(const char *p, size_t n);
/* 1 when ascii_to_str fills the objects it makes, 0 when it calls PyUnicode_New or has not run. */
int str_made_by_filling(void);

/* shared_str.c: decoded values that repeat from one connector to the next (a tenant's
 * connectors mostly run the same connector version and carry the same few role scope tags)
 * share one str. Short ASCII values are kept in SHARED_STRS_SIZE sets of two, keyed by their
 * bytes: two, so that two values that fall in one set, which a handful of values do about once
 * in five, do not take turns putting each other out. A value found there is that same str,
 * which cannot change, so sharing it is as good as a copy (the interpreter shares its
 * one-character strs the same way), and saves the allocation and, when the connector goes, the
 * free. A value not found costs its key and a store. */

/* The bytes of a value of 2 to 8 bytes as one word, covering every byte. */
static inline uint64_t shared_word(const char *p, size_t n)
{
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4); /* overlaps lo when n < 8 */
        return lo | (uint64_t)hi << 32;
    }
    return (uint8_t)p[0] | (uint64_t)(uint8_t)p[n / 2] << 8 | (uint64_t)(uint8_t)p[n - 1] << 16;
}

/* The length is what tells an empty entry (every field 0) from a value of NUL bytes alone
 * (a "\u0000\u0000" in JSON), whose words are 0 too: it must always be compared. */
static inline bool shared_key_is(const SharedStr *e, SharedKey k)
{
    return e->key.a == k.a && e->key.b == k.b && e->key.n == k.n;
}

/* Makes the str of a value found in neither entry of its set, and keeps it there first. */
PyObject *shared_str_miss(SharedStr *set, SharedKey k, const char *p);

/* A str of n ASCII bytes, the same one as for the last value with those bytes while it is kept
 * in st; NULL with an exception. */
static inline PyObject *shared_ascii_str(ModState *st, const char *p, size_t n)
{
#ifndef Py_GIL_DISABLED                /* the sets would need a lock, which costs what they save */
    if (n - 2 <= SHARED_STR_MAX - 2) { /* 1 character: the interpreter's own str */
        SharedKey k = {0, 0, n};
        if (n > 8) {
            memcpy(&k.a, p, 8);
            memcpy(&k.b, p + n - 8, 8); /* the two words overlap: they cover every byte */
        } else {
            k.a = shared_word(p, n);
        }
        /* 2^64 / golden ratio: its top bits depend on every bit of the sum */
        uint64_t h = ((k.a + (k.b << 7) + n) * 0x9E3779B97F4A7C15u) >> (64 - SHARED_STRS_BITS);
        SharedStr *set = st->shared_strs[h];
        if (shared_key_is(&set[0], k)) return Py_NewRef(set[0].s);
        if (shared_key_is(&set[1], k)) return Py_NewRef(set[1].s);
        return shared_str_miss(set, k, p);
    }
#else
    (void)st;
#endif
    return ascii_to_str(p, n);
}
/* Releases the strs st keeps for sharing. */
void clear_shared_strs(ModState *st);

/* fields.c */
typedef enum { FROM_USER, FROM_WIRE } SetMode; /* FROM_WIRE keeps unknown states */
int set_field(ModState *st, Connector *c, nd_field f, PyObject *v, SetMode mode);
int set_additional_data(ModState *st, Connector *c, PyObject *v);
/* A new list of exact str from a list or tuple of str, or NULL with a ValidationError naming
 * roleScopeTagIds[i]. */
PyObject *checked_tags(ModState *st, PyObject *v);
/* The UTF-8 of a key of additional data, which must be a str that is neither a known property
 * nor an OData annotation; NULL with a ValidationError otherwise. */
const char *extra_key_utf8(ModState *st, PyObject *key, Py_ssize_t *n);

/* values.c: JSON-compatible values of additional data. The rules are the same whichever way a
 * value goes: a bad one is a ValidationError naming its place under `key`, the additional
 * property. */
typedef enum { VALUE_CHECK, VALUE_JSON, VALUE_MSGPACK, VALUE_COPY } ValueFormat;
/* Checks v, and writes it as JSON or MessagePack unless VALUE_CHECK: 0 or -1. */
int write_value(ModState *st, PyObject *v, ValueFormat fmt, nd_buf *b, PyObject *key);
/* A checked copy of v whose containers are new and plain list and dict, or NULL. */
PyObject *copy_value(ModState *st, PyObject *v, PyObject *key);
/* Calls fn for each additional property of `extra` (a dict, or NULL for none) with its key
 * checked by extra_key_utf8, holding the dict, key and value across the call: 0, or -1 when fn
 * failed, a key was refused or the dict changed size meanwhile. */
typedef int (*ExtraFn)(void *ctx, PyObject *key, const char *utf8, size_t n, PyObject *value);
int for_each_extra(ModState *st, PyObject *extra, ExtraFn fn, void *ctx);

/* encode.c */
PyObject *encode_connector(Connector *c, ValueFormat fmt);
/* A JSON array or MessagePack array of connectors, in one buffer. */
PyObject *encode_connectors(PyTypeObject *type, PyObject *items, ValueFormat fmt);
PyObject *connector_to_dict(Connector *c);

/* decode.c */
PyObject *decode_connector(PyTypeObject *type, PyObject *data, ValueFormat fmt);
PyObject *decode_connectors(PyTypeObject *type, PyObject *data, ValueFormat fmt);
/* A page of a collection: (list of connectors, @odata.nextLink or None). */
PyObject *decode_page(PyTypeObject *type, PyObject *data, ValueFormat fmt);
PyObject *connector_from_dict(PyTypeObject *type, PyObject *d);

/* connector_type.c */
extern PyType_Spec connector_spec;
vectorcallfunc connector_vectorcall_fn(void);
/* A new connector with no field set, tracked by the collector; NULL with an exception. */
Connector *connector_alloc(PyTypeObject *type);
/* The same, untracked, for a caller that fills it before anything else can reach it and then
 * calls PyObject_GC_Track; st is type's module state. */
Connector *connector_alloc_untracked(ModState *st, PyTypeObject *type);
/* Frees the connectors waiting for reuse: while st->Connector is still held. */
void clear_free_connectors(ModState *st);
/* Replaces the type's class methods by functions bound to it once, so that a call such as
 * NdesConnector.from_json(data) does not make a bound method object each time. */
int bind_class_methods(PyTypeObject *type);

#endif
