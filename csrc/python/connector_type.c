/* The NdesConnector type: construction, attributes, equality, and the codec methods. */
#include "ndes_py.h"

#include <structmember.h>

const Py_ssize_t field_slot_offset[ND_F_COUNT] = {
    [ND_F_ID] = offsetof(Connector, id),
    [ND_F_LAST_CONNECTION] = offsetof(Connector, last_connection_obj),
    [ND_F_STATE] = offsetof(Connector, state),
    [ND_F_DISPLAY_NAME] = offsetof(Connector, display_name),
    [ND_F_ENROLLED] = offsetof(Connector, enrolled_obj),
    [ND_F_MACHINE_NAME] = offsetof(Connector, machine_name),
    [ND_F_CONNECTOR_VERSION] = offsetof(Connector, connector_version),
    [ND_F_ROLE_SCOPE_TAG_IDS] = offsetof(Connector, role_scope_tag_ids),
};

/* The state of a connector with no field set: what a freed one is put back to as well. */
static void init_fields(Connector *c)
{
    for (int f = 0; f < ND_F_COUNT; f++)
        *obj_slot(c, (nd_field)f) = Py_NewRef(Py_None);
    c->additional_data = NULL;
    c->date_offset[0] = c->date_offset[1] = 0;
}

Connector *connector_alloc_untracked(ModState *st, PyTypeObject *type)
{
    /* Only the module's own type is kept (it cannot be subclassed, so this is any connector the
     * module made): a free connector has the fields of a new one and no reference to its type,
     * which PyObject_Init takes again. */
    if (st->n_free_connectors > 0 && type == st->Connector) {
        PyObject *c = st->free_connectors[--st->n_free_connectors];
        return (Connector *)PyObject_Init(c, type);
    }
    Connector *c = PyObject_GC_New(Connector, type);
    if (c) init_fields(c);
    return c;
}

static Connector *alloc_tracked(ModState *st, PyTypeObject *type)
{
    Connector *c = st ? connector_alloc_untracked(st, type) : NULL;
    if (c) PyObject_GC_Track(c);
    return c;
}

Connector *connector_alloc(PyTypeObject *type)
{
    return alloc_tracked(state_of_type(type), type);
}

/* Visits what can be part of a reference cycle. The str fields hold exact strs or None and the
 * dates exact datetimes or None (set_field and the decoders make sure), none of them tracked by
 * the collector nor holding anything that is: visiting them would only load each one's header
 * into the cache, for every connector of every collection that goes over it. */
static int connector_traverse(Connector *c, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(c));
    Py_VISIT(c->state); /* a NdesConnectorState member, or a str */
    Py_VISIT(c->role_scope_tag_ids);
    Py_VISIT(c->additional_data);
    return 0;
}

/* The module state of `type` while its free lists take objects, or NULL. It never raises: a
 * dealloc may run while an exception is set, and once the collector has cleared the type (a
 * garbage cycle, at exit), the type has no module. */
static ModState *live_state(PyTypeObject *type)
{
#ifdef Py_GIL_DISABLED
    (void)type;
    return NULL; /* the free lists have no lock */
#else
    if (PyErr_Occurred()) return NULL; /* a failed lookup below would replace it */
    ModState *st = PyType_GetModuleState(type);
    if (!st) {
        PyErr_Clear();
        return NULL;
    }
    /* st->Connector is NULL once the module is cleared, and is what keeps the type of the free
     * connectors alive until clear_free_connectors() frees them. */
    return type == st->Connector ? st : NULL;
#endif
}

/* Sets the object fields to None, not NULL: they are never NULL, so that a finalizer that still
 * reads or encodes the connector finds it empty, not broken. Every slot is None before the old
 * objects are released, which can run finalizers. st: live_state(), for the dates. */
static void clear_fields(Connector *c, ModState *st)
{
    PyObject *old[ND_F_COUNT];
#pragma GCC unroll 8
    for (int f = 0; f < ND_F_COUNT; f++) {
        old[f] = *obj_slot(c, (nd_field)f);
        *obj_slot(c, (nd_field)f) = Py_NewRef(Py_None);
    }
    PyObject *extra = c->additional_data;
    c->additional_data = NULL;
#pragma GCC unroll 8
    for (int f = 0; f < ND_F_COUNT; f++) {
        if (nd_field_kind[f] == ND_K_DATETIME)
            drop_datetime(st, old[f]);
        else
            Py_DECREF(old[f]);
    }
    Py_XDECREF(extra);
}

