// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/lbnl.h>

#include "json_print.h"
#include "lb_print.h"
#include "names.h"
#include "util.h"

/* "192.0.2.1:80" in both modes; text: fmt around it. */
static void print_endpoint(enum output_type t, const char *key,
			   const char *fmt, const struct lbnl_addr *addr,
			   uint16_t port)
{
	char buf[LBNL_ADDRPORTSTRLEN];

	print_string(t, key, fmt,
		     lbnl_format_addr_port(addr, port, buf, sizeof(buf)));
}

/* A value without a name (a newer kernel's) prints as its number. */
static void print_name(enum output_type type, const char *key,
		       const char *fmt, const struct lbnl_name_table *t,
		       unsigned int value)
{
	const char *name = lbnl_name(t, value);
	char num[16];

	if (!name) {
		snprintf(num, sizeof(num), "%u", value);
		name = num;
	}
	print_string(type, key, fmt, name);
}

void lbnl_print_addr_port(const struct lbnl_addr *addr, uint16_t port)
{
	char text[LBNL_ADDRPORTSTRLEN], json[LBNL_ADDRSTRLEN];

	print_string(PRINT_FP, NULL, "%s",
		     lbnl_format_addr_port(addr, port, text, sizeof(text)));
	print_string(PRINT_JSON, "addr", NULL,
		     lbnl_format_addr(addr, json, sizeof(json)));
	print_uint(PRINT_JSON, "port", NULL, port);
}

/* Single-address tenants -------------------------------------------------- */

/* " changed 12.3s ago" / "changed_ms": 1700000000000 (0: none, null). */
static void print_changed(uint64_t changed_ms, uint64_t now_ms)
{
	uint64_t ago = now_ms > changed_ms ? now_ms - changed_ms : 0;
	char text[64];

	if (!changed_ms) {
		print_null(PRINT_JSON, "changed_ms", NULL);
		return;
	}
	snprintf(text, sizeof(text), " changed %" PRIu64 ".%" PRIu64 "s ago",
		 ago / 1000, ago % 1000 / 100);
	print_string(PRINT_FP, NULL, "%s", text);
	print_u64(PRINT_JSON, "changed_ms", NULL, changed_ms);
}

void lbnl_vip_bypass_print(const struct lbu_vip *vip, uint64_t now_ms)
{
	bool bypass_auto = (vip->has & LBNL_VIP_HAS_BYPASS) &&
			   vip->bypass == LBNL_BYPASS_AUTO;

	if (vip->has & LBNL_VIP_HAS_ACTIVE_DESTS)
		print_uint(PRINT_ANY, "active_dests", " active %u",
			   vip->active_dests);
	if (!(vip->has & LBNL_VIP_HAS_ROUTER))
		return;		/* a module without bypass support */
	/* Text: only where it tells something (bypass auto, or not "lb"). */
	print_name(bypass_auto || vip->router != LBNL_ROUTER_LB ?
		   PRINT_ANY : PRINT_JSON, "router", " router %s",
		   &lbnl_router_names, vip->router);
	if (vip->has & LBNL_VIP_HAS_BYPASS_DEST) {
		print_text(" bypass-dest ");
		open_json_object("bypass_dest");
		lbnl_print_addr_port(&vip->bypass_addr, vip->bypass_port);
		close_json_object();
	} else {
		print_null(PRINT_JSON, "bypass_dest", NULL);
	}
	print_changed((vip->has & LBNL_VIP_HAS_CHANGED) ? vip->changed_ms : 0,
		      now_ms);
}

void lbnl_print_flags(const struct lbnl_name_table *names, uint32_t flags)
{
	const char *sep = " flags ";
	uint32_t bit;

	open_json_array("flags");
	for (bit = 1; bit; bit <<= 1) {
		const char *name = lbnl_name(names, bit);
		char num[16];

		if (!(flags & bit))
			continue;
		if (!name) {
			snprintf(num, sizeof(num), "0x%x", bit);
			name = num;
		}
		print_text(sep);
		print_string(PRINT_ANY, NULL, "%s", name);
		sep = ",";
	}
	close_json_array();
}

/*
 * JSON: "age_ms": 12345; text: " age 12s", or with tenths " age 12.3s"
 * (rounded down).
 */
static void print_ms(const char *key, const char *word, uint64_t ms,
		     bool tenths)
{
	char text[64];

	if (tenths)
		snprintf(text, sizeof(text), " %s %" PRIu64 ".%" PRIu64 "s",
			 word, ms / 1000, ms % 1000 / 100);
	else
		snprintf(text, sizeof(text), " %s %" PRIu64 "s", word,
			 ms / 1000);
	print_string(PRINT_FP, NULL, "%s", text);
	print_u64(PRINT_JSON, key, NULL, ms);
}

