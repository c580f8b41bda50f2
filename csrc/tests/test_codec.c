#include <stdlib.h>

#include "check.h"
#include "connector.h"
#include "json_write.h"
#include "mp_write.h"
#include "recorder.h"

#define S(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }

void test_state_and_keys(void)
{
    CHECK(nd_state_lookup("active", 6) == ND_STATE_ACTIVE);
    CHECK(nd_state_lookup("none", 4) == ND_STATE_NONE);
    CHECK(nd_state_lookup("inactive", 8) == ND_STATE_INACTIVE);
    CHECK(nd_state_lookup("Active", 6) == ND_STATE_UNKNOWN);
    CHECK(nd_state_lookup("unknownFutureValue", 18) == ND_STATE_UNKNOWN);
    nd_field f;
    CHECK(nd_classify_key("displayName", 11, &f) == ND_KEY_FIELD && f == ND_F_DISPLAY_NAME);
    CHECK(nd_classify_key("@odata.type", 11, &f) == ND_KEY_ODATA_TYPE);
    CHECK(nd_classify_key("@odata.context", 14, &f) == ND_KEY_ANNOTATION);
    CHECK(nd_classify_key("displayname", 11, &f) == ND_KEY_EXTRA);
    CHECK(nd_is_connector_type("#microsoft.graph.ndesConnector", 30));
    CHECK(nd_is_connector_type("microsoft.graph.ndesConnector", 29));
    CHECK(!nd_is_connector_type("#microsoft.graph.user", 21));
}

static nd_connector_view full_view(void)
{
    static const nd_strv tags[2] = {S("0"), S("a\"b")};
    nd_connector_view v;
    memset(&v, 0, sizeof v);
    v.id = (nd_strv)S("c0ffee");
    v.state = (nd_strv)S("active");
    v.display_name = (nd_strv)S("NDES \xc3\xa9\n01");
    v.machine_name = (nd_strv)S("m1");
    v.connector_version = (nd_strv)S("6.2");
    v.last_connection = (nd_datetime){2026, 11, 28, 9, 30, 0, 1, 0, -480};
    v.enrolled = (nd_datetime){2025, 1, 2, 3, 4, 5, 1, 600000, 0};
    v.role_tags = tags;
    v.n_role_tags = 2;
    v.has_role_tags = true;
    return v;
}

static char *to_cstr(nd_buf *b)
{
    nd_buf_append(b, "", 1);
    return b->data;
}

static int two_extras(void *ctx, nd_buf *b)
{
    (void)ctx;
    return nd_buf_append(b, ",\"x\":1,\"y\":[]", 13);
}

