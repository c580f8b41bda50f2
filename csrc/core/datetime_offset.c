#include "datetime_offset.h"

#include <string.h>

static bool is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const uint8_t dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m];
}

static const char *range_error(const nd_datetime_fields *f)
{
    if (f->year < 1 || f->year > 9999) return "year out of range 0001..9999";
    if (f->month < 1 || f->month > 12) return "month out of range";
    if (f->day < 1 || f->day > days_in_month((unsigned)f->year, (unsigned)f->month))
        return "day out of range for month";
    if (f->hour < 0 || f->hour > 23) return "hour out of range";
    if (f->minute < 0 || f->minute > 59) return "minute out of range";
    if (f->second < 0 || f->second > 59)
        return "second out of range (leap seconds cannot be represented)";
    if (f->usec < 0 || f->usec > 999999) return "microsecond out of range";
    if (f->offset_min < -ND_DATETIME_MAX_OFFSET || f->offset_min > ND_DATETIME_MAX_OFFSET)
        return "UTC offset out of range (Graph takes -14:00..+14:00)";
    return NULL;
}

const char *nd_datetime_make(const nd_datetime_fields *f, nd_datetime *out)
{
    const char *why = range_error(f);
    if (why) return why;
    out->year = (uint16_t)f->year;
    out->month = (uint8_t)f->month;
    out->day = (uint8_t)f->day;
    out->hour = (uint8_t)f->hour;
    out->minute = (uint8_t)f->minute;
    out->second = (uint8_t)f->second;
    out->usec = (uint32_t)f->usec;
    out->offset_min = (int16_t)f->offset_min;
    out->present = 1;
    return NULL;
}

const char *nd_datetime_check(const nd_datetime *dt)
{
    nd_datetime_fields f = {dt->year,   dt->month,  dt->day,  dt->hour,
                            dt->minute, dt->second, dt->usec, dt->offset_min};
    return range_error(&f);
}

/* "00" to "99": two digits with one copy. */
static const char pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* v is below 100 in any nd_datetime made by nd_datetime_make; the modulo keeps a struct filled
 * by other means (a C caller's own) from reading past the table. */
static char *put2(char *p, unsigned v)
{
    memcpy(p, pairs + 2 * (v % 100u), 2);
    return p + 2;
}

size_t nd_datetime_format(const nd_datetime *dt, char *out)
{
    char *p = out;
    p = put2(p, dt->year / 100u);
    p = put2(p, dt->year % 100u);
    *p++ = '-';
    p = put2(p, dt->month);
    *p++ = '-';
    p = put2(p, dt->day);
    *p++ = 'T';
    p = put2(p, dt->hour);
    *p++ = ':';
    p = put2(p, dt->minute);
    *p++ = ':';
    p = put2(p, dt->second);
    if (dt->usec) {
        uint32_t u = dt->usec;
        *p++ = '.';
        p = put2(p, u / 10000);
        p = put2(p, u / 100 % 100);
        p = put2(p, u % 100);
    }
    if (dt->offset_min == 0) {
        *p++ = 'Z';
    } else {
        unsigned off = (unsigned)(dt->offset_min < 0 ? -dt->offset_min : dt->offset_min);
        *p++ = dt->offset_min < 0 ? '-' : '+';
        p = put2(p, off / 60);
        *p++ = ':';
        p = put2(p, off % 60);
    }
    return (size_t)(p - out);
}

/* Reads exactly `width` digits at s[*i]; -1 when any is not a digit. */
static int digits(const char *s, size_t n, size_t *i, unsigned width)
{
    int v = 0;
    for (unsigned k = 0; k < width; k++, (*i)++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9') return -1;
        v = v * 10 + (s[*i] - '0');
    }
    return v;
}

static bool expect(const char *s, size_t n, size_t i, char c)
{
    return i < n && s[i] == c;
}

static bool is_digit(char c)
{
    return (unsigned char)(c - '0') <= 9;
}

static unsigned two(const char *p)
{
    return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

/* True when every byte of the 8 at p that `mask` selects (0xFF, byte 0 lowest) is a digit:
 * high nibble 3, and a low nibble that adding 6 does not carry out of. */
static bool digits_in(const char *p, uint64_t mask)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w, nibbles = 0xF0F0F0F0F0F0F0F0ULL & mask, threes = 0x3030303030303030ULL & mask;
    memcpy(&w, p, 8);
    return (w & nibbles) == threes && ((w + 0x0606060606060606ULL) & nibbles) == threes;
#else
    for (int k = 0; k < 8; k++)
        if ((mask >> (8 * k) & 0xFF) && !is_digit(p[k])) return false;
    return true;
#endif
}

/* The common shape, YYYY-MM-DDTHH:MM:SS[.f...](Z|+HH:MM), read without per-field calls; NULL
 * when s has another shape, so that the careful reader below can say what is wrong. When it has
 * this shape, *why is nd_datetime_make's answer. */
static const char *parse_fast(const char *s, size_t n, nd_datetime *out, const char **why)
{
    if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] | 0x20) != 't' || s[13] != ':' ||
        s[16] != ':')
        return NULL;
    if (!digits_in(s, 0x00FFFF00FFFFFFFFULL) || !digits_in(s + 8, 0xFFFF00FFFF00FFFFULL) ||
        !digits_in(s + 11, 0xFFFF00FFFF00FFFFULL))
        return NULL;
    size_t i = 19;
    uint32_t usec = 0;
    if (s[i] == '.') {
        size_t start = ++i;
        while (i < n && is_digit(s[i])) {
            if (i - start < 6) usec = usec * 10 + (uint32_t)(s[i] - '0');
            i++;
        }
        if (i == start || i - start > 12) return NULL;
        for (size_t k = i - start; k < 6; k++)
            usec *= 10;
    }
    int offset;
    if (i + 1 == n && (s[i] | 0x20) == 'z') {
        offset = 0;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && is_digit(s[i + 1]) &&
               is_digit(s[i + 2]) && s[i + 3] == ':' && is_digit(s[i + 4]) && is_digit(s[i + 5]) &&
               two(s + i + 1) * 60 + two(s + i + 4) <= ND_DATETIME_MAX_OFFSET &&
               two(s + i + 4) <= 59) {
        offset = (int)(two(s + i + 1) * 60 + two(s + i + 4)) * (s[i] == '-' ? -1 : 1);
    } else {
        return NULL;
    }
    nd_datetime_fields f = {two(s) * 100 + two(s + 2),
                            two(s + 5),
                            two(s + 8),
                            two(s + 11),
                            two(s + 14),
                            two(s + 17),
                            usec,
                            offset};
    *why = nd_datetime_make(&f, out);
    return "";
}

