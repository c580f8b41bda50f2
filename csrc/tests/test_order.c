/* Member order (a document means the same in any order) and pages of a collection. */
#include "check.h"
#include "recorder.h"

#define J(lit) record_json(&r, lit, sizeof(lit) - 1)
#define M(lit) record_mp(&r, lit, sizeof(lit) - 1)
#define JP(lit) record_json_page(&r, lit, sizeof(lit) - 1)
#define MP(lit) record_mp_page(&r, lit, sizeof(lit) - 1)
#define TYPE "\"@odata.type\":\"#microsoft.graph.ndesConnector\""
#define MP_TYPE "\xab@odata.type\xbe#microsoft.graph.ndesConnector"

void test_member_order(void)
{
    recorder r;
    /* @odata.type after a field: the direct path tried the next field's key, not the type */
    CHECK_STR(J("{\"state\":\"active\"," TYPE "}"), " state=1:active");
    CHECK_STR(J("{\"machineName\":\"m\"," TYPE ",\"id\":\"1\"}"), " machineName=\"m\" id=\"1\"");
    CHECK_STR(J("{\"state\":\"active\",\"@odata.type\":\"#microsoft.graph.user\"}"),
              "ERROR@32: @odata.type: \"#microsoft.graph.user\" is not "
              "#microsoft.graph.ndesConnector");
    CHECK_STR(J("{" TYPE "," TYPE "}"), "ERROR@48: duplicate key \"@odata.type\"");
    CHECK_STR(J("{\"id\":\"1\"," TYPE "," TYPE "}"), "ERROR@57: duplicate key \"@odata.type\"");
    CHECK_STR(J("{" TYPE ",\"\\u0040odata.type\":\"x\"}"),
              "ERROR@48: duplicate key \"@odata.type\"");
    /* Kiota's order, and the fields backwards */
    CHECK_STR(J("{\"id\":\"1\"," TYPE ",\"displayName\":\"d\"}"), " id=\"1\" displayName=\"d\"");
    CHECK_STR(J("{\"roleScopeTagIds\":[\"a\"],\"connectorVersion\":\"6\",\"state\":\"none\",\"id\":"
                "\"1\"}"),
              " roleScopeTagIds=\"a\" connectorVersion=\"6\" state=0:none id=\"1\"");
    CHECK_STR(M("\x82\xa5state\xa6"
                "active" MP_TYPE),
              " state=1:active");
    CHECK_STR(M("\x82" MP_TYPE MP_TYPE), "ERROR@44: duplicate key \"@odata.type\"");
}

void test_pages(void)
{
    recorder r;
    CHECK_STR(JP("{\"@odata.context\":\"c\",\"@odata.count\":2,\"value\":[{\"id\":\"1\"},{}],"
                 "\"@odata.nextLink\":\"https://n\"}"),
              " <0> id=\"1\" </0> <1> </1> next=\"https://n\"");
    CHECK_STR(JP("{\"@odata.nextLink\":null,\"x\":{\"y\":[1]},\"value\":[]}"), "");
    CHECK_STR(JP(" { \"value\" : [ ] } "), "");
    CHECK_STR(JP("{}"), "ERROR@1: a page of a collection needs a \"value\" member");
    CHECK_STR(JP("[]"), "ERROR@0: expected a JSON object (a page of a collection), got an array");
    CHECK_STR(JP("{\"value\":1}"),
              "ERROR@9: value: expected an array of connectors, got an integer");
    CHECK_STR(JP("{\"value\":[],\"@odata.nextLink\":true}"),
              "ERROR@30: @odata.nextLink: expected a string or null, got a boolean");
    CHECK_STR(JP("{\"value\":[],\"value\":[]}"), "ERROR@12: duplicate key \"value\"");
    CHECK_STR(JP("{\"value\":[{},{\"id\":2}]}"),
              "ERROR@19: item 1: id: expected a string or null, got an integer");
    CHECK_STR(JP("{\"value\":[]}x"), "ERROR@12: trailing data after the JSON object");
    CHECK_STR(MP("\x82\xaf@odata.nextLink\xa1n\xa5value\x91\x81\xa2id\xa1"
                 "1"),
              " next=\"n\" <0> id=\"1\" </0>");
    CHECK_STR(MP("\x81\xa5value\xc0"), "ERROR@7: value: expected an array of connectors, got null");
}
