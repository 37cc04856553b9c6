// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl generic netlink API: the contract of include/uapi/linux/lbnl.h,
 * include/uapi/linux/lbnl_srv.h and the table of refusals refusals.h,
 * checked over raw generic netlink.
 *
 *   every TEST forks; FIXTURE_SETUP unshares a fresh network namespace, so
 *   each test starts from an empty lbnl configuration and leaves nothing.
 *
 *   fixture "af" (variants ipv4, ipv6): object life cycle and every refusal
 *   fixture "lbnl": capabilities, namespaces, scale, limits, events, dumps
 *   fixture "srv": refusals of the server role's family, "lbnl_srv", and
 *   its routable-tag setting
 *
 * A refusal is checked four ways: the errno and the whole extack message of
 * its row in refusals.h (the one table of refusals: "make check" holds it
 * to kmod/), the offending attribute (NLMSGERR_ATTR_OFFS) where one
 * applies, and a dump of every VIP and dest taken before and after that must
 * be byte-identical (nothing half-applied).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#include "nl_util.h"
#include "refusals.h"

/* The 6.1 harness is not -Wextra clean by itself (__timeout_handler). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

/* The settings of the caller's namespace, and their seeds. */
#define PARAM_DIR	"/proc/sys/net/lbnl/"
#define SEED_DIR	"/sys/module/lbnl/parameters/"
#define NL_EBADREPLY	(-10001)	/* the kernel's reply did not parse */

/* The message of the refusal @id of refusals.h. */
#define MSG(id)		(refusal(#id)->msg)
#define M_ANY		NULL	/* any non-empty message (core policy) */

/* errno "EINVAL or ERANGE": the core's policy may answer either. */
#define EPOLICY		(-20000)

struct lbnl_ctx {
	struct nl_sock sk;
	__u16 fam;
	__u32 grp;
};

/* -1 in an optional field: not given (request) / absent (reply). */
struct vip {
	int af;
	__u8 addr[16];
	__u16 port;
	__u8 proto;
	int mode, sched, bypass;
	long long migrate_after, flags, dest_count, active_dests;
	int router;
	int bdest_af;		/* BYPASS_DEST: 0 none, -1 not compared */
	__u8 bdest[16];
};

struct dest {
	int af;
	__u8 addr[16];
	int port;
	long long weight;
	int state;
};

struct dent {			/* one DEST_GET dump entry */
	struct vip vip;
	struct dest d;
};

struct snap {			/* the whole configuration, canonical */
	int err;
	unsigned int nvip, ndest;
	__u8 *blob;
	size_t len;
};

static char last_ext[640];	/* outcome of the last request, for logs */

/* ---------------------------------------------------------------------- */
/* objects */

static int alen(int af)
{
	return af == AF_INET ? 4 : 16;
}

static int parse_addr(const char *s, __u8 *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	fprintf(stderr, "bad address in test: %s\n", s);
	abort();
}

static struct vip V(const char *addr, int port, int proto)
{
	struct vip v = {
		.port = port, .proto = proto,
		.mode = -1, .sched = -1, .bypass = -1,
		.migrate_after = -1, .flags = -1, .dest_count = -1,
		.active_dests = -1, .router = -1, .bdest_af = -1,
	};

	v.af = parse_addr(addr, v.addr);
	return v;
}

static struct vip VF(const char *addr, int port, int proto, int mode,
		     int sched, int bypass, long long migrate_after)
{
	struct vip v = V(addr, port, proto);

	v.mode = mode;
	v.sched = sched;
	v.bypass = bypass;
	v.migrate_after = migrate_after;
	return v;
}

static struct dest D(const char *addr, int port, long long weight, int state)
{
	struct dest d = { .port = port, .weight = weight, .state = state };

	d.af = parse_addr(addr, d.addr);
	return d;
}

static const char *vip_str(const struct vip *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(v->af, v->addr, a, sizeof(a));
	snprintf(buf, len,
		 v->af == AF_INET6 ? "[%s]:%u/%u mode %d sched %d bypass %d migrate_after %lld flags %lld dest_count %lld"
				   : "%s:%u/%u mode %d sched %d bypass %d migrate_after %lld flags %lld dest_count %lld",
		 a, v->port, v->proto, v->mode, v->sched, v->bypass,
		 v->migrate_after, v->flags, v->dest_count);
	return buf;
}

static const char *dest_str(const struct dest *d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(d->af, d->addr, a, sizeof(a));
	snprintf(buf, len, "%s port %d weight %lld state %d", a, d->port,
		 d->weight, d->state);
	return buf;
}

static bool vip_key_eq(const struct vip *a, const struct vip *b)
{
	return a->af == b->af && !memcmp(a->addr, b->addr, alen(a->af)) &&
	       a->port == b->port && a->proto == b->proto;
}

/* ---------------------------------------------------------------------- */
/* requests */

static void msg_init(struct lbnl_ctx *c, struct nl_msg *m, __u8 cmd)
{
	nl_msg_init(m, c->fam, cmd, LBNL_GENL_VERSION);
}

static void put_vip_attrs(struct nl_msg *m, const struct vip *v,
			  bool key_only)
{
	nl_put(m, LBNL_A_VIP_ADDR, v->addr, alen(v->af));
	nl_put_u16(m, LBNL_A_VIP_PORT, v->port);
	nl_put_u8(m, LBNL_A_VIP_PROTO, v->proto);
	if (!key_only) {
		if (v->mode >= 0)
			nl_put_u8(m, LBNL_A_VIP_MODE, v->mode);
		if (v->sched >= 0)
			nl_put_u8(m, LBNL_A_VIP_SCHED, v->sched);
		if (v->bypass >= 0)
			nl_put_u8(m, LBNL_A_VIP_BYPASS, v->bypass);
		if (v->migrate_after >= 0)
			nl_put_u32(m, LBNL_A_VIP_MIGRATE_AFTER, v->migrate_after);
	}
}

static struct nlattr *put_vip(struct nl_msg *m, const struct vip *v,
			      bool key_only)
{
	struct nlattr *n = nl_nest_start(m, LBNL_A_VIP);

	put_vip_attrs(m, v, key_only);
	nl_nest_end(m, n);
	return n;
}

static struct nlattr *put_dest(struct nl_msg *m, const struct dest *d)
{
	struct nlattr *n = nl_nest_start(m, LBNL_A_DEST);

	nl_put(m, LBNL_A_DEST_ADDR, d->addr, alen(d->af));
	if (d->port >= 0)
		nl_put_u16(m, LBNL_A_DEST_PORT, d->port);
	if (d->weight >= 0)
		nl_put_u32(m, LBNL_A_DEST_WEIGHT, d->weight);
	if (d->state >= 0)
		nl_put_u8(m, LBNL_A_DEST_STATE, d->state);
	nl_nest_end(m, n);
	return n;
}

static void msg_vip(struct lbnl_ctx *c, struct nl_msg *m, __u8 cmd,
		    const struct vip *v)
{
	msg_init(c, m, cmd);
	put_vip(m, v, cmd == LBNL_CMD_VIP_DEL || cmd == LBNL_CMD_VIP_GET);
}

static void msg_dest(struct lbnl_ctx *c, struct nl_msg *m, __u8 cmd,
		     const struct vip *v, const struct dest *d)
{
	msg_init(c, m, cmd);
	put_vip(m, v, true);
	put_dest(m, d);
}

static int lbnl_do(struct lbnl_ctx *c, struct nl_msg *m, struct nl_reply *out)
{
	struct nl_reply r;
	int err = nl_do(&c->sk, m, &r);

	snprintf(last_ext, sizeof(last_ext), "%s, extack \"%s\"",
		 err == NL_ETRANSPORT ? "transport failure" :
		 err ? strerror(-err) : "ok",
		 r.has_msg ? r.ext_msg : "");
	if (out)
		*out = r;
	else
		nl_reply_free(&r);
	return err;
}

static int lbnl_cmd_vip(struct lbnl_ctx *c, __u8 cmd, const struct vip *v)
{
	struct nl_msg m;

	msg_vip(c, &m, cmd, v);
	return lbnl_do(c, &m, NULL);
}

static int lbnl_cmd_dest(struct lbnl_ctx *c, __u8 cmd, const struct vip *v,
			 const struct dest *d)
{
	struct nl_msg m;

	msg_dest(c, &m, cmd, v, d);
	return lbnl_do(c, &m, NULL);
}

#define vip_new(c, v)		lbnl_cmd_vip(c, LBNL_CMD_VIP_NEW, v)
#define vip_set(c, v)		lbnl_cmd_vip(c, LBNL_CMD_VIP_SET, v)
#define vip_del(c, v)		lbnl_cmd_vip(c, LBNL_CMD_VIP_DEL, v)
#define dest_new(c, v, d)	lbnl_cmd_dest(c, LBNL_CMD_DEST_NEW, v, d)
#define dest_set(c, v, d)	lbnl_cmd_dest(c, LBNL_CMD_DEST_SET, v, d)
#define dest_del(c, v, d)	lbnl_cmd_dest(c, LBNL_CMD_DEST_DEL, v, d)

/*
 * A VIP_NEW or VIP_SET of @v (its settings) with dests in LBNL_A_VIP_DESTS:
 * vd_begin() opens the nest, the dests follow (put_dest(), or by hand),
 * vd_end() closes it.
 */
struct vd {
	struct nlattr *vip, *list;
};

static void vd_begin(struct lbnl_ctx *c, struct nl_msg *m, __u8 cmd,
		     const struct vip *v, struct vd *st)
{
	msg_init(c, m, cmd);
	st->vip = nl_nest_start(m, LBNL_A_VIP);
	put_vip_attrs(m, v, false);
	st->list = nl_nest_start(m, LBNL_A_VIP_DESTS);
}

static void vd_end(struct nl_msg *m, struct vd *st)
{
	nl_nest_end(m, st->list);
	nl_nest_end(m, st->vip);
}

/* The whole message: @v with the @n dests @d; @nests gets their nests. */
static void msg_vip_dests(struct lbnl_ctx *c, struct nl_msg *m, __u8 cmd,
			  const struct vip *v, const struct dest *d,
			  unsigned int n, struct nlattr **nests)
{
	struct nlattr *a;
	struct vd st;
	unsigned int i;

	vd_begin(c, m, cmd, v, &st);
	for (i = 0; i < n; i++) {
		a = put_dest(m, &d[i]);
		if (nests)
			nests[i] = a;
	}
	vd_end(m, &st);
}

static int vip_dests(struct lbnl_ctx *c, __u8 cmd, const struct vip *v,
		     const struct dest *d, unsigned int n)
{
	struct nl_msg m;

	msg_vip_dests(c, &m, cmd, v, d, n, NULL);
	return lbnl_do(c, &m, NULL);
}

#define vip_new_dests(c, v, d, n)	vip_dests(c, LBNL_CMD_VIP_NEW, v, d, n)
#define vip_set_dests(c, v, d, n)	vip_dests(c, LBNL_CMD_VIP_SET, v, d, n)

static int lbnl_flush(struct lbnl_ctx *c)
{
	struct nl_msg m;

	msg_init(c, &m, LBNL_CMD_FLUSH);
	return lbnl_do(c, &m, NULL);
}

/* ---------------------------------------------------------------------- */
/* replies */

static int nla_u(const struct nlattr *a, int len, long long *out)
{
	if (nla_payload_len(a) != len)
		return -1;
	switch (len) {
	case 1: *out = *(__u8 *)nla_payload(a); break;
	case 2: *out = *(__u16 *)nla_payload(a); break;
	case 4: *out = *(__u32 *)nla_payload(a); break;
	default: return -1;
	}
	return 0;
}

static int parse_vip(const struct nlattr *nest, struct vip *v)
{
	struct nlattr *tb[LBNL_A_VIP_MAX + 1];
	long long x;
	int i;
	static const struct { int type, len; } opt[] = {
		{ LBNL_A_VIP_MODE, 1 }, { LBNL_A_VIP_SCHED, 1 },
		{ LBNL_A_VIP_BYPASS, 1 }, { LBNL_A_VIP_MIGRATE_AFTER, 4 },
		{ LBNL_A_VIP_FLAGS, 4 }, { LBNL_A_VIP_DEST_COUNT, 4 },
		{ LBNL_A_VIP_ACTIVE_DESTS, 4 }, { LBNL_A_VIP_ROUTER, 1 },
	};
	struct nlattr *btb[LBNL_A_DEST_MAX + 1];

	*v = V("0.0.0.0", 0, 0);
	if (!nest || nla_parse_nest(tb, LBNL_A_VIP_MAX, nest))
		return -1;
	if (!tb[LBNL_A_VIP_ADDR] || !tb[LBNL_A_VIP_PORT] ||
	    !tb[LBNL_A_VIP_PROTO])
		return -1;
	if (nla_payload_len(tb[LBNL_A_VIP_ADDR]) == 4)
		v->af = AF_INET;
	else if (nla_payload_len(tb[LBNL_A_VIP_ADDR]) == 16)
		v->af = AF_INET6;
	else
		return -1;
	memcpy(v->addr, nla_payload(tb[LBNL_A_VIP_ADDR]), alen(v->af));
	if (nla_u(tb[LBNL_A_VIP_PORT], 2, &x))
		return -1;
	v->port = x;
	if (nla_u(tb[LBNL_A_VIP_PROTO], 1, &x))
		return -1;
	v->proto = x;
	for (i = 0; i < (int)ARRAY_SIZE(opt); i++) {
		if (!tb[opt[i].type])
			continue;
		if (nla_u(tb[opt[i].type], opt[i].len, &x))
			return -1;
		switch (opt[i].type) {
		case LBNL_A_VIP_MODE: v->mode = x; break;
		case LBNL_A_VIP_SCHED: v->sched = x; break;
		case LBNL_A_VIP_BYPASS: v->bypass = x; break;
		case LBNL_A_VIP_MIGRATE_AFTER: v->migrate_after = x; break;
		case LBNL_A_VIP_FLAGS: v->flags = x; break;
		case LBNL_A_VIP_DEST_COUNT: v->dest_count = x; break;
		case LBNL_A_VIP_ACTIVE_DESTS: v->active_dests = x; break;
		case LBNL_A_VIP_ROUTER: v->router = x; break;
		}
	}
	v->bdest_af = 0;
	if (tb[LBNL_A_VIP_BYPASS_DEST]) {
		if (nla_parse_nest(btb, LBNL_A_DEST_MAX,
				   tb[LBNL_A_VIP_BYPASS_DEST]) ||
		    !btb[LBNL_A_DEST_ADDR] ||
		    nla_payload_len(btb[LBNL_A_DEST_ADDR]) != alen(v->af))
			return -1;
		v->bdest_af = v->af;
		memcpy(v->bdest, nla_payload(btb[LBNL_A_DEST_ADDR]), alen(v->af));
	}
	return 0;
}

static int parse_dest(const struct nlattr *nest, struct dest *d)
{
	struct nlattr *tb[LBNL_A_DEST_MAX + 1];
	long long x;

	*d = D("0.0.0.0", -1, -1, -1);
	if (!nest || nla_parse_nest(tb, LBNL_A_DEST_MAX, nest) ||
	    !tb[LBNL_A_DEST_ADDR])
		return -1;
	if (nla_payload_len(tb[LBNL_A_DEST_ADDR]) == 4)
		d->af = AF_INET;
	else if (nla_payload_len(tb[LBNL_A_DEST_ADDR]) == 16)
		d->af = AF_INET6;
	else
		return -1;
	memcpy(d->addr, nla_payload(tb[LBNL_A_DEST_ADDR]), alen(d->af));
	if (tb[LBNL_A_DEST_PORT]) {
		if (nla_u(tb[LBNL_A_DEST_PORT], 2, &x))
			return -1;
		d->port = x;
	}
	if (tb[LBNL_A_DEST_WEIGHT]) {
		if (nla_u(tb[LBNL_A_DEST_WEIGHT], 4, &x))
			return -1;
		d->weight = x;
	}
	if (tb[LBNL_A_DEST_STATE]) {
		if (nla_u(tb[LBNL_A_DEST_STATE], 1, &x))
			return -1;
		d->state = x;
	}
	return 0;
}

/* A VIP_GET / DEST_GET reply, a dump entry or an event: top-level nests. */
static int parse_msg(const struct nlmsghdr *nlh, struct vip *v, struct dest *d)
{
	struct nlattr *tb[LBNL_A_MAX + 1], *a;
	int rem;

	a = genl_attrs(nlh, &rem);
	if (rem < 0 || nla_parse_all(tb, LBNL_A_MAX, a, rem))
		return -1;
	if (v && parse_vip(tb[LBNL_A_VIP], v))
		return -1;
	if (d && parse_dest(tb[LBNL_A_DEST], d))
		return -1;
	return 0;
}

static int vip_get(struct lbnl_ctx *c, const struct vip *key, struct vip *out)
{
	struct nl_reply r;
	struct nl_msg m;
	int err;

	msg_vip(c, &m, LBNL_CMD_VIP_GET, key);
	err = lbnl_do(c, &m, &r);
	if (!err && (r.nmsgs != 1 ||
		     parse_msg((struct nlmsghdr *)r.data, out, NULL))) {
		snprintf(last_ext, sizeof(last_ext),
			 "VIP_GET: %u reply messages or a malformed one",
			 r.nmsgs);
		err = NL_EBADREPLY;
	}
	nl_reply_free(&r);
	return err;
}

static int dest_get(struct lbnl_ctx *c, const struct vip *vkey,
		    const struct dest *dkey, struct vip *vout, struct dest *out)
{
	struct nl_reply r;
	struct nl_msg m;
	struct vip vtmp;
	int err;

	msg_dest(c, &m, LBNL_CMD_DEST_GET, vkey, dkey);
	err = lbnl_do(c, &m, &r);
	if (!err && (r.nmsgs != 1 ||
		     parse_msg((struct nlmsghdr *)r.data, vout ?: &vtmp, out))) {
		snprintf(last_ext, sizeof(last_ext),
			 "DEST_GET: %u reply messages or a malformed one",
			 r.nmsgs);
		err = NL_EBADREPLY;
	}
	nl_reply_free(&r);
	return err;
}

/* Dump every VIP; *out is malloc()ed. */
static int vip_dump(struct lbnl_ctx *c, struct vip **out, unsigned int *n,
		    struct nl_reply *rout)
{
	struct nlmsghdr *nlh;
	struct nl_reply r;
	struct nl_msg m;
	int err;

	*out = NULL;
	*n = 0;
	msg_init(c, &m, LBNL_CMD_VIP_GET);
	err = nl_dump(&c->sk, &m, &r);
	snprintf(last_ext, sizeof(last_ext), "VIP dump: %s, extack \"%s\"",
		 err ? strerror(-err) : "ok", r.ext_msg);
	if (err)
		goto out;
	*out = calloc(r.nmsgs + 1, sizeof(**out));
	nl_reply_for_each(nlh, &r) {
		if (parse_msg(nlh, &(*out)[*n], NULL)) {
			snprintf(last_ext, sizeof(last_ext),
				 "VIP dump: malformed entry #%u", *n);
			err = NL_EBADREPLY;
			goto out;
		}
		(*n)++;
	}
out:
	if (rout)
		*rout = r;
	else
		nl_reply_free(&r);
	return err;
}

/* Dump every dest, or those of @filter. */
static int dest_dump(struct lbnl_ctx *c, const struct vip *filter,
		     struct dent **out, unsigned int *n)
{
	struct nlmsghdr *nlh;
	struct nl_reply r;
	struct nl_msg m;
	int err;

	*out = NULL;
	*n = 0;
	msg_init(c, &m, LBNL_CMD_DEST_GET);
	if (filter)
		put_vip(&m, filter, true);
	err = nl_dump(&c->sk, &m, &r);
	snprintf(last_ext, sizeof(last_ext), "DEST dump: %s, extack \"%s\"",
		 err ? strerror(-err) : "ok", r.ext_msg);
	if (err)
		goto out;
	*out = calloc(r.nmsgs + 1, sizeof(**out));
	nl_reply_for_each(nlh, &r) {
		struct dent *e = &(*out)[*n];

		if (parse_msg(nlh, &e->vip, &e->d)) {
			snprintf(last_ext, sizeof(last_ext),
				 "DEST dump: malformed entry #%u", *n);
			err = NL_EBADREPLY;
			goto out;
		}
		(*n)++;
	}
out:
	nl_reply_free(&r);
	return err;
}

static const struct vip *find_vip(const struct vip *a, unsigned int n,
				  const struct vip *key)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (vip_key_eq(&a[i], key))
			return &a[i];
	return NULL;
}

static const struct dent *find_dest(const struct dent *a, unsigned int n,
				    const struct vip *vkey, const char *addr,
				    int port)
{
	__u8 buf[16];
	int af = parse_addr(addr, buf);
	unsigned int i;

	for (i = 0; i < n; i++)
		if (vip_key_eq(&a[i].vip, vkey) && a[i].d.af == af &&
		    !memcmp(a[i].d.addr, buf, alen(af)) && a[i].d.port == port)
			return &a[i];
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* snapshots: "nothing was applied" is "the dumps are byte-identical" */

struct blob_ref {
	char tag;
	const __u8 *p;
	__u32 len;
};

static int blob_cmp(const void *a, const void *b)
{
	const struct blob_ref *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag - y->tag;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->p, y->p, x->len);
}

static void snap_take(struct lbnl_ctx *c, struct snap *s)
{
	struct nl_reply r[2];
	struct blob_ref *refs;
	struct nlmsghdr *nlh;
	struct nl_msg m;
	unsigned int i, k, n = 0;
	__u8 *p;

	memset(s, 0, sizeof(*s));
	for (k = 0; k < 2; k++) {
		msg_init(c, &m, k ? LBNL_CMD_DEST_GET : LBNL_CMD_VIP_GET);
		s->err = nl_dump(&c->sk, &m, &r[k]);
		if (s->err) {
			snprintf(last_ext, sizeof(last_ext),
				 "snapshot: %s dump failed: %s, extack \"%s\"",
				 k ? "DEST" : "VIP", strerror(-s->err),
				 r[k].ext_msg);
			nl_reply_free(&r[k]);
			if (k)
				nl_reply_free(&r[0]);
			return;
		}
		if (r[k].ndumpintr)
			s->err = -EINTR;
		n += r[k].nmsgs;
	}
	s->nvip = r[0].nmsgs;
	s->ndest = r[1].nmsgs;
	refs = calloc(n + 1, sizeof(*refs));
	i = 0;
	for (k = 0; k < 2; k++) {
		nl_reply_for_each(nlh, &r[k]) {
			refs[i].tag = k ? 'D' : 'V';
			refs[i].p = NLMSG_DATA(nlh);
			refs[i].len = nlh->nlmsg_len - NLMSG_HDRLEN;
			s->len += 1 + sizeof(__u32) + refs[i].len;
			i++;
		}
	}
	qsort(refs, n, sizeof(*refs), blob_cmp);
	s->blob = p = malloc(s->len + 1);
	for (i = 0; i < n; i++) {
		*p++ = refs[i].tag;
		memcpy(p, &refs[i].len, sizeof(__u32));
		p += sizeof(__u32);
		memcpy(p, refs[i].p, refs[i].len);
		p += refs[i].len;
	}
	free(refs);
	nl_reply_free(&r[0]);
	nl_reply_free(&r[1]);
}

