// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - the LB role's per-namespace settings: the sysctls net.lbnl.*
 *
 * Every network namespace has its own struct lbnl_settings (in its
 * struct lbnl_net) and its own copy of the table below, whose .data
 * pointers are rebased from the module parameters onto that struct, the
 * way IPVS does for net.ipv4.vs.*. A namespace starts from the module
 * parameters: they are read-only once the module is loaded and only seed
 * the namespaces created afterwards (init_net too).
 *
 * Readers take READ_ONCE(ln->settings.x): a plain load, and a change
 * applies from the next use of the value (the next packet, GC tick,
 * addition or migration). The GC's interval is the exception: a change
 * re-arms a waiting GC at once.
 *
 * Ranges: a timeout of 0 s or a GC interval of 0 ms would make no sense,
 * expire_nodest_conn and reply_check are 0 or 1, migrate_timeout_ms has a
 * request's range, migrate_retries is 0..100, migrate_max_open 1..4096; a
 * write outside is refused (-EINVAL, as what is not a number: the kernel's
 * unsigned handlers answer so) and the value stays.
 * The limits (conn_max, unconfirmed_max, max_vips, max_dests,
 * migrate_buffer_bytes) have no range, 0 refusing every addition, except
 * in a namespace owned by a user namespace other than the initial one (one
 * an unprivileged user may create): there they may be lowered, and raised
 * again up to the module parameter, not beyond.
 */

#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/user_namespace.h>

#include "lb.h"

/* The module parameters: what a new namespace starts from. */
static struct lbnl_settings lbnl_seed __read_mostly = {
	.conn_max = 1 << 20,
	.expire_nodest_conn = 1,
	.gc_interval_ms = 1000,
	/* Idle timeouts, seconds; defaults as IPVS's where it has one. */
	.timeout_tcp = 900,
	.timeout_tcp_syn = 60,
	.timeout_tcp_fin = 120,
	.timeout_tcp_close = 10,
	.timeout_udp = 300,
	.timeout_sctp = 900,
	.timeout_sctp_init = 30,
	.timeout_sctp_closed = 10,
	.max_vips = 16384,
	.max_dests = 256,
	.migrate_buffer_bytes = 1 << 30,
	.migrate_buffer_share = 8 << 20,
	.migrate_timeout_ms = 5000,
	.timeout_unconfirmed = 10,
	.unconfirmed_max = 65536,
	.reply_check = 1,
	.migrate_retries = 8,
	.migrate_max_open = 8,
};

/* Each seeds the sysctl of its name in the namespaces created later. */
module_param_named(conn_max, lbnl_seed.conn_max, uint, 0444);
MODULE_PARM_DESC(conn_max,
		 "Maximum connection entries per network namespace (1048576); only the initial value of sysctl net.lbnl.conn_max in each new namespace");
module_param_named(expire_nodest_conn, lbnl_seed.expire_nodest_conn, uint, 0444);
MODULE_PARM_DESC(expire_nodest_conn,
		 "1: a deleted dest's entries are removed and its flows rescheduled; 0: its flows' packets are dropped until they time out (1); only the initial value of sysctl net.lbnl.expire_nodest_conn in each new namespace");
module_param_named(gc_interval_ms, lbnl_seed.gc_interval_ms, uint, 0444);
MODULE_PARM_DESC(gc_interval_ms,
		 "Interval between GC slices, ms; a full pass takes 16 (1000); only the initial value of sysctl net.lbnl.gc_interval_ms in each new namespace");
module_param_named(timeout_tcp, lbnl_seed.timeout_tcp, uint, 0444);
MODULE_PARM_DESC(timeout_tcp,
		 "Idle timeout of established TCP flows, s (900); only the initial value of sysctl net.lbnl.timeout_tcp in each new namespace");
module_param_named(timeout_tcp_syn, lbnl_seed.timeout_tcp_syn, uint, 0444);
MODULE_PARM_DESC(timeout_tcp_syn,
		 "Idle timeout of TCP handshakes, s (60); only the initial value of sysctl net.lbnl.timeout_tcp_syn in each new namespace");
module_param_named(timeout_tcp_fin, lbnl_seed.timeout_tcp_fin, uint, 0444);
MODULE_PARM_DESC(timeout_tcp_fin,
		 "Idle timeout of closing TCP flows, s (120); only the initial value of sysctl net.lbnl.timeout_tcp_fin in each new namespace");
module_param_named(timeout_tcp_close, lbnl_seed.timeout_tcp_close, uint, 0444);
MODULE_PARM_DESC(timeout_tcp_close,
		 "Timeout of reset TCP flows, s (10); only the initial value of sysctl net.lbnl.timeout_tcp_close in each new namespace");
module_param_named(timeout_udp, lbnl_seed.timeout_udp, uint, 0444);
MODULE_PARM_DESC(timeout_udp,
		 "Idle timeout of UDP flows, s (300); only the initial value of sysctl net.lbnl.timeout_udp in each new namespace");
