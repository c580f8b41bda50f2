/* DateTimeOffset: RFC 3339 dates with a UTC offset, as Graph writes and reads them. */
#ifndef NDES_DATETIME_H
#define NDES_DATETIME_H

#include "common.h"

typedef struct nd_datetime {
    uint16_t year; /* 1..9999 */
    uint8_t month, day, hour, minute, second;
    uint8_t present; /* free padding: lets an object keep "unset" beside the value */
    uint32_t usec;
    int16_t offset_min; /* -ND_DATETIME_MAX_OFFSET..ND_DATETIME_MAX_OFFSET */
} nd_datetime;

/* Graph's DateTimeOffset is .NET's, which refuses offsets beyond 14 hours either way. */
#define ND_DATETIME_MAX_OFFSET (14 * 60)

/* A date-time's fields as wide integers, as a caller has them before anything is narrowed. */
typedef struct nd_datetime_fields {
    int64_t year, month, day, hour, minute, second, usec, offset_min;
} nd_datetime_fields;

/* The one way to make an nd_datetime: every field is range-checked here, whatever its source
 * promises (a parser, a Unix time, a Python datetime and its tzinfo), and *out is filled only
 * when all are in range. NULL, or why not. Every other function takes an nd_datetime made here. */
const char *nd_datetime_make(const nd_datetime_fields *f, nd_datetime *out);

/* "YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM" */
#define ND_DATETIME_MAX 32

/* NULL when the fields form a real instant, else why not: nd_datetime_make's check. */
const char *nd_datetime_check(const nd_datetime *dt);

/* Writes YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+HH:MM|-HH:MM), at most ND_DATETIME_MAX bytes; returns
 * the length. The text is right for an nd_datetime made by nd_datetime_make; for any other it is
 * wrong but stays in bounds. */
size_t nd_datetime_format(const nd_datetime *dt, char *out);

/* Parses an RFC 3339 date-time: 'T' or 't', 0 to 12 fraction digits (truncated to
 * microseconds), 'Z', 'z' or +-HH:MM. Returns NULL, or a reason with *at set to the offending
 * position within s. */
const char *nd_datetime_parse(const char *s, size_t n, nd_datetime *out, size_t *at);

/* The same, one field at a time: what nd_datetime_parse falls back to for any other shape, to
 * say exactly what is wrong. Exposed so that a fuzzer can hold the two to the same answers. */
const char *nd_datetime_parse_careful(const char *s, size_t n, nd_datetime *out, size_t *at);

/* The UTC date-time of a Unix time (MessagePack's timestamp extension); -1 when it falls outside
 * years 1..9999. */
int nd_datetime_from_unix(int64_t secs, uint32_t nsec, nd_datetime *out);

/* The instant, as microseconds since 0001-01-01T00:00:00Z (may be negative by an offset). */
int64_t nd_datetime_instant(const nd_datetime *dt);

#endif
