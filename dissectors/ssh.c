/* ssh.c - SSH dissector: identification lines, KEXINIT negotiation, host key, NEWKEYS, SSHv1. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../emit/digest.h"
#include "../emit/name_tab.h"
#include "../emit/obs_record.h"
#include "../emit/zert_record.h"
#include "cursor.h"
#include "dissector.h"
#include "ssh.h"

/*
 * What the wire shows of SSH (RFC 4253): both identification lines, then
 * binary packets in clear until each side's SSH_MSG_NEWKEYS. We read both
 * KEXINITs, apply the §7.1 negotiation, take the server host key from the
 * key exchange reply, and detach from each direction after its NEWKEYS:
 * everything later (authentication, channels, rekeys) is encrypted.
 * SSHv1 shows the server's SSH_SMSG_PUBLIC_KEY and the client's cipher choice
 * (SSH_CMSG_SESSION_KEY) in clear; encryption starts right after.
 */

#define SSH_PROBE_SCAN    1024  /* bytes of a server stream scanned for "SSH-" lines */
#define SSH_LINE_MAX      1024  /* identification line, "SSH-" to LF (RFC: 255) */
#define SSH_BANNER_KEEP   256   /* stored identification line (RFC 4253 §4.2: 255) */
#define SSH_PRE_LINES_MAX 1024  /* lines a server may send before its banner (OpenSSH) */
#define SSH_PRE_BYTES_MAX 65536 /* and their bytes, in all */
#define SSH_PACKET_MAX    (256u * 1024u - 64u) /* OpenSSH PACKET_MAX_SIZE, within buffer */
#define SSH_POOL_MAX      2304 /* the first KEXINIT's name-lists, until the second */
#define SSH_NEG_NAMES_MAX 512  /* names considered per list (Zeek's kex-quadratic case) */
#define SSH_VERSION_MAX   16

/* SSH-2 message numbers (RFC 4250 §4.1). */
#define SSH_MSG_DISCONNECT       1
#define SSH_MSG_KEXINIT          20
#define SSH_MSG_NEWKEYS          21
#define SSH_MSG_KEXRSA_PUBKEY    30 /* RFC 4432: the server sends K_S first */
#define SSH_MSG_KEX_REPLY        31 /* KEXDH_REPLY, KEX_ECDH_REPLY, hybrid replies; GEX_GROUP */
#define SSH_MSG_KEX_DH_GEX_REPLY 33

/* SSH-1 message numbers (draft-ylonen-ssh-protocol-00). */
#define SSH1_MSG_DISCONNECT   1
#define SSH1_SMSG_PUBLIC_KEY  2
#define SSH1_CMSG_SESSION_KEY 3

/* Name-list categories of a KEXINIT, in wire order (languages are not kept). */
enum ssh_cat {
    SSH_CAT_KEX,
    SSH_CAT_HOSTKEY,
    SSH_CAT_ENC_C2S,
    SSH_CAT_ENC_S2C,
    SSH_CAT_MAC_C2S,
    SSH_CAT_MAC_S2C,
    SSH_CAT_COMP_C2S,
    SSH_CAT_COMP_S2C,
    SSH_CAT_N,
};

static const char *const ssh_cat_keys[SSH_CAT_N] = {
    "kex", "hostkey", "enc_c2s", "enc_s2c", "mac_c2s", "mac_s2c", "comp_c2s", "comp_s2c",
};

/* Where a direction is in its clear-text part. */
enum ssh_phase {
    SSH_PH_BANNER,  /* before the identification line */
    SSH_PH_PACKETS, /* binary packets in clear */
    SSH_PH_DONE,    /* NEWKEYS seen, or given up: the rest is not looked at */
};

enum ssh_format {
    SSH_FMT_UNKNOWN,
    SSH_FMT_V2,
    SSH_FMT_V1,
};

/* Why a direction stopped before its NEWKEYS (static text for the observation). */
struct ssh_dir {
    uint8_t phase;
    uint8_t format;
    bool in_line;      /* skipping a non-banner line */
    bool banner_first; /* the identification line was this stream's first data */
    bool seen;         /* any byte of this direction */
    bool gap;          /* a gap cut the clear-text part */
    bool kexinit;
    bool newkeys;
    bool follows;       /* first_kex_packet_follows */
    bool strict_c;      /* kex-strict-c-v00@openssh.com listed (a client's marker) */
    bool strict_s;      /* kex-strict-s-v00@openssh.com listed (a server's marker) */
    bool ext_info_c;    /* ext-info-c listed */
    bool ext_info_s;    /* ext-info-s listed */
    bool pq;            /* a post-quantum hybrid kex listed */
    bool ignore_guess;  /* drop the next kex packet: a wrong first_kex_packet_follows guess */
    uint32_t kex_count; /* names in the kex list */
    uint32_t pre_lines;
    uint32_t pre_bytes;
    uint32_t skip;    /* bytes of an uninteresting packet still to pass over */
    const char *stop; /* why this direction stopped early, or NULL */
    char version[SSH_VERSION_MAX];
    char banner[SSH_BANNER_KEEP];
    char first_kex[SSH_NAME_MAX + 1];
    char first_hostkey[SSH_NAME_MAX + 1];
    /* HASSH of this side's first KEXINIT, over its c2s lists (as a client) and its s2c lists
     * (HASSHServer, as a server): which one counts depends on the roles, known later */
    char hassh_c[33], hassh_s[33];
};

/* The first KEXINIT's name-lists, copied (at name boundaries) until the other side's arrives. */
struct ssh_lists {
    uint16_t off[SSH_CAT_N];
    uint16_t len[SSH_CAT_N];
    bool cut[SSH_CAT_N];
    uint16_t used;
    char pool[SSH_POOL_MAX];
};

struct ssh_v1 {
    bool public_key;
    bool session_key;
    uint32_t server_key_bits;
    uint32_t host_key_bits;
    uint32_t protocol_flags;
    uint32_t ciphers_mask;
    uint32_t auth_mask;
    uint8_t cipher; /* from the client's SSH_CMSG_SESSION_KEY */
};

struct ssh_state {
    struct ssh_dir dir[2];
    int lists_side;  /* whose lists are in `lists`: DIR_C2S, DIR_S2C, or -1 */
    bool negotiated; /* both KEXINITs seen and §7.1 applied */
    int8_t roles;    /* SSH_ROLES_*: is the TCP client the SSH client? */
    /* §7.1 results for both role assignments, [SSH_ROLES_TCP] and [SSH_ROLES_REVERSED] */
    uint8_t neg_by[2][SSH_CAT_N]; /* enum ssh_neg_result */
    char alg_by[2][SSH_CAT_N][SSH_NAME_MAX + 1];
    bool hostkey_seen;
    bool hostkey_malformed; /* K_S did not parse: type and size unknown */
    struct ssh_hostkey_info hostkey;
    char fp_sha256[SSH_FP_SHA256_LEN];
    char fp_md5[SSH_FP_MD5_LEN];
    uint32_t gex_bits; /* DH group-exchange prime size */
    bool disconnect;   /* SSH_MSG_DISCONNECT in clear */
    int disconnect_by;
    uint32_t disconnect_reason;
    bool version_mismatch;
    bool client_not_ssh; /* the client sent lines but never an identification */
    struct ssh_v1 v1;
    struct ssh_lists lists;
};

_Static_assert(sizeof(struct ssh_state) <= 5120, "SSH per-flow state budget");

/*
 * SSH roles usually follow TCP roles, but not always (reverse SSH: the side
 * that accepted the connection runs the SSH client). The kex pseudo-names
 * (ext-info-c, kex-strict-s-...) or the first key exchange message tell.
 */
#define SSH_ROLES_UNKNOWN  (-1) /* no evidence yet: TCP roles are assumed */
#define SSH_ROLES_TCP      0
#define SSH_ROLES_REVERSED 1

