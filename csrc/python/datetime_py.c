/* Converting between Python datetimes and DateTimeOffset values. The datetime C API lives in a
 * per-file static pointer, so every use of it stays in this file. */
#include "ndes_py.h"

#include <datetime.h>

/* The datetime module is imported on first use, not with ndes: it is most of the cost of
 * `import ndes`, and code that only moves connectors between formats never needs it. */
static int datetime_api(void)
{
    if (ND_LIKELY(PyDateTimeAPI != NULL)) return 0;
    PyDateTime_IMPORT;
    return PyDateTimeAPI ? 0 : -1;
}

#define TIMEZONES (2 * ND_DATETIME_MAX_OFFSET + 1)

/* The datetime.timezone of a non-zero offset (borrowed: st holds it), made once per module. */
static PyObject *timezone_for(ModState *st, int offset_min)
{
    unsigned i = (unsigned)(offset_min + ND_DATETIME_MAX_OFFSET);
    if (ND_UNLIKELY(i >= TIMEZONES)) { /* the core makes no such date; never trust it blindly */
        PyErr_Format(PyExc_SystemError, "UTC offset of %d minutes out of range", offset_min);
        return NULL;
    }
    PyObject *tz = st->timezones[i];
    if (ND_LIKELY(tz != NULL)) return tz;
    PyObject *delta = PyDelta_FromDSU(0, offset_min * 60, 0);
    tz = delta ? PyTimeZone_FromOffset(delta) : NULL;
    Py_XDECREF(delta);
    if (!tz) return NULL;
    if (!st->timezones[i]) /* else a finalizer the allocation ran has made it: keep that */
        st->timezones[i] = tz;
    else
        Py_DECREF(tz);
    return st->timezones[i];
}

void clear_datetimes(ModState *st)
{
    for (int i = 0; i < TIMEZONES; i++)
        Py_CLEAR(st->timezones[i]);
    while (st->n_spare_datetimes > 0)
        Py_DECREF(st->spare_datetimes[--st->n_spare_datetimes]);
}

/* Whether datetimes are allocated here as datetime's tp_alloc does (an object of the aware size
 * from PyObject_Malloc, a header), without its call: for a type that is neither a heap type nor
 * tracked by the collector and that frees with PyObject_Free. Set by check_filling. */
static bool alloc_directly;

/* Datetimes are kept for reuse when they are filled and allocated directly (a plain, untracked
 * type that takes no weak reference), and never without the GIL: the spare list has no lock. Set
 * by check_filling. */
PyTypeObject *spare_datetime_type;

static PyDateTime_DateTime *alloc_datetime(PyTypeObject *type)
{
    if (ND_LIKELY(alloc_directly)) {
        void *o = PyObject_Malloc(sizeof(PyDateTime_DateTime));
        if (!o) return (PyDateTime_DateTime *)PyErr_NoMemory();
        return (PyDateTime_DateTime *)init_new_object(o, type);
    }
    return (PyDateTime_DateTime *)type->tp_alloc(type, 1);
}

/* Writes the date into o, a datetime of this module with a tzinfo, in the layout datetime.h gives
 * its reader macros (PyDateTime_GET_YEAR and the others): the constructor's argument checks, half
 * the cost of making one, are for values the core has range-checked already. */
static void fill_datetime(PyDateTime_DateTime *o, const nd_datetime *dt)
{
    o->hashcode = -1;
    /* data[0..7] as one big-endian word: year (2 bytes), month, day, hour, minute, second and
     * the microseconds' high byte; then their two low bytes. */
    uint64_t head = (uint64_t)dt->year << 48 | (uint64_t)dt->month << 40 | (uint64_t)dt->day << 32 |
                    (uint64_t)dt->hour << 24 | (uint64_t)dt->minute << 16 |
                    (uint64_t)dt->second << 8 | (dt->usec >> 16 & 0xFF);
    for (int k = 0; k < 8; k++) /* one byte-swapped store, for the compiler */
        o->data[k] = (unsigned char)(head >> (56 - 8 * k));
    o->data[8] = (unsigned char)(dt->usec >> 8);
    o->data[9] = (unsigned char)dt->usec;
}

/* A new aware datetime made by filling it. tz is borrowed, and held across the allocation: with a
 * tracked datetime type that can run the collector, whose finalizers may clear the module state
 * that holds it. */
static PyObject *filled_datetime(const nd_datetime *dt, PyObject *tz)
{
    Py_INCREF(tz);
    PyDateTime_DateTime *o = alloc_datetime(PyDateTimeAPI->DateTimeType);
    if (!o) {
        Py_DECREF(tz);
        return NULL;
    }
    o->hastzinfo = 1;
    o->fold = 0;
    o->tzinfo = tz;
    fill_datetime(o, dt);
    return (PyObject *)o;
}

