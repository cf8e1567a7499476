/* stats.c - the process-wide counters and their JSON form. */
#include <inttypes.h>

#include "stats.h"

struct stats g_stats;

void
stats_print_json(FILE *out)
{
    const char *sep = "";
    fputc('{', out);
#define ZS_STATS_PRINT(name)                                                                       \
    fprintf(out, "%s\"" #name "\":%" PRIu64, sep, g_stats.name);                                   \
    sep = ",";
    ZS_COUNTERS(ZS_STATS_PRINT)
#undef ZS_STATS_PRINT
    fputs("}\n", out);
}
