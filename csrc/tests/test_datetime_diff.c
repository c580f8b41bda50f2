/* nd_datetime_parse and nd_datetime_make against a frozen copy of the plain, field-at-a-time
 * parser and range check they replaced for speed: the same answers (reason, offset, fields) on
 * every input below. The reference is the language's definition; keep it unchanged. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "datetime_offset.h"

static bool ref_is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned ref_days_in_month(unsigned y, unsigned m)
{
    static const uint8_t dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ref_is_leap(y) ? 29 : dim[m];
}

static const char *ref_range_error(const nd_datetime_fields *f)
{
    if (f->year < 1 || f->year > 9999) return "year out of range 0001..9999";
    if (f->month < 1 || f->month > 12) return "month out of range";
    if (f->day < 1 || f->day > ref_days_in_month((unsigned)f->year, (unsigned)f->month))
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

static const char *ref_make(const nd_datetime_fields *f, nd_datetime *out)
{
    const char *why = ref_range_error(f);
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

static int ref_digits(const char *s, size_t n, size_t *i, unsigned width)
{
    int v = 0;
    for (unsigned k = 0; k < width; k++, (*i)++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9') return -1;
        v = v * 10 + (s[*i] - '0');
    }
    return v;
}

static bool ref_expect(const char *s, size_t n, size_t i, char c)
{
    return i < n && s[i] == c;
}

static const char *ref_parse(const char *s, size_t n, nd_datetime *out, size_t *at)
{
    size_t i = 0;
    int year, month, day, hour, minute, second;
#define FIELD(var, width, sep, what)                                                               \
    do {                                                                                           \
        *at = i;                                                                                   \
        if ((var = ref_digits(s, n, &i, width)) < 0) return "expected " what;                      \
        if (sep && !ref_expect(s, n, i, sep)) {                                                    \
            *at = i;                                                                               \
            return "expected " #sep " after " what;                                                \
        }                                                                                          \
        i += sep ? 1 : 0;                                                                          \
    } while (0)
    FIELD(year, 4, '-', "4-digit year");
    FIELD(month, 2, '-', "2-digit month");
    FIELD(day, 2, 0, "2-digit day");
    *at = i;
    if (!(ref_expect(s, n, i, 'T') || ref_expect(s, n, i, 't')))
        return "expected 'T' between date and time";
    i++;
    FIELD(hour, 2, ':', "2-digit hour");
    FIELD(minute, 2, ':', "2-digit minute");
    FIELD(second, 2, 0, "2-digit second");
#undef FIELD
    uint32_t usec = 0;
    if (ref_expect(s, n, i, '.')) {
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
        int oh = ref_digits(s, n, &i, 2);
        if (oh < 0 || !ref_expect(s, n, i, ':')) {
            *at = start;
            return "expected UTC offset as +HH:MM";
        }
        i++;
        int om = ref_digits(s, n, &i, 2);
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
    return ref_make(&f, out);
}

static long compared, mismatches;

static bool same_datetime(const nd_datetime *a, const nd_datetime *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day && a->hour == b->hour &&
           a->minute == b->minute && a->second == b->second && a->present == b->present &&
           a->usec == b->usec && a->offset_min == b->offset_min;
}

static bool same_reason(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The parser runs on a heap copy of exactly n bytes, so that ASan sees any read past the end. */
static void compare(const char *s, size_t n)
{
    char *copy = malloc(n ? n : 1);
    if (!copy) abort();
    memcpy(copy, s, n);
    nd_datetime want, got;
    memset(&want, 0xA5, sizeof want);
    memset(&got, 0xA5, sizeof got);
    size_t want_at = 12345, got_at = 54321;
    const char *want_why = ref_parse(copy, n, &want, &want_at);
    const char *got_why = nd_datetime_parse(copy, n, &got, &got_at);
    compared++;
    if (!same_reason(want_why, got_why) || want_at != got_at || !same_datetime(&want, &got)) {
        if (mismatches++ < 10)
            fprintf(stderr, "parse \"%.*s\": want %s at %zu, got %s at %zu\n", (int)n, s,
                    want_why ? want_why : "ok", want_at, got_why ? got_why : "ok", got_at);
    }
    free(copy);
}

static void compare_str(const char *s)
{
    compare(s, strlen(s));
}

static const char *const seeds[] = {
    "2026-11-28T09:30:12.345678-08:00",
    "2025-01-02T03:04:05Z",
    "2016-12-31T23:58:46.7156189-08:00",
    "2016-12-31t23:58:46.7156189z",
    "2026-11-28T09:30:00+14:00",
    "0001-01-01T00:00:00.1Z",
    "9999-12-31T23:59:59.99999999-14:00",
    "2024-02-29T12:00:00.123456789012+05:30",
    "2024-02-29T12:00:00.1234567890123+05:30",
    "2000-02-29T00:00:00.00Z",
    "1900-02-28T00:00:00.12345Z",
    "2026-01-01T00:00:00.1234-00:00",
    "2026-01-01T00:00:00.123+00:59",
    "2026-01-01T00:00:00.12345678901-13:59",
};

