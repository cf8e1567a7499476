/* tlsload.c - new TLS connections at a set rate, and a server that keeps up with them. */
#define OPENSSL_SUPPRESS_DEPRECATED /* legacy_ec() below: an engine, with OpenSSL 3.0 only */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L && OPENSSL_VERSION_NUMBER < 0x30100000L
#include <openssl/engine.h>
#include <openssl/evp.h>
#if !defined(OPENSSL_NO_ENGINE)
#define TL_LEGACY_EC 1
#endif
#endif
#include <openssl/err.h>
#include <openssl/ssl.h>

/*
 * One process, one thread, one epoll loop per side; every socket is non-blocking.
 *
 * client: connection i is due at start + i / RATE; due connections are started while fewer
 *   than INFLIGHT are open (a due connection that waits for a slot starts late, and is counted
 *   so). Each one: TCP connect, a full TLS handshake (no session cache, no tickets: every
 *   handshake is a full one), "ping\n" sent, "pong\n" read, close_notify sent and the server's
 *   awaited, then close (the client's FIN comes first: TIME_WAIT stays on the client).
 * server: accept, handshake, "ping\n" read, "pong\n" sent, the client's close_notify read,
 *   its own sent, then the client's FIN awaited, then close.
 *
 * A connection counts as completed when every step above finished. Both sides print their
 * counters as one JSON object on standard output: the client when its run is over, the server
 * on TERM or INT.
 */

#define TL_REQ     "ping\n"
#define TL_REP     "pong\n"
#define TL_MSG_LEN 5
#define TL_LISTEN  UINT32_MAX  /* epoll data of the listening socket */
#define TL_LATE_NS 10000000ull /* a start this far after its due time is late */

enum tl_state {
    TL_FREE,
    TL_CONNECTING, /* client: TCP connect in progress */
    TL_HANDSHAKE,
    TL_SEND,       /* client: request; server: reply */
    TL_RECV,       /* client: reply; server: request */
    TL_PEER_CLOSE, /* server: waiting for the client's close_notify */
    TL_SHUTDOWN,   /* close_notify sent (client: and the peer's awaited) */
    TL_EOF,        /* server: waiting for the client's FIN */
};

struct tl_conn {
    int fd;
    SSL *ssl;
    enum tl_state state;
    uint32_t events; /* epoll interest now */
    uint64_t start_ns;
    size_t got;
    unsigned next_free;
};

struct tl_loop {
    int ep;
    struct tl_conn *c;
    unsigned nslots, free_head, open, open_max;
    uint64_t timeout_ns;
};

struct tl_counts {
    uint64_t attempted, completed, failed_connect, failed_tls, failed_io, timed_out, late_starts;
    uint64_t tls12, tls13, accepted, refused_full;
};

static volatile sig_atomic_t stop_flag;

static void
on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
    fprintf(stderr, "tlsload: %s: %s\n", what, errno ? strerror(errno) : "failed");
    ERR_print_errors_fp(stderr);
    exit(2);
}

/* CPU seconds (user + system) this process used so far. */
static double
cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int
set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
loop_init(struct tl_loop *L, unsigned nslots, unsigned timeout_s)
{
    L->ep = epoll_create1(EPOLL_CLOEXEC);
    L->c = calloc(nslots, sizeof(*L->c));
    if (L->ep < 0 || !L->c)
        die("start-up");
    L->nslots = nslots;
    for (unsigned i = 0; i < nslots; i++)
        L->c[i].next_free = i + 1;
    L->free_head = 0;
    L->timeout_ns = (uint64_t)timeout_s * 1000000000ull;
}

static struct tl_conn *
slot_take(struct tl_loop *L, int fd, SSL_CTX *ctx)
{
    if (L->free_head >= L->nslots)
        return NULL;
    struct tl_conn *c = &L->c[L->free_head];
    SSL *ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1)
        die("SSL_new");
    L->free_head = c->next_free;
    c->fd = fd;
    c->ssl = ssl;
    c->events = 0;
    c->got = 0;
    c->start_ns = now_ns();
    if (++L->open > L->open_max)
        L->open_max = L->open;
    return c;
}

static void
slot_free(struct tl_loop *L, struct tl_conn *c)
{
    SSL_free(c->ssl);
    close(c->fd); /* also leaves the epoll set */
    c->ssl = NULL;
    c->state = TL_FREE;
    c->next_free = L->free_head;
    L->free_head = (unsigned)(c - L->c);
    L->open--;
}

