/* smf_codes.c - the one table from protocol values and names to IBM zERT (SMF 119) codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smf_codes.h"
#include "tls_version.h"

/*
 * Confirmed codes are from smf119-zert.md §3.8. Codes >= X'8000' are
 * provisional (IBM's list is cut in our sources) and are listed, with the
 * inferred ones, in docs/smf-provisional-codes.md.
 */

const struct name_tab smf_tls_enc_codes[] = {
    {SMF_ENC_NONE, "NULL"},
    {SMF_ENC_DES, "DES-CBC"},
    {SMF_ENC_DES40, "DES40-CBC"},
    {SMF_ENC_3DES, "3DES-EDE-CBC"},
    {SMF_ENC_RC2_40, "RC2-CBC-40"},
    {SMF_ENC_RC2_128, "RC2-CBC-128"},
    {SMF_ENC_RC4_40, "RC4-40"},
    {SMF_ENC_RC4_128, "RC4-128"},
    {SMF_ENC_AES128_CBC, "AES-128-CBC"},
    {SMF_ENC_AES256_CBC, "AES-256-CBC"},
    {SMF_ENC_AES128_GCM, "AES-128-GCM"},
    {SMF_ENC_AES256_GCM, "AES-256-GCM"},
    {SMF_ENC_AES128_CCM, "AES-128-CCM"},
    {SMF_ENC_AES256_CCM, "AES-256-CCM"},
    {SMF_ENC_AES128_CCM8, "AES-128-CCM-8"},
    {SMF_ENC_AES256_CCM8, "AES-256-CCM-8"},
    {SMF_ENC_CHACHA20_POLY1305, "CHACHA20-POLY1305"},
    {SMF_ENC_CAMELLIA128_CBC, "CAMELLIA-128-CBC"},
    {SMF_ENC_CAMELLIA256_CBC, "CAMELLIA-256-CBC"},
    {SMF_ENC_CAMELLIA128_GCM, "CAMELLIA-128-GCM"},
    {SMF_ENC_CAMELLIA256_GCM, "CAMELLIA-256-GCM"},
    {SMF_ENC_IDEA_CBC, "IDEA-CBC"},
    {SMF_ENC_SEED_CBC, "SEED-CBC"},
    {SMF_ENC_ARIA128_GCM, "ARIA-128-GCM"},
    {SMF_ENC_ARIA256_GCM, "ARIA-256-GCM"},
    {SMF_ENC_3DES, "DES-192-EDE3-CBC"},
    {SMF_ENC_DES, "DES-64-CBC"},
    {SMF_ENC_DES40, "DES-CBC-40"},
    {SMF_ENC_RC2_128, "RC2-128-CBC"},
    {SMF_ENC_RC2_40, "RC2-128-CBC-EXPORT40"},
    {SMF_ENC_RC4_40, "RC4-128-EXPORT40"},
    {SMF_ENC_IDEA_CBC, "IDEA-128-CBC"},
    {SMF_ENC_3DES, "3DES"},
    {SMF_ENC_DES, "DES"},
    {0, NULL},
};

const struct name_tab smf_tls_mac_codes[] = {
    {SMF_MAC_NONE, "AEAD"},
    {SMF_MAC_NONE, "NULL"},
    {SMF_MAC_HMAC_MD5, "HMAC-MD5"},
    {SMF_MAC_HMAC_SHA1, "HMAC-SHA1"},
    {SMF_MAC_HMAC_SHA256, "HMAC-SHA256"},
    {SMF_MAC_HMAC_SHA384, "HMAC-SHA384"},
    {SMF_MAC_HMAC_MD5, "MD5"},
    {SMF_MAC_HMAC_SHA1, "SHA1"},
    {SMF_MAC_HMAC_SHA1, "SHA"},
    {SMF_MAC_HMAC_SHA256, "SHA256"},
    {SMF_MAC_HMAC_SHA384, "SHA384"},
    {0, NULL},
};

const struct name_tab smf_tls_kex_codes[] = {
    {1, "NULL"},
    {2, "RSA"},
    {3, "RSA_EXPORT"},
    {4, "RSA_PSK"},
    {5, "DH_RSA"},
    {6, "DH_RSA_EXPORT"},
    {7, "DH_DSS"},
    {8, "DH_anon"},
    {9, "DH_anon_EXPORT"},
    {0x8001, "DH_DSS_EXPORT"},
    {0x8002, "DHE_RSA"},
    {0x8003, "DHE_RSA_EXPORT"},
    {0x8004, "DHE_DSS"},
    {0x8005, "DHE_DSS_EXPORT"},
    {0x8006, "ECDH_RSA"},
    {0x8007, "ECDH_ECDSA"},
    {0x8008, "ECDHE_RSA"},
    {0x8009, "ECDHE_ECDSA"},
    {0x800A, "ECDH_anon"},
    {0x800B, "PSK"},
    {0x800C, "DHE_PSK"},
    {0x800D, "ECDHE_PSK"},
    {0x800E, "DHE"},
    {0x800F, "ECDHE"},
    {0x8010, "SRP"},
    {0x8011, "KRB5"},
    {0x8012, "DH"},
    {0x8013, "ECDH"},
    {0x8014, "FORTEZZA_KEA"},
    /* TLS 1.3 post-quantum and hybrid groups (the dissector's kex names for them) */
    {0x8015, "ECDHE-MLKEM"},
    {0x8016, "ECDHE-KYBER"},
    {0x8017, "MLKEM"},
    {0x8018, "ECDHE-MLKEM_PSK"},
    {0x8019, "ECDHE-KYBER_PSK"},
    {0x801A, "MLKEM_PSK"},
    {0, NULL},
};

