#include "datetime_offset.h"

#include <string.h>

static bool is_leap(uint64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A word from its eight bytes, byte 0 lowest. */
#define W8(a, b, c, d, e, f, g, h)                                                                 \
    ((uint64_t)(uint8_t)(a) | (uint64_t)(uint8_t)(b) << 8 | (uint64_t)(uint8_t)(c) << 16 |         \
     (uint64_t)(uint8_t)(d) << 24 | (uint64_t)(uint8_t)(e) << 32 | (uint64_t)(uint8_t)(f) << 40 |  \
     (uint64_t)(uint8_t)(g) << 48 | (uint64_t)(uint8_t)(h) << 56)
#define LANES(b) (0x0101010101010101ULL * (uint8_t)(b))

/* The range rule reads a date-time's "head": the year in bits 0-15, then a byte each for month,
 * day, hour, minute and second (bits 16-55), as the parser builds it straight from its digit
 * lanes, so that all six are checked at once. It answers with one bit per bad field, ascending
 * in the order the reasons name them (the lowest set bit is the first bad field): the top bit
 * of each field's lane(s), then microseconds and offset. */
#define BAD_YEAR (0x80ULL << 8)
#define BAD_MONTH (0x80ULL << 16)
#define BAD_DAY (0x80ULL << 24)
#define BAD_HOUR (0x80ULL << 32)
#define BAD_MINUTE (0x80ULL << 40)
#define BAD_SECOND (0x80ULL << 48)
#define BAD_HEAD (BAD_YEAR | BAD_MONTH | BAD_DAY | BAD_HOUR | BAD_MINUTE | BAD_SECOND)
#define BAD_USEC (1ULL << 56)
#define BAD_OFFSET (1ULL << 57)

/* A field fits below its limit when adding 0x7F - limit (0x7FFF - limit for the year) leaves
 * its top bit clear, and is not 0 (year, month and day start at 1) when adding 0x7F(FF) sets
 * it. A field with its top bit set fails on that bit; its carry can reach only later fields,
 * which leaves the first bad one named. February is held to 29 days here and the 29th, rare,
 * takes the leap-year test. The month picks the limits (the day's is its month's) through a
 * mask, in bounds when the month is bad too (its own bit then names it). */
ND_INLINE uint64_t out_of_range(uint64_t head, uint64_t usec, int64_t offset_min)
{
#define LIMITS(days)                                                                               \
    W8(0xFF & (0x7FFF - 9999), (0x7FFF - 9999) >> 8, 0x7F - 12, 0x7F - (days), 0x7F - 23,          \
       0x7F - 59, 0x7F - 59, 0)
    static const uint64_t limits_in[16] = {
        LIMITS(0),  LIMITS(31), LIMITS(29), LIMITS(31), LIMITS(30), LIMITS(31),
        LIMITS(30), LIMITS(31), LIMITS(31), LIMITS(30), LIMITS(31), LIMITS(30),
        LIMITS(31), LIMITS(0),  LIMITS(0),  LIMITS(0),
    };
#undef LIMITS
    uint64_t fields = head & W8(~0, ~0, ~0, ~0, ~0, ~0, ~0, 0);
    uint64_t nonzero = fields + W8(0xFF, 0x7F, 0x7F, 0x7F, 0, 0, 0, 0);
    uint64_t bad = ((fields + limits_in[head >> 16 & 15]) | fields |
                    (~nonzero & (BAD_YEAR | BAD_MONTH | BAD_DAY))) &
                   BAD_HEAD;
    if ((head >> 16 & 0xFFFF) == (2 | 29 << 8) && !is_leap(head & 0xFFFF)) bad |= BAD_DAY;
    bad |= usec > 999999 ? BAD_USEC : 0;
    bad |=
        (uint64_t)offset_min + ND_DATETIME_MAX_OFFSET > 2 * ND_DATETIME_MAX_OFFSET ? BAD_OFFSET : 0;
    return bad;
}

/* The first bad field's reason, from out_of_range's bits. */
static const char *reason(uint64_t bad)
{
    static const struct {
        uint64_t bit;
        const char *why;
    } reasons[] = {
        {BAD_YEAR, "year out of range 0001..9999"},
        {BAD_MONTH, "month out of range"},
        {BAD_DAY, "day out of range for month"},
        {BAD_HOUR, "hour out of range"},
        {BAD_MINUTE, "minute out of range"},
        {BAD_SECOND, "second out of range (leap seconds cannot be represented)"},
        {BAD_USEC, "microsecond out of range"},
        {BAD_OFFSET, "UTC offset out of range (Graph takes -14:00..+14:00)"},
    };
    size_t k = 0;
    while (!(bad & reasons[k].bit))
        k++;
    return reasons[k].why;
}

/* The head is the first eight bytes of an nd_datetime on a little-endian machine (the present
 * flag as its top byte): one store there. */
_Static_assert(offsetof(nd_datetime, year) == 0 && offsetof(nd_datetime, month) == 2 &&
                   offsetof(nd_datetime, day) == 3 && offsetof(nd_datetime, hour) == 4 &&
                   offsetof(nd_datetime, minute) == 5 && offsetof(nd_datetime, second) == 6 &&
                   offsetof(nd_datetime, present) == 7,
               "an nd_datetime starts with its head");
ND_INLINE const char *make_head(uint64_t head, uint64_t usec, int64_t offset_min, nd_datetime *out)
{
    uint64_t bad = out_of_range(head, usec, offset_min);
    if (ND_UNLIKELY(bad)) return reason(bad);
    head |= 1ULL << 56; /* present */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(out, &head, 8);
#else
    out->year = (uint16_t)head;
    out->month = (uint8_t)(head >> 16);
    out->day = (uint8_t)(head >> 24);
    out->hour = (uint8_t)(head >> 32);
    out->minute = (uint8_t)(head >> 40);
    out->second = (uint8_t)(head >> 48);
    out->present = 1;
#endif
    out->usec = (uint32_t)usec;
    out->offset_min = (int16_t)offset_min;
    return NULL;
}

/* Wide fields into a head, each saturated to a value out of range (a year of 0, a byte of 255)
 * when it does not fit, so that the rule refuses it. All nearly always fit, which one test of
 * their OR tells. */
static uint64_t lane(uint64_t v)
{
    return v > 255 ? 255 : v;
}

static uint64_t head_of(const nd_datetime_fields *f)
{
    uint64_t month = (uint64_t)f->month, day = (uint64_t)f->day, hour = (uint64_t)f->hour;
    uint64_t minute = (uint64_t)f->minute, second = (uint64_t)f->second;
    if (ND_UNLIKELY((month | day | hour | minute | second) > 255)) {
        month = lane(month), day = lane(day), hour = lane(hour);
        minute = lane(minute), second = lane(second);
    }
    uint64_t year = (uint64_t)f->year > 9999 ? 0 : (uint64_t)f->year;
    return year | month << 16 | day << 24 | hour << 32 | minute << 40 | second << 48;
}

const char *nd_datetime_make(const nd_datetime_fields *f, nd_datetime *out)
{
    return make_head(head_of(f), (uint64_t)f->usec, f->offset_min, out);
}

const char *nd_datetime_check(const nd_datetime *dt)
{
    nd_datetime_fields f = {dt->year,   dt->month,  dt->day,  dt->hour,
                            dt->minute, dt->second, dt->usec, dt->offset_min};
    uint64_t bad = out_of_range(head_of(&f), (uint64_t)f.usec, f.offset_min);
    return bad ? reason(bad) : NULL;
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

/* The text as a 64-bit word, byte 0 lowest whatever the machine (one load on a little-endian
 * one: compilers merge the bytes). */
ND_INLINE uint64_t load8(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 |
           (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 |
           (uint64_t)u[7] << 56;
}

/* Nonzero when y, a word of text XOR-ed with its expected shape ('0' where a digit goes), does
 * not fit: a `digits` lane above 9, or another `care` lane not 0. Adding 0x76 (a digit lane) or
 * 0x7F (another) sets a lane's top bit exactly when it does not fit, and a lane that fits does
 * not carry into the next; y's own top bit catches lanes from 0x80 up, whose carry can spoil
 * only a word already refused. */
ND_INLINE uint64_t misfits(uint64_t y, uint64_t digits, uint64_t care)
{
    y &= care;
    return ((y + ((LANES(0x7F) & care) - (LANES(9) & digits))) | y) & LANES(0x80);
}

/* Lane k of a word of digit values (other lanes 0) becomes 10 * lane k + lane k+1: a two-digit
 * field's value in the lane where it starts. No lane exceeds 99, so none carries. */
ND_INLINE uint64_t pair_values(uint64_t d)
{
    return d * 10 + (d >> 8);
}

/* Eight digit values, the first in lane 0, as a number: pairs, then fours, then eight. */
ND_INLINE uint32_t eight_digits(uint64_t d)
{
    d = pair_values(d) & 0x00FF00FF00FF00FFULL;
    d = (d * 100 + (d >> 16)) & 0x0000FFFF0000FFFFULL;
    return (uint32_t)(d * 10000 + (d >> 32));
}

/* The common shape, YYYY-MM-DDTHH:MM:SS[.f{1,8}](Z|+HH:MM), read a word at a time with no
 * branch per digit; NULL when s has another shape (or an offset out of range), so that the
 * careful reader below can say what is wrong. When it has this shape, *why is
 * nd_datetime_make's answer, as the careful reader would give it. */
static const char *parse_fast(const char *s, size_t n, nd_datetime *out, const char **why)
{
    if (n < 20) return NULL;
    /* "YYYY-MM-", "DDTHH:MM" and "HH:MM:SS" (the hour and minute checked twice, which costs
     * nothing); 'T' in either case, by setting its case bit first. */
    const uint64_t date_digits = W8(~0, ~0, ~0, ~0, 0, ~0, ~0, 0);
    const uint64_t time_digits = W8(~0, ~0, 0, ~0, ~0, 0, ~0, ~0);
    uint64_t date = load8(s) ^ W8('0', '0', '0', '0', '-', '0', '0', '-');
    uint64_t mid =
        (load8(s + 8) | W8(0, 0, 0x20, 0, 0, 0, 0, 0)) ^ W8('0', '0', 't', '0', '0', ':', '0', '0');
    uint64_t time = load8(s + 11) ^ W8('0', '0', ':', '0', '0', ':', '0', '0');
    if (misfits(date, date_digits, ~0ULL) | misfits(mid, time_digits, ~0ULL) |
        misfits(time, time_digits, ~0ULL))
        return NULL;

    /* The head the range rule reads: each pair's value moved from its lane in the text to its
     * byte in the head, two of them (the year's) or three (day, hour and minute, in lanes 0, 3
     * and 6) at once by a product whose terms land in separate lanes, too small to carry. */
    uint64_t dp = pair_values(date), mp = pair_values(mid), tp = pair_values(time);
    uint64_t year = ((dp & 0xFF00FF) * ((100 << 16) + 1)) >> 16 & 0xFFFF;
    uint64_t day_hour_minute =
        ((mp & W8(~0, 0, 0, ~0, 0, 0, ~0, 0)) * W8(1, 0, 1, 0, 1, 0, 0, 0)) >> 8 &
        W8(0, 0, 0, ~0, ~0, ~0, 0, 0);
    uint64_t month = dp >> 24 & 0xFF0000, second = tp & 0xFF000000000000; /* lanes 5, 6 */
    uint64_t head = year | month | day_hour_minute | second;

    /* The offset is read from the end, which leaves the fraction's length known. */
    size_t end;
    int offset;
    if ((s[n - 1] | 0x20) == 'z') {
        end = n - 1;
        offset = 0;
    } else {
        char sign = s[n - 6];
        uint64_t hhmm = (load8(s + n - 8) ^ W8(0, 0, 0, '0', '0', ':', '0', '0')) >> 24;
        if ((sign != '+' && sign != '-') ||
            misfits(hhmm, W8(~0, ~0, 0, ~0, ~0, 0, 0, 0), W8(~0, ~0, ~0, ~0, ~0, 0, 0, 0)))
            return NULL;
        uint64_t p = pair_values(hhmm);
        unsigned minutes = (unsigned)(p & 0xFF) * 60 + (unsigned)(p >> 24 & 0xFF);
        if (minutes > ND_DATETIME_MAX_OFFSET || (p >> 24 & 0xFF) > 59) return NULL;
        offset = sign == '-' ? -(int)minutes : (int)minutes;
        end = n - 6;
    }

    uint32_t usec = 0;
    if (end != 19) {
        /* f digits end where the offset starts: the word ending there holds them in its top f
         * lanes. More than 8 (Graph sends 7) go to the careful reader. */
        size_t f = end - 20;
        if (f - 1 > 7 || s[19] != '.') return NULL;
        uint64_t mask = ~0ULL << (8 * (8 - f));
        uint64_t frac = (load8(s + end - 8) ^ LANES('0')) & mask;
        if (misfits(frac, ~0ULL, ~0ULL)) return NULL; /* lanes outside the mask are 0: fit */
        /* The first six digits as the last six lanes of eight: later digits fall off (they are
         * truncated), missing ones are 0. */
        usec = eight_digits(f <= 6 ? frac >> (8 * (6 - f)) : frac << (8 * (f - 6)));
    }

    *why = make_head(head, usec, offset, out);
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
