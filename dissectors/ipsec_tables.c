/* ipsec_tables.c - IANA value tables for IKEv1, IKEv2, ESP and AH, as data in one place. */
#include <string.h>

#include "ipsec_tables.h"

/*
 * Source: ../shared/spec/ee-zert-ipsec.md §C (its summary of the IANA registries
 * "Internet Key Exchange Version 2 (IKEv2) Parameters", "Internet Key Exchange (IKE)
 * Attributes" (ipsec-registry) and "ISAKMP Identifiers" (isakmp-registry)), transcribed
 * 2026-11; values the spec does not list were checked against `tshark -G values`
 * (Wireshark 4.0.17), which itself lacks ML-KEM 35-37, ADDKE1-7 and exchanges 43/44.
 * No network access here: when the IANA files can be read, diff these tables against
 * them and record the registry's "last updated" date.
 */

const struct name_tab ike_exchange_names[] = {
    {IKE_EXCH_BASE, "base"},
    {IKE_EXCH_MAIN, "main"},
    {IKE_EXCH_AUTH_ONLY, "auth_only"},
    {IKE_EXCH_AGGRESSIVE, "aggressive"},
    {IKE_EXCH_INFORMATIONAL_V1, "informational_v1"},
    {IKE_EXCH_TRANSACTION, "transaction"},
    {IKE_EXCH_QUICK, "quick"},
    {IKE_EXCH_NEW_GROUP, "new_group"},
    {IKE_EXCH_IKE_SA_INIT, "ike_sa_init"},
    {IKE_EXCH_IKE_AUTH, "ike_auth"},
    {IKE_EXCH_CREATE_CHILD_SA, "create_child_sa"},
    {IKE_EXCH_INFORMATIONAL, "informational"},
    {38, "ike_session_resume"},
    {IKE_EXCH_IKE_INTERMEDIATE, "ike_intermediate"},
    {IKE_EXCH_IKE_FOLLOWUP_KE, "ike_followup_ke"},
    {0, NULL},
};

const struct name_tab ikev1_payload_names[] = {
    {IKEV1_PL_SA, "SA"},
    {IKEV1_PL_P, "P"},
    {IKEV1_PL_T, "T"},
    {IKEV1_PL_KE, "KE"},
    {IKEV1_PL_ID, "ID"},
    {IKEV1_PL_CERT, "CERT"},
    {IKEV1_PL_CR, "CR"},
    {IKEV1_PL_HASH, "HASH"},
    {IKEV1_PL_SIG, "SIG"},
    {IKEV1_PL_NONCE, "NONCE"},
    {IKEV1_PL_N, "N"},
    {IKEV1_PL_D, "D"},
    {IKEV1_PL_VID, "VID"},
    {IKEV1_PL_ATTR, "ATTR"},
    {15, "SAK"},
    {16, "SAT"},
    {17, "KD"},
    {18, "SEQ"},
    {19, "POP"},
    {IKEV1_PL_NATD, "NAT-D"},
    {IKEV1_PL_NATOA, "NAT-OA"},
    {22, "GAP"},
    {IKEV1_PL_NATD_D, "NAT-D (draft)"},
    {IKEV1_PL_NATOA_D, "NAT-OA (draft)"},
    {IKEV1_PL_FRAG, "FRAG"},
    {0, NULL},
};

const struct name_tab ikev2_payload_names[] = {
    {IKEV2_PL_SA, "SA"},
    {IKEV2_PL_KE, "KE"},
    {IKEV2_PL_IDI, "IDi"},
    {IKEV2_PL_IDR, "IDr"},
    {IKEV2_PL_CERT, "CERT"},
    {IKEV2_PL_CREQ, "CERTREQ"},
    {IKEV2_PL_AUTH, "AUTH"},
    {IKEV2_PL_NONCE, "Ni/Nr"},
    {IKEV2_PL_N, "N"},
    {IKEV2_PL_D, "D"},
    {IKEV2_PL_V, "V"},
    {IKEV2_PL_TSI, "TSi"},
    {IKEV2_PL_TSR, "TSr"},
    {IKEV2_PL_SK, "SK"},
    {IKEV2_PL_CP, "CP"},
    {IKEV2_PL_EAP, "EAP"},
    {49, "GSPM"},
    {IKEV2_PL_SKF, "SKF"},
    {54, "PS"},
    {0, NULL},
};

