/* zertdump.c - zertdump's work: every zERT record of an SMF dump as JSON Lines or text. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_json.h"
#include "emit_text.h"
#include "json_writer.h"
#include "smf_reader.h"
#include "zertdump.h"

/* A write on `out` failed: say so (the exit status alone does not tell why). */
static int
out_error(FILE *errout, int err)
{
    fprintf(errout, "zertdump: cannot write the output: %s\n", strerror(err ? err : EIO));
    return 2;
}

int
zertdump_run(FILE *in, FILE *out, FILE *errout, const struct zertdump_opts *o,
             struct zertdump_stats *st)
{
    struct zertdump_stats local;
    struct smf_reader *r = smf_reader_new(in, o->fmt);
    struct smf_decoded *dec = malloc(sizeof(*dec));
    struct json_writer w;
    char err[SMF_READER_ERRLEN];
    int status = 0, rc;
    if (!st)
        st = &local;
    memset(st, 0, sizeof(*st));
    if (!r || !dec) {
        fprintf(errout, "zertdump: out of memory\n");
        smf_reader_free(r);
        free(dec);
        return 2;
    }
    jw_init(&w);
    while ((rc = smf_reader_next(r)) == 1) {
        st->records++;
        switch (smf_reader_decode(r->rec, r->rec_len, &o->tz, dec, err, sizeof(err))) {
        case SMF_KIND_OTHER_TYPE:
            st->other_type++;
            continue;
        case SMF_KIND_OTHER_SUBTYPE:
            st->other_subtype++;
            continue;
        case SMF_KIND_BAD:
            st->bad++;
            status = 1;
            fprintf(errout,
                    "zertdump: offset %" PRIu64 ": record %" PRIu64 " (type %u subtype %u): %s\n",
                    r->rec_off, r->records, dec->type, dec->subtype, err);
            continue;
        case SMF_KIND_DETAIL:
            st->detail++;
            if (o->text)
                emit_text_detail(out, &dec->u.detail, r->rec_off);
            else if (emit_json_write_detail(&w, out, &dec->u.detail) != 0)
                status = out_error(errout, errno);
            break;
        case SMF_KIND_SUMMARY:
            st->summary++;
            if (o->text)
                emit_text_summary(out, &dec->u.summary, r->rec_off);
            else if (emit_json_write_summary(&w, out, &dec->u.summary) != 0)
                status = out_error(errout, errno);
            break;
        }
        if (status != 2 && ferror(out))
            status = out_error(errout, errno);
        if (status == 2)
            break;
    }
    if (rc < 0) {
        fprintf(errout, "zertdump: %s\n", r->err);
        /* a read error is an I/O error (2), damaged input 1 */
        if (status < (r->read_errno ? 2 : 1))
            status = r->read_errno ? 2 : 1;
    }
    if (status != 2 && (fflush(out) != 0 || ferror(out)))
        status = out_error(errout, errno);
    jw_fini(&w);
    free(dec);
    smf_reader_free(r);
    return status;
}
