/* ndes._core: module state and multi-phase initialisation (PEP 489, PEP 630). */
#include "ndes_py.h"

static const char *const py_names[ND_F_COUNT] = {
    "id",
    "last_connection_date_time",
    "state",
    "display_name",
    "enrolled_date_time",
    "machine_name",
    "connector_version",
    "role_scope_tag_ids",
};

static PyObject *import_attr(const char *module, const char *name)
{
    PyObject *mod = PyImport_ImportModule(module);
    if (!mod) return NULL;
    PyObject *attr = PyObject_GetAttrString(mod, name);
    Py_DECREF(mod);
    return attr;
}

/* NdesConnectorState is an enum.Enum, and the enum module costs more to import than all of
 * ndes: it is loaded when a state is first set or read. */
int load_states_slow(ModState *st)
{
    PyObject *State = import_attr("ndes._state", "NdesConnectorState");
    if (!State) return -1;
    PyObject *members[ND_STATE_COUNT] = {NULL};
    for (int i = 0; i < ND_STATE_COUNT; i++) {
        PyObject *value =
            PyUnicode_FromStringAndSize(nd_state_names[i].ptr, (Py_ssize_t)nd_state_names[i].len);
        members[i] = value ? PyObject_CallOneArg(State, value) : NULL;
        Py_XDECREF(value);
        if (!members[i]) {
            for (int k = 0; k < i; k++)
                Py_DECREF(members[k]);
            Py_DECREF(State);
            return -1;
        }
    }
    if (st->State) { /* loaded meanwhile, by code the import ran */
        for (int i = 0; i < ND_STATE_COUNT; i++)
            Py_DECREF(members[i]);
        Py_DECREF(State);
        return 0;
    }
    memcpy(st->state_members, members, sizeof members);
    st->State = State;
    return 0;
}

static int core_exec(PyObject *module)
{
    ModState *st = PyModule_GetState(module);
    if (!(st->ValidationError = import_attr("ndes.errors", "ValidationError")) ||
        !(st->DecodeError = import_attr("ndes.errors", "DecodeError")) ||
        !(st->keyword_names[ND_F_COUNT] = PyUnicode_InternFromString("additional_data")) ||
        !(st->utcoffset_name = PyUnicode_InternFromString("utcoffset")))
        return -1;
    for (int f = 0; f < ND_F_COUNT; f++)
        if (!(st->keyword_names[f] = PyUnicode_InternFromString(py_names[f]))) return -1;
    st->Connector = (PyTypeObject *)PyType_FromModuleAndSpec(module, &connector_spec, NULL);
    if (!st->Connector) return -1;
    st->Connector->tp_vectorcall = connector_vectorcall_fn();
    if (bind_class_methods(st->Connector) < 0) return -1;
    if (PyModule_AddType(module, st->Connector) < 0) return -1;
    return 0;
}

static int core_traverse(PyObject *module, visitproc visit, void *arg)
{
    ModState *st = PyModule_GetState(module);
    Py_VISIT(st->Connector);
    Py_VISIT(st->State);
    for (int i = 0; i < ND_STATE_COUNT; i++)
        Py_VISIT(st->state_members[i]);
    Py_VISIT(st->ValidationError);
    Py_VISIT(st->DecodeError);
    for (size_t i = 0; i < sizeof st->timezones / sizeof st->timezones[0]; i++)
        Py_VISIT(st->timezones[i]);
    Py_VISIT(st->tz_seen);
    return 0;
}

static int core_clear(PyObject *module)
{
    ModState *st = PyModule_GetState(module);
    /* The free connectors' type must outlive them. */
    clear_free_connectors(st);
    Py_CLEAR(st->Connector);
    Py_CLEAR(st->State);
    for (int i = 0; i < ND_STATE_COUNT; i++)
        Py_CLEAR(st->state_members[i]);
    Py_CLEAR(st->ValidationError);
    Py_CLEAR(st->DecodeError);
    clear_datetimes(st);
    clear_shared_strs(st);
    Py_CLEAR(st->tz_seen);
    for (int k = 0; k <= ND_F_COUNT; k++)
        Py_CLEAR(st->keyword_names[k]);
    Py_CLEAR(st->utcoffset_name);
    return 0;
}

static void core_free(void *module)
{
    core_clear((PyObject *)module);
}

/* For the tests: how decoded datetimes are made here ("filled" or "constructed"), once one was. */
static PyObject *datetime_path(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyUnicode_FromString(datetime_made_by_filling() ? "filled" : "constructed");
}

/* For the tests: how decoded ASCII strs are made here ("filled" or "constructed"). */
static PyObject *str_path(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyUnicode_FromString(str_made_by_filling() ? "filled" : "constructed");
}

static PyMethodDef core_methods[] = {
    {"_datetime_path", datetime_path, METH_NOARGS, NULL},
    {"_str_path", str_path, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot core_slots[] = {
    {Py_mod_exec, core_exec},
#ifdef Py_mod_multiple_interpreters
    /* The datetime C API is a process-wide capsule, so one interpreter only. */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ndes._core",
    .m_doc = "The C core of ndes: the NdesConnector type and its JSON and MessagePack codecs.",
    .m_size = sizeof(ModState),
    .m_methods = core_methods,
    .m_slots = core_slots,
    .m_traverse = core_traverse,
    .m_clear = core_clear,
    .m_free = core_free,
};

PyMODINIT_FUNC PyInit__core(void)
{
    return PyModuleDef_Init(&core_module);
}
