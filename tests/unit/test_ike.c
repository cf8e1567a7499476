/* test_ike.c - IKE parser and IPsec pair table checks on real corpus packets and table cases. */
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/ike.h"
#include "../../dissectors/ipsec.h"
#include "../../dissectors/ipsec_tables.h"
#include "../../sensor/ipsec_peers.h"
#include "../../sensor/peer.h"
#include "../../emit/emit_obs.h"
#include "../../flowtable/packet.h"
#include "check.h"

/*
 * UDP payloads from corpus captures (tshark -e udp.payload):
 * - v1_aggr_resp: zeek-spicy-ipsec/traces/ipsec-ikev1-isakmp-aggressive-mode.pcap frame 2
 * - v2_sa_init_resp: zeek-spicy-ipsec/traces/ipsec_client.pcap frame 2
 * - v2_cookie_resp, v2_cookie_req, v2_four_resp: tcpdump/ikev2four.pcap frames 2, 3, 4
 */
/* v1_aggr_resp: 420 bytes */
static const char v1_aggr_resp_hex[] =
    "e47a591f78c99d7fa00b8ef0ea9ff8830110040000000000000001a40d00003c000000010000000100000030"
    "01010001000000280101000080010007800e0080800200028004000280030001800b0001000c000400015180"
    "0d00001412f5f28c457168a9702d9fe274cc01000d000014afcad71368a1f1c96b8696fc775701000d000014"
    "55cc29edea9ef883ec3bfd05ce835cc70d00000c09002689dfd6b712040000144a131c81070358455c5728f2"
    "0e95452f050000846d026d5616c45be05e5b898411e9f95d195cea009ad22c62bef06c571b7cfbc4792f4556"
    "4ec710ac584aa18d20cbc8f5f8910666b89e4ee2f95abc0230e2cba1b88ac4bba7fcc818a986c01a4ca865a5"
    "eb82884dbec85bfd7d1a303b09894dcf2e3785fd79dba225377cf8cca009ceffbb6aa38b648c4b05404f1cfa"
    "ac361aff0a00000c01000000c0a80c02080000181f26436f8ae50d3aad805d26ad4d7512a7e72a8114000018"
    "8585d037d9b48b7cd17e235549e023f137c7ce2614000018f41cca0e525dcb00902a095074bb68ae9ae0b536"
    "00000018453d0b014f3f3520ac1053b487072845f253a0ae";
/* v2_sa_init_resp: 308 bytes */
static const char v2_sa_init_resp_hex[] =
    "238671c80375a0fb73d16a42f60ef7f02120222000000000000001342200002c000000280101000403000008"
    "010000030300000803000002030000080200000200000008040000022800008800020000e327de1e981e99db"
    "15073140fc0e3575f1f0a83a5d12dfc96cb813ae27736211c2e81ea07e2cc6db253ad956a72bd279d2c009de"
    "031ec93d5fc4e78012682c0168b9b9e36af047d08f84ef5d3e61d62c02354f1b352d88e7696484e43190acd7"
    "f0aee9e9dfcad2343601925df23b648e02a2c45dde0bc8cd2e1be98d4ef836c229000024cad62a7410d2c5bb"
    "4f266dfa6a75d9b2f967ce25d05c59335e07be77c43bf7362900001c000040043d40f7d9409d85f141669eca"
    "b3f340d0147945a42900001c000040056d34e239650ccb8f4d5984c4ebf69116e2c812db0000000800004014";
/* v2_cookie_resp: 60 bytes */
static const char v2_cookie_resp_hex[] =
    "a88875a8198992a6000000000000000029202220000000000000003c000000200000400600000001c2221e50"
    "c16e123f2b0c71aefcf0cb3b798782c6";
