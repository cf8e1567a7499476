/* flow.h - the per-connection state: symmetric key, counters, TCP half-streams. */
#ifndef ZS_FLOW_H
#define ZS_FLOW_H

#include <stdbool.h>
#include <stdint.h>

struct packet;

/* Direction of a packet relative to the flow's first packet. */
#define FLOW_DIR_FWD 0 /* from addr[0] to addr[1] */
#define FLOW_DIR_REV 1

#define FLOW_NONE UINT32_MAX /* "no index" in pool-linked lists */

/*
 * Direction-symmetric key: the lower (address, port) endpoint first, so both
 * directions of a connection hash and compare the same. For ESP and AH the
 * ports are zero and the SPI is part of the key (each direction of an SA
 * pair has its own SPI and so its own flow).
 */
struct flow_key {
    uint8_t addr_lo[16];
    uint8_t addr_hi[16];
    uint16_t port_lo;
    uint16_t port_hi;
    uint32_t spi;
    uint8_t family;
    uint8_t proto;
    uint8_t pad[6]; /* zeroed: the key is hashed and compared as bytes */
};

/* Why a flow was handed to the consumer as ended. */
enum flow_end_reason {
    FLOW_END_NONE = 0,
    FLOW_END_FIN,            /* both sides sent FIN (or one FIN and the flow went idle) */
    FLOW_END_RST,            /* a RST was seen */
    FLOW_END_IDLE,           /* idle timeout, by packet time */
    FLOW_END_EVICTED,        /* the table was full and this flow was the least recently used */
    FLOW_END_REUSED,         /* a new connection (new SYN) took over the 5-tuple */
    FLOW_END_END_OF_CAPTURE, /* still open when the input ended */
};

const char *flow_end_reason_name(enum flow_end_reason r);

/* One direction of a TCP connection: sequence tracking and out-of-order queue. */
struct tcp_half {
    uint32_t isn;          /* initial sequence number (SYN's) or first seen */
    uint32_t next_seq;     /* next byte to deliver */
    uint32_t fin_seq;      /* sequence number of the FIN (end of data) */
    uint32_t max_ack;      /* highest ACK this side sent, acknowledging the other side */
    uint32_t ooo_head;     /* first queued out-of-order chunk (pool index) or FLOW_NONE */
    uint32_t ooo_tail;     /* last queued chunk: appending after a loss is the common case */
    uint32_t ooo_root;     /* root of their tree by sequence, or FLOW_NONE (none while few) */
    uint32_t ooo_held;     /* chunk memory queued (what flow_memcap counts), not payload bytes */
    uint64_t delivered;    /* bytes handed to the consumer */
    uint64_t gap_bytes;    /* bytes announced missing */
    uint32_t gaps;         /* gap notices */
    uint32_t retrans;      /* segments that carried only already-seen bytes */
    uint32_t overlaps_bad; /* overlapping bytes that disagreed (first data won) */
    uint8_t seq_known : 1;
    uint8_t syn_seen : 1;
    uint8_t fin_seen : 1;
    uint8_t rst_seen : 1;
    uint8_t ack_seen : 1;
};

#define FLOW_F_MIDSTREAM     0x01 /* TCP: no SYN seen for this connection */
#define FLOW_F_ROLES_GUESSED 0x02 /* client/server from ports, not the handshake */
#define FLOW_F_CLOSED        0x04 /* FIN both ways or RST: on the closed list */
#define FLOW_F_HANDSHAKE     0x08 /* SYN seen */
#define FLOW_F_SYNACK        0x10 /* SYN-ACK seen */

struct flow {
    struct flow_key key;
    uint8_t addr[2][16]; /* [FLOW_DIR_FWD] = first packet's source */
    uint16_t port[2];
    uint8_t client_dir; /* which direction is client → server: FLOW_DIR_FWD or _REV */
    uint8_t flags;
    uint8_t end_reason; /* enum flow_end_reason, set when ended */
    uint8_t list;       /* which expiry list the flow is on */
    uint32_t hash;
    uint32_t hnext;             /* next in bucket chain */
    uint32_t lprev, lnext;      /* expiry list links */
    uint64_t id;                /* unique in this run, in creation order */
    uint64_t first_ts, last_ts; /* microseconds */
    uint64_t pkts[2];
    uint64_t bytes[2];   /* IP bytes per direction */
    uint64_t payload[2]; /* transport payload bytes per direction (as claimed by headers) */
    struct tcp_half tcp[2];
    void *app;        /* application layer state (sensor/app.c); freed when the flow ends */
    void *zert;       /* zERT connection state (sensor/zert.c); freed when the flow ends */
    uint64_t user[2]; /* consumer scratch (e.g. dump file offsets) */
};

/* Both halves of a new TCP flow: no sequence known, nothing held. */
static inline void
flow_tcp_init(struct flow *f)
{
    for (int d = 0; d < 2; d++)
        f->tcp[d].ooo_head = f->tcp[d].ooo_tail = f->tcp[d].ooo_root = FLOW_NONE;
}

/* Size budget: flow state per idle flow stays under 512 bytes (reassembly buffers aside). */
_Static_assert(sizeof(struct flow) <= 336, "struct flow grew past its size budget");

static inline uint8_t
flow_server_dir(const struct flow *f)
{
    return (uint8_t)(f->client_dir ^ 1);
}

/* Build the symmetric key for a packet; *dir_is_lo is true when the packet's source is addr_lo. */
void flow_key_from_packet(const struct packet *p, struct flow_key *k);
uint32_t flow_key_hash(const struct flow_key *k, uint64_t seed);
bool flow_key_equal(const struct flow_key *a, const struct flow_key *b);

#endif