static void
want(struct tl_loop *L, struct tl_conn *c, uint32_t ev)
{
    if (c->events == ev)
        return;
    struct epoll_event e = {.events = ev, .data.u32 = (uint32_t)(c - L->c)};
    if (epoll_ctl(L->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e) != 0)
        die("epoll_ctl");
    c->events = ev;
}

/* After an OpenSSL call that returned r: wait for what it wants (0), or it failed (-1). */
static int
ssl_wait(struct tl_loop *L, struct tl_conn *c, int r)
{
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        want(L, c, EPOLLIN);
        return 0;
    case SSL_ERROR_WANT_WRITE:
        want(L, c, EPOLLOUT);
        return 0;
    default:
        ERR_clear_error();
        return -1;
    }
}

/* Read the 5-byte message into nothing but a count: 1 when all of it is there. */
static int
recv_msg(struct tl_loop *L, struct tl_conn *c)
{
    char buf[64];
    while (c->got < TL_MSG_LEN) {
        int r = SSL_read(c->ssl, buf, (int)(TL_MSG_LEN - c->got));
        if (r <= 0)
            return ssl_wait(L, c, r);
        c->got += (size_t)r;
    }
    return 1;
}

/* ---- client ---- */

struct tl_client {
    struct tl_loop L;
    struct sockaddr_in to;
    SSL_CTX *ctx12, *ctx13;
    int version; /* 12, 13, or 0: alternate */
    struct tl_counts n;
};

/* Advance c as far as it goes: 1 completed, 0 waiting, -1 failed (counted). */
static int
client_step(struct tl_client *C, struct tl_conn *c)
{
    struct tl_loop *L = &C->L;
    int r, sent_close = 0;
    for (;;) {
        switch (c->state) {
        case TL_CONNECTING: {
            int err = 0;
            socklen_t len = sizeof(err);
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
                C->n.failed_connect++;
                return -1;
            }
            c->state = TL_HANDSHAKE;
        } break;
        case TL_HANDSHAKE:
            r = SSL_connect(c->ssl);
            if (r != 1) {
                if (ssl_wait(L, c, r) == 0)
                    return 0;
                C->n.failed_tls++;
                return -1;
            }
            if (SSL_version(c->ssl) == TLS1_3_VERSION)
                C->n.tls13++;
            else
                C->n.tls12++;
            c->state = TL_SEND;
            break;
        case TL_SEND:
            r = SSL_write(c->ssl, TL_REQ, TL_MSG_LEN);
            if (r <= 0) {
                if (ssl_wait(L, c, r) == 0)
                    return 0;
                C->n.failed_io++;
                return -1;
            }
            c->state = TL_RECV;
            break;
        case TL_RECV:
            r = recv_msg(L, c);
            if (r <= 0) {
                if (r < 0)
                    C->n.failed_io++;
                return r;
            }
            c->state = TL_SHUTDOWN;
            break;
        case TL_SHUTDOWN:
            /* 0: ours is sent, the peer's is not in yet; 1: both */
            r = SSL_shutdown(c->ssl);
            if (r == 1)
                return 1;
            if (r == 0 && !sent_close++)
                break; /* call again: it now waits for the peer's */
            if (ssl_wait(L, c, r) == 0)
                return 0;
            C->n.failed_io++;
            return -1;
        default:
            return -1;
        }
    }
}

static void
client_start(struct tl_client *C, uint64_t seq)
{
    struct tl_loop *L = &C->L;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int v13 = C->version == 13 || (C->version == 0 && (seq & 1));
    struct tl_conn *c = slot_take(L, fd, v13 ? C->ctx13 : C->ctx12);
    C->n.attempted++;
    if (connect(fd, (struct sockaddr *)&C->to, sizeof(C->to)) != 0 && errno != EINPROGRESS) {
        C->n.failed_connect++;
        slot_free(L, c);
        return;
    }
    c->state = TL_CONNECTING;
    want(L, c, EPOLLOUT);
}

static void
client_event(struct tl_client *C, struct tl_conn *c)
{
    int r = client_step(C, c);
    if (r == 1)
        C->n.completed++;
    if (r != 0)
        slot_free(&C->L, c);
}

