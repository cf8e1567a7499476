/* check.h - a tiny assert harness for unit tests: count failures, print where, exit non-zero. */
#ifndef ZS_CHECK_H
#define ZS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(got, want)                                                                    \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        check_count++;                                                                             \
        if (g_ != w_) {                                                                            \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_);    \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(got, want)                                                                    \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        check_count++;                                                                             \
        if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_) != 0)) {                         \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got,         \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                       \
        }                                                                                          \
    } while (0)

#define CHECK_MEM(got, want, n)                                                                    \
    do {                                                                                           \
        check_count++;                                                                             \
        if (memcmp((got), (want), (n)) != 0) {                                                     \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s differs from %s in its %zu bytes\n", __FILE__, __LINE__,    \
                    #got, #want, (size_t)(n));                                                     \
        }                                                                                          \
    } while (0)

/* End of main(): one summary line (the plain "N passed, N failed" form) and the exit status. */
static inline int
check_report(void)
{
    printf("%d passed, %d failed\n", check_count - check_failures, check_failures);
    return check_failures ? 1 : 0;
}

#endif