/* IKEv1 attribute class 1 (Encryption Algorithm). */
const struct name_tab ikev1_encr_names[] = {
    {1, "DES-CBC"},         {2, "IDEA-CBC"},     {3, "Blowfish-CBC"},
    {4, "RC5-R16-B64-CBC"}, {5, "3DES-CBC"},     {6, "CAST-CBC"},
    {7, "AES-CBC"},         {8, "Camellia-CBC"}, {0, NULL},
};

/* IKEv1 attribute class 2 (Hash Algorithm). */
const struct name_tab ikev1_hash_names[] = {
    {1, "MD5"},      {2, "SHA1"},     {3, "Tiger"}, {4, "SHA2-256"},
    {5, "SHA2-384"}, {6, "SHA2-512"}, {0, NULL},
};

/* IKEv1 attribute class 3 (Authentication Method), with the XAUTH/hybrid private values. */
const struct name_tab ikev1_auth_names[] = {
    {1, "PSK"},
    {2, "DSS signatures"},
    {3, "RSA signatures"},
    {4, "RSA encryption"},
    {5, "Revised RSA encryption"},
    {9, "ECDSA-SHA256-P256"},
    {10, "ECDSA-SHA384-P384"},
    {11, "ECDSA-SHA512-P521"},
    {64221, "HybridInitRSA"},
    {64222, "HybridRespRSA"},
    {64223, "HybridInitDSS"},
    {64224, "HybridRespDSS"},
    {65001, "XAUTHInitPreShared"},
    {65002, "XAUTHRespPreShared"},
    {65003, "XAUTHInitDSS"},
    {65004, "XAUTHRespDSS"},
    {65005, "XAUTHInitRSA"},
    {65006, "XAUTHRespRSA"},
    {65007, "XAUTHInitRSAEncryption"},
    {65008, "XAUTHRespRSAEncryption"},
    {65009, "XAUTHInitRSARevisedEncryption"},
    {65010, "XAUTHRespRSARevisedEncryption"},
    {0, NULL},
};

/* IKEv1 attribute class 13 (PRF): no values assigned by IANA; kept for completeness. */
const struct name_tab ikev1_prf_names[] = {
    {0, NULL},
};

const struct name_tab ikev1_attr_class_names[] = {
    {1, "Encryption Algorithm"},
    {2, "Hash Algorithm"},
    {3, "Authentication Method"},
    {4, "Group Description"},
    {5, "Group Type"},
    {6, "Group Prime/Irreducible Polynomial"},
    {7, "Group Generator One"},
    {8, "Group Generator Two"},
    {9, "Group Curve A"},
    {10, "Group Curve B"},
    {11, "Life Type"},
    {12, "Life Duration"},
    {13, "PRF"},
    {14, "Key Length"},
    {15, "Field Size"},
    {16, "Group Order"},
    {0, NULL},
};

/* IKEv1 notify message types (RFC 2408 §3.14.1, RFC 3706 DPD). */
const struct name_tab ikev1_notify_names[] = {
    {1, "INVALID-PAYLOAD-TYPE"},    {5, "INVALID-MAJOR-VERSION"},
    {14, "NO-PROPOSAL-CHOSEN"},     {16, "PAYLOAD-MALFORMED"},
    {18, "INVALID-ID-INFORMATION"}, {24, "AUTHENTICATION-FAILED"},
    {29, "INVALID-SIGNATURE"},      {30, "ADDRESS-NOTIFICATION"},
    {31, "NOTIFY-SA-LIFETIME"},     {34, "UNSUPPORTED-EXCHANGE-TYPE"},
    {24576, "RESPONDER-LIFETIME"},  {24577, "REPLAY-STATUS"},
    {24578, "INITIAL-CONTACT"},     {36136, "R-U-THERE"},
    {36137, "R-U-THERE-ACK"},       {0, NULL},
};

/*
 * IKEv1 attribute class 4 (Group Description) and IKEv2 transform type 4 (Key Exchange
 * Method): one number space. 35-37 ML-KEM (draft-ietf-ipsecme-ikev2-mlkem).
 */
