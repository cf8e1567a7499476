/* capture_merge.c - several captures read as one run, in time order (as mergecap merges). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

/*
 * Order, as mergecap (Wireshark 4.0) merges: the smallest time first; of equal times, the input
 * listed last first (mergecap keeps the later of equal candidates); within an input, its own
 * order (a file whose time goes backwards is not sorted). So `-r a -r b` gives what
 * `mergecap -w m a b` and then `-r m` give. A binary heap of the inputs that hold a frame keeps
 * each step at O(log n) for n inputs.
 */
struct merge_in {
    struct capture *c;
    struct capture_frame f; /* its next frame, borrowed from it until it is advanced */
};

struct capture_merge {
    struct capture base; /* first: the generic part */
    struct merge_in *in;
    unsigned n;
    unsigned *heap; /* indexes into `in` of inputs holding a frame */
    unsigned heap_n;
    int advance;        /* the input whose frame went out last: read its next one first; -1 none */
    unsigned next_fill; /* inputs not yet read once: [next_fill, n) */
};

static bool
before(const struct capture_merge *m, unsigned a, unsigned b)
{
    uint64_t ta = m->in[a].f.ts_us, tb = m->in[b].f.ts_us;
    return ta < tb || (ta == tb && a > b);
}

static void
heap_push(struct capture_merge *m, unsigned i)
{
    unsigned k = m->heap_n++;
    m->heap[k] = i;
    while (k > 0) {
        unsigned parent = (k - 1) / 2;
        if (!before(m, m->heap[k], m->heap[parent]))
            break;
        unsigned t = m->heap[k];
        m->heap[k] = m->heap[parent];
        m->heap[parent] = t;
        k = parent;
    }
}

static void
heap_pop(struct capture_merge *m)
{
    m->heap[0] = m->heap[--m->heap_n];
    unsigned k = 0;
    for (;;) {
        unsigned l = 2 * k + 1, r = l + 1, best = k;
        if (l < m->heap_n && before(m, m->heap[l], m->heap[best]))
            best = l;
        if (r < m->heap_n && before(m, m->heap[r], m->heap[best]))
            best = r;
        if (best == k)
            break;
        unsigned t = m->heap[k];
        m->heap[k] = m->heap[best];
        m->heap[best] = t;
        k = best;
    }
}

/* Read input i's next frame into the heap; CAPTURE_DAMAGED (message in base.err) or not. */
static enum capture_status
fill(struct capture_merge *m, unsigned i)
{
    struct capture *c = m->in[i].c;
    enum capture_status st = c->ops->next(c, &m->in[i].f);
    if (st == CAPTURE_FRAME)
        heap_push(m, i);
    else if (st == CAPTURE_DAMAGED)
        snprintf(m->base.err, sizeof(m->base.err), "%s", c->err);
    return st;
}

static enum capture_status
merge_next(struct capture *c, struct capture_frame *f)
{
    struct capture_merge *m = (struct capture_merge *)c;
    if (m->advance >= 0) {
        unsigned i = (unsigned)m->advance;
        m->advance = -1;
        heap_pop(m); /* its old frame was the top */
        if (fill(m, i) == CAPTURE_DAMAGED)
            return CAPTURE_DAMAGED;
    }
    while (m->next_fill < m->n)
        if (fill(m, m->next_fill++) == CAPTURE_DAMAGED)
            return CAPTURE_DAMAGED;
    if (m->heap_n == 0)
        return CAPTURE_END;
    unsigned top = m->heap[0];
    *f = m->in[top].f;
    m->advance = (int)top;
    c->frames_read++;
    return CAPTURE_FRAME;
}

static void
merge_close(struct capture *c)
{
    struct capture_merge *m = (struct capture_merge *)c;
    for (unsigned i = 0; i < m->n; i++)
        capture_close(m->in[i].c);
    free(m->in);
    free(m->heap);
    free(m);
}

/* The sum over the inputs; unknown (0 of 0) as soon as one input's total is unknown. */
static void
merge_progress(struct capture *c, uint64_t *done, uint64_t *total)
{
    struct capture_merge *m = (struct capture_merge *)c;
    uint64_t d = 0, t = 0;
    for (unsigned i = 0; i < m->n; i++) {
        uint64_t di, ti;
        capture_progress(m->in[i].c, &di, &ti);
        if (!ti) {
            d = t = 0;
            break;
        }
        d += di;
        t += ti;
    }
    *done = d;
    *total = t;
}

static const struct capture_ops merge_ops = {
    .next = merge_next,
    .close = merge_close,
    .progress = merge_progress,
};

struct capture *
capture_merge_new(struct capture **in, unsigned n, char *err, size_t errlen)
{
    struct capture_merge *m = calloc(1, sizeof(*m));
    if (m) {
        m->in = calloc(n ? n : 1, sizeof(*m->in));
        m->heap = calloc(n ? n : 1, sizeof(*m->heap));
    }
    if (!m || !m->in || !m->heap) {
        if (m) {
            free(m->in);
            free(m->heap);
            free(m);
        }
        for (unsigned i = 0; i < n; i++)
            capture_close(in[i]);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (unsigned i = 0; i < n; i++)
        m->in[i].c = in[i];
    m->n = n;
    m->advance = -1;
    m->base.ops = &merge_ops;
    m->base.dlt = n ? in[0]->dlt : -1;
    m->base.name = n ? in[0]->name : "-";
    return &m->base;
}
