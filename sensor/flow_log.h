/* flow_log.h - --flows JSON lines and readable lines, one per ended flow. */
#ifndef ZS_FLOW_LOG_H
#define ZS_FLOW_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct flow;
struct ipsec_peers;
struct json_writer;
struct zert_detail;
struct zert_endpoint;

/*
 * A flow's protection at a glance: what its line says after the addresses and what the
 * end-of-run tally counts (docs/flow-lines.md). The kind is one of tls, ssh, ipsec, clear,
 * unknown; `detail` is what follows it on the line: the version and suite (TLS), version, key
 * exchange and ciphers (SSH), IKE version and algorithms (IPsec), or why there is no protection
 * (clear) or why the wire cannot tell (unknown), in the `why` vocabulary of the records.
 */
enum flow_prot_kind {
    FLOW_PROT_TLS,
    FLOW_PROT_SSH,
    FLOW_PROT_IPSEC,
    FLOW_PROT_CLEAR,
    FLOW_PROT_UNKNOWN,
    FLOW_PROT_KINDS,
};

struct flow_prot {
    enum flow_prot_kind kind;
    char version[32]; /* the tally's second level: TLSv1.3, SSH 2.0, IKEv2, or the why */
    char detail[224];
};

const char *flow_prot_kind_name(enum flow_prot_kind k);

/*
 * The protection of flow f as its dissector saw it (sensor/app.h) and, for ESP/AH and NAT-T
 * flows, as its IPsec pair's IKE exchange showed it (`ipsec` may be NULL). `scratch` is a
 * record the dissector's facts are filled into (large: the caller keeps one).
 */
void flow_log_protection(const struct flow *f, struct ipsec_peers *ipsec,
                         struct zert_detail *scratch, struct flow_prot *out);

/*
 * The end-of-run tally: flows by protection kind and, within each, by version (or why).
 * At most FLOW_TALLY_NAMES names per kind are told apart; the flows of further names are
 * counted under "other" (said in the tally, never dropped).
 */
#define FLOW_TALLY_NAMES 16

struct flow_tally {
    uint64_t flows;
    uint64_t kind[FLOW_PROT_KINDS];
    struct {
        char name[32];
        uint64_t n;
    } sub[FLOW_PROT_KINDS][FLOW_TALLY_NAMES];
    uint64_t other[FLOW_PROT_KINDS];
};

void flow_tally_add(struct flow_tally *t, const struct flow_prot *p);
/* One line per kind that has flows, biggest names first. */
int flow_tally_print(FILE *out, const struct flow_tally *t);

/* One JSON object per ended flow (keys documented in README.md); p: its protection or NULL. */
int flow_log_json(struct json_writer *w, FILE *out, const struct flow *f,
                  const struct flow_prot *p);
/* One side of a flow as a record endpoint; false when the flow has no ports (ESP/AH). */
bool flow_log_endpoint(const struct flow *f, int side, struct zert_endpoint *e);
/* One readable line per ended flow; p: its protection or NULL. */
int flow_log_text(FILE *out, const struct flow *f, const struct flow_prot *p);

#endif
