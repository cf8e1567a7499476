/* test_ee.c - Enterprise Extender parser and per-flow state on hand-written bytes (spec A.2.6). */
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/ee.h"
#include "../../emit/emit_obs.h"
#include "check.h"

/* clang-format off */
/* LLC C8 C8 03 + NHDR C4 00 | ANR 80 01 FF | 00 + THDR (flags 0x30, offset 5) + 4 data bytes */
static const uint8_t anr_data[] = {
    0xC8, 0xC8, 0x03,                               /* LLC UI */
    0xC4, 0x00, 0x80, 0x01, 0xFF, 0x00,             /* NHDR: ANR, TPF high, labels, reserved */
    0x00, 0x00, 0x00, 0x01, 0x00, 0xA2, 0x00, 0x01, /* TCID */
    0x30, 0x00, 0x00, 0x05,                         /* SOMI|EOMI, -, offset 5 words */
    0x00, 0x00, 0x00, 0x04,                         /* DLF 4 */
    0x00, 0x00, 0x00, 0x10,                         /* BSN 16 */
    0xDE, 0xAD, 0xBE, 0xEF,                         /* continuation bytes (not FID5) */
};

/* flags 0x70 / 0x04, segments 0x0D + 0x10, then FID5 TH + RH */
static const uint8_t anr_setup[] = {
    0x08, 0x04, 0x03, 0xC4, 0x00, 0x80, 0x01, 0xFF, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0xA2, 0x00, 0x01, /* TCID */
    0x70, 0x04, 0x00, 0x0A,                         /* SETUPI|SOMI|EOMI, OSI, offset 10 */
    0x00, 0x00, 0x00, 0x0F, 0x00, 0x00, 0x00, 0x00, /* DLF 15, BSN 0 */
    0x02, 0x0D, 0x01, 0x01, 0x18, 0x00, 0x00, 0x00, /* 0x0D setup: v1.1, ARB|reliable */
    0x03, 0x10, 0x00, 0x00,                         /* 0x10 TCID exchange */
    0x00, 0x00, 0x00, 0x01, 0x00, 0xA2, 0x00, 0x01,
    0x5C, 0x00, 0x00, 0x01,                         /* FID5: whole BIU, SNF 1 */
    0x00, 0x02, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, /* session address */
    0x6B, 0x80, 0x00,                               /* RH */
};

/* LLC 08 04 BF + XID3 (format 3, type 2) */
static const uint8_t xid3[] = {0x08, 0x04, 0xBF, 0x32, 0x16, 0x05, 0xD0, 0x00, 0x01,
                               0x00, 0x00, 0x0B, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00,
                               0x00, 0x15, 0x10, 0x04, 0x80, 0x05, 0xDC};

static const uint8_t test_cmd[] = {0x08, 0x04, 0xF3};

/* LLC 04 08 03 + NHDR A0 10 12 FF 00 03: FR, FT=1, XID complete request */
static const uint8_t xid_done_rq[] = {0x04, 0x08, 0x03, 0xA0, 0x10, 0x12, 0xFF, 0x00, 0x03};

