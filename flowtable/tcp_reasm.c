/* tcp_reasm.c - per-direction TCP reassembly over a preallocated chunk pool; first data wins. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_table.h"
#include "packet.h"
#include "tcp_reasm.h"

/* Serial-number arithmetic (RFC 1982): correct across the 2^32 wrap. */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* A segment further than this beyond the next expected byte is bogus, not a gap. */
#define SEQ_WINDOW (256u << 20)

#define CHUNK_DATA TCP_REASM_CHUNK_DATA

/*
 * Out-of-order data lives in fixed chunks from one pool: no allocation per packet. A chunk is an
 * index entry (here) and CHUNK_DATA bytes of data (in a parallel array, so that searching the
 * index touches only the entries). One held chunk is charged CHUNK_BYTES to the per-flow and the
 * global caps, whatever its length: what the caps count is the memory really held.
 *
 * The chunks one direction holds are a list in sequence order (`next`): draining from the head
 * and appending at the tail, what most out-of-order traffic needs, are O(1) walks of it. When a
 * segment has to go between held chunks and the direction holds more than TREE_MIN of them, they
 * also become an AVL tree by sequence number (`left`, `right`, `parent`, `height`), so finding the
 * place costs O(log n) in the chunks held; below that a walk of the list is cheaper than the tree.
 * Held chunks never overlap and all lie within SEQ_WINDOW past next_seq, so serial-number order
 * is a total order.
 */
struct chunk {
    uint32_t seq;
    uint32_t next; /* the next chunk in sequence order (or on the free list), or FLOW_NONE */
    uint32_t left, right, parent; /* the tree's links, while there is one */
    uint16_t len;
    uint8_t height; /* of the subtree rooted here; at most ~1.44 log2(chunks) */
};

#define CHUNK_BYTES ((uint32_t)(sizeof(struct chunk) + CHUNK_DATA))

/*
 * A direction's tree is built (O(n), from the list) when a segment must be placed between held
 * chunks and there are more than TREE_MIN; it is kept up while at least TREE_MIN / 2 chunks are
 * held, and dropped below (O(1): the list stays). Each chunk takes part in at most one build
 * (dropping needs all but TREE_MIN / 2 of them gone), so a build costs O(1) per insertion.
 */
#define TREE_MIN 32

struct tcp_reasm {
    struct tcp_reasm_ops ops;
    struct chunk *pool;
    uint8_t *data; /* chunk i's bytes at data + i * CHUNK_DATA */
    uint32_t nchunks;
    uint32_t hwm; /* chunks [0, hwm) were handed out at least once */
    uint32_t free_head;
    uint32_t in_use;
    uint32_t flow_cap;
    struct tcp_reasm_stats stats;
};

uint32_t
tcp_reasm_chunk_bytes(void)
{
    return CHUNK_BYTES;
}

struct tcp_reasm *
tcp_reasm_new(uint64_t memcap, uint32_t flow_cap, const struct tcp_reasm_ops *ops, char *err,
              size_t errlen)
{
    struct tcp_reasm *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory for TCP reassembly");
        return NULL;
    }
    r->ops = *ops;
    uint64_t n = memcap / CHUNK_BYTES;
    if (n >= FLOW_NONE)
        n = FLOW_NONE - 1;
    r->nchunks = (uint32_t)n;
    r->flow_cap = flow_cap;
    r->free_head = FLOW_NONE;
    if (n) {
        /* pages are touched only as used */
        r->pool = calloc(n, sizeof(struct chunk));
        r->data = calloc(n, CHUNK_DATA);
        if (!r->pool || !r->data) {
            snprintf(err, errlen, "out of memory for a %llu-byte reassembly memcap",
                     (unsigned long long)memcap);
            tcp_reasm_free(r);
            return NULL;
        }
    }
    return r;
}

void
tcp_reasm_free(struct tcp_reasm *r)
{
    if (!r)
        return;
    free(r->pool);
    free(r->data);
    free(r);
}

uint64_t
tcp_reasm_held(const struct tcp_reasm *r)
{
    return (uint64_t)r->in_use * CHUNK_BYTES;
}

void
tcp_reasm_get_stats(const struct tcp_reasm *r, struct tcp_reasm_stats *s)
{
    *s = r->stats;
}