/* RFC 4250 §4.2.2 disconnection reason codes. */
static const struct name_tab ssh_disconnect_names[] = {
    {1, "host_not_allowed_to_connect"},
    {2, "protocol_error"},
    {3, "key_exchange_failed"},
    {4, "reserved"},
    {5, "mac_error"},
    {6, "compression_error"},
    {7, "service_not_available"},
    {8, "protocol_version_not_supported"},
    {9, "host_key_not_verifiable"},
    {10, "connection_lost"},
    {11, "by_application"},
    {12, "too_many_connections"},
    {13, "auth_cancelled_by_user"},
    {14, "no_more_auth_methods_available"},
    {15, "illegal_user_name"},
    {0, NULL},
};

/* SSH-1 cipher numbers: bit n of supported_ciphers_mask is cipher n. */
static const struct name_tab ssh1_cipher_names[] = {
    {0, "none"}, {1, "idea"}, {2, "des"},      {3, "3des"},
    {4, "tss"},  {5, "rc4"},  {6, "blowfish"}, {0, NULL},
};

/* SSH-1 authentication methods: bit n of supported_authentications_mask. */
static const struct name_tab ssh1_auth_names[] = {
    {1, "rhosts"},   {2, "rsa"},          {3, "password"},   {4, "rhosts_rsa"}, {5, "tis"},
    {6, "kerberos"}, {7, "kerberos_tgt"}, {21, "afs_token"}, {0, NULL},
};

/* Host key kinds, by blob type name. */
enum ssh_key_kind {
    SSH_KEY_RSA = 1,
    SSH_KEY_DSA,
    SSH_KEY_ECDSA,
    SSH_KEY_ED25519,
    SSH_KEY_ED448,
    SSH_KEY_SK_ECDSA,
    SSH_KEY_SK_ED25519,
    SSH_KEY_OTHER, /* known name, layout not parsed (X.509, ...) */
};

struct ssh_key_type {
    const char *name;
    uint8_t kind;
    bool cert;
};

static const struct ssh_key_type ssh_key_types[] = {
    {"ssh-rsa", SSH_KEY_RSA, false},
    {"ssh-dss", SSH_KEY_DSA, false},
    {"ecdsa-sha2-nistp256", SSH_KEY_ECDSA, false},
    {"ecdsa-sha2-nistp384", SSH_KEY_ECDSA, false},
    {"ecdsa-sha2-nistp521", SSH_KEY_ECDSA, false},
    {"ssh-ed25519", SSH_KEY_ED25519, false},
    {"ssh-ed448", SSH_KEY_ED448, false},
    {"sk-ecdsa-sha2-nistp256@openssh.com", SSH_KEY_SK_ECDSA, false},
    {"sk-ssh-ed25519@openssh.com", SSH_KEY_SK_ED25519, false},
    {"ssh-rsa-cert-v01@openssh.com", SSH_KEY_RSA, true},
    {"ssh-dss-cert-v01@openssh.com", SSH_KEY_DSA, true},
    {"ecdsa-sha2-nistp256-cert-v01@openssh.com", SSH_KEY_ECDSA, true},
    {"ecdsa-sha2-nistp384-cert-v01@openssh.com", SSH_KEY_ECDSA, true},
    {"ecdsa-sha2-nistp521-cert-v01@openssh.com", SSH_KEY_ECDSA, true},
    {"ssh-ed25519-cert-v01@openssh.com", SSH_KEY_ED25519, true},
    {"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", SSH_KEY_SK_ECDSA, true},
    {"sk-ssh-ed25519-cert-v01@openssh.com", SSH_KEY_SK_ED25519, true},
    {"x509v3-ssh-rsa", SSH_KEY_OTHER, false},
    {"x509v3-ssh-dss", SSH_KEY_OTHER, false},
    {"x509v3-rsa2048-sha256", SSH_KEY_OTHER, false},
    {"x509v3-ecdsa-sha2-nistp256", SSH_KEY_OTHER, false},
    {"x509v3-ecdsa-sha2-nistp384", SSH_KEY_OTHER, false},
    {"x509v3-ecdsa-sha2-nistp521", SSH_KEY_OTHER, false},
    {NULL, 0, false},
};

/* ECDSA curve identifiers (RFC 5656 §6.1) and their sizes. */
static const struct name_tab ssh_curve_bits[] = {
    {256, "nistp256"},
    {384, "nistp384"},
    {521, "nistp521"},
    {0, NULL},
};

/* Pseudo-algorithms that appear in kex lists but are never negotiated. */
static const char *const ssh_kex_pseudo[] = {
    "ext-info-c", "ext-info-s", "kex-strict-c-v00@openssh.com", "kex-strict-s-v00@openssh.com",
    NULL,
};

/* Ciphers with an implicit MAC: OpenSSH skips MAC negotiation for them. */
static const char *const ssh_aead_ciphers[] = {
    "chacha20-poly1305@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    NULL,
};

/* Post-quantum hybrid key exchanges. */
static const char *const ssh_pq_kex[] = {
    "mlkem768x25519-sha256",
    "mlkem768nistp256-sha256",
    "mlkem1024nistp384-sha384",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "sntrup4591761x25519-sha512@tinyssh.org",
    NULL,
};

static bool
ssh_in_set(const char *const *set, const char *name)
{
    for (; *set; set++)
        if (strcmp(*set, name) == 0)
            return true;
    return false;
}

bool
ssh_kex_is_pseudo(const char *name)
{
    return ssh_in_set(ssh_kex_pseudo, name);
}

bool
ssh_cipher_is_aead(const char *name)
{
    return ssh_in_set(ssh_aead_ciphers, name);
}

bool
ssh_kex_is_pq(const char *name)
{
    return ssh_in_set(ssh_pq_kex, name);
}

/* Printable ASCII copy (others become '?'), NUL-terminated, cut to cap - 1. */
static void
ssh_copy_printable(char *dst, size_t cap, struct cursor src)
{
    size_t k = 0;
    while (cur_left(&src) && k + 1 < cap) {
        uint8_t b = cur_get_u8(&src);
        dst[k++] = (b >= 0x20 && b < 0x7f) ? (char)b : '?';
    }
    dst[k] = '\0';
}

/*
 * The next name of a name-list, NUL-terminated in `buf` (SSH_NAME_MAX + 1
 * bytes). False at the end of the list. `*valid` is false for a name longer
 * than SSH_NAME_MAX or with bytes outside printable ASCII: it matches nothing.
 */
static bool
ssh_next_name(struct cursor *c, char *buf, bool *valid)
{
    if (!cur_left(c))
        return false;
    size_t k = 0;
    *valid = true;
    while (cur_left(c)) {
        uint8_t b = cur_get_u8(c);
        if (b == ',')
            break;
        if (b <= 0x20 || b >= 0x7f || k >= SSH_NAME_MAX)
            *valid = false;
        else
            buf[k++] = (char)b;
    }
    buf[k] = '\0';
    if (k == 0)
        *valid = false;
    return true;
}

/* Is `name` on the list? SSH_NEG_FOUND, SSH_NEG_NONE, or SSH_NEG_UNKNOWN when the list was cut. */
static enum ssh_neg_result
ssh_list_has(struct cursor list, bool cut, const char *name)
{
    char buf[SSH_NAME_MAX + 1];
    bool valid;
    uint32_t n = 0;
    while (ssh_next_name(&list, buf, &valid)) {
        if (++n > SSH_NEG_NAMES_MAX)
            return SSH_NEG_UNKNOWN;
        if (valid && strcmp(buf, name) == 0)
            return SSH_NEG_FOUND;
    }
    return cut ? SSH_NEG_UNKNOWN : SSH_NEG_NONE;
}

enum ssh_neg_result
ssh_negotiate_names(struct cursor client, bool client_cut, struct cursor server, bool server_cut,
                    bool kex, char *out)
{
    char name[SSH_NAME_MAX + 1];
    bool valid;
    uint32_t n = 0;
    out[0] = '\0';
    if (!cur_ok(&client) || !cur_ok(&server))
        return SSH_NEG_UNKNOWN;
    while (ssh_next_name(&client, name, &valid)) {
        if (++n > SSH_NEG_NAMES_MAX)
            return SSH_NEG_UNKNOWN;
        if (!valid || (kex && ssh_kex_is_pseudo(name)))
            continue;
        enum ssh_neg_result r = ssh_list_has(server, server_cut, name);
        if (r == SSH_NEG_FOUND) {
            memcpy(out, name, strlen(name) + 1);
            return SSH_NEG_FOUND;
        }
        if (r == SSH_NEG_UNKNOWN)
            return SSH_NEG_UNKNOWN; /* it may be in the part of the server's list we lack */
    }
    return client_cut ? SSH_NEG_UNKNOWN : SSH_NEG_NONE;
}