const struct name_tab smf_cert_sig_codes[] = {
    {1, "none"},
    {2, "md2WithRSAEncryption"},
    {3, "md5WithRSAEncryption"},
    {4, "sha1WithRSAEncryption"},
    {5, "dsaWithSHA1"},
    {6, "sha224WithRSAEncryption"},
    {7, "sha256WithRSAEncryption"},
    {8, "sha384WithRSAEncryption"},
    {0x8001, "sha512WithRSAEncryption"},
    {0x8002, "dsa_with_SHA224"},
    {0x8003, "dsa_with_SHA256"},
    {0x8004, "ecdsa-with-SHA1"},
    {0x8005, "ecdsa-with-SHA224"},
    {0x8006, "ecdsa-with-SHA256"},
    {0x8007, "ecdsa-with-SHA384"},
    {0x8008, "ecdsa-with-SHA512"},
    {0x8009, "rsassaPss"},
    {0x800A, "ED25519"},
    {0x800B, "ED448"},
    {0x800C, "ML-DSA-44"},
    {0x800D, "ML-DSA-65"},
    {0x800E, "ML-DSA-87"},
    {5, "dsa-with-SHA1"},
    {0x8009, "RSASSA-PSS"},
    {0x800A, "Ed25519"},
    {0x800B, "Ed448"},
    {0, NULL},
};

/* Certificate public-key ("encryption") method, keyed by the record's key type name. */
const struct name_tab smf_cert_enc_codes[] = {
    {2, "RSA"},
    {3, "DSA"},
    {4, "EC"},
    {0x8001, "Ed25519"},
    {0x8001, "Ed448"},
    {0x8002, "ML-DSA-44"},
    {0x8002, "ML-DSA-65"},
    {0x8002, "ML-DSA-87"},
    {2, "RSASSA-PSS"},
    {0, NULL},
};

const struct name_tab smf_cert_digest_codes[] = {
    {1, "none"},    {2, "MD2"},     {3, "MD5"},     {4, "SHA1"},  {5, "SHA224"},
    {6, "SHA256"},  {7, "SHA384"},  {8, "SHA512"},  {4, "SHA-1"}, {5, "SHA-224"},
    {6, "SHA-256"}, {7, "SHA-384"}, {8, "SHA-512"}, {0, NULL},
};

const struct name_tab smf_cert_key_codes[] = {
    {1, "none"},
    {2, "RSA"},
    {3, "DSA"},
    {4, "DH"},
    {5, "EC"},
    {0x8001, "Ed25519"},
    {0x8002, "Ed448"},
    {0x8003, "ML-DSA-44"},
    {0x8004, "ML-DSA-65"},
    {0x8005, "ML-DSA-87"},
    {0x8006, "RSASSA-PSS"},
    {5, "ECC"},
    {5, "ECDSA"},
    {0, NULL},
};

const struct name_tab smf_ssh_enc_codes[] = {
    {SMF_ENC_NONE, "none"},
    {SMF_ENC_DES, "des-cbc"},
    {SMF_ENC_3DES, "3des-cbc"},
    {SMF_ENC_RC4_128, "arcfour128"},
    {SMF_ENC_RC4_256, "arcfour256"},
    {SMF_ENC_AES128_CBC, "aes128-cbc"},
    {SMF_ENC_AES192_CBC, "aes192-cbc"},
    {SMF_ENC_AES256_CBC, "aes256-cbc"},
    {SMF_ENC_AES128_CTR, "aes128-ctr"},
    {SMF_ENC_AES192_CTR, "aes192-ctr"},
    {SMF_ENC_AES256_CTR, "aes256-ctr"},
    {SMF_ENC_AES128_GCM, "aes128-gcm@openssh.com"},
    {SMF_ENC_AES256_GCM, "aes256-gcm@openssh.com"},
    {SMF_ENC_CHACHA20_POLY1305, "chacha20-poly1305@openssh.com"},
    {SMF_ENC_BLOWFISH_CBC, "blowfish-cbc"},
    {SMF_ENC_CAST128_CBC, "cast128-cbc"},
    {SMF_ENC_CAMELLIA128_CBC, "camellia128-cbc@openssh.org"},
    {SMF_ENC_CAMELLIA256_CBC, "camellia256-cbc@openssh.org"},
    {SMF_ENC_RC4_128, "arcfour"},
    {SMF_ENC_AES256_CBC, "rijndael-cbc@lysator.liu.se"},
    /* SSH protocol 1 cipher names (SSH_CMSG_SESSION_KEY): same algorithms, CBC chaining */
    {SMF_ENC_3DES, "3des"},
    {SMF_ENC_DES, "des"},
    {SMF_ENC_BLOWFISH_CBC, "blowfish"},
    {0, NULL},
};

