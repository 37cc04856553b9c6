// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "objects.h"

bool lbnl_vip_key_equal(const struct lbu_vip_key *a,
			const struct lbu_vip_key *b)
{
	return a->port == b->port && a->proto == b->proto &&
	       lbnl_addr_equal(&a->addr, &b->addr);
}

int lbnl_vip_key_compare(const struct lbu_vip_key *a,
			 const struct lbu_vip_key *b)
{
	int r = lbnl_addr_compare(&a->addr, &b->addr);

	if (r)
		return r;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (int)a->proto - (int)b->proto;
}

void lbnl_vip_list_free(struct lbnl_vip_list *l)
{
	free(l->vips);
	l->vips = NULL;
	l->count = 0;
}

void lbnl_dest_list_free(struct lbnl_dest_list *l)
{
	free(l->dests);
	l->dests = NULL;
	l->count = 0;
}

void lbnl_assoc_list_free(struct lbnl_assoc_list *l)
{
	free(l->assocs);
	l->assocs = NULL;
	l->count = 0;
}

void lbnl_conn_list_free(struct lbnl_conn_list *l)
{
	free(l->conns);
	l->conns = NULL;
	l->count = 0;
}

void lbnl_stats_list_free(struct lbnl_stats_list *l)
{
	free(l->entries);
	l->entries = NULL;
	l->count = 0;
}

void lbnl_migrate_list_free(struct lbnl_migrate_list *l)
{
	free(l->migrations);
	l->migrations = NULL;
	l->count = 0;
}

void lbu_assoc_state_free(struct lbu_assoc_state *s)
{
	free(s->laddrs);
	free(s->paths);
	free(s->out_ssn);
	free(s->in_ssn);
	memset(s, 0, sizeof(*s));
}

static bool assoc_key_equal(const struct lbnl_assoc_key *a,
			    const struct lbnl_assoc_key *b)
{
	return a->lport == b->lport && a->pport == b->pport &&
	       lbnl_addr_equal(&a->laddr, &b->laddr) &&
	       lbnl_addr_equal(&a->paddr, &b->paddr);
}

static bool paths_equal(const struct lbu_assoc_path *a,
			const struct lbu_assoc_path *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lbnl_addr_equal(&a[i].addr, &b[i].addr) ||
		    a[i].rto_us != b[i].rto_us ||
		    a[i].srtt_us != b[i].srtt_us ||
		    a[i].rttvar_us != b[i].rttvar_us ||
		    a[i].cwnd != b[i].cwnd || a[i].ssthresh != b[i].ssthresh)
			return false;
	return true;
}

static bool u32s_equal(const uint32_t *a, const uint32_t *b, size_t n)
{
	return !n || !memcmp(a, b, n * sizeof(*a));
}

bool lbnl_assoc_state_equal(const struct lbu_assoc_state *a,
			    const struct lbu_assoc_state *b)
{
	size_t i;

	if (a->version != b->version || !assoc_key_equal(&a->key, &b->key) ||
	    a->n_laddrs != b->n_laddrs || a->n_paths != b->n_paths ||
	    a->out_streams != b->out_streams || a->in_streams != b->in_streams)
		return false;
	for (i = 0; i < a->n_laddrs; i++)
		if (!lbnl_addr_equal(&a->laddrs[i], &b->laddrs[i]))
			return false;
	return paths_equal(a->paths, b->paths, a->n_paths) &&
	       u32s_equal(a->out_ssn, b->out_ssn, a->out_streams) &&
	       u32s_equal(a->in_ssn, b->in_ssn, a->in_streams) &&
	       a->my_vtag == b->my_vtag && a->peer_vtag == b->peer_vtag &&
	       a->next_tsn == b->next_tsn &&
	       a->peer_next_tsn == b->peer_next_tsn &&
	       a->peer_rwnd == b->peer_rwnd && a->features == b->features &&
	       a->addip_serial == b->addip_serial &&
	       a->peer_addip_serial == b->peer_addip_serial &&
	       a->strreset_outseq == b->strreset_outseq &&
	       a->strreset_inseq == b->strreset_inseq &&
	       a->adaptation_ind == b->adaptation_ind &&
	       a->created_ms == b->created_ms;
}
