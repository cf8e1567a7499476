/* capture.c - what every packet source shares: the BPF filter for file input, per link type. */
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "log.h"
#include "stats.h"

/* The expression compiled for one link type; `ok` false when libpcap cannot compile it there. */
struct filter_prog {
    int dlt;
    bool ok;
    struct bpf_program prog;
};

struct capture_filter {
    char *expr;
    struct filter_prog *progs;
    unsigned n, cap;
    unsigned last; /* the link type of the last frame: one compare per frame */
};

static int
compile(const char *expr, int dlt, struct bpf_program *prog, char *err, size_t errlen)
{
    pcap_t *dead = pcap_open_dead(dlt, (int)CAPTURE_MAX_CAPLEN);
    if (!dead) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = pcap_compile(dead, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    if (rc != 0)
        snprintf(err, errlen, "%s", pcap_geterr(dead));
    pcap_close(dead);
    return rc == 0 ? 0 : -1;
}

/* The program for `dlt`, compiled the first time that link type is seen. */
static struct filter_prog *
prog_for(struct capture_filter *flt, int dlt)
{
    if (flt->n && flt->progs[flt->last].dlt == dlt)
        return &flt->progs[flt->last];
    for (unsigned i = 0; i < flt->n; i++)
        if (flt->progs[i].dlt == dlt) {
            flt->last = i;
            return &flt->progs[i];
        }
    if (flt->n == flt->cap) {
        unsigned ncap = flt->cap ? flt->cap * 2 : 4;
        struct filter_prog *np = realloc(flt->progs, ncap * sizeof(*np));
        if (!np)
            return NULL;
        flt->progs = np;
        flt->cap = ncap;
    }
    struct filter_prog *fp = &flt->progs[flt->n];
    char err[PCAP_ERRBUF_SIZE];
    fp->dlt = dlt;
    fp->ok = compile(flt->expr, dlt, &fp->prog, err, sizeof(err)) == 0;
    if (!fp->ok) {
        const char *name = pcap_datalink_val_to_name(dlt);
        log_warn("filter '%s' does not apply to link type %d (%s): its frames are skipped: %s",
                 flt->expr, dlt, name ? name : "unknown", err);
    }
    flt->last = flt->n++;
    return fp;
}

struct capture_filter *
capture_filter_new(const char *expr, int dlt, char *err, size_t errlen)
{
    struct capture_filter *flt = calloc(1, sizeof(*flt));
    if (!flt || !(flt->expr = strdup(expr))) {
        free(flt);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* a syntax error shows at once; the first input's link type, or Ethernet without one */
    struct bpf_program prog;
    char perr[PCAP_ERRBUF_SIZE];
    if (compile(expr, dlt >= 0 ? dlt : DLT_EN10MB, &prog, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "bad filter expression '%s': %s", expr, perr);
        capture_filter_free(flt);
        return NULL;
    }
    pcap_freecode(&prog);
    return flt;
}

bool
capture_filter_match(struct capture_filter *flt, const struct capture_frame *f)
{
    struct filter_prog *fp = prog_for(flt, f->dlt);
    bool match = false;
    if (fp && fp->ok) {
        struct pcap_pkthdr h = {.caplen = f->caplen, .len = f->wire_len};
        match = pcap_offline_filter(&fp->prog, &h, f->data) != 0;
    }
    if (!match)
        STAT_INC(pkts_filtered);
    return match;
}

void
capture_filter_free(struct capture_filter *flt)
{
    if (!flt)
        return;
    for (unsigned i = 0; i < flt->n; i++)
        if (flt->progs[i].ok)
            pcap_freecode(&flt->progs[i].prog);
    free(flt->progs);
    free(flt->expr);
    free(flt);
}