/* v2_cookie_req: 408 bytes */
static const char v2_cookie_req_hex[] =
    "a88875a8198992a60000000000000000292022080000000000000198210000200000400600000001c2221e50"
    "c16e123f2b0c71aefcf0cb3b798782c622000078000000740101000c0300000c0100000c800e00800300000c"
    "0100000c800e01000300000c0100000c800e00c0030000080100000303000008020000020300000802000001"
    "0300000802000004030000080300000203000008030000010300000803000005030000080400000200000008"
    "0400000e2800008800020000b5445bd60cece6fdcd3c96a52cbb7bb426a8c7a0f56a9c38d1b1c4f0c3a6e8e7"
    "dba5c7339b6ed02e757119dfb5b6933ce93b604987fbbc77221b2a0c7cdd32787eff10572bef546c361462f9"
    "da34847969a42e51c755996beac42e6fba961a75de0fc1b23f099380896ee89202122dedac1bd54aa8494ac3"
    "d740be4d2a4cf39d290000246128ebd023a864e94a7ffb74bf7cce2fd4367322b8b073f942282bd52ebfe3e6"
    "2900001c00004004442ffe5aea0cee4dbacc758e801233bdc09a0abf0000001c00004005ba041b5de5995590"
    "0d818ac54e18b236739d9e8b";
/* v2_four_resp: 304 bytes */
static const char v2_four_resp_hex[] =
    "a88875a8198992a671be8358efae7663212022200000000000000130220000300000002c010100040300000c"
    "0100000c800e008003000008020000020300000803000002000000080400000228000088000200005a56714d"
    "3abf64e3a3f401ead9f5323ff0b77faa5f1e99199b13ac821f0a0c4f854786ca09b7a76aa508bcee11f16369"
    "a16d5fa041ca2d9a8dfa8228c61f2482d2175c5c1a9491fc221bec7a1fa69f656d4c98ba49ae9d721dedf4a0"
    "2d7ecdfc201dc785a13ed74e4f3982762a2720ffdfc365ee4e37279af496cd86f881fd1529000024b31c379f"
    "272ce2984bd17ca38c8729e1edbc081a14fb0f67cff81721dfeec1f92900001c00004004fe2bfb7c2c81ed0b"
    "61f756b57fac78a75ced8af60000001c00004005905954a783be2c37e2ccc4fdd270a532dbe6f428";

static size_t
hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; hex[i] && hex[i + 1] && n < cap; i += 2) {
        char b[3] = {hex[i], hex[i + 1], 0};
        out[n++] = (uint8_t)strtoul(b, NULL, 16);
    }
    return n;
}

static void
feed(struct ike_state *st, int dir, const char *hex, uint64_t ts)
{
    static uint8_t buf[4096];
    size_t n = hex_decode(hex, buf, sizeof(buf));
    ike_parse_datagram(st, dir, buf, n, ts);
}

static void
test_v1_aggressive(void)
{
    struct ike_state st;
    ike_state_init(&st);
    feed(&st, 1, v1_aggr_resp_hex, 1);
    CHECK_EQ_INT(st.n_sas, 1);
    CHECK_EQ_INT(st.malformed, 0);
    const struct ike_sa *sa = ike_primary_sa(&st);
    static const uint8_t spi_i[8] = {0xe4, 0x7a, 0x59, 0x1f, 0x78, 0xc9, 0x9d, 0x7f};
    static const uint8_t spi_r[8] = {0xa0, 0x0b, 0x8e, 0xf0, 0xea, 0x9f, 0xf8, 0x83};
    CHECK_MEM(sa->spi_i, spi_i, 8);
    CHECK_MEM(sa->spi_r, spi_r, 8);
    CHECK_EQ_INT(sa->version, 1);
    CHECK_EQ_INT(sa->exchange, IKE_EXCH_AGGRESSIVE);
    CHECK(sa->chosen);
    CHECK_EQ_INT(sa->encr, 7); /* AES-CBC */
    CHECK_EQ_INT(sa->key_bits, 128);
    CHECK_EQ_INT(sa->hash, 2); /* SHA1 */
    CHECK_EQ_INT(sa->dh_group, 2);
    CHECK_EQ_INT(sa->auth, IKEV1_AUTH_PSK);
    CHECK_EQ_INT(sa->life_seconds, 86400);
    CHECK(sa->nat_detection);
    CHECK(sa->initiator_seen);
    CHECK_EQ_INT(sa->init_dir, 0); /* the responder sent it on dir 1 */
    /* Zeek's baseline: Cisco Unity, DPD, one unknown, XAUTH, RFC 3947 NAT-T */
    CHECK_EQ_INT(st.n_vids, 5);
    CHECK_EQ_STR(ipsec_vendor_name(st.vids[0].id, st.vids[0].len), "Cisco Unity");
    CHECK_EQ_STR(ipsec_vendor_name(st.vids[1].id, st.vids[1].len), "Dead Peer Detection");
    CHECK_EQ_STR(ipsec_vendor_name(st.vids[4].id, st.vids[4].len), "RFC 3947 NAT-T");
}