/* Bytes that probe every class the parser tells apart, and its SWAR tricks' edges (a digit's
 * neighbours, bytes that carry when 6 or 0x76 is added, case bits). */
static const unsigned char probes[] = {
    '0',  '1',  '2',  '5',  '9',     '/',     ':',        ';',        '-',        '+',
    '.',  ',',  'T',  't',  'Z',     'z',     'z' + 1,    'Z' - 1,    ' ',        0,
    0x10, 0x20, '@',  'P',  'p',     0x7F,    0x80,       0xB0,       0xB9,       0xBA,
    0xF0, 0xF9, 0xFA, 0xFF, '+' ^ 2, '-' ^ 2, '+' | 0x20, '-' | 0x20, '0' | 0x80, 'T' ^ 0x20 ^ 0x10,
};

static void mutations(const char *seed)
{
    char buf[64];
    size_t n = strlen(seed);
    for (size_t len = 0; len <= n; len++)
        compare(seed, len);
    for (size_t i = 0; i < n; i++) {
        for (unsigned b = 0; b < 256; b++) {
            memcpy(buf, seed, n);
            buf[i] = (char)b;
            compare(buf, n);
        }
        for (size_t p = 0; p < sizeof probes;
             p++) { /* inserted before position i, and at the end */
            memcpy(buf, seed, i);
            buf[i] = (char)probes[p];
            memcpy(buf + i + 1, seed + i, n - i);
            compare(buf, n + 1);
            memcpy(buf, seed, n);
            buf[n] = (char)probes[p];
            compare(buf, n + 1);
        }
        memcpy(buf, seed, i); /* position i deleted */
        memcpy(buf + i, seed + i + 1, n - i - 1);
        compare(buf, n - 1);
    }
}

static void field_grid(void)
{
    static const int years[] = {0,    1,    2,    4,    99,   100,  400,  1600, 1700, 1899,
                                1900, 1996, 2000, 2023, 2024, 2025, 2100, 2400, 9996, 9999};
    static const char *const tails[] = {"Z", ".5z", ".1234567-08:00", "+14:00", "-00:00"};
    char buf[64];
    for (size_t y = 0; y < sizeof years / sizeof *years; y++)
        for (int m = 0; m <= 99; m++)
            for (int d = 0; d <= 99; d += (d < 33 ? 1 : 33))
                for (size_t t = 0; t < sizeof tails / sizeof *tails; t++) {
                    snprintf(buf, sizeof buf, "%04d-%02d-%02dT12:34:56%s", years[y], m, d,
                             tails[t]);
                    compare_str(buf);
                }
    for (int h = 0; h <= 99; h++)
        for (int mi = 0; mi <= 99; mi += (mi < 61 ? 1 : 19))
            for (int s = 0; s <= 99; s += (s < 61 ? 1 : 19)) {
                snprintf(buf, sizeof buf, "2024-02-29T%02d:%02d:%02dZ", h, mi, s);
                compare_str(buf);
                snprintf(buf, sizeof buf, "2023-12-31T%02d:%02d:%02d.000001+01:00", h, mi, s);
                compare_str(buf);
            }
    for (int oh = 0; oh <= 99; oh++)
        for (int om = 0; om <= 99; om++)
            for (int sign = 0; sign < 2; sign++) {
                snprintf(buf, sizeof buf, "2026-11-28T09:30:12.345678%c%02d:%02d", "+-"[sign], oh,
                         om);
                compare_str(buf);
                snprintf(buf, sizeof buf, "9999-12-31T23:59:59%c%02d:%02d", "+-"[sign], oh, om);
                compare_str(buf);
            }
    /* Every fraction length from none to 14, each digit value, and a non-digit in each place. */
    for (int len = 0; len <= 14; len++)
        for (int v = 0; v <= 9; v++)
            for (size_t t = 0; t < sizeof tails / sizeof *tails; t++) {
                int k = snprintf(buf, sizeof buf, "2026-01-01T00:00:00.");
                for (int i = 0; i < len; i++)
                    buf[k + i] = (char)('0' + (v + i * 7) % 10);
                snprintf(buf + k + len, sizeof buf - (size_t)(k + len), "%s",
                         tails[t] + (tails[t][0] == '.' ? 2 : 0));
                compare_str(buf);
                for (int i = 0; i < len; i++) {
                    char keep = buf[k + i];
                    for (size_t p = 0; p < sizeof probes; p++) {
                        buf[k + i] = (char)probes[p];
                        compare_str(buf);
                    }
                    buf[k + i] = keep;
                }
            }
}

/* Several bytes at a time replaced at random, from probes or any byte (a fixed seed). */
static void random_mutations(void)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char buf[64];
    for (long round = 0; round < 400000; round++) {
        const char *seed = seeds[round % (sizeof seeds / sizeof *seeds)];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        for (int k = 0; k < 3; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t i = (size_t)(x % n);
            buf[i] = (char)(x >> 32 & 1 ? probes[(x >> 40) % sizeof probes] : (x >> 48));
        }
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        compare(buf, x % 4 ? n : (size_t)(x >> 8) % (n + 1));
    }
}