static void snap_free(struct snap *s)
{
	free(s->blob);
	memset(s, 0, sizeof(*s));
}

static void expect_unchanged(struct __test_metadata *_metadata,
			     struct lbnl_ctx *c, const struct snap *before,
			     const char *what, int line)
{
	struct snap after;

	snap_take(c, &after);
	EXPECT_EQ(0, after.err)
		TH_LOG("line %d: %s: %s", line, what, last_ext);
	EXPECT_EQ(before->nvip, after.nvip)
		TH_LOG("line %d: %s: VIP count changed: half-applied", line, what);
	EXPECT_EQ(before->ndest, after.ndest)
		TH_LOG("line %d: %s: dest count changed: half-applied", line, what);
	EXPECT_TRUE(before->len == after.len &&
		    !memcmp(before->blob, after.blob, after.len))
		TH_LOG("line %d: %s: configuration differs from before the refused request: half-applied",
		       line, what);
	snap_free(&after);
}

/*
 * Send @m, expect the refusal @err (-errno, or EPOLICY for EINVAL/ERANGE)
 * with the extack message @msg, all of it (NULL: any message), the
 * offending attribute @bad (a pointer into @m; NULL: not checked), and an
 * unchanged configuration.
 */
static void expect_refused(struct __test_metadata *_metadata,
			   struct lbnl_ctx *c, const char *what,
			   struct nl_msg *m, int err, const char *msg,
			   const struct nlattr *bad, int line)
{
	struct snap before;
	struct nl_reply r;
	int got;

	ASSERT_FALSE(m->overflow);
	snap_take(c, &before);
	ASSERT_EQ(0, before.err) TH_LOG("line %d: %s: %s", line, what, last_ext);
	got = nl_do(&c->sk, m, &r);
	if (err == EPOLICY) {
		EXPECT_TRUE(got == -EINVAL || got == -ERANGE)
			TH_LOG("line %d: %s: want EINVAL or ERANGE, got %d (%s), extack \"%s\"",
			       line, what, got, strerror(-got), r.ext_msg);
	} else {
		EXPECT_EQ(err, got)
			TH_LOG("line %d: %s: want %s, got %d (%s), extack \"%s\"",
			       line, what, strerror(-err), got,
			       got ? strerror(-got) : "success", r.ext_msg);
	}
	EXPECT_TRUE(r.has_msg && r.ext_msg[0])
		TH_LOG("line %d: %s: no extack message (errno %d)", line, what, got);
	if (msg) {
		EXPECT_STREQ(msg, r.ext_msg)
			TH_LOG("line %d: %s: want extack \"%s\", got \"%s\"",
			       line, what, msg, r.ext_msg);
	}
	if (bad) {
		EXPECT_TRUE(r.has_offs)
			TH_LOG("line %d: %s: no NLMSGERR_ATTR_OFFS, want offset %u (extack \"%s\")",
			       line, what, nl_offset(m, bad), r.ext_msg);
		if (r.has_offs) {
			EXPECT_EQ(nl_offset(m, bad), r.offs)
				TH_LOG("line %d: %s: NLMSGERR_ATTR_OFFS points at the wrong attribute",
				       line, what);
		}
	}
	nl_reply_free(&r);
	expect_unchanged(_metadata, c, &before, what, line);
	snap_free(&before);
}

#define EXPECT_REFUSED(what, m, err, msg, bad) \
	expect_refused(_metadata, c, what, m, err, msg, bad, __LINE__)
/* The refusal @id of refusals.h: its errno and message. */
#define EXPECT_REFUSAL(what, m, id, bad) \
	expect_refused(_metadata, c, what, m, -refusal(#id)->err, MSG(id), \
		       bad, __LINE__)

/* Every attribute of @want that is given must be in @got with that value;
 * @full: @got is a GET reply or a dump entry, which carries every attribute. */
static void expect_vip(struct __test_metadata *_metadata,
		       const struct vip *want, const struct vip *got,
		       bool full, int line)
{
	char w[200], g[200];

	vip_str(want, w, sizeof(w));
	vip_str(got, g, sizeof(g));
	EXPECT_TRUE(vip_key_eq(want, got))
		TH_LOG("line %d: VIP key: want %s, got %s", line, w, g);
	if (full) {
		EXPECT_TRUE(got->mode >= 0 && got->sched >= 0 &&
			    got->bypass >= 0 && got->migrate_after >= 0 &&
			    got->flags >= 0 && got->dest_count >= 0 &&
			    got->active_dests >= 0 && got->router >= 0)
			TH_LOG("line %d: a VIP attribute is missing from the reply: %s",
			       line, g);
	}
	if (want->mode >= 0) {
		EXPECT_EQ(want->mode, got->mode)
			TH_LOG("line %d: MODE: want %s, got %s", line, w, g);
	}
	if (want->sched >= 0) {
		EXPECT_EQ(want->sched, got->sched)
			TH_LOG("line %d: SCHED: want %s, got %s", line, w, g);
	}
	if (want->bypass >= 0) {
		EXPECT_EQ(want->bypass, got->bypass)
			TH_LOG("line %d: BYPASS: want %s, got %s", line, w, g);
	}
	if (want->migrate_after >= 0) {
		EXPECT_EQ(want->migrate_after, got->migrate_after)
			TH_LOG("line %d: MIGRATE_AFTER: want %s, got %s", line, w, g);
	}
	if (want->flags >= 0) {
		EXPECT_EQ(want->flags, got->flags)
			TH_LOG("line %d: FLAGS: want %s, got %s", line, w, g);
	}
	if (want->dest_count >= 0) {
		EXPECT_EQ(want->dest_count, got->dest_count)
			TH_LOG("line %d: DEST_COUNT: want %s, got %s", line, w, g);
	}
	if (want->active_dests >= 0) {
		EXPECT_EQ(want->active_dests, got->active_dests)
			TH_LOG("line %d: ACTIVE_DESTS: want %lld, got %lld", line,
			       want->active_dests, got->active_dests);
	}
	if (want->router >= 0) {
		EXPECT_EQ(want->router, got->router)
			TH_LOG("line %d: ROUTER: want %d, got %d", line,
			       want->router, got->router);
	}
	if (want->bdest_af >= 0) {
		EXPECT_TRUE(want->bdest_af == got->bdest_af &&
			    !memcmp(want->bdest, got->bdest, alen(want->af)))
			TH_LOG("line %d: BYPASS_DEST: want %s, got %s", line,
			       want->bdest_af ? "an address" : "none",
			       got->bdest_af ? "another or one" : "none");
	}
}

static void expect_dest(struct __test_metadata *_metadata,
			const struct dest *want, const struct dest *got,
			bool full, int line)
{
	char w[120], g[120];

	dest_str(want, w, sizeof(w));
	dest_str(got, g, sizeof(g));
	EXPECT_TRUE(want->af == got->af &&
		    !memcmp(want->addr, got->addr, alen(want->af)))
		TH_LOG("line %d: dest address: want %s, got %s", line, w, g);
	if (full) {
		EXPECT_TRUE(got->port >= 0 && got->weight >= 0 &&
			    got->state >= 0)
			TH_LOG("line %d: a dest attribute is missing from the reply: %s",
			       line, g);
	}
	if (want->port >= 0) {
		EXPECT_EQ(want->port, got->port)
			TH_LOG("line %d: PORT: want %s, got %s", line, w, g);
	}
	if (want->weight >= 0) {
		EXPECT_EQ(want->weight, got->weight)
			TH_LOG("line %d: WEIGHT: want %s, got %s", line, w, g);
	}
	if (want->state >= 0) {
		EXPECT_EQ(want->state, got->state)
			TH_LOG("line %d: STATE: want %s, got %s", line, w, g);
	}
}

#define EXPECT_VIP(want, got)	expect_vip(_metadata, want, got, true, __LINE__)
#define EXPECT_DEST(want, got)	expect_dest(_metadata, want, got, true, __LINE__)

/* GET the VIP and compare it with @want. */
#define EXPECT_VIP_GET(want) do {					\
	struct vip got__;						\
	int err__ = vip_get(c, want, &got__);				\
	EXPECT_EQ(0, err__) TH_LOG("VIP_GET: %s", last_ext);		\
	if (!err__)							\
		EXPECT_VIP(want, &got__);				\
} while (0)

#define EXPECT_DEST_GET(v, want) do {					\
	struct dest got__;						\
	struct vip vgot__;						\
	int err__ = dest_get(c, v, want, &vgot__, &got__);		\
	EXPECT_EQ(0, err__) TH_LOG("DEST_GET: %s", last_ext);		\
	if (!err__) {							\
		/* the reply's VIP nest is the key only */		\
		EXPECT_TRUE(vip_key_eq(v, &vgot__))			\
			TH_LOG("DEST_GET replied with another VIP key");\
		EXPECT_DEST(want, &got__);				\
	}								\
} while (0)

/* Pointers to temporary objects, for arguments. */
#define PD(...)		((struct dest[]){ D(__VA_ARGS__) })
#define PV(...)		((struct vip[]){ V(__VA_ARGS__) })
#define PVF(...)	((struct vip[]){ VF(__VA_ARGS__) })

#define ASSERT_OK(call) ASSERT_EQ(0, call) TH_LOG("%s: %s", #call, last_ext)

/* ---------------------------------------------------------------------- */
/* environment */

static void ctx_setup(struct __test_metadata *_metadata, struct lbnl_ctx *c)
{
	__u32 version = 0;
	int err;

	c->sk.fd = -1;
	ASSERT_EQ(0, unshare(CLONE_NEWNET))
		TH_LOG("unshare(CLONE_NEWNET): %s", strerror(errno));
	ASSERT_EQ(0, nl_open(&c->sk));
	err = genl_resolve(&c->sk, LBNL_GENL_NAME, &c->fam, &version,
			   LBNL_MCGRP_EVENTS, &c->grp);
	ASSERT_EQ(0, err)
		TH_LOG("resolving family \"%s\" / group \"%s\" in a new netns: %s",
		       LBNL_GENL_NAME, LBNL_MCGRP_EVENTS, strerror(-err));
	EXPECT_EQ((__u32)LBNL_GENL_VERSION, version);
}

static int read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* A setting (sysctl net.lbnl.NAME) of this process's network namespace. */
static int param_read(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return read_str(path, buf, len);
}

/* The module parameter NAME: the value a new namespace starts from. */
static int seed_read(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), SEED_DIR "%s", name);
	return read_str(path, buf, len);
}

static int param_write(const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Drop CAP_NET_ADMIN from every set of this (test) process. */
static int drop_net_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	const int i = CAP_TO_INDEX(CAP_NET_ADMIN);
	const __u32 bit = CAP_TO_MASK(CAP_NET_ADMIN);

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[i].effective &= ~bit;
	d[i].permitted &= ~bit;
	d[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	return (d[i].effective | d[i].permitted) & bit ? -EPERM : 0;
}

/* Add VIPs [first, first + n) made by @mk, batched; 0 or the first error. */
static int add_vips(struct lbnl_ctx *c, unsigned int first, unsigned int n,
		    void (*mk)(unsigned int i, struct vip *v))
{
	const unsigned int batch = 100;
	struct nl_msg *msgs = calloc(batch, sizeof(*msgs));
	int errors[100], err = 0;
	unsigned int i, k;

	if (!msgs)
		return -ENOMEM;
	for (i = 0; i < n && !err; i += k) {
		for (k = 0; k < batch && i + k < n; k++) {
			struct vip v;

			mk(first + i + k, &v);
			msg_vip(c, &msgs[k], LBNL_CMD_VIP_NEW, &v);
		}
		err = nl_do_batch(&c->sk, msgs, k, errors);
		if (err)
			snprintf(last_ext, sizeof(last_ext),
				 "batched VIP_NEW #%u..%u: %s", first + i,
				 first + i + k - 1,
				 err == NL_ETRANSPORT ? "transport failure" :
				 strerror(-err));
	}
	free(msgs);
	return err;
}


/* ---------------------------------------------------------------------- */
/* fixture "af": everything that exists in both address families */

FIXTURE(af) {
	struct lbnl_ctx c;
};

FIXTURE_VARIANT(af) {
	const char *vip, *vip2;		/* unicast VIPs */
	const char *d1, *d2, *d3;	/* unicast dests */
	const char *other;		/* unicast, the other family */
	const char *mcast, *unspec;	/* not unicast */
	const char *bcast;		/* not unicast (IPv4 only) */
};

FIXTURE_VARIANT_ADD(af, ipv4) {
	.vip = "192.0.2.1", .vip2 = "192.0.2.2",
	.d1 = "10.1.0.1", .d2 = "10.1.0.2", .d3 = "10.1.0.3",
	.other = "2001:db8::10",
	.mcast = "224.0.0.5", .unspec = "0.0.0.0", .bcast = "255.255.255.255",
};

FIXTURE_VARIANT_ADD(af, ipv6) {
	.vip = "2001:db8::1", .vip2 = "2001:db8::2",
	.d1 = "2001:db8:1::1", .d2 = "2001:db8:1::2", .d3 = "2001:db8:1::3",
	.other = "192.0.2.10",
	.mcast = "ff02::1", .unspec = "::", .bcast = NULL,
};

FIXTURE_SETUP(af)
{
	ctx_setup(_metadata, &self->c);
}

FIXTURE_TEARDOWN(af)
{
	nl_close(&self->c.sk);
}

/* VIP_NEW with every attribute, GET, SET each one, dump, DEL. */
TEST_F(af, vip_lifecycle)
{
	struct lbnl_ctx *c = &self->c;
	struct vip full = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_TUN,
			     LBNL_SCHED_MAGLEV, LBNL_BYPASS_AUTO, 30);
	struct vip dflt = V(variant->vip, 443, IPPROTO_UDP);
	struct vip *all, got, want;
	unsigned int n;

	full.dest_count = 0;
	ASSERT_OK(vip_new(c, &full));
	EXPECT_VIP_GET(&full);

	/* defaults: bypass off (documented), the only scheduler, no dests */
	ASSERT_OK(vip_new(c, &dflt));
	ASSERT_OK(vip_get(c, &dflt, &got));
	EXPECT_VIP(&dflt, &got);
	EXPECT_EQ(LBNL_BYPASS_OFF, got.bypass);
	EXPECT_EQ(LBNL_SCHED_MAGLEV, got.sched);
	EXPECT_TRUE(got.mode == LBNL_FWD_NAT || got.mode == LBNL_FWD_TUN);
	EXPECT_EQ(0, got.dest_count);
	EXPECT_EQ(0, got.flags & LBNL_VIP_F_SINGLE)
		TH_LOG("a VIP without dests cannot have exactly one active dest");

	/* SET one attribute at a time; the others stay */
	want = full;
	want.migrate_after = 0;
	got = V(variant->vip, 80, IPPROTO_TCP);
	got.migrate_after = 0;
	ASSERT_OK(vip_set(c, &got));
	EXPECT_VIP_GET(&want);

	want.bypass = LBNL_BYPASS_OFF;
	got = V(variant->vip, 80, IPPROTO_TCP);
	got.bypass = LBNL_BYPASS_OFF;
	ASSERT_OK(vip_set(c, &got));
	EXPECT_VIP_GET(&want);

	want.mode = LBNL_FWD_NAT;
	got = V(variant->vip, 80, IPPROTO_TCP);
	got.mode = LBNL_FWD_NAT;
	ASSERT_OK(vip_set(c, &got));
	EXPECT_VIP_GET(&want);

	want.sched = LBNL_SCHED_MAGLEV;
	got = V(variant->vip, 80, IPPROTO_TCP);
	got.sched = LBNL_SCHED_MAGLEV;
	ASSERT_OK(vip_set(c, &got));
	EXPECT_VIP_GET(&want);

	/* several at once, back to tun + bypass auto */
	want = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_TUN,
		  LBNL_SCHED_MAGLEV, LBNL_BYPASS_AUTO, 4294967295LL);
	ASSERT_OK(vip_set(c, &want));
	EXPECT_VIP_GET(&want);

	/* a SET with nothing but the key changes nothing */
	got = V(variant->vip, 80, IPPROTO_TCP);
	ASSERT_OK(vip_set(c, &got));
	EXPECT_VIP_GET(&want);

	/* the dump shows both, as GET does */
	ASSERT_OK(vip_dump(c, &all, &n, NULL));
	EXPECT_EQ(2U, n);
	if (find_vip(all, n, &want)) {
		EXPECT_VIP(&want, find_vip(all, n, &want));
	} else {
		EXPECT_TRUE(0) TH_LOG("VIP :80 missing from the dump");
	}
	if (find_vip(all, n, &dflt)) {
		EXPECT_VIP(&dflt, find_vip(all, n, &dflt));
	} else {
		EXPECT_TRUE(0) TH_LOG("VIP :443 missing from the dump");
	}
	free(all);

	ASSERT_OK(vip_del(c, &want));
	EXPECT_EQ(-ENOENT, vip_get(c, &want, &got)) TH_LOG("%s", last_ext);
	ASSERT_OK(vip_dump(c, &all, &n, NULL));
	EXPECT_EQ(1U, n);
	if (n == 1) {
		EXPECT_VIP(&dflt, &all[0]);
	}
	free(all);
	ASSERT_OK(vip_del(c, &dflt));
	ASSERT_OK(vip_dump(c, &all, &n, NULL));
	EXPECT_EQ(0U, n);
	free(all);
}

/* A VIP is (address, port, protocol): all three tell VIPs apart. */
TEST_F(af, vip_key)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v[] = {
		VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_NAT, -1, -1, 1),
		VF(variant->vip, 80, IPPROTO_UDP, LBNL_FWD_TUN, -1, -1, 2),
		VF(variant->vip, 80, IPPROTO_SCTP, LBNL_FWD_TUN, -1,
		   LBNL_BYPASS_AUTO, 3),
		VF(variant->vip, 81, IPPROTO_TCP, LBNL_FWD_NAT, -1, -1, 4),
		VF(variant->vip2, 80, IPPROTO_TCP, LBNL_FWD_NAT, -1, -1, 5),
		VF(variant->vip, 65535, IPPROTO_TCP, LBNL_FWD_NAT, -1, -1, 6),
		VF(variant->vip, 1, IPPROTO_TCP, LBNL_FWD_NAT, -1, -1, 7),
	};
	struct vip *all;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		ASSERT_OK(vip_new(c, &v[i]));
	}
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		EXPECT_VIP_GET(&v[i]);
	}
	ASSERT_OK(vip_dump(c, &all, &n, NULL));
	EXPECT_EQ(ARRAY_SIZE(v), n);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		const struct vip *f = find_vip(all, n, &v[i]);

		EXPECT_NE(NULL, f) TH_LOG("VIP #%u missing from the dump", i);
		if (f) {
			EXPECT_VIP(&v[i], f);
		}
	}
	free(all);
	/* deleting one leaves the others */
	ASSERT_OK(vip_del(c, &v[1]));
	EXPECT_VIP_GET(&v[0]);
	EXPECT_VIP_GET(&v[2]);
}

/* Dests: add with and without port/weight/state, get, set, dump, del. */
TEST_F(af, dest_lifecycle)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_TUN, -1, -1, -1);
	struct vip v2 = VF(variant->vip2, 8443, IPPROTO_SCTP, LBNL_FWD_NAT, -1, -1, -1);
	struct dest d1 = D(variant->d1, -1, -1, -1);	/* all defaults */
	struct dest d1w = D(variant->d1, 80, 1, LBNL_DEST_ACTIVE);
	struct dest d1b = D(variant->d1, 8080, 5, LBNL_DEST_DRAIN);
	struct dest d2 = D(variant->d2, 9000, 0, LBNL_DEST_MAINT);
	struct dest d3 = D(variant->d3, 0, 65535, LBNL_DEST_ACTIVE);
	struct dest d3w = D(variant->d3, 8443, 65535, LBNL_DEST_ACTIVE);
	const struct dent *e;
	struct dest set;
	struct dent *all;
	struct vip got;
	unsigned int n;

	ASSERT_OK(vip_new(c, &v));
	ASSERT_OK(vip_new(c, &v2));

	/* no port, weight, state: port is the VIP's, weight 1, active */
	ASSERT_OK(dest_new(c, &v, &d1));
	EXPECT_DEST_GET(&v, &d1w);
	/* ... and found by the address alone */
	ASSERT_OK(dest_get(c, &v, &d1, NULL, &set));
	EXPECT_DEST(&d1w, &set);
	/* the same address on another port is another dest */
	ASSERT_OK(dest_new(c, &v, &d1b));
	EXPECT_DEST_GET(&v, &d1b);
	ASSERT_OK(dest_new(c, &v, &d2));
	EXPECT_DEST_GET(&v, &d2);
	/* port 0 also means the VIP's port */
	ASSERT_OK(dest_new(c, &v2, &d3));
	EXPECT_DEST_GET(&v2, &d3w);
	ASSERT_OK(dest_get(c, &v2, &d3, NULL, &set));
	EXPECT_DEST(&d3w, &set);

	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(3, got.dest_count);
	ASSERT_OK(vip_get(c, &v2, &got));
	EXPECT_EQ(1, got.dest_count);

	/* SET changes only what it carries */
	set = D(variant->d1, 8080, 65535, -1);
	ASSERT_OK(dest_set(c, &v, &set));
	d1b.weight = 65535;
	EXPECT_DEST_GET(&v, &d1b);
	set = D(variant->d1, 8080, -1, LBNL_DEST_MAINT);
	ASSERT_OK(dest_set(c, &v, &set));
	d1b.state = LBNL_DEST_MAINT;
	EXPECT_DEST_GET(&v, &d1b);
	set = D(variant->d1, 8080, 0, LBNL_DEST_ACTIVE);
	ASSERT_OK(dest_set(c, &v, &set));
	d1b.weight = 0;
	d1b.state = LBNL_DEST_ACTIVE;
	EXPECT_DEST_GET(&v, &d1b);
	/* the defaulted-port dest, named without a port */
	set = D(variant->d1, -1, 7, LBNL_DEST_DRAIN);
	ASSERT_OK(dest_set(c, &v, &set));
	d1w.weight = 7;
	d1w.state = LBNL_DEST_DRAIN;
	EXPECT_DEST_GET(&v, &d1w);

	/* dump: every dest of every VIP */
	ASSERT_OK(dest_dump(c, NULL, &all, &n));
	EXPECT_EQ(4U, n);
	e = find_dest(all, n, &v, variant->d1, 80);
	EXPECT_NE(NULL, e) TH_LOG("d1:80 missing from the dump");
	if (e) {
		EXPECT_DEST(&d1w, &e->d);
	}
	e = find_dest(all, n, &v, variant->d1, 8080);
	EXPECT_NE(NULL, e) TH_LOG("d1:8080 missing from the dump");
	if (e) {
		EXPECT_DEST(&d1b, &e->d);
	}
	e = find_dest(all, n, &v, variant->d2, 9000);
	EXPECT_NE(NULL, e) TH_LOG("d2:9000 missing from the dump");
	if (e) {
		EXPECT_DEST(&d2, &e->d);
	}
	e = find_dest(all, n, &v2, variant->d3, 8443);
	EXPECT_NE(NULL, e) TH_LOG("d3:8443 (VIP 2) missing from the dump");
	if (e) {
		EXPECT_DEST(&d3w, &e->d);
	}
	free(all);
	/* dump restricted to one VIP */
	ASSERT_OK(dest_dump(c, &v2, &all, &n));
	EXPECT_EQ(1U, n);
	if (n == 1) {
		EXPECT_TRUE(vip_key_eq(&v2, &all[0].vip));
		EXPECT_DEST(&d3w, &all[0].d);
	}
	free(all);
	ASSERT_OK(dest_dump(c, &v, &all, &n));
	EXPECT_EQ(3U, n);
	free(all);

	/* DEL, by explicit port and by default port */
	ASSERT_OK(dest_del(c, &v, &d1b));
	EXPECT_EQ(-ENOENT, dest_get(c, &v, &d1b, NULL, &set)) TH_LOG("%s", last_ext);
	set = D(variant->d1, -1, -1, -1);
	ASSERT_OK(dest_del(c, &v, &set));
	EXPECT_EQ(-ENOENT, dest_get(c, &v, &d1w, NULL, &set)) TH_LOG("%s", last_ext);
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(1, got.dest_count);
	EXPECT_DEST_GET(&v, &d2);
	ASSERT_OK(dest_dump(c, NULL, &all, &n));
	EXPECT_EQ(2U, n);
	free(all);
}