const struct name_tab smf_ssh_mac_codes[] = {
    {SMF_MAC_NONE, "none"},
    {SMF_MAC_HMAC_MD5, "hmac-md5"},
    {SMF_MAC_HMAC_SHA1, "hmac-sha1"},
    {SMF_MAC_HMAC_SHA256, "hmac-sha2-256"},
    {SMF_MAC_HMAC_SHA512, "hmac-sha2-512"},
    {SMF_MAC_UMAC64, "umac-64@openssh.com"},
    {SMF_MAC_UMAC128, "umac-128@openssh.com"},
    {SMF_MAC_HMAC_MD5, "hmac-md5-96"},
    {SMF_MAC_HMAC_SHA1, "hmac-sha1-96"},
    {0, NULL},
};

const struct name_tab smf_ssh_kex_codes[] = {
    {1, "none"},
    {2, "diffie-hellman-group-exchange-sha256"},
    {3, "diffie-hellman-group-exchange-sha1"},
    {4, "diffie-hellman-group14-sha1"},
    {5, "diffie-hellman-group1-sha1"},
    {6, "ecdh-sha2-nistp256"},
    {0x8001, "ecdh-sha2-nistp384"},
    {0x8002, "ecdh-sha2-nistp521"},
    {0x8003, "curve25519-sha256"},
    {0x8004, "diffie-hellman-group14-sha256"},
    {0x8005, "diffie-hellman-group16-sha512"},
    {0x8006, "diffie-hellman-group18-sha512"},
    {0x8007, "sntrup761x25519-sha512"},
    {0x8008, "mlkem768x25519-sha256"},
    {0x8009, "curve448-sha512"},
    {0x8003, "curve25519-sha256@libssh.org"},
    {0x8007, "sntrup761x25519-sha512@openssh.com"},
    {0, NULL},
};

/* Host key algorithm -> SSH raw key type code (SKey_Type). */
const struct name_tab smf_ssh_hostkey_codes[] = {
    {2, "ssh-rsa"},
    {2, "rsa-sha2-256"},
    {2, "rsa-sha2-512"},
    {3, "ssh-dss"},
    {5, "ecdsa-sha2-nistp256"},
    {5, "ecdsa-sha2-nistp384"},
    {5, "ecdsa-sha2-nistp521"},
    {7, "ssh-rsa-cert-v01@openssh.com"},
    {7, "rsa-sha2-256-cert-v01@openssh.com"},
    {7, "rsa-sha2-512-cert-v01@openssh.com"},
    {8, "ssh-dss-cert-v01@openssh.com"},
    {0x8001, "ssh-ed25519"},
    {0x8002, "ecdsa-sha2-nistp256-cert-v01@openssh.com"},
    {0x8002, "ecdsa-sha2-nistp384-cert-v01@openssh.com"},
    {0x8002, "ecdsa-sha2-nistp521-cert-v01@openssh.com"},
    {0x8003, "ssh-ed25519-cert-v01@openssh.com"},
    {0x8004, "ssh-ed448"},
    {0, NULL},
};

const struct name_tab smf_ssh_key_type_codes[] = {
    {1, "none"},
    {2, "RSA"},
    {3, "DSA"},
    {4, "DH"},
    {5, "EC"},
    {6, "RSA1"},
    {7, "RSA-CERT"},
    {8, "DSA-CERT"},
    {0x8001, "Ed25519"},
    {0x8002, "EC-CERT"},
    {0x8003, "Ed25519-CERT"},
    {0x8004, "Ed448"},
    {0, NULL},
};

const struct name_tab smf_ike_auth_codes[] = {
    {1, "NONE"},
    {2, "RSA-SIG"},
    {3, "PSK"},
    {4, "ECDSA-256"},
    {5, "ECDSA-384"},
    {6, "ECDSA-521"},
    {0x8001, "DSS-SIG"},
    {0x8002, "RSA-ENC"},
    {0x8003, "DIGITAL-SIGNATURE"},
    {0x8004, "NULL-AUTH"},
    {2, "RSA signatures"}, /* IKEv1 attribute class 3 spellings */
    {4, "ECDSA-SHA256-P256"},
    {5, "ECDSA-SHA384-P384"},
    {6, "ECDSA-SHA512-P521"},
    {0x8001, "DSS signatures"},
    {0x8002, "RSA encryption"},
    {0x8002, "Revised RSA encryption"},
    {0, NULL},
};

const struct name_tab smf_ike_prf_codes[] = {
    {1, "NONE"},           {2, "HMAC-SHA2-256"},    {3, "HMAC-SHA2-384"},
    {4, "HMAC-SHA2-512"},  {5, "AES128-XCBC"},      {6, "HMAC-MD5"},
    {0x8001, "HMAC-SHA1"}, {0x8002, "AES128-CMAC"}, {0, NULL},
};

/* IKE SA integrity (IKEv2 INTEG, IKEv1 hash) in IBM MAC codes. */
const struct name_tab smf_ike_integ_codes[] = {
    {SMF_MAC_NONE, "NONE"},
    {SMF_MAC_HMAC_MD5, "HMAC-MD5-96"},
    {SMF_MAC_HMAC_SHA1, "HMAC-SHA1-96"},
    {SMF_MAC_HMAC_SHA256, "HMAC-SHA2-256-128"},
    {SMF_MAC_HMAC_SHA384, "HMAC-SHA2-384-192"},
    {SMF_MAC_HMAC_SHA512, "HMAC-SHA2-512-256"},
    {SMF_MAC_AES_XCBC, "AES-XCBC-96"},
    {SMF_MAC_AES_CMAC, "AES-CMAC-96"},
    {SMF_MAC_AES_GMAC, "AES-128-GMAC"},
    {SMF_MAC_HMAC_MD5, "MD5"},
    {SMF_MAC_HMAC_SHA1, "SHA1"},
    {SMF_MAC_HMAC_SHA256, "SHA2-256"},
    {SMF_MAC_HMAC_SHA384, "SHA2-384"},
    {SMF_MAC_HMAC_SHA512, "SHA2-512"},
    {0, NULL},
};