module_param_named(timeout_sctp, lbnl_seed.timeout_sctp, uint, 0444);
MODULE_PARM_DESC(timeout_sctp,
		 "Idle timeout of established SCTP associations, s (900); only the initial value of sysctl net.lbnl.timeout_sctp in each new namespace");
module_param_named(timeout_sctp_init, lbnl_seed.timeout_sctp_init, uint, 0444);
MODULE_PARM_DESC(timeout_sctp_init,
		 "Idle timeout of SCTP set-ups and shutdowns, s (30); only the initial value of sysctl net.lbnl.timeout_sctp_init in each new namespace");
module_param_named(timeout_sctp_closed, lbnl_seed.timeout_sctp_closed, uint, 0444);
MODULE_PARM_DESC(timeout_sctp_closed,
		 "Timeout of closed or aborted SCTP associations, s (10); only the initial value of sysctl net.lbnl.timeout_sctp_closed in each new namespace");
module_param_named(max_vips, lbnl_seed.max_vips, uint, 0444);
MODULE_PARM_DESC(max_vips,
		 "Maximum number of VIPs per network namespace (16384); only the initial value of sysctl net.lbnl.max_vips in each new namespace");
module_param_named(max_dests, lbnl_seed.max_dests, uint, 0444);
MODULE_PARM_DESC(max_dests,
		 "Maximum number of dests per VIP (256); only the initial value of sysctl net.lbnl.max_dests in each new namespace");
module_param_named(migrate_buffer_bytes, lbnl_seed.migrate_buffer_bytes, uint, 0444);
MODULE_PARM_DESC(migrate_buffer_bytes,
		 "Bytes (skb truesize) all migrations of a namespace may buffer (1073741824); only the initial value of sysctl net.lbnl.migrate_buffer_bytes in each new namespace");
module_param_named(migrate_buffer_share, lbnl_seed.migrate_buffer_share, uint, 0444);
MODULE_PARM_DESC(migrate_buffer_share,
		 "Bytes one migration may buffer, reserved when it opens; beyond, it is aborted (8388608); only the initial value of sysctl net.lbnl.migrate_buffer_share in each new namespace");
module_param_named(migrate_timeout_ms, lbnl_seed.migrate_timeout_ms, uint, 0444);
MODULE_PARM_DESC(migrate_timeout_ms,
		 "Deadline of a migration, ms, unless the request sets one (5000); only the initial value of sysctl net.lbnl.migrate_timeout_ms in each new namespace");

module_param_named(timeout_unconfirmed, lbnl_seed.timeout_unconfirmed, uint, 0444);
MODULE_PARM_DESC(timeout_unconfirmed,
		 "Idle timeout of entries whose flow is not confirmed yet (a second packet from the peer, or a reply), s (10); only the initial value of sysctl net.lbnl.timeout_unconfirmed in each new namespace");
module_param_named(unconfirmed_max, lbnl_seed.unconfirmed_max, uint, 0444);
MODULE_PARM_DESC(unconfirmed_max,
		 "Most unconfirmed entries of one VIP; beyond, a new flow's entry replaces a random unconfirmed one (65536); only the initial value of sysctl net.lbnl.unconfirmed_max in each new namespace");
module_param_named(reply_check, lbnl_seed.reply_check, uint, 0444);
MODULE_PARM_DESC(reply_check,
		 "1: a nat dest's packets are translated and may change an entry only if they come the way the LB reaches that dest (interface and link-layer source); 0: no check (1); only the initial value of sysctl net.lbnl.reply_check in each new namespace");

module_param_named(migrate_retries, lbnl_seed.migrate_retries, uint, 0444);
MODULE_PARM_DESC(migrate_retries,
		 "How many times a dest in maint retries an association's failed migration before giving it up, 0..100 (8); only the initial value of sysctl net.lbnl.migrate_retries in each new namespace");

module_param_named(migrate_max_open, lbnl_seed.migrate_max_open, uint, 0444);
MODULE_PARM_DESC(migrate_max_open,
		 "Most migrations a dest in maint has open at once, 1..4096 (8); only the initial value of sysctl net.lbnl.migrate_max_open in each new namespace");

static unsigned int lbnl_uint_one = 1;
/* Under U8_MAX: &lbnl_sctp_conn.mig_failed saturates there (maint.c). */
static unsigned int lbnl_migrate_retries_max = 100;
static unsigned int lbnl_migrate_max_open_max = 4096;
/* A migration request's LBNL_A_MIGRATE_TIMEOUT_MS range (migrate.c). */
static unsigned int lbnl_migrate_timeout_min = 10;
static unsigned int lbnl_migrate_timeout_max = 600000;

/*
 * A limit: unbounded, but in a namespace of a user namespace other than
 * the initial one capped by its module parameter (.extra2, set only
 * there).
 */
static int lbnl_proc_limit(struct ctl_table *table, int write, void *buffer,
			   size_t *lenp, loff_t *ppos)
{
	return proc_douintvec_minmax(table, write, buffer, lenp, ppos);
}

