/* JSON output primitives shared by the connector encoder and its owner's additional-data
 * writer. */
#ifndef NDES_JSON_WRITE_H
#define NDES_JSON_WRITE_H

#include "buf.h"

/* Writes s as a quoted JSON string: UTF-8 kept as is, only '"', '\\' and control characters
 * escaped. s must be valid UTF-8. 0 or -1 (no memory). */
int nd_json_write_str(nd_buf *b, const char *s, size_t n);

/* Writes a decimal integer. */
int nd_json_write_i64(nd_buf *b, int64_t v);

#endif