static uint32_t
chunk_alloc(struct tcp_reasm *r)
{
    uint32_t i;
    if (r->free_head != FLOW_NONE) {
        i = r->free_head;
        r->free_head = r->pool[i].next;
    } else if (r->hwm < r->nchunks) {
        i = r->hwm++;
    } else {
        return FLOW_NONE;
    }
    r->in_use++;
    return i;
}

static void
chunk_release(struct tcp_reasm *r, uint32_t i)
{
    r->pool[i].next = r->free_head;
    r->free_head = i;
    r->in_use--;
}

static uint8_t *
chunk_data(const struct tcp_reasm *r, uint32_t i)
{
    return r->data + (size_t)i * CHUNK_DATA;
}

/* ---- the AVL tree of one direction's held chunks, by sequence number ---- */

static uint8_t
tree_height(const struct tcp_reasm *r, uint32_t i)
{
    return i == FLOW_NONE ? 0 : r->pool[i].height;
}

static void
tree_fix_height(struct tcp_reasm *r, uint32_t i)
{
    uint8_t hl = tree_height(r, r->pool[i].left), hr = tree_height(r, r->pool[i].right);
    r->pool[i].height = (uint8_t)(1 + (hl > hr ? hl : hr));
}

/* Point what pointed at `old` (its parent's link, or the root) at `new`, under `parent`. */
static void
tree_relink(struct tcp_reasm *r, uint32_t *root, uint32_t parent, uint32_t old, uint32_t new)
{
    if (parent == FLOW_NONE)
        *root = new;
    else if (r->pool[parent].left == old)
        r->pool[parent].left = new;
    else
        r->pool[parent].right = new;
    if (new != FLOW_NONE)
        r->pool[new].parent = parent;
}

/* i's left child takes i's place, i becomes its right child; the new top. */
static uint32_t
tree_rotate_right(struct tcp_reasm *r, uint32_t *root, uint32_t i)
{
    uint32_t l = r->pool[i].left, lr = r->pool[l].right;
    tree_relink(r, root, r->pool[i].parent, i, l);
    r->pool[i].left = lr;
    if (lr != FLOW_NONE)
        r->pool[lr].parent = i;
    r->pool[l].right = i;
    r->pool[i].parent = l;
    tree_fix_height(r, i);
    tree_fix_height(r, l);
    return l;
}

/* i's right child takes i's place, i becomes its left child; the new top. */
static uint32_t
tree_rotate_left(struct tcp_reasm *r, uint32_t *root, uint32_t i)
{
    uint32_t rt = r->pool[i].right, rl = r->pool[rt].left;
    tree_relink(r, root, r->pool[i].parent, i, rt);
    r->pool[i].right = rl;
    if (rl != FLOW_NONE)
        r->pool[rl].parent = i;
    r->pool[rt].left = i;
    r->pool[i].parent = rt;
    tree_fix_height(r, i);
    tree_fix_height(r, rt);
    return rt;
}

/* Restore the AVL balance at i (its subtrees differ in height by at most 2); the new top. */
static uint32_t
tree_balance(struct tcp_reasm *r, uint32_t *root, uint32_t i)
{
    struct chunk *c = &r->pool[i];
    uint8_t hl = tree_height(r, c->left), hr = tree_height(r, c->right);
    if (hl > hr + 1) {
        const struct chunk *l = &r->pool[c->left];
        if (tree_height(r, l->left) < tree_height(r, l->right))
            tree_rotate_left(r, root, c->left);
        return tree_rotate_right(r, root, i);
    }
    if (hr > hl + 1) {
        const struct chunk *rt = &r->pool[c->right];
        if (tree_height(r, rt->right) < tree_height(r, rt->left))
            tree_rotate_right(r, root, c->right);
        return tree_rotate_left(r, root, i);
    }
    c->height = (uint8_t)(1 + (hl > hr ? hl : hr));
    return i;
}

/*
 * A subtree under p changed height: walk up, rebalancing, and stop at the first subtree whose
 * height did not change (nothing above it changes either). Amortized O(1) for the insertions at
 * the tail and removals at the head that most out-of-order traffic makes, O(log n) at worst.
 */
static void
tree_retrace(struct tcp_reasm *r, uint32_t *root, uint32_t p)
{
    while (p != FLOW_NONE) {
        uint8_t old = r->pool[p].height;
        uint32_t up = r->pool[p].parent;
        uint32_t top = tree_balance(r, root, p);
        if (r->pool[top].height == old)
            return;
        p = up;
    }
}