const struct smf_ike_encr smf_ike_encr_codes[] = {
    {SMF_ENC_NONE, "NULL", 0},
    {SMF_ENC_DES, "DES", 0},
    {SMF_ENC_3DES, "3DES", 0},
    {SMF_ENC_AES128_CBC, "AES-CBC", 128},
    {SMF_ENC_AES192_CBC, "AES-CBC", 192},
    {SMF_ENC_AES256_CBC, "AES-CBC", 256},
    {SMF_ENC_AES128_CTR, "AES-CTR", 128},
    {SMF_ENC_AES192_CTR, "AES-CTR", 192},
    {SMF_ENC_AES256_CTR, "AES-CTR", 256},
    {SMF_ENC_AES128_GCM, "AES-GCM-16", 128},
    {SMF_ENC_AES192_GCM, "AES-GCM-16", 192},
    {SMF_ENC_AES256_GCM, "AES-GCM-16", 256},
    {SMF_ENC_AES128_CCM, "AES-CCM-16", 128},
    {SMF_ENC_AES256_CCM, "AES-CCM-16", 256},
    {SMF_ENC_AES128_CCM8, "AES-CCM-8", 128},
    {SMF_ENC_AES256_CCM8, "AES-CCM-8", 256},
    {SMF_ENC_CHACHA20_POLY1305, "ChaCha20-Poly1305", 0},
    {SMF_ENC_CAMELLIA128_CBC, "Camellia-CBC", 128},
    {SMF_ENC_CAMELLIA192_CBC, "Camellia-CBC", 192},
    {SMF_ENC_CAMELLIA256_CBC, "Camellia-CBC", 256},
    {SMF_ENC_BLOWFISH_CBC, "Blowfish-CBC", 0},
    {SMF_ENC_CAST128_CBC, "CAST-CBC", 0},
    /* IKEv1 attribute class 1 spellings */
    {SMF_ENC_DES, "DES-CBC", 0},
    {SMF_ENC_3DES, "3DES-CBC", 0},
    /* aliases: shorter ICVs are not told apart in the IBM code (read back as -16) */
    {SMF_ENC_AES128_GCM, "AES-GCM-12", 128},
    {SMF_ENC_AES256_GCM, "AES-GCM-12", 256},
    {SMF_ENC_AES128_GCM, "AES-GCM-8", 128},
    {SMF_ENC_AES256_GCM, "AES-GCM-8", 256},
    {0, NULL, 0},
};

/* The IKE encryption table again in {code, name} form, for documentation and tests. */
static const struct name_tab smf_ike_encr_doc[] = {
    {SMF_ENC_AES128_CBC, "AES-CBC/128"},
    {SMF_ENC_AES192_CBC, "AES-CBC/192"},
    {SMF_ENC_AES256_CBC, "AES-CBC/256"},
    {SMF_ENC_AES128_CTR, "AES-CTR/128"},
    {SMF_ENC_AES192_CTR, "AES-CTR/192"},
    {SMF_ENC_AES256_CTR, "AES-CTR/256"},
    {SMF_ENC_AES128_GCM, "AES-GCM-16/128"},
    {SMF_ENC_AES192_GCM, "AES-GCM-16/192"},
    {SMF_ENC_AES256_GCM, "AES-GCM-16/256"},
    {SMF_ENC_AES128_CCM, "AES-CCM-16/128"},
    {SMF_ENC_AES256_CCM, "AES-CCM-16/256"},
    {SMF_ENC_AES128_CCM8, "AES-CCM-8/128"},
    {SMF_ENC_AES256_CCM8, "AES-CCM-8/256"},
    {SMF_ENC_CHACHA20_POLY1305, "ChaCha20-Poly1305"},
    {SMF_ENC_CAMELLIA128_CBC, "Camellia-CBC/128"},
    {SMF_ENC_CAMELLIA192_CBC, "Camellia-CBC/192"},
    {SMF_ENC_CAMELLIA256_CBC, "Camellia-CBC/256"},
    {SMF_ENC_BLOWFISH_CBC, "Blowfish-CBC"},
    {SMF_ENC_CAST128_CBC, "CAST-CBC"},
    {0, NULL},
};

const struct smf_code_table smf_code_tables[] = {
    {"TLS_CS_Enc_Alg", smf_tls_enc_codes},
    {"TLS_CS_Msg_Auth", smf_tls_mac_codes},
    {"TLS_CS_Kex_Alg", smf_tls_kex_codes},
    {"Cert_Signature_Method", smf_cert_sig_codes},
    {"Cert_Enc_Method", smf_cert_enc_codes},
    {"Cert_Digest_Alg", smf_cert_digest_codes},
    {"Cert_Key_Type", smf_cert_key_codes},
    {"SSH_Enc_Alg", smf_ssh_enc_codes},
    {"SSH_Msg_Auth", smf_ssh_mac_codes},
    {"SSH_Kex_Method", smf_ssh_kex_codes},
    {"SSH_SKey_Type (host key algorithm)", smf_ssh_hostkey_codes},
    {"SSH_SKey_Type (key type)", smf_ssh_key_type_codes},
    {"IKETunLclAuthMeth", smf_ike_auth_codes},
    {"IKETunPseudoRandFunc", smf_ike_prf_codes},
    {"IKETunAuthAlg", smf_ike_integ_codes},
    {"IKETunEncAlg", smf_ike_encr_doc},
    {NULL, NULL},
};