/*
 * What a line of the LB role starts with - text: "tcp 192.0.2.1:80";
 * JSON: "vip": "192.0.2.1:80", "proto": "tcp" - and its peer.
 */
static void print_vip_and_peer(const struct lbu_vip_key *vip,
			       const struct lbnl_addr *peer_addr,
			       uint16_t peer_port)
{
	print_name(PRINT_FP, NULL, "%s", &lbnl_proto_names, vip->proto);
	print_endpoint(PRINT_ANY, "vip", " %s", &vip->addr, vip->port);
	print_name(PRINT_JSON, "proto", NULL, &lbnl_proto_names, vip->proto);
	if (peer_addr)
		print_endpoint(PRINT_ANY, "peer", " peer %s", peer_addr,
			       peer_port);
}

void lbnl_conn_print(const struct lbu_conn *c)
{
	open_json_object(NULL);
	print_vip_and_peer(&c->vip, &c->peer_addr, c->peer_port);
	if (c->has & LBNL_CONN_HAS_DEST)
		print_endpoint(PRINT_ANY, "dest", " dest %s", &c->dest_addr,
			       c->dest_port);
	if (c->has & LBNL_CONN_HAS_STATE)
		print_name(PRINT_ANY, "state", " %s", &lbnl_conn_state_names,
			   c->state);
	lbnl_print_flags(&lbnl_conn_flag_names, c->flags);
	if (c->has & LBNL_CONN_HAS_AGE)
		print_ms("age_ms", "age", c->age_ms, false);
	if (c->has & LBNL_CONN_HAS_IDLE)
		print_ms("idle_ms", "idle", c->idle_ms, false);
	if (c->has & LBNL_CONN_HAS_EXPIRES)
		print_ms("expires_ms", "expires", c->expires_ms, false);
	if (c->has & LBNL_CONN_HAS_PACKETS)
		print_u64(PRINT_ANY, "packets", " packets %" PRIu64,
			  c->packets);
	if (c->has & LBNL_CONN_HAS_BYTES)
		print_u64(PRINT_ANY, "bytes", " bytes %" PRIu64, c->bytes);
	if (c->has & LBNL_CONN_HAS_MY_VTAG) {
		print_uint(PRINT_FP, NULL, " vtag 0x%08x", c->my_vtag);
		print_uint(PRINT_JSON, "my_vtag", NULL, c->my_vtag);
	}
	if (c->has & LBNL_CONN_HAS_PEER_VTAG)
		print_uint(PRINT_ANY, "peer_vtag", " peer_vtag 0x%08x",
			   c->peer_vtag);
	if (c->has & LBNL_CONN_HAS_MIGRATE_FAILED) {
		print_uint(PRINT_ANY, "migrate_failed", " migrate-failed %u",
			   c->migrate_failed);
		print_string(PRINT_ANY, "migrate_end", " (last: %s)",
			     c->migrate_end);
	}
	print_nl();
	close_json_object();
}

/* Migrations --------------------------------------------------------------- */

void lbnl_migrate_print(const struct lbnl_migrate *m)
{
	unsigned int has = m->has;

	print_vip_and_peer(&m->vip, has & LBNL_MIGRATE_HAS_PEER ?
			   &m->peer.addr : NULL, m->peer.port);
	if (has & LBNL_MIGRATE_HAS_VTAG)
		print_uint(PRINT_ANY, "vtag", " vtag 0x%08x", m->vtag);
	if (has & LBNL_MIGRATE_HAS_SOURCE)
		print_endpoint(PRINT_ANY, "source", " from %s",
			       &m->source.addr, m->source.port);
	if (has & LBNL_MIGRATE_HAS_TARGET)
		print_endpoint(PRINT_ANY, "target", " to %s",
			       &m->target.addr, m->target.port);
	if (has & LBNL_MIGRATE_HAS_STATE)
		print_name(PRINT_ANY, "state", " state %s",
			   &lbnl_migrate_state_names, m->state);
	if (has & LBNL_MIGRATE_HAS_AGE)
		print_ms("age_ms", "age", m->age_ms, true);
	if (has & LBNL_MIGRATE_HAS_TIMEOUT)
		print_uint(PRINT_ANY, "timeout_ms", " timeout %ums",
			   m->timeout_ms);
	if (has & LBNL_MIGRATE_HAS_BUFFERED)
		print_uint(PRINT_ANY, "buffered", " buffered %u", m->buffered);
	if (has & LBNL_MIGRATE_HAS_BUFFERED_MAX)
		print_uint(PRINT_ANY, "buffered_max", " max %u",
			   m->buffered_max);
	if (has & LBNL_MIGRATE_HAS_ID)
		print_uint(PRINT_ANY, "id", " id %u", m->id);
	if (has & LBNL_MIGRATE_HAS_REASON)
		print_string(PRINT_ANY, "reason", " reason %s", m->reason);
}