const struct name_tab ike_group_names[] = {
    {1, "MODP-768"},           {2, "MODP-1024"},          {3, "EC2N-155"},
    {4, "EC2N-185"},           {5, "MODP-1536"},          {14, "MODP-2048"},
    {15, "MODP-3072"},         {16, "MODP-4096"},         {17, "MODP-6144"},
    {18, "MODP-8192"},         {19, "ECP-256"},           {20, "ECP-384"},
    {21, "ECP-521"},           {22, "MODP-1024-S160"},    {23, "MODP-2048-S224"},
    {24, "MODP-2048-S256"},    {25, "ECP-192"},           {26, "ECP-224"},
    {27, "brainpoolP224r1"},   {28, "brainpoolP256r1"},   {29, "brainpoolP384r1"},
    {30, "brainpoolP512r1"},   {31, "Curve25519"},        {32, "Curve448"},
    {33, "GOST3410-2012-256"}, {34, "GOST3410-2012-512"}, {35, "ML-KEM-512"},
    {36, "ML-KEM-768"},        {37, "ML-KEM-1024"},       {0, NULL},
};

const struct name_tab ikev2_transform_type_names[] = {
    {1, "ENCR"},    {2, "PRF"},     {3, "INTEG"},  {4, "KE"},     {5, "ESN"},
    {6, "ADDKE1"},  {7, "ADDKE2"},  {8, "ADDKE3"}, {9, "ADDKE4"}, {10, "ADDKE5"},
    {11, "ADDKE6"}, {12, "ADDKE7"}, {0, NULL},
};

/* IKEv2 transform type 1 (Encryption Algorithm). */
const struct name_tab ikev2_encr_names[] = {
    {1, "DES-IV64"},
    {2, "DES"},
    {3, "3DES"},
    {4, "RC5"},
    {5, "IDEA"},
    {6, "CAST"},
    {7, "Blowfish"},
    {8, "3IDEA"},
    {9, "DES-IV32"},
    {11, "NULL"},
    {12, "AES-CBC"},
    {13, "AES-CTR"},
    {14, "AES-CCM-8"},
    {15, "AES-CCM-12"},
    {16, "AES-CCM-16"},
    {18, "AES-GCM-8"},
    {19, "AES-GCM-12"},
    {20, "AES-GCM-16"},
    {21, "NULL-AUTH-AES-GMAC"},
    {23, "Camellia-CBC"},
    {24, "Camellia-CTR"},
    {25, "Camellia-CCM-8"},
    {26, "Camellia-CCM-12"},
    {27, "Camellia-CCM-16"},
    {28, "ChaCha20-Poly1305"},
    {32, "Kuznyechik-MGM-KTREE"},
    {33, "Magma-MGM-KTREE"},
    {0, NULL},
};

/* IKEv2 transform type 2 (Pseudorandom Function). */
const struct name_tab ikev2_prf_names[] = {
    {1, "HMAC-MD5"},          {2, "HMAC-SHA1"},
    {3, "HMAC-Tiger"},        {4, "AES128-XCBC"},
    {5, "HMAC-SHA2-256"},     {6, "HMAC-SHA2-384"},
    {7, "HMAC-SHA2-512"},     {8, "AES128-CMAC"},
    {9, "HMAC-Streebog-512"}, {0, NULL},
};

/* IKEv2 transform type 3 (Integrity Algorithm); 0 is NONE (AEAD). */
const struct name_tab ikev2_integ_names[] = {
    {0, "NONE"},
    {1, "HMAC-MD5-96"},
    {2, "HMAC-SHA1-96"},
    {3, "DES-MAC"},
    {4, "KPDK-MD5"},
    {5, "AES-XCBC-96"},
    {6, "HMAC-MD5-128"},
    {7, "HMAC-SHA1-160"},
    {8, "AES-CMAC-96"},
    {9, "AES-128-GMAC"},
    {10, "AES-192-GMAC"},
    {11, "AES-256-GMAC"},
    {12, "HMAC-SHA2-256-128"},
    {13, "HMAC-SHA2-384-192"},
    {14, "HMAC-SHA2-512-256"},
    {0, NULL},
};

