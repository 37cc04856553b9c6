/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The migration state of an SCTP association as a JSON document, the one
 * "lbnl assoc export" writes and "lbnl assoc import" reads:
 *
 *   {"version":1,"local":{"addr":"192.0.2.10","port":3868},
 *    "peer":{"addr":"198.51.100.1","port":40000},
 *    "local_addrs":["192.0.2.10"],
 *    "paths":[{"addr":"198.51.100.1","rto_us":..,"srtt_us":..,
 *              "rttvar_us":..,"cwnd":..,"ssthresh":..}],
 *    "vtag":..,"peer_vtag":..,"next_tsn":..,"peer_next_tsn":..,
 *    "out_streams":..,"in_streams":..,"out_ssn":[..],"in_ssn":[..],
 *    "peer_rwnd":..,"features":["ecn","prsctp"],"addip_serial":..,
 *    "peer_addip_serial":..,"strreset_outseq":..,"strreset_inseq":..,
 *    "adaptation_ind":..,"created_ms":..}
 *
 * Keys in that order; every key is required and no other is allowed.
 * Integers are plain JSON numbers (u16, u32; created_ms a u64 up to
 * INT64_MAX, jansson's json_int_t); addresses are IPv4 or IPv6 literals
 * without brackets; "vtag" is the tag the peer sends
 * (LBNL_A_ASSOC_MY_VTAG), "peer_vtag" the one we send. A feature this
 * version has no name for is written as its bit value.
 */
#ifndef LBNL_ASSOC_STATE_H
#define LBNL_ASSOC_STATE_H

#include <stddef.h>

#include "objects.h"

/* Print s through json_print (initialised in JSON mode by the caller). */
void lbnl_assoc_state_print(const struct lbu_assoc_state *s);

/*
 * Parse a document (len bytes of text) into s; release it with
 * lbu_assoc_state_free(). On failure returns -1 with s empty and err
 * holding "PATH: what" (e.g. "out_ssn: expected 10 entries, got 9"),
 * "line L, column C: what" (not JSON) or "unknown version N".
 */
int lbnl_assoc_state_parse(const char *text, size_t len,
			   struct lbu_assoc_state *s, char *err,
			   size_t errlen);

#endif
