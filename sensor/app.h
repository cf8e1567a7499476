/* app.h - the application layer: picks a dissector per flow and drives it (dissector.h). */
#ifndef ZS_APP_H
#define ZS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdint.h>
#include <stdio.h>

struct flow;
struct packet;
struct app_layer;

/*
 * `observations`: where --observations lines go (NULL: none). `buffer_max`: the bytes one
 * direction of a flow may buffer for its dissector (stream_buffer_max; 0: DISSECT_BUFFER_MAX),
 * for every app layer of the process.
 */
struct app_layer *app_new(FILE *observations, uint32_t buffer_max);
void app_free(struct app_layer *a);

void app_stream_data(struct app_layer *a, struct flow *f, int dir, const uint8_t *data, size_t len,
                     uint64_t ts_us);
void app_stream_gap(struct app_layer *a, struct flow *f, int dir, uint64_t len);
void app_datagram(struct app_layer *a, struct flow *f, int dir, const struct packet *p);
/* Every TCP packet of a flow (headers included): nDPI's second opinion sees the first ones. */
void app_tcp_packet(struct app_layer *a, struct flow *f, const struct packet *p);
/* The flow ended: the dissector's final call (once; app_flow_end makes it too if needed). */
void app_flow_close(struct app_layer *a, struct flow *f);
/* The observation line, then the state is freed. 0 or -1 (write error). */
int app_flow_end(struct app_layer *a, struct flow *f);
struct ipsec_peers;
struct ike_state;
/* One observation line per IPsec peer pair (after every flow ended). 0 or -1 (write error). */
/* The observation line of an IPsec pair that ended. 0, or -1 (write error). */
struct peer;
int app_write_ipsec_pair(struct app_layer *a, struct ipsec_peers *ip, const struct peer *pr);
/* The state of the IKE dissector on flow f, or NULL. */
const struct ike_state *app_ike_state(const struct flow *f);

/*
 * What the application layer can say about a connection's protection, kept current after every
 * dissector call (the zERT layer acts when `epoch` changes, instead of asking on every packet).
 */
enum app_prot_state {
    APP_PROT_PENDING,     /* no application bytes yet, or too few to tell */
    APP_PROT_CLEAR,       /* the first application bytes were not a TLS/SSH handshake */
    APP_PROT_HANDSHAKE,   /* the first bytes began a handshake whose outcome is not known yet */
    APP_PROT_ESTABLISHED, /* a handshake completed (after clear text when clear_first) */
    APP_PROT_FAILED,      /* the handshake failed: nothing was protected */
    APP_PROT_UNKNOWN,     /* the wire cannot tell (first bytes lost, handshake cut or malformed) */
};

struct app_verdict {
    uint32_t epoch;   /* changes whenever anything below changes */
    uint8_t state;    /* enum app_prot_state */
    uint8_t prot;     /* ZERT_PROT_* of the dissector's protocol (established or attempted) */
    bool clear_first; /* clear text flowed before the handshake (STARTTLS) */
    bool ended;       /* the session ended and clear data followed on the connection */
    const char *why;  /* static text: why no protection, or why unknown */
};

/* The verdict of flow f (a PENDING one when the layer knows nothing of f). */
const struct app_verdict *app_verdict(const struct flow *f);

struct zert_detail;
/*
 * For the zERT layer: ZERT_PROT_* bits of the security sessions established
 * on the flow; *clear_first when application data flowed in clear before the
 * handshake; *ended_early when the session ended and clear data followed on the connection.
 */
uint8_t app_protection(const struct flow *f, bool *clear_first, bool *ended_early);
/* PEER_EE (sensor/peer.h) when the Enterprise Extender dissector claimed the flow, else 0. */
uint8_t app_peer_kind(const struct flow *f);
/* The dissector's facts and observation into a record's protocol blocks. */
void app_fill_record(const struct flow *f, struct zert_detail *rec);

#endif