/* Other spellings of one algorithm, by kind: the wire's or a registry's name -> the table's. */
static const struct {
    const char *kind, *alias, *name;
} smf_spellings[] = {
    /* SSLv2 cipher kinds (RFC 6101 appendix E names) */
    {"tls_enc", "DES-192-EDE3-CBC", "3DES-EDE-CBC"},
    {"tls_enc", "DES-64-CBC", "DES-CBC"},
    {"tls_enc", "RC2-128-CBC", "RC2-CBC-128"},
    {"tls_enc", "RC2-128-CBC-EXPORT40", "RC2-CBC-40"},
    {"tls_enc", "RC4-128-EXPORT40", "RC4-40"},
    {"tls_enc", "IDEA-128-CBC", "IDEA-CBC"},
    /* IKEv1 attribute classes 1 and 3 (IANA's IKEv1 names) -> IKEv2's */
    {"ike_encr", "DES-CBC", "DES"},
    {"ike_encr", "3DES-CBC", "3DES"},
    {"ike_auth", "RSA signatures", "RSA-SIG"},
    {"ike_auth", "DSS signatures", "DSS-SIG"},
    {"ike_auth", "RSA encryption", "RSA-ENC"},
    {"ike_auth", "ECDSA-SHA256-P256", "ECDSA-256"},
    {"ike_auth", "ECDSA-SHA384-P384", "ECDSA-384"},
    {"ike_auth", "ECDSA-SHA512-P521", "ECDSA-521"},
    /* OpenSSH's names from before the RFCs (RFC 8731, draft-josefsson-ntruprime-ssh) */
    {"ssh_kex", "curve25519-sha256@libssh.org", "curve25519-sha256"},
    {"ssh_kex", "sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512"},
    {"ssh_enc", "rijndael-cbc@lysator.liu.se", "aes256-cbc"},
};

const char *
smf_codes_spelling(const char *kind, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(smf_spellings) / sizeof(smf_spellings[0]); i++)
        if (strcmp(smf_spellings[i].kind, kind) == 0 && strcmp(smf_spellings[i].alias, name) == 0)
            return smf_spellings[i].name;
    return name;
}

/* ---- code spaces and learned codes --------------------------------------------------------- */

#define SPACE_TABLES 3

static const struct {
    const char *name;
    const struct name_tab *tabs[SPACE_TABLES]; /* the first table's names are canonical */
} spaces[SMF_SPACE_COUNT] = {
    [SMF_SPACE_ENC] = {"enc", {smf_tls_enc_codes, smf_ssh_enc_codes, smf_ike_encr_doc}},
    [SMF_SPACE_MAC] = {"mac", {smf_tls_mac_codes, smf_ssh_mac_codes, smf_ike_integ_codes}},
    [SMF_SPACE_TLS_KEX] = {"tls_kex", {smf_tls_kex_codes}},
    [SMF_SPACE_CERT_SIG] = {"cert_sig", {smf_cert_sig_codes}},
    [SMF_SPACE_CERT_ENC] = {"cert_enc", {smf_cert_enc_codes}},
    [SMF_SPACE_CERT_DIGEST] = {"cert_digest", {smf_cert_digest_codes}},
    [SMF_SPACE_CERT_KEY] = {"cert_key", {smf_cert_key_codes}},
    [SMF_SPACE_SSH_KEX] = {"ssh_kex", {smf_ssh_kex_codes}},
    [SMF_SPACE_SSH_KEY] = {"ssh_key", {smf_ssh_key_type_codes, smf_ssh_hostkey_codes}},
    [SMF_SPACE_IKE_AUTH] = {"ike_auth", {smf_ike_auth_codes}},
    [SMF_SPACE_IKE_PRF] = {"ike_prf", {smf_ike_prf_codes}},
};

/* Learned codes per space: at most one per provisional code (a space has fewer than 64). */
#define LEARNED_MAX 64

struct learned {
    uint16_t prov, ibm;
};

static struct learned learned[SMF_SPACE_COUNT][LEARNED_MAX];
static unsigned nlearned[SMF_SPACE_COUNT];

const char *
smf_code_space_name(enum smf_code_space sp)
{
    return (unsigned)sp < SMF_SPACE_COUNT ? spaces[sp].name : NULL;
}

enum smf_code_space
smf_code_space_find(const char *name)
{
    for (unsigned i = 0; i < SMF_SPACE_COUNT; i++)
        if (name && strcasecmp(spaces[i].name, name) == 0)
            return (enum smf_code_space)i;
    return SMF_SPACE_COUNT;
}

enum smf_code_space
smf_code_space_of(const struct name_tab *tab)
{
    for (unsigned i = 0; i < SMF_SPACE_COUNT; i++)
        for (unsigned t = 0; t < SPACE_TABLES; t++)
            if (spaces[i].tabs[t] == tab)
                return (enum smf_code_space)i;
    return SMF_SPACE_COUNT;
}