/* status (0x0E, 5 words) + ARB rate reply (0x22, 3 words): offset 13, DLF 0 */
static const uint8_t status_arb[] = {
    0x08, 0x04, 0x03, 0xC4, 0x00, 0x80, 0x01, 0xFF, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x00, 0xB2, 0x00, 0x01, 0x00, 0x04, 0x00, 0x0D,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xA5,
    0x05, 0x0E, 0x80, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x23,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x22, 0x81, 0x11, 0x00, 0x01, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* teardown: 0x0F client out-of-band bits 0x0001, LMI */
static const uint8_t oob_req[] = {
    0x08, 0x04, 0x03, 0xC4, 0x00, 0x80, 0x01, 0xFF, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x00, 0xB2, 0x00, 0x01, 0x00, 0x84, 0x00, 0x06,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xA5, 0x01, 0x0F, 0x00, 0x01,
};

/* clang-format on */

static bool
parse(const uint8_t *b, size_t n, struct ee_llc *l, struct ee_nlp *nlp)
{
    struct cursor c = cur_init(b, n);
    if (!ee_parse_llc(&c, l))
        return false;
    return ee_parse_nlp(&c, nlp);
}

static void
test_llc(void)
{
    struct ee_llc l;
    struct cursor c = cur_init(xid3, sizeof(xid3));
    CHECK(ee_parse_llc(&c, &l));
    CHECK_EQ_INT(l.dsap, 0x08);
    CHECK_EQ_INT(l.ssap, 0x04);
    CHECK_EQ_INT(l.type, EE_FRAME_XID);
    c = cur_init(test_cmd, sizeof(test_cmd));
    CHECK(ee_parse_llc(&c, &l) && l.type == EE_FRAME_TEST);
    static const uint8_t dm[] = {0x04, 0x09, 0x1F}, disc[] = {0x08, 0x04, 0x43},
                         sabme[] = {0x08, 0x04, 0x7F}, iframe[] = {0x08, 0x04, 0x00, 0x00},
                         sframe[] = {0x08, 0x04, 0x01};
    c = cur_init(dm, sizeof(dm));
    CHECK(ee_parse_llc(&c, &l) && l.type == EE_FRAME_DM);
    c = cur_init(disc, sizeof(disc));
    CHECK(ee_parse_llc(&c, &l) && l.type == EE_FRAME_DISC);
    c = cur_init(sabme, sizeof(sabme));
    CHECK(ee_parse_llc(&c, &l) && l.type == EE_FRAME_OTHER);
    c = cur_init(iframe, sizeof(iframe));
    CHECK(!ee_parse_llc(&c, &l));
    c = cur_init(sframe, sizeof(sframe));
    CHECK(!ee_parse_llc(&c, &l));
    c = cur_init(dm, 2);
    CHECK(!ee_parse_llc(&c, &l));
}

static void
test_nlp_layouts(void)
{
    struct ee_llc l;
    struct ee_nlp n;
    static const uint8_t tcid[8] = {0, 0, 0, 1, 0, 0xA2, 0, 1};

    CHECK(parse(anr_data, sizeof(anr_data), &l, &n));
    CHECK_EQ_INT(n.sm, EE_SM_ANR);
    CHECK_EQ_INT(n.tpf, 2);
    CHECK_EQ_INT(n.nlabels, 2);
    CHECK(n.has_thdr && !n.has_frh);
    CHECK_MEM(n.tcid, tcid, 8);
    CHECK_EQ_INT(n.flags8, EE_THDR_SOMI | EE_THDR_EOMI);
    CHECK_EQ_INT(n.offset_words, 5);
    CHECK_EQ_INT(n.dlf, 4);
    CHECK_EQ_INT(n.bsn, 16);
    CHECK_EQ_INT(n.nsegs, 0);
    CHECK_EQ_INT(n.payload, EE_PL_OTHER);
    CHECK(!n.dlf_mismatch);

    CHECK(parse(anr_setup, sizeof(anr_setup), &l, &n));
    CHECK_EQ_INT(n.flags8, 0x70);
    CHECK_EQ_INT(n.flags9, EE_THDR_OSI);
    CHECK_EQ_INT(n.nsegs, 2);
    CHECK_EQ_INT(n.seg_types[0], EE_SEG_SETUP);
    CHECK_EQ_INT(n.seg_types[1], EE_SEG_TCID);
    CHECK(n.has_setup && n.setup_version == 0x0101 && n.setup_flags == 0x18);
    CHECK(n.has_peer_tcid);
    CHECK_MEM(n.peer_tcid, tcid, 8);
    CHECK_EQ_INT(n.payload, EE_PL_FID5);
    static const uint8_t sa[8] = {0, 2, 0, 5, 0, 6, 0, 7};
    CHECK_MEM(n.session_addr, sa, 8);

    CHECK(parse(xid_done_rq, sizeof(xid_done_rq), &l, &n));
    CHECK_EQ_INT(n.sm, EE_SM_FR);
    CHECK_EQ_INT(n.ft, 1);
    CHECK(n.has_frh && n.frh == EE_FRH_XID_DONE_RQ && !n.has_thdr);

    CHECK(parse(status_arb, sizeof(status_arb), &l, &n));
    CHECK_EQ_INT(n.offset_words, 13);
    CHECK_EQ_INT(n.dlf, 0);
    CHECK(n.has_status && n.status_flags == 0x80 && n.status_rseq == 0x123);
    CHECK(n.has_arb && n.arb_type == 2);
    CHECK_EQ_INT(n.payload, EE_PL_NONE);

    CHECK(parse(oob_req, sizeof(oob_req), &l, &n));
    CHECK(n.has_oob && n.oob_bits == EE_OOB_DEACT_REQ);
    CHECK_EQ_INT(n.flags9, EE_THDR_LMI | EE_THDR_OSI);
}

static void
test_nlp_malformed(void)
{
    struct ee_llc l;
    struct ee_nlp n;
    uint8_t b[sizeof(anr_setup)];
    /* every truncation of a well-formed NLP either fails or parses less, never reads past */
    for (size_t k = 3; k < sizeof(anr_setup); k++) {
        memcpy(b, anr_setup, k);
        struct cursor c = cur_init(b, k);
        CHECK(ee_parse_llc(&c, &l));
        (void)ee_parse_nlp(&c, &n);
    }
    CHECK(!parse(anr_setup, 9 + 19, &l, &n)); /* THDR cut short */
    /* offset below the 5-word THDR */
    memcpy(b, anr_setup, sizeof(anr_setup));
    b[20] = 4;
    CHECK(!parse(b, sizeof(anr_setup), &l, &n));
    /* a zero-length optional segment */
    memcpy(b, anr_setup, sizeof(anr_setup));
    b[29] = 0;
    CHECK(!parse(b, sizeof(anr_setup), &l, &n));
    /* a segment longer than the THDR */
    memcpy(b, anr_setup, sizeof(anr_setup));
    b[37] = 9;
    CHECK(!parse(b, sizeof(anr_setup), &l, &n));
    /* no 0xFF ending the labels */
    static const uint8_t nolabel_end[] = {0x08, 0x04, 0x03, 0xC4, 0x00, 0x80, 0x01};
    CHECK(!parse(nolabel_end, sizeof(nolabel_end), &l, &n));
    /* not an NLP (FID2 first byte) */
    static const uint8_t fid2[] = {0x08, 0x04, 0x03, 0x2C, 0x00, 0x01, 0x02};
    CHECK(!parse(fid2, sizeof(fid2), &l, &n));
    /* FR with FT=1 but no FR header byte */
    CHECK(!parse(xid_done_rq, sizeof(xid_done_rq) - 1, &l, &n));
    /* DLF larger than what follows: parsed, flagged */
    memcpy(b, anr_data, sizeof(anr_data));
    b[24] = 0x40;
    CHECK(parse(b, sizeof(anr_data), &l, &n) && n.dlf_mismatch);
    /* SOMI clear with data: a continuation fragment */
    b[24] = 0x04;
    b[17] = EE_THDR_EOMI;
    CHECK(parse(b, sizeof(anr_data), &l, &n) && n.payload == EE_PL_FRAGMENT);
}

static void
test_cqfi_and_other_segments(void)
{
    /* clang-format off */
    /* CQFI: a connection qualifier (len 2 -> 4 bytes) precedes 0x12 fault and 0x14 switch */
    static const uint8_t b[] = {
        0x08, 0x04, 0x03, 0xC2, 0x00, 0x80, 0xFF, 0x00,
        0x00, 0x00, 0x00, 0x02, 0x00, 0xB2, 0x00, 0x01, 0x00, 0x0C, 0x00, 0x0A,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x05, 0xAA, 0xBB,                         /* qualifier */
        0x02, 0x12, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, /* fault, sense 08010000 */
        0x02, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* switching information */
    };
    /* clang-format on */
    struct ee_llc l;
    struct ee_nlp n;
    CHECK(parse(b, sizeof(b), &l, &n));
    CHECK_EQ_INT(n.tpf, 1);
    CHECK_EQ_INT(n.nsegs, 2);
    CHECK(n.has_fault && n.has_switch);
}

static void
test_probe_and_ports(void)
{
    const struct datagram_dissector *d = &ee_dissector;
    CHECK_EQ_STR(d->name, "ee");
    CHECK_EQ_INT(d->probe(xid3, sizeof(xid3), 12000, 12000), PROBE_YES);
    CHECK_EQ_INT(d->probe(anr_data, sizeof(anr_data), 40000, 12004), PROBE_YES);
    CHECK_EQ_INT(d->probe(anr_data, sizeof(anr_data), 12005, 11999), PROBE_NO);
    static const uint8_t iframe[] = {0x08, 0x04, 0x00, 0x00}, sabme[] = {0x08, 0x04, 0x7F};
    CHECK_EQ_INT(d->probe(iframe, sizeof(iframe), 12000, 12000), PROBE_NO);
    CHECK_EQ_INT(d->probe(sabme, sizeof(sabme), 12000, 12000), PROBE_NO);
    CHECK_EQ_INT(d->probe(test_cmd, 2, 12000, 12000), PROBE_NO);
    ee_set_base_port(13000);
    CHECK_EQ_INT(ee_base_port(), 13000);
    CHECK_EQ_INT(d->probe(xid3, sizeof(xid3), 12000, 12000), PROBE_NO);
    CHECK_EQ_INT(d->probe(xid3, sizeof(xid3), 13004, 13004), PROBE_YES);
    ee_set_base_port(65533); /* no room for five ports: ignored */
    CHECK_EQ_INT(ee_base_port(), 13000);
    ee_set_base_port(EE_BASE_PORT_DEFAULT);
    CHECK(ee_port_in_range(12004) && !ee_port_in_range(12005));
}

static struct ee_state *
new_state(uint16_t sport, uint16_t dport)
{
    CHECK_EQ_INT(ee_dissector.probe(test_cmd, sizeof(test_cmd), sport, dport), PROBE_YES);
    return ee_dissector.state_new(sport, dport);
}

/* An ANR NLP into `buf`: THDR with tcid tail byte `t`, flags, optional 0x10 peer, data bytes. */
static size_t
mk_nlp(uint8_t *buf, int tpf, uint8_t t, uint8_t f8, int peer, uint32_t bsn, uint32_t dlf)
{
    size_t k = 0;
    buf[k++] = 0x08;
    buf[k++] = 0x04;
    buf[k++] = 0x03;
    buf[k++] = (uint8_t)(0xC0 | (tpf << 1));
    buf[k++] = 0x00;
    buf[k++] = 0x80;
    buf[k++] = 0xFF;
    buf[k++] = 0x00;
    static const uint8_t base[7] = {0, 0, 0, 1, 0, 0xA2, 0};
    memcpy(buf + k, base, 7);
    k += 7;
    buf[k++] = t;
    buf[k++] = f8;
    buf[k++] = peer >= 0 ? EE_THDR_OSI : 0;
    buf[k++] = 0;
    buf[k++] = peer >= 0 ? 8 : 5;
    for (int i = 3; i >= 0; i--)
        buf[k++] = (uint8_t)(dlf >> (8 * i));
    for (int i = 3; i >= 0; i--)
        buf[k++] = (uint8_t)(bsn >> (8 * i));
    if (peer >= 0) {
        buf[k++] = 3;
        buf[k++] = EE_SEG_TCID;
        buf[k++] = 0;
        buf[k++] = 0;
        memcpy(buf + k, base, 7);
        k += 7;
        buf[k++] = (uint8_t)peer;
    }
    for (uint32_t i = 0; i < dlf; i++)
        buf[k++] = 0x40;
    return k;
}

static void
test_state_pipes(void)
{
    uint8_t b[128];
    struct ee_state *st = new_state(12002, 12002);
    CHECK(st->ports_known && st->port[DIR_C2S] == 12002);
    /* A->B setup on TCID 1 naming A's TCID 1; B->A on 1 naming B's TCID 2; A->B data on 2 */
    size_t n = mk_nlp(b, 2, 1, EE_THDR_SETUPI | EE_THDR_SOMI | EE_THDR_EOMI, 1, 0, 0);
    ee_state_packet(st, DIR_C2S, b, n, 1);
    n = mk_nlp(b, 2, 1, EE_THDR_SOMI | EE_THDR_EOMI, 2, 0, 0);
    ee_state_packet(st, DIR_S2C, b, n, 2);
    n = mk_nlp(b, 2, 2, 0x30, -1, 0, 10);
    ee_state_packet(st, DIR_C2S, b, n, 3);
    n = mk_nlp(b, 2, 2, 0x30, -1, 10, 10);
    ee_state_packet(st, DIR_C2S, b, n, 4);
    n = mk_nlp(b, 2, 2, 0x30, -1, 40, 10); /* 20 bytes never seen */
    ee_state_packet(st, DIR_C2S, b, n, 5);
    n = mk_nlp(b, 2, 2, 0x30, -1, 10, 10); /* retransmission */
    ee_state_packet(st, DIR_C2S, b, n, 6);
    /* an unrelated one-way TCID: a pipe of its own (fallback key) */
    n = mk_nlp(b, 2, 9, 0x30, -1, 0, 1);
    ee_state_packet(st, DIR_S2C, b, n, 7);
    /* wrong priority for port 12002 */
    n = mk_nlp(b, 0, 9, 0x30, -1, 1, 1);
    ee_state_packet(st, DIR_S2C, b, n, 8);
    /* garbage */
    ee_state_packet(st, DIR_S2C, b, 2, 9);

    unsigned setup = 0, teardown = 0;
    CHECK_EQ_INT(ee_state_pipes(st, &setup, &teardown), 2);
    CHECK_EQ_INT(setup, 1);
    CHECK_EQ_INT(teardown, 0);
    CHECK_EQ_INT(st->ntcids, 4);
    CHECK_EQ_INT(st->bsn_gaps, 1);
    CHECK_EQ_INT(st->bsn_retransmits, 1);
    CHECK_EQ_INT(st->tpf_port_mismatch, 1);
    CHECK_EQ_INT(st->malformed, 1);
    CHECK_EQ_INT(st->nlp_count, 8);
    CHECK_EQ_INT(st->nsaps, 2); /* 04-08 from A, 08-04 when B sends the same bytes */

    /* a second flow of the same IP pair, seen from the other side: merged reversed */
    struct ee_state *o = new_state(12000, 12000);
    ee_state_packet(o, DIR_C2S, xid3, sizeof(xid3), 10);
    ee_state_packet(o, DIR_C2S, xid_done_rq, sizeof(xid_done_rq), 11);
    n = mk_nlp(b, 2, 2, 0x30, -1, 50, 0); /* B's view of A's TCID 2: s2c after reversal */
    ee_state_packet(o, DIR_S2C, b, n, 12);
    ee_state_merge(st, o, true);
    CHECK(st->xid_seen && st->xid3_seen);
    CHECK_EQ_INT(st->xid_done_rq, 1);
    CHECK_EQ_INT(st->ntcids, 4); /* (C2S, 2) already known */
    CHECK_EQ_INT(ee_state_pipes(st, NULL, NULL), 2);
    CHECK_EQ_INT(st->nsaps, 2);

    /* JSON: the contract keys are there */
    static struct obs_proto p;
    ee_dissector.fill_observation(st, &p);
    struct json_writer w;
    jw_init(&w);
    emit_obs_build_object(&w, &p);
    CHECK(!w.failed);
    CHECK(w.buf && strstr(w.buf, "\"ee\":{\"ports\":[12002],\"saps\":[\"04-08\",\"08-04\"],"
                                 "\"rtp_pipes\":2,\"xid_seen\":true") != NULL);
    jw_fini(&w);
    ee_dissector.state_free(o);
    ee_dissector.state_free(st);
}

static void
test_bounds(void)
{
    uint8_t b[128];
    struct ee_state *st = ee_dissector.state_new(0, 0); /* ports unknown */
    CHECK(!st->ports_known);
    for (int i = 0; i < EE_MAX_TCIDS + 6; i++) {
        size_t n = mk_nlp(b, 1, (uint8_t)i, 0x30, -1, 0, 1);
        ee_state_packet(st, DIR_C2S, b, n, 1);
    }
    CHECK_EQ_INT(st->ntcids, EE_MAX_TCIDS);
    CHECK_EQ_INT(st->tcid_overflow, 6);
    CHECK_EQ_INT(ee_state_pipes(st, NULL, NULL), EE_MAX_TCIDS);
    for (int i = 0; i < EE_MAX_SAPS + 3; i++) {
        uint8_t f[3] = {(uint8_t)(2 * i), 0x04, 0xE3};
        ee_state_packet(st, DIR_C2S, f, sizeof(f), 2);
    }
    CHECK_EQ_INT(st->nsaps, EE_MAX_SAPS);
    CHECK_EQ_INT(st->sap_overflow, 3); /* 18 new pairs (i = 4 is 04-08 again), 15 fit */
    static struct obs_proto p;
    ee_dissector.fill_observation(st, &p);
    struct json_writer w;
    jw_init(&w);
    emit_obs_build_object(&w, &p);
    CHECK(w.buf && strstr(w.buf, "\"ports\":null") != NULL);
    jw_fini(&w);
    ee_dissector.state_free(st);
    ee_dissector.state_free(NULL);
}

int
main(void)
{
    test_llc();
    test_nlp_layouts();
    test_nlp_malformed();
    test_cqfi_and_other_segments();
    test_probe_and_ports();
    test_state_pipes();
    test_bounds();
    return check_report();
}