/*
 * Insert chunk i, which the list already holds between prev and cur (either FLOW_NONE at the
 * ends). In-order neighbours are never both busy on the facing side: either prev has no right
 * child or cur has no left child, so i hangs there without a search from the root.
 */
static void
tree_insert(struct tcp_reasm *r, uint32_t *root, uint32_t i, uint32_t prev, uint32_t cur)
{
    struct chunk *c = &r->pool[i];
    c->left = c->right = FLOW_NONE;
    c->height = 1;
    if (prev != FLOW_NONE && r->pool[prev].right == FLOW_NONE) {
        r->pool[prev].right = i;
        c->parent = prev;
    } else {
        assert(cur != FLOW_NONE && r->pool[cur].left == FLOW_NONE);
        r->pool[cur].left = i;
        c->parent = cur;
    }
    tree_retrace(r, root, c->parent);
}

/* Take chunk i, the first (lowest sequence number), out of the tree. */
static void
tree_remove_first(struct tcp_reasm *r, uint32_t *root, uint32_t i)
{
    assert(r->pool[i].left == FLOW_NONE);
    uint32_t p = r->pool[i].parent;
    tree_relink(r, root, p, i, r->pool[i].right);
    tree_retrace(r, root, p);
}

/* A balanced tree of the n list chunks from *it on, *it moved past them; its top's parent unset. */
static uint32_t
tree_build(struct tcp_reasm *r, uint32_t *it, uint32_t n)
{
    if (!n)
        return FLOW_NONE;
    uint32_t left = tree_build(r, it, n / 2);
    uint32_t top = *it;
    *it = r->pool[top].next;
    uint32_t right = tree_build(r, it, n - n / 2 - 1);
    r->pool[top].left = left;
    r->pool[top].right = right;
    if (left != FLOW_NONE)
        r->pool[left].parent = top;
    if (right != FLOW_NONE)
        r->pool[right].parent = top;
    tree_fix_height(r, top);
    return top;
}

/*
 * The last held chunk that starts at or before seq, or FLOW_NONE: O(log n) in the tree, or a walk
 * of at most TREE_MIN chunks when there is none.
 */
static uint32_t
find_at_or_before(const struct tcp_reasm *r, const struct tcp_half *h, uint32_t seq)
{
    uint32_t best = FLOW_NONE;
    if (h->ooo_root == FLOW_NONE) {
        for (uint32_t i = h->ooo_head; i != FLOW_NONE && SEQ_LEQ(r->pool[i].seq, seq);
             i = r->pool[i].next)
            best = i;
        return best;
    }
    for (uint32_t i = h->ooo_root; i != FLOW_NONE;) {
        if (SEQ_LEQ(r->pool[i].seq, seq)) {
            best = i;
            i = r->pool[i].right;
        } else {
            i = r->pool[i].left;
        }
    }
    return best;
}

/* Check the subtree at i against the list from *it on (moving it past); its height or -1. */
static int
tree_check(const struct tcp_reasm *r, uint32_t i, uint32_t parent, uint32_t *it)
{
    if (i == FLOW_NONE)
        return 0;
    const struct chunk *c = &r->pool[i];
    if (c->parent != parent)
        return -1;
    int hl = tree_check(r, c->left, i, it);
    if (hl < 0 || *it != i)
        return -1;
    *it = c->next;
    int hr = tree_check(r, c->right, i, it);
    if (hr < 0 || hl - hr > 1 || hr - hl > 1 || c->height != 1 + (hl > hr ? hl : hr))
        return -1;
    return c->height;
}

int
tcp_reasm_check(const struct tcp_reasm *r, const struct flow *f, int dir)
{
    const struct tcp_half *h = &f->tcp[dir];
    uint32_t n = 0, last = FLOW_NONE;
    for (uint32_t i = h->ooo_head; i != FLOW_NONE; last = i, i = r->pool[i].next) {
        const struct chunk *c = &r->pool[i];
        if (c->len == 0 || c->len > CHUNK_DATA || SEQ_LEQ(c->seq, h->next_seq) ||
            (last != FLOW_NONE && SEQ_LT(c->seq, r->pool[last].seq + r->pool[last].len)) ||
            ++n > r->nchunks)
            return -1;
    }
    if (last != h->ooo_tail || (uint64_t)n * CHUNK_BYTES != h->ooo_held)
        return -1;
    if (h->ooo_root == FLOW_NONE)
        return 0;
    uint32_t it = h->ooo_head;
    int height = tree_check(r, h->ooo_root, FLOW_NONE, &it);
    return it == FLOW_NONE && n >= TREE_MIN / 2 ? height : -1;
}

