/* Strings a decode read, kept as UTF-8 until first read.
 *
 * Decoding a connector copies the text of its str fields and role scope tags into one block
 * owned by the connector, instead of making a str object per value: most programs read few of
 * a connector's fields, and one block is smaller and faster to make than eight objects. A
 * field's str (or list) is made on first read and kept, so `c.id is c.id`; the block is freed
 * once every pending field has been made or set, leaving the connector as if built eagerly.
 *
 * A str field's span is its bytes; the tag list's span is its item count, the items following
 * each other from span.off as a 4-byte length (top bit: not ASCII) and the bytes. */
#include "ndes_py.h"

#define NOT_ASCII 0x80000000u

PyObject *text_to_str(const char *p, size_t n, bool ascii)
{
    if (ascii) {
        PyObject *s = PyUnicode_New((Py_ssize_t)n, 127);
        if (s) memcpy(PyUnicode_DATA(s), p, n);
        return s;
    }
    return PyUnicode_DecodeUTF8(p, (Py_ssize_t)n, "strict");
}

/* The next item of a pending list at p: its view and ASCII flag; returns the item after. */
static const char *next_item(const char *p, nd_strv *item, bool *ascii)
{
    uint32_t h;
    memcpy(&h, p, sizeof h);
    item->ptr = p + sizeof h;
    item->len = h & ~NOT_ASCII;
    *ascii = !(h & NOT_ASCII);
    return item->ptr + item->len;
}

/* The object of field f from its span of text. */
static PyObject *make_field(const TextBlock *t, const char *text, nd_field f)
{
    Span sp = t->span[f];
    if (f != ND_F_ROLE_SCOPE_TAG_IDS)
        return text_to_str(text + sp.off, sp.len, (t->ascii >> f) & 1);
    PyObject *list = PyList_New(sp.len);
    if (!list) return NULL;
    const char *p = text + sp.off;
    for (uint32_t i = 0; i < sp.len; i++) {
        nd_strv item;
        bool ascii;
        p = next_item(p, &item, &ascii);
        PyObject *s = text_to_str(item.ptr, item.len, ascii);
        if (!s) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, s);
    }
    return list;
}

void pending_drop(Connector *c, nd_field f)
{
    if (!c->text) return;
    c->text->pending &= (uint16_t) ~(1u << f);
    if (!c->text->pending) {
        PyMem_Free(c->text);
        c->text = NULL;
    }
}

int pending_make(Connector *c, nd_field f)
{
    PyObject *v = make_field(c->text, c->text->text, f);
    if (!v) return -1;
    Py_XSETREF(*obj_slot(c, f), v);
    pending_drop(c, f);
    return 0;
}

int pending_make_all(Connector *c)
{
    for (int f = 0; c->text && f < ND_F_COUNT; f++)
        if (is_pending(c, (nd_field)f) && pending_make(c, (nd_field)f) < 0) return -1;
    return 0;
}

nd_strv pending_str(const Connector *c, nd_field f)
{
    return (nd_strv){c->text->text + c->text->span[f].off, c->text->span[f].len};
}

size_t pending_count(const Connector *c, nd_field f)
{
    return c->text->span[f].len;
}

void pending_tags(const Connector *c, nd_strv *out)
{
    const TextBlock *t = c->text;
    const char *p = t->text + t->span[ND_F_ROLE_SCOPE_TAG_IDS].off;
    bool ascii;
    for (uint32_t i = 0; i < t->span[ND_F_ROLE_SCOPE_TAG_IDS].len; i++)
        p = next_item(p, &out[i], &ascii);
}

/* ---- while decoding: the text grows in the decoder's buffer ------------------------------- */

/* Room for n more bytes of text, whose offsets must fit a Span. */
static int text_room(TextBuilder *tb, size_t n)
{
    if (n > UINT32_MAX - tb->buf.len) return 1;
    return nd_buf_reserve(&tb->buf, n) < 0 ? -1 : 0;
}

int text_add_str(TextBuilder *tb, nd_field f, const char *p, size_t n, bool ascii)
{
    int r = text_room(tb, n);
    if (r) return r;
    TextBlock *h = &tb->head;
    h->span[f] = (Span){(uint32_t)tb->buf.len, (uint32_t)n};
    nd_buf_put(&tb->buf, p, n);
    h->ascii = (uint16_t)(ascii ? h->ascii | 1u << f : h->ascii & ~(1u << f));
    h->pending |= (uint16_t)(1u << f);
    return 0;
}

void text_begin_list(TextBuilder *tb, nd_field f)
{
    tb->head.span[f] = (Span){(uint32_t)tb->buf.len, 0};
    tb->head.pending |= (uint16_t)(1u << f);
}

int text_add_item(TextBuilder *tb, nd_field f, const char *p, size_t n, bool ascii)
{
    uint32_t h = (uint32_t)n | (ascii ? 0 : NOT_ASCII);
    int r = n >= NOT_ASCII ? 1 : text_room(tb, sizeof h + n);
    if (r) return r;
    nd_buf_put(&tb->buf, &h, sizeof h);
    nd_buf_put(&tb->buf, p, n);
    tb->head.span[f].len++;
    return 0;
}

int text_settle(TextBuilder *tb, Connector *c, nd_field f)
{
    PyObject *v = make_field(&tb->head, tb->buf.data, f);
    if (!v) return -1;
    Py_XSETREF(*obj_slot(c, f), v);
    text_forget(tb, f);
    return 0;
}

int text_attach(TextBuilder *tb, Connector *c)
{
    if (!tb->head.pending) return 0;
    TextBlock *t = PyMem_Malloc(sizeof *t + tb->buf.len);
    if (!t) {
        PyErr_NoMemory();
        return -1;
    }
    *t = tb->head;
    memcpy(t->text, tb->buf.data, tb->buf.len);
    c->text = t;
    return 0;
}