/* IKEv2 notify message types (errors < 16384, status >= 16384). */
const struct name_tab ikev2_notify_names[] = {
    {1, "UNSUPPORTED_CRITICAL_PAYLOAD"},
    {4, "INVALID_IKE_SPI"},
    {5, "INVALID_MAJOR_VERSION"},
    {7, "INVALID_SYNTAX"},
    {9, "INVALID_MESSAGE_ID"},
    {11, "INVALID_SPI"},
    {IKEV2_N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN"},
    {IKEV2_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD"},
    {IKEV2_N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED"},
    {34, "SINGLE_PAIR_REQUIRED"},
    {35, "NO_ADDITIONAL_SAS"},
    {36, "INTERNAL_ADDRESS_FAILURE"},
    {37, "FAILED_CP_REQUIRED"},
    {38, "TS_UNACCEPTABLE"},
    {39, "INVALID_SELECTORS"},
    {43, "TEMPORARY_FAILURE"},
    {44, "CHILD_SA_NOT_FOUND"},
    {16384, "INITIAL_CONTACT"},
    {16385, "SET_WINDOW_SIZE"},
    {16386, "ADDITIONAL_TS_POSSIBLE"},
    {16387, "IPCOMP_SUPPORTED"},
    {IKEV2_N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP"},
    {IKEV2_N_NAT_DETECTION_DESTINATION_IP, "NAT_DETECTION_DESTINATION_IP"},
    {IKEV2_N_COOKIE, "COOKIE"},
    {16391, "USE_TRANSPORT_MODE"},
    {16392, "HTTP_CERT_LOOKUP_SUPPORTED"},
    {16393, "REKEY_SA"},
    {16394, "ESP_TFC_PADDING_NOT_SUPPORTED"},
    {16395, "NON_FIRST_FRAGMENTS_ALSO"},
    {16396, "MOBIKE_SUPPORTED"},
    {16404, "MULTIPLE_AUTH_SUPPORTED"},
    {16406, "EAP_ONLY_AUTHENTICATION"},
    {16407, "CHILDLESS_IKEV2_SUPPORTED"},
    {16417, "REDIRECT_SUPPORTED"},
    {IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, "IKEV2_FRAGMENTATION_SUPPORTED"},
    {IKEV2_N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS"},
    {IKEV2_N_INTERMEDIATE_EXCHANGE_SUPPORTED, "INTERMEDIATE_EXCHANGE_SUPPORTED"},
    {0, NULL},
};

/* Vendor ID prefixes (MD5 of a product string, as published by the vendors and in RFCs). */
static const uint8_t vid_rfc3947[] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                      0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
static const uint8_t vid_natt_02[] = {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
                                      0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48};
static const uint8_t vid_natt_02n[] = {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
                                       0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f};
static const uint8_t vid_natt_03[] = {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
                                      0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56};
static const uint8_t vid_dpd[] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
                                  0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
static const uint8_t vid_xauth[] = {0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12};
static const uint8_t vid_unity[] = {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68,
                                    0xa9, 0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc};
static const uint8_t vid_frag[] = {0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85,
                                   0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3};
static const uint8_t vid_msnt5[] = {0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d,
                                    0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61};
static const uint8_t vid_strongswan[] = {0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc,
                                         0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb};

const struct ipsec_vendor_tab ike_vendor_ids[] = {
    {vid_rfc3947, sizeof(vid_rfc3947), "RFC 3947 NAT-T"},
    {vid_natt_02, sizeof(vid_natt_02), "draft-ietf-ipsec-nat-t-ike-02"},
    {vid_natt_02n, sizeof(vid_natt_02n), "draft-ietf-ipsec-nat-t-ike-02\\n"},
    {vid_natt_03, sizeof(vid_natt_03), "draft-ietf-ipsec-nat-t-ike-03"},
    {vid_dpd, sizeof(vid_dpd), "Dead Peer Detection"},
    {vid_xauth, sizeof(vid_xauth), "XAUTH"},
    {vid_unity, sizeof(vid_unity), "Cisco Unity"},
    {vid_frag, sizeof(vid_frag), "Cisco IKE Fragmentation"},
    {vid_msnt5, sizeof(vid_msnt5), "Microsoft Windows (MS NT5 ISAKMPOAKLEY)"},
    {vid_strongswan, sizeof(vid_strongswan), "strongSwan"},
    {NULL, 0, NULL},
};

const char *
ipsec_vendor_name(const uint8_t *id, size_t len)
{
    for (const struct ipsec_vendor_tab *v = ike_vendor_ids; v->name; v++)
        if (len >= v->len && memcmp(id, v->prefix, v->len) == 0)
            return v->name;
    return NULL;
}