/* tz is borrowed, and held across the call, as in filled_datetime. */
static PyObject *constructed_datetime(const nd_datetime *dt, PyObject *tz)
{
    Py_INCREF(tz);
    PyObject *r = PyDateTimeAPI->DateTime_FromDateAndTime(dt->year, dt->month, dt->day, dt->hour,
                                                          dt->minute, dt->second, (int)dt->usec, tz,
                                                          PyDateTimeAPI->DateTimeType);
    Py_DECREF(tz);
    return r;
}

/* Whether filled_datetime makes what the constructor makes, in this interpreter: checked once,
 * on a date whose every field differs from the others, so a layout that ever changed falls back
 * to the constructor instead of making wrong dates. -1: not checked yet. */
static int filling_works = -1;

static int check_filling(void)
{
    PyTypeObject *type = PyDateTimeAPI->DateTimeType;
    alloc_directly = !(type->tp_flags & (Py_TPFLAGS_HEAPTYPE | Py_TPFLAGS_HAVE_GC)) &&
                     type->tp_free == PyObject_Free;
    const nd_datetime probe = {.year = 2026,
                               .month = 11,
                               .day = 28,
                               .hour = 9,
                               .minute = 30,
                               .second = 12,
                               .usec = 345678,
                               .offset_min = 0,
                               .present = 1};
    PyObject *a = filled_datetime(&probe, PyDateTime_TimeZone_UTC);
    PyObject *b = a ? constructed_datetime(&probe, PyDateTime_TimeZone_UTC) : NULL;
    int same = b ? PyObject_RichCompareBool(a, b, Py_EQ) : -1;
    if (same == 1) {
        same = PyDateTime_GET_YEAR(a) == probe.year && PyDateTime_GET_MONTH(a) == probe.month &&
               PyDateTime_GET_DAY(a) == probe.day && PyDateTime_DATE_GET_HOUR(a) == probe.hour &&
               PyDateTime_DATE_GET_MINUTE(a) == probe.minute &&
               PyDateTime_DATE_GET_SECOND(a) == probe.second &&
               PyDateTime_DATE_GET_MICROSECOND(a) == (int)probe.usec &&
               PyDateTime_DATE_GET_FOLD(a) == 0 &&
               PyDateTime_DATE_GET_TZINFO(a) == PyDateTime_TimeZone_UTC &&
               PyObject_Hash(a) == PyObject_Hash(b);
    }
    Py_XDECREF(a);
    Py_XDECREF(b);
    if (same < 0) return -1;
    filling_works = same;
#ifndef Py_GIL_DISABLED
    /* and only while datetimes take no weak reference: one could reach a spare */
    if (filling_works && alloc_directly && type->tp_weaklistoffset == 0) spare_datetime_type = type;
#endif
    return 0;
}

PyObject *datetime_to_py(ModState *st, const nd_datetime *dt)
{
    if (datetime_api() < 0) return NULL;
    if (ND_UNLIKELY(filling_works < 0) && check_filling() < 0) return NULL;
    PyObject *tz = dt->offset_min == 0 ? PyDateTime_TimeZone_UTC : timezone_for(st, dt->offset_min);
    if (!tz) return NULL;
    if (!filling_works) return constructed_datetime(dt, tz);
    /* After the calls above, which can run a finalizer that takes or adds a spare. */
    if (st->n_spare_datetimes == 0) return filled_datetime(dt, tz);
    PyDateTime_DateTime *o = (PyDateTime_DateTime *)st->spare_datetimes[--st->n_spare_datetimes];
    if (o->tzinfo != tz) { /* a timezone's dealloc runs no Python code */
        PyObject *old = o->tzinfo;
        o->tzinfo = Py_NewRef(tz);
        Py_DECREF(old);
    }
    fill_datetime(o, dt);
    return (PyObject *)o;
}

_Static_assert(offsetof(nd_datetime, year) == 0 && offsetof(nd_datetime, month) == 2 &&
                   offsetof(nd_datetime, second) == 6 && offsetof(nd_datetime, present) == 7 &&
                   offsetof(nd_datetime, usec) == 8 && offsetof(nd_datetime, offset_min) == 12 &&
                   sizeof(nd_datetime) == 16,
               "date_of writes an nd_datetime as two 8-byte halves");