#ifdef TL_LEGACY_EC
/*
 * OpenSSL 3.0 decodes the public key of every certificate it parses through its decoder
 * framework, which sets up a decoder context from all the providers' algorithms each time:
 * a third of the client's CPU per handshake here (3.1 caches it). A key type that an engine
 * claims is decoded the 3.0 legacy way instead, at a fraction of the cost; this engine claims
 * EC keys with OpenSSL's own EC method, so nothing else changes (the handshake still verifies
 * the server's signature with the key). -L turns it off.
 */
static int
legacy_ec_meths(ENGINE *e, EVP_PKEY_METHOD **pm, const int **nids, int nid)
{
    static const int ids[] = {EVP_PKEY_EC};
    (void)e;
    if (!pm) {
        *nids = ids;
        return 1;
    }
    *pm = nid == EVP_PKEY_EC ? (EVP_PKEY_METHOD *)EVP_PKEY_meth_find(EVP_PKEY_EC) : NULL;
    return *pm != NULL;
}

static void
legacy_ec(void)
{
    ENGINE *e = ENGINE_new();
    if (!e || !ENGINE_set_id(e, "tlsload-ec") || !ENGINE_set_name(e, "tlsload-ec") ||
        !ENGINE_set_pkey_meths(e, legacy_ec_meths) || !ENGINE_register_pkey_meths(e))
        die("engine");
}
#endif

static SSL_CTX *
client_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        die("SSL_CTX_new");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_min_proto_version(ctx, version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    return ctx;
}

static int
run_client(struct sockaddr_in to, double rate, double seconds, unsigned inflight,
           unsigned timeout_s, int version, bool legacy)
{
    static struct tl_client C;
#ifdef TL_LEGACY_EC
    if (legacy)
        legacy_ec();
#else
    (void)legacy;
#endif
    C.to = to;
    C.version = version;
    C.ctx12 = client_ctx(12);
    C.ctx13 = client_ctx(13);
    loop_init(&C.L, inflight, timeout_s);
    uint64_t total = (uint64_t)(rate * seconds + 0.5);
    double step_ns = 1e9 / rate;
    uint64_t t0 = now_ns(), last_scan = t0, seq = 0, last_start = t0;
    struct epoll_event ev[256];
    while (!stop_flag && (seq < total || C.L.open)) {
        uint64_t now = now_ns();
        /* start what is due, as far as the in-flight limit allows */
        while (seq < total && C.L.open < inflight) {
            uint64_t due = t0 + (uint64_t)((double)seq * step_ns);
            if (due > now)
                break;
            if (now - due > TL_LATE_NS)
                C.n.late_starts++;
            client_start(&C, seq++);
            last_start = now;
        }
        int wait_ms = 100;
        if (seq < total && C.L.open < inflight) {
            uint64_t due = t0 + (uint64_t)((double)seq * step_ns);
            uint64_t d = due > now ? due - now : 0;
            wait_ms = (int)((d + 999999) / 1000000);
        }
        int k = epoll_wait(C.L.ep, ev, 256, wait_ms);
        if (k < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < k; i++)
            client_event(&C, &C.L.c[ev[i].data.u32]);
        now = now_ns();
        if (now - last_scan > 100000000ull) {
            last_scan = now;
            for (unsigned i = 0; i < C.L.nslots; i++) {
                struct tl_conn *c = &C.L.c[i];
                if (c->state != TL_FREE && now - c->start_ns > C.L.timeout_ns) {
                    C.n.timed_out++;
                    slot_free(&C.L, c);
                }
            }
        }
    }
    double took = (double)(now_ns() - t0) / 1e9;
    /* the rate of starts: the last start was due at (total - 1) steps */
    double started = (double)(last_start - t0) / 1e9 + step_ns / 1e9;
    printf("{\"attempted\":%" PRIu64 ",\"completed\":%" PRIu64 ",\"failed_connect\":%" PRIu64
           ",\"failed_tls\":%" PRIu64 ",\"failed_io\":%" PRIu64 ",\"timed_out\":%" PRIu64
           ",\"tls12\":%" PRIu64 ",\"tls13\":%" PRIu64 ",\"late_starts\":%" PRIu64
           ",\"max_inflight\":%u,\"seconds\":%.3f,\"rate\":%.1f,\"start_seconds\":%.3f,"
           "\"start_rate\":%.1f,\"target_rate\":%.1f,\"cpu_s\":%.3f}\n",
           C.n.attempted, C.n.completed, C.n.failed_connect, C.n.failed_tls, C.n.failed_io,
           C.n.timed_out, C.n.tls12, C.n.tls13, C.n.late_starts, C.L.open_max, took,
           took > 0 ? (double)C.n.completed / took : 0.0, started, (double)C.n.attempted / started,
           rate, cpu_s());
    return C.n.completed == total ? 0 : 1;
}

