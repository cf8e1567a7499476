/*
 * ndpi_opinion.c - nDPI (libndpi 4.2) as a second opinion on what a TCP connection carries.
 *
 * nDPI reads the L3 packet itself (it has its own parsers and light TCP tracking); we hand it
 * the innermost IP header of each TCP packet of a flow, at most NDPI_OPINION_MAX_PKTS of them,
 * then keep only its answer (protocol ids and name) and free its flow state. Nothing here reads
 * packet bytes: nDPI does, so the cursor rule is not at stake; no payload is kept.
 */
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "decode.h"
#include "ndpi_opinion.h"

static bool enabled = true;

void
ndpi_opinion_set_enabled(bool on)
{
    enabled = on;
}

bool
ndpi_opinion_is_enabled(void)
{
    return enabled;
}

struct ndpi_opinion {
    struct ndpi_detection_module_struct *mod;
};

struct ndpi_opinion_flow {
    struct ndpi_flow_struct *nf;
    ndpi_protocol last; /* what the last packet made nDPI say */
};

struct ndpi_opinion *
ndpi_opinion_new(void)
{
    struct ndpi_opinion *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->mod = ndpi_init_detection_module(ndpi_no_prefs);
    if (!n->mod) {
        free(n);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(n->mod, &all);
    ndpi_finalize_initialization(n->mod);
    return n;
}

void
ndpi_opinion_free(struct ndpi_opinion *n)
{
    if (!n)
        return;
    ndpi_exit_detection_module(n->mod);
    free(n);
}

unsigned long
ndpi_opinion_flow_size(void)
{
    return (unsigned long)(sizeof(struct ndpi_opinion_flow) + SIZEOF_FLOW_STRUCT);
}

static void
flow_release(struct ndpi_opinion_flow **fs)
{
    if (!*fs)
        return;
    ndpi_free_flow((*fs)->nf); /* its dynamic members (host names, certificates) and itself */
    free(*fs);
    *fs = NULL;
}

/* Keep nDPI's answer and let its flow state go. */
static void
conclude(struct ndpi_opinion *n, struct ndpi_opinion_flow **fs, struct ndpi_verdict *v)
{
    ndpi_protocol r = {0};
    if (*fs) {
        r = (*fs)->last;
        if (r.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
            /* no port or address guess: only what the bytes showed counts as an opinion */
            uint8_t guessed = 0;
            r = ndpi_detection_giveup(n->mod, (*fs)->nf, 0, &guessed);
        }
    }
    v->master = r.master_protocol;
    v->app = r.app_protocol;
    v->name[0] = '\0';
    if (v->master != NDPI_PROTOCOL_UNKNOWN || v->app != NDPI_PROTOCOL_UNKNOWN)
        ndpi_protocol2name(n->mod, r, v->name, sizeof(v->name));
    v->done = true;
    flow_release(fs);
}

void
ndpi_opinion_packet(struct ndpi_opinion *n, struct ndpi_opinion_flow **fs, struct ndpi_verdict *v,
                    const struct packet *p)
{
    if (!n || v->done)
        return;
    if (!p->l3 || p->reassembled || p->l3_len > 0xffff) {
        /* nDPI 4.2 rejects fragments and takes lengths as unsigned short */
        v->skipped = true;
        return;
    }
    if (!*fs) {
        struct ndpi_opinion_flow *s = calloc(1, sizeof(*s));
        if (!s)
            return;
        s->nf = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
        if (!s->nf) {
            free(s);
            return;
        }
        memset(s->nf, 0, SIZEOF_FLOW_STRUCT);
        *fs = s;
    }
    struct ndpi_opinion_flow *s = *fs;
    s->last = ndpi_detection_process_packet(n->mod, s->nf, p->l3, (unsigned short)p->l3_len,
                                            p->ts_us / 1000);
    v->pkts++;
    bool answered = s->last.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
                    !ndpi_extra_dissection_possible(n->mod, s->nf);
    if (answered || v->pkts >= NDPI_OPINION_MAX_PKTS)
        conclude(n, fs, v);
}

void
ndpi_opinion_finish(struct ndpi_opinion *n, struct ndpi_opinion_flow **fs, struct ndpi_verdict *v)
{
    if (!n || v->done)
        return;
    if (!*fs)
        return; /* nDPI never saw a packet of this flow: no opinion */
    conclude(n, fs, v);
}

static bool
is_one_of(uint16_t id, const uint16_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

enum ndpi_family
ndpi_opinion_family(const struct ndpi_verdict *v)
{
    /* nDPI 4.2 has no FTPS id: FTP with AUTH TLS stays FTP_CONTROL */
    static const uint16_t tls[] = {NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_MAIL_SMTPS,
                                   NDPI_PROTOCOL_MAIL_IMAPS, NDPI_PROTOCOL_MAIL_POPS};
    if (!v->done || (v->master == NDPI_PROTOCOL_UNKNOWN && v->app == NDPI_PROTOCOL_UNKNOWN))
        return NDPI_FAMILY_NONE;
    for (int i = 0; i < 2; i++) {
        uint16_t id = i ? v->app : v->master;
        if (is_one_of(id, tls, sizeof(tls) / sizeof(tls[0])))
            return NDPI_FAMILY_TLS;
        if (id == NDPI_PROTOCOL_SSH)
            return NDPI_FAMILY_SSH;
    }
    return NDPI_FAMILY_OTHER;
}

bool
ndpi_opinion_names_clear(const struct ndpi_verdict *v, const char *label)
{
    static const struct {
        const char *label;
        uint16_t id;
    } clear[] = {
        {"smtp", NDPI_PROTOCOL_MAIL_SMTP},
        {"imap", NDPI_PROTOCOL_MAIL_IMAP},
        {"pop3", NDPI_PROTOCOL_MAIL_POP},
        {"ftp", NDPI_PROTOCOL_FTP_CONTROL},
        {"postgres", NDPI_PROTOCOL_POSTGRES},
        {"mysql", NDPI_PROTOCOL_MYSQL},
        {"rdp", NDPI_PROTOCOL_RDP},
        {"ldap", NDPI_PROTOCOL_LDAP},
        {"xmpp", NDPI_PROTOCOL_JABBER},
        {"irc", NDPI_PROTOCOL_IRC},
        {NULL, 0},
    };
    if (!v->done || !label)
        return false;
    for (size_t i = 0; clear[i].label; i++)
        if (!strcmp(clear[i].label, label))
            return v->master == clear[i].id || v->app == clear[i].id;
    return false;
}
