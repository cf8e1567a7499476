/* engine.h - one packet in: decode, flow lookup, TCP reassembly, and the outputs they feed. */
#ifndef ZS_ENGINE_H
#define ZS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../flowtable/flow_table.h"
#include "capture.h"
#include "zert.h"

struct conf;
struct flow_tally;
struct stats;

struct engine_config {
    struct flow_table_config flows;
    uint64_t reasm_memcap;   /* bytes of out-of-order TCP data held, all flows */
    uint32_t reasm_flow_cap; /* the same for one direction of one flow */
    unsigned frag_slots;     /* IP datagrams in reassembly at once */
    uint64_t frag_timeout_us;
    const char *dump_dir;              /* --dump-streams: NULL for none */
    FILE *flows_json;                  /* --flows: NULL for none */
    FILE *flows_text;                  /* readable flow lines: NULL for none */
    FILE *observations;                /* --observations: one JSON line per observed connection */
    struct flow_tally *tally;          /* flows by protection (flow_log.h): NULL for none */
    const struct conf *conf;           /* with zert_sink: the zERT record layer */
    const struct zert_sink *zert_sink; /* NULL: no zERT records */
    /* summary boundaries at k * interval - phase (0 <= phase < interval): where a mainframe's
     * fall when its clock is ahead of the capture's by phase (--compare --clock-offset) */
    uint64_t interval_phase_us;
};

struct engine;

/* NULL with a message in err (errlen bytes) when a part cannot be made. */
struct engine *engine_new(const struct engine_config *cfg, char *err, size_t errlen);
/* Process one frame of link type dlt. */
void engine_packet(struct engine *e, int dlt, const struct capture_frame *fr);
/*
 * The clock: time `now` (packet time offline, wall-clock time in the daemon) has come. Flow
 * expiry, due zERT records and interval boundaries up to it, in time order. A clock that goes
 * back is counted and ignored; a jump forward costs what it writes, not what it skips.
 */
void engine_tick(struct engine *e, uint64_t now);
/* End of input: end every flow (end_of_capture) so nothing is lost. */
void engine_finish(struct engine *e);
void engine_free(struct engine *e);

/*
 * Copy the counters the flow layer keeps (flow table, TCP reassembly) into s, beside the
 * sensor's own; call before printing s.
 */
void engine_collect_stats(const struct engine *e, struct stats *s);

/* -1 once an output could not be written (disk full...); the message is in err. */
int engine_output_error(const struct engine *e, char *err, size_t errlen);

#endif