/* VIP_DEL takes its dests; a new VIP with that key starts empty. */
TEST_F(af, vip_del_removes_dests)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V(variant->vip, 53, IPPROTO_UDP);
	struct vip v2 = V(variant->vip, 53, IPPROTO_TCP);
	struct dest d[3] = {
		D(variant->d1, -1, 3, -1), D(variant->d2, 5353, -1, -1),
		D(variant->d3, 53, 0, LBNL_DEST_DRAIN),
	};
	struct dent *all;
	struct dest tmp;
	struct vip got;
	unsigned int i, n;

	ASSERT_OK(vip_new(c, &v));
	ASSERT_OK(vip_new(c, &v2));
	for (i = 0; i < 3; i++) {
		ASSERT_OK(dest_new(c, &v, &d[i]));
	}
	ASSERT_OK(dest_new(c, &v2, &d[0]));
	ASSERT_OK(vip_del(c, &v));

	ASSERT_OK(dest_dump(c, NULL, &all, &n));
	EXPECT_EQ(1U, n) TH_LOG("the deleted VIP's dests are still dumped");
	if (n == 1) {
		EXPECT_TRUE(vip_key_eq(&v2, &all[0].vip));
	}
	free(all);
	EXPECT_EQ(-ENOENT, dest_get(c, &v, &d[0], NULL, &tmp)) TH_LOG("%s", last_ext);

	ASSERT_OK(vip_new(c, &v));
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(0, got.dest_count);
	ASSERT_OK(dest_dump(c, &v, &all, &n));
	EXPECT_EQ(0U, n);
	free(all);
	/* and the old dests can be added again */
	for (i = 0; i < 3; i++) {
		ASSERT_OK(dest_new(c, &v, &d[i]));
	}
}

/* FLUSH empties the namespace, v4 and v6 alike. */
TEST_F(af, flush)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v[] = {
		V(variant->vip, 80, IPPROTO_TCP), V(variant->vip2, 80, IPPROTO_UDP),
		V(variant->other, 80, IPPROTO_SCTP),
	};
	struct dest d = D(variant->d1, -1, -1, -1);
	struct dest o = D(variant->other, 8080, -1, -1);
	struct vip *vall, tmp;
	struct dent *all;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		ASSERT_OK(vip_new(c, &v[i]));
	}
	ASSERT_OK(dest_new(c, &v[0], &d));
	ASSERT_OK(dest_new(c, &v[1], &d));
	ASSERT_OK(dest_new(c, &v[2], &o));
	ASSERT_OK(lbnl_flush(c));
	ASSERT_OK(vip_dump(c, &vall, &n, NULL));
	EXPECT_EQ(0U, n);
	free(vall);
	ASSERT_OK(dest_dump(c, NULL, &all, &n));
	EXPECT_EQ(0U, n);
	free(all);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		EXPECT_EQ(-ENOENT, vip_get(c, &v[i], &tmp)) TH_LOG("%s", last_ext);
	}
	/* flushing nothing is fine, and the namespace is usable after */
	ASSERT_OK(lbnl_flush(c));
	v[0] = V(variant->vip, 80, IPPROTO_TCP);
	ASSERT_OK(vip_new(c, &v[0]));
	ASSERT_OK(dest_new(c, &v[0], &d));
}

/* Bad VIP values and missing VIP attributes. */
TEST_F(af, refuse_bad_vip)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V(variant->vip, 80, IPPROTO_TCP);
	struct vip ok = V(variant->vip2, 80, IPPROTO_TCP);
	struct nlattr *n, *bad;
	struct nl_msg m;
	__u8 five[5] = { 192, 0, 2, 1, 0 };
	__u8 addr[16];
	int af;

	/* something to be left alone */
	ASSERT_OK(vip_new(c, &ok));
	ASSERT_OK(dest_new(c, &ok, PD(variant->d1, -1, -1, -1)));

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	bad = nl_put_u16(&m, LBNL_A_VIP_PORT, 0);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP port 0", &m, VIP_PORT0, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	bad = nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_ICMP);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP proto 1 (icmp)", &m, VIP_PROTO_BAD, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	bad = nl_put_u8(&m, LBNL_A_VIP_PROTO, 0);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP proto 0", &m, VIP_PROTO_BAD, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	bad = nl_put(&m, LBNL_A_VIP_ADDR, five, sizeof(five));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP address of 5 bytes", &m, VIP_ALEN, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	bad = nl_put(&m, LBNL_A_VIP_ADDR, five, 3);
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	/* below 4 / above 16: the policy's length check, or the module's */
	EXPECT_REFUSED("VIP address of 3 bytes", &m, EPOLICY, M_ANY, bad);

	{
		__u8 seventeen[17] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

		msg_init(c, &m, LBNL_CMD_VIP_NEW);
		n = nl_nest_start(&m, LBNL_A_VIP);
		bad = nl_put(&m, LBNL_A_VIP_ADDR, seventeen, sizeof(seventeen));
		nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
		nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
		nl_nest_end(&m, n);
		EXPECT_REFUSED("VIP address of 17 bytes", &m, EPOLICY, M_ANY, bad);
	}

	{
		const char *nonuni[] = { variant->mcast, variant->unspec,
					 variant->bcast };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(nonuni); i++) {
			char what[96];

			if (!nonuni[i])
				continue;
			af = parse_addr(nonuni[i], addr);
			snprintf(what, sizeof(what), "VIP address %s", nonuni[i]);
			msg_init(c, &m, LBNL_CMD_VIP_NEW);
			n = nl_nest_start(&m, LBNL_A_VIP);
			bad = nl_put(&m, LBNL_A_VIP_ADDR, addr, alen(af));
			nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
			nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_UDP);
			nl_nest_end(&m, n);
			EXPECT_REFUSAL(what, &m, VIP_UCAST, bad);
		}
	}

	/* enums out of range: the policy's "integer out of range" */
	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u8(&m, LBNL_A_VIP_MODE, LBNL_FWD_MAX + 1);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP mode out of range", &m, POLICY_RANGE, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u8(&m, LBNL_A_VIP_SCHED, LBNL_SCHED_MAX + 1);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP sched out of range", &m, POLICY_RANGE, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_put_u8(&m, LBNL_A_VIP_MODE, LBNL_FWD_TUN);
	bad = nl_put_u8(&m, LBNL_A_VIP_BYPASS, 255);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP bypass 255", &m, POLICY_RANGE, bad);

	/* bypass auto is for DSR (tun) VIPs only */
	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	v = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_NAT, -1, LBNL_BYPASS_AUTO, -1);
	put_vip(&m, &v, false);
	EXPECT_REFUSAL("VIP_NEW mode nat bypass auto", &m, BYPASS_NAT, NULL);

	/* ... with a deterministic scheduler: wrr is not */
	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	v = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_TUN, LBNL_SCHED_WRR,
	       LBNL_BYPASS_AUTO, -1);
	put_vip(&m, &v, false);
	EXPECT_REFUSAL("VIP_NEW sched wrr bypass auto", &m, BYPASS_SCHED, NULL);

	/* missing pieces */
	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	EXPECT_REFUSAL("VIP_NEW without attributes", &m, VIP_NEST, NULL);
	{
		struct nl_reply r;

		msg_init(c, &m, LBNL_CMD_VIP_NEW);
		nl_do(&c->sk, &m, &r);
		EXPECT_TRUE(r.has_miss_type && r.miss_type == LBNL_A_VIP)
			TH_LOG("missing VIP nest: want NLMSGERR_ATTR_MISS_TYPE %d, got %s %u",
			       LBNL_A_VIP, r.has_miss_type ? "" : "none",
			       r.miss_type);
		nl_reply_free(&r);
	}

	v = V(variant->vip, 80, IPPROTO_TCP);
	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP without address", &m, VIP_ADDR, NULL);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP without port", &m, VIP_PORT, NULL);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP without protocol", &m, VIP_PROTO, NULL);

	/* the same refusals through the other VIP commands */
	msg_init(c, &m, LBNL_CMD_VIP_SET);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, ok.addr, alen(ok.af));
	bad = nl_put_u16(&m, LBNL_A_VIP_PORT, 0);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP_SET port 0", &m, VIP_PORT0, bad);

	msg_init(c, &m, LBNL_CMD_VIP_DEL);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, ok.addr, alen(ok.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	bad = nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_ICMPV6);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP_DEL proto 58", &m, VIP_PROTO_BAD, bad);

	msg_init(c, &m, LBNL_CMD_VIP_DEL);
	EXPECT_REFUSAL("VIP_DEL without attributes", &m, VIP_NEST, NULL);
	msg_init(c, &m, LBNL_CMD_VIP_SET);
	EXPECT_REFUSAL("VIP_SET without attributes", &m, VIP_NEST, NULL);
	msg_init(c, &m, LBNL_CMD_VIP_GET);
	EXPECT_REFUSAL("VIP_GET (doit) without attributes", &m, VIP_NEST, NULL);
}

/* VIP_NEW of an existing key; SET/DEL/GET of a missing one. */
TEST_F(af, refuse_vip_exists_or_missing)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_TUN, -1,
			  LBNL_BYPASS_AUTO, 10);
	struct vip dup = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_NAT, -1,
			    LBNL_BYPASS_OFF, 99);
	struct vip missing = VF(variant->vip, 80, IPPROTO_UDP, LBNL_FWD_NAT,
				-1, -1, 1);
	struct nl_msg m;

	ASSERT_OK(vip_new(c, &v));
	ASSERT_OK(dest_new(c, &v, PD(variant->d1, -1, -1, -1)));

	msg_vip(c, &m, LBNL_CMD_VIP_NEW, &v);
	EXPECT_REFUSAL("duplicate VIP, same attributes", &m, VIP_EXISTS, NULL);
	msg_vip(c, &m, LBNL_CMD_VIP_NEW, &dup);
	EXPECT_REFUSAL("duplicate VIP, other attributes", &m, VIP_EXISTS, NULL);
	msg_vip(c, &m, LBNL_CMD_VIP_NEW, PV(variant->vip, 80, IPPROTO_TCP));
	EXPECT_REFUSAL("duplicate VIP, key only", &m, VIP_EXISTS, NULL);

	msg_vip(c, &m, LBNL_CMD_VIP_SET, &missing);
	EXPECT_REFUSAL("VIP_SET of a missing VIP", &m, VIP_NOENT, NULL);
	msg_vip(c, &m, LBNL_CMD_VIP_DEL, &missing);
	EXPECT_REFUSAL("VIP_DEL of a missing VIP", &m, VIP_NOENT, NULL);
	msg_vip(c, &m, LBNL_CMD_VIP_GET, &missing);
	EXPECT_REFUSAL("VIP_GET of a missing VIP", &m, VIP_NOENT, NULL);
	EXPECT_VIP_GET(&v);
}

/* A VIP_SET that would make the VIP invalid changes nothing at all. */
TEST_F(af, refuse_vip_set)
{
	struct lbnl_ctx *c = &self->c;
	struct vip tun = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_TUN,
			    LBNL_SCHED_MAGLEV, LBNL_BYPASS_AUTO, 10);
	struct vip nat = VF(variant->vip2, 80, IPPROTO_TCP, LBNL_FWD_NAT,
			    LBNL_SCHED_MAGLEV, LBNL_BYPASS_OFF, 20);
	struct nlattr *n, *bad;
	struct nl_msg m;
	struct vip s;

	ASSERT_OK(vip_new(c, &tun));
	ASSERT_OK(vip_new(c, &nat));
	ASSERT_OK(dest_new(c, &tun, PD(variant->d1, -1, 4, -1)));

	s = V(variant->vip, 80, IPPROTO_TCP);
	s.mode = LBNL_FWD_NAT;
	msg_vip(c, &m, LBNL_CMD_VIP_SET, &s);
	EXPECT_REFUSAL("VIP_SET mode nat on a bypass-auto VIP", &m, BYPASS_NAT, NULL);

	/* with a valid change in the same request: that one isn't applied */
	s.migrate_after = 99;
	msg_vip(c, &m, LBNL_CMD_VIP_SET, &s);
	EXPECT_REFUSAL("VIP_SET mode nat + migrate-after 99 on a bypass-auto VIP", &m, BYPASS_NAT, NULL);

	s = V(variant->vip2, 80, IPPROTO_TCP);
	s.bypass = LBNL_BYPASS_AUTO;
	s.migrate_after = 77;
	msg_vip(c, &m, LBNL_CMD_VIP_SET, &s);
	EXPECT_REFUSAL("VIP_SET bypass auto on a nat VIP", &m, BYPASS_NAT, NULL);

	s = V(variant->vip, 80, IPPROTO_TCP);
	s.mode = LBNL_FWD_NAT;
	s.bypass = LBNL_BYPASS_AUTO;
	msg_vip(c, &m, LBNL_CMD_VIP_SET, &s);
	EXPECT_REFUSAL("VIP_SET mode nat bypass auto", &m, BYPASS_NAT, NULL);

	s = V(variant->vip, 80, IPPROTO_TCP);
	s.sched = LBNL_SCHED_WRR;
	msg_vip(c, &m, LBNL_CMD_VIP_SET, &s);
	EXPECT_REFUSAL("VIP_SET sched wrr on a bypass-auto VIP", &m,
		       BYPASS_SCHED, NULL);

	msg_init(c, &m, LBNL_CMD_VIP_SET);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, tun.addr, alen(tun.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_put_u32(&m, LBNL_A_VIP_MIGRATE_AFTER, 5);
	bad = nl_put_u8(&m, LBNL_A_VIP_MODE, 2);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP_SET mode 2", &m, POLICY_RANGE, bad);

	msg_init(c, &m, LBNL_CMD_VIP_SET);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, tun.addr, alen(tun.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_put_u32(&m, LBNL_A_VIP_MIGRATE_AFTER, 5);
	bad = nl_put_u32(&m, LBNL_A_VIP_DEST_COUNT, 0);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP_SET with DEST_COUNT", &m, READ_ONLY, bad);

	tun.dest_count = 1;
	EXPECT_VIP_GET(&tun);
	nat.dest_count = 0;
	EXPECT_VIP_GET(&nat);
}

/* Read-only attributes (FLAGS, DEST_COUNT) in requests. */
TEST_F(af, refuse_read_only)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V(variant->vip, 80, IPPROTO_TCP);
	struct nlattr *n, *bad;
	struct nl_msg m;

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u32(&m, LBNL_A_VIP_FLAGS, 0);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP_NEW with FLAGS", &m, READ_ONLY, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u32(&m, LBNL_A_VIP_DEST_COUNT, 3);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP_NEW with DEST_COUNT", &m, READ_ONLY, bad);

	ASSERT_OK(vip_new(c, &v));
	msg_init(c, &m, LBNL_CMD_VIP_SET);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u32(&m, LBNL_A_VIP_FLAGS, LBNL_VIP_F_SINGLE);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("VIP_SET with FLAGS", &m, READ_ONLY, bad);

	/* in the VIP key nest of a dest command */
	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u32(&m, LBNL_A_VIP_FLAGS, 0);
	nl_nest_end(&m, n);
	put_dest(&m, PD(variant->d1, -1, -1, -1));
	EXPECT_REFUSAL("DEST_NEW with VIP FLAGS", &m, READ_ONLY, bad);
}

/* Bad dest values, missing dest attributes, family mismatch. */
TEST_F(af, refuse_bad_dest)
{
	struct lbnl_ctx *c = &self->c;
	struct vip nat = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_NAT, -1, -1, -1);
	struct vip tun = VF(variant->vip, 80, IPPROTO_UDP, LBNL_FWD_TUN, -1, -1, -1);
	struct dest d1 = D(variant->d1, -1, 2, -1);
	struct nlattr *n, *bad;
	struct nl_msg m;
	__u8 five[5] = { 10, 1, 0, 1, 0 }, addr[16];
	const char *nonuni[3];
	unsigned int i;
	int af;

	ASSERT_OK(vip_new(c, &nat));
	ASSERT_OK(vip_new(c, &tun));
	ASSERT_OK(dest_new(c, &nat, &d1));

#define DEST_MSG(cmd, vip) do {						\
	msg_init(c, &m, cmd);						\
	put_vip(&m, vip, true);						\
	n = nl_nest_start(&m, LBNL_A_DEST);				\
} while (0)

	DEST_MSG(LBNL_CMD_DEST_NEW, &nat);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 8080);
	bad = nl_put_u32(&m, LBNL_A_DEST_WEIGHT, 65536);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_NEW weight 65536", &m, DEST_WEIGHT, bad);

	DEST_MSG(LBNL_CMD_DEST_NEW, &nat);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 8080);
	bad = nl_put_u32(&m, LBNL_A_DEST_WEIGHT, 0xffffffff);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_NEW weight 2^32-1", &m, DEST_WEIGHT, bad);

	DEST_MSG(LBNL_CMD_DEST_SET, &nat);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 80);
	nl_put_u8(&m, LBNL_A_DEST_STATE, LBNL_DEST_DRAIN);
	bad = nl_put_u32(&m, LBNL_A_DEST_WEIGHT, 65536);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_SET weight 65536 (+ a valid state)", &m, DEST_WEIGHT, bad);

	DEST_MSG(LBNL_CMD_DEST_NEW, &nat);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 8080);
	bad = nl_put_u8(&m, LBNL_A_DEST_STATE, LBNL_DEST_STATE_MAX + 1);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_NEW state out of range", &m, POLICY_RANGE, bad);

	DEST_MSG(LBNL_CMD_DEST_NEW, &nat);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 8080);
	bad = nl_put_u8(&m, LBNL_A_DEST_STATE_IF, LBNL_DEST_ACTIVE);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_NEW with a state condition", &m,
		       DEST_STATE_IF_SET_ONLY, bad);

	/* d1 is active: a condition on another state changes nothing */
	DEST_MSG(LBNL_CMD_DEST_SET, &nat);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 80);
	nl_put_u8(&m, LBNL_A_DEST_STATE, LBNL_DEST_ACTIVE);
	bad = nl_put_u8(&m, LBNL_A_DEST_STATE_IF, LBNL_DEST_DOWN);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_SET if down, the dest active", &m, DEST_STATE_IF,
		       bad);

	DEST_MSG(LBNL_CMD_DEST_SET, &nat);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 80);
	bad = nl_put_u8(&m, LBNL_A_DEST_STATE_IF, LBNL_DEST_STATE_MAX + 1);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_SET state condition out of range", &m,
		       POLICY_RANGE, bad);

	DEST_MSG(LBNL_CMD_DEST_NEW, &nat);
	bad = nl_put(&m, LBNL_A_DEST_ADDR, five, sizeof(five));
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("dest address of 5 bytes", &m, DEST_ALEN, bad);

	nonuni[0] = variant->mcast;
	nonuni[1] = variant->unspec;
	nonuni[2] = variant->bcast;
	for (i = 0; i < 3; i++) {
		char what[96];

		if (!nonuni[i])
			continue;
		snprintf(what, sizeof(what), "dest address %s", nonuni[i]);
		af = parse_addr(nonuni[i], addr);
		DEST_MSG(LBNL_CMD_DEST_NEW, &nat);
		bad = nl_put(&m, LBNL_A_DEST_ADDR, addr, alen(af));
		nl_nest_end(&m, n);
		EXPECT_REFUSAL(what, &m, DEST_UCAST, bad);
	}

	/* a VIP and its dests share a family, whatever the mode */
	af = parse_addr(variant->other, addr);
	DEST_MSG(LBNL_CMD_DEST_NEW, &nat);
	bad = nl_put(&m, LBNL_A_DEST_ADDR, addr, alen(af));
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("nat VIP, dest of the other family", &m, DEST_FAMILY, bad);
	DEST_MSG(LBNL_CMD_DEST_NEW, &tun);
	bad = nl_put(&m, LBNL_A_DEST_ADDR, addr, alen(af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 8080);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("tun VIP, dest of the other family", &m, DEST_FAMILY, bad);

	/* missing pieces */
	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_vip(&m, &nat, true);
	EXPECT_REFUSAL("DEST_NEW without dest nest", &m, DEST_NEST, NULL);
	DEST_MSG(LBNL_CMD_DEST_NEW, &nat);
	nl_put_u16(&m, LBNL_A_DEST_PORT, 8080);
	nl_put_u32(&m, LBNL_A_DEST_WEIGHT, 1);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_NEW without address", &m, DEST_ADDR, NULL);
	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_dest(&m, &d1);
	EXPECT_REFUSAL("DEST_NEW without VIP nest", &m, VIP_NEST, NULL);
	msg_init(c, &m, LBNL_CMD_DEST_DEL);
	put_vip(&m, &nat, true);
	EXPECT_REFUSAL("DEST_DEL without dest nest", &m, DEST_NEST, NULL);
	msg_init(c, &m, LBNL_CMD_DEST_SET);
	put_vip(&m, &nat, true);
	EXPECT_REFUSAL("DEST_SET without dest nest", &m, DEST_NEST, NULL);
#undef DEST_MSG

	EXPECT_DEST_GET(&nat, PD(variant->d1, 80, 2, LBNL_DEST_ACTIVE));
}