void
ssh_fingerprint_sha256(const uint8_t *blob, size_t len, char out[SSH_FP_SHA256_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned char b64[64];
    out[0] = '\0';
    if (!digest_bytes(DIGEST_SHA256, blob, len, md, 32))
        return;
    mdlen = 32;
    int n = EVP_EncodeBlock(b64, md, (int)mdlen);
    while (n > 0 && b64[n - 1] == '=')
        n--;
    memcpy(out, "SHA256:", 7);
    memcpy(out + 7, b64, (size_t)n);
    out[7 + n] = '\0';
}

void
ssh_fingerprint_md5(const uint8_t *blob, size_t len, char out[SSH_FP_MD5_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out[0] = '\0';
    if (!digest_bytes(DIGEST_MD5, blob, len, md, 16))
        return;
    mdlen = 16;
    size_t k = 0;
    for (unsigned int i = 0; i < mdlen; i++) {
        if (i)
            out[k++] = ':';
        out[k++] = hex[md[i] >> 4];
        out[k++] = hex[md[i] & 15];
    }
    out[k] = '\0';
}

/* Size in bits of an SSH-2 mpint (RFC 4251 §5): leading zero bytes do not count. */
static uint32_t
ssh_mpint_bits(struct cursor *c)
{
    struct cursor v = cur_take(c, cur_get_be32(c));
    uint32_t left = (uint32_t)cur_left(&v);
    while (cur_left(&v)) {
        uint8_t b = cur_get_u8(&v);
        left--;
        if (b) {
            uint32_t bits = left * 8;
            while (b) {
                bits++;
                b >>= 1;
            }
            return bits;
        }
    }
    return 0;
}

/* An SSH string as a child cursor. */
static struct cursor
ssh_get_string(struct cursor *c)
{
    return cur_take(c, cur_get_be32(c));
}

/* Compare an SSH string with a C string. */
static bool
ssh_string_is(struct cursor s, const char *want)
{
    size_t n = strlen(want);
    if (cur_left(&s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (cur_get_u8(&s) != (uint8_t)want[i])
            return false;
    return cur_ok(&s);
}

bool
ssh_parse_hostkey(struct cursor blob, struct ssh_hostkey_info *out)
{
    memset(out, 0, sizeof(*out));
    struct cursor type = ssh_get_string(&blob);
    if (!cur_ok(&type))
        return false;
    const struct ssh_key_type *kt = NULL;
    for (const struct ssh_key_type *t = ssh_key_types; t->name; t++)
        if (ssh_string_is(type, t->name)) {
            kt = t;
            break;
        }
    if (!kt)
        return false;
    memcpy(out->type, kt->name, strlen(kt->name) + 1);
    out->cert = kt->cert;
    if (kt->cert)
        (void)ssh_get_string(&blob); /* nonce */
    uint32_t bits = 0;
    switch (kt->kind) {
    case SSH_KEY_RSA:
        (void)ssh_mpint_bits(&blob);  /* e */
        bits = ssh_mpint_bits(&blob); /* n */
        break;
    case SSH_KEY_DSA:
        bits = ssh_mpint_bits(&blob); /* p */
        break;
    case SSH_KEY_ECDSA:
    case SSH_KEY_SK_ECDSA: {
        struct cursor curve = ssh_get_string(&blob);
        for (const struct name_tab *t = ssh_curve_bits; t->name; t++)
            if (ssh_string_is(curve, t->name))
                bits = t->value;
        (void)ssh_get_string(&blob); /* Q */
        break;
    }
    case SSH_KEY_ED25519:
    case SSH_KEY_SK_ED25519: {
        struct cursor k = ssh_get_string(&blob);
        if (cur_left(&k) == 32)
            bits = 256;
        break;
    }
    case SSH_KEY_ED448: {
        struct cursor k = ssh_get_string(&blob);
        if (cur_left(&k) == 57)
            bits = 456;
        break;
    }
    default:
        break;
    }
    if (!cur_ok(&blob))
        return false;
    out->bits = bits;
    return true;
}

bool
ssh_banner_version(const char *line, size_t len, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    if (len < 4 || memcmp(line, "SSH-", 4) != 0)
        return false;
    size_t i = 4, start = 4;
    while (i < len && line[i] != '-' && line[i] != ' ')
        i++;
    if (i == start || i >= len || line[i] != '-' || i - start >= cap)
        return false;
    for (size_t k = start; k < i; k++)
        if (!((line[k] >= '0' && line[k] <= '9') || line[k] == '.'))
            return false;
    if (i + 1 >= len) /* softwareversion must not be empty */
        return false;
    memcpy(out, line + start, i - start);
    out[i - start] = '\0';
    return true;
}

/* ------------------------------------------------------------------ probe */

/* "SSH-" (or, with too few bytes, a prefix of it) at the cursor. */
static enum probe_verdict
ssh_probe_line(const struct cursor *c)
{
    static const char magic[] = "SSH-";
    for (size_t k = 0; k < 4; k++) {
        uint8_t b;
        if (!cur_peek_at(c, k, &b))
            return PROBE_MAYBE;
        if (b != (uint8_t)magic[k])
            return PROBE_NO;
    }
    return PROBE_YES;
}

static enum probe_verdict
ssh_probe(const uint8_t *data, size_t len, int dir)
{
    struct cursor c = cur_init(data, len);
    enum probe_verdict v = ssh_probe_line(&c);
    /* A client sends its identification first (RFC 4253 §4.2). */
    if (v != PROBE_NO || dir == DIR_C2S)
        return v;
    /*
     * A server may send other lines first. Scan text lines only: binary
     * bytes (TLS) or an HTTP response end the scan.
     */
    if (ssh_string_is(cur_init(data, len < 5 ? len : 5), "HTTP/"))
        return PROBE_NO;
    struct cursor s = cur_init(data, len < SSH_PROBE_SCAN ? len : SSH_PROBE_SCAN);
    while (cur_left(&s)) {
        uint8_t b = cur_get_u8(&s);
        if (b == '\n') {
            if (!cur_left(&s))
                return PROBE_NO; /* whole lines, none of them "SSH-" */
            v = ssh_probe_line(&s);
            if (v == PROBE_YES)
                return v;
            if (v == PROBE_MAYBE)
                return len <= SSH_PROBE_SCAN ? PROBE_MAYBE : PROBE_NO;
        } else if (b < 0x20 && b != '\r' && b != '\t') {
            return PROBE_NO;
        }
    }
    return PROBE_NO;
}

/* ------------------------------------------------------------------ state */

static void *
ssh_state_new(void)
{
    struct ssh_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->lists_side = -1;
    st->disconnect_by = -1;
    st->roles = SSH_ROLES_UNKNOWN;
    return st;
}

static void
ssh_state_free(void *st)
{
    free(st);
}

/* The direction the SSH client sends in (TCP roles until evidence says otherwise). */
static int
ssh_client_dir(const struct ssh_state *st)
{
    return st->roles == SSH_ROLES_REVERSED ? DIR_S2C : DIR_C2S;
}

static int
ssh_server_dir(const struct ssh_state *st)
{
    return ssh_client_dir(st) ^ 1;
}

/* §7.1 outcome of a category under the current role assignment. */
static enum ssh_neg_result
ssh_neg(const struct ssh_state *st, int cat)
{
    if (!st->negotiated)
        return SSH_NEG_UNKNOWN;
    return (enum ssh_neg_result)st->neg_by[st->roles == SSH_ROLES_REVERSED][cat];
}

/* The negotiated name of a category, or NULL. */
static const char *
ssh_alg(const struct ssh_state *st, int cat)
{
    if (ssh_neg(st, cat) != SSH_NEG_FOUND)
        return NULL;
    return st->alg_by[st->roles == SSH_ROLES_REVERSED][cat];
}

/* Set the roles once, from the first piece of evidence. */
static void
ssh_set_roles(struct ssh_state *st, int client_dir)
{
    if (st->roles == SSH_ROLES_UNKNOWN)
        st->roles = client_dir == DIR_C2S ? SSH_ROLES_TCP : SSH_ROLES_REVERSED;
}

/* The protocol version both sides speak: NULL when unknown or incompatible. */
static const char *
ssh_effective_version(const struct ssh_state *st)
{
    const char *cv = st->dir[ssh_client_dir(st)].version;
    const char *sv = st->dir[ssh_server_dir(st)].version;
    if (!cv[0])
        return sv[0] ? sv : NULL;
    if (!sv[0])
        return cv;
    bool c199 = strcmp(cv, "1.99") == 0, s199 = strcmp(sv, "1.99") == 0;
    if (strcmp(cv, sv) == 0 && !c199)
        return cv;
    bool c2 = cv[0] == '2', s2 = sv[0] == '2';
    if (c199 && s199)
        return "2.0"; /* both speak either: SSH-2 is used */
    if ((c2 && s199) || (s2 && c199))
        return c2 ? cv : sv;
    if (cv[0] == '1' && s199)
        return cv;
    if (sv[0] == '1' && c199)
        return sv;
    return NULL;
}

/* Packet format of a direction, from the identification lines seen so far. */
static enum ssh_format
ssh_pick_format(struct ssh_state *st)
{
    const char *cv = st->dir[DIR_C2S].version, *sv = st->dir[DIR_S2C].version;
    if (cv[0] && sv[0]) {
        const char *v = ssh_effective_version(st);
        if (!v) {
            st->version_mismatch = true;
            return SSH_FMT_UNKNOWN;
        }
        if (strcmp(v, "1.99") == 0)
            return SSH_FMT_V2; /* both said 1.99: SSH-2 is preferred */
        return v[0] == '1' ? SSH_FMT_V1 : SSH_FMT_V2;
    }
    const char *v = cv[0] ? cv : sv;
    if (!v[0] || strcmp(v, "1.99") == 0)
        return SSH_FMT_UNKNOWN; /* sniff the first packet */
    return v[0] == '1' ? SSH_FMT_V1 : SSH_FMT_V2;
}

static void
ssh_stop(struct ssh_dir *d, const char *why)
{
    d->phase = SSH_PH_DONE;
    if (!d->stop)
        d->stop = why;
}

/* ------------------------------------------------------------------ banners */

/*
 * Identification line or the lines a server may send before it. Returns
 * true to go on with the bytes left in `c`; false with `*r` set otherwise.
 */
static bool
ssh_do_banner(struct ssh_state *st, int dir, struct cursor *c, size_t len, struct dissect_result *r)
{
    struct ssh_dir *d = &st->dir[dir];
    if (d->in_line) {
        while (cur_left(c)) {
            d->pre_bytes++;
            if (cur_get_u8(c) == '\n') {
                d->in_line = false;
                break;
            }
        }
        if (d->pre_bytes > SSH_PRE_BYTES_MAX) {
            ssh_stop(d, dir == DIR_C2S ? "no SSH identification from the client"
                                       : "no SSH identification from the server");
            if (dir == DIR_C2S)
                st->client_not_ssh = true;
        }
        return true;
    }
    enum probe_verdict v = ssh_probe_line(c);
    if (v == PROBE_MAYBE) {
        /* fewer than 4 bytes: a short line may still end here */
        struct cursor s = *c;
        bool lf = false;
        while (cur_left(&s))
            if (cur_get_u8(&s) == '\n')
                lf = true;
        if (!lf) {
            *r = dissect_need(len - cur_left(c), 4 - cur_left(c));
            return false;
        }
        v = PROBE_NO;
    }
    if (v == PROBE_NO) {
        /* another line (RFC 4253 §4.2 allows them from the server) */
        d->in_line = true;
        if (++d->pre_lines > SSH_PRE_LINES_MAX) {
            ssh_stop(d, dir == DIR_C2S ? "no SSH identification from the client"
                                       : "no SSH identification from the server");
            if (dir == DIR_C2S)
                st->client_not_ssh = true;
        }
        return true;
    }
    /* "SSH-": find the end of the line */
    struct cursor s = *c;
    size_t n = 0;
    bool lf = false;
    while (cur_left(&s) && n < SSH_LINE_MAX) {
        n++;
        if (cur_get_u8(&s) == '\n') {
            lf = true;
            break;
        }
    }
    if (!lf) {
        if (n >= SSH_LINE_MAX) {
            ssh_stop(d, "identification line too long");
            return true;
        }
        *r = dissect_need(len - cur_left(c), 1);
        return false;
    }
    struct cursor line = cur_take(c, n);
    size_t keep = n - 1; /* without LF */
    uint8_t last;
    if (keep && cur_peek_at(&line, keep - 1, &last) && last == '\r')
        keep--;
    ssh_copy_printable(d->banner, sizeof(d->banner), cur_take(&line, keep));
    d->banner_first = d->pre_lines == 0;
    if (!ssh_banner_version(d->banner, strlen(d->banner), d->version, sizeof(d->version))) {
        ssh_stop(d, "malformed identification line");
        return true;
    }
    d->phase = SSH_PH_PACKETS;
    return true;
}

/* ------------------------------------------------------------------ SSH-2 */

/* Copy the name-lists of the first KEXINIT into the pool, each cut at a name boundary. */
static void
ssh_keep_lists(struct ssh_state *st, int dir, const struct cursor *lists)
{
    struct ssh_lists *l = &st->lists;
    st->lists_side = dir;
    l->used = 0;
    for (int i = 0; i < SSH_CAT_N; i++) {
        struct cursor s = lists[i];
        size_t room = SSH_POOL_MAX - l->used;
        size_t n = cur_left(&s);
        l->off[i] = l->used;
        l->cut[i] = false;
        if (n > room) {
            /* keep whole names only */
            size_t k = 0, last_comma = 0;
            struct cursor t = s;
            while (k < room) {
                if (cur_get_u8(&t) == ',')
                    last_comma = k;
                k++;
            }
            n = last_comma;
            l->cut[i] = true;
        }
        cur_copy(&s, l->pool + l->used, n);
        l->len[i] = (uint16_t)n;
        l->used = (uint16_t)(l->used + n);
    }
}

/* Does the kex list name a post-quantum hybrid, ext-info, strict-kex? Count its names. */
static void
ssh_scan_kex_list(struct ssh_dir *d, struct cursor kex)
{
    char name[SSH_NAME_MAX + 1];
    bool valid;
    while (ssh_next_name(&kex, name, &valid)) {
        d->kex_count++;
        if (!valid)
            continue;
        if (strcmp(name, "kex-strict-c-v00@openssh.com") == 0)
            d->strict_c = true;
        if (strcmp(name, "kex-strict-s-v00@openssh.com") == 0)
            d->strict_s = true;
        if (strcmp(name, "ext-info-c") == 0)
            d->ext_info_c = true;
        if (strcmp(name, "ext-info-s") == 0)
            d->ext_info_s = true;
        if (ssh_kex_is_pq(name))
            d->pq = true;
    }
}

static void
ssh_first_name(struct cursor list, char *out)
{
    bool valid;
    if (!ssh_next_name(&list, out, &valid) || !valid)
        out[0] = '\0';
}

/*
 * Both KEXINITs are in: apply §7.1 per category, for both role assignments
 * (which side is the SSH client may only show later). `lists` are those of
 * the KEXINIT that came second, sent in direction `dir`.
 */
static void
ssh_negotiate(struct ssh_state *st, int dir, const struct cursor *lists)
{
    const struct ssh_lists *l = &st->lists;
    for (int roles = 0; roles < 2; roles++) {
        int client_dir = roles == SSH_ROLES_TCP ? DIR_C2S : DIR_S2C;
        for (int i = 0; i < SSH_CAT_N; i++) {
            /* c2s and s2c are in SSH roles in both KEXINITs: only whose list leads changes */
            struct cursor kept = cur_init((const uint8_t *)l->pool + l->off[i], l->len[i]);
            struct cursor cl = dir == client_dir ? lists[i] : kept;
            struct cursor sv = dir == client_dir ? kept : lists[i];
            bool ccut = dir == client_dir ? false : l->cut[i];
            bool scut = dir == client_dir ? l->cut[i] : false;
            st->neg_by[roles][i] = (uint8_t)ssh_negotiate_names(
                cl, ccut, sv, scut, i == SSH_CAT_KEX, st->alg_by[roles][i]);
        }
    }
    st->negotiated = true;
    /* A wrong first_kex_packet_follows guess: that side's next kex packet is ignored. */
    const struct ssh_dir *c = &st->dir[DIR_C2S], *s = &st->dir[DIR_S2C];
    bool right = strcmp(c->first_kex, s->first_kex) == 0 &&
                 strcmp(c->first_hostkey, s->first_hostkey) == 0 && c->first_kex[0];
    for (int k = 0; k < 2; k++)
        st->dir[k].ignore_guess = st->dir[k].follows && !right;
    memset(&st->lists, 0, sizeof(st->lists));
    st->lists_side = -1;
}

/*
 * HASSH (salesforce/hassh): the MD5, in lower-case hex, of "kex;enc;mac;comp", the sender's
 * name-lists as sent (for a client its c2s lists, for a server its s2c lists).
 */
static void
ssh_hassh(const struct cursor *lists, int enc, int mac, int comp, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    const int cats[4] = {SSH_CAT_KEX, enc, mac, comp};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex2(ctx, digest_md(DIGEST_MD5), NULL);
    out[0] = '\0';
    for (int i = 0; ok && i < 4; i++) {
        struct cursor l = lists[cats[i]];
        size_t n = l.left;
        const uint8_t *v = cur_get_bytes(&l, n);
        ok = (i == 0 || EVP_DigestUpdate(ctx, ";", 1)) && (!n || EVP_DigestUpdate(ctx, v, n));
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 16;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return;
    for (unsigned i = 0; i < 16; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[32] = '\0';
}

static void
ssh_on_kexinit(struct ssh_state *st, int dir, struct cursor p)
{
    struct ssh_dir *d = &st->dir[dir];
    struct cursor lists[SSH_CAT_N];
    cur_skip(&p, 16); /* cookie */
    for (int i = 0; i < SSH_CAT_N; i++)
        lists[i] = ssh_get_string(&p);
    (void)ssh_get_string(&p); /* languages c2s */
    (void)ssh_get_string(&p); /* languages s2c */
    uint8_t follows = cur_get_u8(&p);
    (void)cur_get_be32(&p); /* reserved */
    if (!cur_ok(&p)) {
        ssh_stop(d, dir == DIR_C2S ? "malformed KEXINIT from the client"
                                   : "malformed KEXINIT from the server");
        return;
    }
    if (d->kexinit)
        return; /* one per key exchange; a second before NEWKEYS is a protocol error */
    d->kexinit = true;
    d->follows = follows != 0;
    ssh_hassh(lists, SSH_CAT_ENC_C2S, SSH_CAT_MAC_C2S, SSH_CAT_COMP_C2S, d->hassh_c);
    ssh_hassh(lists, SSH_CAT_ENC_S2C, SSH_CAT_MAC_S2C, SSH_CAT_COMP_S2C, d->hassh_s);
    ssh_scan_kex_list(d, lists[SSH_CAT_KEX]);
    /* a client's or a server's marker names the sender's role */
    bool client_marks = d->strict_c || d->ext_info_c, server_marks = d->strict_s || d->ext_info_s;
    if (client_marks != server_marks)
        ssh_set_roles(st, client_marks ? dir : dir ^ 1);
    ssh_first_name(lists[SSH_CAT_KEX], d->first_kex);
    ssh_first_name(lists[SSH_CAT_HOSTKEY], d->first_hostkey);
    if (st->dir[dir ^ 1].kexinit && st->lists_side == (dir ^ 1))
        ssh_negotiate(st, dir, lists);
    else
        ssh_keep_lists(st, dir, lists);
}

/* Does the negotiated kex start with `prefix`? (RFC 4419 GEX, RFC 4432 RSA, RFC 4462 GSS) */
static bool
ssh_kex_prefix(const struct ssh_state *st, const char *prefix)
{
    const char *kex = ssh_alg(st, SSH_CAT_KEX);
    return kex && strncmp(kex, prefix, strlen(prefix)) == 0;
}

/*
 * A key exchange message from the SSH server: the reply starts with K_S,
 * the host key blob (31 for DH, ECDH and the hybrids, 33 for GEX, 30 for
 * RSA kex); 31 is the group for GEX.
 */
static void
ssh_on_server_kex(struct ssh_state *st, int dir, uint8_t type, struct cursor p)
{
    struct ssh_dir *d = &st->dir[dir];
    if (d->ignore_guess) {
        d->ignore_guess = false;
        return;
    }
    bool known = ssh_alg(st, SSH_CAT_KEX) != NULL;
    if (known && ssh_kex_prefix(st, "gss-"))
        return; /* GSS-API key exchange: these messages carry no K_S */
    bool gex = known && ssh_kex_prefix(st, "diffie-hellman-group-exchange-");
    if (type == SSH_MSG_KEX_REPLY && gex) {
        uint32_t bits = ssh_mpint_bits(&p); /* SSH_MSG_KEX_DH_GEX_GROUP: p, g */
        if (cur_ok(&p))
            st->gex_bits = bits;
        return;
    }
    if (type == SSH_MSG_KEXRSA_PUBKEY && !(known && ssh_kex_prefix(st, "rsa")))
        return;
    if (type == SSH_MSG_KEX_DH_GEX_REPLY && known && !gex)
        return;
    if (st->hostkey_seen)
        return;
    struct cursor ks = ssh_get_string(&p);
    struct cursor view = ks;
    const uint8_t *blob = cur_get_bytes(&view, cur_left(&ks));
    if (!cur_ok(&ks) || !blob)
        return;
    struct ssh_hostkey_info hk;
    if (!ssh_parse_hostkey(ks, &hk)) {
        /* without a known kex, only a blob that parses is taken as K_S */
        if (!known)
            return;
        memset(&hk, 0, sizeof(hk));
        struct cursor b = ks;
        struct cursor t = ssh_get_string(&b);
        if (cur_ok(&t) && cur_left(&t) <= SSH_NAME_MAX)
            ssh_copy_printable(hk.type, sizeof(hk.type), t);
        st->hostkey_malformed = true;
    }
    st->hostkey = hk;
    st->hostkey_seen = true;
    ssh_fingerprint_sha256(blob, cur_left(&ks), st->fp_sha256);
    ssh_fingerprint_md5(blob, cur_left(&ks), st->fp_md5);
}

static void
ssh_on_disconnect(struct ssh_state *st, int dir, struct cursor p)
{
    uint32_t reason = cur_get_be32(&p);
    if (st->disconnect)
        return;
    st->disconnect = true;
    st->disconnect_by = dir;
    st->disconnect_reason = cur_ok(&p) ? reason : 0;
}

/*
 * Key exchange messages (30-49) name their sender's role: the client
 * speaks first (30 DH/ECDH/hybrid init, 34 GEX request), the server
 * replies (31, 33). RSA kex (RFC 4432) starts with the server's 30: rare,
 * and only used when the kex is known.
 */
static void
ssh_roles_from_kex(struct ssh_state *st, int dir, uint8_t type)
{
    if (st->roles != SSH_ROLES_UNKNOWN || type < 30 || type > 49)
        return;
    bool rsa = ssh_kex_prefix(st, "rsa");
    if (type == 30 || type == 32 || type == 34)
        ssh_set_roles(st, rsa && type != 34 ? dir ^ 1 : dir);
    else if (type == 31 || type == 33)
        ssh_set_roles(st, rsa ? dir : dir ^ 1);
}

/* Message types whose whole packet we need; the others are skipped without buffering. */
static bool
ssh_wanted(const struct ssh_state *st, int dir, uint8_t type)
{
    switch (type) {
    case SSH_MSG_DISCONNECT:
    case SSH_MSG_KEXINIT:
    case SSH_MSG_NEWKEYS:
        return true;
    case SSH_MSG_KEXRSA_PUBKEY:
    case SSH_MSG_KEX_REPLY:
    case SSH_MSG_KEX_DH_GEX_REPLY:
        return dir == ssh_server_dir(st);
    default:
        return false;
    }
}

/* One SSH-2 binary packet (RFC 4253 §6). */
static bool
ssh_do_packet_v2(struct ssh_state *st, int dir, struct cursor *c, size_t len,
                 struct dissect_result *r)
{
    struct ssh_dir *d = &st->dir[dir];
    struct cursor h = *c;
    uint32_t plen = cur_get_be32(&h);
    uint8_t padlen = cur_get_u8(&h);
    uint8_t type = cur_get_u8(&h);
    if (!cur_ok(&h)) {
        *r = dissect_need(len - cur_left(c), 6 - cur_left(c));
        return false;
    }
    if (plen > SSH_PACKET_MAX || plen < (uint32_t)padlen + 2) {
        ssh_stop(d, dir == DIR_C2S ? "malformed packet from the client"
                                   : "malformed packet from the server");
        return true;
    }
    size_t total = (size_t)plen + 4;
    ssh_roles_from_kex(st, dir, type);
    if (!ssh_wanted(st, dir, type)) {
        size_t n = total < cur_left(c) ? total : cur_left(c);
        cur_skip(c, n);
        d->skip = (uint32_t)(total - n);
        return true;
    }
    if (cur_left(c) < total) {
        *r = dissect_need(len - cur_left(c), total - cur_left(c));
        return false;
    }
    struct cursor pkt = cur_take(c, total);
    cur_skip(&pkt, 5);
    struct cursor payload = cur_take(&pkt, plen - padlen - 1);
    cur_skip(&payload, 1); /* the type */
    switch (type) {
    case SSH_MSG_KEXINIT:
        ssh_on_kexinit(st, dir, payload);
        break;
    case SSH_MSG_NEWKEYS:
        d->newkeys = true;
        d->phase = SSH_PH_DONE; /* keys change: the rest of this direction is encrypted */
        break;
    case SSH_MSG_DISCONNECT:
        ssh_on_disconnect(st, dir, payload);
        d->phase = SSH_PH_DONE;
        break;
    default:
        ssh_on_server_kex(st, dir, type, payload);
        break;
    }
    return true;
}

/* ------------------------------------------------------------------ SSH-1 */

/* An SSH-1 multiple-precision integer: uint16 bits, then the bytes. Returns the bits. */
static uint16_t
ssh1_get_mpint(struct cursor *c, struct cursor *value)
{
    uint16_t bits = cur_get_be16(c);
    *value = cur_take(c, ((size_t)bits + 7) / 8);
    return bits;
}

static void
ssh1_on_public_key(struct ssh_state *st, struct cursor p)
{
    struct ssh_v1 *v = &st->v1;
    struct cursor e, n;
    cur_skip(&p, 8); /* anti-spoofing cookie */
    uint32_t server_bits = cur_get_be32(&p);
    (void)ssh1_get_mpint(&p, &e);
    (void)ssh1_get_mpint(&p, &n);
    uint32_t host_bits = cur_get_be32(&p);
    struct cursor he, hn;
    (void)ssh1_get_mpint(&p, &he);
    (void)ssh1_get_mpint(&p, &hn);
    uint32_t flags = cur_get_be32(&p);
    uint32_t ciphers = cur_get_be32(&p);
    uint32_t auths = cur_get_be32(&p);
    if (!cur_ok(&p))
        return;
    v->public_key = true;
    v->server_key_bits = server_bits;
    v->host_key_bits = host_bits;
    v->protocol_flags = flags;
    v->ciphers_mask = ciphers;
    v->auth_mask = auths;
    /* OpenSSH's RSA1 fingerprint: the digest of the modulus then the exponent bytes. */
    uint8_t buf[2048 + 8];
    size_t nn = cur_left(&hn), ne = cur_left(&he);
    if (nn + ne <= sizeof(buf)) {
        cur_copy(&hn, buf, nn);
        cur_copy(&he, buf + nn, ne);
        ssh_fingerprint_sha256(buf, nn + ne, st->fp_sha256);
        ssh_fingerprint_md5(buf, nn + ne, st->fp_md5);
    }
    memcpy(st->hostkey.type, "rsa1", 5);
    st->hostkey.bits = host_bits;
    st->hostkey_seen = true;
}

static void
ssh1_on_session_key(struct ssh_state *st, struct cursor p)
{
    uint8_t cipher = cur_get_u8(&p);
    if (!cur_ok(&p))
        return;
    st->v1.session_key = true;
    st->v1.cipher = cipher;
}

/* One SSH-1 packet: uint32 length, 8 - length % 8 bytes of padding, type, data, CRC-32. */
static bool
ssh_do_packet_v1(struct ssh_state *st, int dir, struct cursor *c, size_t len,
                 struct dissect_result *r)
{
    struct ssh_dir *d = &st->dir[dir];
    struct cursor h = *c;
    uint32_t plen = cur_get_be32(&h);
    if (!cur_ok(&h)) {
        *r = dissect_need(len - cur_left(c), 4 - cur_left(c));
        return false;
    }
    if (plen < 5 || plen > SSH_PACKET_MAX) {
        ssh_stop(d, dir == DIR_C2S ? "malformed packet from the client"
                                   : "malformed packet from the server");
        return true;
    }
    size_t pad = 8 - plen % 8;
    size_t total = 4 + pad + plen;
    if (cur_left(c) < total) {
        *r = dissect_need(len - cur_left(c), total - cur_left(c));
        return false;
    }
    struct cursor pkt = cur_take(c, total);
    cur_skip(&pkt, 4 + pad);
    uint8_t type = cur_get_u8(&pkt);
    struct cursor data = cur_take(&pkt, plen - 5);
    if (type == SSH1_MSG_DISCONNECT) {
        st->disconnect = true;
        st->disconnect_by = dir;
        d->phase = SSH_PH_DONE;
    } else if (dir == DIR_S2C && type == SSH1_SMSG_PUBLIC_KEY) {
        ssh1_on_public_key(st, data);
        d->phase = SSH_PH_DONE; /* the server's next packet is encrypted */
    } else if (dir == DIR_C2S && type == SSH1_CMSG_SESSION_KEY) {
        ssh1_on_session_key(st, data);
        d->phase = SSH_PH_DONE; /* encryption starts after this packet */
    }
    return true;
}

/* SSH-2 (KEXINIT, 20, as the first packet) or SSH-1 (PUBLIC_KEY or SESSION_KEY)? */
static enum ssh_format
ssh_sniff_format(int dir, const struct cursor *c, bool *more)
{
    struct cursor h = *c;
    uint32_t plen = cur_get_be32(&h);
    uint8_t b4 = 0, b5 = 0, t1 = 0;
    size_t pad = 8 - plen % 8;
    *more = false;
    if (!cur_peek_at(c, 4, &b4) || !cur_peek_at(c, 5, &b5) || !cur_peek_at(c, 4 + pad, &t1)) {
        *more = true;
        return SSH_FMT_UNKNOWN;
    }
    if (b5 == SSH_MSG_KEXINIT && b4 >= 4 && plen >= (uint32_t)b4 + 2)
        return SSH_FMT_V2;
    if (t1 == (dir == DIR_S2C ? SSH1_SMSG_PUBLIC_KEY : SSH1_CMSG_SESSION_KEY))
        return SSH_FMT_V1;
    return SSH_FMT_UNKNOWN;
}

/* ------------------------------------------------------------------ driver */

static struct dissect_result
ssh_on_data(void *stp, int dir, const uint8_t *data, size_t len, uint64_t ts_us)
{
    struct ssh_state *st = stp;
    struct ssh_dir *d = &st->dir[dir & 1];
    struct cursor c = cur_init(data, len);
    struct dissect_result r;
    (void)ts_us;
    dir &= 1;
    if (len)
        d->seen = true;
    while (cur_left(&c) || d->phase == SSH_PH_DONE) {
        if (d->phase == SSH_PH_DONE)
            return dissect_done(len - cur_left(&c));
        if (d->phase == SSH_PH_BANNER) {
            if (!ssh_do_banner(st, dir, &c, len, &r))
                return r;
            continue;
        }
        if (d->skip) {
            size_t n = d->skip < cur_left(&c) ? d->skip : cur_left(&c);
            cur_skip(&c, n);
            d->skip -= (uint32_t)n;
            continue;
        }
        if (d->format == SSH_FMT_UNKNOWN) {
            d->format = (uint8_t)ssh_pick_format(st);
            if (st->version_mismatch) {
                ssh_stop(d, "protocol versions do not match");
                continue;
            }
            if (d->format == SSH_FMT_UNKNOWN) {
                bool more;
                d->format = (uint8_t)ssh_sniff_format(dir, &c, &more);
                if (more)
                    return dissect_need(len - cur_left(&c), 16 - cur_left(&c));
                if (d->format == SSH_FMT_UNKNOWN) {
                    ssh_stop(d, "packet format not recognised");
                    continue;
                }
            }
        }
        bool go = d->format == SSH_FMT_V1 ? ssh_do_packet_v1(st, dir, &c, len, &r)
                                          : ssh_do_packet_v2(st, dir, &c, len, &r);
        if (!go)
            return r;
    }
    return dissect_ok(len);
}

static void
ssh_on_gap(void *stp, int dir, uint64_t len)
{
    struct ssh_state *st = stp;
    struct ssh_dir *d = &st->dir[dir & 1];
    if (d->phase == SSH_PH_DONE)
        return;
    if (d->phase == SSH_PH_PACKETS && d->skip >= len) {
        d->skip -= (uint32_t)len; /* the hole is inside a packet we skip: framing holds */
        return;
    }
    d->gap = true;
    ssh_stop(d, (dir & 1) == DIR_C2S ? "gap in client stream" : "gap in server stream");
}

static void
ssh_on_end(void *stp, uint64_t ts_us)
{
    (void)stp;
    (void)ts_us;
}

static bool
ssh_is_v1(const struct ssh_state *st)
{
    return st->dir[DIR_C2S].format == SSH_FMT_V1 || st->dir[DIR_S2C].format == SSH_FMT_V1;
}

static bool
ssh_established(const struct ssh_state *st)
{
    if (ssh_is_v1(st))
        return st->v1.session_key;
    return st->dir[DIR_C2S].newkeys && st->dir[DIR_S2C].newkeys;
}

/* The cipher negotiated for `enc` (SSH_CAT_ENC_*) carries its own MAC. */
static bool
ssh_mac_implicit(const struct ssh_state *st, int enc)
{
    const char *cipher = ssh_alg(st, enc);
    return cipher && ssh_cipher_is_aead(cipher);
}

/* A category with no algorithm in common: the key exchange cannot succeed. */
static int
ssh_failed_category(const struct ssh_state *st)
{
    if (!st->negotiated)
        return -1;
    for (int i = 0; i < SSH_CAT_N; i++) {
        if (ssh_neg(st, i) != SSH_NEG_NONE)
            continue;
        /* no MAC in common is fine when the cipher carries its own */
        if ((i == SSH_CAT_MAC_C2S || i == SSH_CAT_MAC_S2C) && ssh_mac_implicit(st, i - 2))
            continue;
        return i;
    }
    return -1;
}

_Static_assert(OBS_SSH_VERSION_LEN >= SSH_VERSION_MAX && OBS_SSH_BANNER_LEN >= SSH_BANNER_KEEP &&
                   OBS_SSH_NAME_LEN >= SSH_NAME_MAX + 1 && OBS_SSH_FP_LEN >= SSH_FP_SHA256_LEN &&
                   OBS_SSH_FP_LEN >= SSH_FP_MD5_LEN,
               "the observation block holds the SSH state's text uncut");

static enum zert_tri
ssh_tri(bool known, bool v)
{
    return known ? zert_tri_from_bool(v) : ZERT_TRI_UNKNOWN;
}

static void
ssh_obs_num(struct zert_num *n, bool known, uint64_t v)
{
    if (known)
        zert_num_set(n, v);
}

static void
ssh_obs_bits(struct obs_ssh_bits *b, const struct name_tab *tab, uint32_t mask)
{
    b->mask = mask;
    for (uint32_t bit = 0; bit < 32; bit++)
        if (mask & (1u << bit))
            b->names[bit] = name_tab_lookup(tab, bit);
}

static void
ssh_obs_v1(const struct ssh_state *st, struct obs_ssh_v1 *o)
{
    const struct ssh_v1 *v = &st->v1;
    o->public_key = v->public_key;
    ssh_obs_num(&o->server_key_bits, v->public_key, v->server_key_bits);
    ssh_obs_num(&o->host_key_bits, v->public_key, v->host_key_bits);
    ssh_obs_num(&o->ciphers_mask, v->public_key, v->ciphers_mask);
    ssh_obs_num(&o->auth_mask, v->public_key, v->auth_mask);
    ssh_obs_num(&o->protocol_flags, v->public_key, v->protocol_flags);
    if (v->public_key) {
        ssh_obs_bits(&o->ciphers, ssh1_cipher_names, v->ciphers_mask);
        ssh_obs_bits(&o->auths, ssh1_auth_names, v->auth_mask);
    }
    o->cipher = v->session_key ? name_tab_lookup(ssh1_cipher_names, v->cipher) : NULL;
}

/* The observation block: the negotiation as the clear-text part showed it. */
static void
ssh_fill_observation(const void *stp, struct obs_proto *p)
{
    const struct ssh_state *st = stp;
    const struct ssh_dir *c = &st->dir[ssh_client_dir(st)], *s = &st->dir[ssh_server_dir(st)];
    struct obs_ssh *o = &p->ssh;
    memset(o, 0, sizeof(*o));
    p->kind = OBS_SSH;
    bool v1 = ssh_is_v1(st);
    zert_str_set(o->version, sizeof(o->version), ssh_effective_version(st), NULL);
    zert_str_set(o->client_banner, sizeof(o->client_banner), c->banner, NULL);
    zert_str_set(o->server_banner, sizeof(o->server_banner), s->banner, NULL);
    zert_str_set(o->hassh, sizeof(o->hassh), c->hassh_c, NULL);
    zert_str_set(o->hassh_server, sizeof(o->hassh_server), s->hassh_s, NULL);
    char *dst[SSH_CAT_N] = {o->kex,     o->hostkey, o->enc_c2s,  o->enc_s2c,
                            o->mac_c2s, o->mac_s2c, o->comp_c2s, o->comp_s2c};
    for (int i = 0; i < SSH_CAT_N; i++) {
        const char *v = ssh_alg(st, i);
        if ((i == SSH_CAT_MAC_C2S || i == SSH_CAT_MAC_S2C) && ssh_mac_implicit(st, i - 2))
            v = NULL; /* implicit in the AEAD cipher */
        if (v1 && (i == SSH_CAT_ENC_C2S || i == SSH_CAT_ENC_S2C) && st->v1.session_key)
            v = name_tab_lookup(ssh1_cipher_names, st->v1.cipher);
        zert_str_set(dst[i], OBS_SSH_NAME_LEN, v, NULL);
    }
    ssh_obs_num(&o->hostkey_bits, st->hostkey_seen && st->hostkey.bits, st->hostkey.bits);
    if (st->hostkey_seen) {
        zert_str_set(o->hostkey_type, sizeof(o->hostkey_type), st->hostkey.type, NULL);
        zert_str_set(o->hostkey_fingerprint_sha256, sizeof(o->hostkey_fingerprint_sha256),
                     st->fp_sha256, NULL);
        zert_str_set(o->hostkey_fingerprint_md5, sizeof(o->hostkey_fingerprint_md5), st->fp_md5,
                     NULL);
    }
    o->hostkey_cert = ssh_tri(st->hostkey_seen && !st->hostkey_malformed, st->hostkey.cert);
    o->hostkey_malformed = st->hostkey_malformed;
    const char *kex = ssh_alg(st, SSH_CAT_KEX);
    o->kex_pq = ssh_tri(kex != NULL, kex && ssh_kex_is_pq(kex));
    o->mac_implicit_c2s =
        ssh_tri(ssh_alg(st, SSH_CAT_ENC_C2S) != NULL, ssh_mac_implicit(st, SSH_CAT_ENC_C2S));
    o->mac_implicit_s2c =
        ssh_tri(ssh_alg(st, SSH_CAT_ENC_S2C) != NULL, ssh_mac_implicit(st, SSH_CAT_ENC_S2C));
    o->strict_kex = ssh_tri(st->negotiated, c->strict_c && s->strict_s);
    o->ext_info_c = ssh_tri(c->kexinit, c->ext_info_c);
    o->ext_info_s = ssh_tri(s->kexinit, s->ext_info_s);
    o->client_pq_offered = ssh_tri(c->kexinit, c->pq);
    o->server_pq_offered = ssh_tri(s->kexinit, s->pq);
    ssh_obs_num(&o->client_kex_algorithms, c->kexinit, c->kex_count);
    ssh_obs_num(&o->server_kex_algorithms, s->kexinit, s->kex_count);
    if (c->follows || s->follows)
        o->first_kex_packet_follows = c->follows && s->follows ? "both"
                                      : c->follows             ? "client"
                                                               : "server";
    o->dh_gex_bits = st->gex_bits;
    int fc = ssh_failed_category(st);
    o->no_common_algorithm = fc >= 0 ? ssh_cat_keys[fc] : NULL;
    o->roles_reversed = ssh_tri(st->roles != SSH_ROLES_UNKNOWN, st->roles == SSH_ROLES_REVERSED);
    o->disconnect = st->disconnect;
    if (st->disconnect) {
        o->disconnect_by = st->disconnect_by == ssh_client_dir(st) ? "client" : "server";
        o->disconnect_reason =
            v1 ? NULL : name_tab_lookup(ssh_disconnect_names, st->disconnect_reason);
    }
    o->v1 = v1;
    if (v1)
        ssh_obs_v1(st, &o->v1_facts);
    o->established = ssh_established(st);
    o->rekey_observable = false; /* rekeys happen inside the encrypted transport */
}

static void
ssh_get_observation(const void *stp, struct observation_facts *o)
{
    const struct ssh_state *st = stp;
    /* TCP roles here: these facts are about the connection's byte streams */
    const struct ssh_dir *c = &st->dir[DIR_C2S], *s = &st->dir[DIR_S2C];
    /* one side spoke SSH, the other sent bytes but never an identification line */
    bool not_ssh = st->client_not_ssh || (c->seen && !c->gap && !c->banner[0] && s->banner[0]) ||
                   (s->seen && !s->gap && !s->banner[0] && c->banner[0] && s->phase == SSH_PH_DONE);
    o->established = ssh_established(st);
    o->failed = !o->established &&
                (st->disconnect || ssh_failed_category(st) >= 0 || st->version_mismatch || not_ssh);
    o->early_close = st->disconnect;
    /* The identification line opened the connection (RFC 4253 lets the server send lines first). */
    if (c->seen)
        o->handshake_first = c->banner[0] && c->banner_first;
    else
        o->handshake_first = s->banner[0] != '\0';
    o->incomplete = false;
    o->incomplete_why = NULL;
    if (o->established || o->failed)
        return;
    o->incomplete = true;
    if (c->stop && !c->newkeys)
        o->incomplete_why = c->stop;
    else if (s->stop && !s->newkeys)
        o->incomplete_why = s->stop;
    else if (!c->seen)
        o->incomplete_why = "client side not seen";
    else if (!s->seen)
        o->incomplete_why = "server side not seen";
    else if (!c->banner[0] || !s->banner[0])
        o->incomplete_why = "identification not finished when the connection ended";
    else
        o->incomplete_why = "key exchange not finished when the connection ended";
}

/* "SHA256:<base64 without padding>" back to the 32 digest bytes; 0 when it is not that form. */
static size_t
ssh_fp_bytes(const char *fp, uint8_t out[32])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (strncmp(fp, "SHA256:", 7) != 0)
        return 0;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (const char *q = fp + 7; *q && *q != '='; q++) {
        const char *pos = strchr(b64, *q);
        if (!pos)
            return 0;
        acc = acc << 6 | (uint32_t)(pos - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == 32)
                return 0;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n == 32 ? n : 0;
}

/* The key family of an SSH public key format (the record keeps RSA, DSA, EC, Ed25519, ...). */
static const char *
ssh_key_family(const char *type)
{
    static const struct {
        const char *prefix;
        const char *family;
    } fam[] = {
        {"ssh-rsa", "RSA"},
        {"rsa-sha2-", "RSA"},
        {"ssh-dss", "DSA"},
        {"ecdsa-sha2-", "EC"},
        {"sk-ecdsa-sha2-", "EC"},
        {"ssh-ed25519", "Ed25519"},
        {"sk-ssh-ed25519", "Ed25519"},
        {"ssh-ed448", "Ed448"},
        {"x509v3-ssh-rsa", "RSA"},
        {"rsa1", "RSA1"},
    };
    for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++)
        if (strncmp(type, fam[i].prefix, strlen(fam[i].prefix)) == 0)
            return fam[i].family;
    return type[0] ? type : NULL; /* unknown formats keep their own name */
}

/* The record's SSH block: the same facts as the JSON object, in the neutral record. */
static void
ssh_fill_record(const void *stp, struct zert_detail *rec)
{
    const struct ssh_state *st = stp;
    const struct ssh_dir *c = &st->dir[ssh_client_dir(st)], *sv = &st->dir[ssh_server_dir(st)];
    struct zert_ssh *z = &rec->ssh;
    if (!c->seen && !sv->seen)
        return;
    z->present = true;
    ZERT_STR_SET(rec, z->version, ssh_effective_version(st));
    ZERT_STR_SET(rec, z->client_banner, c->banner);
    ZERT_STR_SET(rec, z->server_banner, sv->banner);
    char *dst[SSH_CAT_N] = {z->kex,     z->hostkey, z->enc_c2s,  z->enc_s2c,
                            z->mac_c2s, z->mac_s2c, z->comp_c2s, z->comp_s2c};
    size_t cap[SSH_CAT_N] = {sizeof(z->kex),      sizeof(z->hostkey), sizeof(z->enc_c2s),
                             sizeof(z->enc_s2c),  sizeof(z->mac_c2s), sizeof(z->mac_s2c),
                             sizeof(z->comp_c2s), sizeof(z->comp_s2c)};
    bool v1 = ssh_is_v1(st);
    for (int i = 0; i < SSH_CAT_N; i++) {
        const char *v = ssh_alg(st, i);
        if ((i == SSH_CAT_MAC_C2S || i == SSH_CAT_MAC_S2C) && ssh_mac_implicit(st, i - 2))
            v = NULL; /* implicit in the AEAD cipher */
        if (v1 && (i == SSH_CAT_ENC_C2S || i == SSH_CAT_ENC_S2C) && st->v1.session_key)
            v = name_tab_lookup(ssh1_cipher_names, st->v1.cipher);
        zert_str_set(dst[i], cap[i], v, &rec->truncated);
    }
    if (st->hostkey_seen && st->hostkey.bits)
        zert_num_set(&z->hostkey_bits, st->hostkey.bits);
    const char *fam = st->hostkey_seen ? ssh_key_family(st->hostkey.type) : NULL;
    if (fam && st->hostkey.cert) {
        char certfam[32];
        snprintf(certfam, sizeof(certfam), "%s-CERT", fam); /* an OpenSSH host certificate */
        ZERT_STR_SET(rec, z->hostkey_type, certfam);
    } else if (fam) {
        ZERT_STR_SET(rec, z->hostkey_type, fam);
    }
    ZERT_STR_SET(rec, z->hassh, c->hassh_c);
    ZERT_STR_SET(rec, z->hassh_server, sv->hassh_s);
    uint8_t fp[32];
    if (st->hostkey_seen && ssh_fp_bytes(st->fp_sha256, fp))
        zert_bytes_set(&z->hostkey_fp, fp, sizeof(fp), sizeof(fp), &rec->truncated);
}

const struct stream_dissector ssh_dissector = {
    .name = "ssh",
    .protection = ZERT_PROT_SSH,
    .probe = ssh_probe,
    .state_new = ssh_state_new,
    .state_free = ssh_state_free,
    .on_data = ssh_on_data,
    .on_gap = ssh_on_gap,
    .on_end = ssh_on_end,
    .fill_observation = ssh_fill_observation,
    .fill_record = ssh_fill_record,
    .get_observation = ssh_get_observation,
};
