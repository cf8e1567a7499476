/* ndpi_opinion.h - nDPI (libndpi 4.2) as a second opinion on what a TCP connection carries. */
#ifndef ZS_NDPI_OPINION_H
#define ZS_NDPI_OPINION_H

#include <stdbool.h>
#include <stdint.h>

struct packet;

/* Packets of a flow nDPI sees at most before it must give its answer. */
#define NDPI_OPINION_MAX_PKTS 16

/* What nDPI concluded about one flow: all that is kept once its flow state is freed. */
struct ndpi_verdict {
    uint16_t master, app; /* nDPI protocol ids (NDPI_PROTOCOL_UNKNOWN = 0: none) */
    uint8_t pkts;         /* packets handed to nDPI */
    bool done;            /* nDPI answered (or gave up): no flow state is held any more */
    bool skipped;         /* some packets could not be shown (reassembled fragments, > 64 KiB) */
    char name[32];        /* ndpi_protocol2name(): "TLS.Google"; empty when nDPI had nothing */
};

/* The per-flow nDPI state, alive only while classifying. */
struct ndpi_opinion_flow;
/* The nDPI detection module, one per run. */
struct ndpi_opinion;

/* Process-wide switch, on by default (main.c's --no-ndpi turns it off before the engine is made).
 */
void ndpi_opinion_set_enabled(bool on);
bool ndpi_opinion_is_enabled(void);

/* NULL when nDPI could not be initialised. */
struct ndpi_opinion *ndpi_opinion_new(void);
void ndpi_opinion_free(struct ndpi_opinion *n);

/*
 * One TCP packet of a flow (p->l3: its innermost IP header). *fs is created on the
 * first call and freed as soon as nDPI has answered or NDPI_OPINION_MAX_PKTS packets
 * were shown; then v->done is set and later calls return at once.
 */
void ndpi_opinion_packet(struct ndpi_opinion *n, struct ndpi_opinion_flow **fs,
                         struct ndpi_verdict *v, const struct packet *p);
/* The flow ended: ask nDPI for what it has (giveup, no port guess) and free *fs. */
void ndpi_opinion_finish(struct ndpi_opinion *n, struct ndpi_opinion_flow **fs,
                         struct ndpi_verdict *v);

/* What nDPI's verdict means for us. */
enum ndpi_family {
    NDPI_FAMILY_NONE, /* nDPI had no opinion */
    NDPI_FAMILY_TLS,  /* TLS, or a protocol over TLS (SMTPS, IMAPS, POPS, TLS.<service>) */
    NDPI_FAMILY_SSH,
    NDPI_FAMILY_OTHER, /* some other protocol */
};
enum ndpi_family ndpi_opinion_family(const struct ndpi_verdict *v);
/*
 * Does nDPI name the clear-text protocol a STARTTLS-style upgrade started from? `label` is the
 * TLS dissector's starttls name ("smtp", "imap", "pop3", "ftp", "postgres", "mysql", "rdp",
 * "ldap", "xmpp", "irc"); false for any other label.
 */
bool ndpi_opinion_names_clear(const struct ndpi_verdict *v, const char *label);

/* Bytes of nDPI flow state per connection while it is classified (for docs and tests). */
unsigned long ndpi_opinion_flow_size(void);

#endif
