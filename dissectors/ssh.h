/* ssh.h - SSH stream dissector (banners, KEXINIT negotiation, host key, NEWKEYS, SSHv1). */
#ifndef ZS_SSH_H
#define ZS_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "dissector.h"

extern const struct stream_dissector ssh_dissector;

/* Names longer than this are invalid (RFC 4251 §6) and never match in negotiation. */
#define SSH_NAME_MAX 64

/* "SHA256:" + 43 base64 characters + NUL; MD5 colon-hex: 16 * 3 - 1 + NUL. */
#define SSH_FP_SHA256_LEN 51
#define SSH_FP_MD5_LEN    48

/* Outcome of RFC 4253 §7.1 negotiation over one pair of name-lists. */
enum ssh_neg_result {
    SSH_NEG_FOUND,   /* `out` holds the negotiated name */
    SSH_NEG_NONE,    /* no name in common: the key exchange fails */
    SSH_NEG_UNKNOWN, /* a list was cut (bounded copy, too many names): cannot tell */
};

/*
 * RFC 4253 §7.1: the first name on the client's list that is also on the
 * server's. `kex` skips the pseudo-algorithms (ext-info-c/-s,
 * kex-strict-c/s-v00@openssh.com) that are never a key exchange method.
 * A list marked `cut` was truncated at a name boundary: a miss is then
 * SSH_NEG_UNKNOWN rather than SSH_NEG_NONE. `out` needs SSH_NAME_MAX + 1 bytes.
 */
enum ssh_neg_result ssh_negotiate_names(struct cursor client, bool client_cut, struct cursor server,
                                        bool server_cut, bool kex, char *out);

/* True for a name that is signalling in the kex list, not a key exchange method. */
bool ssh_kex_is_pseudo(const char *name);

/* True for ciphers whose MAC is implicit (chacha20-poly1305@openssh.com, aes*-gcm@openssh.com). */
bool ssh_cipher_is_aead(const char *name);

/* True for post-quantum hybrid key exchanges (mlkem768x25519-sha256, sntrup761x25519-...). */
bool ssh_kex_is_pq(const char *name);

/* OpenSSH fingerprints of a public key blob: "SHA256:<base64, no padding>", "aa:bb:...". */
void ssh_fingerprint_sha256(const uint8_t *blob, size_t len, char out[SSH_FP_SHA256_LEN]);
void ssh_fingerprint_md5(const uint8_t *blob, size_t len, char out[SSH_FP_MD5_LEN]);

/* What a host key blob says: type name, size in bits (0 when unknown), certificate or not. */
struct ssh_hostkey_info {
    char type[SSH_NAME_MAX + 1];
    uint32_t bits;
    bool cert;
};

/* Parse a host key blob (RFC 4253 §6.6, RFC 5656, RFC 8709, OpenSSH certificates). */
bool ssh_parse_hostkey(struct cursor blob, struct ssh_hostkey_info *out);

/*
 * The protocol version of an identification line ("SSH-2.0-OpenSSH_9.7 c"):
 * copies "2.0" into `out` (cap bytes). False when the line is not
 * "SSH-protoversion-softwareversion".
 */
bool ssh_banner_version(const char *line, size_t len, char *out, size_t cap);

#endif