/* Table code -> code written (a learned code replaces a provisional one). */
static uint16_t
code_out(enum smf_code_space sp, uint16_t code)
{
    if (sp >= SMF_SPACE_COUNT || code < SMF_CODE_PROVISIONAL)
        return code;
    for (unsigned i = 0; i < nlearned[sp]; i++)
        if (learned[sp][i].prov == code)
            return learned[sp][i].ibm;
    return code;
}

/* Code read -> table code. */
static uint16_t
code_in(enum smf_code_space sp, uint16_t code)
{
    if (sp >= SMF_SPACE_COUNT || code == 0)
        return code;
    for (unsigned i = 0; i < nlearned[sp]; i++)
        if (learned[sp][i].ibm == code)
            return learned[sp][i].prov;
    return code;
}

uint16_t
smf_codes_table_code(const struct name_tab *tab, const char *name)
{
    const struct name_tab *e = name && *name ? name_tab_find(tab, name) : NULL;
    return e ? (uint16_t)e->value : 0;
}

static const char *
table_name(const struct name_tab *tab, uint16_t code)
{
    return code ? name_tab_lookup(tab, code) : NULL;
}

uint16_t
smf_codes_find(const struct name_tab *tab, const char *name)
{
    return code_out(smf_code_space_of(tab), smf_codes_table_code(tab, name));
}

const char *
smf_codes_name(const struct name_tab *tab, uint16_t code)
{
    return table_name(tab, code_in(smf_code_space_of(tab), code));
}

/* The canonical name of a table code of a space, learned codes left aside. */
static const char *
space_table_name(enum smf_code_space sp, uint16_t table_code)
{
    if (sp >= SMF_SPACE_COUNT)
        return NULL;
    for (unsigned t = 0; t < SPACE_TABLES && spaces[sp].tabs[t]; t++) {
        const char *n = table_name(spaces[sp].tabs[t], table_code);
        if (n)
            return n;
    }
    return NULL;
}

const char *
smf_codes_space_name_of(enum smf_code_space sp, uint16_t code)
{
    return space_table_name(sp, code_in(sp, code));
}

uint16_t
smf_codes_canonical(enum smf_code_space sp, uint16_t code)
{
    return code_in(sp, code);
}

uint16_t
smf_codes_learned(enum smf_code_space sp, uint16_t prov)
{
    uint16_t c = code_out(sp, prov);
    return c == prov ? 0 : c;
}

void
smf_codes_forget(void)
{
    memset(nlearned, 0, sizeof(nlearned));
}

int
smf_codes_learn(enum smf_code_space sp, uint16_t prov, uint16_t ibm, char *err, size_t errlen)
{
    if (sp >= SMF_SPACE_COUNT) {
        snprintf(err, errlen, "no such code space");
        return -1;
    }
    const char *n = space_table_name(sp, prov);
    if (prov < SMF_CODE_PROVISIONAL || !n) {
        snprintf(err, errlen, "X'%04X' is not a provisional %s code", prov, spaces[sp].name);
        return -1;
    }
    if (ibm == prov)
        return 0; /* the provisional value is IBM's: nothing to replace */
    if (ibm == 0) {
        snprintf(err, errlen, "%s: code 0 is IBM's \"unknown\"", n);
        return -1;
    }
    const char *other = space_table_name(sp, ibm);
    if (other) {
        snprintf(err, errlen, "%s: X'%04X' is already the %s code of %s", n, ibm, spaces[sp].name,
                 other);
        return -1;
    }
    for (unsigned i = 0; i < nlearned[sp]; i++) {
        struct learned *l = &learned[sp][i];
        if (l->prov == prov && l->ibm == ibm)
            return 0;
        if (l->prov == prov) {
            snprintf(err, errlen, "%s: learned twice, as X'%04X' and X'%04X'", n, l->ibm, ibm);
            return -1;
        }
        if (l->ibm == ibm) {
            snprintf(err, errlen, "X'%04X' learned for two %s algorithms: %s and %s", ibm,
                     spaces[sp].name, space_table_name(sp, l->prov), n);
            return -1;
        }
    }
    if (nlearned[sp] >= LEARNED_MAX) {
        snprintf(err, errlen, "more than %d learned %s codes", LEARNED_MAX, spaces[sp].name);
        return -1;
    }
    learned[sp][nlearned[sp]].prov = prov;
    learned[sp][nlearned[sp]].ibm = ibm;
    nlearned[sp]++;
    return 0;
}

int
smf_codes_write_line(FILE *out, enum smf_code_space sp, uint16_t prov, uint16_t ibm,
                     const char *comment)
{
    const char *n = space_table_name(sp, prov);
    if (!n)
        return -1;
    int rc = fprintf(out, "%-11s 0x%04X  %s", spaces[sp].name, ibm, n);
    if (rc >= 0 && comment && *comment)
        rc = fprintf(out, "    # %s", comment);
    if (rc >= 0)
        rc = fputc('\n', out);
    return rc < 0 ? -1 : 0;
}

/* The table code of a name in any table of the space (0: none). */
static uint16_t
space_code_of_name(enum smf_code_space sp, const char *name)
{
    for (unsigned t = 0; t < SPACE_TABLES && spaces[sp].tabs[t]; t++) {
        uint16_t c = smf_codes_table_code(spaces[sp].tabs[t], name);
        if (c)
            return c;
    }
    return 0;
}