/* ---- server ---- */

struct tl_server {
    struct tl_loop L;
    int lfd;
    SSL_CTX *ctx;
    struct tl_counts n;
};

static int
server_step(struct tl_server *S, struct tl_conn *c)
{
    struct tl_loop *L = &S->L;
    int r;
    char buf[64];
    for (;;) {
        switch (c->state) {
        case TL_HANDSHAKE:
            r = SSL_accept(c->ssl);
            if (r != 1) {
                if (ssl_wait(L, c, r) == 0)
                    return 0;
                S->n.failed_tls++;
                return -1;
            }
            c->state = TL_RECV;
            break;
        case TL_RECV:
            r = recv_msg(L, c);
            if (r <= 0) {
                if (r < 0)
                    S->n.failed_io++;
                return r;
            }
            c->state = TL_SEND;
            break;
        case TL_SEND:
            r = SSL_write(c->ssl, TL_REP, TL_MSG_LEN);
            if (r <= 0) {
                if (ssl_wait(L, c, r) == 0)
                    return 0;
                S->n.failed_io++;
                return -1;
            }
            c->state = TL_PEER_CLOSE;
            break;
        case TL_PEER_CLOSE:
            r = SSL_read(c->ssl, buf, sizeof(buf));
            if (r > 0)
                break; /* more than the protocol says: ignored */
            if (SSL_get_error(c->ssl, r) == SSL_ERROR_ZERO_RETURN) {
                c->state = TL_SHUTDOWN;
                break;
            }
            if (ssl_wait(L, c, r) == 0)
                return 0;
            S->n.failed_io++;
            return -1;
        case TL_SHUTDOWN:
            r = SSL_shutdown(c->ssl);
            if (r < 0) {
                if (ssl_wait(L, c, r) == 0)
                    return 0;
                S->n.failed_io++;
                return -1;
            }
            c->state = TL_EOF;
            break;
        case TL_EOF: {
            ssize_t k = recv(c->fd, buf, sizeof(buf), 0);
            if (k == 0)
                return 1;
            if (k > 0)
                break;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                want(L, c, EPOLLIN);
                return 0;
            }
            S->n.failed_io++;
            return -1;
        }
        default:
            return -1;
        }
    }
}

static void
server_accept(struct tl_server *S)
{
    for (;;) {
        int fd = accept(S->lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                die("accept");
            return;
        }
        S->n.accepted++;
        if (set_nonblock(fd) != 0)
            die("fcntl");
        struct tl_conn *c = slot_take(&S->L, fd, S->ctx);
        if (!c) {
            S->n.refused_full++;
            close(fd);
            continue;
        }
        c->state = TL_HANDSHAKE;
        want(&S->L, c, EPOLLIN);
    }
}