/* Dest on a missing VIP, duplicate dest, missing dest. */
TEST_F(af, refuse_dest_exists_or_missing)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V(variant->vip, 80, IPPROTO_TCP);
	struct vip missing = V(variant->vip2, 80, IPPROTO_TCP);
	struct dest d = D(variant->d1, 8080, 3, LBNL_DEST_DRAIN);
	struct dest dd = D(variant->d2, -1, 1, -1);
	struct nl_msg m;

	ASSERT_OK(vip_new(c, &v));
	ASSERT_OK(dest_new(c, &v, &d));
	ASSERT_OK(dest_new(c, &v, &dd));

	msg_dest(c, &m, LBNL_CMD_DEST_NEW, &missing, &d);
	EXPECT_REFUSAL("DEST_NEW on a missing VIP", &m, VIP_NOENT, NULL);
	msg_dest(c, &m, LBNL_CMD_DEST_SET, &missing, &d);
	EXPECT_REFUSAL("DEST_SET on a missing VIP", &m, VIP_NOENT, NULL);
	msg_dest(c, &m, LBNL_CMD_DEST_DEL, &missing, &d);
	EXPECT_REFUSAL("DEST_DEL on a missing VIP", &m, VIP_NOENT, NULL);
	msg_dest(c, &m, LBNL_CMD_DEST_GET, &missing, &d);
	EXPECT_REFUSAL("DEST_GET on a missing VIP", &m, VIP_NOENT, NULL);
	/* same address, other protocol: another (missing) VIP */
	missing = V(variant->vip, 80, IPPROTO_SCTP);
	msg_dest(c, &m, LBNL_CMD_DEST_NEW, &missing, &d);
	EXPECT_REFUSAL("DEST_NEW on VIP/sctp (only /tcp exists)", &m, VIP_NOENT, NULL);

	msg_dest(c, &m, LBNL_CMD_DEST_NEW, &v, PD(variant->d1, 8080, 9, -1));
	EXPECT_REFUSAL("duplicate dest, other weight", &m, DEST_EXISTS, NULL);
	msg_dest(c, &m, LBNL_CMD_DEST_NEW, &v, PD(variant->d2, 80, 5, -1));
	EXPECT_REFUSAL("duplicate dest, port given = VIP port", &m, DEST_EXISTS, NULL);
	msg_dest(c, &m, LBNL_CMD_DEST_NEW, &v, PD(variant->d2, 0, 5, -1));
	EXPECT_REFUSAL("duplicate dest, port 0", &m, DEST_EXISTS, NULL);

	msg_dest(c, &m, LBNL_CMD_DEST_SET, &v, PD(variant->d1, 8081, 9, -1));
	EXPECT_REFUSAL("DEST_SET of a missing dest", &m, DEST_NOENT, NULL);
	msg_dest(c, &m, LBNL_CMD_DEST_DEL, &v, PD(variant->d3, 8080, -1, -1));
	EXPECT_REFUSAL("DEST_DEL of a missing dest", &m, DEST_NOENT, NULL);
	msg_dest(c, &m, LBNL_CMD_DEST_GET, &v, PD(variant->d1, -1, -1, -1));
	EXPECT_REFUSAL("DEST_GET of a missing dest (d1 is on 8080 only)", &m, DEST_NOENT, NULL);

	/* CONN_FLUSH of one dest: the VIP and the dest must exist */
	msg_dest(c, &m, LBNL_CMD_CONN_FLUSH, &v, PD(variant->d1, 8081, -1, -1));
	EXPECT_REFUSAL("CONN_FLUSH of a missing dest", &m, DEST_NOENT, NULL);
	missing = V(variant->vip, 81, IPPROTO_TCP);
	msg_dest(c, &m, LBNL_CMD_CONN_FLUSH, &missing, PD(variant->d1, 8080, -1, -1));
	EXPECT_REFUSAL("CONN_FLUSH of a dest of a missing VIP", &m, VIP_NOENT, NULL);
	msg_init(c, &m, LBNL_CMD_CONN_FLUSH);
	put_dest(&m, PD(variant->d1, 8080, -1, -1));
	EXPECT_REFUSAL("CONN_FLUSH of a dest without its VIP", &m, DEST_WITHOUT_VIP, NULL);
	msg_dest(c, &m, LBNL_CMD_CONN_FLUSH, &v, PD(variant->d1, 8080, -1, -1));
	EXPECT_EQ(0, lbnl_do(c, &m, NULL)) TH_LOG("CONN_FLUSH of a dest: %s", last_ext);

	EXPECT_DEST_GET(&v, &d);
}

/* A dest's LBNL_A_DEST_TAG_ID as DEST_GET gives it; -1 if none. */
static long long dest_tag_id(struct lbnl_ctx *c, const struct vip *v,
			     const struct dest *d)
{
	struct nlattr *tb[LBNL_A_MAX + 1], *dt[LBNL_A_DEST_MAX + 1], *a;
	struct nl_reply r;
	struct nl_msg m;
	long long x = -1;
	int rem;

	msg_dest(c, &m, LBNL_CMD_DEST_GET, v, d);
	if (lbnl_do(c, &m, &r) || r.nmsgs != 1)
		goto out;
	a = genl_attrs((struct nlmsghdr *)r.data, &rem);
	if (rem >= 0 && !nla_parse_all(tb, LBNL_A_MAX, a, rem) &&
	    tb[LBNL_A_DEST] &&
	    !nla_parse_nest(dt, LBNL_A_DEST_MAX, tb[LBNL_A_DEST]) &&
	    dt[LBNL_A_DEST_TAG_ID] && nla_u(dt[LBNL_A_DEST_TAG_ID], 2, &x))
		x = -1;
out:
	nl_reply_free(&r);
	return x;
}

/*
 * A VIP with its dests in one request (LBNL_A_VIP_DESTS): VIP_NEW creates
 * it with them, VIP_SET adds more (and changes its settings) in the same
 * change; each dest as DEST_NEW makes it (defaults, port 0 or none: the
 * VIP's), in the nest's order.
 */
TEST_F(af, vip_dests)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = VF(variant->vip, 80, IPPROTO_TCP, LBNL_FWD_TUN,
			  LBNL_SCHED_MAGLEV, -1, -1);
	struct vip s = V(variant->vip, 80, IPPROTO_TCP);
	struct vip v2 = V(variant->vip2, 53, IPPROTO_UDP);
	struct dest d[] = {
		D(variant->d1, -1, -1, -1),
		D(variant->d1, 8080, 5, LBNL_DEST_DRAIN),
		D(variant->d2, 0, 0, LBNL_DEST_MAINT),
	};
	struct dest want[] = {
		D(variant->d1, 80, 1, LBNL_DEST_ACTIVE),
		D(variant->d1, 8080, 5, LBNL_DEST_DRAIN),
		D(variant->d2, 80, 0, LBNL_DEST_MAINT),
		D(variant->d3, 9000, 7, LBNL_DEST_ACTIVE),
		D(variant->d2, 9000, 2, LBNL_DEST_ACTIVE),
	};
	struct dest more[] = {
		D(variant->d3, 9000, 7, -1), D(variant->d2, 9000, 2, -1),
	};
	struct dent *all;
	struct nlattr *a;
	struct nl_msg m;
	struct vip got;
	unsigned int i, n;
	struct vd st;

	ASSERT_OK(vip_new_dests(c, &v, d, 3));
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_VIP(&v, &got);
	EXPECT_EQ(3, got.dest_count);
	EXPECT_EQ(1, got.active_dests);
	ASSERT_OK(dest_dump(c, &v, &all, &n));
	ASSERT_EQ(3U, n);
	for (i = 0; i < n; i++)
		EXPECT_DEST(&want[i], &all[i].d);
	free(all);

	/* VIP_SET: a setting and two more dests, at once */
	s.migrate_after = 30;
	ASSERT_OK(vip_set_dests(c, &s, more, 2));
	v.migrate_after = 30;
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_VIP(&v, &got);
	EXPECT_EQ(5, got.dest_count);
	EXPECT_EQ(3, got.active_dests);
	ASSERT_OK(dest_dump(c, &v, &all, &n));
	ASSERT_EQ(5U, n);
	for (i = 0; i < n; i++)
		EXPECT_DEST(&want[i], &all[i].d);
	free(all);
	/* each one as DEST_GET finds it */
	EXPECT_DEST_GET(&v, &want[3]);

	/* an empty nest adds nothing; a VIP_NEW with one has no dests */
	ASSERT_OK(vip_set_dests(c, &s, NULL, 0));
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(5, got.dest_count);
	ASSERT_OK(vip_new_dests(c, &v2, NULL, 0));
	ASSERT_OK(vip_get(c, &v2, &got));
	EXPECT_EQ(0, got.dest_count);
	/* dests are a VIP's: the same ones on another VIP */
	ASSERT_OK(vip_set_dests(c, &v2, d, 3));
	ASSERT_OK(vip_get(c, &v2, &got));
	EXPECT_EQ(3, got.dest_count);

	/* server ids (LBNL_A_DEST_TAG_ID) in the nest: each its dest's */
	vd_begin(c, &m, LBNL_CMD_VIP_SET, &s, &st);
	a = put_dest(&m, PD(variant->d3, 9001, -1, -1));
	nl_put_u16(&m, LBNL_A_DEST_TAG_ID, 41);
	nl_nest_end(&m, a);
	vd_end(&m, &st);
	ASSERT_OK(lbnl_do(c, &m, NULL));
	EXPECT_EQ(41, dest_tag_id(c, &v, PD(variant->d3, 9001, -1, -1)))
		TH_LOG("the nest's dest lost its tag id");

	/* they go with their VIP, as any dest */
	ASSERT_OK(vip_del(c, &v));
	ASSERT_OK(dest_dump(c, NULL, &all, &n));
	EXPECT_EQ(3U, n);
	free(all);
}

/*
 * A bad dest anywhere in LBNL_A_VIP_DESTS refuses the whole request, the
 * extack naming that dest's attribute (or the dest), and changes nothing:
 * no VIP (VIP_NEW), neither the VIP's settings nor its dests (VIP_SET).
 * Elsewhere than in VIP_NEW and VIP_SET the nest is refused, not ignored.
 */
/*
 * Down (a failed health check, set by lbnld): read back as set, not among
 * the dests taking new flows, and back to active as any state.
 */
TEST_F(af, dest_down)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V(variant->vip, 80, IPPROTO_TCP);
	struct dest d1 = D(variant->d1, 80, 1, LBNL_DEST_ACTIVE);
	struct dest d2 = D(variant->d2, 80, 1, LBNL_DEST_ACTIVE);
	struct nlattr *nest;
	struct nl_msg m;
	struct dest set;
	struct vip got;

	ASSERT_OK(vip_new(c, &v));
	ASSERT_OK(dest_new(c, &v, &d1));
	ASSERT_OK(dest_new(c, &v, &d2));
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(2, got.active_dests);

	set = D(variant->d1, 80, -1, LBNL_DEST_DOWN);
	ASSERT_OK(dest_set(c, &v, &set));
	d1.state = LBNL_DEST_DOWN;
	EXPECT_DEST_GET(&v, &d1);
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(1, got.active_dests);
	EXPECT_EQ(2, got.dest_count);

	/* a new dest may start down too */
	set = D(variant->d3, 80, 3, LBNL_DEST_DOWN);
	ASSERT_OK(dest_new(c, &v, &set));
	EXPECT_DEST_GET(&v, &set);
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(1, got.active_dests);

	/* back to active only if it is down (as lbnld does): it is */
	msg_init(c, &m, LBNL_CMD_DEST_SET);
	put_vip(&m, &v, true);
	nest = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, 80);
	nl_put_u8(&m, LBNL_A_DEST_STATE, LBNL_DEST_ACTIVE);
	nl_put_u8(&m, LBNL_A_DEST_STATE_IF, LBNL_DEST_DOWN);
	nl_nest_end(&m, nest);
	ASSERT_OK(lbnl_do(c, &m, NULL));
	d1.state = LBNL_DEST_ACTIVE;
	EXPECT_DEST_GET(&v, &d1);
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(2, got.active_dests);
}

TEST_F(af, refuse_vip_dests)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V(variant->vip, 80, IPPROTO_TCP);
	struct vip nv = VF(variant->vip2, 80, IPPROTO_TCP, LBNL_FWD_TUN, -1,
			   -1, 9);
	struct vip sv = VF(variant->vip, 80, IPPROTO_TCP, -1, -1, -1, 77);
	struct dest ok[] = {
		D(variant->d1, 8080, 2, -1), D(variant->d2, -1, -1, -1),
	};
	struct dest dup[] = { ok[0], ok[1], D(variant->d2, 80, 3, -1) };
	struct dest had[] = { ok[0], D(variant->d3, 80, 1, -1) };
	struct nlattr *nests[3], *n, *bad, *vn;
	__u8 five[5] = { 10, 1, 0, 1, 0 }, addr[16];
	const struct vip *t;
	struct nl_msg m;
	char what[96];
	const char *cmd_name;
	struct vip got;
	struct vd st;
	__u8 cmd;
	int af, k;

	ASSERT_OK(vip_new_dests(c, &v, PD(variant->d3, -1, -1, -1), 1));

#define BAD_DEST_BEGIN() do {						\
	vd_begin(c, &m, cmd, t, &st);					\
	put_dest(&m, &ok[0]);						\
	n = nl_nest_start(&m, LBNL_A_DEST);				\
} while (0)
#define BAD_DEST_END() do {						\
	nl_nest_end(&m, n);						\
	put_dest(&m, &ok[1]);						\
	vd_end(&m, &st);						\
} while (0)
#define WHAT(x)	(snprintf(what, sizeof(what), "%s, %s", cmd_name, x), what)

	for (k = 0; k < 2; k++) {
		cmd = k ? LBNL_CMD_VIP_SET : LBNL_CMD_VIP_NEW;
		cmd_name = k ? "VIP_SET" : "VIP_NEW";
		t = k ? &sv : &nv;

		BAD_DEST_BEGIN();
		nl_put(&m, LBNL_A_DEST_ADDR, ok[1].addr, alen(ok[1].af));
		bad = nl_put_u32(&m, LBNL_A_DEST_WEIGHT, 65536);
		BAD_DEST_END();
		EXPECT_REFUSAL(WHAT("2nd of 3 dests of weight 65536"), &m,
			       DEST_WEIGHT, bad);

		BAD_DEST_BEGIN();
		nl_put(&m, LBNL_A_DEST_ADDR, ok[1].addr, alen(ok[1].af));
		bad = nl_put_u8(&m, LBNL_A_DEST_STATE, LBNL_DEST_STATE_MAX + 1);
		BAD_DEST_END();
		EXPECT_REFUSAL(WHAT("2nd dest's state out of range"), &m,
			       POLICY_RANGE, bad);

		BAD_DEST_BEGIN();
		bad = nl_put(&m, LBNL_A_DEST_ADDR, five, sizeof(five));
		BAD_DEST_END();
		EXPECT_REFUSAL(WHAT("2nd dest's address of 5 bytes"), &m,
			       DEST_ALEN, bad);

		af = parse_addr(variant->mcast, addr);
		BAD_DEST_BEGIN();
		bad = nl_put(&m, LBNL_A_DEST_ADDR, addr, alen(af));
		BAD_DEST_END();
		EXPECT_REFUSAL(WHAT("a multicast dest"), &m, DEST_UCAST, bad);

		af = parse_addr(variant->other, addr);
		BAD_DEST_BEGIN();
		bad = nl_put(&m, LBNL_A_DEST_ADDR, addr, alen(af));
		BAD_DEST_END();
		EXPECT_REFUSAL(WHAT("a dest of the other family"), &m,
			       DEST_FAMILY, bad);

		BAD_DEST_BEGIN();
		nl_put_u16(&m, LBNL_A_DEST_PORT, 8080);
		BAD_DEST_END();
		EXPECT_REFUSAL(WHAT("a dest without address"), &m, DEST_ADDR,
			       NULL);

		/* the 2nd and 3rd are one dest (no port, the VIP's port) */
		msg_vip_dests(c, &m, cmd, t, dup, 3, nests);
		EXPECT_REFUSAL(WHAT("the same dest twice in the nest"), &m,
			       DEST_EXISTS, nests[2]);

		/* an attribute other than a dest nest in the list */
		vd_begin(c, &m, cmd, t, &st);
		put_dest(&m, &ok[0]);
		bad = nl_nest_start(&m, LBNL_A_VIP);
		nl_put(&m, LBNL_A_DEST_ADDR, ok[1].addr, alen(ok[1].af));
		nl_nest_end(&m, bad);
		vd_end(&m, &st);
		EXPECT_REFUSAL(WHAT("a nest of type LBNL_A_VIP in the list"), &m,
			       VIP_DESTS_TYPE, bad);
	}

	/* a server id (LBNL_A_DEST_TAG_ID) is one dest's, the nest's too */
	for (k = 0; k < 2; k++) {
		cmd = k ? LBNL_CMD_VIP_SET : LBNL_CMD_VIP_NEW;
		t = k ? &sv : &nv;
		vd_begin(c, &m, cmd, t, &st);
		n = put_dest(&m, &ok[0]);
		nl_put_u16(&m, LBNL_A_DEST_TAG_ID, 7);
		nl_nest_end(&m, n);
		n = put_dest(&m, &ok[1]);
		bad = nl_put_u16(&m, LBNL_A_DEST_TAG_ID, 7);
		nl_nest_end(&m, n);
		vd_end(&m, &st);
		EXPECT_REFUSAL(k ? "VIP_SET, 2 dests of tag id 7" :
				   "VIP_NEW, 2 dests of tag id 7",
			       &m, DEST_TAG_ID_TAKEN, bad);
	}

	/* VIP_SET: a dest the VIP has (its only one: d3, the VIP's port) */
	msg_vip_dests(c, &m, LBNL_CMD_VIP_SET, &sv, had, 2, nests);
	EXPECT_REFUSAL("VIP_SET, a dest the VIP has", &m, DEST_EXISTS,
		       nests[1]);
	/* VIP_NEW of a VIP that exists: its dests are not looked at */
	msg_vip_dests(c, &m, LBNL_CMD_VIP_NEW, &v, ok, 2, NULL);
	EXPECT_REFUSAL("VIP_NEW with dests, VIP exists", &m, VIP_EXISTS, NULL);

	/* dests in the VIP nest of other commands: refused, not ignored */
	for (k = 0; k < 3; k++) {
		static const __u8 cmds[] = {
			LBNL_CMD_DEST_NEW, LBNL_CMD_VIP_DEL, LBNL_CMD_VIP_GET,
		};

		msg_init(c, &m, cmds[k]);
		vn = nl_nest_start(&m, LBNL_A_VIP);
		put_vip_attrs(&m, &v, true);
		bad = nl_nest_start(&m, LBNL_A_VIP_DESTS);
		put_dest(&m, &ok[0]);
		nl_nest_end(&m, bad);
		nl_nest_end(&m, vn);
		if (cmds[k] == LBNL_CMD_DEST_NEW)
			put_dest(&m, &ok[1]);
		snprintf(what, sizeof(what), "LBNL_A_VIP_DESTS in command %u",
			 cmds[k]);
		EXPECT_REFUSAL(what, &m, VIP_DESTS_CMD, bad);
	}
#undef BAD_DEST_BEGIN
#undef BAD_DEST_END
#undef WHAT

	EXPECT_EQ(-ENOENT, vip_get(c, &nv, &got)) TH_LOG("%s", last_ext);
	ASSERT_OK(vip_get(c, &v, &got));
	EXPECT_EQ(1, got.dest_count);
	EXPECT_EQ(0, got.migrate_after);
}