static char *
trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int
smf_codes_load(const char *path, char *err, size_t errlen)
{
    struct learned saved[SMF_SPACE_COUNT][LEARNED_MAX];
    unsigned nsaved[SMF_SPACE_COUNT];
    char line[512], msg[256];
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    memcpy(saved, learned, sizeof(saved));
    memcpy(nsaved, nlearned, sizeof(nsaved));
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line), *sp_name = s, *code_txt, *name, *end;
        if (!*s)
            continue;
        code_txt = strpbrk(sp_name, " \t");
        if (code_txt)
            *code_txt++ = '\0';
        name = code_txt ? strpbrk(code_txt = trim(code_txt), " \t") : NULL;
        if (name)
            *name++ = '\0';
        name = name ? trim(name) : NULL;
        enum smf_code_space sp = smf_code_space_find(sp_name);
        unsigned long v = code_txt ? strtoul(code_txt, &end, 0) : 0;
        if (sp == SMF_SPACE_COUNT)
            snprintf(msg, sizeof(msg), "unknown code space '%s'", sp_name);
        else if (!code_txt || !*code_txt || *end || v == 0 || v > 0xFFFF)
            snprintf(msg, sizeof(msg), "want SPACE CODE NAME with CODE 1..0xFFFF");
        else if (!name || !*name)
            snprintf(msg, sizeof(msg), "no algorithm name");
        else if (!space_code_of_name(sp, name))
            snprintf(msg, sizeof(msg), "'%s' is not a %s algorithm the sensor knows", name,
                     spaces[sp].name);
        else if (smf_codes_learn(sp, space_code_of_name(sp, name), (uint16_t)v, msg, sizeof(msg)) ==
                 0)
            continue;
        snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
        rc = -1;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    fclose(f);
    if (rc != 0) {
        memcpy(learned, saved, sizeof(saved));
        memcpy(nlearned, nsaved, sizeof(nsaved));
    }
    return rc;
}

/* A suite-style kex name as IBM's list spells it, from the IANA suite name's key-exchange part. */
static bool
tls_kex_from_suite(const char *cipher_name, char *out, size_t cap)
{
    if (!cipher_name || strncmp(cipher_name, "TLS_", 4) != 0)
        return false; /* SSLv2 kinds (SSL_CK_*) and FIPS variants: from kex and auth */
    const char *kx = cipher_name + 4, *with = strstr(kx, "_WITH_");
    if (!with || (size_t)(with - kx) >= cap)
        return false;
    char part[40];
    if ((size_t)(with - kx) >= sizeof(part))
        return false;
    memcpy(part, kx, (size_t)(with - kx));
    part[with - kx] = '\0';
    char *e1024 = strstr(part, "_EXPORT1024");
    if (e1024)
        e1024[strlen("_EXPORT")] = '\0'; /* the 1024-bit export drafts are export suites */
    if (strcmp(part, "PSK_DHE") == 0)
        snprintf(part, sizeof(part), "DHE_PSK"); /* RFC 8442's spelling of DHE_PSK */
    else if (strncmp(part, "SRP_SHA", 7) == 0)
        snprintf(part, sizeof(part), "SRP");
    snprintf(out, cap, "%s", part);
    return true;
}

uint16_t
smf_codes_tls_kex(const char *cipher_name, const char *kex, const char *auth)
{
    char name[40];
    uint16_t code = 0;
    if (tls_kex_from_suite(cipher_name, name, sizeof(name)))
        code = smf_codes_find(smf_tls_kex_codes, name);
    if (code)
        return code;
    /* no TLS_ suite name: compose (DH, DHE, ECDH, ECDHE with RSA, DSS, ECDSA), else the kex */
    static const char *const fam[] = {"DH", "DHE", "ECDH", "ECDHE"};
    static const char *const au[] = {"RSA", "DSS", "ECDSA"};
    for (size_t i = 0; kex && auth && i < sizeof(fam) / sizeof(fam[0]); i++)
        for (size_t j = 0; strcmp(kex, fam[i]) == 0 && j < sizeof(au) / sizeof(au[0]); j++)
            if (strcmp(auth, au[j]) == 0) {
                snprintf(name, sizeof(name), "%s_%s", kex, auth);
                return smf_codes_find(smf_tls_kex_codes, name);
            }
    return smf_codes_find(smf_tls_kex_codes, kex);
}

