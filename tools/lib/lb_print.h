/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing what the LB role reports, through json_print (text or JSON):
 * connection-table entries ("lbnl conn show"), migrations ("lbnl migrate
 * show", "lbnl monitor") and counters ("lbnl stats").
 *
 * An entry is one text line,
 *
 *   tcp 192.0.2.1:80 peer 198.51.100.1:40000 dest 203.0.113.11:80
 *       established flags picked_up age 12s idle 0s expires 900s
 *       packets 10 bytes 1200 [vtag 0x.. peer_vtag 0x..]	(one line)
 *
 * or one JSON object {"vip":"192.0.2.1:80","proto":"tcp","peer":...,
 * "dest":...,"state":...,"flags":[...],"age_ms":..,"idle_ms":..,
 * "expires_ms":..,"packets":..,"bytes":..[,"my_vtag":..,"peer_vtag":..]}.
 *
 * A migration is
 *
 *   sctp 192.0.2.1:3868 peer 198.51.100.1:40000 vtag 0x1234abcd
 *       from 203.0.113.11:3868 to 203.0.113.12:3868 state buffering
 *       age 1.2s timeout 5000ms buffered 3 max 7 id 4 [reason deadline]
 *
 * or {"vip":"192.0.2.1:3868","proto":"sctp","peer":...,"vtag":305441741,
 * "source":...,"target":...,"state":"buffering","age_ms":1234,
 * "timeout_ms":5000,"buffered":3,"buffered_max":7,"id":4[,"reason":..]},
 * with what the kernel sent (events: no vtag, state, age or counts).
 *
 * Counters are one document: {"global":{counters...,"drops":{"truncated":
 * N,...}},"vips":[{"vip":"192.0.2.1:80","proto":"tcp",counters...,
 * "dests":[{"dest":"203.0.113.11:80",counters...}]}]}; in text, a line
 * per set of counters, drops that are not zero on a line of their own.
 * Only counters and drop reasons the kernel sent are printed; a value
 * without a name (a newer kernel's) is printed as its number.
 *
 * A VIP's bypass state (single-address tenants) follows its dest count in
 * "vip show" and "monitor": in text " active 1 router pending bypass-dest
 * 203.0.113.11:80 changed 12.3s ago" (router only for bypass auto VIPs or
 * when not lb, bypass-dest only when there is one, changed only after a
 * transition); in JSON "active_dests", "router", "bypass_dest" ({"addr",
 * "port"} or null) and "changed_ms" (ms since the epoch, or null).
 */
#ifndef LBNL_LB_PRINT_H
#define LBNL_LB_PRINT_H

#include "objects.h"

/* Text "192.0.2.1:80" ("[2001:db8::1]:80"); JSON "addr" and "port" keys. */
void lbnl_print_addr_port(const struct lbnl_addr *addr, uint16_t port);

/* JSON: "flags": ["single"]; text: " flags single" (none: nothing). */
struct lbnl_name_table;
void lbnl_print_flags(const struct lbnl_name_table *names, uint32_t flags);

/* The bypass state of a VIP (now_ms: ms since the epoch), see above. */
void lbnl_vip_bypass_print(const struct lbu_vip *vip, uint64_t now_ms);

/* One entry: a text line, or a JSON object (the caller opens the array). */
void lbnl_conn_print(const struct lbu_conn *c);

/*
 * The fields of a migration: the caller opens and closes the JSON object
 * and ends the text line.
 */
void lbnl_migrate_print(const struct lbnl_migrate *m);

/*
 * The whole "stats" document: global (NULL: left out) and the entries of
 * a STATS_GET dump, each VIP followed by its dests.
 */
void lbnl_stats_print(const struct lbnl_stats *global,
		      const struct lbnl_stats_list *list);

#endif