/* gc_interval_ms: a waiting GC is re-armed with the new interval. */
static int lbnl_proc_gc_interval(struct ctl_table *table, int write,
				 void *buffer, size_t *lenp, loff_t *ppos)
{
	struct lbnl_net *ln = container_of(table->data, struct lbnl_net,
					   settings.gc_interval_ms);
	int err;

	err = proc_douintvec_minmax(table, write, buffer, lenp, ppos);
	if (!err && write && delayed_work_pending(&ln->gc))
		mod_delayed_work(lbnl_wq, &ln->gc,
				 msecs_to_jiffies(max(READ_ONCE(ln->settings.gc_interval_ms),
						      10U)));
	return err;
}

#define LBNL_SYSCTL(name, handler, min, max)				\
	{								\
		.procname = #name,					\
		.data = &lbnl_seed.name,				\
		.maxlen = sizeof(unsigned int),				\
		.mode = 0644,						\
		.proc_handler = handler,				\
		.extra1 = min,						\
		.extra2 = max,						\
	}

#define LBNL_SYSCTL_LIMIT(name)						\
	LBNL_SYSCTL(name, lbnl_proc_limit, NULL, NULL)
#define LBNL_SYSCTL_TIMEOUT(name)					\
	LBNL_SYSCTL(name, proc_douintvec_minmax, &lbnl_uint_one, NULL)

static const struct ctl_table lbnl_sysctl_template[] = {
	LBNL_SYSCTL_LIMIT(conn_max),
	LBNL_SYSCTL(expire_nodest_conn, proc_douintvec_minmax, SYSCTL_ZERO,
		    SYSCTL_ONE),
	LBNL_SYSCTL(gc_interval_ms, lbnl_proc_gc_interval, &lbnl_uint_one,
		    NULL),
	LBNL_SYSCTL_TIMEOUT(timeout_tcp),
	LBNL_SYSCTL_TIMEOUT(timeout_tcp_syn),
	LBNL_SYSCTL_TIMEOUT(timeout_tcp_fin),
	LBNL_SYSCTL_TIMEOUT(timeout_tcp_close),
	LBNL_SYSCTL_TIMEOUT(timeout_udp),
	LBNL_SYSCTL_TIMEOUT(timeout_sctp),
	LBNL_SYSCTL_TIMEOUT(timeout_sctp_init),
	LBNL_SYSCTL_TIMEOUT(timeout_sctp_closed),
	LBNL_SYSCTL_LIMIT(max_vips),
	LBNL_SYSCTL_LIMIT(max_dests),
	LBNL_SYSCTL_LIMIT(migrate_buffer_bytes),
	LBNL_SYSCTL(migrate_buffer_share, proc_douintvec_minmax, NULL, NULL),
	LBNL_SYSCTL(migrate_timeout_ms, proc_douintvec_minmax,
		    &lbnl_migrate_timeout_min, &lbnl_migrate_timeout_max),
	LBNL_SYSCTL_TIMEOUT(timeout_unconfirmed),
	LBNL_SYSCTL_LIMIT(unconfirmed_max),
	LBNL_SYSCTL(reply_check, proc_douintvec_minmax, SYSCTL_ZERO,
		    SYSCTL_ONE),
	LBNL_SYSCTL(migrate_retries, proc_douintvec_minmax, SYSCTL_ZERO,
		    &lbnl_migrate_retries_max),
	LBNL_SYSCTL(migrate_max_open, proc_douintvec_minmax, &lbnl_uint_one,
		    &lbnl_migrate_max_open_max),
	{ }
};

/**
 * lbnl_sysctl_net_init() - a namespace's settings, from the module
 * parameters, and its net.lbnl.* sysctls
 * @ln: the namespace's state; nothing reads its settings yet
 *
 * Return: 0 or -ENOMEM.
 */
int lbnl_sysctl_net_init(struct lbnl_net *ln)
{
	struct net *net = ln->net;
	struct ctl_table *tbl;
	unsigned int i;

	ln->settings = lbnl_seed;

	tbl = kmemdup(lbnl_sysctl_template, sizeof(lbnl_sysctl_template),
		      GFP_KERNEL);
	if (!tbl)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(lbnl_sysctl_template) - 1; i++) {
		/* The template's .data is the module parameter. */
		if (tbl[i].proc_handler == lbnl_proc_limit &&
		    net->user_ns != &init_user_ns)
			tbl[i].extra2 = tbl[i].data;
		tbl[i].data += (void *)&ln->settings - (void *)&lbnl_seed;
	}

	ln->sysctl_hdr = register_net_sysctl(net, "net/lbnl", tbl);
	if (!ln->sysctl_hdr) {
		kfree(tbl);
		return -ENOMEM;
	}
	return 0;
}

/**
 * lbnl_sysctl_net_exit() - remove a namespace's net.lbnl.* sysctls
 * @ln: the namespace's state
 *
 * Waits for the handlers running; the settings stay readable.
 */
void lbnl_sysctl_net_exit(struct lbnl_net *ln)
{
	const struct ctl_table *tbl = ln->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(ln->sysctl_hdr);
	kfree(tbl);
}