/* Counters --------------------------------------------------------------- */

static const char *const counter_names[LBNL_COUNTERS] = {
	[LBNL_COUNTER_PACKETS_IN] = "packets_in",
	[LBNL_COUNTER_BYTES_IN] = "bytes_in",
	[LBNL_COUNTER_PACKETS_OUT] = "packets_out",
	[LBNL_COUNTER_BYTES_OUT] = "bytes_out",
	[LBNL_COUNTER_CONNS] = "conns",
	[LBNL_COUNTER_PICKED_UP] = "picked_up",
	[LBNL_COUNTER_ACTIVE_CONNS] = "active_conns",
	[LBNL_COUNTER_DROPPED] = "dropped",
	[LBNL_COUNTER_UNCONFIRMED] = "unconfirmed",
	[LBNL_COUNTER_EVICTED] = "evicted",
};

/*
 * JSON: "drops": {"truncated": 0, ...} with every reason sent; text: a
 * line "  drops truncated 1 fragment 2" with those that are not zero
 * (none: no line).
 */
static void print_drops(const struct lbnl_stats *st)
{
	bool any = false;
	unsigned int r;

	open_json_object("drops");
	for (r = 1; r < LBNL_DROP_SLOTS; r++) {
		const char *name = lbnl_name(&lbnl_drop_reason_names, r);
		char num[16], fmt[48];

		if (!(st->drops_present & (1ULL << r)))
			continue;
		if (!is_json_context() && !st->drops[r])
			continue;
		if (!name) {
			snprintf(num, sizeof(num), "%u", r);
			name = num;
		}
		if (!any)
			print_text("\n  drops");
		any = true;
		snprintf(fmt, sizeof(fmt), " %s %%" PRIu64, name);
		print_u64(PRINT_ANY, name, fmt, st->drops[r]);
	}
	close_json_object();
}

/* " packets_in 10 bytes_in 1200 ..." / "packets_in": 10, ... */
static void print_counters(const struct lbnl_stats *st)
{
	unsigned int i;

	for (i = 0; i < LBNL_COUNTERS; i++) {
		char fmt[48];

		if (!(st->has & (1U << i)))
			continue;
		snprintf(fmt, sizeof(fmt), " %s %%" PRIu64, counter_names[i]);
		print_u64(PRINT_ANY, counter_names[i], fmt, st->counters[i]);
	}
	if (st->has_drops)
		print_drops(st);
}

static void print_dest_stats(const struct lbnl_stats_entry *e)
{
	print_text("  dest ");
	open_json_object(NULL);
	print_endpoint(PRINT_ANY, "dest", "%s", &e->dest.addr, e->dest.port);
	print_counters(&e->stats);
	print_nl();
	close_json_object();
}

/*
 * A VIP and its dests: the run of entries from first on with the same VIP
 * key (the kernel sends a VIP's dests right after it). Returns the end of
 * the run.
 */
static size_t print_vip_stats(const struct lbnl_stats_list *list,
			      size_t first)
{
	const struct lbu_vip_key *key = &list->entries[first].vip;
	const struct lbnl_stats_entry *vip = NULL;
	size_t i, end;

	for (end = first; end < list->count; end++) {
		const struct lbnl_stats_entry *e = &list->entries[end];

		if (!lbnl_vip_key_equal(&e->vip, key))
			break;
		if (!e->is_dest && !vip)
			vip = e;
	}
	open_json_object(NULL);
	print_text("vip ");
	print_endpoint(PRINT_ANY, "vip", "%s", &key->addr, key->port);
	print_name(PRINT_ANY, "proto", " proto %s", &lbnl_proto_names,
		   key->proto);
	if (vip)
		print_counters(&vip->stats);
	print_nl();
	open_json_array("dests");
	for (i = first; i < end; i++)
		if (list->entries[i].is_dest)
			print_dest_stats(&list->entries[i]);
	close_json_array();
	close_json_object();
	return end;
}

void lbnl_stats_print(const struct lbnl_stats *global,
		      const struct lbnl_stats_list *list)
{
	size_t i;

	open_json_object(NULL);
	if (global) {
		print_text("global");
		open_json_object("global");
		print_counters(global);
		close_json_object();
		print_nl();
	}
	open_json_array("vips");
	for (i = 0; i < list->count; )
		i = print_vip_stats(list, i);
	close_json_array();
	close_json_object();
}