/* ---- delivery ---- */

static void
deliver(struct tcp_reasm *r, struct flow *f, int dir, const uint8_t *data, size_t len)
{
    struct tcp_half *h = &f->tcp[dir];
    h->next_seq += (uint32_t)len;
    h->delivered += len;
    if (len && r->ops.on_data)
        r->ops.on_data(r->ops.ctx, f, dir, data, len);
}

static void
gap(struct tcp_reasm *r, struct flow *f, int dir, uint32_t len)
{
    struct tcp_half *h = &f->tcp[dir];
    if (!len)
        return;
    h->next_seq += len;
    h->gap_bytes += len;
    h->gaps++;
    r->stats.tcp_gaps++;
    r->stats.tcp_gap_bytes += len;
    if (r->ops.on_gap)
        r->ops.on_gap(r->ops.ctx, f, dir, len);
}

/* Deliver the queued chunks now in order: O(1) each (O(log n) at worst while there is a tree). */
static void
drain(struct tcp_reasm *r, struct flow *f, int dir)
{
    struct tcp_half *h = &f->tcp[dir];
    while (h->ooo_head != FLOW_NONE) {
        uint32_t i = h->ooo_head;
        const struct chunk *c = &r->pool[i];
        if (SEQ_GT(c->seq, h->next_seq))
            break;
        uint32_t skip = h->next_seq - c->seq;
        if (skip < c->len)
            deliver(r, f, dir, chunk_data(r, i) + skip, c->len - skip);
        h->ooo_head = c->next;
        if (h->ooo_head == FLOW_NONE)
            h->ooo_tail = FLOW_NONE;
        h->ooo_held -= CHUNK_BYTES;
        if (h->ooo_root != FLOW_NONE) {
            tree_remove_first(r, &h->ooo_root, i);
            if (h->ooo_held < TREE_MIN / 2 * CHUNK_BYTES)
                h->ooo_root = FLOW_NONE;
        }
        chunk_release(r, i);
    }
}

/* Declare the hole before the first queued chunk a gap, then deliver what follows it. */
static void
skip_first_hole(struct tcp_reasm *r, struct flow *f, int dir)
{
    struct tcp_half *h = &f->tcp[dir];
    if (h->ooo_head == FLOW_NONE)
        return;
    gap(r, f, dir, r->pool[h->ooo_head].seq - h->next_seq);
    drain(r, f, dir);
}

/*
 * Queue [seq, seq+len) where no earlier data is held (first data wins);
 * bytes that overlap held data are compared and disagreements counted.
 * Returns false when the pool or the flow cap has no room for the rest.
 * O(1) to find the place at the head or the tail, else O(log n) (see TREE_MIN); then O(1) per
 * chunk overlapped (each is at least one byte of the segment) and per chunk added (O(log n) at
 * worst while there is a tree).
 */