void date_of(const Connector *c, nd_field f, nd_datetime *out)
{
    PyObject *o = *obj_slot((Connector *)c, f);
    if (o == Py_None) {
        *out = (nd_datetime){0};
        return;
    }
    const unsigned char *d = ((PyDateTime_DateTime *)o)->data;
    int16_t offset = c->date_offset[date_index(f)];
    uint32_t usec = (uint32_t)d[7] << 16 | (uint32_t)d[8] << 8 | d[9];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* data is big-endian year, month, day, hour, minute, second, as fill_datetime wrote them; an
     * nd_datetime starts with the year in host order, the same bytes, and `present`. */
    uint64_t w;
    memcpy(&w, d, 8);
    w = (w & 0x00FFFFFFFFFF0000ULL) | (w & 0xFF) << 8 | (w >> 8 & 0xFF) | 1ULL << 56;
    /* then usec and offset_min, and the padding zeroed: the two halves in two stores */
    uint64_t tail = usec | (uint64_t)(uint16_t)offset << 32;
    memcpy(out, &w, 8);
    memcpy((char *)out + 8, &tail, 8);
#else
    *out = (nd_datetime){.year = (uint16_t)(d[0] << 8 | d[1]),
                         .month = d[2],
                         .day = d[3],
                         .hour = d[4],
                         .minute = d[5],
                         .second = d[6],
                         .present = 1,
                         .usec = usec,
                         .offset_min = offset};
#endif
}

/* For the tests: 1 when datetimes are made by filling, 0 when by the constructor. */
int datetime_made_by_filling(void)
{
    return filling_works == 1;
}

/* The UTC offset of an aware datetime in whole minutes, as wide as the timedelta is: the core
 * range-checks it. utcoffset() runs Python code, so v must be held by the caller. */
static int offset_minutes(ModState *st, PyObject *v, int64_t *out, const char *field)
{
    PyObject *tzinfo = PyDateTime_DATE_GET_TZINFO(v);
    if (tzinfo == PyDateTime_TimeZone_UTC) {
        *out = 0;
        return 0;
    }
    if (tzinfo == st->tz_seen) { /* held, so the same object, whose offset cannot change */
        *out = st->tz_seen_offset;
        return 0;
    }
    Py_INCREF(tzinfo); /* v holds it, but the check below reads it after utcoffset() ran */
    PyObject *delta = tzinfo == Py_None ? Py_NewRef(Py_None)
                                        : PyObject_CallMethodOneArg(tzinfo, st->utcoffset_name, v);
    int r = -1;
    if (!delta) goto done;
    if (delta == Py_None) {
        raise_validation(st, field,
                         "naive datetime (no UTC offset): Graph rejects it; give it a tzinfo, "
                         "e.g. datetime.timezone.utc");
        goto done;
    }
    if (!PyDelta_Check(delta)) {
        raise_validation(st, field, "tzinfo.utcoffset() did not return a timedelta");
        goto done;
    }
    int64_t secs =
        (int64_t)PyDateTime_DELTA_GET_DAYS(delta) * 86400 + PyDateTime_DELTA_GET_SECONDS(delta);
    if (PyDateTime_DELTA_GET_MICROSECONDS(delta) != 0 || secs % 60 != 0) {
        raise_validation(st, field,
                         "UTC offset has seconds; DateTimeOffset carries whole minutes only");
        goto done;
    }
    *out = secs / 60;
    r = 0;
    /* A datetime.timezone has the same offset on every date: remember the last one, when the
     * core will take it. */
    if (Py_IS_TYPE(tzinfo, Py_TYPE(PyDateTime_TimeZone_UTC)) && *out >= -ND_DATETIME_MAX_OFFSET &&
        *out <= ND_DATETIME_MAX_OFFSET) {
        Py_XSETREF(st->tz_seen, Py_NewRef(tzinfo));
        st->tz_seen_offset = (int)*out;
    }
done:
    Py_XDECREF(delta);
    Py_DECREF(tzinfo);
    return r;
}

int datetime_from_py(ModState *st, PyObject *v, nd_datetime *out, const char *field)
{
    if (datetime_api() < 0) return -1;
    if (!PyDateTime_Check(v)) return 0;
    nd_datetime_fields f;
    if (offset_minutes(st, v, &f.offset_min, field) < 0) return -1;
    f.year = PyDateTime_GET_YEAR(v);
    f.month = PyDateTime_GET_MONTH(v);
    f.day = PyDateTime_GET_DAY(v);
    f.hour = PyDateTime_DATE_GET_HOUR(v);
    f.minute = PyDateTime_DATE_GET_MINUTE(v);
    f.second = PyDateTime_DATE_GET_SECOND(v);
    f.usec = PyDateTime_DATE_GET_MICROSECOND(v);
    const char *why = nd_datetime_make(&f, out);
    if (why) {
        raise_validation(st, field, "%s", why);
        return -1;
    }
    return 1;
}