/* Breaks cycles. */
static int connector_clear(Connector *c)
{
    clear_fields(c, live_state(Py_TYPE(c)));
    return 0;
}

/* Frees a connector whose fields are None, as connector_clear leaves them. */
static void free_connector(Connector *c)
{
    for (int f = 0; f < ND_F_COUNT; f++)
        Py_DECREF(*obj_slot(c, (nd_field)f));
    PyObject_GC_Del(c);
}

void clear_free_connectors(ModState *st)
{
    while (st->n_free_connectors > 0)
        free_connector((Connector *)st->free_connectors[--st->n_free_connectors]);
}

static void connector_dealloc(Connector *c)
{
    PyTypeObject *type = Py_TYPE(c);
    PyObject_GC_UnTrack(c);
    /* Releasing the fields can run finalizers, which may make and free connectors themselves:
     * c joins the free list only after that, with nothing in between that runs Python code, so
     * that no one sees it half pushed. */
    ModState *st = live_state(type);
    clear_fields(c, st);
    c->date_offset[0] = c->date_offset[1] = 0;
    /* Checked again: the finalizers may have filled the free list, or cleared the module. */
    if (st && st->Connector == type && st->n_free_connectors < FREE_CONNECTORS_MAX)
        st->free_connectors[st->n_free_connectors++] = (PyObject *)c;
    else
        free_connector(c);
    Py_DECREF(type);
}

/* Sets one keyword argument of the constructor; -1 with TypeError for an unknown name. */
/* Which field a keyword names: 0..ND_F_COUNT-1, ND_F_COUNT for additional_data, or -1. */
static int keyword_index(ModState *st, PyObject *name)
{
    /* The names a call site writes are interned, so a pointer comparison finds them... */
    for (int k = 0; k <= ND_F_COUNT; k++)
        if (name == st->keyword_names[k]) return k;
    /* ...and a name built at run time is compared as text. */
    for (int k = 0; k <= ND_F_COUNT; k++)
        if (PyUnicode_Compare(name, st->keyword_names[k]) == 0) return k;
    return -1;
}

static int set_keyword(ModState *st, Connector *c, PyObject *name, PyObject *value)
{
    int k = keyword_index(st, name);
    if (k == ND_F_COUNT) return set_additional_data(st, c, value);
    if (k >= 0) return set_field(st, c, (nd_field)k, value, FROM_USER);
    PyErr_Format(PyExc_TypeError, "NdesConnector() got an unexpected keyword argument '%U'", name);
    return -1;
}

static PyObject *connector_vectorcall(PyObject *type, PyObject *const *args, size_t nargsf,
                                      PyObject *kwnames)
{
    if (PyVectorcall_NARGS(nargsf) != 0)
        return PyErr_Format(PyExc_TypeError, "NdesConnector() takes keyword arguments only, e.g. "
                                             "NdesConnector(display_name=..., state=...)");
    ModState *st = state_of_type((PyTypeObject *)type);
    Connector *c = alloc_tracked(st, (PyTypeObject *)type);
    if (!c) return NULL;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        if (set_keyword(st, c, PyTuple_GET_ITEM(kwnames, i), args[i]) < 0) {
            Py_DECREF(c);
            return NULL;
        }
    }
    return (PyObject *)c;
}

vectorcallfunc connector_vectorcall_fn(void)
{
    return connector_vectorcall;
}

/* For callers that reach the type through tp_new rather than vectorcall. */
static PyObject *connector_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) != 0) return connector_vectorcall((PyObject *)type, &args, 1, NULL);
    ModState *st = state_of_type(type);
    Connector *c = alloc_tracked(st, type);
    if (!c) return NULL;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    /* kwds may be the caller's own dict, which utcoffset() or a finalizer can change: each entry
     * is held while it is set. */
    while (kwds && PyDict_Next(kwds, &pos, &key, &value)) {
        Py_INCREF(key);
        Py_INCREF(value);
        int r = set_keyword(st, c, key, value);
        Py_DECREF(key);
        Py_DECREF(value);
        if (r < 0) {
            Py_DECREF(c);
            return NULL;
        }
    }
    return (PyObject *)c;
}

/* The fields are read-only members (plain slot reads); their assignment is validated here,
 * before the generic path would refuse it. */