/* The strict policy: truncated, oversized, unknown attributes, garbage. */
TEST_F(af, refuse_malformed)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V(variant->vip, 80, IPPROTO_TCP);
	struct vip ok = V(variant->vip2, 80, IPPROTO_TCP);
	struct nlattr *n, *n2, *bad;
	__u8 one = 80, eight[8] = { 80 }, garbage[3] = { 1, 2, 3 };
	struct nl_msg m;

	ASSERT_OK(vip_new(c, &ok));
	ASSERT_OK(dest_new(c, &ok, PD(variant->d1, -1, -1, -1)));

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	bad = nl_put(&m, LBNL_A_VIP_PORT, &one, 1);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("VIP port attribute of 1 byte", &m, EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	bad = nl_put(&m, LBNL_A_VIP_PORT, eight, sizeof(eight));
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("VIP port attribute of 8 bytes", &m, EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put(&m, LBNL_A_VIP_MIGRATE_AFTER, eight, 2);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("VIP migrate_after of 2 bytes", &m, EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	put_vip(&m, &v, true);
	bad = nl_put_u32(&m, 99, 0);
	EXPECT_REFUSED("top-level attribute type 99", &m, EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u32(&m, 99, 0);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("attribute type 99 in the VIP nest", &m, EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u32(&m, LBNL_A_VIP_MAX + 1, 0);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("attribute type LBNL_A_VIP_MAX+1 in the VIP nest", &m,
		       EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = nl_put_u32(&m, LBNL_A_VIP_UNSPEC, 0);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("attribute type 0 in the VIP nest", &m, EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_vip(&m, &ok, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, ok.addr, alen(ok.af));
	bad = nl_put_u32(&m, 99, 0);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("attribute type 99 in the dest nest", &m, EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_vip(&m, &ok, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, ok.addr, alen(ok.af));
	bad = nl_put(&m, LBNL_A_DEST_PORT, &one, 1);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("dest port attribute of 1 byte", &m, EPOLICY, M_ANY, bad);

	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_vip(&m, &ok, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, ok.addr, alen(ok.af));
	bad = nl_put(&m, LBNL_A_DEST_WEIGHT, eight, 8);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("dest weight attribute of 8 bytes", &m, EPOLICY, M_ANY, bad);

	/* a nest without NLA_F_NESTED */
	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	bad = n = nl_put(&m, LBNL_A_VIP, NULL, 0);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("VIP nest without NLA_F_NESTED", &m, EPOLICY, M_ANY, bad);

	/* a nest inside the nest where a scalar belongs */
	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	n = nl_nest_start(&m, LBNL_A_VIP);
	nl_put(&m, LBNL_A_VIP_ADDR, v.addr, alen(v.af));
	nl_put_u16(&m, LBNL_A_VIP_PORT, 80);
	nl_put_u8(&m, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	bad = n2 = nl_nest_start(&m, LBNL_A_VIP_MIGRATE_AFTER);
	nl_put_u32(&m, 1, 5);
	nl_nest_end(&m, n2);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("nested migrate_after", &m, EPOLICY, M_ANY, bad);

	/* bytes after the last attribute */
	msg_init(c, &m, LBNL_CMD_VIP_NEW);
	put_vip(&m, &v, true);
	nl_put_raw(&m, garbage, sizeof(garbage));
	EXPECT_REFUSED("3 bytes of trailing garbage", &m, EPOLICY, M_ANY, NULL);

	/* FLUSH takes no attributes at all */
	msg_init(c, &m, LBNL_CMD_FLUSH);
	bad = put_vip(&m, &ok, true);
	EXPECT_REFUSED("FLUSH with a VIP nest", &m, EPOLICY, M_ANY, bad);

	/* a command that does not exist */
	{
		struct nl_reply r;
		int err;

		msg_init(c, &m, LBNL_CMD_MAX + 1);
		err = nl_do(&c->sk, &m, &r);
		EXPECT_EQ(-EOPNOTSUPP, err) TH_LOG("unknown command: %s", r.ext_msg);
		nl_reply_free(&r);
	}
	EXPECT_VIP_GET(&ok);
}

/* ---------------------------------------------------------------------- */
/* fixture "lbnl": one family is enough */

FIXTURE(lbnl) {
	struct lbnl_ctx c;
};

FIXTURE_SETUP(lbnl)
{
	ctx_setup(_metadata, &self->c);
}

FIXTURE_TEARDOWN(lbnl)
{
	nl_close(&self->c.sk);
}

/*
 * Without CAP_NET_ADMIN: every change is EPERM, and so is every read (the
 * configuration, the connections and their counters name clients, as
 * IPVS's) and joining the events group; the family lookup still works.
 * Each refused read or join is a bit of the child's exit status.
 */
static int no_admin_reads(struct lbnl_ctx *u, const struct vip *v,
			  const struct dest *d)
{
	static const __u8 dumps[] = {
		LBNL_CMD_VIP_GET, LBNL_CMD_DEST_GET, LBNL_CMD_CONN_GET,
		LBNL_CMD_STATS_GET, LBNL_CMD_MIGRATE_GET,
	};
	const int eperm = -refusal("ADMIN_PERM")->err;
	struct nl_reply r;
	struct vip got;
	struct dest dgot;
	struct nl_msg m;
	unsigned int i;
	int fails = 0, err;
	__u32 grp;

	if (vip_get(u, v, &got) != eperm)
		fails |= 1;
	if (dest_get(u, v, d, NULL, &dgot) != eperm)
		fails |= 2;
	msg_init(u, &m, LBNL_CMD_STATS_GET);
	if (lbnl_do(u, &m, NULL) != eperm)
		fails |= 4;
	for (i = 0; i < ARRAY_SIZE(dumps); i++) {
		msg_init(u, &m, dumps[i]);
		err = nl_dump(&u->sk, &m, &r);
		nl_reply_free(&r);
		if (err != eperm)
			fails |= 8;
	}
	grp = u->grp;
	if (!setsockopt(u->sk.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
			sizeof(grp)) || errno != EPERM)
		fails |= 16;
	return fails;
}

TEST_F(lbnl, no_cap_net_admin)
{
	struct lbnl_ctx *c = &self->c, u = { .sk.fd = -1 };
	struct vip v = VF("192.0.2.1", 80, IPPROTO_TCP, LBNL_FWD_NAT, -1, -1, 5);
	struct vip v6 = V("2001:db8::1", 80, IPPROTO_UDP);
	struct vip nv = V("192.0.2.2", 80, IPPROTO_TCP);
	struct dest d = D("10.0.0.1", -1, 3, -1);
	struct dest nd = D("10.0.0.2", -1, 3, -1);
	struct snap before, after;
	struct nl_msg m;
	unsigned int i;
	int status;
	struct {
		const char *what;
		__u8 cmd;
		const struct vip *v;
		const struct dest *d;
	} change[] = {
		{ "VIP_NEW", LBNL_CMD_VIP_NEW, &nv, NULL },
		{ "VIP_SET", LBNL_CMD_VIP_SET, &v, NULL },
		{ "VIP_DEL", LBNL_CMD_VIP_DEL, &v, NULL },
		{ "DEST_NEW", LBNL_CMD_DEST_NEW, &v, &nd },
		{ "DEST_SET", LBNL_CMD_DEST_SET, &v, &d },
		{ "DEST_DEL", LBNL_CMD_DEST_DEL, &v, &d },
		{ "FLUSH", LBNL_CMD_FLUSH, NULL, NULL },
	};

	ASSERT_OK(vip_new(c, &v));
	ASSERT_OK(vip_new(c, &v6));
	ASSERT_OK(dest_new(c, &v, &d));
	snap_take(c, &before);
	ASSERT_EQ(0, before.err);

	if (fork() == 0) {
		int fails = 0;

		if (drop_net_admin() || nl_open(&u.sk))
			_exit(100);
		u.fam = c->fam;
		if (genl_resolve(&u.sk, LBNL_GENL_NAME, &u.fam, NULL,
				 LBNL_MCGRP_EVENTS, &u.grp))
			_exit(101);	/* the lookup must not need it */
		for (i = 0; i < ARRAY_SIZE(change); i++) {
			if (change[i].d)
				msg_dest(&u, &m, change[i].cmd, change[i].v,
					 change[i].d);
			else if (change[i].v)
				msg_vip(&u, &m, change[i].cmd, change[i].v);
			else
				msg_init(&u, &m, change[i].cmd);
			if (lbnl_do(&u, &m, NULL) != -EPERM)
				fails |= 32;
		}
		_exit(fails | no_admin_reads(&u, &v, &d));
	}
	wait(&status);
	ASSERT_TRUE(WIFEXITED(status))
		TH_LOG("child killed by signal %d", WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("without CAP_NET_ADMIN, not refused with EPERM (bits): 1 VIP_GET, 2 DEST_GET, 4 STATS_GET, 8 a dump, 16 joining events, 32 a change; 100 set-up, 101 family lookup");
	/* with it: reading works and nothing changed */
	snap_take(c, &after);
	EXPECT_EQ(0, after.err);
	EXPECT_TRUE(before.len == after.len &&
		    !memcmp(before.blob, after.blob, before.len))
		TH_LOG("an unprivileged request changed the configuration");
	snap_free(&after);
	snap_free(&before);
}

/* Namespaces have independent configurations (and events). */
TEST_F(lbnl, netns_isolation)
{
	struct lbnl_ctx *a = &self->c, b = { .sk.fd = -1 }, *c = a;
	struct vip va = VF("192.0.2.1", 80, IPPROTO_TCP, LBNL_FWD_TUN, -1,
			   LBNL_BYPASS_AUTO, 11);
	struct vip vb = VF("192.0.2.1", 80, IPPROTO_TCP, LBNL_FWD_NAT, -1,
			   LBNL_BYPASS_OFF, 22);
	struct vip v6 = V("2001:db8::1", 443, IPPROTO_SCTP);
	struct dest da = D("10.0.0.1", -1, 7, -1);
	struct dest db = D("10.0.0.2", 8080, 9, LBNL_DEST_DRAIN);
	struct nl_sock ev = { .fd = -1 };
	struct snap sa, sa2;
	struct dent *dall;
	struct vip *vall, got;
	struct dest dgot;
	__u8 buf[8192];
	unsigned int n;
	int len;

	ASSERT_OK(vip_new(a, &va));
	ASSERT_OK(vip_new(a, &v6));
	ASSERT_OK(dest_new(a, &va, &da));
	snap_take(a, &sa);
	ASSERT_EQ(0, sa.err);
	ASSERT_EQ(0, nl_open(&ev));
	ASSERT_EQ(0, nl_join_group(&ev, a->grp));

	/* a second namespace: this process moves, socket a stays in A */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, nl_open(&b.sk));
	ASSERT_EQ(0, genl_resolve(&b.sk, LBNL_GENL_NAME, &b.fam, NULL,
				  LBNL_MCGRP_EVENTS, &b.grp));
	ASSERT_EQ(a->fam, b.fam);

	ASSERT_OK(vip_dump(&b, &vall, &n, NULL));
	EXPECT_EQ(0U, n) TH_LOG("namespace A's VIPs are visible in B");
	free(vall);
	ASSERT_OK(dest_dump(&b, NULL, &dall, &n));
	EXPECT_EQ(0U, n) TH_LOG("namespace A's dests are visible in B");
	free(dall);
	EXPECT_EQ(-ENOENT, vip_get(&b, &va, &got)) TH_LOG("%s", last_ext);
	EXPECT_EQ(-ENOENT, dest_get(&b, &va, &da, NULL, &dgot)) TH_LOG("%s", last_ext);
	EXPECT_EQ(-ENOENT, vip_del(&b, &va)) TH_LOG("%s", last_ext);

	/* the same VIP in B, with other attributes and dests */
	ASSERT_OK(vip_new(&b, &vb));
	ASSERT_OK(dest_new(&b, &vb, &db));
	ASSERT_OK(vip_get(&b, &vb, &got));
	expect_vip(_metadata, &vb, &got, true, __LINE__);
	EXPECT_EQ(1, got.dest_count);
	ASSERT_OK(vip_set(&b, PVF("192.0.2.1", 80, IPPROTO_TCP, -1,
					      -1, -1, 33)));
	ASSERT_OK(dest_set(&b, &vb, PD("10.0.0.2", 8080, 1, -1)));
	snap_take(a, &sa2);
	EXPECT_TRUE(sa.len == sa2.len && !memcmp(sa.blob, sa2.blob, sa.len))
		TH_LOG("changes in namespace B changed namespace A");
	snap_free(&sa2);

	/* deleting and flushing in B leaves A alone */
	ASSERT_OK(dest_del(&b, &vb, &db));
	ASSERT_OK(vip_del(&b, &vb));
	ASSERT_OK(vip_new(&b, &vb));
	ASSERT_OK(lbnl_flush(&b));
	snap_take(a, &sa2);
	EXPECT_TRUE(sa.len == sa2.len && !memcmp(sa.blob, sa2.blob, sa.len))
		TH_LOG("VIP_DEL / FLUSH in namespace B changed namespace A");
	snap_free(&sa2);
	EXPECT_VIP_GET(&va);

	/* none of B's changes reached A's event listeners */
	len = nl_recv_event(&ev, buf, sizeof(buf), 0);
	EXPECT_EQ(0, len) TH_LOG("an event of namespace B was sent to namespace A");

	/* and A's flush leaves B alone */
	ASSERT_OK(vip_new(&b, &vb));
	ASSERT_OK(lbnl_flush(a));
	ASSERT_OK(vip_get(&b, &vb, &got));
	ASSERT_OK(vip_dump(a, &vall, &n, NULL));
	EXPECT_EQ(0U, n);
	free(vall);
	snap_free(&sa);
	nl_close(&ev);
	nl_close(&b.sk);
}


/* VIP #i of the scale tests: 10.0.0.1 + i, port 1000 + i % 60000, tcp/udp. */
static void mk_vip4(unsigned int i, struct vip *v)
{
	__u32 a = htonl(0x0a000001 + i);

	*v = V("0.0.0.0", 1000 + i % 60000, i & 1 ? IPPROTO_UDP : IPPROTO_TCP);
	memcpy(v->addr, &a, 4);
}

static __u64 vip4_key(const struct vip *v)
{
	__u32 a;

	memcpy(&a, v->addr, 4);
	return (__u64)ntohl(a) << 24 | (__u64)v->port << 8 | v->proto;
}

static int u64_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* 10000 VIPs: each dumped exactly once, over several recv() buffers. */
TEST_F_TIMEOUT(lbnl, vip_dump_10k, 300)
{
	const unsigned int N = 10000;
	struct lbnl_ctx *c = &self->c;
	unsigned int i, n, bad = 0;
	__u64 *got, *want;
	struct nl_reply r;
	struct vip *all, v;
	char max[32];

	if (!param_read("max_vips", max, sizeof(max)) &&
	    strtoul(max, NULL, 10) < N)
		SKIP(return, "net.lbnl.max_vips is %s (< %u)", max, N);
	ASSERT_OK(add_vips(c, 0, N, mk_vip4));
	ASSERT_OK(vip_dump(c, &all, &n, &r));
	EXPECT_EQ(N, n);
	EXPECT_EQ(n, r.nmulti) TH_LOG("dump entries without NLM_F_MULTI");
	EXPECT_EQ(0U, r.ndumpintr) TH_LOG("NLM_F_DUMP_INTR while nothing changed");
	EXPECT_GT(r.nrecv, 1U) TH_LOG("the dump came in one recv() buffer: not split in parts");
	TH_LOG("%u VIPs dumped in %u recv() buffers", n, r.nrecv);
	nl_reply_free(&r);

	got = calloc(n + 1, sizeof(*got));
	want = calloc(N, sizeof(*want));
	ASSERT_TRUE(got && want);
	for (i = 0; i < n; i++) {
		if (all[i].af != AF_INET)
			bad++;
		got[i] = vip4_key(&all[i]);
	}
	EXPECT_EQ(0U, bad) TH_LOG("non-IPv4 VIPs in the dump");
	for (i = 0; i < N; i++) {
		mk_vip4(i, &v);
		want[i] = vip4_key(&v);
	}
	qsort(got, n, sizeof(*got), u64_cmp);
	qsort(want, N, sizeof(*want), u64_cmp);
	for (i = 1, bad = 0; i < n; i++)
		bad += got[i] == got[i - 1];
	EXPECT_EQ(0U, bad) TH_LOG("%u VIPs dumped twice", bad);
	if (n == N) {
		for (i = 0, bad = 0; i < N; i++)
			bad += got[i] != want[i];
		EXPECT_EQ(0U, bad) TH_LOG("%u dump entries are not the VIPs added", bad);
	}
	free(got);
	free(want);
	free(all);

	/* and GET finds any of them */
	mk_vip4(N / 2 + 1, &v);
	EXPECT_VIP_GET(&v);
	ASSERT_OK(lbnl_flush(c));
	ASSERT_OK(vip_dump(c, &all, &n, NULL));
	EXPECT_EQ(0U, n);
	free(all);
}

/* A change between two parts of a dump flags the rest NLM_F_DUMP_INTR. */
TEST_F_TIMEOUT(lbnl, dump_interrupted, 120)
{
	const unsigned int N = 1000;
	struct lbnl_ctx *c = &self->c;
	struct vip extra = V("192.0.2.99", 99, IPPROTO_TCP);
	struct nl_sock d = { .fd = -1 };
	struct nl_reply r;
	struct nl_msg m;
	unsigned int first;
	int ret;

	ASSERT_OK(add_vips(c, 0, N, mk_vip4));
	ASSERT_EQ(0, nl_open(&d));
	/* dump parts of one page, so that 1000 VIPs take many */
	d.rcvlen = 4096;
	msg_init(c, &m, LBNL_CMD_VIP_GET);
	nl_reply_init(&r);
	ASSERT_EQ(0, nl_send(&d, &m, NLM_F_DUMP));
	ASSERT_EQ(0, nl_recv_step(&d, m.nlh.nlmsg_seq, &r))
		TH_LOG("the whole dump of %u VIPs came in one 4 KiB part", N);
	first = r.nmsgs;
	EXPECT_GT(first, 0U);
	EXPECT_EQ(0U, r.ndumpintr) TH_LOG("NLM_F_DUMP_INTR before any change");

	ASSERT_OK(vip_new(c, &extra));
	do {
		ret = nl_recv_step(&d, m.nlh.nlmsg_seq, &r);
	} while (ret == 0);
	ASSERT_EQ(1, ret);
	EXPECT_EQ(0, r.error);
	EXPECT_GT(r.ndumpintr, 0U)
		TH_LOG("VIP_NEW after %u of %u+ entries, yet no part was flagged NLM_F_DUMP_INTR (%u parts)",
		       first, N, r.nrecv);
	nl_reply_free(&r);

	/* restarting gives a clean dump of everything */
	ASSERT_EQ(0, nl_dump(&d, &m, &r));
	EXPECT_EQ(0U, r.ndumpintr);
	EXPECT_EQ(N + 1, r.nmsgs);
	EXPECT_GT(r.nrecv, 1U);
	nl_reply_free(&r);
	nl_close(&d);
}

/* max_vips: the limit of VIPs per namespace, set in the namespace. */
TEST_F(lbnl, limit_max_vips)
{
	struct lbnl_ctx *c = &self->c, b = { .sk.fd = -1 };
	struct vip v[] = {
		V("192.0.2.1", 80, IPPROTO_TCP), V("2001:db8::1", 80, IPPROTO_TCP),
		V("192.0.2.1", 80, IPPROTO_UDP), V("192.0.2.4", 80, IPPROTO_SCTP),
	};
	struct nl_msg m;
	unsigned int i;
	char buf[32], seed[32];

	ASSERT_EQ(0, param_read("max_vips", buf, sizeof(buf)))
		TH_LOG("cannot read " PARAM_DIR "max_vips");
	ASSERT_EQ(0, param_write("max_vips", "3"));
	ASSERT_EQ(0, param_read("max_vips", buf, sizeof(buf)));
	ASSERT_STREQ("3", buf);

	for (i = 0; i < 3; i++) {
		ASSERT_OK(vip_new(c, &v[i]));
	}
	msg_vip(c, &m, LBNL_CMD_VIP_NEW, &v[3]);
	EXPECT_REFUSAL("4th VIP, max_vips 3", &m, MAX_VIPS, NULL);
	/* changes other than VIP_NEW still work at the limit */
	v[0].migrate_after = 9;
	ASSERT_OK(vip_set(c, &v[0]));
	ASSERT_OK(dest_new(c, &v[0], PD("10.0.0.1", -1, -1, -1)));
	/* a deleted VIP gives its place back */
	ASSERT_OK(vip_del(c, &v[1]));
	ASSERT_OK(vip_new(c, &v[3]));
	msg_vip(c, &m, LBNL_CMD_VIP_NEW, &v[1]);
	EXPECT_REFUSAL("4th VIP after a DEL and a NEW, max_vips 3", &m, MAX_VIPS, NULL);
	/* and so does a flush */
	ASSERT_OK(lbnl_flush(c));
	for (i = 0; i < 3; i++) {
		ASSERT_OK(vip_new(c, &v[i]));
	}
	msg_vip(c, &m, LBNL_CMD_VIP_NEW, &v[3]);
	EXPECT_REFUSAL("4th VIP after FLUSH, max_vips 3", &m, MAX_VIPS, NULL);

	/* the limit is per namespace: a new one starts from the module
	 * parameter, not from the first's 3, and counts its own VIPs
	 */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, seed_read("max_vips", seed, sizeof(seed)));
	ASSERT_EQ(0, param_read("max_vips", buf, sizeof(buf)));
	ASSERT_STREQ(seed, buf);
	ASSERT_EQ(0, param_write("max_vips", "3"));
	ASSERT_EQ(0, nl_open(&b.sk));
	ASSERT_EQ(0, genl_resolve(&b.sk, LBNL_GENL_NAME, &b.fam, NULL, NULL, NULL));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, vip_new(&b, &v[i]))
			TH_LOG("VIP #%u in a second namespace: %s", i + 1, last_ext);
	}
	c = &b;
	msg_vip(c, &m, LBNL_CMD_VIP_NEW, &v[3]);
	EXPECT_REFUSAL("4th VIP in the second namespace", &m, MAX_VIPS, NULL);
	nl_close(&b.sk);
}

/* max_dests: the limit of dests per VIP. */
TEST_F(lbnl, limit_max_dests)
{
	struct lbnl_ctx *c = &self->c;
	struct vip a = V("192.0.2.1", 80, IPPROTO_TCP);
	struct vip b = V("2001:db8::1", 80, IPPROTO_TCP);
	struct dest d4[] = {
		D("10.0.0.1", -1, -1, -1), D("10.0.0.1", 8080, -1, -1),
		D("10.0.0.3", -1, 5, -1),
	};
	struct dest d6[] = {
		D("2001:db8:1::1", -1, -1, -1), D("2001:db8:1::2", -1, -1, -1),
		D("2001:db8:1::3", -1, -1, -1),
	};
	struct vip n4 = V("192.0.2.2", 80, IPPROTO_TCP);
	struct nlattr *nests[3];
	struct nl_msg m;
	char buf[32];

	ASSERT_EQ(0, param_read("max_dests", buf, sizeof(buf)))
		TH_LOG("cannot read " PARAM_DIR "max_dests");
	ASSERT_EQ(0, param_write("max_dests", "2"));

	ASSERT_OK(vip_new(c, &a));
	ASSERT_OK(vip_new(c, &b));
	ASSERT_OK(dest_new(c, &a, &d4[0]));
	ASSERT_OK(dest_new(c, &a, &d4[1]));
	msg_dest(c, &m, LBNL_CMD_DEST_NEW, &a, &d4[2]);
	EXPECT_REFUSAL("3rd dest, max_dests 2", &m, MAX_DESTS, NULL);
	/* per VIP: the other VIP has its own two */
	ASSERT_OK(dest_new(c, &b, &d6[0]));
	ASSERT_OK(dest_new(c, &b, &d6[1]));
	msg_dest(c, &m, LBNL_CMD_DEST_NEW, &b, &d6[2]);
	EXPECT_REFUSAL("3rd dest of the 2nd VIP, max_dests 2", &m, MAX_DESTS, NULL);
	/* DEST_SET still works at the limit; DEST_DEL gives a place back */
	ASSERT_OK(dest_set(c, &a, PD("10.0.0.1", 8080, 3, -1)));
	ASSERT_OK(dest_del(c, &a, &d4[0]));
	ASSERT_OK(dest_new(c, &a, &d4[2]));
	msg_dest(c, &m, LBNL_CMD_DEST_NEW, &a, &d4[0]);
	EXPECT_REFUSAL("3rd dest after a DEL and a NEW", &m, MAX_DESTS, NULL);

	/* LBNL_A_VIP_DESTS: the VIP's dests and the nest's count together */
	msg_vip_dests(c, &m, LBNL_CMD_VIP_NEW, &n4, d4, 3, nests);
	EXPECT_REFUSAL("VIP_NEW with 3 dests, max_dests 2", &m, MAX_DESTS,
		       nests[2]);
	ASSERT_OK(vip_new_dests(c, &n4, d4, 2));
	msg_vip_dests(c, &m, LBNL_CMD_VIP_SET, &n4, &d4[2], 1, nests);
	EXPECT_REFUSAL("VIP_SET with a 3rd dest, max_dests 2", &m, MAX_DESTS,
		       nests[0]);
}

/*
 * At most LBNL_VIP_DESTS_MAX dests in one request: one more is refused
 * (naming it); that many in a VIP_NEW, and as many again in a VIP_SET.
 */
TEST_F_TIMEOUT(lbnl, vip_dests_max, 120)
{
	const unsigned int max = LBNL_VIP_DESTS_MAX;
	struct lbnl_ctx *c = &self->c;
	struct vip v = V("192.0.2.1", 80, IPPROTO_TCP);
	struct nlattr **nests = calloc(max + 1, sizeof(*nests));
	struct dest *d = calloc(2 * max + 1, sizeof(*d));
	struct nl_msg *m = calloc(1, sizeof(*m));
	struct dent *all;
	unsigned int i, n;
	char a[32];

	ASSERT_TRUE(nests && d && m);
	ASSERT_EQ(0, param_write("max_dests", "4096"));
	for (i = 0; i <= 2 * max; i++) {
		snprintf(a, sizeof(a), "10.2.%u.%u", i >> 8, i & 255);
		d[i] = D(a, 8080, 1, -1);
	}
	msg_vip_dests(c, m, LBNL_CMD_VIP_NEW, &v, d, max + 1, nests);
	EXPECT_REFUSAL("VIP_NEW with LBNL_VIP_DESTS_MAX + 1 dests", m,
		       VIP_DESTS_MAX, nests[max]);
	ASSERT_OK(vip_new_dests(c, &v, d, max));
	msg_vip_dests(c, m, LBNL_CMD_VIP_SET, &v, d + max, max + 1, nests);
	EXPECT_REFUSAL("VIP_SET with LBNL_VIP_DESTS_MAX + 1 dests", m,
		       VIP_DESTS_MAX, nests[max]);
	ASSERT_OK(vip_set_dests(c, &v, d + max, max));
	ASSERT_OK(dest_dump(c, &v, &all, &n));
	EXPECT_EQ(2 * max, n);
	free(all);
	free(m);
	free(d);
	free(nests);
}

/* ---------------------------------------------------------------------- */
/* routable SCTP tags */

/* TAG_GET: the fingerprint and routed count; no key attribute, ever. */
static int tag_get(struct lbnl_ctx *c, __u32 *fp, __u64 *routed, bool *has_key)
{
	struct nlattr *tb[LBNL_A_MAX + 1], *nt[LBNL_A_TAG_MAX + 1];
	struct nlattr *attrs;
	struct nl_reply r;
	struct nl_msg m;
	int err, rem;

	msg_init(c, &m, LBNL_CMD_TAG_GET);
	err = lbnl_do(c, &m, &r);
	if (!err) {
		attrs = genl_attrs((struct nlmsghdr *)r.data, &rem);
		if (r.nmsgs != 1 || nla_parse_all(tb, LBNL_A_MAX, attrs, rem) ||
		    !tb[LBNL_A_TAG] || nla_parse_nest(nt, LBNL_A_TAG_MAX,
						      tb[LBNL_A_TAG]) ||
		    !nt[LBNL_A_TAG_FINGERPRINT] || !nt[LBNL_A_TAG_ROUTED]) {
			err = NL_EBADREPLY;
		} else {
			*fp = *(__u32 *)nla_payload(nt[LBNL_A_TAG_FINGERPRINT]);
			memcpy(routed, nla_payload(nt[LBNL_A_TAG_ROUTED]),
			       sizeof(*routed));
			*has_key = nt[LBNL_A_TAG_KEY];
		}
	}
	nl_reply_free(&r);
	return err;
}

static int tag_set(struct lbnl_ctx *c, __u8 fill)
{
	__u8 key[LBNL_TAG_KEY_LEN];
	struct nlattr *n;
	struct nl_msg m;

	memset(key, fill, sizeof(key));
	msg_init(c, &m, LBNL_CMD_TAG_SET);
	n = nl_nest_start(&m, LBNL_A_TAG);
	nl_put(&m, LBNL_A_TAG_KEY, key, sizeof(key));
	nl_nest_end(&m, n);
	return lbnl_do(c, &m, NULL);
}

/*
 * The key goes in and never comes out; its fingerprint is a function of
 * the key alone; a dest's tag id is unique within its VIP.
 */
TEST_F(lbnl, tag)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V("192.0.2.1", 3868, IPPROTO_SCTP);
	struct dest d1 = D("10.0.0.1", -1, -1, -1);
	struct dest d2 = D("10.0.0.2", -1, -1, -1);
	__u8 key15[LBNL_TAG_KEY_LEN - 1] = { 0 }, key16[LBNL_TAG_KEY_LEN] = { 0 };
	__u32 fp1 = 0, fp2 = 0, fp;
	struct nlattr *n, *bad;
	bool has_key = true;
	struct nl_reply r;
	struct nl_msg m;
	__u64 routed = 1;

	msg_init(c, &m, LBNL_CMD_TAG_GET);
	EXPECT_REFUSAL("TAG_GET without a key", &m, TAG_NO_KEY, NULL);
	msg_init(c, &m, LBNL_CMD_TAG_SET);
	EXPECT_REFUSAL("TAG_SET without a nest", &m, TAG_NEST, NULL);
	msg_init(c, &m, LBNL_CMD_TAG_SET);
	n = nl_nest_start(&m, LBNL_A_TAG);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("TAG_SET without a key", &m, TAG_KEY_MISSING, NULL);
	msg_init(c, &m, LBNL_CMD_TAG_SET);
	n = nl_nest_start(&m, LBNL_A_TAG);
	bad = nl_put(&m, LBNL_A_TAG_KEY, key15, sizeof(key15));
	nl_nest_end(&m, n);
	EXPECT_REFUSED("TAG_SET with a 15-byte key", &m, EPOLICY, M_ANY, bad);
	msg_init(c, &m, LBNL_CMD_TAG_SET);
	n = nl_nest_start(&m, LBNL_A_TAG);
	nl_put(&m, LBNL_A_TAG_KEY, key16, sizeof(key16));
	bad = nl_put_u32(&m, LBNL_A_TAG_FINGERPRINT, 1);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("TAG_SET with a fingerprint", &m, EPOLICY, M_ANY, bad);

	ASSERT_OK(tag_set(c, 0x11));
	ASSERT_OK(tag_get(c, &fp1, &routed, &has_key));
	EXPECT_FALSE(has_key) TH_LOG("TAG_GET gave the key back");
	EXPECT_EQ(0ULL, routed);
	ASSERT_OK(tag_set(c, 0x22));
	ASSERT_OK(tag_get(c, &fp2, &routed, &has_key));
	EXPECT_NE(fp1, fp2) TH_LOG("two keys, one fingerprint %08x", fp1);
	ASSERT_OK(tag_set(c, 0x11));
	ASSERT_OK(tag_get(c, &fp, &routed, &has_key));
	EXPECT_EQ(fp1, fp) TH_LOG("the same key, another fingerprint");
	msg_init(c, &m, LBNL_CMD_TAG_DEL);
	ASSERT_OK(lbnl_do(c, &m, NULL));
	msg_init(c, &m, LBNL_CMD_TAG_GET);
	EXPECT_REFUSAL("TAG_GET after TAG_DEL", &m, TAG_NO_KEY, NULL);

	/* dest tag ids: 1..4095, one dest per id and VIP */
	ASSERT_OK(vip_new(c, &v));
	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_vip(&m, &v, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	bad = nl_put_u16(&m, LBNL_A_DEST_TAG_ID, LBNL_TAG_ID_MAX + 1);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("tag id 4096", &m, EPOLICY, M_ANY, bad);
	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_vip(&m, &v, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_TAG_ID, 5);
	nl_nest_end(&m, n);
	ASSERT_OK(lbnl_do(c, &m, NULL));
	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_vip(&m, &v, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, d2.addr, alen(d2.af));
	bad = nl_put_u16(&m, LBNL_A_DEST_TAG_ID, 5);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("a 2nd dest of tag id 5", &m, DEST_TAG_ID_TAKEN, bad);
	msg_init(c, &m, LBNL_CMD_DEST_NEW);
	put_vip(&m, &v, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, d2.addr, alen(d2.af));
	nl_put_u16(&m, LBNL_A_DEST_TAG_ID, 6);
	nl_nest_end(&m, n);
	ASSERT_OK(lbnl_do(c, &m, NULL));
	msg_init(c, &m, LBNL_CMD_DEST_SET);
	put_vip(&m, &v, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, v.port);
	bad = nl_put_u16(&m, LBNL_A_DEST_TAG_ID, 6);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("DEST_SET to another dest's tag id", &m,
		       DEST_TAG_ID_TAKEN, bad);
	/* its own id again, then none: fine; the GET shows what is set */
	msg_init(c, &m, LBNL_CMD_DEST_SET);
	put_vip(&m, &v, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, d1.addr, alen(d1.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, v.port);
	nl_put_u16(&m, LBNL_A_DEST_TAG_ID, 5);
	nl_nest_end(&m, n);
	ASSERT_OK(lbnl_do(c, &m, NULL));
	msg_init(c, &m, LBNL_CMD_DEST_GET);
	put_vip(&m, &v, true);
	n = nl_nest_start(&m, LBNL_A_DEST);
	nl_put(&m, LBNL_A_DEST_ADDR, d2.addr, alen(d2.af));
	nl_put_u16(&m, LBNL_A_DEST_PORT, v.port);
	nl_nest_end(&m, n);
	ASSERT_OK(lbnl_do(c, &m, &r));
	{
		struct nlattr *tb[LBNL_A_MAX + 1], *dt[LBNL_A_DEST_MAX + 1];
		int rem;
		struct nlattr *a = genl_attrs((struct nlmsghdr *)r.data, &rem);

		ASSERT_EQ(0, nla_parse_all(tb, LBNL_A_MAX, a, rem));
		ASSERT_TRUE(tb[LBNL_A_DEST] != NULL);
		ASSERT_EQ(0, nla_parse_nest(dt, LBNL_A_DEST_MAX, tb[LBNL_A_DEST]));
		ASSERT_TRUE(dt[LBNL_A_DEST_TAG_ID] != NULL) TH_LOG("no tag id in DEST_GET");
		EXPECT_EQ(6, *(__u16 *)nla_payload(dt[LBNL_A_DEST_TAG_ID]));
	}
	nl_reply_free(&r);
	ASSERT_OK(lbnl_flush(c));
}

/* CONN_NEW's request: @vtag 0 or @dest NULL leave that attribute out. */
static void msg_conn_new(struct lbnl_ctx *c, struct nl_msg *m,
			 const struct vip *v, const char *peer, __u16 pport,
			 __u32 vtag, const struct dest *dest,
			 struct nlattr **last)
{
	__u8 a[16];
	struct nlattr *n;
	int af = parse_addr(peer, a);

	msg_init(c, m, LBNL_CMD_CONN_NEW);
	put_vip(m, v, true);
	n = nl_nest_start(m, LBNL_A_CONN);
	*last = nl_put(m, LBNL_A_CONN_PEER_ADDR, a, alen(af));
	nl_put_u16(m, LBNL_A_CONN_PEER_PORT, pport);
	if (vtag)
		nl_put_u32(m, LBNL_A_CONN_MY_VTAG, vtag);
	if (dest)
		nl_put(m, LBNL_A_CONN_DEST_ADDR, dest->addr, alen(dest->af));
	nl_nest_end(m, n);
}

/*
 * CONN_NEW installs a migrated association's entry: confirmed, established,
 * flagged MIGRATED, found by its tag; SCTP only, once per tag or peer.
 */
TEST_F(lbnl, conn_new)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = V("192.0.2.1", 3868, IPPROTO_SCTP);
	struct vip t = V("192.0.2.1", 80, IPPROTO_TCP);
	struct dest d1 = D("10.0.0.1", -1, -1, -1);
	struct dest d2 = D("10.0.0.2", -1, -1, -1);
	struct dest d3 = D("10.0.0.3", -1, -1, -1);
	struct nlattr *tb[LBNL_A_MAX + 1], *ct[LBNL_A_CONN_MAX + 1];
	struct nlattr *last, *a;
	struct nlmsghdr *nlh;
	struct nl_reply r;
	struct nl_msg m;
	int rem, found = 0;

	ASSERT_OK(vip_new(c, &v));
	ASSERT_OK(vip_new(c, &t));
	ASSERT_OK(dest_new(c, &v, &d1));
	ASSERT_OK(dest_new(c, &v, &d2));
	ASSERT_OK(dest_new(c, &t, &d1));

	msg_init(c, &m, LBNL_CMD_CONN_NEW);
	put_vip(&m, &v, true);
	EXPECT_REFUSAL("CONN_NEW without a conn nest", &m, CONN_NEW_NEST, NULL);
	msg_conn_new(c, &m, &v, "198.51.100.1", 40000, 0, &d2, &last);
	EXPECT_REFUSAL("CONN_NEW without a vtag", &m, CONN_NEW_VTAG, NULL);
	msg_conn_new(c, &m, &v, "198.51.100.1", 40000, 0x1234, NULL, &last);
	EXPECT_REFUSAL("CONN_NEW without a dest", &m, CONN_NEW_DEST, NULL);
	msg_conn_new(c, &m, &t, "198.51.100.1", 40000, 0x1234, &d1, &last);
	EXPECT_REFUSAL("CONN_NEW on a TCP VIP", &m, CONN_NEW_PROTO, NULL);
	msg_conn_new(c, &m, &v, "2001:db8::1", 40000, 0x1234, &d2, &last);
	EXPECT_REFUSAL("CONN_NEW, IPv6 peer on an IPv4 VIP", &m,
		       CONN_NEW_FAMILY, last);
	msg_conn_new(c, &m, &v, "198.51.100.1", 40000, 0x1234, &d3, &last);
	EXPECT_REFUSAL("CONN_NEW to no dest of the VIP", &m, CONN_NEW_NODEST,
		       NULL);

	msg_conn_new(c, &m, &v, "198.51.100.1", 40000, 0x1234, &d2, &last);
	ASSERT_OK(lbnl_do(c, &m, NULL));
	msg_conn_new(c, &m, &v, "198.51.100.1", 40000, 0x1234, &d1, &last);
	EXPECT_REFUSED("CONN_NEW twice", &m, -EEXIST,
		       MSG(CONN_NEW_EXISTS), NULL);
	msg_conn_new(c, &m, &v, "198.51.100.2", 40000, 0x1234, &d1, &last);
	EXPECT_REFUSED("CONN_NEW, another peer, same tag and port", &m,
		       -EEXIST, MSG(CONN_NEW_EXISTS), NULL);

	msg_init(c, &m, LBNL_CMD_CONN_GET);
	ASSERT_EQ(0, nl_dump(&c->sk, &m, &r));
	nl_reply_for_each(nlh, &r) {
		a = genl_attrs(nlh, &rem);
		ASSERT_EQ(0, nla_parse_all(tb, LBNL_A_MAX, a, rem));
		ASSERT_TRUE(tb[LBNL_A_CONN] != NULL);
		ASSERT_EQ(0, nla_parse_nest(ct, LBNL_A_CONN_MAX, tb[LBNL_A_CONN]));
		found++;
		ASSERT_TRUE(ct[LBNL_A_CONN_FLAGS] && ct[LBNL_A_CONN_MY_VTAG] &&
			    ct[LBNL_A_CONN_DEST_ADDR] && ct[LBNL_A_CONN_STATE]);
		EXPECT_EQ((__u32)LBNL_CONN_F_MIGRATED,
			  *(__u32 *)nla_payload(ct[LBNL_A_CONN_FLAGS]))
			TH_LOG("flags: want MIGRATED only (confirmed)");
		EXPECT_EQ(0x1234U, *(__u32 *)nla_payload(ct[LBNL_A_CONN_MY_VTAG]));
		EXPECT_EQ(0, memcmp(d2.addr,
				    nla_payload(ct[LBNL_A_CONN_DEST_ADDR]), 4));
		EXPECT_EQ(LBNL_CONN_SCTP_ESTABLISHED,
			  *(__u8 *)nla_payload(ct[LBNL_A_CONN_STATE]));
	}
	nl_reply_free(&r);
	EXPECT_EQ(1, found);
	ASSERT_OK(lbnl_flush(c));
}

/* ---------------------------------------------------------------------- */
/* events */

static void expect_event(struct __test_metadata *_metadata, struct lbnl_ctx *c,
			 struct nl_sock *ev, __u8 cmd, const struct vip *v,
			 const struct dest *d, bool last, const char *what,
			 int line)
{
	__u8 buf[8192];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct dest dgot;
	struct vip got;
	int len, rem;

	len = nl_recv_event(ev, buf, sizeof(buf), 5000);
	ASSERT_GT(len, 0) TH_LOG("line %d: %s: no event within 5 s (%d)", line,
				 what, len);
	ASSERT_TRUE(NLMSG_OK(nlh, (unsigned int)len));
	EXPECT_EQ(c->fam, nlh->nlmsg_type);
	EXPECT_EQ(cmd, genl_hdr(nlh)->cmd)
		TH_LOG("line %d: %s: event with command %u, want %u", line, what,
		       genl_hdr(nlh)->cmd, cmd);
	rem = len - NLMSG_ALIGN(nlh->nlmsg_len);
	EXPECT_LT(rem, (int)NLMSG_HDRLEN)
		TH_LOG("line %d: %s: more than one message in the event", line, what);
	if (v && parse_msg(nlh, &got, d ? &dgot : NULL)) {
		EXPECT_TRUE(0)
			TH_LOG("line %d: %s: event lacks the %s", line, what,
			       d ? "VIP key or the dest" : "VIP");
	} else if (v) {
		expect_vip(_metadata, v, &got, !d, line);
		if (d)
			expect_dest(_metadata, d, &dgot, true, line);
	}
	if (!last)
		return;
	len = nl_recv_event(ev, buf, sizeof(buf), 0);
	EXPECT_EQ(0, len)
		TH_LOG("line %d: %s: a second event (command %u)", line, what,
		       len > 0 ? genl_hdr(nlh)->cmd : 0);
}

static void expect_no_event(struct __test_metadata *_metadata,
			    struct nl_sock *ev, const char *what, int line)
{
	__u8 buf[8192];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int len;

	/*
	 * Events are multicast from the request's doit, before its ack is
	 * sent: by the time the ack is read, an event would be queued.
	 */
	len = nl_recv_event(ev, buf, sizeof(buf), 0);
	EXPECT_EQ(0, len)
		TH_LOG("line %d: %s: unexpected event (command %u)", line, what,
		       len > 0 ? genl_hdr(nlh)->cmd : 0);
}

#define EXPECT_EVENT(cmd, v, d, what) \
	expect_event(_metadata, c, &ev, cmd, v, d, true, what, __LINE__)
/* An event that another one (its consequence) follows. */
#define EXPECT_EVENT_THEN(cmd, v, d, what) \
	expect_event(_metadata, c, &ev, cmd, v, d, false, what, __LINE__)
#define EXPECT_NO_EVENT(what) expect_no_event(_metadata, &ev, what, __LINE__)

/* Every change: exactly one event, with its command and object. */
TEST_F(lbnl, events)
{
	struct lbnl_ctx *c = &self->c, u = { .sk.fd = -1 };
	struct vip v = VF("192.0.2.1", 80, IPPROTO_TCP, LBNL_FWD_TUN,
			  LBNL_SCHED_MAGLEV, LBNL_BYPASS_AUTO, 30);
	struct vip v6 = VF("2001:db8::1", 443, IPPROTO_SCTP, LBNL_FWD_NAT,
			   LBNL_SCHED_MAGLEV, LBNL_BYPASS_OFF, 0);
	struct vip s = V("192.0.2.1", 80, IPPROTO_TCP);
	const struct vip key = V("192.0.2.1", 80, IPPROTO_TCP);
	const struct vip key6 = V("2001:db8::1", 443, IPPROTO_SCTP);
	struct vip missing = V("192.0.2.200", 80, IPPROTO_TCP);
	struct dest d = D("10.0.0.1", -1, 5, -1);
	struct dest d2 = D("10.0.0.2", 8080, 0, LBNL_DEST_MAINT);
	struct dest d6 = D("2001:db8:1::1", 8443, 2, LBNL_DEST_DRAIN);
	struct nl_sock ev = { .fd = -1 };
	struct vip got, *vall;
	struct dent *dall;
	struct dest want;
	struct nl_msg m;
	unsigned int n;

	ASSERT_EQ(0, nl_open(&ev));
	ASSERT_EQ(0, nl_join_group(&ev, c->grp));

	ASSERT_OK(vip_new(c, &v));
	v.dest_count = 0;
	EXPECT_EVENT(LBNL_CMD_VIP_NEW, &v, NULL, "VIP_NEW");
	ASSERT_OK(vip_new(c, &v6));
	v6.dest_count = 0;
	EXPECT_EVENT(LBNL_CMD_VIP_NEW, &v6, NULL, "VIP_NEW v6");

	s.migrate_after = 60;
	ASSERT_OK(vip_set(c, &s));
	v.migrate_after = 60;		/* the whole state after the change */
	EXPECT_EVENT(LBNL_CMD_VIP_SET, &v, NULL, "VIP_SET");

	ASSERT_OK(dest_new(c, &v, &d));
	want = D("10.0.0.1", 80, 5, LBNL_DEST_ACTIVE);
	/* its one active dest: a bypass transition follows the change */
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_NEW, &key, &want, "DEST_NEW");
	EXPECT_EVENT(LBNL_CMD_VIP_BYPASS, &key, NULL, "VIP_BYPASS");
	ASSERT_OK(dest_new(c, &v, &d2));
	EXPECT_EVENT(LBNL_CMD_DEST_NEW, &key, &d2, "DEST_NEW 2");
	ASSERT_OK(dest_new(c, &v6, &d6));
	EXPECT_EVENT(LBNL_CMD_DEST_NEW, &key6, &d6, "DEST_NEW v6");

	ASSERT_OK(dest_set(c, &v, PD("10.0.0.1", 80, -1, LBNL_DEST_DRAIN)));
	want.state = LBNL_DEST_DRAIN;	/* weight unchanged, in the event */
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_SET, &key, &want, "DEST_SET");
	EXPECT_EVENT(LBNL_CMD_VIP_UNBYPASS, &key, NULL, "VIP_UNBYPASS");

	ASSERT_OK(dest_del(c, &v, &d2));
	EXPECT_EVENT(LBNL_CMD_DEST_DEL, &key, &d2, "DEST_DEL (state before)");

	/* refusals, reads: nothing */
	ASSERT_EQ(-EEXIST, vip_new(c, &v));
	EXPECT_NO_EVENT("refused VIP_NEW (exists)");
	ASSERT_EQ(-EINVAL, vip_set(c, PVF("192.0.2.1", 80, IPPROTO_TCP,
						      LBNL_FWD_NAT, -1, -1, 1)));
	EXPECT_NO_EVENT("refused VIP_SET (mode nat, bypass auto)");
	ASSERT_EQ(-ENOENT, vip_set(c, &missing));
	EXPECT_NO_EVENT("refused VIP_SET (missing)");
	ASSERT_EQ(-ENOENT, vip_del(c, &missing));
	EXPECT_NO_EVENT("refused VIP_DEL (missing)");
	ASSERT_EQ(-ENOENT, dest_new(c, &missing, &d));
	EXPECT_NO_EVENT("refused DEST_NEW (missing VIP)");
	ASSERT_EQ(-EEXIST, dest_new(c, &v, &d));
	EXPECT_NO_EVENT("refused DEST_NEW (exists)");
	ASSERT_EQ(-EINVAL, dest_new(c, &v, PD("10.0.0.9", -1, 65536, -1)));
	EXPECT_NO_EVENT("refused DEST_NEW (weight 65536)");
	ASSERT_EQ(-EAFNOSUPPORT, dest_new(c, &v, &d6));
	EXPECT_NO_EVENT("refused DEST_NEW (family)");
	ASSERT_EQ(-ENOENT, dest_set(c, &v, &d2));
	EXPECT_NO_EVENT("refused DEST_SET (missing)");
	ASSERT_EQ(-ENOENT, dest_del(c, &v, &d2));
	EXPECT_NO_EVENT("refused DEST_DEL (missing)");
	msg_init(c, &m, LBNL_CMD_FLUSH);
	nl_put_u32(&m, 99, 0);
	ASSERT_NE(0, lbnl_do(c, &m, NULL));
	EXPECT_NO_EVENT("refused FLUSH (attribute)");
	ASSERT_OK(vip_get(c, &v, &got));
	ASSERT_OK(vip_dump(c, &vall, &n, NULL));
	free(vall);
	ASSERT_OK(dest_dump(c, NULL, &dall, &n));
	free(dall);
	EXPECT_NO_EVENT("GET and dumps");

	/* VIP_DEL: one event, its state before, no DEST_DEL for its dests */
	ASSERT_OK(vip_del(c, &v));
	v.dest_count = 1;
	EXPECT_EVENT(LBNL_CMD_VIP_DEL, &v, NULL, "VIP_DEL of a VIP with a dest");

	/* FLUSH: one event, whatever it removed */
	ASSERT_OK(vip_new(c, &v));
	v.dest_count = 0;
	EXPECT_EVENT(LBNL_CMD_VIP_NEW, &v, NULL, "VIP_NEW again");
	ASSERT_OK(lbnl_flush(c));
	EXPECT_EVENT(LBNL_CMD_FLUSH, NULL, NULL, "FLUSH of 2 VIPs and a dest");

	/* refused for lack of CAP_NET_ADMIN: nothing */
	ASSERT_EQ(0, drop_net_admin());
	ASSERT_EQ(0, nl_open(&u.sk));
	u.fam = c->fam;
	EXPECT_EQ(-EPERM, vip_new(&u, &v));
	EXPECT_EQ(-EPERM, lbnl_flush(&u));
	EXPECT_NO_EVENT("changes refused with EPERM");
	nl_close(&u.sk);
	nl_close(&ev);
}

/*
 * A VIP with its dests in one request: announced as that VIP_NEW or
 * VIP_SET (the VIP with all its dests), then a DEST_NEW per dest in the
 * nest's order, then the bypass transition it causes; a refused one:
 * nothing.
 */
TEST_F(lbnl, events_vip_dests)
{
	struct lbnl_ctx *c = &self->c;
	struct vip v = VF("192.0.2.1", 80, IPPROTO_TCP, LBNL_FWD_TUN,
			  LBNL_SCHED_MAGLEV, LBNL_BYPASS_AUTO, 0);
	const struct vip key = V("192.0.2.1", 80, IPPROTO_TCP);
	struct vip s = V("192.0.2.1", 80, IPPROTO_TCP);
	struct dest d = D("10.0.0.1", 8080, 5, -1);
	struct dest more[] = {
		D("10.0.0.3", -1, -1, -1), D("10.0.0.2", 8080, 0, -1),
	};
	struct dest want[] = {
		D("10.0.0.1", 8080, 5, LBNL_DEST_ACTIVE),
		D("10.0.0.3", 80, 1, LBNL_DEST_ACTIVE),
		D("10.0.0.2", 8080, 0, LBNL_DEST_ACTIVE),
	};
	struct nl_sock ev = { .fd = -1 };

	ASSERT_EQ(0, nl_open(&ev));
	ASSERT_EQ(0, nl_join_group(&ev, c->grp));

	ASSERT_OK(vip_new_dests(c, &v, &d, 1));
	v.dest_count = 1;
	v.active_dests = 1;
	EXPECT_EVENT_THEN(LBNL_CMD_VIP_NEW, &v, NULL, "VIP_NEW with a dest");
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_NEW, &key, &want[0], "its DEST_NEW");
	EXPECT_EVENT(LBNL_CMD_VIP_BYPASS, &key, NULL,
		     "VIP_BYPASS: one active dest");

	ASSERT_OK(vip_set_dests(c, &s, more, 2));
	v.dest_count = 3;
	v.active_dests = -1;	/* the bypass transition counts them */
	EXPECT_EVENT_THEN(LBNL_CMD_VIP_SET, &v, NULL, "VIP_SET with 2 dests");
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_NEW, &key, &want[1], "1st DEST_NEW");
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_NEW, &key, &want[2], "2nd DEST_NEW");
	EXPECT_EVENT(LBNL_CMD_VIP_UNBYPASS, &key, NULL,
		     "VIP_UNBYPASS: two active dests");

	ASSERT_EQ(-EEXIST, vip_set_dests(c, &s, more, 2));
	EXPECT_NO_EVENT("refused VIP_SET with dests (they exist)");
	ASSERT_EQ(-EEXIST, vip_new_dests(c, &v, &d, 1));
	EXPECT_NO_EVENT("refused VIP_NEW with dests (the VIP exists)");
	nl_close(&ev);
}