/* nd_datetime_make on wide fields: each one swept over its edges and the 64-bit extremes while
 * the others stay valid, and the day of month over every month of leap and common years. */
static void make_grid(void)
{
    static const int64_t edges[] = {INT64_MIN,
                                    INT64_MIN + 1,
                                    -65536,
                                    -4294967296LL,
                                    -1441,
                                    -841,
                                    -840,
                                    -839,
                                    -1,
                                    0,
                                    1,
                                    2,
                                    11,
                                    12,
                                    13,
                                    23,
                                    24,
                                    28,
                                    29,
                                    30,
                                    31,
                                    32,
                                    59,
                                    60,
                                    61,
                                    99,
                                    100,
                                    127,
                                    128,
                                    255,
                                    256,
                                    257,
                                    839,
                                    840,
                                    841,
                                    1440,
                                    9998,
                                    9999,
                                    10000,
                                    65535,
                                    65536,
                                    65536 + 2026,
                                    999999,
                                    1000000,
                                    4294967295LL,
                                    4294967296LL,
                                    INT64_MAX - 1,
                                    INT64_MAX};
    const nd_datetime_fields ok = {2024, 2, 29, 23, 59, 59, 999999, -840};
    size_t ne = sizeof edges / sizeof *edges;
    for (int field = 0; field < 8; field++)
        for (size_t e = 0; e < ne; e++)
            for (size_t e2 = 0; e2 < ne; e2++) { /* a second field broken too: which is named */
                nd_datetime_fields f = ok;
                int64_t *slot = &f.year;
                slot[field] = edges[e];
                slot[(field + 3) % 8] = edges[e2];
                nd_datetime want, got;
                memset(&want, 0x5A, sizeof want);
                memset(&got, 0x5A, sizeof got);
                const char *want_why = ref_make(&f, &want), *got_why = nd_datetime_make(&f, &got);
                compared++;
                if (!same_reason(want_why, got_why) || !same_datetime(&want, &got)) {
                    if (mismatches++ < 10)
                        fprintf(stderr, "make field %d = %lld: want %s, got %s\n", field,
                                (long long)edges[e], want_why ? want_why : "ok",
                                got_why ? got_why : "ok");
                }
            }
    for (int64_t y = 0; y <= 10000; y++)
        for (int64_t m = 0; m <= 13; m++)
            for (int64_t d = 27; d <= 32; d++) {
                nd_datetime_fields f = {y, m, d, 0, 0, 0, 0, 0};
                nd_datetime want = {0}, got = {0};
                compared++;
                if (!same_reason(ref_make(&f, &want), nd_datetime_make(&f, &got)) ||
                    !same_datetime(&want, &got))
                    if (mismatches++ < 10)
                        fprintf(stderr, "make %lld-%lld-%lld differs\n", (long long)y, (long long)m,
                                (long long)d);
            }
}

/* nd_datetime_check on structs filled by other means: random bytes, and random fields near
 * their ranges. */
static void check_grid(void)
{
    uint64_t x = 0x2545F4914F6CDD1DULL;
    for (long round = 0; round < 200000; round++) {
        nd_datetime dt;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t y = x;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (round % 2) {
            memcpy(&dt, &x, 8);
            memcpy((char *)&dt + 8, &y, 8);
        } else {
            dt.year = (uint16_t)(x % 10002);
            dt.month = (uint8_t)(x >> 16 & 15);
            dt.day = (uint8_t)(x >> 20 & 31);
            dt.hour = (uint8_t)(x >> 25 & 31);
            dt.minute = (uint8_t)(x >> 30 & 63);
            dt.second = (uint8_t)(x >> 36 & 63);
            dt.usec = (uint32_t)(y % 1000002);
            dt.offset_min = (int16_t)((int)(y >> 32 & 2047) - 1024);
        }
        nd_datetime_fields f = {dt.year,   dt.month,  dt.day,  dt.hour,
                                dt.minute, dt.second, dt.usec, dt.offset_min};
        compared++;
        if (!same_reason(ref_range_error(&f), nd_datetime_check(&dt)))
            if (mismatches++ < 10)
                fprintf(stderr, "check %u-%u-%u %u:%u:%u.%u %d differs\n", dt.year, dt.month,
                        dt.day, dt.hour, dt.minute, dt.second, dt.usec, dt.offset_min);
    }
}

void test_datetime_against_reference(void)
{
    compared = mismatches = 0;
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
        mutations(seeds[i]);
    field_grid();
    random_mutations();
    make_grid();
    check_grid();
    fprintf(stderr, "datetime: %ld inputs compared with the reference\n", compared);
    CHECK(compared > 1000000);
    CHECK(mismatches == 0);
}