static int connector_setattro(PyObject *self, PyObject *name, PyObject *v)
{
    /* Assignment is a slot, reached even by a finalizer that the collector runs after it has
     * cleared this connector's type (which drops the module: TypeError set) or its module. */
    ModState *st = state_of(self);
    if (!st) return -1;
    if (!st->Connector) {
        PyErr_SetString(PyExc_RuntimeError, "ndes._core has been torn down");
        return -1;
    }
    int k = keyword_index(st, name);
    if (k >= 0 && k < ND_F_COUNT)
        return set_field(st, (Connector *)self, (nd_field)k, v, FROM_USER);
    return PyObject_GenericSetAttr(self, name, v);
}

static PyObject *get_additional(Connector *c, void *closure)
{
    (void)closure;
    /* Created on first read, so that `c.additional_data["x"] = 1` works on any connector. */
    if (!c->additional_data) {
        PyObject *d = PyDict_New();
        if (!d) return NULL;
        if (!c->additional_data) /* else a finalizer the allocation ran has set it: keep that */
            c->additional_data = d;
        else
            Py_DECREF(d);
    }
    return Py_NewRef(c->additional_data);
}

static int set_additional(Connector *c, PyObject *v, void *closure)
{
    (void)closure;
    return set_additional_data(state_of((PyObject *)c), c, v);
}

#define MEMBER(name, slot, doc)                                                                    \
    {                                                                                              \
        name, T_OBJECT_EX, offsetof(Connector, slot), READONLY, doc                                \
    }
static PyMemberDef connector_members[] = {
    MEMBER("id", id, "The id Graph assigned (str), or None before creation."),
    MEMBER("state", state,
           "A NdesConnectorState, a str the server sent that ndes does not know yet, or None."),
    MEMBER("display_name", display_name, "displayName (str), or None."),
    MEMBER("machine_name", machine_name, "machineName (str), or None."),
    MEMBER("connector_version", connector_version, "connectorVersion (str), or None."),
    MEMBER("role_scope_tag_ids", role_scope_tag_ids, "roleScopeTagIds: list of str, or None."),
    MEMBER("last_connection_date_time", last_connection_obj,
           "lastConnectionDateTime: an aware datetime, or None."),
    MEMBER("enrolled_date_time", enrolled_obj, "enrolledDateTime: an aware datetime, or None."),
    {NULL},
};

static PyGetSetDef connector_getset[] = {
    {"additional_data", (getter)get_additional, (setter)set_additional,
     "Properties this model does not know, by wire name (a dict of JSON-compatible values).", NULL},
    {NULL},
};

/* a and b are read from the connectors' slots and held here: comparing them runs their items'
 * __eq__, which may set the very fields they came from. */
static int same_object_field(PyObject *a, PyObject *b)
{
    if (a == b) return 1;
    if (!a || !b) return 0;
    Py_INCREF(a);
    Py_INCREF(b);
    int r = PyObject_RichCompareBool(a, b, Py_EQ);
    Py_DECREF(a);
    Py_DECREF(b);
    return r;
}

static int same_datetime(const Connector *x, const Connector *y, nd_field f)
{
    nd_datetime a, b;
    date_of(x, f, &a);
    date_of(y, f, &b);
    if (a.present != b.present) return 0;
    /* Aware datetimes are equal when they name the same instant, as in Python. */
    return !a.present || nd_datetime_instant(&a) == nd_datetime_instant(&b);
}

static int is_empty(PyObject *d)
{
    return !d || PyDict_GET_SIZE(d) == 0;
}

static PyObject *connector_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(b) != Py_TYPE(a)) Py_RETURN_NOTIMPLEMENTED;
    Connector *x = (Connector *)a, *y = (Connector *)b;
    int eq = same_datetime(x, y, ND_F_LAST_CONNECTION) && same_datetime(x, y, ND_F_ENROLLED);
    for (int f = 0; eq == 1 && f < ND_F_COUNT; f++)
        if (nd_field_kind[f] != ND_K_DATETIME)
            eq = same_object_field(*obj_slot(x, (nd_field)f), *obj_slot(y, (nd_field)f));
    if (eq == 1)
        eq = is_empty(x->additional_data) && is_empty(y->additional_data)
                 ? 1
                 : same_object_field(x->additional_data ? x->additional_data : Py_None,
                                     y->additional_data ? y->additional_data : Py_None);
    if (eq < 0) return NULL;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyObject *to_json(PyObject *self, PyObject *unused)
{
    (void)unused;
    return encode_connector((Connector *)self, VALUE_JSON);
}

