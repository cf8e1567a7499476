/* smf_codes.h - the one mapping between protocol values/names and IBM zERT (SMF 119) codes. */
#ifndef ZS_SMF_CODES_H
#define ZS_SMF_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "name_tab.h"

/*
 * IBM's code lists (smf119-zert.md §3.8) are truncated in our sources. Where
 * IBM's value is unknown we use a provisional value >= SMF_CODE_PROVISIONAL
 * so that no IBM tool mistakes it for a real one; every such value is listed
 * in docs/smf-provisional-codes.md (the unit test checks the list).
 */
#define SMF_CODE_PROVISIONAL 0x8000

/*
 * The code tables are name tables (name_tab.h): {IBM code, name}, ending with {0, NULL}. The
 * first entry of a code is its canonical name (used when reading back); later entries are
 * aliases.
 */

/* IKE encryption: transform name plus key length -> IBM symmetric cipher code. */
struct smf_ike_encr {
    uint16_t code;
    const char *name;
    uint16_t key_bits; /* 0: no key length attribute */
};

/* Shared IBM code spaces (the "same codes as ..." fields). */
enum smf_enc_code {
    SMF_ENC_UNKNOWN = 0,
    SMF_ENC_NONE = 1,
    SMF_ENC_DES = 2,
    SMF_ENC_DES40 = 3,
    SMF_ENC_3DES = 4,
    SMF_ENC_RC2_40 = 5,
    SMF_ENC_RC2_128 = 6,
    SMF_ENC_RC2 = 7,
    SMF_ENC_RC4_40 = 8,
    SMF_ENC_RC4_128 = 9,
    SMF_ENC_RC4_256 = 0x0A,
    SMF_ENC_AES128_CBC = 0x8001, /* provisional from here on */
    SMF_ENC_AES256_CBC,
    SMF_ENC_AES128_GCM,
    SMF_ENC_AES256_GCM,
    SMF_ENC_AES128_CCM,
    SMF_ENC_AES256_CCM,
    SMF_ENC_AES128_CCM8,
    SMF_ENC_AES256_CCM8,
    SMF_ENC_CHACHA20_POLY1305,
    SMF_ENC_AES128_CTR,
    SMF_ENC_AES192_CTR,
    SMF_ENC_AES256_CTR,
    SMF_ENC_AES192_CBC,
    SMF_ENC_CAMELLIA128_CBC,
    SMF_ENC_CAMELLIA256_CBC,
    SMF_ENC_IDEA_CBC,
    SMF_ENC_SEED_CBC,
    SMF_ENC_ARIA128_GCM,
    SMF_ENC_ARIA256_GCM,
    SMF_ENC_AES192_GCM,
    SMF_ENC_BLOWFISH_CBC,
    SMF_ENC_CAST128_CBC,
    SMF_ENC_CAMELLIA192_CBC,
    SMF_ENC_CAMELLIA128_GCM,
    SMF_ENC_CAMELLIA256_GCM,
};

enum smf_mac_code {
    SMF_MAC_UNKNOWN = 0,
    SMF_MAC_NONE = 1, /* none, or implicit in an AEAD cipher */
    SMF_MAC_MD2 = 2,
    SMF_MAC_HMAC_MD5 = 3,
    SMF_MAC_HMAC_SHA1 = 4,
    SMF_MAC_HMAC_SHA256 = 5, /* inferred: "5 HMAC-SHA2..." is cut in our copy */
    SMF_MAC_HMAC_SHA384 = 0x8001,
    SMF_MAC_HMAC_SHA512,
    SMF_MAC_AES_XCBC,
    SMF_MAC_AES_CMAC,
    SMF_MAC_UMAC64,
    SMF_MAC_UMAC128,
    SMF_MAC_AES_GMAC,
};

/* TLS protocol version names and codes: tls_version_name() and tls_version_code(). */
const char *smf_codes_tls_version_name(uint16_t code, char *buf, size_t len);
uint16_t smf_codes_tls_version_code(const char *name);

/* Name -> code (case-insensitive; NULL, "" or unknown names give 0, IBM's "unknown"). */
uint16_t smf_codes_find(const struct name_tab *tab, const char *name);

