// SPDX-License-Identifier: GPL-2.0
/*
 * The hook driver: for routers lbnld cannot drive through a kernel table
 * (FRR, ExaBGP, an SDN controller), run a command for each address that
 * changes and wait for it:
 *
 *	HOOK bypass   VIP DEST PROTOS PORTS	route VIP to DEST
 *	HOOK unbypass VIP ""   PROTOS PORTS	back to the LB (was bypassed)
 *	HOOK self     VIP ""   PROTOS PORTS	to the LB (new, or at start)
 *	HOOK withdraw VIP ""   ""     ""	VIP address without VIPs
 *
 * PROTOS and PORTS list the address's VIPs, comma-separated, in the same
 * order ("tcp,udp" "80,53"). Exit status 0 means done; a bypass is
 * confirmed to the module only then. Anything else (or the timeout) is a
 * failure: the same change is tried again later. lbnld knows nothing of
 * the router's state but what the hook accepted, so it tells the hook
 * about every address when it starts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lbnld.h"
#include "names.h"

/* The driver -------------------------------------------------------------- */

/* "tcp,udp" and "80,53": the VIPs of d. Freed by the caller. */
static int vip_lists(const struct lbnld_plan *plan,
		     const struct lbnld_decision *d, char **protos,
		     char **ports)
{
	size_t i, size = d->count * 16 + 1, np = 0, nq = 0;

	*protos = malloc(size);
	*ports = malloc(size);
	if (!*protos || !*ports) {
		free(*protos);
		free(*ports);
		return -ENOMEM;
	}
	**protos = **ports = '\0';
	for (i = d->first; i < d->first + d->count; i++) {
		const struct lbu_vip_key *k = &plan->vips[i].key;
		const char *name = lbnl_name(&lbnl_proto_names, k->proto);
		const char *sep = i > d->first ? "," : "";

		if (name)
			np += (size_t)snprintf(*protos + np, size - np, "%s%s",
					       sep, name);
		else
			np += (size_t)snprintf(*protos + np, size - np, "%s%u",
					       sep, k->proto);
		nq += (size_t)snprintf(*ports + nq, size - nq, "%s%u", sep,
				       k->port);
	}
	return 0;
}

static int hook_write(struct lbnld *ld, const struct lbnld_plan *plan,
		      const struct lbnld_decision *d,
		      const struct lbnld_change *c)
{
	char addr[LBNL_ADDRSTRLEN], dest[LBNL_ADDRSTRLEN] = "";
	const char *args[7] = { ld->conf.hook, "self", addr, dest };
	char *protos, *ports;
	int err;

	lbnl_format_addr(&d->addr, addr, sizeof(addr));
	if (c->want.kind == LBNLD_VIA) {
		args[1] = "bypass";
		lbnl_format_addr(&c->want.via, dest, sizeof(dest));
	} else if (c->had && c->prev.kind == LBNLD_VIA) {
		args[1] = "unbypass";
	}
	err = vip_lists(plan, d, &protos, &ports);
	if (err)
		return err;
	args[4] = protos;
	args[5] = ports;
	err = lbnld_run("hook", args, ld->conf.hook_timeout,
			 "hook-timeout");
	free(protos);
	free(ports);
	return err;
}

static int hook_remove(struct lbnld *ld, const struct lbnld_route *r)
{
	char addr[LBNL_ADDRSTRLEN];
	const char *args[] = { ld->conf.hook, "withdraw", addr, "", "", "",
			       NULL };

	lbnl_format_addr(&r->addr, addr, sizeof(addr));
	return lbnld_run("hook", args, ld->conf.hook_timeout,
			 "hook-timeout");
}

/* What the hook accepted so far: all lbnld knows of the router. */
static int hook_load(struct lbnld *ld, struct lbnld_route_list *current)
{
	size_t i;
	int err;

	memset(current, 0, sizeof(*current));
	for (i = 0; i < ld->told.count; i++) {
		err = lbnld_route_list_add(current, &ld->told.routes[i]);
		if (err) {
			lbnld_route_list_free(current);
			return err;
		}
	}
	return 0;
}

static void hook_applied(struct lbnld *ld, struct lbnld_route_list *in_place)
{
	lbnld_route_list_free(&ld->told);
	ld->told = *in_place;
	memset(in_place, 0, sizeof(*in_place));
}

const struct lbnld_driver lbnld_hook_driver = {
	.written = "hook done",
	.in_place = "hook told before",
	.removed = "hook done",
	.load = hook_load,
	.write = hook_write,
	.remove = hook_remove,
	.applied = hook_applied,
};