static bool
enqueue(struct tcp_reasm *r, struct flow *f, int dir, uint32_t seq, const uint8_t *data,
        uint32_t len)
{
    struct tcp_half *h = &f->tcp[dir];
    /* prev: the chunk new ones are linked after (FLOW_NONE: the head); cur: the next held one. */
    uint32_t prev = FLOW_NONE, cur = h->ooo_head;
    uint32_t t = h->ooo_tail;
    if (cur == FLOW_NONE || SEQ_LEQ(seq, r->pool[cur].seq)) {
        /* nothing held, or we start at or before the first held chunk: from the head */
    } else if (SEQ_GEQ(seq, r->pool[t].seq + r->pool[t].len)) {
        prev = t; /* beyond everything held: append (the common case after a loss) */
        cur = FLOW_NONE;
    } else {
        if (h->ooo_root == FLOW_NONE && h->ooo_held > TREE_MIN * CHUNK_BYTES) {
            uint32_t it = h->ooo_head;
            h->ooo_root = tree_build(r, &it, h->ooo_held / CHUNK_BYTES); /* O(n), see TREE_MIN */
            r->pool[h->ooo_root].parent = FLOW_NONE;
        }
        uint32_t p = find_at_or_before(r, h, seq);
        if (p != FLOW_NONE && SEQ_GT(r->pool[p].seq + r->pool[p].len, seq)) {
            cur = p; /* we start inside p */
        } else if (p != FLOW_NONE) {
            prev = p;
            cur = r->pool[p].next;
        }
    }
    while (len) {
        const struct chunk *c = cur != FLOW_NONE ? &r->pool[cur] : NULL;
        if (c && SEQ_LEQ(c->seq, seq)) { /* we start inside c: compare the overlap */
            uint32_t off = seq - c->seq;
            uint32_t n = c->len - off < len ? c->len - off : len;
            if (memcmp(chunk_data(r, cur) + off, data, n) != 0) {
                h->overlaps_bad++;
                r->stats.tcp_overlap_inconsistent++;
            }
            seq += n;
            data += n;
            len -= n;
            prev = cur;
            cur = c->next;
            continue;
        }
        /* a hole before c (or the end): fill up to c's start with new chunks */
        uint32_t room = c ? c->seq - seq : len;
        uint32_t n = room < len ? room : len;
        if (n > CHUNK_DATA)
            n = CHUNK_DATA;
        if ((uint64_t)h->ooo_held + CHUNK_BYTES > r->flow_cap) {
            r->stats.tcp_flow_cap_hit++;
            return false;
        }
        uint32_t i = chunk_alloc(r);
        if (i == FLOW_NONE) {
            r->stats.tcp_memcap_hit++;
            return false;
        }
        struct chunk *nc = &r->pool[i];
        nc->seq = seq;
        nc->len = (uint16_t)n;
        memcpy(chunk_data(r, i), data, n);
        nc->next = cur;
        if (prev == FLOW_NONE)
            h->ooo_head = i;
        else
            r->pool[prev].next = i;
        if (cur == FLOW_NONE)
            h->ooo_tail = i;
        h->ooo_held += CHUNK_BYTES;
        if (h->ooo_root != FLOW_NONE)
            tree_insert(r, &h->ooo_root, i, prev, cur);
        prev = i;
        seq += n;
        data += n;
        len -= n;
    }
    return true;
}

static void
add_data(struct tcp_reasm *r, struct flow *f, int dir, uint32_t seq, const uint8_t *data,
         uint32_t len)
{
    struct tcp_half *h = &f->tcp[dir];
    if (SEQ_LT(seq, h->next_seq)) {
        uint32_t old = h->next_seq - seq;
        if (old >= len) {
            h->retrans++;
            r->stats.tcp_retransmitted_segments++;
            r->stats.tcp_retransmitted_bytes += len;
            return;
        }
        r->stats.tcp_retransmitted_bytes += old;
    } else if (seq - h->next_seq > SEQ_WINDOW) {
        r->stats.tcp_seq_out_of_window++;
        return;
    } else if (seq != h->next_seq) {
        r->stats.tcp_ooo_segments++;
    }
    /* Each pass delivers, queues, or moves next_seq forward, so the loop ends. */
    for (;;) {
        if (SEQ_LT(seq, h->next_seq)) {
            uint32_t old = h->next_seq - seq;
            if (old >= len)
                return;
            seq += old;
            data += old;
            len -= old;
        }
        if (!len)
            return;
        if (seq == h->next_seq) {
            /* In order: deliver up to the first held chunk (held data came first and wins). */
            uint32_t n = len;
            if (h->ooo_head != FLOW_NONE && r->pool[h->ooo_head].seq - seq < n)
                n = r->pool[h->ooo_head].seq - seq;
            deliver(r, f, dir, data, n);
            seq += n;
            data += n;
            len -= n;
            bool queued = !len || enqueue(r, f, dir, seq, data, len);
            if (h->ooo_head != FLOW_NONE) /* nothing held: the in-order path makes no call */
                drain(r, f, dir);
            if (queued)
                return;
            continue;
        }
        if (enqueue(r, f, dir, seq, data, len))
            return;
        /* No room to hold it: give up on the oldest hole and try again. */
        if (h->ooo_head == FLOW_NONE || SEQ_LEQ(seq, r->pool[h->ooo_head].seq))
            gap(r, f, dir, seq - h->next_seq);
        else
            skip_first_hole(r, f, dir);
    }
}

bool
tcp_reasm_closed(const struct flow *f)
{
    const struct tcp_half *a = &f->tcp[0], *b = &f->tcp[1];
    return a->rst_seen || b->rst_seen || (a->fin_seen && b->fin_seen);
}