static int bypass_active(struct lbnl_ctx *c, const struct vip *v,
			 const struct dest *d)
{
	return lbnl_cmd_dest(c, LBNL_CMD_BYPASS_ACTIVE, v, d);
}

/* vip V with FLAGS, ROUTER and BYPASS_DEST (NULL: none), the rest as V. */
static struct vip vip_bypass(const struct vip *v, long long flags, int router,
			     long long active, const char *bdest)
{
	struct vip w = *v;

	w.flags = flags;
	w.router = router;
	w.active_dests = active;
	w.bdest_af = bdest ? parse_addr(bdest, w.bdest) : 0;
	return w;
}

/*
 * The single-address-tenant state machine (bypass.c): one active dest
 * flags the VIP SINGLE and announces VIP_BYPASS; only BYPASS_ACTIVE for
 * that dest confirms it; 2+ active dests (or none, or bypass off) end it
 * with VIP_UNBYPASS, keeping the former dest (flows opened meanwhile stay
 * on it). Inactive dests (weight 0, maint, drain) do not count.
 */
TEST_F(lbnl, bypass)
{
	struct lbnl_ctx *c = &self->c, u = { .sk.fd = -1 };
	struct vip v = VF("192.0.2.1", 80, IPPROTO_TCP, LBNL_FWD_TUN,
			  LBNL_SCHED_MAGLEV, LBNL_BYPASS_AUTO, 0);
	struct vip n = VF("192.0.2.2", 80, IPPROTO_TCP, LBNL_FWD_NAT,
			  LBNL_SCHED_MAGLEV, LBNL_BYPASS_OFF, 0);
	struct vip off = V("192.0.2.1", 80, IPPROTO_TCP);
	const struct vip key = V("192.0.2.1", 80, IPPROTO_TCP);
	struct dest d1 = D("10.0.0.1", 80, 1, LBNL_DEST_ACTIVE);
	struct dest d2 = D("10.0.0.2", 80, 0, LBNL_DEST_ACTIVE);
	struct dest n1 = D("10.0.0.9", 80, 1, LBNL_DEST_ACTIVE);
	struct nl_sock ev = { .fd = -1 };
	struct vip want, got;

	ASSERT_EQ(0, nl_open(&ev));
	ASSERT_EQ(0, nl_join_group(&ev, c->grp));

	ASSERT_OK(vip_new(c, &v));
	EXPECT_EVENT(LBNL_CMD_VIP_NEW, &key, NULL, "VIP_NEW");
	want = vip_bypass(&key, 0, LBNL_ROUTER_LB, 0, NULL);
	EXPECT_VIP_GET(&want);

	/* no dest yet: nothing to confirm */
	EXPECT_EQ(-ENOENT, bypass_active(c, &v, PD("10.0.0.1", 80, -1, -1)))
		TH_LOG("%s", last_ext);

	/* one active dest: SINGLE, pending; weight 0 does not count */
	ASSERT_OK(dest_new(c, &v, &d1));
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_NEW, &key, &d1, "DEST_NEW d1");
	want = vip_bypass(&key, LBNL_VIP_F_SINGLE, LBNL_ROUTER_PENDING, 1,
			  "10.0.0.1");
	EXPECT_EVENT(LBNL_CMD_VIP_BYPASS, &want, NULL, "VIP_BYPASS");
	ASSERT_OK(dest_new(c, &v, &d2));
	EXPECT_EVENT(LBNL_CMD_DEST_NEW, &key, &d2, "DEST_NEW d2 (weight 0)");
	EXPECT_VIP_GET(&want);

	/* only the single dest confirms; a refusal changes nothing */
	EXPECT_EQ(-ESTALE, bypass_active(c, &v, PD("10.0.0.2", 80, -1, -1)))
		TH_LOG("%s", last_ext);
	EXPECT_NO_EVENT("refused BYPASS_ACTIVE");
	EXPECT_EQ(-EINVAL, bypass_active(c, &v, &d1))
		TH_LOG("weight in BYPASS_ACTIVE: %s", last_ext);
	EXPECT_EQ(-ENOENT, bypass_active(c, &v, PD("10.0.0.3", 80, -1, -1)))
		TH_LOG("%s", last_ext);
	ASSERT_OK(bypass_active(c, &v, PD("10.0.0.1", 80, -1, -1)));
	want.router = LBNL_ROUTER_ACTIVE;
	EXPECT_EVENT(LBNL_CMD_BYPASS_ACTIVE, &want, NULL, "BYPASS_ACTIVE");
	EXPECT_VIP_GET(&want);
	ASSERT_OK(bypass_active(c, &v, PD("10.0.0.1", 80, -1, -1)));
	EXPECT_NO_EVENT("BYPASS_ACTIVE again");

	/* not without CAP_NET_ADMIN */
	if (fork() == 0) {
		int err;

		if (drop_net_admin() || nl_open(&u.sk))
			_exit(2);
		u.fam = c->fam;
		err = bypass_active(&u, &v, PD("10.0.0.1", 80, -1, -1));
		_exit(err == -EPERM ? 0 : 1);
	} else {
		int status;

		wait(&status);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("BYPASS_ACTIVE without CAP_NET_ADMIN not refused");
	}
	EXPECT_NO_EVENT("BYPASS_ACTIVE refused with EPERM");

	/* a second active dest: MULTI, withdrawn, former dest kept */
	ASSERT_OK(dest_set(c, &v, PD("10.0.0.2", 80, 1, -1)));
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_SET, &key,
			  PD("10.0.0.2", 80, 1, LBNL_DEST_ACTIVE),
			  "DEST_SET d2 weight 1");
	want = vip_bypass(&key, LBNL_VIP_F_MULTI, LBNL_ROUTER_WITHDRAWN, 2,
			  "10.0.0.1");
	EXPECT_EVENT(LBNL_CMD_VIP_UNBYPASS, &want, NULL, "VIP_UNBYPASS");
	EXPECT_EQ(-ESTALE, bypass_active(c, &v, PD("10.0.0.1", 80, -1, -1)))
		TH_LOG("%s", last_ext);

	/* d1 in maint: single again, now d2 */
	ASSERT_OK(dest_set(c, &v, PD("10.0.0.1", 80, -1, LBNL_DEST_MAINT)));
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_SET, &key,
			  PD("10.0.0.1", 80, 1, LBNL_DEST_MAINT),
			  "DEST_SET d1 maint");
	want = vip_bypass(&key, LBNL_VIP_F_SINGLE, LBNL_ROUTER_PENDING, 1,
			  "10.0.0.2");
	EXPECT_EVENT(LBNL_CMD_VIP_BYPASS, &want, NULL, "VIP_BYPASS d2");

	/* bypass off ends it; on again starts it */
	off.bypass = LBNL_BYPASS_OFF;
	ASSERT_OK(vip_set(c, &off));
	EXPECT_EVENT_THEN(LBNL_CMD_VIP_SET, &key, NULL, "VIP_SET bypass off");
	want = vip_bypass(&key, 0, LBNL_ROUTER_WITHDRAWN, 1, "10.0.0.2");
	EXPECT_EVENT(LBNL_CMD_VIP_UNBYPASS, &want, NULL, "VIP_UNBYPASS (off)");
	off.bypass = LBNL_BYPASS_AUTO;
	ASSERT_OK(vip_set(c, &off));
	EXPECT_EVENT_THEN(LBNL_CMD_VIP_SET, &key, NULL, "VIP_SET bypass auto");
	want = vip_bypass(&key, LBNL_VIP_F_SINGLE, LBNL_ROUTER_PENDING, 1,
			  "10.0.0.2");
	EXPECT_EVENT(LBNL_CMD_VIP_BYPASS, &want, NULL, "VIP_BYPASS (auto)");

	/* the single dest deleted: no active dest, flags 0 */
	ASSERT_OK(dest_del(c, &v, &d2));
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_DEL, &key,
			  PD("10.0.0.2", 80, 1, LBNL_DEST_ACTIVE), "DEST_DEL d2");
	want = vip_bypass(&key, 0, LBNL_ROUTER_WITHDRAWN, 0, NULL);
	want.bdest_af = -1;	/* the former dest, deleted: either way */
	EXPECT_EVENT(LBNL_CMD_VIP_UNBYPASS, &want, NULL, "VIP_UNBYPASS (none)");

	/* a nat VIP never bypasses */
	ASSERT_OK(vip_new(c, &n));
	EXPECT_EVENT(LBNL_CMD_VIP_NEW, &n, NULL, "VIP_NEW nat");
	ASSERT_OK(dest_new(c, &n, &n1));
	EXPECT_EVENT(LBNL_CMD_DEST_NEW, PV("192.0.2.2", 80, IPPROTO_TCP), &n1,
		     "DEST_NEW nat");
	ASSERT_OK(vip_get(c, &n, &got));
	EXPECT_EQ(0, got.flags);
	EXPECT_EQ(-ESTALE, bypass_active(c, &n, PD("10.0.0.9", 80, -1, -1)))
		TH_LOG("%s", last_ext);

	/* deleting a bypassed VIP: VIP_DEL only */
	ASSERT_OK(dest_set(c, &v, PD("10.0.0.1", 80, -1, LBNL_DEST_ACTIVE)));
	EXPECT_EVENT_THEN(LBNL_CMD_DEST_SET, &key,
			  PD("10.0.0.1", 80, 1, LBNL_DEST_ACTIVE),
			  "DEST_SET d1 active");
	EXPECT_EVENT(LBNL_CMD_VIP_BYPASS, &key, NULL, "VIP_BYPASS d1");
	ASSERT_OK(vip_del(c, &v));
	EXPECT_EVENT(LBNL_CMD_VIP_DEL, &key, NULL, "VIP_DEL");
	nl_close(&ev);
}