static PyObject *to_msgpack(PyObject *self, PyObject *unused)
{
    (void)unused;
    return encode_connector((Connector *)self, VALUE_MSGPACK);
}

static PyObject *to_dict(PyObject *self, PyObject *unused)
{
    (void)unused;
    return connector_to_dict((Connector *)self);
}

static PyObject *from_json(PyObject *cls, PyObject *data)
{
    return decode_connector((PyTypeObject *)cls, data, VALUE_JSON);
}

static PyObject *from_msgpack(PyObject *cls, PyObject *data)
{
    return decode_connector((PyTypeObject *)cls, data, VALUE_MSGPACK);
}

static PyObject *to_json_array(PyObject *cls, PyObject *items)
{
    return encode_connectors((PyTypeObject *)cls, items, VALUE_JSON);
}

static PyObject *to_msgpack_array(PyObject *cls, PyObject *items)
{
    return encode_connectors((PyTypeObject *)cls, items, VALUE_MSGPACK);
}

static PyObject *from_json_array(PyObject *cls, PyObject *data)
{
    return decode_connectors((PyTypeObject *)cls, data, VALUE_JSON);
}

static PyObject *from_msgpack_array(PyObject *cls, PyObject *data)
{
    return decode_connectors((PyTypeObject *)cls, data, VALUE_MSGPACK);
}

static PyObject *from_json_page(PyObject *cls, PyObject *data)
{
    return decode_page((PyTypeObject *)cls, data, VALUE_JSON);
}

static PyObject *from_msgpack_page(PyObject *cls, PyObject *data)
{
    return decode_page((PyTypeObject *)cls, data, VALUE_MSGPACK);
}

static PyObject *from_dict(PyObject *cls, PyObject *d)
{
    return connector_from_dict((PyTypeObject *)cls, d);
}

static PyObject *connector_reduce(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *d = connector_to_dict((Connector *)self);
    if (!d) return NULL;
    PyObject *ctor = PyObject_GetAttrString((PyObject *)Py_TYPE(self), "from_dict");
    PyObject *r = ctor ? Py_BuildValue("O(O)", ctor, d) : NULL;
    Py_XDECREF(ctor);
    Py_DECREF(d);
    return r;
}

/* Display is not on a hot path: it lives in Python (ndes/_display.py). */
static PyObject *display(PyObject *self, const char *fn)
{
    PyObject *mod = PyImport_ImportModule("ndes._display");
    if (!mod) return NULL;
    PyObject *r = PyObject_CallMethod(mod, fn, "O", self);
    Py_DECREF(mod);
    return r;
}

static PyObject *connector_repr(PyObject *self)
{
    return display(self, "connector_repr");
}

static PyObject *repr_html(PyObject *self, PyObject *unused)
{
    (void)unused;
    return display(self, "connector_html");
}

/* Each docstring starts with a text signature ("name($self, ...)\n--\n\n"), which
 * inspect.signature() and help() read. */
static PyMethodDef connector_methods[] = {
    {"to_json", to_json, METH_NOARGS,
     "to_json($self, /)\n--\n\nThe connector as Graph's JSON request body (bytes)."},
    {"to_msgpack", to_msgpack, METH_NOARGS,
     "to_msgpack($self, /)\n--\n\nThe same document as MessagePack (bytes)."},
    {"to_dict", to_dict, METH_NOARGS,
     "to_dict($self, /)\n--\n\n"
     "The same document as a dict with wire names and JSON-compatible values."},
    {"__reduce__", connector_reduce, METH_NOARGS,
     "__reduce__($self, /)\n--\n\nPickle support: from_dict(to_dict())."},
    {"_repr_html_", repr_html, METH_NOARGS,
     "_repr_html_($self, /)\n--\n\nAn HTML table of the fields, for notebooks."},
    {NULL},
};

/* The class methods, bound to the type once (bind_class_methods) and stored in its dict as
 * plain builtins: `NdesConnector.from_json(data)` then loads and calls them through the
 * interpreter's specialised paths (LOAD_METHOD_CLASS, then a METH_O call, which also requires
 * the flags to be exactly METH_O: a METH_CLASS bit would send every call the generic way). */
