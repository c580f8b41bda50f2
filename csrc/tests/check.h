/* A minimal test runner: CHECK records failures and goes on; main prints a summary line. */
#ifndef NDES_CHECK_H
#define NDES_CHECK_H

#include <stdio.h>
#include <string.h>

extern int check_passed, check_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (strcmp(g_, w_) == 0) {                                                                 \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: got  %s\n%*swant %s\n", __FILE__, __LINE__, g_,                \
                    (int)strlen(__FILE__) + 8, "", w_);                                            \
        }                                                                                          \
    } while (0)

void test_datetime(void);
void test_datetime_against_reference(void);
void test_state_and_keys(void);
void test_json_write(void);
void test_mp_write(void);
void test_json_read(void);
void test_mp_read(void);
void test_arrays(void);
void test_member_order(void);
void test_pages(void);
void test_excerpt(void);

#endif