static int
run_server(struct sockaddr_in at, const char *key, const char *cert, unsigned slots,
           unsigned timeout_s)
{
    static struct tl_server S;
    S.ctx = SSL_CTX_new(TLS_server_method());
    if (!S.ctx)
        die("SSL_CTX_new");
    if (SSL_CTX_use_certificate_chain_file(S.ctx, cert) != 1)
        die(cert);
    if (SSL_CTX_use_PrivateKey_file(S.ctx, key, SSL_FILETYPE_PEM) != 1)
        die(key);
    SSL_CTX_set_min_proto_version(S.ctx, TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(S.ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(S.ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(S.ctx, 0);
    loop_init(&S.L, slots, timeout_s);
    S.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (S.lfd < 0 || setsockopt(S.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(S.lfd, (struct sockaddr *)&at, sizeof(at)) != 0 || listen(S.lfd, 4096) != 0)
        die("listen");
    struct epoll_event le = {.events = EPOLLIN, .data.u32 = TL_LISTEN};
    if (epoll_ctl(S.L.ep, EPOLL_CTL_ADD, S.lfd, &le) != 0)
        die("epoll_ctl");
    fprintf(stderr, "tlsload: listening on %s:%u\n", inet_ntoa(at.sin_addr), ntohs(at.sin_port));
    struct epoll_event ev[256];
    uint64_t last_scan = now_ns();
    while (!stop_flag) {
        int k = epoll_wait(S.L.ep, ev, 256, 100);
        if (k < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < k; i++) {
            if (ev[i].data.u32 == TL_LISTEN) {
                server_accept(&S);
                continue;
            }
            struct tl_conn *c = &S.L.c[ev[i].data.u32];
            int r = server_step(&S, c);
            if (r == 1)
                S.n.completed++;
            if (r != 0)
                slot_free(&S.L, c);
        }
        uint64_t now = now_ns();
        if (now - last_scan > 100000000ull) {
            last_scan = now;
            for (unsigned i = 0; i < S.L.nslots; i++) {
                struct tl_conn *c = &S.L.c[i];
                if (c->state != TL_FREE && now - c->start_ns > S.L.timeout_ns) {
                    S.n.timed_out++;
                    slot_free(&S.L, c);
                }
            }
        }
    }
    printf("{\"accepted\":%" PRIu64 ",\"completed\":%" PRIu64 ",\"failed_tls\":%" PRIu64
           ",\"failed_io\":%" PRIu64 ",\"timed_out\":%" PRIu64 ",\"refused_full\":%" PRIu64
           ",\"open\":%u,\"max_open\":%u,\"cpu_s\":%.3f}\n",
           S.n.accepted, S.n.completed, S.n.failed_tls, S.n.failed_io, S.n.timed_out,
           S.n.refused_full, S.L.open, S.L.open_max, cpu_s());
    return 0;
}

/* ---- options ---- */

static void
usage(void)
{
    fputs("usage: tlsload server -k KEY.pem -c CERT.pem [-a ADDR] [-p PORT] [-n SLOTS] [-T S]\n"
          "       tlsload client [-a ADDR] [-p PORT] [-r RATE] [-t SECONDS] [-m INFLIGHT]\n"
          "                      [-v 12|13|mix] [-T S] [-L]\n"
          "  -a ADDR      server address (default 127.0.0.1); -p PORT (default 4433)\n"
          "  -r RATE      new connections per second (default 500), for -t SECONDS (default 10)\n"
          "  -m INFLIGHT  connections open at once at most (default 64)\n"
          "  -v           TLS 1.2, TLS 1.3, or one of each in turn (default mix)\n"
          "  -T S         a connection not finished after S seconds fails (default 10)\n"
          "  -n SLOTS     server: connections open at once at most (default 4096)\n"
          "  -L           client, OpenSSL 3.0: certificates' EC keys through the decoders, not\n"
          "               the cheaper legacy decoding (see legacy_ec in tlsload.c)\n"
          "The client prints its counters as JSON when done (exit 0: every connection completed);\n"
          "the server prints its own on TERM or INT.\n",
          stderr);
    exit(2);
}

int
main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    bool server = !strcmp(argv[1], "server");
    if (!server && strcmp(argv[1], "client") != 0)
        usage();
    const char *addr = "127.0.0.1", *key = NULL, *cert = NULL;
    unsigned port = 4433, inflight = 64, slots = 4096, timeout_s = 10;
    double rate = 500, seconds = 10;
    int version = 0, opt;
    bool legacy = true;
    optind = 2;
    while ((opt = getopt(argc, argv, "a:p:r:t:m:v:T:n:k:c:L")) != -1) {
        switch (opt) {
        case 'a':
            addr = optarg;
            break;
        case 'p':
            port = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'r':
            rate = strtod(optarg, NULL);
            break;
        case 't':
            seconds = strtod(optarg, NULL);
            break;
        case 'm':
            inflight = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'n':
            slots = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'T':
            timeout_s = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'v':
            version = !strcmp(optarg, "12") ? 12 : !strcmp(optarg, "13") ? 13 : 0;
            break;
        case 'L':
            legacy = false;
            break;
        case 'k':
            key = optarg;
            break;
        case 'c':
            cert = optarg;
            break;
        default:
            usage();
        }
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || !port || port > 65535 || rate <= 0 ||
        seconds <= 0 || !inflight || !slots || !timeout_s || (server && (!key || !cert)))
        usage();
    struct sigaction act = {.sa_handler = on_stop}; /* no SA_RESTART: epoll_wait returns */
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    return server ? run_server(sa, key, cert, slots, timeout_s)
                  : run_client(sa, rate, seconds, inflight, timeout_s, version, legacy);
}