void
tcp_reasm_packet(struct tcp_reasm *r, struct flow *f, int dir, const struct packet *p)
{
    struct tcp_half *h = &f->tcp[dir];
    struct tcp_half *peer = &f->tcp[dir ^ 1];
    uint8_t fl = p->tcp_flags;

    if (fl & TCP_SYN) {
        if (fl & TCP_ACK) {
            f->flags |= FLOW_F_SYNACK;
            if (!(f->flags & FLOW_F_HANDSHAKE) || (f->flags & FLOW_F_ROLES_GUESSED))
                f->client_dir = (uint8_t)(dir ^ 1);
        } else {
            f->client_dir = (uint8_t)dir;
        }
        f->flags |= FLOW_F_HANDSHAKE;
        f->flags &= (uint8_t)~FLOW_F_ROLES_GUESSED;
        if (!h->syn_seen && (!h->seq_known || (h->delivered == 0 && h->ooo_head == FLOW_NONE))) {
            h->isn = p->seq;
            h->next_seq = p->seq + 1;
            h->seq_known = 1;
        } else if (p->seq != h->isn) {
            r->stats.tcp_syn_seq_changed++;
            if (h->delivered == 0 && h->ooo_head == FLOW_NONE && h->gap_bytes == 0) {
                h->isn = p->seq;
                h->next_seq = p->seq + 1;
            }
        }
        h->syn_seen = 1;
    }
    if (fl & TCP_ACK) {
        if (!h->ack_seen || SEQ_GT(p->ack, h->max_ack))
            h->max_ack = p->ack;
        h->ack_seen = 1;
    }
    if (fl & TCP_RST) {
        h->rst_seen = 1;
        return; /* data on a RST is diagnostic text, not stream content */
    }
    uint32_t seq = (fl & TCP_SYN) ? p->seq + 1 : p->seq;
    uint32_t len = p->payload_len;
    if (!h->seq_known) {
        /* No SYN from this side: start where the peer's SYN-ACK said we would, if it is close. */
        h->next_seq = seq;
        if (peer->syn_seen && peer->ack_seen && SEQ_LEQ(peer->max_ack, seq) &&
            seq - peer->max_ack < r->flow_cap)
            h->next_seq = peer->max_ack;
        h->isn = h->next_seq;
        h->seq_known = 1;
    }
    if (len)
        add_data(r, f, dir, seq, p->payload, len);
    if (fl & TCP_FIN) {
        uint32_t end = seq + len + p->payload_lost;
        if (!h->fin_seen || SEQ_GT(end, h->fin_seq))
            h->fin_seq = end;
        h->fin_seen = 1;
    }
    /* The peer acknowledged bytes past our first held chunk: the hole before it was lost. */
    if ((fl & TCP_ACK) && peer->ooo_head != FLOW_NONE) {
        const struct chunk *c = &r->pool[peer->ooo_head];
        if (SEQ_GEQ(p->ack, c->seq + c->len))
            skip_first_hole(r, f, dir ^ 1);
    }
}

static void
finish_half(struct tcp_reasm *r, struct flow *f, int dir)
{
    struct tcp_half *h = &f->tcp[dir];
    const struct tcp_half *peer = &f->tcp[dir ^ 1];
    while (h->ooo_head != FLOW_NONE)
        skip_first_hole(r, f, dir);
    if (!h->seq_known)
        return;
    /* Bytes at the end that were sent (FIN, or the peer's ACK) but never captured. */
    uint32_t end = h->next_seq;
    if (h->fin_seen && SEQ_GT(h->fin_seq, end) && h->fin_seq - end < SEQ_WINDOW)
        end = h->fin_seq;
    if (peer->ack_seen && SEQ_GT(peer->max_ack, end) && peer->max_ack - end < SEQ_WINDOW) {
        uint32_t a = peer->max_ack;
        if (h->fin_seen && SEQ_GT(a, h->fin_seq))
            a = h->fin_seq; /* the FIN itself takes one sequence number */
        else if (!h->fin_seen && a - end == 1)
            a = end; /* one byte past the data: an uncaptured FIN, not lost data */
        if (SEQ_GT(a, end))
            end = a;
    }
    gap(r, f, dir, end - h->next_seq);
}

void
tcp_reasm_finish(struct tcp_reasm *r, struct flow *f)
{
    if (f->key.proto != IPPROTO_NUM_TCP)
        return;
    finish_half(r, f, 0);
    finish_half(r, f, 1);
}