/* A migration request on @v: its nest holds what @fill puts. */
static struct nlattr *migrate_msg(struct lbnl_ctx *c, struct nl_msg *m,
				  __u8 cmd, const struct vip *v)
{
	msg_init(c, m, cmd);
	put_vip(m, v, true);
	return nl_nest_start(m, LBNL_A_MIGRATE);
}

/*
 * The LB's migration commands refuse, with a reason and no change, what
 * they cannot do; only an admin may use them. (Migrations themselves need
 * live associations: selftests/migrate.sh.)
 */
TEST_F(lbnl, migrate_refused)
{
	struct lbnl_ctx *c = &self->c, u = { .sk.fd = -1 };
	struct vip s = VF("192.0.2.3", 3868, IPPROTO_SCTP, LBNL_FWD_TUN, -1, -1,
			  0);
	struct vip t = VF("192.0.2.3", 80, IPPROTO_TCP, LBNL_FWD_TUN, -1, -1, 0);
	__u8 peer[4] = { 198, 51, 100, 1 }, other[4] = { 10, 0, 0, 9 };
	struct nlattr *n, *bad, *d;
	struct nl_reply r;
	struct nl_msg m;
	int err;

	ASSERT_OK(vip_new(c, &s));
	ASSERT_OK(vip_new(c, &t));
	ASSERT_OK(dest_new(c, &s, PD("10.0.0.1", -1, 1, -1)));
	ASSERT_OK(dest_new(c, &s, PD("10.0.0.2", -1, 1, -1)));

	msg_init(c, &m, LBNL_CMD_MIGRATE_START);
	put_vip(&m, &s, true);
	EXPECT_REFUSAL("START without a migration nest", &m, MIGRATE_NEST,
		       NULL);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_START, &s);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("START naming no association", &m, MIGRATE_NAME, NULL);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_START, &s);
	nl_put_u32(&m, LBNL_A_MIGRATE_VTAG, 0x1234);
	bad = nl_put_u32(&m, LBNL_A_MIGRATE_ID, 7);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("START with the read-only ID", &m, EPOLICY, MSG(READ_ONLY), bad);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_START, &s);
	nl_put_u32(&m, LBNL_A_MIGRATE_VTAG, 0x1234);
	bad = nl_put_u32(&m, LBNL_A_MIGRATE_TIMEOUT_MS, 5);
	nl_nest_end(&m, n);
	EXPECT_REFUSED("START with a 5 ms deadline", &m, EPOLICY, M_ANY, bad);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_START, &s);
	nl_put_u32(&m, LBNL_A_MIGRATE_VTAG, 0x1234);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("START of an unknown vtag", &m, MIGRATE_ASSOC_NOENT, NULL);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_START, &s);
	nl_put(&m, LBNL_A_MIGRATE_PEER_ADDR, peer, sizeof(peer));
	nl_put_u16(&m, LBNL_A_MIGRATE_PEER_PORT, 40000);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("START for a peer without an entry", &m, MIGRATE_ASSOC_NOENT, NULL);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_START, &s);
	nl_put_u32(&m, LBNL_A_MIGRATE_VTAG, 0x1234);
	d = nl_nest_start(&m, LBNL_A_MIGRATE_TARGET);
	nl_put(&m, LBNL_A_DEST_ADDR, other, sizeof(other));
	nl_nest_end(&m, d);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("START to a target that is no dest", &m, MIGRATE_TARGET_NOENT, NULL);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_START, &t);
	nl_put_u32(&m, LBNL_A_MIGRATE_VTAG, 0x1234);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("START on a TCP VIP", &m, MIGRATE_NOT_SCTP, NULL);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_COMMIT, &s);
	nl_put(&m, LBNL_A_MIGRATE_PEER_ADDR, peer, sizeof(peer));
	nl_put_u16(&m, LBNL_A_MIGRATE_PEER_PORT, 40000);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("COMMIT of nothing open", &m, MIGRATE_NONE_OPEN, NULL);

	n = migrate_msg(c, &m, LBNL_CMD_MIGRATE_ABORT, &s);
	nl_put(&m, LBNL_A_MIGRATE_PEER_ADDR, peer, sizeof(peer));
	nl_put_u16(&m, LBNL_A_MIGRATE_PEER_PORT, 40000);
	nl_nest_end(&m, n);
	EXPECT_REFUSAL("ABORT of nothing open", &m, MIGRATE_NONE_OPEN, NULL);

	/* nothing open: the dump is empty */
	msg_init(c, &m, LBNL_CMD_MIGRATE_GET);
	err = nl_dump(&c->sk, &m, &r);
	EXPECT_EQ(0, err) TH_LOG("MIGRATE_GET dump: %d", err);
	EXPECT_EQ(0U, r.nmsgs) TH_LOG("MIGRATE_GET: %u migrations", r.nmsgs);
	nl_reply_free(&r);

	/* admin only, even the dump (it shows vtags) */
	if (fork() == 0) {
		if (drop_net_admin() || nl_open(&u.sk))
			_exit(2);
		u.fam = c->fam;
		msg_init(&u, &m, LBNL_CMD_MIGRATE_GET);
		err = nl_dump(&u.sk, &m, &r);
		_exit(err == -EPERM ? 0 : 1);
	} else {
		int status;

		wait(&status);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("MIGRATE_GET without CAP_NET_ADMIN not refused");
	}
}

/* ---------------------------------------------------------------------- */
/* fixture "srv": the server role's family, "lbnl_srv" (lbnl_srv.ko) */

FIXTURE(srv) {
	struct nl_sock sk;
	__u16 fam;
};

FIXTURE_SETUP(srv)
{
	__u32 version = 0;
	int err;

	self->sk.fd = -1;
	if (access("/sys/module/lbnl_srv", F_OK))
		SKIP(return, "module lbnl_srv is not loaded (insmod kmod/srv/lbnl_srv.ko)");
	ASSERT_EQ(0, unshare(CLONE_NEWNET))
		TH_LOG("unshare(CLONE_NEWNET): %s", strerror(errno));
	ASSERT_EQ(0, nl_open(&self->sk));
	err = genl_resolve(&self->sk, LBNL_SRV_GENL_NAME, &self->fam, &version,
			   NULL, NULL);
	ASSERT_EQ(0, err)
		TH_LOG("resolving family \"%s\" in a new netns: %s",
		       LBNL_SRV_GENL_NAME, strerror(-err));
	EXPECT_EQ((__u32)LBNL_SRV_GENL_VERSION, version);
}

FIXTURE_TEARDOWN(srv)
{
	nl_close(&self->sk);
}

static void srv_msg(__u16 fam, struct nl_msg *m, __u8 cmd)
{
	nl_msg_init(m, fam, cmd, LBNL_SRV_GENL_VERSION);
}

/*
 * An association key in an LBNL_SRV_A_ASSOC nest, left open for more;
 * a NULL address or a port < 0 is left out.
 */
static struct nlattr *put_assoc_key(struct nl_msg *m, const char *laddr,
				    int lport, const char *paddr, int pport)
{
	struct nlattr *n = nl_nest_start(m, LBNL_SRV_A_ASSOC);
	__u8 a[16];

	if (laddr)
		nl_put(m, LBNL_A_ASSOC_LADDR, a, alen(parse_addr(laddr, a)));
	if (lport >= 0)
		nl_put_u16(m, LBNL_A_ASSOC_LPORT, lport);
	if (paddr)
		nl_put(m, LBNL_A_ASSOC_PADDR, a, alen(parse_addr(paddr, a)));
	if (pport >= 0)
		nl_put_u16(m, LBNL_A_ASSOC_PPORT, pport);
	return n;
}

/* The associations of the namespace (an ASSOC_GET dump), or -errno. */
static int srv_assoc_count(struct nl_sock *sk, __u16 fam)
{
	struct nl_reply r;
	struct nl_msg m;
	int err;

	srv_msg(fam, &m, LBNL_SRV_CMD_ASSOC_GET);
	err = nl_dump(sk, &m, &r);
	if (!err)
		err = r.nmsgs;
	nl_reply_free(&r);
	return err;
}

