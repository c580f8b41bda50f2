#include "check.h"
#include "datetime_offset.h"

static const char *roundtrip(const char *in, char *out)
{
    nd_datetime dt;
    size_t at;
    const char *why = nd_datetime_parse(in, strlen(in), &dt, &at);
    if (why) return why;
    out[nd_datetime_format(&dt, out)] = '\0';
    return out;
}

static const char *parse_error(const char *in, size_t *at)
{
    nd_datetime dt;
    return nd_datetime_parse(in, strlen(in), &dt, at);
}

/* Whatever a caller hands the core, nothing out of range is narrowed into an nd_datetime. */
static void test_datetime_make(void)
{
    char out[ND_DATETIME_MAX + 1];
    nd_datetime dt = {0};
    const nd_datetime_fields ok = {2026, 1, 1, 0, 0, 0, 0, 0};
    nd_datetime_fields f = ok;
    const char *offset_error = "UTC offset out of range (Graph takes -14:00..+14:00)";
    /* 48 hours, 65,596 minutes (+01:00 once cut to 16 bits), and a timedelta's extremes. */
    const int64_t bad_offsets[] = {48 * 60,
                                   65596,
                                   24 * 60,
                                   -24 * 60,
                                   14 * 60 + 1,
                                   -15 * 60,
                                   999999999LL * 1440,
                                   -999999999LL * 1440};
    for (size_t i = 0; i < sizeof bad_offsets / sizeof *bad_offsets; i++) {
        f.offset_min = bad_offsets[i];
        CHECK_STR(nd_datetime_make(&f, &dt), offset_error);
        CHECK(dt.present == 0); /* untouched */
    }
    f = ok;
    f.year = 65536 + 2026; /* would wrap to 2026 in 16 bits */
    CHECK_STR(nd_datetime_make(&f, &dt), "year out of range 0001..9999");
    f = ok;
    f.usec = -1;
    CHECK_STR(nd_datetime_make(&f, &dt), "microsecond out of range");
    f = ok;
    f.hour = 256 + 3;
    CHECK_STR(nd_datetime_make(&f, &dt), "hour out of range");
    /* A struct filled by other means formats wrong but within bounds (ASan watches out[]). */
    nd_datetime wild = {65535, 255, 255, 255, 255, 255, 1, 4294967295u, -32768};
    CHECK(nd_datetime_format(&wild, out) <= ND_DATETIME_MAX);
    f = ok;
    f.offset_min = -14 * 60;
    CHECK(nd_datetime_make(&f, &dt) == NULL);
    out[nd_datetime_format(&dt, out)] = '\0';
    CHECK_STR(out, "2026-01-01T00:00:00-14:00");
}

void test_datetime(void)
{
    char out[ND_DATETIME_MAX + 1];
    CHECK_STR(roundtrip("2026-11-28T09:30:00Z", out), "2026-11-28T09:30:00Z");
    CHECK_STR(roundtrip("2026-11-28t09:30:00z", out), "2026-11-28T09:30:00Z");
    CHECK_STR(roundtrip("2016-12-31T23:58:46.7156189-08:00", out),
              "2016-12-31T23:58:46.715618-08:00");
    CHECK_STR(roundtrip("2016-12-31T23:58:46.5+05:30", out), "2016-12-31T23:58:46.500000+05:30");
    CHECK_STR(roundtrip("2016-12-31T23:58:46.000000000000+00:00", out), "2016-12-31T23:58:46Z");
    CHECK_STR(roundtrip("2024-02-29T00:00:00-00:00", out), "2024-02-29T00:00:00Z");
    CHECK_STR(roundtrip("0001-01-01T00:00:00+14:00", out), "0001-01-01T00:00:00+14:00");
    CHECK_STR(roundtrip("9999-12-31T23:59:59.999999-14:00", out),
              "9999-12-31T23:59:59.999999-14:00");

    size_t at = 99;
    CHECK_STR(parse_error("2026-11-28T09:30:00", &at), "missing UTC offset ('Z' or +HH:MM)");
    CHECK(at == 19);
    CHECK_STR(parse_error("2023-02-29T00:00:00Z", &at), "day out of range for month");
    CHECK_STR(parse_error("2026-13-01T00:00:00Z", &at), "month out of range");
    CHECK_STR(parse_error("2026-01-01T24:00:00Z", &at), "hour out of range");
    CHECK_STR(parse_error("2026-01-01T23:60:00Z", &at), "minute out of range");
    CHECK_STR(parse_error("2016-12-31T23:59:60Z", &at),
              "second out of range (leap seconds cannot be represented)");
    CHECK_STR(parse_error("0000-01-01T00:00:00Z", &at), "year out of range 0001..9999");
    CHECK_STR(parse_error("2026-01-01T00:00:00.Z", &at), "expected fraction digits after '.'");
    CHECK(at == 20);
    CHECK_STR(parse_error("2026-01-01T00:00:00.1234567890123Z", &at),
              "more than 12 fraction digits");
    CHECK_STR(parse_error("2026-01-01T00:00:00+24:00", &at),
              "UTC offset out of range (Graph takes -14:00..+14:00)");
    CHECK(at == 20);
    CHECK_STR(parse_error("2026-01-01T00:00:00-14:01", &at),
              "UTC offset out of range (Graph takes -14:00..+14:00)");
    CHECK(at == 20);
    CHECK_STR(parse_error("2026-01-01T00:00:00+0100", &at), "expected UTC offset as +HH:MM");
    CHECK_STR(parse_error("2026-01-01 00:00:00Z", &at), "expected 'T' between date and time");
    CHECK(at == 10);
    CHECK_STR(parse_error("2026-1-01T00:00:00Z", &at), "expected 2-digit month");
    CHECK(at == 5);
    CHECK_STR(parse_error("2026-01-01T00:00:00Zjunk", &at),
              "unexpected characters after the UTC offset");
    CHECK(at == 20);
    CHECK_STR(parse_error("", &at), "expected 4-digit year");

    /* The same instant in two offsets compares equal. */
    nd_datetime a, b;
    nd_datetime_parse("2026-11-28T09:30:00Z", 20, &a, &at);
    nd_datetime_parse("2026-11-28T01:30:00-08:00", 25, &b, &at);
    CHECK(nd_datetime_instant(&a) == nd_datetime_instant(&b));

    /* Unix times, as MessagePack's timestamp extension carries them. */
    nd_datetime u;
    CHECK(nd_datetime_from_unix(0, 0, &u) == 0);
    out[nd_datetime_format(&u, out)] = '\0';
    CHECK_STR(out, "1970-01-01T00:00:00Z");
    CHECK(nd_datetime_from_unix(1795858200, 123456789, &u) == 0);
    out[nd_datetime_format(&u, out)] = '\0';
    CHECK_STR(out, "2026-11-28T09:30:00.123456Z");
    CHECK(nd_datetime_from_unix(-1, 0, &u) == 0);
    out[nd_datetime_format(&u, out)] = '\0';
    CHECK_STR(out, "1969-12-31T23:59:59Z");
    CHECK(nd_datetime_from_unix(-62135596800LL, 0, &u) == 0);
    out[nd_datetime_format(&u, out)] = '\0';
    CHECK_STR(out, "0001-01-01T00:00:00Z");
    CHECK(nd_datetime_from_unix(-62135596801LL, 0, &u) == -1);
    CHECK(nd_datetime_from_unix(253402300800LL, 0, &u) == -1);
    CHECK(nd_datetime_from_unix(0, 1000000000, &u) == -1);

    test_datetime_make();
}
