/* Validating Python values into connector fields: one path for the constructor, attribute
 * assignment and from_dict. */
#include "ndes_py.h"

/* An exact str holding the same text (str subclasses, enum members among them, are copied). */
static PyObject *checked_str(ModState *st, PyObject *v, const char *field)
{
    if (!PyUnicode_Check(v))
        return raise_validation(st, field, "expected str, got %s", Py_TYPE(v)->tp_name);
    Py_ssize_t n;
    if (!utf8_of(st, v, &n, field)) return NULL;
    return PyUnicode_CheckExact(v) ? Py_NewRef(v) : PyUnicode_FromObject(v);
}

static PyObject *checked_state(ModState *st, PyObject *v, SetMode mode)
{
    if (load_states(st) < 0) return NULL;
    const char *field = nd_field_wire[ND_F_STATE].ptr;
    for (int i = 0; i < ND_STATE_COUNT; i++)
        if (v == st->state_members[i]) return Py_NewRef(v);
    if (!PyUnicode_Check(v))
        return raise_validation(st, field, "expected NdesConnectorState or str, got %s",
                                Py_TYPE(v)->tp_name);
    Py_ssize_t n;
    const char *s = utf8_of(st, v, &n, field);
    if (!s) return NULL;
    nd_state known = nd_state_lookup(s, (size_t)n);
    if (known != ND_STATE_UNKNOWN) return Py_NewRef(st->state_members[known]);
    if (mode == FROM_WIRE) /* a state newer than this table: keep it, never drop it */
        return PyUnicode_CheckExact(v) ? Py_NewRef(v) : PyUnicode_FromObject(v);
    return raise_validation(st, field, "%R is not one of 'none', 'active', 'inactive'", v);
}

PyObject *checked_tags(ModState *st, PyObject *v)
{
    const char *field = nd_field_wire[ND_F_ROLE_SCOPE_TAG_IDS].ptr;
    if (!PyList_Check(v) && !PyTuple_Check(v))
        return raise_validation(st, field, "expected a list of str, got %s", Py_TYPE(v)->tp_name);
    Py_INCREF(v); /* it may be a connector's list, which a finalizer can replace */
    PyObject *out = PyList_New(0);
    /* The length is read afresh at each item: any allocation may run a finalizer that changes
     * the list, and each item is held while it is looked at. */
    for (Py_ssize_t i = 0; out && i < PySequence_Fast_GET_SIZE(v); i++) {
        PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(v, i));
        Py_ssize_t len;
        PyObject *s = NULL;
        if (str_item_utf8(st, item, &len, ND_F_ROLE_SCOPE_TAG_IDS, i))
            s = PyUnicode_CheckExact(item) ? Py_NewRef(item) : PyUnicode_FromObject(item);
        Py_DECREF(item);
        if (!s || PyList_Append(out, s) < 0) Py_CLEAR(out);
        Py_XDECREF(s);
    }
    Py_DECREF(v);
    return out;
}

static int set_datetime(ModState *st, Connector *c, nd_field f, PyObject *v)
{
    const char *field = nd_field_wire[f].ptr;
    nd_datetime dt;
    int r = datetime_from_py(st, v, &dt, field);
    if (r < 0) return -1;
    if (r == 0) {
        if (!PyUnicode_Check(v)) {
            raise_validation(st, field, "expected an aware datetime or RFC 3339 str, got %s",
                             Py_TYPE(v)->tp_name);
            return -1;
        }
        Py_ssize_t n;
        const char *s = utf8_of(st, v, &n, field);
        if (!s) return -1;
        size_t at;
        const char *why = nd_datetime_parse(s, (size_t)n, &dt, &at);
        if (why) {
            raise_validation(st, field, "%s in %R", why, v);
            return -1;
        }
    }
    return set_date(st, c, f, &dt);
}

int set_date(ModState *st, Connector *c, nd_field f, const nd_datetime *dt)
{
    bool present = dt && dt->present;
    /* The object first, the whole value copied after: a decoder has just written dt field by
     * field, and a 16-byte load of those stores right away would wait for them to drain. */
    PyObject *obj = present ? datetime_to_py(st, dt) : Py_NewRef(Py_None);
    if (!obj) return -1;
    PyObject *old = *obj_slot(c, f);
    c->date_offset[date_index(f)] = present ? dt->offset_min : 0;
    *obj_slot(c, f) = obj;
    drop_datetime(st, old);
    return 0;
}

int set_field(ModState *st, Connector *c, nd_field f, PyObject *v, SetMode mode)
{
    if (nd_field_kind[f] == ND_K_DATETIME) {
        if (v == NULL || v == Py_None) return set_date(st, c, f, NULL);
        return set_datetime(st, c, f, v);
    }
    PyObject *value = Py_None;
    if (v != NULL && v != Py_None) {
        switch (nd_field_kind[f]) {
        case ND_K_STATE:
            value = checked_state(st, v, mode);
            break;
        case ND_K_STR_LIST:
            value = checked_tags(st, v);
            break;
        default:
            value = checked_str(st, v, nd_field_wire[f].ptr);
        }
        if (!value) return -1;
    } else {
        Py_INCREF(value);
    }
    Py_XSETREF(*obj_slot(c, f), value);
    return 0;
}

/* Keys of additional data must not shadow what the model writes itself. */
const char *extra_key_utf8(ModState *st, PyObject *key, Py_ssize_t *n)
{
    if (!PyUnicode_Check(key)) {
        raise_validation(st, "additional_data", "keys must be str, got %s", Py_TYPE(key)->tp_name);
        return NULL;
    }
    const char *s = utf8_of(st, key, n, "additional_data");
    if (!s) return NULL;
    nd_field f;
    switch (nd_classify_key(s, (size_t)*n, &f)) {
    case ND_KEY_FIELD:
        raise_validation(st, "additional_data",
                         "%R is a known property: set the %U attribute instead", key,
                         st->keyword_names[f]);
        return NULL;
    case ND_KEY_ODATA_TYPE:
    case ND_KEY_ANNOTATION:
        raise_validation(st, "additional_data",
                         "%R is an OData annotation, which ndes writes or drops itself", key);
        return NULL;
    default:
        return s;
    }
}

typedef struct {
    ModState *st;
    PyObject *copy;
} Checked;

static int check_extra(void *ctx, PyObject *key, const char *k, size_t n, PyObject *value)
{
    (void)k, (void)n;
    Checked *x = ctx;
    if (write_value(x->st, value, VALUE_CHECK, NULL, key) < 0) return -1;
    return PyDict_SetItem(x->copy, key, value);
}

int set_additional_data(ModState *st, Connector *c, PyObject *v)
{
    if (v == NULL || v == Py_None) {
        Py_CLEAR(c->additional_data);
        return 0;
    }
    if (!PyDict_Check(v)) {
        raise_validation(st, "additional_data", "expected a dict, got %s", Py_TYPE(v)->tp_name);
        return -1;
    }
    PyObject *copy = PyDict_New();
    if (!copy) return -1;
    Checked x = {st, copy};
    if (for_each_extra(st, v, check_extra, &x) < 0) {
        Py_DECREF(copy);
        return -1;
    }
    Py_XSETREF(c->additional_data, copy);
    return 0;
}
