/* MessagePack output: msgpack-c's pack template, instantiated to append straight to an nd_buf
 * (as msgpack-c intends for custom sinks), so no callback runs per token. */
#ifndef NDES_MP_WRITE_H
#define NDES_MP_WRITE_H

#include "buf.h"

#include <msgpack/pack_define.h>
#include <msgpack/timestamp.h>

#define msgpack_pack_inline_func(name) static inline int nd_mp_pack##name
#define msgpack_pack_inline_func_cint(name) static inline int nd_mp_pack##name
#define msgpack_pack_inline_func_fixint(name) static inline int nd_mp_pack_fix##name
#define msgpack_pack_user nd_buf *
#define msgpack_pack_append_buffer(user, buf, len)                                                 \
    return nd_buf_append(user, (const char *)(buf), len)
#include <msgpack/pack_template.h>

static inline int nd_mp_write_str(nd_buf *b, const char *s, size_t n)
{
    if (nd_mp_pack_str(b, n) < 0) return -1;
    return nd_buf_append(b, s, n);
}

#endif