void
smf_codes_tls_kex_split(uint16_t code, char *kex, size_t kcap, char *auth, size_t acap)
{
    const char *n = smf_codes_name(smf_tls_kex_codes, code);
    auth[0] = '\0';
    if (!n) {
        if (code)
            snprintf(kex, kcap, "unknown(0x%04X)", code);
        else
            kex[0] = '\0';
        return;
    }
    char buf[40];
    snprintf(buf, sizeof(buf), "%s", n);
    char *ex = strstr(buf, "_EXPORT");
    if (ex)
        *ex = '\0'; /* the grade is in the suite's name and its cipher (RC4-40, DES40-CBC) */
    /* {IBM name, kex, auth}: the record's spelling of each suite-style name */
    static const struct {
        const char *ibm, *kex, *auth;
    } split[] = {
        {"RSA", "RSA", "RSA"},
        {"RSA_PSK", "RSA_PSK", "RSA"},
        {"DH_RSA", "DH", "RSA"},
        {"DH_DSS", "DH", "DSS"},
        {"DHE_RSA", "DHE", "RSA"},
        {"DHE_DSS", "DHE", "DSS"},
        {"ECDH_RSA", "ECDH", "RSA"},
        {"ECDH_ECDSA", "ECDH", "ECDSA"},
        {"ECDHE_RSA", "ECDHE", "RSA"},
        {"ECDHE_ECDSA", "ECDHE", "ECDSA"},
        {"DH_anon", "DH_anon", "anon"},
        {"ECDH_anon", "ECDH_anon", "anon"},
        {"PSK", "PSK", "PSK"},
        {"DHE_PSK", "DHE_PSK", "PSK"},
        {"ECDHE_PSK", "ECDHE_PSK", "PSK"},
        {"KRB5", "KRB5", "KRB5"},
        {"FORTEZZA_KEA", "FORTEZZA_KEA", "FORTEZZA"},
    };
    for (size_t i = 0; i < sizeof(split) / sizeof(split[0]); i++)
        if (strcmp(buf, split[i].ibm) == 0) {
            snprintf(kex, kcap, "%s", split[i].kex);
            snprintf(auth, acap, "%s", split[i].auth);
            return;
        }
    snprintf(kex, kcap, "%s", buf); /* a TLS 1.3 group kind: no authentication in the code */
}

/* The TLS version vocabulary is tls_version.c's, shared with the dissector. */
const char *
smf_codes_tls_version_name(uint16_t code, char *buf, size_t len)
{
    return tls_version_name(code, buf, len);
}

uint16_t
smf_codes_tls_version_code(const char *name)
{
    return tls_version_code(name);
}

uint16_t
smf_codes_ike_encr_find(const char *name, uint64_t key_bits, bool bits_known)
{
    if (!name || !*name)
        return 0;
    for (const struct smf_ike_encr *e = smf_ike_encr_codes; e->name; e++) {
        if (strcasecmp(e->name, name) != 0)
            continue;
        if ((bits_known ? key_bits : 0) == e->key_bits)
            return code_out(SMF_SPACE_ENC, e->code);
    }
    return 0;
}

bool
smf_codes_ike_encr_name(uint16_t code, const char **name, uint16_t *key_bits)
{
    if (code == 0)
        return false;
    code = code_in(SMF_SPACE_ENC, code);
    for (const struct smf_ike_encr *e = smf_ike_encr_codes; e->name; e++) {
        if (e->code == code) {
            *name = e->name;
            *key_bits = e->key_bits;
            return true;
        }
    }
    return false;
}

#define ETM_SUFFIX "-etm@openssh.com"

uint16_t
smf_codes_ssh_mac_find(const char *name, bool *etm)
{
    char base[64];
    size_t n = name ? strlen(name) : 0, s = strlen(ETM_SUFFIX);
    *etm = false;
    if (n > s && n - s + sizeof("@openssh.com") < sizeof(base) &&
        strcasecmp(name + n - s, ETM_SUFFIX) == 0) {
        /* hmac-sha2-256-etm@openssh.com -> hmac-sha2-256; umac-64-etm@... -> umac-64@... */
        memcpy(base, name, n - s);
        base[n - s] = '\0';
        *etm = true;
        uint16_t c = smf_codes_find(smf_ssh_mac_codes, base);
        if (c)
            return c;
        snprintf(base + (n - s), sizeof(base) - (n - s), "@openssh.com");
        return smf_codes_find(smf_ssh_mac_codes, base);
    }
    return smf_codes_find(smf_ssh_mac_codes, name);
}

const char *
smf_codes_ssh_mac_name(uint16_t code, bool etm, char *buf, size_t len)
{
    const char *n = smf_codes_name(smf_ssh_mac_codes, code);
    if (!n)
        return NULL;
    if (!etm || code == SMF_MAC_NONE) {
        snprintf(buf, len, "%s", n);
        return buf;
    }
    const char *at = strchr(n, '@');
    if (at)
        snprintf(buf, len, "%.*s%s", (int)(at - n), n, ETM_SUFFIX);
    else
        snprintf(buf, len, "%s%s", n, ETM_SUFFIX);
    return buf;
}

const char *
smf_codes_ssh_hostkey_type(const char *hostkey)
{
    return smf_codes_name(smf_ssh_key_type_codes, smf_codes_find(smf_ssh_hostkey_codes, hostkey));
}

/* SSH protocol 1's cipher names among smf_ssh_enc_codes' entries (ssh.c's ssh1_cipher_names). */
static const char *const ssh1_enc_names[] = {"3des", "des", "blowfish", NULL};

const char *
smf_codes_ssh1_enc_name(const char *name)
{
    uint16_t code = smf_codes_table_code(smf_ssh_enc_codes, name);
    for (size_t i = 0; code && ssh1_enc_names[i]; i++)
        if (smf_codes_table_code(smf_ssh_enc_codes, ssh1_enc_names[i]) == code)
            return ssh1_enc_names[i];
    return name;
}

uint16_t
smf_codes_dh_group(uint64_t iana)
{
    /* IBM uses the IANA group number (confirmed for 1, 2, 5, 14, 19, 20, 21) */
    return iana <= 0xFFFF ? (uint16_t)iana : 0;
}
