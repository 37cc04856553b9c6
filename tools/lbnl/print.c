// SPDX-License-Identifier: GPL-2.0
/*
 * Printing lbnl objects, text and JSON through the same calls. Text reads
 * like the command that would create the object ("192.0.2.1:80 proto tcp
 * mode nat ..."), so "save" and "monitor" reuse these functions.
 */
#include <inttypes.h>
#include <stdio.h>
#include <linux/lbnl.h>

#include "json_print.h"
#include "lb_print.h"
#include "lbnl.h"
#include "names.h"
#include "util.h"

/* A value without a name (a newer kernel's) prints as its number. */
static void print_name(const char *key, const char *fmt,
		       const struct lbnl_name_table *t, unsigned int value)
{
	const char *name = lbnl_name(t, value);
	char num[16];

	if (!name) {
		snprintf(num, sizeof(num), "%u", value);
		name = num;
	}
	print_string(PRINT_ANY, key, fmt, name);
}

void print_vip_key(const struct lbu_vip_key *key)
{
	lbnl_print_addr_port(&key->addr, key->port);
	print_name("proto", " proto %s", &lbnl_proto_names, key->proto);
}

void print_vip_settings(const struct lbu_vip *vip)
{
	if (vip->has & LBNL_VIP_HAS_MODE)
		print_name("mode", " mode %s", &lbnl_mode_names, vip->mode);
	if (vip->has & LBNL_VIP_HAS_SCHED)
		print_name("sched", " sched %s", &lbnl_sched_names,
			   vip->sched);
	if (vip->has & LBNL_VIP_HAS_BYPASS)
		print_name("bypass", " bypass %s", &lbnl_bypass_names,
			   vip->bypass);
	if (vip->has & LBNL_VIP_HAS_MIGRATE_AFTER)
		print_uint(PRINT_ANY, "migrate_after", " migrate-after %u",
			   vip->migrate_after);
}

void print_vip_status(const struct lbu_vip *vip)
{
	lbnl_print_flags(&lbnl_flag_names, vip->flags);
	if (vip->has & LBNL_VIP_HAS_DEST_COUNT)
		print_uint(PRINT_ANY, "dest_count", " dests %u",
			   vip->dest_count);
	lbnl_vip_bypass_print(vip, lbnl_now_ms());
}

void print_dest(const struct lbu_dest *dest)
{
	lbnl_print_addr_port(&dest->addr, dest->port);
	if (dest->has & LBNL_DEST_HAS_WEIGHT)
		print_uint(PRINT_ANY, "weight", " weight %u", dest->weight);
	if (dest->has & LBNL_DEST_HAS_STATE)
		print_name("state", " state %s", &lbnl_state_names,
			   dest->state);
	if (dest->has & LBNL_DEST_HAS_TAG_ID)
		print_uint(PRINT_ANY, "tag_id", " tag-id %u", dest->tag_id);
}

void print_dest_emptying(const struct lbu_dest *dest)
{
	if (!(dest->has & LBNL_DEST_HAS_EMPTYING))
		return;
	print_uint(PRINT_ANY, "moved", " moved %u", dest->moved);
	print_uint(PRINT_ANY, "left", " left %u", dest->left);
	print_uint(PRINT_ANY, "unmigratable", " unmigratable %u",
		   dest->unmigratable);
}

/* "LADDR:LPORT peer PADDR:PPORT"; JSON local_addr, local_port, ... */
void print_assoc_key(const struct lbnl_assoc_key *key)
{
	char text[LBNL_ADDRPORTSTRLEN], json[LBNL_ADDRSTRLEN];

	print_string(PRINT_FP, NULL, "%s",
		     lbnl_format_addr_port(&key->laddr, key->lport, text,
					   sizeof(text)));
	print_string(PRINT_JSON, "local_addr", NULL,
		     lbnl_format_addr(&key->laddr, json, sizeof(json)));
	print_uint(PRINT_JSON, "local_port", NULL, key->lport);
	print_string(PRINT_FP, NULL, " peer %s",
		     lbnl_format_addr_port(&key->paddr, key->pport, text,
					   sizeof(text)));
	print_string(PRINT_JSON, "peer_addr", NULL,
		     lbnl_format_addr(&key->paddr, json, sizeof(json)));
	print_uint(PRINT_JSON, "peer_port", NULL, key->pport);
}

void print_assoc_vtags(const struct lbnl_assoc *assoc)
{
	if (!(assoc->has & LBNL_ASSOC_HAS_VTAGS))
		return;
	print_uint(PRINT_ANY, "vtag", " vtag 0x%08x", assoc->my_vtag);
	print_uint(PRINT_ANY, "peer_vtag", " peer-vtag 0x%08x",
		   assoc->peer_vtag);
}

/* " age 12.3s" / "age_ms": 12345; unknown: " age -" / null. */
static void print_assoc_age(const struct lbnl_assoc *assoc, uint64_t now_ms)
{
	uint64_t age;
	char text[48];

	if (!(assoc->has & LBNL_ASSOC_HAS_CREATED) || !assoc->created_ms) {
		print_null(PRINT_ANY, "age_ms", " age -");
		return;
	}
	age = now_ms > assoc->created_ms ? now_ms - assoc->created_ms : 0;
	snprintf(text, sizeof(text), " age %" PRIu64 ".%" PRIu64 "s",
		 age / 1000, age % 1000 / 100);
	print_string(PRINT_FP, NULL, "%s", text);
	print_u64(PRINT_JSON, "age_ms", NULL, age);
}

/*
 * state established age 12.3s style one-to-one id 5 unacked 0 pending 0
 * unread 0 migratable no (AUTH negotiated) silenced
 */
void print_assoc_status(const struct lbnl_assoc *assoc, uint64_t now_ms)
{
	bool has_reason = assoc->has & LBNL_ASSOC_HAS_REASON;

	if (!(assoc->has & LBNL_ASSOC_HAS_INFO))
		return;
	print_name("state", " state %s", &lbnl_sctp_state_names,
		   assoc->state);
	print_assoc_age(assoc, now_ms);
	print_name("style", " style %s", &lbnl_assoc_style_names,
		   assoc->style);
	print_uint(PRINT_ANY, "id", " id %u", assoc->id);
	print_uint(PRINT_ANY, "unacked", " unacked %u", assoc->unacked);
	print_uint(PRINT_ANY, "pending", " pending %u", assoc->pending);
	print_uint(PRINT_ANY, "unread", " unread %u", assoc->unread);
	print_bool(PRINT_JSON, "silenced", NULL, assoc->silenced);
	print_bool(PRINT_ANY, "migratable", " migratable %s",
		   assoc->migratable);
	if (has_reason)
		print_string(PRINT_ANY, "reason", " (%s)", assoc->reason);
	else
		print_null(PRINT_JSON, "reason", NULL);
	if (assoc->silenced)
		print_text(" silenced");
}