static void
test_v2_sa_init_response(void)
{
    struct ike_state st;
    ike_state_init(&st);
    feed(&st, 1, v2_sa_init_resp_hex, 1);
    const struct ike_sa *sa = ike_primary_sa(&st);
    CHECK_EQ_INT(st.n_sas, 1);
    CHECK_EQ_INT(sa->version, 2);
    CHECK_EQ_INT(sa->exchange, IKE_EXCH_IKE_SA_INIT);
    CHECK(sa->chosen);
    CHECK_EQ_INT(sa->encr, 3); /* 3DES, as Zeek's and tshark's dissections say */
    CHECK_EQ_INT(sa->prf, 2);
    CHECK_EQ_INT(sa->integ, 2);
    CHECK_EQ_INT(sa->dh_group, 2);
    CHECK_EQ_INT(sa->ke_payload_group[1], 2);
    CHECK(sa->nat_detection);
    CHECK_EQ_INT(sa->init_dir, 0);
    CHECK_EQ_INT(sa->clear_messages, 1);
}

static void
test_v2_cookie_retry(void)
{
    struct ike_state st;
    ike_state_init(&st);
    feed(&st, 1, v2_cookie_resp_hex, 2);
    feed(&st, 0, v2_cookie_req_hex, 3);
    feed(&st, 1, v2_four_resp_hex, 4);
    CHECK_EQ_INT(st.n_sas, 1);
    const struct ike_sa *sa = ike_primary_sa(&st);
    CHECK_EQ_INT(sa->cookie_retries, 1);
    CHECK(sa->chosen);
    CHECK_EQ_INT(sa->encr, 12);
    CHECK_EQ_INT(sa->key_bits, 128);
    CHECK_EQ_INT(sa->prf, 2);
    CHECK_EQ_INT(sa->integ, 2);
    CHECK_EQ_INT(sa->dh_group, 2);
    CHECK_EQ_INT(sa->offered_groups[0], 2);
    CHECK_EQ_INT(sa->exch_msgs[IKE_EXCH_IKE_SA_INIT], 3);
}

/*
 * A pair's IKE facts are the merge of its flows' states: the same as one parse of every
 * datagram of the pair in capture order, even when capture times go back and when a flow's
 * first sender is the pair's other side (its directions are reversed).
 */
