/* A sink that records what a decoder reports as text, e.g. `displayName="x" extra:k=[1,2]`. */
#ifndef NDES_RECORDER_H
#define NDES_RECORDER_H

#include "connector.h"

typedef struct {
    nd_sink base;
    char text[4096];
    size_t len;
} recorder;

void recorder_init(recorder *r);

/* Decodes with the JSON (mp = 0) or MessagePack reader; returns the record, or
 * "ERROR@offset: message". */
const char *record_json(recorder *r, const char *data, size_t n);
const char *record_mp(recorder *r, const char *data, size_t n);
const char *record_json_array(recorder *r, const char *data, size_t n);
const char *record_mp_array(recorder *r, const char *data, size_t n);
const char *record_json_page(recorder *r, const char *data, size_t n);
const char *record_mp_page(recorder *r, const char *data, size_t n);

#endif