static PyMethodDef class_methods[] = {
    {"from_json", from_json, METH_O,
     "from_json($type, data, /)\n--\n\n"
     "Decode a connector from JSON (bytes, bytearray, memoryview or str)."},
    {"from_msgpack", from_msgpack, METH_O,
     "from_msgpack($type, data, /)\n--\n\nDecode a connector from MessagePack."},
    {"from_dict", from_dict, METH_O,
     "from_dict($type, data, /)\n--\n\n"
     "Build a connector from a dict with wire names, as to_dict() returns."},
    {"to_json_array", to_json_array, METH_O,
     "to_json_array($type, connectors, /)\n--\n\n"
     "A sequence of connectors as one JSON array (bytes), in one C call."},
    {"from_json_array", from_json_array, METH_O,
     "from_json_array($type, data, /)\n--\n\n"
     "A list of connectors from a JSON array; an error names the item's index."},
    {"to_msgpack_array", to_msgpack_array, METH_O,
     "to_msgpack_array($type, connectors, /)\n--\n\n"
     "A sequence of connectors as one MessagePack array (bytes)."},
    {"from_msgpack_array", from_msgpack_array, METH_O,
     "from_msgpack_array($type, data, /)\n--\n\nA list of connectors from a MessagePack array."},
    {"from_json_page", from_json_page, METH_O,
     "from_json_page($type, data, /)\n--\n\nA page of a Graph collection ({\"value\": [...], "
     "\"@odata.nextLink\": ...}) as (list of connectors, next link or None); an error names "
     "the item's index."},
    {"from_msgpack_page", from_msgpack_page, METH_O,
     "from_msgpack_page($type, data, /)\n--\n\nA page of a collection, as from_json_page, from "
     "MessagePack."},
    {NULL},
};

PyDoc_STRVAR(connector_doc,
             "NdesConnector(*, id=None, display_name=None, state=None,\n"
             "              last_connection_date_time=None, enrolled_date_time=None,\n"
             "              machine_name=None, connector_version=None,\n"
             "              role_scope_tag_ids=None, additional_data=None)\n"
             "--\n\n"
             "Microsoft Graph's ndesConnector (beta). Fields are validated on construction and\n"
             "on assignment; to_json() gives the request body Graph expects.");

static PyType_Slot connector_slots[] = {
    {Py_tp_doc, (void *)connector_doc},
    {Py_tp_new, connector_new},
    {Py_tp_dealloc, connector_dealloc},
    {Py_tp_traverse, connector_traverse},
    {Py_tp_clear, connector_clear},
    {Py_tp_getset, connector_getset},
    {Py_tp_members, connector_members},
    {Py_tp_setattro, connector_setattro},
    {Py_tp_methods, connector_methods},
    {Py_tp_richcompare, connector_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_repr, connector_repr},
    {0, NULL},
};

int bind_class_methods(PyTypeObject *type)
{
    /* The type cannot be subclassed, so the class is always this one. A builtin's module is
     * its __module__, a name: the type's own ("ndes"), which messages such as "ndes.NdesConnector
     * .from_json() takes exactly one argument" put before its qualified name. */
    PyObject *module_name = PyObject_GetAttrString((PyObject *)type, "__module__");
    if (!module_name) return -1;
    int r = 0;
    for (PyMethodDef *def = class_methods; def->ml_name && r == 0; def++) {
        PyObject *f = PyCMethod_New(def, (PyObject *)type, module_name, NULL);
        r = f ? PyDict_SetItemString(type->tp_dict, def->ml_name, f) : -1;
        Py_XDECREF(f);
    }
    Py_DECREF(module_name);
    if (r < 0) return -1;
    /* Only == and != are defined and ordering raises TypeError, so the __lt__, __le__, __gt__
     * and __ge__ wrappers that Py_tp_richcompare adds are removed from the class dict for help()
     * and dir(); the slot itself, which answers NotImplemented for them, stays. */
    static const char *const unordered[] = {"__lt__", "__le__", "__gt__", "__ge__", NULL};
    for (const char *const *name = unordered; *name; name++)
        if (PyDict_DelItemString(type->tp_dict, *name) < 0) return -1;
    PyType_Modified(type);
    return 0;
}

PyType_Spec connector_spec = {
    .name = "ndes.NdesConnector",
    .basicsize = sizeof(Connector),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = connector_slots,
};