static void
test_merge_equals_one_parse(void)
{
    static struct ike_state one, a, b, merged;
    ike_state_init(&one);
    ike_state_init(&a);
    ike_state_init(&b);
    ike_state_init(&merged);
    /* the pair's order: aggressive SA (flow a), cookie exchange (flow b, reversed), v2 SA (a) */
    feed(&one, 1, v1_aggr_resp_hex, 50);
    feed(&one, 1, v2_cookie_resp_hex, 20); /* capture time goes back */
    feed(&one, 0, v2_cookie_req_hex, 30);
    feed(&one, 1, v2_four_resp_hex, 40);
    feed(&one, 1, v2_sa_init_resp_hex, 10);
    feed(&a, 1, v1_aggr_resp_hex, 50);
    feed(&b, 0, v2_cookie_resp_hex, 20);
    feed(&b, 1, v2_cookie_req_hex, 30);
    feed(&b, 0, v2_four_resp_hex, 40);
    feed(&a, 1, v2_sa_init_resp_hex, 10);
    /* flows end in another order than their messages came */
    ike_state_merge(&merged, &b, true);
    ike_state_merge(&merged, &a, false);
    CHECK_EQ_INT(merged.n_sas, one.n_sas);
    CHECK_EQ_INT(merged.messages, one.messages);
    CHECK_EQ_INT(merged.n_vids, one.n_vids);
    for (uint8_t i = 0; i < one.n_sas && i < merged.n_sas; i++) {
        const struct ike_sa *x = &one.sas[i], *y = &merged.sas[i];
        CHECK_MEM(x->spi_i, y->spi_i, 8);
        CHECK_MEM(x->spi_r, y->spi_r, 8);
        CHECK_EQ_INT(x->init_dir, y->init_dir);
        CHECK_EQ_INT(x->encr, y->encr);
        CHECK_EQ_INT(x->cookie_retries, y->cookie_retries);
        CHECK_EQ_INT(x->clear_messages, y->clear_messages);
        CHECK_EQ_INT(x->first_ts, y->first_ts);
        CHECK_EQ_INT(x->last_ts, y->last_ts);
    }
    CHECK_EQ_INT(ike_primary_sa(&merged)->version, 1); /* the first SA with a choice: aggressive */
}

/* Every prefix of a real message: no over-read (the sanitizers watch), counted as malformed. */
static void
test_truncation(void)
{
    static uint8_t buf[4096];
    size_t n = hex_decode(v1_aggr_resp_hex, buf, sizeof(buf));
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        struct ike_state st;
        ike_state_init(&st);
        ike_parse_datagram(&st, 0, copy, cut, 1);
        if (cut >= 28)
            CHECK(st.messages == 1 && st.malformed >= 1);
        free(copy);
    }
}

/* A hand-made IKEv2 response: INVALID_KE_PAYLOAD asking for group 31, then a choice with ADDKE. */
static void
test_v2_invalid_ke_and_addke(void)
{
    static const char invalid_ke[] = "0102030405060708"
                                     "0000000000000000"
                                     "29202220"
                                     "00000000"
                                     "00000026"
                                     "0000000a"
                                     "00000011"
                                     "001f";
    static const char chosen[] = "0102030405060708"
                                 "1112131415161718"
                                 "21202220"
                                 "00000000"
                                 "00000054"
                                 "00000038"
                                 "00000034"
                                 "01010005"
                                 "0300000c"
                                 "0100000c800e0100" /* ENCR AES-CBC 256 */
                                 "03000008"
                                 "02000007" /* PRF HMAC-SHA2-512 */
                                 "03000008"
                                 "0300000e" /* INTEG HMAC-SHA2-512-256 */
                                 "03000008"
                                 "0400001f" /* KE Curve25519 */
                                 "00000008"
                                 "06000024"; /* ADDKE1 ML-KEM-768 */
    struct ike_state st;
    ike_state_init(&st);
    feed(&st, 1, invalid_ke, 1);
    feed(&st, 1, chosen, 2);
    const struct ike_sa *sa = ike_primary_sa(&st);
    CHECK_EQ_INT(st.n_sas, 1);
    CHECK_EQ_INT(sa->invalid_ke, 1);
    CHECK_EQ_INT(sa->requested_group, 31);
    CHECK(sa->chosen);
    CHECK_EQ_INT(sa->encr, 12);
    CHECK_EQ_INT(sa->key_bits, 256);
    CHECK_EQ_INT(sa->prf, 7);
    CHECK_EQ_INT(sa->integ, 14);
    CHECK_EQ_INT(sa->dh_group, 31);
    CHECK_EQ_INT(sa->addke[0], 36);
    CHECK_EQ_STR(name_tab_lookup(ike_group_names, 36), "ML-KEM-768");
    CHECK_EQ_STR(name_tab_lookup(ikev2_transform_type_names, 6), "ADDKE1");
}