/*
 * Send @m to lbnl_srv, expect the refusal @id of refusals.h (its errno,
 * its whole message), the offending attribute @bad (NULL: none), the
 * missing attribute @miss_type (-1: none) in the nest @miss_nest (NULL: at
 * the top level), and no association created.
 */
static void expect_srv_refused(struct __test_metadata *_metadata,
			       struct nl_sock *sk, __u16 fam, const char *what,
			       struct nl_msg *m, const char *id,
			       const struct nlattr *bad, int miss_type,
			       const struct nlattr *miss_nest, int line)
{
	const struct refusal *want = refusal(id);
	int before, after, got;
	struct nl_reply r;

	ASSERT_FALSE(m->overflow);
	before = srv_assoc_count(sk, fam);
	ASSERT_LE(0, before)
		TH_LOG("line %d: %s: ASSOC_GET dump: %s", line, what,
		       strerror(-before));
	got = nl_do(sk, m, &r);
	EXPECT_EQ(-want->err, got)
		TH_LOG("line %d: %s: want %s, got %d (%s), extack \"%s\"",
		       line, what, strerror(want->err), got,
		       got ? strerror(-got) : "success", r.ext_msg);
	EXPECT_TRUE(r.has_msg)
		TH_LOG("line %d: %s: no extack message, want \"%s\"", line,
		       what, want->msg);
	EXPECT_STREQ(want->msg, r.ext_msg)
		TH_LOG("line %d: %s: want extack \"%s\", got \"%s\"", line,
		       what, want->msg, r.ext_msg);
	if (bad) {
		EXPECT_TRUE(r.has_offs && r.offs == nl_offset(m, bad))
			TH_LOG("line %d: %s: want NLMSGERR_ATTR_OFFS %u, got %s%u",
			       line, what, nl_offset(m, bad),
			       r.has_offs ? "" : "none ", r.offs);
	} else {
		EXPECT_FALSE(r.has_offs)
			TH_LOG("line %d: %s: NLMSGERR_ATTR_OFFS %u, want none",
			       line, what, r.offs);
	}
	if (miss_type >= 0) {
		EXPECT_TRUE(r.has_miss_type && r.miss_type == (__u32)miss_type)
			TH_LOG("line %d: %s: want NLMSGERR_ATTR_MISS_TYPE %d, got %s%u",
			       line, what, miss_type,
			       r.has_miss_type ? "" : "none ", r.miss_type);
		if (miss_nest) {
			EXPECT_TRUE(r.has_miss_nest &&
				    r.miss_nest == nl_offset(m, miss_nest))
				TH_LOG("line %d: %s: want NLMSGERR_ATTR_MISS_NEST %u, got %s%u",
				       line, what, nl_offset(m, miss_nest),
				       r.has_miss_nest ? "" : "none ",
				       r.miss_nest);
		} else {
			EXPECT_FALSE(r.has_miss_nest)
				TH_LOG("line %d: %s: NLMSGERR_ATTR_MISS_NEST %u, want none (top level)",
				       line, what, r.miss_nest);
		}
	}
	nl_reply_free(&r);
	after = srv_assoc_count(sk, fam);
	EXPECT_EQ(before, after)
		TH_LOG("line %d: %s: %d associations before, %d after",
		       line, what, before, after);
}

#define EXPECT_SRV_REFUSAL(what, m, id, bad, miss_type, miss_nest)	\
	expect_srv_refused(_metadata, &self->sk, self->fam, what, m, #id, \
			   bad, miss_type, miss_nest, __LINE__)

/*
 * The association commands refuse what names no association, or names it
 * incompletely, with the errno, message and attribute of refusals.h; and
 * nothing of lbnl_srv is for a process without CAP_NET_ADMIN.
 */
TEST_F(srv, assoc_refused)
{
	static const struct {
		__u8 cmd;
		const char *name;
		const char *laddr, *paddr;
	} noent[] = {
		{ LBNL_SRV_CMD_ASSOC_GET, "ASSOC_GET", "127.0.0.1", "127.0.0.1" },
		{ LBNL_SRV_CMD_ASSOC_GET, "ASSOC_GET (IPv6)", "::1", "::1" },
		{ LBNL_SRV_CMD_ASSOC_EXPORT, "ASSOC_EXPORT", "127.0.0.1",
		  "127.0.0.1" },
		{ LBNL_SRV_CMD_ASSOC_EXPORT, "ASSOC_EXPORT (IPv6)", "::1", "::1" },
		{ LBNL_SRV_CMD_ASSOC_RESUME, "ASSOC_RESUME", "127.0.0.1",
		  "127.0.0.1" },
		{ LBNL_SRV_CMD_ASSOC_RELEASE, "ASSOC_RELEASE", "127.0.0.1",
		  "127.0.0.1" },
	};
	struct nl_sock u = { .fd = -1 };
	__u16 fam;
	__u32 grp;
	struct nlattr *n, *bad;
	struct nl_msg m;
	char what[64];
	unsigned int i;

	/* no association in a new namespace: each names one that is not */
	for (i = 0; i < ARRAY_SIZE(noent); i++) {
		srv_msg(self->fam, &m, noent[i].cmd);
		n = put_assoc_key(&m, noent[i].laddr, 3868, noent[i].paddr,
				  40000);
		nl_nest_end(&m, n);
		if (noent[i].cmd == LBNL_SRV_CMD_ASSOC_EXPORT)
			nl_put_u32(&m, LBNL_SRV_A_TIMEOUT_MS, 100);
		snprintf(what, sizeof(what), "%s of no association",
			 noent[i].name);
		EXPECT_SRV_REFUSAL(what, &m, ASSOC_NOENT, NULL, -1, NULL);
	}

	/* the key, or part of it, missing: the attribute and its nest */
	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_EXPORT);
	EXPECT_SRV_REFUSAL("ASSOC_EXPORT without the association nest", &m,
			   ASSOC_NEST, NULL, LBNL_SRV_A_ASSOC, NULL);

	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_EXPORT);
	n = put_assoc_key(&m, NULL, -1, NULL, -1);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("ASSOC_EXPORT with an empty key", &m, ASSOC_LADDR,
			   NULL, LBNL_A_ASSOC_LADDR, n);

	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_EXPORT);
	n = put_assoc_key(&m, "127.0.0.1", -1, "127.0.0.1", 40000);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("ASSOC_EXPORT without the local port", &m,
			   ASSOC_LPORT, NULL, LBNL_A_ASSOC_LPORT, n);

	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_GET);
	n = put_assoc_key(&m, "127.0.0.1", 3868, NULL, 40000);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("ASSOC_GET without the peer address", &m,
			   ASSOC_PADDR, NULL, LBNL_A_ASSOC_PADDR, n);

	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_GET);
	n = put_assoc_key(&m, "127.0.0.1", 3868, "127.0.0.1", 0);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("ASSOC_GET with peer port 0", &m, ASSOC_PORT0,
			   NULL, -1, NULL);

	/*
	 * An EXPORT waits at most LBNL_SRV_EXPORT_TIMEOUT_MAX_MS: a longer
	 * TIMEOUT_MS is the policy's range refusal, at that attribute (not
	 * a request that could block for weeks, holding the module).
	 */
	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_EXPORT);
	n = put_assoc_key(&m, "127.0.0.1", 3868, "127.0.0.1", 40000);
	nl_nest_end(&m, n);
	bad = nl_put_u32(&m, LBNL_SRV_A_TIMEOUT_MS, 600001);
	EXPECT_SRV_REFUSAL("ASSOC_EXPORT with TIMEOUT_MS 600001", &m,
			   POLICY_RANGE, bad, -1, NULL);

	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_EXPORT);
	n = put_assoc_key(&m, "127.0.0.1", 3868, "127.0.0.1", 40000);
	nl_nest_end(&m, n);
	bad = nl_put_u32(&m, LBNL_SRV_A_TIMEOUT_MS, 0xffffffff);
	EXPECT_SRV_REFUSAL("ASSOC_EXPORT with TIMEOUT_MS 2^32-1", &m,
			   POLICY_RANGE, bad, -1, NULL);

	/* the bound itself is a timeout like any other */
	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_EXPORT);
	n = put_assoc_key(&m, "127.0.0.1", 3868, "127.0.0.1", 40000);
	nl_nest_end(&m, n);
	nl_put_u32(&m, LBNL_SRV_A_TIMEOUT_MS, 600000);
	EXPECT_SRV_REFUSAL("ASSOC_EXPORT with TIMEOUT_MS 600000, no association",
			   &m, ASSOC_NOENT, NULL, -1, NULL);

	/* a reply-only attribute in a request: the policy's own message */
	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_GET);
	n = put_assoc_key(&m, "127.0.0.1", 3868, "127.0.0.1", 40000);
	bad = nl_put_str(&m, LBNL_A_ASSOC_REASON, "closing");
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("ASSOC_GET with the read-only REASON", &m,
			   READ_ONLY, bad, -1, NULL);

	/* only a key: the state an IMPORT needs is missing, from VERSION on */
	srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_IMPORT);
	n = put_assoc_key(&m, "127.0.0.1", 3868, "127.0.0.1", 40000);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("ASSOC_IMPORT of a key only", &m,
			   IMPORT_INCOMPLETE, NULL, LBNL_A_ASSOC_VERSION, n);

	/* without CAP_NET_ADMIN: EPERM, even for the dump (it shows vtags) */
	if (fork() == 0) {
		struct nl_reply r;
		int err;

		if (drop_net_admin() || nl_open(&u))
			_exit(2);
		srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_GET);
		n = put_assoc_key(&m, "127.0.0.1", 3868, "127.0.0.1", 40000);
		nl_nest_end(&m, n);
		err = nl_do(&u, &m, &r);
		nl_reply_free(&r);
		if (err != -refusal("ADMIN_PERM")->err)
			_exit(3);
		srv_msg(self->fam, &m, LBNL_SRV_CMD_ASSOC_GET);
		err = nl_dump(&u, &m, &r);
		nl_reply_free(&r);
		if (err != -refusal("ADMIN_PERM")->err)
			_exit(4);
		if (genl_resolve(&u, LBNL_SRV_GENL_NAME, &fam, NULL,
				 LBNL_SRV_MCGRP_EVENTS, &grp))
			_exit(2);
		if (!setsockopt(u.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&grp, sizeof(grp)) || errno != EPERM)
			_exit(5);
		_exit(0);
	} else {
		int status;

		wait(&status);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("ASSOC_GET or the events group without CAP_NET_ADMIN not refused with EPERM (child: %s %d; 2 setup, 3 doit, 4 dump, 5 events)",
			       WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) :
			       WTERMSIG(status));
	}
}

/* The test key of tools/tests/test_tag.c: bytes 00 01 .. 0f. */
static const __u8 tag_key[LBNL_TAG_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/* Its fingerprint, as test_tag pins it (the host's build of the codec). */
#define TAG_KEY_FINGERPRINT	0x9ad342c3U

/* A TAG_SET: the tag nest with the key of @key_len bytes and @id (< 0: none). */
static struct nlattr *put_tag_set(struct nl_msg *m, __u16 fam, int key_len,
				  int id, struct nlattr **key,
				  struct nlattr **idattr)
{
	static const __u8 long_key[LBNL_TAG_KEY_LEN + 1];
	struct nlattr *n, *k = NULL, *i = NULL;

	srv_msg(fam, m, LBNL_SRV_CMD_TAG_SET);
	n = nl_nest_start(m, LBNL_SRV_A_TAG);
	if (key_len >= 0)
		k = nl_put(m, LBNL_SRV_A_TAG_KEY,
			   key_len == LBNL_TAG_KEY_LEN ? tag_key : long_key,
			   key_len);
	if (id >= 0)
		i = nl_put_u16(m, LBNL_SRV_A_TAG_SERVER_ID, id);
	if (key)
		*key = k;
	if (idattr)
		*idattr = i;
	return n;
}

/*
 * The tag commands refuse, with the errno, message and attribute of
 * refusals.h: a TAG_SET without its nest, key or server id, a key of the
 * wrong length, an id out of 1..4095, a read-only attribute; any attribute
 * in TAG_DEL and TAG_GET; TAG_GET and TAG_DEL without a key; and all three
 * without CAP_NET_ADMIN.
 */
TEST_F(srv, tag_refused)
{
	struct nlattr *n, *key, *id, *bad;
	struct nl_sock u = { .fd = -1 };
	struct nl_msg m;

	srv_msg(self->fam, &m, LBNL_SRV_CMD_TAG_GET);
	EXPECT_SRV_REFUSAL("TAG_GET without a key", &m, SRV_TAG_NOENT, NULL,
			   -1, NULL);
	srv_msg(self->fam, &m, LBNL_SRV_CMD_TAG_DEL);
	EXPECT_SRV_REFUSAL("TAG_DEL without a key", &m, SRV_TAG_NOENT, NULL,
			   -1, NULL);

	srv_msg(self->fam, &m, LBNL_SRV_CMD_TAG_SET);
	EXPECT_SRV_REFUSAL("TAG_SET without the tag nest", &m, SRV_TAG_NEST,
			   NULL, LBNL_SRV_A_TAG, NULL);
	n = put_tag_set(&m, self->fam, -1, -1, NULL, NULL);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET with an empty nest", &m, SRV_TAG_KEY, NULL,
			   LBNL_SRV_A_TAG_KEY, n);
	n = put_tag_set(&m, self->fam, -1, 7, NULL, NULL);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET without a key", &m, SRV_TAG_KEY, NULL,
			   LBNL_SRV_A_TAG_KEY, n);
	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN, -1, NULL, NULL);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET without a server id", &m,
			   SRV_TAG_SERVER_ID, NULL, LBNL_SRV_A_TAG_SERVER_ID, n);

	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN - 1, 7, &key, NULL);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET with a 15-byte key", &m, POLICY_BINARY_LEN,
			   key, -1, NULL);
	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN + 1, 7, &key, NULL);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET with a 17-byte key", &m, POLICY_BINARY_LEN,
			   key, -1, NULL);
	n = put_tag_set(&m, self->fam, 0, 7, &key, NULL);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET with an empty key", &m, POLICY_BINARY_LEN,
			   key, -1, NULL);
	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN, 0, NULL, &id);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET with server id 0", &m, POLICY_RANGE, id,
			   -1, NULL);
	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN, LBNL_TAG_ID_MAX + 1,
			NULL, &id);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET with server id 4096", &m, POLICY_RANGE, id,
			   -1, NULL);
	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN, 7, NULL, NULL);
	bad = nl_put_u32(&m, LBNL_SRV_A_TAG_FINGERPRINT, TAG_KEY_FINGERPRINT);
	nl_nest_end(&m, n);
	EXPECT_SRV_REFUSAL("TAG_SET with the read-only FINGERPRINT", &m,
			   READ_ONLY, bad, -1, NULL);
	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN, 7, NULL, NULL);
	nl_nest_end(&m, n);
	bad = nl_put_u32(&m, LBNL_SRV_A_TIMEOUT_MS, 100);
	EXPECT_SRV_REFUSAL("TAG_SET with TIMEOUT_MS", &m, POLICY_UNSUPPORTED,
			   bad, -1, NULL);

	/* DEL and GET take nothing */
	srv_msg(self->fam, &m, LBNL_SRV_CMD_TAG_GET);
	bad = nl_nest_start(&m, LBNL_SRV_A_TAG);
	nl_put_u16(&m, LBNL_SRV_A_TAG_SERVER_ID, 7);
	nl_nest_end(&m, bad);
	EXPECT_SRV_REFUSAL("TAG_GET with a tag nest", &m, POLICY_UNSUPPORTED,
			   bad, -1, NULL);
	srv_msg(self->fam, &m, LBNL_SRV_CMD_TAG_DEL);
	bad = nl_put_u32(&m, LBNL_SRV_A_TIMEOUT_MS, 100);
	EXPECT_SRV_REFUSAL("TAG_DEL with TIMEOUT_MS", &m, POLICY_UNSUPPORTED,
			   bad, -1, NULL);

	/* a refused TAG_SET set nothing */
	srv_msg(self->fam, &m, LBNL_SRV_CMD_TAG_GET);
	EXPECT_SRV_REFUSAL("TAG_GET after refused TAG_SETs", &m,
			   SRV_TAG_NOENT, NULL, -1, NULL);

	/* without CAP_NET_ADMIN: EPERM, the GET too (it shows the id) */
	if (fork() == 0) {
		static const __u8 cmds[] = { LBNL_SRV_CMD_TAG_SET,
					     LBNL_SRV_CMD_TAG_DEL,
					     LBNL_SRV_CMD_TAG_GET };
		struct nl_reply r;
		unsigned int i;
		int err;

		if (drop_net_admin() || nl_open(&u))
			_exit(2);
		for (i = 0; i < ARRAY_SIZE(cmds); i++) {
			if (cmds[i] == LBNL_SRV_CMD_TAG_SET) {
				n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN,
						7, NULL, NULL);
				nl_nest_end(&m, n);
			} else {
				srv_msg(self->fam, &m, cmds[i]);
			}
			err = nl_do(&u, &m, &r);
			nl_reply_free(&r);
			if (err != -refusal("ADMIN_PERM")->err)
				_exit(3 + i);
		}
		_exit(0);
	} else {
		int status;

		wait(&status);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("a tag command without CAP_NET_ADMIN not refused with EPERM (child: %s %d; 2 setup, 3 SET, 4 DEL, 5 GET)",
			       WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) :
			       WTERMSIG(status));
	}
}

/* TAG_GET's reply: its tag nest's attributes into @tb; 0 or -errno. */
static int srv_tag_get(struct nl_sock *sk, __u16 fam,
		       struct nlattr **tb, struct nl_reply *r)
{
	struct nlattr *top[LBNL_SRV_A_MAX + 1], *a;
	struct nlmsghdr *nlh;
	struct nl_msg m;
	int err, rem;

	memset(tb, 0, sizeof(*tb) * (LBNL_SRV_A_TAG_MAX + 1));
	srv_msg(fam, &m, LBNL_SRV_CMD_TAG_GET);
	err = nl_do(sk, &m, r);
	if (err)
		return err;
	if (r->nmsgs != 1)
		return NL_EBADREPLY;
	nlh = (struct nlmsghdr *)r->data;
	a = genl_attrs(nlh, &rem);
	/* (below PAD, which the two u64 may both need) */
	if (genl_hdr(nlh)->cmd != LBNL_SRV_CMD_TAG_GET || rem < 0 ||
	    nla_parse_all(top, LBNL_SRV_A_MAX, a, rem) ||
	    !top[LBNL_SRV_A_TAG] ||
	    nla_parse_nest(tb, LBNL_SRV_A_TAG_PAD - 1, top[LBNL_SRV_A_TAG]))
		return NL_EBADREPLY;
	return 0;
}

static __u64 nla_u64(const struct nlattr *a)
{
	__u64 v;

	memcpy(&v, nla_payload(a), sizeof(v));
	return v;
}

/*
 * TAG_SET, GET, SET again, DEL: GET shows the id, the key's fingerprint
 * (the one the host test of the codec pins: kernel and host agree), the
 * hook and the counters, never the key; a namespace's setting is its own.
 */
TEST_F(srv, tag_set_get_del)
{
	struct nlattr *tb[LBNL_SRV_A_TAG_MAX + 1], *n;
	struct nl_reply r;
	struct nl_msg m;
	int err;

	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN, 7, NULL, NULL);
	nl_nest_end(&m, n);
	ASSERT_EQ(0, nl_do(&self->sk, &m, &r))
		TH_LOG("TAG_SET: %s", r.ext_msg);
	nl_reply_free(&r);

	err = srv_tag_get(&self->sk, self->fam, tb, &r);
	ASSERT_EQ(0, err) TH_LOG("TAG_GET: %d \"%s\"", err, r.ext_msg);
	ASSERT_TRUE(tb[LBNL_SRV_A_TAG_SERVER_ID] && tb[LBNL_SRV_A_TAG_FINGERPRINT] &&
		    tb[LBNL_SRV_A_TAG_HOOK] && tb[LBNL_SRV_A_TAG_CHOSEN] &&
		    tb[LBNL_SRV_A_TAG_MISSED]);
	EXPECT_EQ(7, *(__u16 *)nla_payload(tb[LBNL_SRV_A_TAG_SERVER_ID]));
	EXPECT_EQ(TAG_KEY_FINGERPRINT,
		  *(__u32 *)nla_payload(tb[LBNL_SRV_A_TAG_FINGERPRINT]));
	EXPECT_EQ(1, *(__u8 *)nla_payload(tb[LBNL_SRV_A_TAG_HOOK]))
		TH_LOG("the kretprobe on sctp_generate_tag is not installed");
	EXPECT_EQ((__u64)0, nla_u64(tb[LBNL_SRV_A_TAG_CHOSEN]));
	EXPECT_EQ(NULL, tb[LBNL_SRV_A_TAG_KEY]) TH_LOG("TAG_GET shows the key");
	nl_reply_free(&r);

	/* a new setting replaces the old one */
	n = put_tag_set(&m, self->fam, LBNL_TAG_KEY_LEN, LBNL_TAG_ID_MAX, NULL,
			NULL);
	nl_nest_end(&m, n);
	ASSERT_EQ(0, nl_do(&self->sk, &m, &r));
	nl_reply_free(&r);
	ASSERT_EQ(0, srv_tag_get(&self->sk, self->fam, tb, &r));
	EXPECT_EQ(LBNL_TAG_ID_MAX,
		  *(__u16 *)nla_payload(tb[LBNL_SRV_A_TAG_SERVER_ID]));
	nl_reply_free(&r);

	/* another namespace has none */
	if (fork() == 0) {
		struct nl_sock o = { .fd = -1 };
		__u16 fam;

		if (unshare(CLONE_NEWNET) || nl_open(&o) ||
		    genl_resolve(&o, LBNL_SRV_GENL_NAME, &fam, NULL, NULL,
				 NULL))
			_exit(2);
		_exit(srv_tag_get(&o, fam, tb, &r) == -ENOENT ? 0 : 3);
	} else {
		int status;

		wait(&status);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("a new namespace has a tag key (child: %d)",
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}

	srv_msg(self->fam, &m, LBNL_SRV_CMD_TAG_DEL);
	EXPECT_EQ(0, nl_do(&self->sk, &m, &r));
	nl_reply_free(&r);
	EXPECT_EQ(-ENOENT, srv_tag_get(&self->sk, self->fam, tb, &r));
	nl_reply_free(&r);
}

/*
 * TEST_HARNESS_MAIN, but the whole program is skipped (exit 4) when the
 * module is not loaded: each test would otherwise fail on the family lookup.
 */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (geteuid() != 0) {
		ksft_print_header();
		ksft_exit_skip("needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for unshare)\n");
	}
	if (access("/sys/module/lbnl", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("module lbnl is not loaded (insmod kmod/lb/lbnl.ko)\n");
	}
	return test_harness_run(argc, argv);
}