/*
 * The one spelling records use for an algorithm of `kind` ("tls_enc", "ike_encr", "ike_auth",
 * "ssh_kex", "ssh_enc"): the code table's name when `name` is another spelling of the same
 * algorithm (IKEv1's attribute names, SSLv2's cipher kinds, pre-RFC OpenSSH names), else
 * `name` itself. A truncated MAC or a shorter ICV is another algorithm and keeps its name.
 */
const char *smf_codes_spelling(const char *kind, const char *name);
/* Code -> canonical name; NULL when the code is 0 or not in the table. */
const char *smf_codes_name(const struct name_tab *tab, uint16_t code);

/*
 * TLS_CS_Kex_Alg is suite-style, as IBM's list is (RSA, RSA_EXPORT, DH_RSA, DHE_RSA, ECDHE_ECDSA,
 * ...): the suite's key exchange with its authentication and export grade, as the IANA suite
 * name spells them between "TLS_" and "_WITH_". TLS 1.3 suites name neither: the key exchange
 * is then the group's kind (ECDHE, DHE, ECDHE-MLKEM, ...), _PSK when a PSK was accepted.
 * The reader splits a code back into the record's kex and auth.
 */
uint16_t smf_codes_tls_kex(const char *cipher_name, const char *kex, const char *auth);
void smf_codes_tls_kex_split(uint16_t code, char *kex, size_t kcap, char *auth, size_t acap);

uint16_t smf_codes_ike_encr_find(const char *name, uint64_t key_bits, bool bits_known);
/* Code -> IKE transform name and key length (0: none); false when unknown. */
bool smf_codes_ike_encr_name(uint16_t code, const char **name, uint16_t *key_bits);

/*
 * SSH MAC names: "<mac>-etm@openssh.com" maps to the code of <mac> plus the
 * Encrypt-then-MAC flag. Returns the code; *etm tells whether the suffix was there.
 */
uint16_t smf_codes_ssh_mac_find(const char *name, bool *etm);
/* Code + EtM flag -> name in buf; NULL when the code is unknown. */
const char *smf_codes_ssh_mac_name(uint16_t code, bool etm, char *buf, size_t len);

/* SSH host key algorithm -> key type name (RSA, EC, Ed25519, ...); NULL if unknown. */
const char *smf_codes_ssh_hostkey_type(const char *hostkey);
/*
 * The SSH-1 name of an SSH-2 cipher name of the same IBM code ("3des-cbc" -> "3des",
 * "des-cbc" -> "des", "blowfish-cbc" -> "blowfish"); `name` itself when SSH-1 has none. A
 * record read back from SMF with SSH_Prot_Ver 1 names its ciphers as SSH-1 did.
 */
const char *smf_codes_ssh1_enc_name(const char *name);

/* IANA DH / key-exchange group number <-> IBM DHGroup code (the same number). */
uint16_t smf_codes_dh_group(uint64_t iana);

extern const struct name_tab smf_tls_enc_codes[];      /* TLS_CS_Enc_Alg */
extern const struct name_tab smf_tls_mac_codes[];      /* TLS_CS_Msg_Auth */
extern const struct name_tab smf_tls_kex_codes[];      /* TLS_CS_Kex_Alg */
extern const struct name_tab smf_cert_sig_codes[];     /* *Cert_Signature_Method */
extern const struct name_tab smf_cert_enc_codes[];     /* *Cert_Enc_Method, by key type */
extern const struct name_tab smf_cert_digest_codes[];  /* *Cert_Digest_Alg */
extern const struct name_tab smf_cert_key_codes[];     /* *Cert_Key_Type */
extern const struct name_tab smf_ssh_enc_codes[];      /* SSH_In/Out_Enc_Alg */
extern const struct name_tab smf_ssh_mac_codes[];      /* SSH_In/Out_Msg_Auth (no -etm) */
extern const struct name_tab smf_ssh_kex_codes[];      /* SSH_Kex_Method */
extern const struct name_tab smf_ssh_hostkey_codes[];  /* host key algorithm -> SKey_Type */
extern const struct name_tab smf_ssh_key_type_codes[]; /* SKey_Type -> key type name */
extern const struct name_tab smf_ike_auth_codes[];     /* IKETunLcl/RmtAuthMeth */
extern const struct name_tab smf_ike_prf_codes[];      /* IKETunPseudoRandFunc */
extern const struct name_tab smf_ike_integ_codes[];    /* IKETunAuthAlg (IBM MAC codes) */
extern const struct smf_ike_encr smf_ike_encr_codes[]; /* IKETunEncAlg (IBM cipher codes) */