static void
test_natt_classify(void)
{
    static const uint8_t keepalive[] = {0xff};
    static const uint8_t marker[] = {0, 0, 0, 0, 1, 2, 3, 4};
    static const uint8_t esp[] = {0xc0, 0xf7, 0xd4, 0xc3, 0, 0, 0, 1};
    static const uint8_t short_esp[] = {0xc0, 0xf7, 0xd4, 0xc3};
    CHECK_EQ_INT(ike_classify_natt(keepalive, 1), IKE_NATT_KEEPALIVE);
    CHECK_EQ_INT(ike_classify_natt(marker, sizeof(marker)), IKE_NATT_IKE);
    CHECK_EQ_INT(ike_classify_natt(esp, sizeof(esp)), IKE_NATT_ESP);
    CHECK_EQ_INT(ike_classify_natt(short_esp, sizeof(short_esp)), IKE_NATT_JUNK);
    CHECK_EQ_INT(ike_dissector.probe(marker, sizeof(marker), 4500, 4500), PROBE_NO);
    CHECK_EQ_INT(ike_dissector.probe(keepalive, 1, 4500, 4500), PROBE_YES);
}

/* ESP sequence accounting: table-driven (seq in order; gaps, replays expected at the end). */
static void
test_table_esp_sequences(void)
{
    static const struct {
        uint32_t seq[8];
        int n;
        uint32_t gaps, replays, wraps;
        uint64_t missing;
    } cases[] = {
        {{1, 2, 3, 4}, 4, 0, 0, 0, 0},
        {{1, 2, 5, 6}, 4, 1, 0, 0, 2},
        {{1, 3, 2, 4}, 4, 1, 1, 0, 1},
        {{5, 5, 5}, 3, 0, 2, 0, 0},
        {{0xfffffffe, 0xffffffff, 1, 2}, 4, 0, 0, 1, 0},
        {{100, 1}, 2, 0, 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct peer_table *pt = peer_table_new();
        struct ipsec_peers *t = ipsec_peers_new(pt, 4, 120000000, NULL);
        struct peer *pr = NULL;
        struct packet p;
        memset(&p, 0, sizeof(p));
        p.family = 4;
        p.proto = IPPROTO_NUM_ESP;
        p.src[0] = 10, p.src[3] = 1;
        p.dst[0] = 10, p.dst[3] = 2;
        p.spi = 0x1000;
        p.ip_len = 100;
        for (int k = 0; k < cases[i].n; k++) {
            p.esp_seq = cases[i].seq[k];
            p.ts_us = (uint64_t)k;
            CHECK(!ipsec_peers_packet(t, &p, &pr));
            CHECK(pr != NULL);
        }
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        static struct obs_ipsec_pair pair;
        struct json_writer w;
        jw_init(&w);
        ipsec_peers_observe(t, pr, &pair);
        CHECK_EQ_INT(emit_obs_write_pair(&w, out, &pair), 0);
        jw_fini(&w);
        fclose(out);
        char want[160];
        snprintf(want, sizeof(want), "\"gaps\":%u,\"missing\":%llu,\"replays\":%u,\"wraps\":%u",
                 (unsigned)cases[i].gaps, (unsigned long long)cases[i].missing,
                 (unsigned)cases[i].replays, (unsigned)cases[i].wraps);
        CHECK(text && strstr(text, want) != NULL);
        if (!text || !strstr(text, want))
            fprintf(stderr, "case %zu: want %s in %s\n", i, want, text ? text : "(null)");
        CHECK(text && strstr(text, "\"esp_spis\":[\"00001000\"]") != NULL);
        free(text);
        struct ipsec_peers_stats s;
        ipsec_peers_get_stats(t, &s);
        CHECK_EQ_INT(s.pairs, 1);
        CHECK_EQ_INT(s.esp_packets, (uint64_t)cases[i].n);
        ipsec_peers_free(t);
        peer_table_free(pt);
    }
}

int
main(void)
{
    test_v1_aggressive();
    test_v2_sa_init_response();
    test_v2_cookie_retry();
    test_merge_equals_one_parse();
    test_truncation();
    test_v2_invalid_ke_and_addke();
    test_natt_classify();
    test_table_esp_sequences();
    return check_report();
}
