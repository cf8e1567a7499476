/* ipsec_tables.h - IANA value tables for IKEv1, IKEv2, ESP and AH, as data in one place. */
#ifndef ZS_IPSEC_TABLES_H
#define ZS_IPSEC_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "../emit/name_tab.h"

/* A value-to-name table entry; tables end with {0, NULL}. */

/* A well-known vendor ID: its first `len` bytes identify it (versions follow in some). */
struct ipsec_vendor_tab {
    const uint8_t *prefix;
    size_t len;
    const char *name;
};

/* ISAKMP / IKE header exchange types (IKEv1 and IKEv2 share the number space). */
#define IKE_EXCH_BASE             1
#define IKE_EXCH_MAIN             2
#define IKE_EXCH_AUTH_ONLY        3
#define IKE_EXCH_AGGRESSIVE       4
#define IKE_EXCH_INFORMATIONAL_V1 5
#define IKE_EXCH_TRANSACTION      6
#define IKE_EXCH_QUICK            32
#define IKE_EXCH_NEW_GROUP        33
#define IKE_EXCH_IKE_SA_INIT      34
#define IKE_EXCH_IKE_AUTH         35
#define IKE_EXCH_CREATE_CHILD_SA  36
#define IKE_EXCH_INFORMATIONAL    37
#define IKE_EXCH_IKE_INTERMEDIATE 43
#define IKE_EXCH_IKE_FOLLOWUP_KE  44

/* IKEv1 (ISAKMP, RFC 2408/3947) payload types. */
#define IKEV1_PL_NONE    0
#define IKEV1_PL_SA      1
#define IKEV1_PL_P       2
#define IKEV1_PL_T       3
#define IKEV1_PL_KE      4
#define IKEV1_PL_ID      5
#define IKEV1_PL_CERT    6
#define IKEV1_PL_CR      7
#define IKEV1_PL_HASH    8
#define IKEV1_PL_SIG     9
#define IKEV1_PL_NONCE   10
#define IKEV1_PL_N       11
#define IKEV1_PL_D       12
#define IKEV1_PL_VID     13
#define IKEV1_PL_ATTR    14
#define IKEV1_PL_NATD    20
#define IKEV1_PL_NATOA   21
#define IKEV1_PL_NATD_D  130 /* NAT-D in the drafts before RFC 3947 */
#define IKEV1_PL_NATOA_D 131
#define IKEV1_PL_FRAG    132 /* Cisco/IKEv1 fragmentation */

/* IKEv1 Phase 1 attribute classes (RFC 2409 appendix A). */
#define IKEV1_ATTR_ENCR       1
#define IKEV1_ATTR_HASH       2
#define IKEV1_ATTR_AUTH       3
#define IKEV1_ATTR_GROUP_DESC 4
#define IKEV1_ATTR_GROUP_TYPE 5
#define IKEV1_ATTR_LIFE_TYPE  11
#define IKEV1_ATTR_LIFE_DUR   12
#define IKEV1_ATTR_PRF        13
#define IKEV1_ATTR_KEY_LEN    14

#define IKEV1_LIFE_SECONDS   1
#define IKEV1_LIFE_KILOBYTES 2

#define IKEV1_AUTH_PSK            1
#define IKEV1_AUTH_XAUTH_INIT_PSK 65001
#define IKEV1_AUTH_XAUTH_RESP_PSK 65002

/* IKEv2 (RFC 7296) payload types. */
#define IKEV2_PL_NONE  0
#define IKEV2_PL_SA    33
#define IKEV2_PL_KE    34
#define IKEV2_PL_IDI   35
#define IKEV2_PL_IDR   36
#define IKEV2_PL_CERT  37
#define IKEV2_PL_CREQ  38
#define IKEV2_PL_AUTH  39
#define IKEV2_PL_NONCE 40
#define IKEV2_PL_N     41
#define IKEV2_PL_D     42
#define IKEV2_PL_V     43
#define IKEV2_PL_TSI   44
#define IKEV2_PL_TSR   45
#define IKEV2_PL_SK    46
#define IKEV2_PL_CP    47
#define IKEV2_PL_EAP   48
#define IKEV2_PL_SKF   53

/* IKEv2 transform types (RFC 7296, RFC 9370). */
#define IKEV2_TT_ENCR   1
#define IKEV2_TT_PRF    2
#define IKEV2_TT_INTEG  3
#define IKEV2_TT_KE     4
#define IKEV2_TT_ESN    5
#define IKEV2_TT_ADDKE1 6
#define IKEV2_TT_ADDKE7 12

#define IKEV2_TA_KEY_LENGTH 14 /* transform attribute type (also the IKEv1 class number) */

/* IKEv2 notify message types this sensor uses. */
#define IKEV2_N_NO_PROPOSAL_CHOSEN              14
#define IKEV2_N_INVALID_KE_PAYLOAD              17
#define IKEV2_N_AUTHENTICATION_FAILED           24
#define IKEV2_N_NAT_DETECTION_SOURCE_IP         16388
#define IKEV2_N_NAT_DETECTION_DESTINATION_IP    16389
#define IKEV2_N_COOKIE                          16390
#define IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED   16430
#define IKEV2_N_SIGNATURE_HASH_ALGORITHMS       16431
#define IKEV2_N_INTERMEDIATE_EXCHANGE_SUPPORTED 16438

extern const struct name_tab ike_exchange_names[];
extern const struct name_tab ikev1_payload_names[];
extern const struct name_tab ikev2_payload_names[];
extern const struct name_tab ikev1_encr_names[];
extern const struct name_tab ikev1_hash_names[];
extern const struct name_tab ikev1_auth_names[];
extern const struct name_tab ikev1_prf_names[];
extern const struct name_tab ikev1_attr_class_names[];
extern const struct name_tab ikev1_notify_names[];
extern const struct name_tab ike_group_names[];
extern const struct name_tab ikev2_transform_type_names[];
extern const struct name_tab ikev2_encr_names[];
extern const struct name_tab ikev2_prf_names[];
extern const struct name_tab ikev2_integ_names[];
extern const struct name_tab ikev2_notify_names[];
extern const struct ipsec_vendor_tab ike_vendor_ids[];

/* The name of `value` in `tab`, or NULL. */
/* The name of a vendor ID (by prefix), or NULL. */
const char *ipsec_vendor_name(const uint8_t *id, size_t len);

#endif