void test_json_write(void)
{
    nd_buf b;
    nd_buf_init_malloc(&b);
    CHECK(nd_json_write_str(&b, "a\"b\\c\n\x01\x1f\x7f\xc3\xa9/", 12) == 0);
    CHECK_STR(to_cstr(&b), "\"a\\\"b\\\\c\\n\\u0001\\u001f\x7f\xc3\xa9/\"");

    b.len = 0;
    nd_connector_view v = full_view();
    CHECK(nd_json_write_connector(&b, &v) == ND_OK);
    CHECK_STR(to_cstr(&b),
              "{\"@odata.type\":\"#microsoft.graph.ndesConnector\",\"id\":\"c0ffee\","
              "\"lastConnectionDateTime\":\"2026-11-28T09:30:00-08:00\",\"state\":\"active\","
              "\"displayName\":\"NDES \xc3\xa9\\n01\","
              "\"enrolledDateTime\":\"2025-01-02T03:04:05.600000Z\",\"machineName\":\"m1\","
              "\"connectorVersion\":\"6.2\",\"roleScopeTagIds\":[\"0\",\"a\\\"b\"]}");

    b.len = 0;
    nd_connector_view empty;
    memset(&empty, 0, sizeof empty);
    empty.n_extra = 2;
    empty.write_extra = two_extras;
    CHECK(nd_json_write_connector(&b, &empty) == ND_OK);
    CHECK_STR(to_cstr(&b), "{\"@odata.type\":\"#microsoft.graph.ndesConnector\",\"x\":1,\"y\":[]}");

    /* A long string with escapes spread through it forces the buffer to grow mid-string. */
    char big[3000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = i % 7 == 0 ? '\n' : 'a';
    b.len = 0;
    CHECK(nd_json_write_str(&b, big, sizeof big) == 0);
    CHECK(b.len == 2 + sizeof big + (sizeof big + 6) / 7);

    /* Every length the word-wise copy treats differently (bytes, half words, two words, blocks
     * of 16 and their overlapping tail), with one byte to escape at each position or none: the
     * output is the plain text with that one byte escaped. */
    for (size_t n = 0; n <= 40; n++) {
        for (size_t at = 0; at <= n; at++) {
            char text[40], want[48];
            for (size_t i = 0; i < n; i++)
                text[i] = (char)('a' + i % 26);
            if (at < n) text[at] = '"';
            size_t w = 0;
            want[w++] = '"';
            for (size_t i = 0; i < n; i++) {
                if (i == at) want[w++] = '\\';
                want[w++] = text[i];
            }
            want[w++] = '"';
            b.len = 0;
            CHECK(nd_json_write_str(&b, text, n) == 0 && b.len == w &&
                  memcmp(b.data, want, w) == 0);
        }
    }

    b.len = 0;
    nd_json_write_i64(&b, INT64_MIN);
    CHECK_STR(to_cstr(&b), "-9223372036854775808");
    nd_buf_free_malloc(&b);
}

void test_mp_write(void)
{
    nd_buf b;
    nd_buf_init_malloc(&b);
    nd_connector_view v;
    memset(&v, 0, sizeof v);
    v.state = (nd_strv)S("active");
    CHECK(nd_mp_write_connector(&b, &v) == ND_OK);
    static const char want[] = "\x82\xab@odata.type\xbe#microsoft.graph.ndesConnector"
                               "\xa5state\xa6"
                               "active";
    CHECK(b.len == sizeof want - 1 && memcmp(b.data, want, b.len) == 0);

    /* Everything written reads back the same through the MessagePack reader. */
    b.len = 0;
    v = full_view();
    CHECK(nd_mp_write_connector(&b, &v) == ND_OK);
    recorder r;
    CHECK_STR(record_mp(&r, b.data, b.len),
              " id=\"c0ffee\" lastConnectionDateTime=@2026-11-28T09:30:00-08:00 state=1:active"
              " displayName=\"NDES \xc3\xa9\n01\" enrolledDateTime=@2025-01-02T03:04:05.600000Z"
              " machineName=\"m1\" connectorVersion=\"6.2\" roleScopeTagIds=\"0\",\"a\"b\"");
    nd_buf_free_malloc(&b);
}

static const char *json(recorder *r, const char *text)
{
    return record_json(r, text, strlen(text));
}

void test_json_read(void)
{
    recorder r;
    /* The 201 body Graph sends: annotations dropped, 7-digit fractions, offsets, unknowns. */
    CHECK_STR(json(&r, "{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#x\","
                       "\"@odata.type\":\"#microsoft.graph.ndesConnector\",\"id\":\"1f2e\","
                       "\"lastConnectionDateTime\":\"2016-12-31T23:58:46.7156189-08:00\","
                       "\"state\":\"none\",\"displayName\":\"Display Name value\","
                       "\"enrolledDateTime\":\"2017-01-01T00:00:22.7321468Z\","
                       "\"machineName\":\"M\",\"connectorVersion\":\"6\","
                       "\"roleScopeTagIds\":[\"0\",\"7\"]}"),
              " id=\"1f2e\" lastConnectionDateTime=@2016-12-31T23:58:46.715618-08:00"
              " state=0:none displayName=\"Display Name value\""
              " enrolledDateTime=@2017-01-01T00:00:22.732146Z machineName=\"M\""
              " connectorVersion=\"6\" roleScopeTagIds=\"0\",\"7\"");
    CHECK_STR(json(&r, " {\"state\":\"degraded\" , \"displayName\":null,\"roleScopeTagIds\":[]}\n"),
              " state=-1:degraded displayName=null roleScopeTagIds=");
    CHECK_STR(json(&r, "{\"x\":{\"a\":[1,-2,3.5e1,true,false,null,\"s\"]},\"y\":{}}"),
              " extra:x={a:[1,-2,f:3.5e1,true,false,null,\"s\"]} extra:y={}");
    CHECK_STR(json(&r, "{\"n\":[9223372036854775807,-9223372036854775808,18446744073709551615,"
                       "18446744073709551616,-9223372036854775809]}"),
              " extra:n=[9223372036854775807,-9223372036854775808,u18446744073709551615,"
              "big:18446744073709551616,big:-9223372036854775809]");
    /* Escapes, in values and in keys, resolve before matching. */
    CHECK_STR(json(&r, "{\"display\\u004eame\":\"\\u00e9\\ud83d\\ude00\\/\\t\\\"\"}"),
              " displayName=\"\xc3\xa9\xf0\x9f\x98\x80/\t\"\"");
    CHECK_STR(json(&r, "{\"k\":\"\\u00e9\"}"), " extra:k=u\"\xc3\xa9\"");
    CHECK_STR(json(&r, "{\"@odata.type\":\"microsoft.graph.ndesConnector\"}"), "");

    /* Malformed input: each names what is wrong and where. */
    CHECK_STR(json(&r, ""), "ERROR@0: unexpected end of input");
    CHECK_STR(json(&r, "{\"displayName\":\"abc"), "ERROR@19: unexpected end of input");
    CHECK_STR(json(&r, "{\"displayName\":\"abc\""), "ERROR@20: unexpected end of input");
    CHECK_STR(json(&r, "{} x"), "ERROR@3: trailing data after the JSON object");
    CHECK_STR(json(&r, "{}{}"), "ERROR@2: trailing data after the JSON object");
    CHECK_STR(json(&r, "[1]"), "ERROR@0: expected a JSON object at the top level, got an array");
    CHECK_STR(json(&r, "\"x\""), "ERROR@0: expected a JSON object at the top level, got a string");
    CHECK_STR(json(&r, "{\"a\":1,}"), "ERROR@7: expected a string key");
    CHECK_STR(json(&r, "{\"a\":[1,]}"), "ERROR@8: expected a value");
    CHECK_STR(json(&r, "{\"a\" 1}"), "ERROR@5: expected ':' after object key");
    CHECK_STR(json(&r, "{\"a\":1 \"b\":2}"), "ERROR@7: expected ',' or '}' in object");
    CHECK_STR(json(&r, "{\"a\":[1 2]}"), "ERROR@8: expected ',' or ']' in array");
    CHECK_STR(json(&r, "{\"a\":tru}"), "ERROR@5: invalid literal");
    CHECK_STR(json(&r, "{\"a\":nul"), "ERROR@8: unexpected end of input");
    CHECK_STR(json(&r, "{\"a\":01}"), "ERROR@6: expected ',' or '}' in object");
    CHECK_STR(json(&r, "{\"a\":1.}"), "ERROR@7: invalid number: expected a digit after '.'");
    CHECK_STR(json(&r, "{\"a\":-}"), "ERROR@6: invalid number");
    CHECK_STR(json(&r, "{\"a\":1e}"), "ERROR@7: invalid number: expected a digit in the exponent");
    CHECK_STR(json(&r, "{\"a\":NaN}"), "ERROR@5: unexpected byte 0x4E");
    CHECK_STR(json(&r, "{\"a\":1e999}"), "ERROR@5: number out of range");
    CHECK_STR(json(&r, "{\"a\":\"\\x\"}"), "ERROR@6: invalid escape in string");
    CHECK_STR(json(&r, "{\"a\":\"\\u12G4\"}"),
              "ERROR@6: invalid \\u escape: expected 4 hex digits");
    CHECK_STR(json(&r, "{\"a\":\"\\ud800\"}"), "ERROR@6: lone surrogate escape in string");
    CHECK_STR(json(&r, "{\"a\":\"\\udc00\\ud800\"}"), "ERROR@6: lone surrogate escape in string");
    CHECK_STR(json(&r, "{\"a\":\"\\ud800\\u0041\"}"), "ERROR@6: lone surrogate escape in string");
    CHECK_STR(json(&r, "{\"a\":\"x\ty\"}"),
              "ERROR@7: control character U+0009 in string must be escaped");
    CHECK_STR(json(&r, "{\"a\":\"\xff\"}"), "ERROR@6: invalid UTF-8 in string");
    CHECK_STR(json(&r, "{\"a\":\"\xc0\xaf\"}"), "ERROR@6: invalid UTF-8 in string");
    CHECK_STR(json(&r, "{\"a\":\"\xed\xa0\x80\"}"), "ERROR@6: invalid UTF-8 in string");
    CHECK_STR(json(&r, "{\"a\":\"\xf4\x90\x80\x80\"}"), "ERROR@6: invalid UTF-8 in string");
    CHECK_STR(json(&r, "{\"a\":\"\xe2\x82\"}"), "ERROR@6: invalid UTF-8 in string");
    CHECK_STR(json(&r, "\xef\xbb\xbf{}"), "ERROR@0: unexpected byte 0xEF");

    /* Field rules. */
    CHECK_STR(json(&r, "{\"state\":1}"),
              "ERROR@9: state: expected a string or null, got an integer");
    CHECK_STR(json(&r, "{\"displayName\":[\"x\"]}"),
              "ERROR@15: displayName: expected a string or null, got an array");
    CHECK_STR(json(&r, "{\"roleScopeTagIds\":\"0\"}"),
              "ERROR@19: roleScopeTagIds: expected an array of strings or null, got a string");
    CHECK_STR(json(&r, "{\"roleScopeTagIds\":[\"0\",null]}"),
              "ERROR@24: roleScopeTagIds[1]: expected a string, got null");
    CHECK_STR(json(&r, "{\"lastConnectionDateTime\":\"2026-11-28T09:30:00\"}"),
              "ERROR@46: lastConnectionDateTime: missing UTC offset ('Z' or +HH:MM) in "
              "\"2026-11-28T09:30:00\"");
    CHECK_STR(json(&r, "{\"enrolledDateTime\":\"2026-02-30T09:30:00Z\"}"),
              "ERROR@21: enrolledDateTime: day out of range for month in "
              "\"2026-02-30T09:30:00Z\"");
    CHECK_STR(json(&r, "{\"enrolledDateTime\":5}"),
              "ERROR@20: enrolledDateTime: expected an RFC 3339 date-time string or null, got "
              "an integer");
    CHECK_STR(json(&r, "{\"@odata.type\":\"#microsoft.graph.user\"}"),
              "ERROR@15: @odata.type: \"#microsoft.graph.user\" is not "
              "#microsoft.graph.ndesConnector");
    CHECK_STR(json(&r, "{\"state\":\"none\",\"state\":\"active\"}"),
              "ERROR@16: duplicate key \"state\"");
    CHECK_STR(json(&r, "{\"dup\":1}"), "ERROR@1: duplicate key \"dup\"");

    /* Nesting is bounded: 64 levels pass, 65 do not. */
    char deep[200];
    size_t n = 0;
    deep[n++] = '{';
    memcpy(deep + n, "\"a\":", 4);
    n += 4;
    for (int i = 0; i < 63; i++)
        deep[n++] = '[';
    for (int i = 0; i < 63; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    CHECK(strncmp(record_json(&r, deep, n), " extra:a=[[[", 12) == 0);
    memmove(deep + 6, deep + 5, n - 5);
    deep[5] = '[';
    deep[n + 1] = ']';
    deep[n + 2] = '}';
    CHECK_STR(record_json(&r, deep, n + 3), "ERROR@68: nesting deeper than 64 levels");
}

static const char *mp(recorder *r, const char *bytes, size_t n)
{
    return record_mp(r, bytes, n);
}
#define MP(r, lit) mp(r, lit, sizeof(lit) - 1)

void test_mp_read(void)
{
    recorder r;
    CHECK_STR(MP(&r, "\x81\xa5state\xa8inactive"), " state=2:inactive");
    /* Timestamps: 32, 64 and 96-bit forms, as UTC. */
    CHECK_STR(MP(&r, "\x81\xb0"
                     "enrolledDateTime\xd6\xff\x6b\x0a\x9f\x18"),
              " enrolledDateTime=@2026-11-28T09:30:00Z");
    CHECK_STR(MP(&r, "\x81\xb0"
                     "enrolledDateTime\xd7\xff\x00\x00\x00\x04\x00\x00\x00\x00"),
              " enrolledDateTime=@1970-01-01T00:00:00Z");
    CHECK_STR(MP(&r, "\x81\xb0"
                     "enrolledDateTime\xc7\x0c\xff\x00\x00\x00\x00"
                     "\xff\xff\xff\xff\xff\xff\xff\xff"),
              " enrolledDateTime=@1969-12-31T23:59:59Z");
    CHECK_STR(MP(&r, "\x81\xa1x\x93\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xcf\xff\xff\xff\xff\xff"
                     "\xff\xff\xff\xd0\x80"),
              " extra:x=[1.5,u18446744073709551615,-128]");
    CHECK_STR(MP(&r, "\x81\xa1x\x82\xa1"
                     "a\xc0\xa1"
                     "b\xc3"),
              " extra:x={a:null,b:true}");
    CHECK_STR(MP(&r, "\x81\xa1x\xd6\xff\x6b\x0a\x9f\x18"), " extra:x=\"2026-11-28T09:30:00Z\"");

    CHECK_STR(MP(&r, ""), "ERROR@0: unexpected end of input");
    CHECK_STR(MP(&r, "\x81\xa5state"), "ERROR@7: unexpected end of input");
    CHECK_STR(MP(&r, "\x81\xa5state\xa8inact"), "ERROR@13: unexpected end of input");
    CHECK_STR(MP(&r, "\x80\xc0"), "ERROR@1: trailing data after the MessagePack map");
    CHECK_STR(MP(&r, "\x91\xc0"),
              "ERROR@0: expected a MessagePack object at the top level, got an array");
    CHECK_STR(MP(&r, "\xc1"), "ERROR@0: invalid MessagePack type byte 0xC1");
    CHECK_STR(MP(&r, "\x81\x01\xc0"), "ERROR@1: expected a string key, got an integer");
    CHECK_STR(MP(&r, "\x81\xa1x\xc4\x01z"),
              "ERROR@3: expected a JSON-compatible value, got binary data");
    CHECK_STR(MP(&r, "\x81\xa1x\xd4\x05z"),
              "ERROR@3: expected a JSON-compatible value, got binary data");
    CHECK_STR(MP(&r, "\x81\xa1x\xa2\xff\xfe"), "ERROR@4: invalid UTF-8 in string");
    CHECK_STR(MP(&r, "\xdf\xff\xff\xff\xff"), "ERROR@5: unexpected end of input");
    CHECK_STR(MP(&r, "\x81\xa1x\xdb\xff\xff\xff\xff"), "ERROR@8: unexpected end of input");
    CHECK_STR(MP(&r, "\x81\xb0"
                     "enrolledDateTime\xd5\xff\x00\x00"),
              "ERROR@18: timestamp extension of invalid length");
    CHECK_STR(MP(&r, "\x81\xb0"
                     "enrolledDateTime\xc0"),
              " enrolledDateTime=null");
    CHECK_STR(MP(&r, "\x81\xb0"
                     "enrolledDateTime\xa3"
                     "abc"),
              "ERROR@19: enrolledDateTime: expected 4-digit year in \"abc\"");
    CHECK_STR(MP(&r, "\x82\xa5state\xa4none\xa5state\xa4none"),
              "ERROR@12: duplicate key \"state\"");
    char deep[80];
    memcpy(deep, "\x81\xa1x", 3);
    memset(deep + 3, 0x91, 64);
    deep[67] = (char)0xc0;
    CHECK_STR(mp(&r, deep, 68), "ERROR@66: nesting deeper than 64 levels");
}

#define JA(lit) record_json_array(&r, lit, sizeof(lit) - 1)
#define MA(lit) record_mp_array(&r, lit, sizeof(lit) - 1)

void test_arrays(void)
{
    recorder r;
    CHECK_STR(JA("[]"), "");
    CHECK_STR(JA(" [ {\"state\":\"none\"} , {} ] "), " <0> state=0:none </0> <1> </1>");
    CHECK_STR(JA("{}"),
              "ERROR@0: expected a JSON array of connectors at the top level, got an object");
    CHECK_STR(JA("[{},1]"), "ERROR@4: item 1: expected an object, got an integer");
    CHECK_STR(JA("[{},{\"state\":2}]"),
              "ERROR@13: item 1: state: expected a string or null, got an integer");
    CHECK_STR(JA("[{}"), "ERROR@3: unexpected end of input");
    CHECK_STR(JA("[{}]]"), "ERROR@4: trailing data after the JSON object");
    CHECK_STR(MA("\x92\x80\x81\xa5state\xa6"
                 "active"),
              " <0> </0> <1> state=1:active </1>");
    CHECK_STR(MA("\x91\xc0"), "ERROR@1: item 0: expected an object, got null");
    CHECK_STR(MA("\x80"),
              "ERROR@0: expected a MessagePack array of connectors at the top level, got an "
              "object");
}

void test_excerpt(void)
{
    char out[ND_EXCERPT_SIZE(8)];
    CHECK_STR(nd_excerpt("abc", 3, 8, out), "abc");
    CHECK_STR(nd_excerpt("a\nb\x7f", 4, 8, out), "a?b?");
    CHECK_STR(nd_excerpt("0123456789", 10, 8, out), "01234567...");
    /* 4-byte characters are never split: the cut falls before the one that would not fit. */
    CHECK_STR(nd_excerpt("0123456\xf0\x90\x80\x80", 11, 8, out), "0123456...");
    CHECK_STR(nd_excerpt("\xf0\x90\x80\x80\xf0\x90\x80\x80x", 9, 8, out),
              "\xf0\x90\x80\x80\xf0\x90\x80\x80...");
}