/*
 * Code spaces: the fields that share one IBM code list ("same codes as TLS_CS_Enc_Alg", ...).
 * A learned IBM code replaces a provisional code in its whole space.
 */
enum smf_code_space {
    SMF_SPACE_ENC,         /* TLS_CS_Enc_Alg, SSH_In/Out_Enc_Alg, IKETunEncAlg, IPSec_EncAlg */
    SMF_SPACE_MAC,         /* TLS_CS_Msg_Auth, SSH_In/Out_Msg_Auth, IKETunAuthAlg, IPSec_AuthAlg */
    SMF_SPACE_TLS_KEX,     /* TLS_CS_Kex_Alg */
    SMF_SPACE_CERT_SIG,    /* *Cert_Signature_Method */
    SMF_SPACE_CERT_ENC,    /* *Cert_Enc_Method */
    SMF_SPACE_CERT_DIGEST, /* *Cert_Digest_Alg */
    SMF_SPACE_CERT_KEY,    /* *Cert_Key_Type */
    SMF_SPACE_SSH_KEX,     /* SSH_Kex_Method */
    SMF_SPACE_SSH_KEY,     /* SSH_SKey_Type, SSH_CKey_Type */
    SMF_SPACE_IKE_AUTH,    /* IKETunLcl/RmtAuthMeth */
    SMF_SPACE_IKE_PRF,     /* IKETunPseudoRandFunc */
    SMF_SPACE_COUNT,
};

/* "enc", "mac", "tls_kex", ... (the code-table file's first column); NULL out of range. */
const char *smf_code_space_name(enum smf_code_space sp);
/* The space of a name; SMF_SPACE_COUNT when there is none. */
enum smf_code_space smf_code_space_find(const char *name);
/* The space a table belongs to; SMF_SPACE_COUNT for a table outside every space. */
enum smf_code_space smf_code_space_of(const struct name_tab *tab);

/* The table's own code of a name, learned codes left aside (0: unknown name). */
uint16_t smf_codes_table_code(const struct name_tab *tab, const char *name);
/* The canonical name of a code as read (learned codes applied; the first table of the space
 * that has it); NULL when no algorithm of the space has that code. */
const char *smf_codes_space_name_of(enum smf_code_space sp, uint16_t code);

/*
 * Learned IBM codes (docs/compare.md): the provisional code `prov` of space `sp` is written
 * as `ibm` and `ibm` is read back as prov's algorithm. Every lookup above (smf_codes_find,
 * smf_codes_name, the IKE and SSH helpers) applies them. The set is process-wide, like the
 * tables: it is loaded once at start-up, before records are written or read.
 * -1 with a message when prov is not provisional, ibm is 0 or already names another
 * algorithm of the space, or prov already has another learned code.
 */
int smf_codes_learn(enum smf_code_space sp, uint16_t prov, uint16_t ibm, char *err, size_t errlen);
/* The table code a code read stands for: a learned IBM code gives its provisional code. */
uint16_t smf_codes_canonical(enum smf_code_space sp, uint16_t code);
/* The learned code of a provisional code, or 0. */
uint16_t smf_codes_learned(enum smf_code_space sp, uint16_t prov);
/* Forget every learned code (tests). */
void smf_codes_forget(void);
/*
 * Read a code-table file: lines "SPACE CODE NAME" (CODE as 0xNNNN or decimal; NAME any alias
 * of a provisional algorithm of the space, to the end of the line), '#' comments, blank lines.
 * -1 with "FILE:LINE: message" in err; nothing of a bad file is kept.
 */
int smf_codes_load(const char *path, char *err, size_t errlen);
/* One line of that file for a provisional code of a space, with an optional comment. */
int smf_codes_write_line(FILE *out, enum smf_code_space sp, uint16_t prov, uint16_t ibm,
                         const char *comment);

/* Every name table, for documentation and tests. Ends with {NULL, NULL}. */
struct smf_code_table {
    const char *field;
    const struct name_tab *codes;
};
extern const struct smf_code_table smf_code_tables[];

#endif