const char *nd_datetime_parse(const char *s, size_t n, nd_datetime *out, size_t *at)
{
    const char *why;
    if (parse_fast(s, n, out, &why)) {
        *at = 0;
        return why;
    }
    return nd_datetime_parse_careful(s, n, out, at);
}

const char *nd_datetime_parse_careful(const char *s, size_t n, nd_datetime *out, size_t *at)
{
    size_t i = 0;
    int year, month, day, hour, minute, second;
#define FIELD(var, width, sep, what)                                                               \
    do {                                                                                           \
        *at = i;                                                                                   \
        if ((var = digits(s, n, &i, width)) < 0) return "expected " what;                          \
        if (sep && !expect(s, n, i, sep)) {                                                        \
            *at = i;                                                                               \
            return "expected " #sep " after " what;                                                \
        }                                                                                          \
        i += sep ? 1 : 0;                                                                          \
    } while (0)
    FIELD(year, 4, '-', "4-digit year");
    FIELD(month, 2, '-', "2-digit month");
    FIELD(day, 2, 0, "2-digit day");
    *at = i;
    if (!(expect(s, n, i, 'T') || expect(s, n, i, 't')))
        return "expected 'T' between date and time";
    i++;
    FIELD(hour, 2, ':', "2-digit hour");
    FIELD(minute, 2, ':', "2-digit minute");
    FIELD(second, 2, 0, "2-digit second");
#undef FIELD
    uint32_t usec = 0;
    if (expect(s, n, i, '.')) {
        size_t start = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (i - start < 6) usec = usec * 10 + (uint32_t)(s[i] - '0');
            i++;
        }
        *at = i;
        if (i == start) return "expected fraction digits after '.'";
        if (i - start > 12) return "more than 12 fraction digits";
        for (size_t k = i - start; k < 6; k++)
            usec *= 10;
    }
    *at = i;
    int offset = 0;
    if (i >= n) return "missing UTC offset ('Z' or +HH:MM)";
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        int sign = s[i] == '-' ? -1 : 1;
        i++;
        size_t start = i;
        int oh = digits(s, n, &i, 2);
        if (oh < 0 || !expect(s, n, i, ':')) {
            *at = start;
            return "expected UTC offset as +HH:MM";
        }
        i++;
        int om = digits(s, n, &i, 2);
        if (om < 0) {
            *at = start;
            return "expected UTC offset as +HH:MM";
        }
        if (oh * 60 + om > ND_DATETIME_MAX_OFFSET || om > 59) {
            *at = start;
            return "UTC offset out of range (Graph takes -14:00..+14:00)";
        }
        offset = sign * (oh * 60 + om);
    } else {
        return "missing UTC offset ('Z' or +HH:MM)";
    }
    if (i != n) {
        *at = i;
        return "unexpected characters after the UTC offset";
    }
    nd_datetime_fields f = {year, month, day, hour, minute, second, usec, offset};
    *at = 0;
    return nd_datetime_make(&f, out);
}

/* Days from 0001-01-01 to y-m-d (proleptic Gregorian). */
static int64_t ordinal_day(unsigned y, unsigned m, unsigned d)
{
    static const uint16_t before[13] = {0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t py = (int64_t)y - 1;
    int64_t days = py * 365 + py / 4 - py / 100 + py / 400 + before[m] + d - 1;
    if (m > 2 && is_leap(y)) days++;
    return days;
}

int64_t nd_datetime_instant(const nd_datetime *dt)
{
    int64_t secs = ordinal_day(dt->year, dt->month, dt->day) * 86400 + dt->hour * 3600 +
                   dt->minute * 60 + dt->second - (int64_t)dt->offset_min * 60;
    return secs * 1000000 + dt->usec;
}

int nd_datetime_from_unix(int64_t secs, uint32_t nsec, nd_datetime *out)
{
    /* 0001-01-01 and 10000-01-01 as Unix seconds. */
    if (secs < -62135596800LL || secs >= 253402300800LL || nsec > 999999999) return -1;
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    /* Civil from days (H. Hinnant), days since 1970-01-01. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    nd_datetime_fields f = {y, m, d, rem / 3600, rem % 3600 / 60, rem % 60, nsec / 1000, 0};
    return nd_datetime_make(&f, out) ? -1 : 0;
}
