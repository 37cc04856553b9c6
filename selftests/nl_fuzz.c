// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: a mutational fuzzer of the generic netlink families "lbnl" and
 * "lbnl_srv".
 *
 *   nl_fuzz [-s SEED] [-n COUNT] [-f lbnl|lbnl_srv|all] [-p PEER_NETNS]
 *           [-U UID] [-v]
 *
 *   -s SEED   seed (default: from the clock; always printed first)
 *   -n COUNT  messages per family (default 10000)
 *   -f FAM    the families to fuzz (default all)
 *   -p PATH   a network namespace (/run/netns/NAME) routed to this one:
 *             UDP datagrams and TCP SYNs are sent from there to the VIPs
 *             now and then, so that the LB has connection entries
 *   -U UID    unprivileged mode: a child drops to UID, enters a new user
 *             namespace and a new network namespace owned by it (where it
 *             has CAP_NET_ADMIN, and nowhere else) and fuzzes there, while
 *             this process (root) fills that namespace with state before
 *             and dumps it again after: every command that needs
 *             CAP_NET_ADMIN must be refused with EPERM, none may answer
 *             anything, and the state must be what it was
 *   -v        one line per failure with the request in hex (default: the
 *             first 20)
 *   -F        only flush this namespace's lbnl state (for the tests)
 *   -G        only generate the requests, send nothing (tests the fuzzer)
 *
 * First valid messages make real state: VIPs (IPv4 and IPv6; tcp, udp,
 * sctp; nat and tun, bypass auto on some), dests, one VIP with many dests
 * (dumps of several parts), SCTP associations over loopback (lbnl_srv: a
 * real EXPORT's state feeds IMPORT); with -p, connection entries. Then
 * COUNT messages per family: each command's template built from its
 * policy (keys mostly naming existing objects), 0-4 mutations each:
 * attribute types (swapped, unknown, read-only, NLA_F_NESTED / NET_BYTEORDER
 * flipped), lengths (0, odd, off by one, huge), values (boundaries, out of
 * range, bad addresses), nesting (nested where flat, flat where nested,
 * deep nesting, attributes moved between levels), duplicates, removals,
 * trailing bytes, truncated messages and attributes, lying nlmsg_len and
 * nla_len, random flags (NLM_F_DUMP on do-only commands, ACK/ECHO/ROOT/
 * MATCH/ATOMIC combos, no REQUEST), genl header (reserved, version, unknown
 * and event-only commands), the other family's id, batches of several
 * messages in one sendmsg. Every 200 messages or so: dumps interrupted
 * (socket closed mid-dump, configuration changed mid-dump, many dumps
 * started and never read).
 *
 * Every message received is checked: framing, NLMSG_ERROR (errno range,
 * the echoed header, the extended ack's attributes and offsets inside the
 * request), NLMSG_DONE, replies and events against the families' reply
 * layouts (every attribute known, of its exact length, nests nested);
 * requests with NLM_F_ACK get exactly one answer; a request the policies
 * must refuse (unknown or read-only attribute, wrong integer length,
 * nesting flag wrong, trailing garbage in a nest) is refused; a dump
 * finishes. recv() never blocks more than 10 s (a hang is a failure).
 * After the fuzz: VIP and dest dumps agree (DEST_COUNT).
 *
 * Prints "# seed S" first and a summary per family (messages, mutated,
 * answers by errno, refusals without an extended ack message, dumps).
 * Exit: 0 no failure, 1 failures, 2 usage or set-up error, 4 the families
 * are not there.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif
#ifndef NLMSGERR_ATTR_MISS_NEST
#define NLMSGERR_ATTR_MISS_TYPE 5
#define NLMSGERR_ATTR_MISS_NEST 6
#endif

#define MSG_MAX		(64 * 1024)
#define RECV_MAX	(256 * 1024)
#define RECV_TIMEOUT_S	10
#define MAX_FAILS_SHOWN	20

/* --- random numbers --------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(uint32_t percent)
{
	return rnd(100) < percent;
}

/* --- results ------------------------------------------------------------ */

static bool verbose;
static unsigned long nfail;
static const char *cur_what = "";	/* what the current request is */

/* Failures by kind (their format), for the summary. */
static struct {
	const char *fmt;
	unsigned long n;
} kinds[48];

static void fail_kinds(void)
{
	int i;

	for (i = 0; i < 48 && kinds[i].fmt; i++)
		printf("# failures: %lu x \"%s\"\n", kinds[i].n, kinds[i].fmt);
}

static void fail(const char *fmt, ...)
{
	va_list ap;
	int i;

	for (i = 0; i < 48; i++)
		if (!kinds[i].fmt || kinds[i].fmt == fmt) {
			kinds[i].fmt = fmt;
			kinds[i].n++;
			break;
		}
	nfail++;
	if (!verbose && nfail > MAX_FAILS_SHOWN) {
		if (nfail == MAX_FAILS_SHOWN + 1)
			printf("# (further failures not shown; -v shows all)\n");
		return;
	}
	printf("# FAIL [%s]: ", cur_what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void hexdump(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	if (!verbose && nfail > MAX_FAILS_SHOWN)
		return;
	for (i = 0; i < len && i < 512; i++)
		printf("%s%02x", i % 32 ? "" : "#   ", b[i]);
	printf("%s\n", len > 512 ? " ..." : "");
}

/* --- families and their reply layouts ---------------------------------- */

enum kind { K_NONE, K_U8, K_U16, K_U32, K_U64, K_ADDR, K_BIN, K_BIN4,
	    K_STR, K_NEST, K_PAD };

struct layout;
struct lattr {
	uint8_t kind;
	bool vol;		/* changes on its own: not compared */
	const struct layout *sub;
};
struct layout {
	int max;
	bool list;		/* entries of one type repeat */
	const struct lattr *a;
};

#define L(k)		{ .kind = (k) }
#define LV(k)		{ .kind = (k), .vol = true }
#define LN(l)		{ .kind = K_NEST, .sub = &(l) }

static const struct lattr dest_a[] = {
	[LBNL_A_DEST_ADDR] = L(K_ADDR), [LBNL_A_DEST_PORT] = L(K_U16),
	[LBNL_A_DEST_WEIGHT] = L(K_U32), [LBNL_A_DEST_STATE] = L(K_U8),
	[LBNL_A_DEST_TAG_ID] = L(K_U16), [LBNL_A_DEST_MOVED] = L(K_U32),
	[LBNL_A_DEST_LEFT] = L(K_U32), [LBNL_A_DEST_UNMIGRATABLE] = L(K_U32),
	[LBNL_A_DEST_STATE_IF] = L(K_U8),
};
static const struct layout dest_l = { LBNL_A_DEST_MAX, false, dest_a };

/* LBNL_A_VIP_DESTS: dest nests (requests only; no reply carries it) */
static const struct lattr vdests_a[] = { [LBNL_A_DEST] = LN(dest_l) };
static const struct layout vdests_l = { LBNL_A_DEST, true, vdests_a };

static const struct lattr vip_a[] = {
	[LBNL_A_VIP_ADDR] = L(K_ADDR), [LBNL_A_VIP_PORT] = L(K_U16),
	[LBNL_A_VIP_PROTO] = L(K_U8), [LBNL_A_VIP_MODE] = L(K_U8),
	[LBNL_A_VIP_SCHED] = L(K_U8), [LBNL_A_VIP_BYPASS] = L(K_U8),
	[LBNL_A_VIP_MIGRATE_AFTER] = L(K_U32), [LBNL_A_VIP_FLAGS] = L(K_U32),
	[LBNL_A_VIP_DEST_COUNT] = L(K_U32),
	[LBNL_A_VIP_ACTIVE_DESTS] = L(K_U32),
	[LBNL_A_VIP_ROUTER] = L(K_U8), [LBNL_A_VIP_BYPASS_DEST] = LN(dest_l),
	[LBNL_A_VIP_CHANGED_MS] = LV(K_U64), [LBNL_A_VIP_PAD] = L(K_PAD),
	[LBNL_A_VIP_DESTS] = LN(vdests_l),
};
static const struct layout vip_l = { LBNL_A_VIP_MAX, false, vip_a };

static const struct lattr conn_a[] = {
	[LBNL_A_CONN_PAD] = L(K_PAD), [LBNL_A_CONN_PEER_ADDR] = L(K_ADDR),
	[LBNL_A_CONN_PEER_PORT] = L(K_U16), [LBNL_A_CONN_DEST_ADDR] = L(K_ADDR),
	[LBNL_A_CONN_DEST_PORT] = L(K_U16), [LBNL_A_CONN_STATE] = L(K_U8),
	[LBNL_A_CONN_FLAGS] = L(K_U32), [LBNL_A_CONN_AGE_MS] = L(K_U64),
	[LBNL_A_CONN_IDLE_MS] = L(K_U64), [LBNL_A_CONN_EXPIRES_MS] = L(K_U64),
	[LBNL_A_CONN_PACKETS] = L(K_U64), [LBNL_A_CONN_BYTES] = L(K_U64),
	[LBNL_A_CONN_MY_VTAG] = L(K_U32), [LBNL_A_CONN_PEER_VTAG] = L(K_U32),
	[LBNL_A_CONN_MIGRATE_FAILED] = L(K_U32),
	[LBNL_A_CONN_MIGRATE_END] = L(K_STR),
};
static const struct layout conn_l = { LBNL_A_CONN_MAX, false, conn_a };

static const struct lattr drops_a[] = {
	[0] = L(K_PAD), [1 ... LBNL_DROP_MAX] = L(K_U64),
};
static const struct layout drops_l = { LBNL_DROP_MAX, false, drops_a };

static const struct lattr stats_a[] = {
	[LBNL_A_STATS_PAD] = L(K_PAD),
	[LBNL_A_STATS_PACKETS_IN ... LBNL_A_STATS_ACTIVE_CONNS] = L(K_U64),
	[LBNL_A_STATS_DROPS] = LN(drops_l), [LBNL_A_STATS_DROPPED] = L(K_U64),
};
static const struct layout stats_l = { LBNL_A_STATS_MAX, false, stats_a };

static const struct lattr mig_a[] = {
	[LBNL_A_MIGRATE_ID] = L(K_U32), [LBNL_A_MIGRATE_VTAG] = L(K_U32),
	[LBNL_A_MIGRATE_PEER_ADDR] = L(K_ADDR),
	[LBNL_A_MIGRATE_PEER_PORT] = L(K_U16),
	[LBNL_A_MIGRATE_SOURCE] = LN(dest_l),
	[LBNL_A_MIGRATE_TARGET] = LN(dest_l),
	[LBNL_A_MIGRATE_TIMEOUT_MS] = L(K_U32), [LBNL_A_MIGRATE_STATE] = L(K_U8),
	[LBNL_A_MIGRATE_AGE_MS] = L(K_U64), [LBNL_A_MIGRATE_BUFFERED] = L(K_U32),
	[LBNL_A_MIGRATE_BUFFERED_MAX] = L(K_U32),
	[LBNL_A_MIGRATE_REASON] = L(K_STR), [LBNL_A_MIGRATE_PAD] = L(K_PAD),
};
static const struct layout mig_l = { LBNL_A_MIGRATE_MAX, false, mig_a };

static const struct lattr tag_a[] = {
	[LBNL_A_TAG_KEY] = L(K_BIN), [LBNL_A_TAG_FINGERPRINT] = L(K_U32),
	[LBNL_A_TAG_ROUTED] = LV(K_U64), [LBNL_A_TAG_PAD] = L(K_PAD),
};
static const struct layout tag_l = { LBNL_A_TAG_MAX, false, tag_a };

static const struct lattr lb_top_a[] = {
	[LBNL_A_VIP] = LN(vip_l), [LBNL_A_DEST] = LN(dest_l),
	[LBNL_A_CONN] = LN(conn_l), [LBNL_A_STATS] = LN(stats_l),
	[LBNL_A_MIGRATE] = LN(mig_l), [LBNL_A_TAG] = LN(tag_l),
};
static const struct layout lb_top_l = { LBNL_A_MAX, false, lb_top_a };

static const struct lattr addr_a[] = { [LBNL_A_ADDR] = L(K_ADDR) };
static const struct layout addr_l = { LBNL_A_ADDR_MAX, true, addr_a };

static const struct lattr path_a[] = {
	[LBNL_A_PATH_ADDR] = L(K_ADDR),
	[LBNL_A_PATH_RTO_US ... LBNL_A_PATH_SSTHRESH] = LV(K_U32),
};
static const struct layout path_l = { LBNL_A_PATH_MAX, false, path_a };
static const struct lattr paths_a[] = { [LBNL_A_PATH] = LN(path_l) };
static const struct layout paths_l = { LBNL_A_PATH, true, paths_a };

static const struct lattr assoc_a[] = {
	[LBNL_A_ASSOC_PAD] = L(K_PAD), [LBNL_A_ASSOC_VERSION] = L(K_U32),
	[LBNL_A_ASSOC_LADDR] = L(K_ADDR), [LBNL_A_ASSOC_LPORT] = L(K_U16),
	[LBNL_A_ASSOC_PADDR] = L(K_ADDR), [LBNL_A_ASSOC_PPORT] = L(K_U16),
	[LBNL_A_ASSOC_LADDRS] = LN(addr_l), [LBNL_A_ASSOC_PATHS] = LN(paths_l),
	[LBNL_A_ASSOC_MY_VTAG] = L(K_U32), [LBNL_A_ASSOC_PEER_VTAG] = L(K_U32),
	[LBNL_A_ASSOC_NEXT_TSN] = LV(K_U32),
	[LBNL_A_ASSOC_PEER_NEXT_TSN] = LV(K_U32),
	[LBNL_A_ASSOC_OUT_STREAMS] = L(K_U16),
	[LBNL_A_ASSOC_IN_STREAMS] = L(K_U16),
	[LBNL_A_ASSOC_OUT_SSN] = LV(K_BIN4), [LBNL_A_ASSOC_IN_SSN] = LV(K_BIN4),
	[LBNL_A_ASSOC_PEER_RWND] = LV(K_U32), [LBNL_A_ASSOC_FEATURES] = L(K_U32),
	[LBNL_A_ASSOC_ADDIP_SERIAL ... LBNL_A_ASSOC_ADAPTATION_IND] = LV(K_U32),
	[LBNL_A_ASSOC_CREATED_MS] = L(K_U64), [LBNL_A_ASSOC_STATE] = LV(K_U8),
	[LBNL_A_ASSOC_ID] = L(K_U32), [LBNL_A_ASSOC_STYLE] = L(K_U8),
	[LBNL_A_ASSOC_UNACKED] = LV(K_U32), [LBNL_A_ASSOC_PENDING] = LV(K_U32),
	[LBNL_A_ASSOC_UNREAD] = LV(K_U32), [LBNL_A_ASSOC_SILENCED] = L(K_U8),
	[LBNL_A_ASSOC_MIGRATABLE] = LV(K_U8), [LBNL_A_ASSOC_REASON] = LV(K_STR),
};
static const struct layout assoc_l = { LBNL_A_ASSOC_MAX, false, assoc_a };

/* KEY only in requests: a reply carrying it is a failure (check_attrs). */
static const struct lattr srv_tag_a[] = {
	[LBNL_SRV_A_TAG_KEY] = L(K_BIN), [LBNL_SRV_A_TAG_SERVER_ID] = L(K_U16),
	[LBNL_SRV_A_TAG_FINGERPRINT] = L(K_U32), [LBNL_SRV_A_TAG_HOOK] = L(K_U8),
	[LBNL_SRV_A_TAG_CHOSEN] = LV(K_U64), [LBNL_SRV_A_TAG_MISSED] = LV(K_U64),
	[LBNL_SRV_A_TAG_PAD] = L(K_PAD),
};
static const struct layout srv_tag_l = { LBNL_SRV_A_TAG_MAX, false, srv_tag_a };

static const struct lattr srv_top_a[] = {
	[LBNL_SRV_A_ASSOC] = LN(assoc_l), [LBNL_SRV_A_TIMEOUT_MS] = L(K_U32),
	[LBNL_SRV_A_TAG] = LN(srv_tag_l),
};
static const struct layout srv_top_l = { LBNL_SRV_A_MAX, false, srv_top_a };

enum { FAM_LB, FAM_SRV, NFAM };

struct family {
	const char *name;
	uint16_t id;
	uint32_t mcgrp;
	int ncmds;		/* highest command + 1 */
	const struct layout *top;
	bool enabled;
} fams[NFAM] = {
	[FAM_LB] = { LBNL_GENL_NAME, 0, 0, __LBNL_CMD_MAX, &lb_top_l, false },
	[FAM_SRV] = { LBNL_SRV_GENL_NAME, 0, 0, __LBNL_SRV_CMD_MAX,
		      &srv_top_l, false },
};

/* --- the commands --------------------------------------------------------- */

#define C_DO		0x01
#define C_DUMP		0x02
#define C_ADMIN		0x04	/* GENL_ADMIN_PERM */
#define C_CHANGE	0x08

struct cmd {
	uint8_t cmd;
	const char *name;
	uint8_t flags;
	int maxattr;		/* of its policy (0: none, refuses any) */
	int weight;
};

static const struct cmd lb_cmds[] = {
	{ LBNL_CMD_VIP_NEW, "VIP_NEW", C_DO | C_ADMIN | C_CHANGE, LBNL_A_VIP, 8 },
	{ LBNL_CMD_VIP_SET, "VIP_SET", C_DO | C_ADMIN | C_CHANGE, LBNL_A_VIP, 6 },
	{ LBNL_CMD_VIP_DEL, "VIP_DEL", C_DO | C_ADMIN | C_CHANGE, LBNL_A_VIP, 3 },
	{ LBNL_CMD_VIP_GET, "VIP_GET", C_DO | C_DUMP, LBNL_A_VIP, 6 },
	{ LBNL_CMD_DEST_NEW, "DEST_NEW", C_DO | C_ADMIN | C_CHANGE, LBNL_A_DEST, 8 },
	{ LBNL_CMD_DEST_SET, "DEST_SET", C_DO | C_ADMIN | C_CHANGE, LBNL_A_DEST, 6 },
	{ LBNL_CMD_DEST_DEL, "DEST_DEL", C_DO | C_ADMIN | C_CHANGE, LBNL_A_DEST, 3 },
	{ LBNL_CMD_DEST_GET, "DEST_GET", C_DO | C_DUMP, LBNL_A_DEST, 6 },
	{ LBNL_CMD_FLUSH, "FLUSH", C_DO | C_ADMIN | C_CHANGE, 0, 0 },
	{ LBNL_CMD_CONN_GET, "CONN_GET", C_DUMP | C_ADMIN, LBNL_A_CONN, 5 },
	{ LBNL_CMD_CONN_DEL, "CONN_DEL", C_DO | C_ADMIN | C_CHANGE, LBNL_A_CONN, 4 },
	{ LBNL_CMD_CONN_FLUSH, "CONN_FLUSH", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_A_CONN, 2 },
	{ LBNL_CMD_STATS_GET, "STATS_GET", C_DO | C_DUMP, LBNL_A_VIP, 5 },
	{ LBNL_CMD_BYPASS_ACTIVE, "BYPASS_ACTIVE", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_A_DEST, 4 },
	{ LBNL_CMD_MIGRATE_START, "MIGRATE_START", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_A_MIGRATE, 5 },
	{ LBNL_CMD_MIGRATE_COMMIT, "MIGRATE_COMMIT", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_A_MIGRATE, 3 },
	{ LBNL_CMD_MIGRATE_ABORT, "MIGRATE_ABORT", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_A_MIGRATE, 3 },
	{ LBNL_CMD_MIGRATE_GET, "MIGRATE_GET", C_DUMP | C_ADMIN, LBNL_A_MIGRATE, 3 },
	{ LBNL_CMD_TAG_SET, "TAG_SET", C_DO | C_ADMIN | C_CHANGE, LBNL_A_TAG, 2 },
	{ LBNL_CMD_CONN_NEW, "CONN_NEW", C_DO | C_ADMIN | C_CHANGE, LBNL_A_CONN, 3 },
	{ LBNL_CMD_TAG_DEL, "TAG_DEL", C_DO | C_ADMIN | C_CHANGE, LBNL_A_TAG, 1 },
	{ LBNL_CMD_TAG_GET, "TAG_GET", C_DO | C_ADMIN, LBNL_A_TAG, 2 },
};

static const struct cmd srv_cmds[] = {
	{ LBNL_SRV_CMD_ASSOC_GET, "ASSOC_GET", C_DO | C_DUMP | C_ADMIN,
	  LBNL_SRV_A_MAX, 6 },
	{ LBNL_SRV_CMD_ASSOC_EXPORT, "ASSOC_EXPORT", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_SRV_A_MAX, 5 },
	{ LBNL_SRV_CMD_ASSOC_IMPORT, "ASSOC_IMPORT", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_SRV_A_MAX, 5 },
	{ LBNL_SRV_CMD_ASSOC_RESUME, "ASSOC_RESUME", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_SRV_A_MAX, 4 },
	{ LBNL_SRV_CMD_ASSOC_RELEASE, "ASSOC_RELEASE", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_SRV_A_MAX, 2 },
	{ LBNL_SRV_CMD_TAG_SET, "TAG_SET", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_SRV_A_MAX, 2 },
	{ LBNL_SRV_CMD_TAG_DEL, "TAG_DEL", C_DO | C_ADMIN | C_CHANGE,
	  LBNL_SRV_A_MAX, 1 },
	{ LBNL_SRV_CMD_TAG_GET, "TAG_GET", C_DO | C_ADMIN, LBNL_SRV_A_MAX, 2 },
};

static const struct cmd *cmds_of(int fam, int *n)
{
	if (fam == FAM_LB) {
		*n = sizeof(lb_cmds) / sizeof(lb_cmds[0]);
		return lb_cmds;
	}
	*n = sizeof(srv_cmds) / sizeof(srv_cmds[0]);
	return srv_cmds;
}

static const struct cmd *find_cmd(int fam, int cmd)
{
	const struct cmd *c;
	int i, n;

	c = cmds_of(fam, &n);
	for (i = 0; i < n; i++)
		if (c[i].cmd == cmd)
			return &c[i];
	return NULL;
}

/* --- attribute trees ------------------------------------------------------ */

#define MAX_KIDS	40

struct na {
	uint16_t type;		/* with NLA_F_NESTED / NET_BYTEORDER */
	bool nest;
	int nk;
	struct na *k[MAX_KIDS];
	int len;
	uint8_t *d;
	int lenfix;		/* >= 0: nla_len written instead */
	int pad_extra;		/* bytes of garbage after the payload */
};

static struct na na_pool[2048];
static int na_used;
static uint8_t d_pool[128 * 1024];
static int d_used;

static void tree_reset(void)
{
	na_used = 0;
	d_used = 0;
}

static struct na *na_new(uint16_t type, bool nest)
{
	struct na *a;

	if (na_used >= (int)(sizeof(na_pool) / sizeof(na_pool[0])))
		return NULL;
	a = &na_pool[na_used++];
	memset(a, 0, sizeof(*a));
	a->type = nest ? (type | NLA_F_NESTED) : type;
	a->nest = nest;
	a->lenfix = -1;
	return a;
}

static uint8_t *d_alloc(int len)
{
	uint8_t *p;

	if (d_used + len > (int)sizeof(d_pool))
		d_used = 0;	/* only huge mutations get here: reuse */
	p = &d_pool[d_used];
	d_used += len;
	return p;
}

static void na_add(struct na *parent, struct na *kid)
{
	if (parent && kid && parent->nk < MAX_KIDS)
		parent->k[parent->nk++] = kid;
}

static struct na *na_leaf(struct na *parent, uint16_t type, const void *data,
			  int len)
{
	struct na *a = na_new(type, false);

	if (!a)
		return NULL;
	a->len = len;
	a->d = d_alloc(len);
	if (data)
		memcpy(a->d, data, len);
	else
		memset(a->d, 0, len);
	na_add(parent, a);
	return a;
}

static struct na *na_u8(struct na *p, uint16_t t, uint8_t v)
{
	return na_leaf(p, t, &v, 1);
}

static struct na *na_u16(struct na *p, uint16_t t, uint16_t v)
{
	return na_leaf(p, t, &v, 2);
}

static struct na *na_u32(struct na *p, uint16_t t, uint32_t v)
{
	return na_leaf(p, t, &v, 4);
}

static struct na *na_nest(struct na *p, uint16_t t)
{
	struct na *a = na_new(t, true);

	na_add(p, a);
	return a;
}

static struct na *na_clone(const struct na *a, int depth)
{
	struct na *c;
	int i;

	if (!a || depth > 50)
		return NULL;
	c = na_new(0, false);
	if (!c)
		return NULL;
	*c = *a;
	if (!a->nest) {
		c->d = d_alloc(a->len);
		memcpy(c->d, a->d, a->len);
		return c;
	}
	c->nk = 0;
	for (i = 0; i < a->nk; i++)
		na_add(c, na_clone(a->k[i], depth + 1));
	return c;
}

/* Serialize @a at @buf (room @cap); the aligned length, or -1. */
static int na_put(uint8_t *buf, int cap, const struct na *a)
{
	struct nlattr *h = (struct nlattr *)buf;
	int len = NLA_HDRLEN, i, n;

	if (cap < NLA_HDRLEN)
		return -1;
	if (a->nest) {
		for (i = 0; i < a->nk; i++) {
			n = na_put(buf + len, cap - len, a->k[i]);
			if (n < 0)
				return -1;
			len += n;
		}
	} else {
		if (len + a->len > cap)
			return -1;
		memcpy(buf + len, a->d, a->len);
		len += a->len;
	}
	if (a->pad_extra) {
		if (len + a->pad_extra > cap)
			return -1;
		for (i = 0; i < a->pad_extra; i++)
			buf[len + i] = (uint8_t)rnd(256);
		len += a->pad_extra;
	}
	h->nla_type = a->type;
	h->nla_len = a->lenfix >= 0 ? a->lenfix : (len > 0xffff ? 0xffff : len);
	n = NLA_ALIGN(len);
	if (n > cap)
		return -1;
	memset(buf + len, 0, n - len);
	return n;
}

/* --- keys the templates name ------------------------------------------------ */

static const uint8_t vip4[][4] = {
	{ 192, 0, 2, 1 }, { 192, 0, 2, 2 }, { 192, 0, 2, 3 }, { 192, 0, 2, 100 },
};
static const uint8_t vip6[][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 2 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 3 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, [15] = 100 },
};
static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
#define VIP_PORT	8080
#define BULK_PORT	9000
#define BULK_DESTS	60

static void dest_addr(int v6, int i, uint8_t *a)
{
	if (v6) {
		static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2 };

		memcpy(a, b, 16);
		a[15] = (uint8_t)(0x11 + i);
	} else {
		a[0] = 203; a[1] = 0; a[2] = 113; a[3] = (uint8_t)(11 + i);
	}
}

struct vkey {
	int v6;
	const uint8_t *addr;
	uint16_t port;
	uint8_t proto;
};

static struct vkey pick_vip(void)
{
	struct vkey k;
	int i = rnd(100) < 90 ? (int)rnd(2) : (int)rnd(4);

	k.v6 = rnd(2);
	k.addr = k.v6 ? vip6[i] : vip4[i];
	k.port = chance(92) ? VIP_PORT : (chance(50) ? BULK_PORT : 80);
	if (i == 3)
		k.port = BULK_PORT;
	k.proto = protos[rnd(3)];
	if (i == 3 && chance(80))
		k.proto = IPPROTO_TCP;
	return k;
}

static struct na *put_vip_key(struct na *top, const struct vkey *k)
{
	struct na *n = na_nest(top, LBNL_A_VIP);

	na_leaf(n, LBNL_A_VIP_ADDR, k->addr, k->v6 ? 16 : 4);
	na_u16(n, LBNL_A_VIP_PORT, k->port);
	na_u8(n, LBNL_A_VIP_PROTO, k->proto);
	return n;
}

static struct na *put_dest_key(struct na *top, uint16_t type, int v6,
			       bool more)
{
	struct na *n = na_nest(top, type);
	uint8_t a[16];

	dest_addr(v6, rnd(4), a);
	na_leaf(n, LBNL_A_DEST_ADDR, a, v6 ? 16 : 4);
	if (chance(70))
		na_u16(n, LBNL_A_DEST_PORT, chance(80) ? VIP_PORT : 0);
	if (more && chance(50))
		na_u32(n, LBNL_A_DEST_WEIGHT, rnd(5));
	if (more && chance(40))
		na_u8(n, LBNL_A_DEST_STATE, rnd(LBNL_DEST_STATE_MAX + 1));
	if (more && chance(20))
		na_u16(n, LBNL_A_DEST_TAG_ID, rnd(8));
	return n;
}

/* Connection entries made by the peer's traffic (-p): their source. */
struct peer_flow {
	int v6;
	uint16_t port;
};
static struct peer_flow flows[64];
static int nflows;
static const uint8_t peer4[4] = { 198, 51, 100, 1 };
static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };

/* lbnl_srv: associations of this namespace, and the last exported state. */
struct assoc_key {
	int v6;
	uint16_t lport, pport;
};
static struct assoc_key assocs[16];
static int nassocs;
static uint8_t exported[8192];
static int exported_len;	/* the LBNL_SRV_A_ASSOC nest of an EXPORT */

static struct na *put_assoc_key(struct na *top)
{
	struct na *n = na_nest(top, LBNL_SRV_A_ASSOC);
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };
	struct assoc_key k = { rnd(2), 5000, (uint16_t)(40000 + rnd(100)) };

	if (nassocs && chance(85)) {
		k = assocs[rnd(nassocs)];
		if (chance(50)) {	/* the other end of it */
			uint16_t p = k.lport;

			k.lport = k.pport;
			k.pport = p;
		}
	}
	na_leaf(n, LBNL_A_ASSOC_LADDR, k.v6 ? lo6 : lo4, k.v6 ? 16 : 4);
	na_u16(n, LBNL_A_ASSOC_LPORT, k.lport);
	na_leaf(n, LBNL_A_ASSOC_PADDR, k.v6 ? lo6 : lo4, k.v6 ? 16 : 4);
	na_u16(n, LBNL_A_ASSOC_PPORT, k.pport);
	return n;
}

/* A made-up but well-formed association state, when no EXPORT succeeded. */
static void put_assoc_state(struct na *top)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	struct na *n, *l, *p, *path;
	uint16_t streams = 1 + rnd(4);
	uint32_t ssn[8] = { 0 };

	n = na_nest(top, LBNL_SRV_A_ASSOC);
	na_u32(n, LBNL_A_ASSOC_VERSION, LBNL_ASSOC_STATE_VERSION);
	na_leaf(n, LBNL_A_ASSOC_LADDR, lo4, 4);
	na_u16(n, LBNL_A_ASSOC_LPORT, 5000);
	na_leaf(n, LBNL_A_ASSOC_PADDR, lo4, 4);
	na_u16(n, LBNL_A_ASSOC_PPORT, (uint16_t)(45000 + rnd(100)));
	l = na_nest(n, LBNL_A_ASSOC_LADDRS);
	na_leaf(l, LBNL_A_ADDR, lo4, 4);
	p = na_nest(n, LBNL_A_ASSOC_PATHS);
	path = na_nest(p, LBNL_A_PATH);
	na_leaf(path, LBNL_A_PATH_ADDR, lo4, 4);
	na_u32(path, LBNL_A_PATH_RTO_US, 1000000);
	na_u32(path, LBNL_A_PATH_CWND, 4380);
	na_u32(n, LBNL_A_ASSOC_MY_VTAG, 1 + rnd(0xfffffffe));
	na_u32(n, LBNL_A_ASSOC_PEER_VTAG, 1 + rnd(0xfffffffe));
	na_u32(n, LBNL_A_ASSOC_NEXT_TSN, (uint32_t)rnd64());
	na_u32(n, LBNL_A_ASSOC_PEER_NEXT_TSN, (uint32_t)rnd64());
	na_u16(n, LBNL_A_ASSOC_OUT_STREAMS, streams);
	na_u16(n, LBNL_A_ASSOC_IN_STREAMS, streams);
	na_leaf(n, LBNL_A_ASSOC_OUT_SSN, ssn, streams * 4);
	na_leaf(n, LBNL_A_ASSOC_IN_SSN, ssn, streams * 4);
	na_u32(n, LBNL_A_ASSOC_PEER_RWND, 65536);
	na_u32(n, LBNL_A_ASSOC_FEATURES, rnd(2) ? LBNL_ASSOC_F_ECN : 0);
}

/* Parse raw attributes into a tree (to mutate a state the kernel gave). */
static void na_parse_into(struct na *parent, const uint8_t *p, int rem,
			  const struct layout *l, int depth)
{
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		int t = a->nla_type & NLA_TYPE_MASK, plen;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			return;
		plen = a->nla_len - NLA_HDRLEN;
		if (l && t <= l->max && l->a[t].kind == K_NEST && depth < 8) {
			struct na *n = na_nest(parent, t);

			na_parse_into(n, p + NLA_HDRLEN, plen, l->a[t].sub,
				      depth + 1);
		} else {
			na_leaf(parent, a->nla_type, p + NLA_HDRLEN, plen);
		}
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
}

/* The template of @c: a valid request of it, or as near as the state is. */
static void build_template(int fam, const struct cmd *c, struct na *top,
			   bool dump)
{
	struct vkey k = pick_vip();
	struct na *n;

	if (fam == FAM_SRV) {
		switch (c->cmd) {
		case LBNL_SRV_CMD_ASSOC_GET:
			if (!dump)
				put_assoc_key(top);
			break;
		case LBNL_SRV_CMD_ASSOC_EXPORT:
			/*
			 * An EXPORT of a real association waits (50 ms
			 * before it counts as settled, or the timeout): few
			 * of them, and short waits, keep the fuzz fast.
			 */
			if (chance(35)) {
				put_assoc_key(top);
			} else {
				int save = nassocs;

				nassocs = 0;
				put_assoc_key(top);
				nassocs = save;
			}
			if (chance(90))
				na_u32(top, LBNL_SRV_A_TIMEOUT_MS,
				       chance(50) ? rnd(20) : rnd(100));
			break;
		case LBNL_SRV_CMD_TAG_SET: {
			uint8_t key[LBNL_TAG_KEY_LEN];
			unsigned int i;

			for (i = 0; i < sizeof(key); i++)
				key[i] = (uint8_t)rnd64();
			n = na_nest(top, LBNL_SRV_A_TAG);
			na_leaf(n, LBNL_SRV_A_TAG_KEY, key, sizeof(key));
			na_u16(n, LBNL_SRV_A_TAG_SERVER_ID,
			       1 + rnd(LBNL_TAG_ID_MAX));
			break;
		}
		case LBNL_SRV_CMD_TAG_DEL:
		case LBNL_SRV_CMD_TAG_GET:
			break;		/* no attributes */
		case LBNL_SRV_CMD_ASSOC_IMPORT:
			if (exported_len && chance(80)) {
				n = na_nest(top, LBNL_SRV_A_ASSOC);
				na_parse_into(n, exported + NLA_HDRLEN,
					      exported_len - NLA_HDRLEN,
					      &assoc_l, 0);
			} else {
				put_assoc_state(top);
			}
			break;
		default:
			put_assoc_key(top);
		}
		return;
	}

	switch (c->cmd) {
	case LBNL_CMD_VIP_NEW:
	case LBNL_CMD_VIP_SET:
		n = put_vip_key(top, &k);
		if (chance(50))
			na_u8(n, LBNL_A_VIP_MODE, rnd(LBNL_FWD_MAX + 1));
		if (chance(40))
			na_u8(n, LBNL_A_VIP_SCHED, rnd(LBNL_SCHED_MAX + 1));
		if (chance(30))
			na_u8(n, LBNL_A_VIP_BYPASS, rnd(LBNL_BYPASS_MAX + 1));
		if (chance(20))
			na_u32(n, LBNL_A_VIP_MIGRATE_AFTER, rnd(100));
		if (chance(30)) {	/* the VIP with its dests, at once */
			struct na *l = na_nest(n, LBNL_A_VIP_DESTS);
			int i, nd = rnd(5);

			for (i = 0; l && i < nd; i++)
				put_dest_key(l, LBNL_A_DEST,
					     chance(95) ? k.v6 : !k.v6, true);
		}
		break;
	case LBNL_CMD_VIP_DEL:
		put_vip_key(top, &k);
		break;
	case LBNL_CMD_VIP_GET:
		if (!dump)
			put_vip_key(top, &k);
		break;
	case LBNL_CMD_DEST_NEW:
	case LBNL_CMD_DEST_SET:
	case LBNL_CMD_DEST_DEL:
	case LBNL_CMD_DEST_GET:
	case LBNL_CMD_BYPASS_ACTIVE:
		if (dump) {
			if (chance(50))
				put_vip_key(top, &k);
			break;
		}
		put_vip_key(top, &k);
		n = put_dest_key(top, LBNL_A_DEST, chance(95) ? k.v6 : !k.v6,
				 c->cmd == LBNL_CMD_DEST_NEW ||
				 c->cmd == LBNL_CMD_DEST_SET);
		/* a state condition: DEST_SET's alone (others refuse it) */
		if (n && c->cmd == LBNL_CMD_DEST_SET && chance(20))
			na_u8(n, LBNL_A_DEST_STATE_IF,
			      rnd(LBNL_DEST_STATE_MAX + 1));
		break;
	case LBNL_CMD_FLUSH:
	case LBNL_CMD_MIGRATE_GET:
	case LBNL_CMD_TAG_DEL:
	case LBNL_CMD_TAG_GET:
		break;
	case LBNL_CMD_TAG_SET: {
		uint8_t key[LBNL_TAG_KEY_LEN];
		unsigned int i;

		for (i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)rnd64();
		n = na_nest(top, LBNL_A_TAG);
		na_leaf(n, LBNL_A_TAG_KEY, key, sizeof(key));
		break;
	}
	case LBNL_CMD_CONN_FLUSH:
		/* all, a VIP's, a dest's; now and then a dest without a VIP */
		if (chance(60))
			put_vip_key(top, &k);
		if (chance(40))
			put_dest_key(top, LBNL_A_DEST, k.v6, false);
		break;
	case LBNL_CMD_CONN_GET:
	case LBNL_CMD_STATS_GET:
		if (chance(50) && (dump || c->cmd != LBNL_CMD_STATS_GET))
			put_vip_key(top, &k);
		break;
	case LBNL_CMD_CONN_DEL:
		if (nflows && chance(80)) {
			struct peer_flow *f = &flows[rnd(nflows)];

			k.v6 = f->v6;
			k.addr = f->v6 ? vip6[rnd(2)] : vip4[rnd(2)];
			k.proto = IPPROTO_UDP;
			put_vip_key(top, &k);
			n = na_nest(top, LBNL_A_CONN);
			na_leaf(n, LBNL_A_CONN_PEER_ADDR,
				f->v6 ? peer6 : peer4, f->v6 ? 16 : 4);
			na_u16(n, LBNL_A_CONN_PEER_PORT, f->port);
		} else {
			put_vip_key(top, &k);
			n = na_nest(top, LBNL_A_CONN);
			na_leaf(n, LBNL_A_CONN_PEER_ADDR,
				k.v6 ? peer6 : peer4, k.v6 ? 16 : 4);
			na_u16(n, LBNL_A_CONN_PEER_PORT, 40000 + rnd(64));
		}
		break;
	case LBNL_CMD_CONN_NEW: {
		uint8_t a[16];

		k.proto = chance(90) ? IPPROTO_SCTP : k.proto;
		put_vip_key(top, &k);
		n = na_nest(top, LBNL_A_CONN);
		na_leaf(n, LBNL_A_CONN_PEER_ADDR, k.v6 ? peer6 : peer4,
			k.v6 ? 16 : 4);
		na_u16(n, LBNL_A_CONN_PEER_PORT, 40000 + rnd(64));
		na_u32(n, LBNL_A_CONN_MY_VTAG, 1 + rnd(1000));
		if (chance(50))
			na_u32(n, LBNL_A_CONN_PEER_VTAG, (uint32_t)rnd64());
		dest_addr(k.v6, rnd(4), a);
		na_leaf(n, LBNL_A_CONN_DEST_ADDR, a, k.v6 ? 16 : 4);
		if (chance(50))
			na_u16(n, LBNL_A_CONN_DEST_PORT, VIP_PORT);
		break;
	}
	case LBNL_CMD_MIGRATE_START:
	case LBNL_CMD_MIGRATE_COMMIT:
	case LBNL_CMD_MIGRATE_ABORT:
		k.proto = chance(90) ? IPPROTO_SCTP : k.proto;
		put_vip_key(top, &k);
		n = na_nest(top, LBNL_A_MIGRATE);
		if (chance(50)) {
			na_u32(n, LBNL_A_MIGRATE_VTAG, (uint32_t)rnd64());
		} else {
			na_leaf(n, LBNL_A_MIGRATE_PEER_ADDR,
				k.v6 ? peer6 : peer4, k.v6 ? 16 : 4);
			na_u16(n, LBNL_A_MIGRATE_PEER_PORT, 40000 + rnd(64));
		}
		if (c->cmd == LBNL_CMD_MIGRATE_START) {
			if (chance(40))
				put_dest_key(n, LBNL_A_MIGRATE_TARGET, k.v6,
					     false);
			if (chance(40))
				na_u32(n, LBNL_A_MIGRATE_TIMEOUT_MS,
				       10 + rnd(1000));
		}
		break;
	}
}

/* --- mutations ------------------------------------------------------------- */

/* What a mutation did to the request (the oracle's knowledge of it). */
struct mut {
	bool must_fail;		/* the policies must refuse it */
	bool raw;		/* bytes changed after serialization */
	char desc[256];
};

static void mdesc(struct mut *m, const char *fmt, ...)
{
	size_t l = strlen(m->desc);
	va_list ap;

	if (l + 2 >= sizeof(m->desc))
		return;
	if (l)
		m->desc[l++] = ',';
	va_start(ap, fmt);
	vsnprintf(m->desc + l, sizeof(m->desc) - l, fmt, ap);
	va_end(ap);
}

/*
 * Every attribute of the tree, with its parent, the layout of its level and
 * what the command's policy makes of it: whether its level is validated
 * (strictly: the whole path from the top is in the policy), the highest
 * type there, and the attribute's kind in the policy (K_NONE: not in it).
 */
struct aref {
	struct na *a, *parent;
	const struct layout *l;
	bool val;
	int max;
	int kind;
};

static const struct cmd *cur_cmd;
static int cur_fam;

/* The kind of a top-level attribute in the policy of the current command. */
static int top_kind(int t)
{
	int c = cur_cmd ? cur_cmd->cmd : -1;

	if (cur_fam == FAM_SRV && c == LBNL_SRV_CMD_TAG_SET)
		return t == LBNL_SRV_A_TAG ? K_NEST : K_NONE;
	if (cur_fam == FAM_SRV && (c == LBNL_SRV_CMD_TAG_DEL ||
				   c == LBNL_SRV_CMD_TAG_GET))
		return K_NONE;
	if (cur_fam == FAM_SRV)
		return t == LBNL_SRV_A_ASSOC ? K_NEST :
		       t == LBNL_SRV_A_TIMEOUT_MS ? K_U32 : K_NONE;
	if (c == LBNL_CMD_FLUSH)
		return K_NONE;
	if (t == LBNL_A_VIP)
		return K_NEST;
	if (t == LBNL_A_DEST)
		return c == LBNL_CMD_DEST_NEW || c == LBNL_CMD_DEST_SET ||
		       c == LBNL_CMD_DEST_DEL || c == LBNL_CMD_DEST_GET ||
		       c == LBNL_CMD_BYPASS_ACTIVE ||
		       c == LBNL_CMD_CONN_FLUSH ? K_NEST : K_NONE;
	if (t == LBNL_A_CONN)
		return c == LBNL_CMD_CONN_GET || c == LBNL_CMD_CONN_DEL ||
		       c == LBNL_CMD_CONN_NEW ? K_NEST : K_NONE;
	if (t == LBNL_A_MIGRATE)
		return c >= LBNL_CMD_MIGRATE_START &&
		       c <= LBNL_CMD_MIGRATE_GET ? K_NEST : K_NONE;
	if (t == LBNL_A_TAG)
		return c >= LBNL_CMD_TAG_SET &&
		       c <= LBNL_CMD_TAG_GET ? K_NEST : K_NONE;
	return K_NONE;
}

static int collect(struct na *parent, const struct layout *l, bool val,
		   int max, struct aref *out, int n, int nmax)
{
	int i;

	for (i = 0; i < parent->nk && n < nmax; i++) {
		struct na *a = parent->k[i];
		int t = a->type & NLA_TYPE_MASK, kind = K_NONE;
		const struct layout *sub = NULL;

		if (val && t && t <= max)
			kind = !l || l == fams[cur_fam].top ? top_kind(t) :
			       l->a[t].kind;
		if (l && t <= l->max && l->a[t].kind == K_NEST)
			sub = l->a[t].sub;
		out[n++] = (struct aref){ a, parent, l, val, max, kind };
		if (a->nest)
			n = collect(a, sub, val && kind == K_NEST && sub,
				    sub ? sub->max : 0, out, n, nmax);
	}
	return n;
}

/* The largest value the policy takes for an attribute (U8 enums). */
static int policy_max(const struct layout *l, int t)
{
	if (l == &vip_l && (t == LBNL_A_VIP_MODE || t == LBNL_A_VIP_SCHED ||
			    t == LBNL_A_VIP_BYPASS))
		return 1;
	if (l == &dest_l && (t == LBNL_A_DEST_STATE ||
			     t == LBNL_A_DEST_STATE_IF))
		return LBNL_DEST_STATE_MAX;
	return -1;
}

/* Fixed integer length of an attribute kind, 0 if not fixed. */
static int kind_len(int k)
{
	switch (k) {
	case K_U8: return 1;
	case K_U16: return 2;
	case K_U32: return 4;
	case K_U64: return 8;
	}
	return 0;
}

/* Read-only (NLA_REJECT) attribute types, per layout, in requests. */
static int read_only_type(const struct layout *l)
{
	static const int vip_ro[] = { LBNL_A_VIP_FLAGS, LBNL_A_VIP_DEST_COUNT,
		LBNL_A_VIP_ACTIVE_DESTS, LBNL_A_VIP_ROUTER,
		LBNL_A_VIP_BYPASS_DEST, LBNL_A_VIP_CHANGED_MS,
		LBNL_A_VIP_PAD };
	static const int mig_ro[] = { LBNL_A_MIGRATE_ID, LBNL_A_MIGRATE_SOURCE,
		LBNL_A_MIGRATE_STATE, LBNL_A_MIGRATE_AGE_MS,
		LBNL_A_MIGRATE_BUFFERED, LBNL_A_MIGRATE_BUFFERED_MAX,
		LBNL_A_MIGRATE_REASON, LBNL_A_MIGRATE_PAD };
	static const int tag_ro[] = { LBNL_SRV_A_TAG_FINGERPRINT,
		LBNL_SRV_A_TAG_HOOK, LBNL_SRV_A_TAG_CHOSEN,
		LBNL_SRV_A_TAG_MISSED };
	static const int assoc_ro[] = { LBNL_A_ASSOC_STATE, LBNL_A_ASSOC_ID,
		LBNL_A_ASSOC_STYLE, LBNL_A_ASSOC_UNACKED, LBNL_A_ASSOC_PENDING,
		LBNL_A_ASSOC_UNREAD, LBNL_A_ASSOC_SILENCED,
		LBNL_A_ASSOC_MIGRATABLE, LBNL_A_ASSOC_REASON };

	if (l == &vip_l)
		return vip_ro[rnd(sizeof(vip_ro) / sizeof(vip_ro[0]))];
	if (l == &conn_l && cur_cmd && cur_cmd->cmd == LBNL_CMD_CONN_NEW)
		return LBNL_A_CONN_STATE + rnd(LBNL_A_CONN_BYTES -
					       LBNL_A_CONN_STATE + 1);
	if (l == &conn_l)
		return LBNL_A_CONN_DEST_ADDR + rnd(LBNL_A_CONN_PEER_VTAG -
						   LBNL_A_CONN_DEST_ADDR + 1);
	if (l == &mig_l)
		return mig_ro[rnd(sizeof(mig_ro) / sizeof(mig_ro[0]))];
	if (l == &assoc_l)
		return assoc_ro[rnd(sizeof(assoc_ro) / sizeof(assoc_ro[0]))];
	if (l == &tag_l)
		return LBNL_A_TAG_FINGERPRINT + rnd(LBNL_A_TAG_PAD -
						    LBNL_A_TAG_FINGERPRINT + 1);
	if (l == &srv_tag_l)
		return tag_ro[rnd(sizeof(tag_ro) / sizeof(tag_ro[0]))];
	return -1;
}

static void fill_random(uint8_t *p, int len)
{
	int i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd64();
}

static void special_value(struct na *a)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100,
		0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
		0xffffffff, 600000, 600001, 9, 10, 65535, 65536,
		0xffffffffffffffffULL };
	uint64_t x = v[rnd(sizeof(v) / sizeof(v[0]))];

	if (a->len > 0 && a->len <= 8)
		memcpy(a->d, &x, a->len);
}

static void bad_address(struct na *a)
{
	static const uint8_t bad4[][4] = { { 0, 0, 0, 0 }, { 255, 255, 255, 255 },
		{ 224, 0, 0, 1 }, { 127, 0, 0, 1 }, { 0, 1, 2, 3 } };
	static const uint8_t bad6[][16] = { { 0 }, { 0xff, 0x02, [15] = 1 },
		{ [15] = 1 }, { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 } };

	if (a->len == 4) {
		memcpy(a->d, bad4[rnd(5)], 4);
	} else if (a->len == 16) {
		memcpy(a->d, bad6[rnd(4)], 16);
	} else {
		a->d = d_alloc(16);
		a->len = 5 + rnd(11);
		fill_random(a->d, a->len);
	}
}

/* One mutation of the tree at @top. */
static void mutate_tree(struct na *top, const struct layout *tl, struct mut *m)
{
	struct aref refs[256];
	int n, i, t, k, fixed;
	struct aref *r;
	struct na *a, *b;

	n = collect(top, tl, true, cur_cmd ? cur_cmd->maxattr : 0, refs, 0, 256);
	if (!n) {
		/* something where nothing is expected */
		a = na_u32(top, 1 + rnd(8), (uint32_t)rnd64());
		mdesc(m, "add top attr %d", a ? a->type : -1);
		if (a && (!cur_cmd || (int)a->type > cur_cmd->maxattr ||
			  cur_cmd->cmd == LBNL_CMD_FLUSH ||
			  top_kind(a->type) == K_NEST))
			m->must_fail = true;
		return;
	}
	r = &refs[rnd(n)];
	a = r->a;
	t = a->type & NLA_TYPE_MASK;
	fixed = kind_len(r->kind);
	switch (rnd(17)) {
	case 0:		/* another type */
		k = rnd(3);
		a->type = (a->type & ~NLA_TYPE_MASK) |
			  (k == 0 ? rnd(r->l ? r->l->max + 3 : 40) :
			   k == 1 ? 0 : (rnd(2) ? 0x3fff : 255));
		k = a->type & NLA_TYPE_MASK;
		mdesc(m, "type %d->%d", t, k);
		if (r->val && (k == 0 || k > r->max))
			m->must_fail = true;	/* strict: unknown type */
		break;
	case 1:		/* unknown type above the maximum */
		if (!r->l)
			break;
		b = na_u32(r->parent, r->max + 1 + rnd(20), 1);
		mdesc(m, "add unknown type %d", b ? b->type : -1);
		if (r->val)
			m->must_fail = true;
		break;
	case 2:		/* read-only attribute */
		k = read_only_type(r->l);
		if (k < 0)
			break;
		na_u32(r->parent, k, (uint32_t)rnd64());
		mdesc(m, "add read-only %d", k);
		if (r->val)
			m->must_fail = true;
		break;
	case 3:		/* length of a leaf */
		if (a->nest)
			break;
		k = rnd(8);
		{
			int old = a->len, nl;

			nl = k == 0 ? 0 : k == 1 ? old + 1 : k == 2 ? old - 1 :
			     k == 3 ? 1 + (int)rnd(3) :
			     k == 4 ? 5 + (int)rnd(11) :
			     k == 5 ? 17 + (int)rnd(40) :
			     k == 6 ? 256 + (int)rnd(4000) : old * 2;
			if (nl < 0)
				nl = 0;
			a->d = d_alloc(nl);
			fill_random(a->d, nl);
			a->len = nl;
			mdesc(m, "len of %d %d->%d", t, old, nl);
			if (fixed && nl != fixed)
				m->must_fail = true;
		}
		break;
	case 4:		/* boundary values */
		if (a->nest)
			break;
		special_value(a);
		mdesc(m, "value of %d", t);
		k = policy_max(r->l, t);
		if (r->kind != K_NONE && k >= 0 && a->len == 1 && a->d[0] > k)
			m->must_fail = true;
		break;
	case 5:		/* bad address */
		if (a->nest || (a->len != 4 && a->len != 16))
			break;
		bad_address(a);
		mdesc(m, "address %d (len %d)", t, a->len);
		break;
	case 6:		/* nest -> flat */
		if (!a->nest)
			break;
		a->nest = false;
		a->type &= ~NLA_F_NESTED;
		a->len = rnd(2) ? 4 : rnd(64);
		a->d = d_alloc(a->len);
		fill_random(a->d, a->len);
		mdesc(m, "nest %d flattened", t);
		if (r->kind == K_NEST)
			m->must_fail = true;	/* NLA_F_NESTED missing */
		break;
	case 7:		/* flat -> nest */
		if (a->nest)
			break;
		b = na_clone(a, 0);
		a->nest = true;
		a->type |= NLA_F_NESTED;
		a->nk = 0;
		na_add(a, b);
		mdesc(m, "leaf %d nested", t);
		if (r->kind != K_NONE && r->kind != K_NEST)
			m->must_fail = true;	/* NLA_F_NESTED not expected */
		break;
	case 8:		/* deep nesting */
		k = 2 + rnd(40);
		b = na_clone(a, 0);
		for (i = 0; i < k && b; i++) {
			struct na *w = na_new(rnd(2) ? t : (uint16_t)rnd(8), true);

			if (!w)
				break;
			na_add(w, b);
			b = w;
		}
		na_add(r->parent, b);
		mdesc(m, "deep %d x%d", t, k);
		break;
	case 9:		/* duplicate */
		na_add(r->parent, na_clone(a, 0));
		mdesc(m, "dup %d", t);
		break;
	case 10:	/* remove */
		for (i = 0; i < r->parent->nk; i++)
			if (r->parent->k[i] == a) {
				memmove(&r->parent->k[i], &r->parent->k[i + 1],
					(r->parent->nk - i - 1) * sizeof(a));
				r->parent->nk--;
				break;
			}
		mdesc(m, "remove %d", t);
		break;
	case 11:	/* move to another level */
		b = na_clone(a, 0);
		k = rnd(n);
		if (refs[k].a->nest)
			na_add(refs[k].a, b);
		else
			na_add(top, b);
		mdesc(m, "move %d", t);
		break;
	case 12:	/* NLA_F_NESTED / NET_BYTEORDER flipped */
		k = rnd(2) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
		a->type ^= k;
		mdesc(m, "flag %#x on %d", k, t);
		if (k == NLA_F_NESTED && r->kind != K_NONE)
			m->must_fail = true;
		break;
	case 13:	/* garbage after the payload, inside the attribute */
		a->pad_extra = 1 + rnd(7);
		mdesc(m, "trailing %d in %d", a->pad_extra, t);
		if (fixed || (r->kind == K_NEST && a->pad_extra < NLA_HDRLEN))
			m->must_fail = true;
		break;
	case 14:	/* nla_len lies */
		k = rnd(5);
		a->lenfix = k == 0 ? 0 : k == 1 ? 1 + rnd(3) :
			    k == 2 ? 0xffff : k == 3 ? NLA_HDRLEN + rnd(64) :
			    NLA_HDRLEN + a->len + 1 + rnd(8);
		mdesc(m, "nla_len of %d = %d", t, a->lenfix);
		m->raw = true;	/* framing of the rest is undefined */
		break;
	case 15:	/* empty nest / empty leaf */
		if (a->nest) {
			a->nk = 0;
			mdesc(m, "empty nest %d", t);
		} else {
			a->len = 0;
			mdesc(m, "empty leaf %d", t);
			if (fixed)
				m->must_fail = true;
		}
		break;
	default:	/* random leaf at that level */
		b = na_leaf(r->parent, rnd(r->l ? r->l->max + 2 : 20), NULL,
			    rnd(20));
		if (b)
			fill_random(b->d, b->len);
		mdesc(m, "random leaf %d", b ? b->type : -1);
		if (b && r->val && (!b->type || b->type > r->max))
			m->must_fail = true;
		break;
	}
}

/* --- sockets ----------------------------------------------------------------- */

struct sock {
	int fd;
	uint32_t portid;
};

static uint32_t seq_next = 1000;
static uint8_t rbuf[RECV_MAX];

static int sock_open(struct sock *s, int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	socklen_t sl = sizeof(sa);
	int one = 1;

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (rcvbuf)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(s->fd);
		return -errno;
	}
	s->portid = sa.nl_pid;
	return 0;
}

static void sock_close(struct sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int send_raw(struct sock *s, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(s->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* Build a message: header, genl header, the tree's children. */
static int build_msg(uint8_t *buf, int cap, uint16_t type, uint16_t flags,
		     uint8_t cmd, struct na *top)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);
	int len = NLMSG_HDRLEN + GENL_HDRLEN, i, n;

	memset(buf, 0, len);
	for (i = 0; top && i < top->nk; i++) {
		n = na_put(buf + len, cap - len, top->k[i]);
		if (n < 0)
			break;
		len += n;
	}
	h->nlmsg_len = len;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq_next++;
	g->cmd = cmd;
	g->version = 1;
	return len;
}

/* --- checking what comes back ---------------------------------------------- */

/* Check attributes against a layout; -1 (and a failure) if malformed. */
static int check_attrs(const uint8_t *p, int rem, const struct layout *l,
		       const char *where, int depth)
{
	int seen[64] = { 0 };

	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		int t = a->nla_type & NLA_TYPE_MASK, plen, kind;
		const uint8_t *d = p + NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem) {
			fail("%s: attribute %d: nla_len %u, %d bytes left",
			     where, t, a->nla_len, rem);
			return -1;
		}
		plen = a->nla_len - NLA_HDRLEN;
		if (a->nla_type & NLA_F_NET_BYTEORDER) {
			fail("%s: attribute %d has NLA_F_NET_BYTEORDER", where, t);
			return -1;
		}
		if (t > l->max || l->a[t].kind == K_NONE) {
			fail("%s: unknown attribute %d (len %d)", where, t, plen);
			return -1;
		}
		kind = l->a[t].kind;
		if (l == &srv_tag_l && t == LBNL_SRV_A_TAG_KEY) {
			fail("%s: the tag key in a reply", where);
			return -1;
		}
		if (!l->list && t < 64 && seen[t]++ && kind != K_PAD) {
			fail("%s: attribute %d twice", where, t);
			return -1;
		}
		if (kind_len(kind) && plen != kind_len(kind)) {
			fail("%s: attribute %d: %d bytes, want %d", where, t,
			     plen, kind_len(kind));
			return -1;
		}
		if ((kind == K_ADDR && plen != 4 && plen != 16) ||
		    (kind == K_BIN4 && plen % 4) ||
		    (kind == K_STR && (!plen || d[plen - 1] ||
				       strlen((const char *)d) != (size_t)plen - 1))) {
			fail("%s: attribute %d: bad payload (%d bytes)", where, t,
			     plen);
			return -1;
		}
		if ((a->nla_type & NLA_F_NESTED) && kind != K_NEST) {
			fail("%s: attribute %d: NLA_F_NESTED on a leaf", where, t);
			return -1;
		}
		if (kind == K_NEST &&
		    (depth > 8 || check_attrs(d, plen, l->a[t].sub, where,
					      depth + 1)))
			return -1;
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	if (rem) {
		fail("%s: %d trailing bytes after the attributes", where, rem);
		return -1;
	}
	return 0;
}

static int fam_of_type(uint16_t type)
{
	int f;

	for (f = 0; f < NFAM; f++)
		if (fams[f].id && fams[f].id == type)
			return f;
	return -1;
}

/* A genl message of one of our families (reply or event). */
static int check_genl(const struct nlmsghdr *h, const char *where)
{
	int f = fam_of_type(h->nlmsg_type);
	const struct genlmsghdr *g = NLMSG_DATA(h);
	int hl = NLMSG_HDRLEN + GENL_HDRLEN;

	if (f < 0) {
		fail("%s: message of type %u", where, h->nlmsg_type);
		return -1;
	}
	if ((int)h->nlmsg_len < hl) {
		fail("%s: %s message of %u bytes", where, fams[f].name,
		     h->nlmsg_len);
		return -1;
	}
	if (!g->cmd || g->cmd >= fams[f].ncmds || g->version != 1 ||
	    g->reserved) {
		fail("%s: %s genl header cmd %u version %u reserved %u", where,
		     fams[f].name, g->cmd, g->version, g->reserved);
		return -1;
	}
	return check_attrs((const uint8_t *)h + hl, h->nlmsg_len - hl,
			   fams[f].top, where, 0);
}

/* The extended ack attributes after an NLMSG_ERROR / NLMSG_DONE. */
struct ext {
	const char *msg;
	bool has_offs;
	uint32_t offs;
	bool has_miss_nest;
	uint32_t miss_nest;
};

static int check_ext(const uint8_t *p, int rem, struct ext *e)
{
	memset(e, 0, sizeof(*e));
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		int plen;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem) {
			fail("extack: nla_len %u of %d", a->nla_len, rem);
			return -1;
		}
		plen = a->nla_len - NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			if (!plen || p[NLA_HDRLEN + plen - 1]) {
				fail("extack message not a string");
				return -1;
			}
			e->msg = (const char *)p + NLA_HDRLEN;
			if (!*e->msg)
				fail("extack: empty message");
			break;
		case NLMSGERR_ATTR_OFFS:
		case NLMSGERR_ATTR_MISS_TYPE:
		case NLMSGERR_ATTR_MISS_NEST:
			if (plen != 4) {
				fail("extack attribute %d: %d bytes",
				     a->nla_type, plen);
				return -1;
			}
			if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_OFFS) {
				e->has_offs = true;
				memcpy(&e->offs, p + NLA_HDRLEN, 4);
			} else if ((a->nla_type & NLA_TYPE_MASK) ==
				   NLMSGERR_ATTR_MISS_NEST) {
				e->has_miss_nest = true;
				memcpy(&e->miss_nest, p + NLA_HDRLEN, 4);
			}
			break;
		case NLMSGERR_ATTR_COOKIE:
		case NLMSGERR_ATTR_POLICY:
			break;
		default:
			fail("extack: unknown attribute %d", a->nla_type);
			return -1;
		}
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

/* What each request in flight is, and what came back for it. */
struct req {
	uint32_t seq;
	int fam;		/* -1: not one of ours */
	uint8_t cmd;
	uint16_t flags;
	uint32_t len;		/* its nlmsg_len */
	bool processed;		/* the kernel's framing reaches it */
	bool dump;
	bool must_fail;
	bool want_eperm;	/* -U: an admin command that must get EPERM */
	bool admin;
	int nterm;		/* NLMSG_ERROR / NLMSG_DONE seen */
	int err;
	bool has_msg;
	int nreplies;
	bool dump_open;
	const uint8_t *bytes;	/* what was sent */
	char desc[96];		/* its mutations */
};

#define MAX_INFLIGHT 64
#define MAX_BATCH 8
static struct req inflight[MAX_INFLIGHT];
static int ninflight;

/* Refusals without an extended ack message: (command, errno), an example. */
struct nomsg {
	uint8_t cmd;
	int err;
	unsigned long n;
	char example[96];
};

/* Statistics. */
struct stats {
	struct nomsg nomsg[48];
	int nnomsg;
	uint64_t us, slowest_us;	/* time in rounds, the slowest one */
	char slowest[128];
	unsigned long msgs, mutated, acked, replies, dumps, dump_parts,
		      dump_intr, eperm, noreply, events;
	unsigned long errno_count[140];
	unsigned long nomsg_by_cmd[32];
	unsigned long ok_by_cmd[32], refused_by_cmd[32];
};
static struct stats st[NFAM];
static bool unpriv;		/* -U child */
static bool unpriv_parent;	/* -U parent */

static struct req *req_of(uint32_t seq)
{
	int i;

	for (i = 0; i < ninflight; i++)
		if (inflight[i].seq == seq)
			return &inflight[i];
	return NULL;
}

/* Check one message received on @s for the requests in flight. */
static void got_msg(struct sock *s, const struct nlmsghdr *h, uint32_t sync_seq,
		    bool *sync_done)
{
	struct req *r;
	char where[96];

	if (h->nlmsg_pid != s->portid && h->nlmsg_pid != 0)
		fail("message for port %u on port %u", h->nlmsg_pid, s->portid);
	if (h->nlmsg_seq == sync_seq) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_type != NLMSG_ERROR || e->error)
			fail("sync: type %u error %d", h->nlmsg_type,
			     h->nlmsg_type == NLMSG_ERROR ? e->error : 0);
		*sync_done = true;
		return;
	}
	r = req_of(h->nlmsg_seq);
	if (!r) {
		fail("message type %u for seq %u, which is not in flight",
		     h->nlmsg_type, h->nlmsg_seq);
		return;
	}
	snprintf(where, sizeof(where), "seq %u cmd %u", r->seq, r->cmd);
	if (!r->processed)
		fail("%s: answer to a message the kernel should not have parsed",
		     where);

	if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) {
		const struct nlmsgerr *e = NLMSG_DATA(h);
		int hl, err;
		struct ext ext;

		r->nterm++;
		if (r->nterm > 1)
			fail("%s: %d answers (type %u)", where, r->nterm,
			     h->nlmsg_type);
		if (h->nlmsg_type == NLMSG_DONE) {
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int))) {
				fail("%s: NLMSG_DONE of %u bytes", where,
				     h->nlmsg_len);
				return;
			}
			if (!r->dump_open && !r->dump)
				fail("%s: NLMSG_DONE for a request that is no dump",
				     where);
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				fail("%s: NLMSG_DONE without NLM_F_MULTI", where);
			memcpy(&err, NLMSG_DATA(h), sizeof(err));
			hl = NLMSG_LENGTH(sizeof(int));
			r->dump_open = false;
		} else {
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
				fail("%s: NLMSG_ERROR of %u bytes", where,
				     h->nlmsg_len);
				return;
			}
			err = e->error;
			if (e->msg.nlmsg_seq != r->seq ||
			    e->msg.nlmsg_type != ((const struct nlmsghdr *)r->bytes)->nlmsg_type ||
			    e->msg.nlmsg_flags != r->flags ||
			    e->msg.nlmsg_len != r->len)
				fail("%s: NLMSG_ERROR echoes seq %u type %u flags %#x len %u",
				     where, e->msg.nlmsg_seq, e->msg.nlmsg_type,
				     e->msg.nlmsg_flags, e->msg.nlmsg_len);
			hl = NLMSG_LENGTH(sizeof(*e));
			if (err && !(h->nlmsg_flags & NLM_F_CAPPED))
				hl = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(int)) +
						 e->msg.nlmsg_len);
			if (r->dump_open)
				fail("%s: NLMSG_ERROR in the middle of a dump",
				     where);
		}
		if (err > 0 || err < -4095 || -err >= 512) {
			fail("%s: errno %d", where, err);
			err = -139;
		}
		r->err = err;
		if ((int)h->nlmsg_len > hl) {
			if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) &&
			    h->nlmsg_type == NLMSG_ERROR)
				fail("%s: bytes after the ack, no NLM_F_ACK_TLVS",
				     where);
			if (check_ext((const uint8_t *)h + hl, h->nlmsg_len - hl,
				      &ext) == 0) {
				r->has_msg = ext.msg != NULL;
				if (ext.has_offs && (ext.offs < NLMSG_HDRLEN ||
						     ext.offs >= r->len))
					fail("%s: extack offset %u outside the request (%u bytes)",
					     where, ext.offs, r->len);
				if (ext.has_miss_nest &&
				    (ext.miss_nest < NLMSG_HDRLEN ||
				     ext.miss_nest >= r->len))
					fail("%s: extack missing-nest offset %u outside the request",
					     where, ext.miss_nest);
			}
		} else if ((int)h->nlmsg_len < hl) {
			if (h->nlmsg_type == NLMSG_ERROR)
				fail("%s: error ack of %u bytes, want >= %d",
				     where, h->nlmsg_len, hl);
		}
		return;
	}

	/* a reply: doit or dump part */
	r->nreplies++;
	if (r->nterm)
		fail("%s: reply after the answer", where);
	if (r->fam < 0) {
		/* to another family (nlctrl...): its business */
		if (h->nlmsg_flags & NLM_F_MULTI)
			r->dump_open = true;
		return;
	}
	if (h->nlmsg_flags & NLM_F_MULTI) {
		r->dump_open = true;
		if (h->nlmsg_flags & NLM_F_DUMP_INTR && r->fam >= 0)
			st[r->fam].dump_intr++;
		if (r->fam >= 0)
			st[r->fam].dump_parts++;
	} else if (r->dump) {
		fail("%s: dump part without NLM_F_MULTI", where);
	}
	if (h->nlmsg_type != fams[r->fam >= 0 ? r->fam : 0].id)
		fail("%s: reply of type %u", where, h->nlmsg_type);
	if (r->want_eperm || (unpriv && r->admin))
		fail("%s: admin command answered in a user namespace", where);
	check_genl(h, where);
}

/* Receive on @s until @sync_seq is acked and no dump is open. */
static int drain(struct sock *s, uint32_t sync_seq)
{
	bool sync_done = false;
	int i, open;

	for (;;) {
		ssize_t n;
		struct nlmsghdr *h;
		int rem;

		open = 0;
		for (i = 0; i < ninflight; i++)
			open += inflight[i].dump_open;
		if (sync_done && !open)
			return 0;
		n = recv(s->fd, rbuf, sizeof(rbuf), MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("recv: %s (%s)", strerror(errno),
			     errno == EAGAIN ? "no answer within the timeout: hang?" :
			     "");
			return -1;
		}
		if (n > (ssize_t)sizeof(rbuf)) {
			fail("recv: message of %zd bytes", n);
			return -1;
		}
		rem = n;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, rem);
		     h = NLMSG_NEXT(h, rem))
			got_msg(s, h, sync_seq, &sync_done);
		if (rem)
			fail("recv: %d bytes of garbage after the messages", rem);
	}
}

static struct req *track(const uint8_t *buf, const struct cmd *c,
			 const struct mut *m);

/* The kernel's framing (netlink_rcv_skb): which messages it parses. */
static void mark_processed(const uint8_t *buf, int len)
{
	int off = 0;

	while (len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h = (const void *)(buf + off);
		struct req *r;
		int ml;

		if (h->nlmsg_len < NLMSG_HDRLEN ||
		    h->nlmsg_len > (uint32_t)(len - off))
			return;
		r = req_of(h->nlmsg_seq);
		if (!r) {
			/*
			 * Not one we meant: a cut or a lying nlmsg_len made
			 * the kernel find this one among the bytes of a
			 * batch. It is judged as the others are.
			 */
			r = track(buf + off, NULL, NULL);
		}
		if (r)
			r->processed = true;
		ml = (int)NLMSG_ALIGN(h->nlmsg_len);
		if (ml > len - off)
			ml = len - off;
		off += ml;
	}
}

/*
 * A refusal without a message. The generic netlink core's own refusals
 * (EPERM, EOPNOTSUPP: no such command or no dumpit/doit) have none.
 */
static void note_nomsg(struct stats *s, const struct req *r)
{
	int i;

	if (r->err == -EPERM || r->err == -EOPNOTSUPP)
		return;
	s->nomsg_by_cmd[r->cmd]++;
	for (i = 0; i < s->nnomsg; i++)
		if (s->nomsg[i].cmd == r->cmd && s->nomsg[i].err == r->err) {
			s->nomsg[i].n++;
			return;
		}
	if (s->nnomsg == 48)
		return;
	s->nomsg[s->nnomsg] = (struct nomsg){ r->cmd, r->err, 1, "" };
	snprintf(s->nomsg[s->nnomsg].example, 96, "%s", r->desc);
	s->nnomsg++;
}

/* Judge the answers to the requests in flight; then forget them. */
static void judge(void)
{
	int i;

	for (i = 0; i < ninflight; i++) {
		struct req *r = &inflight[i];
		bool req_flag = r->flags & NLM_F_REQUEST;
		bool ctl = ((const struct nlmsghdr *)r->bytes)->nlmsg_type <
			   NLMSG_MIN_TYPE;
		char where[64];

		snprintf(where, sizeof(where), "seq %u cmd %u flags %#x",
			 r->seq, r->cmd, r->flags);
		if (r->dump_open)
			fail("%s: dump never finished", where);
		if (!r->processed)
			continue;
		if ((r->flags & NLM_F_ACK) && !r->nterm)
			fail("%s: NLM_F_ACK but no answer", where);
		if ((!req_flag || ctl) && r->err)
			fail("%s: error %d for a message the kernel skips", where,
			     r->err);
		if (r->fam < 0 || !req_flag || ctl)
			continue;
		if (r->want_eperm && r->err != -EPERM)
			fail("%s: admin command in a user namespace: error %d, want EPERM",
			     where, r->err);
		if (unpriv && r->admin && r->nterm && !r->err)
			fail("%s: admin command succeeded in a user namespace",
			     where);
		if (r->must_fail && r->nterm && !r->err)
			fail("%s: invalid request accepted", where);
		/*
		 * The policies are checked before any handler runs and refuse
		 * with EINVAL or ERANGE: another errno (EEXIST, ENOENT, ...)
		 * means a handler saw what the policy should have refused.
		 * Only a dump can be refused earlier, by the core: EBUSY while
		 * the socket's previous dump runs (netlink_dump_start()).
		 */
		if (r->must_fail && r->nterm && r->err && r->err != -EINVAL &&
		    r->err != -ERANGE && !(r->dump && r->err == -EBUSY))
			fail("%s: invalid request refused by a handler (error %d), not by the policy",
			     where, r->err);
		if (r->must_fail && !r->nterm && r->nreplies)
			fail("%s: invalid request answered", where);
		if (r->nterm) {
			int e = -r->err;

			st[r->fam].errno_count[e < 139 ? e : 139]++;
			if (r->err && !r->has_msg && r->cmd < 32)
				note_nomsg(&st[r->fam], r);
			if (r->err == -EPERM)
				st[r->fam].eperm++;
			if (r->cmd < 32) {
				if (r->err)
					st[r->fam].refused_by_cmd[r->cmd]++;
				else
					st[r->fam].ok_by_cmd[r->cmd]++;
			}
		} else {
			st[r->fam].noreply++;
		}
		st[r->fam].replies += r->nreplies;
	}
	ninflight = 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* Send the sync (NLMSG_NOOP + NLM_F_ACK: acked with 0) and drain. */
static int sync_and_drain(struct sock *s)
{
	static uint32_t sync_seq;
	struct nlmsghdr h = {
		.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		/* apart from the requests' (and from what a cut makes) */
		.nlmsg_seq = 0xf0000000 | (++sync_seq & 0x0fffffff),
	};
	int err;

	err = send_raw(s, &h, sizeof(h));
	if (err) {
		fail("sending the sync: %s", strerror(-err));
		return -1;
	}
	err = drain(s, h.nlmsg_seq);
	judge();
	return err;
}

static uint8_t sendbufs[MAX_BATCH][MSG_MAX];

/* Register a message built in @buf as in flight. */
static struct req *track(const uint8_t *buf, const struct cmd *c,
			 const struct mut *m)
{
	const struct nlmsghdr *h = (const void *)buf;
	const struct genlmsghdr *g = NLMSG_DATA(h);
	struct req *r;

	if (ninflight >= MAX_INFLIGHT)
		return NULL;
	r = &inflight[ninflight++];
	memset(r, 0, sizeof(*r));
	r->seq = h->nlmsg_seq;
	r->flags = h->nlmsg_flags;
	r->len = h->nlmsg_len;
	r->bytes = buf;
	r->fam = fam_of_type(h->nlmsg_type);
	r->cmd = h->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN ? g->cmd : 0;
	r->dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (m)
		snprintf(r->desc, sizeof(r->desc), "%.90s", m->desc);
	if (r->fam >= 0) {
		const struct cmd *rc = find_cmd(r->fam, r->cmd);
		bool hdr_ok = h->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
			      !g->reserved &&
			      !((h->nlmsg_flags & ~NLM_F_DUMP) &
				~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) &&
			      ((h->nlmsg_flags & NLM_F_DUMP) == 0 ||
			       (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);

		r->admin = rc && (rc->flags & C_ADMIN);
		if (unpriv && r->admin && hdr_ok)
			r->want_eperm = true;
		if (m && m->must_fail && !m->raw && hdr_ok && rc &&
		    c == rc && !unpriv)
			r->must_fail = true;
	}
	return r;
}

/* --- one request: template, mutations, send ------------------------------- */

static struct sock S;		/* the fuzzing socket */
static struct sock EV;		/* events */

static void drain_events(void)
{
	for (;;) {
		ssize_t n = recv(EV.fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		struct nlmsghdr *h;
		int rem;

		if (n < 0) {
			if (errno == ENOBUFS)
				continue;	/* overrun: events lost, fine */
			return;
		}
		rem = n;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, rem);
		     h = NLMSG_NEXT(h, rem)) {
			int f = fam_of_type(h->nlmsg_type);

			if (h->nlmsg_seq || h->nlmsg_flags & NLM_F_MULTI)
				fail("event with seq %u flags %#x", h->nlmsg_seq,
				     h->nlmsg_flags);
			if (check_genl(h, "event") == 0 && f >= 0)
				st[f].events++;
		}
	}
}

static uint16_t random_flags(bool dump)
{
	static const uint16_t extra[] = { NLM_F_ECHO, NLM_F_ROOT, NLM_F_MATCH,
		NLM_F_ATOMIC, NLM_F_DUMP, NLM_F_REPLACE, NLM_F_EXCL,
		NLM_F_CREATE, NLM_F_APPEND, NLM_F_MULTI, NLM_F_DUMP_INTR,
		0x8000, 0x1000 };
	uint16_t f = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	int i, k = 1 + rnd(3);

	for (i = 0; i < k; i++)
		f ^= extra[rnd(sizeof(extra) / sizeof(extra[0]))];
	if (chance(15))
		f &= ~NLM_F_REQUEST;
	if (chance(50))
		f |= NLM_F_ACK;
	return f;
}

/* Byte-level damage to a serialized message of @len bytes; the new length. */
static int mutate_raw(uint8_t *buf, int len, struct mut *m, bool no_flips)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);
	int k, i, base = NLMSG_HDRLEN + GENL_HDRLEN, what;

	what = rnd(9);
	if (no_flips && what <= 3)
		what = 4;	/* no flips or cuts: the TIMEOUT stays */
	switch (what) {
	case 0:		/* truncated: nlmsg_len follows */
		k = rnd(len);
		h->nlmsg_len = k;
		mdesc(m, "truncated to %d", k);
		m->raw = true;
		return k < NLMSG_HDRLEN ? NLMSG_HDRLEN : k;
	case 1:		/* truncated: only the bytes (nlmsg_len lies) */
		k = NLMSG_HDRLEN + rnd(len - NLMSG_HDRLEN + 1);
		mdesc(m, "cut to %d of %u", k, h->nlmsg_len);
		m->raw = true;
		return k;
	case 2:		/* nlmsg_len bigger, or smaller, than sent */
		h->nlmsg_len = rnd(2) ? len + 1 + rnd(64) : base + rnd(8);
		mdesc(m, "nlmsg_len %u of %d", h->nlmsg_len, len);
		m->raw = true;
		return len;
	case 3:		/* bit flips in the attributes */
		if (len <= base)
			break;
		k = 1 + rnd(4);
		for (i = 0; i < k; i++)
			buf[base + rnd(len - base)] ^= (uint8_t)(1 << rnd(8));
		mdesc(m, "%d bit flips", k);
		m->raw = true;
		return len;
	case 4:		/* genl header */
		k = rnd(4);
		if (k == 0)
			g->reserved = 1 + rnd(0xffff);
		else if (k == 1)
			g->version = rnd(256);
		else
			g->cmd = rnd(2) ? (uint8_t)rnd(256) : (uint8_t)(10 + rnd(5));
		if (h->nlmsg_type == fams[FAM_SRV].id &&
		    g->cmd == LBNL_SRV_CMD_ASSOC_EXPORT && !no_flips)
			g->cmd = 200;	/* an EXPORT without a short TIMEOUT */
		mdesc(m, "genl hdr cmd %u version %u reserved %u", g->cmd,
		      g->version, g->reserved);
		m->raw = true;
		return len;
	case 5:		/* the other family, or no family */
		k = rnd(4);
		if (k == 1 && g->cmd == LBNL_SRV_CMD_ASSOC_EXPORT)
			k = 2;	/* an EXPORT without a short TIMEOUT */
		h->nlmsg_type = k == 0 ? fams[FAM_LB].id : k == 1 ?
				fams[FAM_SRV].id : k == 2 ? GENL_ID_CTRL :
				/* control types, or no family (never
				 * another family's commands) */
				(uint16_t)(rnd(2) ? rnd(NLMSG_MIN_TYPE) :
					   0x4000 + rnd(0xc000));
		mdesc(m, "type %u", h->nlmsg_type);
		m->raw = true;
		return len;
	case 6:		/* trailing bytes after the attributes */
		k = 1 + rnd(12);
		fill_random(buf + len, k);
		h->nlmsg_len = len + k;
		mdesc(m, "%d trailing bytes", k);
		m->raw = true;
		return len + k;
	case 7:		/* only the netlink header / a short genl header */
		k = NLMSG_HDRLEN + rnd(GENL_HDRLEN);
		h->nlmsg_len = k;
		mdesc(m, "header only (%d)", k);
		m->raw = true;
		return k;
	default:	/* a byte of nlmsg_len, flags, pid or the genl header */
		k = rnd(base - 6);
		buf[k < 4 ? k : k < 6 ? k + 2 : k + 6] ^= (uint8_t)rnd64();
		mdesc(m, "header byte");
		m->raw = true;
		return len;
	}
	return len;
}

/*
 * An EXPORT waits up to its TIMEOUT_MS for the association to be quiet: a
 * legitimate wait of up to 10 minutes. Keep the accepted ones short, 100
 * ms (the refused ones, above the maximum, stay as they are).
 */
static void clamp_export_wait(struct na *top)
{
	bool found = false;
	uint32_t v;
	int i;

	for (i = 0; i < top->nk; i++) {
		struct na *a = top->k[i];

		if ((a->type & NLA_TYPE_MASK) != LBNL_SRV_A_TIMEOUT_MS ||
		    a->nest || a->len != 4)
			continue;
		memcpy(&v, a->d, 4);
		if (v > 100 && v <= LBNL_SRV_EXPORT_TIMEOUT_MAX_MS) {
			v = 100;
			memcpy(a->d, &v, 4);
		}
		found = true;
	}
	/* none: the default, 5 s (srv_export_one() tries that one) */
	if (!found)
		na_u32(top, LBNL_SRV_A_TIMEOUT_MS, rnd(100));
}

/* Build, mutate and queue one request of family @fam into sendbufs[@slot]. */
static int make_request(int fam, int slot, bool *mutated, struct mut *m)
{
	const struct cmd *cmds, *c;
	int ncmds, total = 0, i, pick, len, nm;
	uint8_t *buf = sendbufs[slot];
	struct na *top;
	bool dump;
	uint16_t flags;
	uint8_t cmdno;

	cmds = cmds_of(fam, &ncmds);
	for (i = 0; i < ncmds; i++)
		total += cmds[i].weight;
	total += 1;			/* FLUSH and the unknown ones */
	pick = rnd(total + 2);
	c = NULL;
	for (i = 0; i < ncmds; i++) {
		if (pick < cmds[i].weight) {
			c = &cmds[i];
			break;
		}
		pick -= cmds[i].weight;
	}
	if (!c) {
		/* FLUSH (rarely), or a command that is not one */
		if (fam == FAM_LB && chance(15)) {
			c = find_cmd(FAM_LB, LBNL_CMD_FLUSH);
		} else {
			static const uint8_t lb_bad[] = { 0, 10, 11, 12, 13, 14,
				LBNL_CMD_VIP_BYPASS, LBNL_CMD_VIP_UNBYPASS,
				__LBNL_CMD_MAX, 200, 255 };
			static const uint8_t srv_bad[] = { 0, __LBNL_SRV_CMD_MAX,
				__LBNL_SRV_CMD_MAX + 1, 100, 255 };

			tree_reset();
			top = na_nest(NULL, 0);
			if (chance(50))
				put_vip_key(top, &(struct vkey){ 0, vip4[0],
								 VIP_PORT, 6 });
			cmdno = fam == FAM_LB ? lb_bad[rnd(sizeof(lb_bad))] :
				srv_bad[rnd(sizeof(srv_bad))];
			len = build_msg(buf, MSG_MAX, fams[fam].id,
					random_flags(chance(30)), cmdno, top);
			snprintf(m->desc, sizeof(m->desc), "unknown cmd %u", cmdno);
			*mutated = true;
			return len;
		}
	}

	dump = (c->flags & C_DUMP) && (!(c->flags & C_DO) || chance(50));
	tree_reset();
	top = na_nest(NULL, 0);
	build_template(fam, c, top, dump);
	flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0) |
		(chance(85) ? NLM_F_ACK : 0);
	cmdno = c->cmd;
	memset(m, 0, sizeof(*m));
	*mutated = false;
	cur_cmd = c;
	cur_fam = fam;
	nm = chance(25) ? 0 : 1 + rnd(4);
	for (i = 0; i < nm; i++) {
		switch (rnd(10)) {
		case 0:
			flags = random_flags(dump);
			mdesc(m, "flags %#x", flags);
			break;
		case 1:		/* another command of the family */
			cmdno = cmds[rnd(ncmds)].cmd;
			mdesc(m, "cmd %u->%u", c->cmd, cmdno);
			m->must_fail = false;
			break;
		default:
			mutate_tree(top, fams[fam].top, m);
		}
		*mutated = true;
	}
	if (fam == FAM_SRV && cmdno == LBNL_SRV_CMD_ASSOC_EXPORT)
		clamp_export_wait(top);
	len = build_msg(buf, MSG_MAX - 64, fams[fam].id, flags, cmdno, top);
	if (cmdno != c->cmd || nm > 1)
		m->must_fail = false;	/* the policy is the other one's, or
					 * a later mutation may undo it */
	/* (no bit flips in an EXPORT: they could make a long wait of it) */
	if (chance(nm ? 12 : 0))
		len = mutate_raw(buf, len, m, fam == FAM_SRV &&
				 cmdno == LBNL_SRV_CMD_ASSOC_EXPORT);
	if (!m->desc[0])
		snprintf(m->desc, sizeof(m->desc), "valid");
	return len;
}

/*
 * Send @n requests (separate sendmsg each, or one batch), then sync and
 * check. Returns -1 on a transport failure.
 */
static int fuzz_round(int fam, int n, bool batch)
{
	static uint8_t bbuf[MAX_BATCH * MSG_MAX];
	int lens[MAX_BATCH], i, k, blen = 0, err;
	uint64_t t0;
	struct mut muts[MAX_BATCH];
	bool mutated;
	static char what[512];

	for (i = 0; i < n; i++) {
		const struct cmd *c;
		const struct genlmsghdr *g;

		memset(&muts[i], 0, sizeof(muts[i]));
		lens[i] = make_request(fam, i, &mutated, &muts[i]);
		g = NLMSG_DATA((struct nlmsghdr *)sendbufs[i]);
		c = find_cmd(fam, g->cmd);
		track(sendbufs[i], c, &muts[i]);
		st[fam].msgs++;
		st[fam].mutated += mutated;
	}
	snprintf(what, sizeof(what), "%s %s%s", fams[fam].name, muts[0].desc,
		 n > 1 ? " (+more)" : "");
	cur_what = what;
	if (batch) {
		for (i = 0; i < n; i++) {
			if (blen + lens[i] > (int)sizeof(bbuf))
				break;
			memcpy(bbuf + blen, sendbufs[i], lens[i]);
			/* the framing of a batch goes by the aligned length */
			k = i < n - 1 ? (int)NLMSG_ALIGN(lens[i]) : lens[i];
			memset(bbuf + blen + lens[i], 0, k - lens[i]);
			blen += k;
		}
		mark_processed(bbuf, blen);
		err = send_raw(&S, bbuf, blen);
		if (err && err != -EINVAL && err != -EMSGSIZE)
			fail("send (batch of %d, %d bytes): %s", n, blen,
			     strerror(-err));
		for (i = 0; err && i < ninflight; i++)
			inflight[i].processed = false;
	} else {
		for (i = 0; i < n; i++) {
			mark_processed(sendbufs[i], lens[i]);
			err = send_raw(&S, sendbufs[i], lens[i]);
			if (err && err != -EINVAL && err != -EMSGSIZE)
				fail("send (%d bytes): %s", lens[i],
				     strerror(-err));
			if (err)
				inflight[i].processed = false;
		}
	}
	t0 = now_us();
	err = sync_and_drain(&S);
	t0 = now_us() - t0;
	st[fam].us += t0;
	if (t0 > st[fam].slowest_us) {
		st[fam].slowest_us = t0;
		snprintf(st[fam].slowest, sizeof(st[fam].slowest), "%.100s", what);
	}
	if (nfail && verbose) {
		static unsigned long shown;

		if (shown != nfail) {
			shown = nfail;
			for (i = 0; i < n; i++) {
				printf("#   request %d: %s\n", i, muts[i].desc);
				hexdump(sendbufs[i], lens[i]);
			}
		}
	}
	drain_events();
	cur_what = "";
	return err;
}

/* --- valid requests for the set-up, and dumps ---------------------------- */

/* One valid request, acked; its error. Replies go to @cb. */
typedef void (*reply_fn)(const struct nlmsghdr *h, void *arg);

static int do_req(struct sock *s, int fam, uint8_t cmd, uint16_t flags,
		  struct na *top, reply_fn cb, void *arg)
{
	static uint8_t buf[MSG_MAX];
	int len = build_msg(buf, sizeof(buf), fams[fam].id, flags, cmd, top);
	uint32_t seq = ((struct nlmsghdr *)buf)->nlmsg_seq;
	int err = 1;

	if (send_raw(s, buf, len))
		return -errno;
	for (;;) {
		ssize_t n = recv(s->fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *h;
		int rem;

		if (n < 0) {
			fail("recv (set-up, cmd %u): %s", cmd, strerror(errno));
			return -errno;
		}
		rem = n;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, rem);
		     h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				if (!(flags & NLM_F_DUMP) || err)
					return err;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				memcpy(&err, NLMSG_DATA(h), sizeof(err));
				return err;
			} else {
				check_genl(h, "set-up reply");
				if (cb)
					cb(h, arg);
			}
		}
	}
}

static int lb_req(struct sock *s, uint8_t cmd, struct na *top)
{
	return do_req(s, FAM_LB, cmd, NLM_F_REQUEST | NLM_F_ACK, top, NULL,
		      NULL);
}

/* VIPs and dests to fuzz with. */
static int setup_lb(struct sock *s)
{
	int v6, p, mode, d, err, bad = 0;
	struct na *top, *n;
	uint8_t a[16];

	for (v6 = 0; v6 < 2; v6++)
		for (p = 0; p < 3; p++)
			for (mode = 0; mode < 2; mode++) {
				struct vkey k = { v6, v6 ? vip6[mode] : vip4[mode],
						  VIP_PORT, protos[p] };

				tree_reset();
				top = na_nest(NULL, 0);
				n = put_vip_key(top, &k);
				na_u8(n, LBNL_A_VIP_MODE, mode);
				if (mode && p == 1)
					na_u8(n, LBNL_A_VIP_BYPASS,
					      LBNL_BYPASS_AUTO);
				err = lb_req(s, LBNL_CMD_VIP_NEW, top);
				if (err && err != -EEXIST)
					bad = err;
				for (d = 0; d < 3; d++) {
					tree_reset();
					top = na_nest(NULL, 0);
					put_vip_key(top, &k);
					n = na_nest(top, LBNL_A_DEST);
					dest_addr(v6, d, a);
					na_leaf(n, LBNL_A_DEST_ADDR, a,
						v6 ? 16 : 4);
					err = lb_req(s, LBNL_CMD_DEST_NEW, top);
					if (err && err != -EEXIST)
						bad = err;
				}
			}
	/* one VIP with many dests: dumps of several parts */
	for (v6 = 0; v6 < 2; v6++) {
		struct vkey k = { v6, v6 ? vip6[3] : vip4[3], BULK_PORT,
				  IPPROTO_TCP };

		tree_reset();
		top = na_nest(NULL, 0);
		put_vip_key(top, &k);
		err = lb_req(s, LBNL_CMD_VIP_NEW, top);
		if (err && err != -EEXIST)
			bad = err;
		for (d = 0; d < BULK_DESTS; d++) {
			tree_reset();
			top = na_nest(NULL, 0);
			put_vip_key(top, &k);
			n = na_nest(top, LBNL_A_DEST);
			dest_addr(v6, 10 + d, a);
			na_leaf(n, LBNL_A_DEST_ADDR, a, v6 ? 16 : 4);
			na_u16(n, LBNL_A_DEST_PORT, 7000 + d);
			err = lb_req(s, LBNL_CMD_DEST_NEW, top);
			if (err && err != -EEXIST && err != -ENOSPC)
				bad = err;
		}
	}
	if (bad)
		printf("# set-up: a VIP_NEW / DEST_NEW failed: %s\n",
		       strerror(-bad));
	return bad;
}

/* --- SCTP associations over loopback (lbnl_srv state) ------------------- */

static int sctp_fds[64];
static int nsctp_fds;
static int listen_fd[2] = { -1, -1 };

static void sctp_keep(int fd)
{
	if (nsctp_fds == 64) {
		close(sctp_fds[0]);
		memmove(sctp_fds, sctp_fds + 1, 63 * sizeof(int));
		nsctp_fds--;
	}
	sctp_fds[nsctp_fds++] = fd;
}

static void sctp_listen(void)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(5000),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(5000),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int one = 1;

	listen_fd[0] = socket(AF_INET, SOCK_SEQPACKET | SOCK_CLOEXEC,
			      IPPROTO_SCTP);
	listen_fd[1] = socket(AF_INET6, SOCK_SEQPACKET | SOCK_CLOEXEC,
			      IPPROTO_SCTP);
	if (listen_fd[1] >= 0)
		setsockopt(listen_fd[1], IPPROTO_IPV6, IPV6_V6ONLY, &one,
			   sizeof(one));
	if (listen_fd[0] < 0 || bind(listen_fd[0], (void *)&a4, sizeof(a4)) ||
	    listen(listen_fd[0], 16))
		printf("# no SCTP listener (IPv4): %s\n", strerror(errno));
	if (listen_fd[1] < 0 || bind(listen_fd[1], (void *)&a6, sizeof(a6)) ||
	    listen(listen_fd[1], 16))
		printf("# no SCTP listener (IPv6): %s\n", strerror(errno));
}

/* A new loopback association; its key noted for the templates. */
static void sctp_connect(int v6)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(5000),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(5000),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_storage me;
	socklen_t ml = sizeof(me);
	int fd;

	if (listen_fd[v6] < 0)
		return;
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
		    IPPROTO_SCTP);
	if (fd < 0)
		return;
	if (connect(fd, v6 ? (void *)&a6 : (void *)&a4,
		    v6 ? sizeof(a6) : sizeof(a4)) ||
	    getsockname(fd, (void *)&me, &ml)) {
		close(fd);
		return;
	}
	sctp_keep(fd);
	if (nassocs == 16) {
		memmove(assocs, assocs + 1, 15 * sizeof(assocs[0]));
		nassocs--;
	}
	assocs[nassocs].v6 = v6;
	assocs[nassocs].lport = 5000;
	assocs[nassocs].pport = ntohs(v6 ? ((struct sockaddr_in6 *)&me)->sin6_port :
				      ((struct sockaddr_in *)&me)->sin_port);
	nassocs++;
}

static void keep_export(const struct nlmsghdr *h, void *arg)
{
	const uint8_t *p = (const uint8_t *)h + NLMSG_HDRLEN + GENL_HDRLEN;
	int rem = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	(void)arg;
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == LBNL_SRV_A_ASSOC &&
		    a->nla_len <= sizeof(exported)) {
			memcpy(exported, p, a->nla_len);
			exported_len = a->nla_len;
		}
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
}

static struct na *assoc_key_nest(struct na *top, const struct assoc_key *k)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };
	struct na *n = na_nest(top, LBNL_SRV_A_ASSOC);

	na_leaf(n, LBNL_A_ASSOC_LADDR, k->v6 ? lo6 : lo4, k->v6 ? 16 : 4);
	na_u16(n, LBNL_A_ASSOC_LPORT, k->lport);
	na_leaf(n, LBNL_A_ASSOC_PADDR, k->v6 ? lo6 : lo4, k->v6 ? 16 : 4);
	na_u16(n, LBNL_A_ASSOC_PPORT, k->pport);
	return n;
}

static unsigned long moves_ok, moves_tried;

/*
 * Export the server side of an association (a real state for the IMPORT
 * templates), then either resume it, or release it and import it again:
 * a migration to this same host.
 */
static void srv_export_one(struct sock *s)
{
	struct assoc_key k;
	struct na *top, *n;
	int err, i;

	for (i = nassocs - 1; i >= 0; i--) {
		k = assocs[i];
		tree_reset();
		top = na_nest(NULL, 0);
		assoc_key_nest(top, &k);
		if (chance(50))		/* else the default, 5 s */
			na_u32(top, LBNL_SRV_A_TIMEOUT_MS, 500);
		err = do_req(s, FAM_SRV, LBNL_SRV_CMD_ASSOC_EXPORT,
			     NLM_F_REQUEST | NLM_F_ACK, top, keep_export, NULL);
		if (err)
			continue;
		tree_reset();
		top = na_nest(NULL, 0);
		assoc_key_nest(top, &k);
		if (chance(50)) {
			do_req(s, FAM_SRV, LBNL_SRV_CMD_ASSOC_RESUME,
			       NLM_F_REQUEST | NLM_F_ACK, top, NULL, NULL);
			return;
		}
		err = do_req(s, FAM_SRV, LBNL_SRV_CMD_ASSOC_RELEASE,
			     NLM_F_REQUEST | NLM_F_ACK, top, NULL, NULL);
		if (err && err != -EPIPE)
			return;
		tree_reset();
		top = na_nest(NULL, 0);
		n = na_nest(top, LBNL_SRV_A_ASSOC);
		na_parse_into(n, exported + NLA_HDRLEN, exported_len - NLA_HDRLEN,
			      &assoc_l, 0);
		err = do_req(s, FAM_SRV, LBNL_SRV_CMD_ASSOC_IMPORT,
			     NLM_F_REQUEST | NLM_F_ACK, top, NULL, NULL);
		moves_tried++;
		moves_ok += !err;
		if (err && verbose)
			printf("# re-import of an association: %s\n",
			       strerror(-err));
		return;
	}
}

/* --- the peer's traffic (-p) ------------------------------------------------ */

static int peer_ns = -1, home_ns = -1;
static int peer_udp[2] = { -1, -1 };
static int peer_tcp[32];
static int npeer_tcp;

static void peer_setup(const char *path)
{
	int v6;

	peer_ns = open(path, O_RDONLY | O_CLOEXEC);
	home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (peer_ns < 0 || home_ns < 0 || setns(peer_ns, CLONE_NEWNET)) {
		printf("# -p %s: %s: no traffic\n", path, strerror(errno));
		peer_ns = -1;
		return;
	}
	for (v6 = 0; v6 < 2; v6++)
		peer_udp[v6] = socket(v6 ? AF_INET6 : AF_INET,
				      SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
				      0);
	if (setns(home_ns, CLONE_NEWNET)) {
		perror("setns back");
		exit(2);
	}
}

/* A datagram and a SYN from the peer to VIPs: connection entries. */
static void peer_traffic(void)
{
	int v6 = rnd(2), i = rnd(2), fd;
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(VIP_PORT) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(VIP_PORT) };
	struct sockaddr_storage me;
	socklen_t ml = sizeof(me);

	if (peer_ns < 0)
		return;
	memcpy(&a4.sin_addr, vip4[i], 4);
	memcpy(&a6.sin6_addr, vip6[i], 16);
	fd = peer_udp[v6];
	if (fd >= 0 && sendto(fd, "lbnl", 4, 0, v6 ? (void *)&a6 : (void *)&a4,
			      v6 ? sizeof(a6) : sizeof(a4)) == 4 &&
	    !getsockname(fd, (void *)&me, &ml) && nflows < 64) {
		flows[nflows].v6 = v6;
		flows[nflows].port = ntohs(v6 ? ((struct sockaddr_in6 *)&me)->sin6_port :
					   ((struct sockaddr_in *)&me)->sin_port);
		nflows++;
	}
	if (setns(peer_ns, CLONE_NEWNET))
		return;
	fd = socket(v6 ? AF_INET6 : AF_INET,
		    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (setns(home_ns, CLONE_NEWNET)) {
		perror("setns back");
		exit(2);
	}
	if (fd < 0)
		return;
	connect(fd, v6 ? (void *)&a6 : (void *)&a4, v6 ? sizeof(a6) : sizeof(a4));
	if (npeer_tcp == 32) {
		close(peer_tcp[0]);
		memmove(peer_tcp, peer_tcp + 1, 31 * sizeof(int));
		npeer_tcp--;
	}
	peer_tcp[npeer_tcp++] = fd;
}

/* --- dumps interrupted ------------------------------------------------------- */

static uint16_t dump_cmd(int fam, uint8_t *cmd)
{
	static const uint8_t lb[] = { LBNL_CMD_VIP_GET, LBNL_CMD_DEST_GET,
		LBNL_CMD_STATS_GET, LBNL_CMD_CONN_GET, LBNL_CMD_MIGRATE_GET };

	*cmd = fam == FAM_LB ? lb[rnd(5)] : LBNL_SRV_CMD_ASSOC_GET;
	return fams[fam].id;
}

/*
 * The rest of a dump (seq @seq) whose first recv() gave @first (@n bytes),
 * up to NLMSG_DONE: every part checked, and the second request's EBUSY.
 */
static void read_dump_rest(struct sock *s, uint32_t seq, uint8_t *first,
			   ssize_t n)
{
	static uint8_t buf[RECV_MAX];
	uint8_t *p = first;
	int rounds = 0, parts = 0;

	for (;;) {
		struct nlmsghdr *h;
		int rem = n;

		for (h = (struct nlmsghdr *)p; NLMSG_OK(h, rem);
		     h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_seq != seq)
					fail("NLMSG_DONE of seq %u, want %u",
					     h->nlmsg_seq, seq);
				return;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_seq == seq + 1 && e->error == -EBUSY)
					continue;
				if (h->nlmsg_seq == seq && !parts)
					return;	/* refused, not started */
				fail("mid-dump error %d for seq %u (dump %u)",
				     e->error, h->nlmsg_seq, seq);
				return;
			}
			if (h->nlmsg_seq != seq || !(h->nlmsg_flags & NLM_F_MULTI))
				fail("dump part: seq %u flags %#x, dump %u",
				     h->nlmsg_seq, h->nlmsg_flags, seq);
			check_genl(h, "interrupted dump");
			parts++;
		}
		if (++rounds > 10000) {
			fail("dump does not end");
			return;
		}
		n = recv(s->fd, buf, 8192, MSG_TRUNC);
		if (n < 0 && errno == ENOBUFS) {
			/* the tiny receive buffer overran (the EBUSY ack) */
			n = 0;
			continue;
		}
		if (n < 0) {
			fail("recv (dump): %s", strerror(errno));
			return;
		}
		if (n > 8192) {
			fail("dump part of %zd bytes after recv(8192)", n);
			return;
		}
		p = buf;
	}
}

static void dumps_interrupted(int fam)
{
	struct sock socks[8];
	static uint8_t buf[512];
	uint8_t cmd = 0;
	int i, n = 2 + rnd(7), len;
	uint16_t type;

	cur_what = "interrupted dumps";
	/* many dumps started, never read; a second one on each: EBUSY */
	for (i = 0; i < n; i++) {
		if (sock_open(&socks[i], 4096 + rnd(8192))) {
			socks[i].fd = -1;
			continue;
		}
		type = dump_cmd(fam, &cmd);
		tree_reset();
		len = build_msg(buf, sizeof(buf), type,
				NLM_F_REQUEST | NLM_F_DUMP, cmd, NULL);
		send_raw(&socks[i], buf, len);
		if (chance(50)) {
			len = build_msg(buf, sizeof(buf), type,
					NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK,
					cmd, NULL);
			send_raw(&socks[i], buf, len);
		}
	}
	/* one read mid-dump, a change from the main socket, then close */
	if (socks[0].fd >= 0) {
		static uint8_t part[8192];
		ssize_t r = recv(socks[0].fd, part, sizeof(part), MSG_TRUNC);

		if (r > 8192)
			fail("dump part of %zd bytes on a fresh socket", r);
		if (!unpriv && fam == FAM_LB) {
			struct vkey k = pick_vip();
			struct na *top;

			tree_reset();
			top = na_nest(NULL, 0);
			put_vip_key(top, &k);
			lb_req(&S, chance(50) ? LBNL_CMD_VIP_NEW :
			       LBNL_CMD_VIP_DEL, top);
		}
		/* sometimes read on to the end, and check what comes */
		if (chance(50) && r >= NLMSG_HDRLEN)
			read_dump_rest(&socks[0],
				       ((struct nlmsghdr *)part)->nlmsg_seq, part,
				       r);
	}
	for (i = 0; i < n; i++)
		sock_close(&socks[i]);
	if (fam >= 0)
		st[fam].dumps += n;
	cur_what = "";
}

/* --- state snapshots (-U) and consistency ------------------------------------ */

struct snap {
	char *buf;
	size_t len, cap;
	int vips, dests;
	long dest_count_sum;
};

static void snap_add(struct snap *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->cap - s->len < 512) {
		s->cap = s->cap ? s->cap * 2 : 65536;
		s->buf = realloc(s->buf, s->cap);
		if (!s->buf)
			exit(2);
	}
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += n;
}

/* Attributes as text, volatile ones left out. */
static void snap_attrs(struct snap *s, const uint8_t *p, int rem,
		       const struct layout *l, int depth)
{
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		int t = a->nla_type & NLA_TYPE_MASK, i;
		int plen = a->nla_len - NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			return;
		if (l && t <= l->max && !l->a[t].vol) {
			snap_add(s, " %d:", t);
			if (l->a[t].kind == K_NEST && depth < 8) {
				snap_add(s, "{");
				snap_attrs(s, p + NLA_HDRLEN, plen, l->a[t].sub,
					   depth + 1);
				snap_add(s, " }");
			} else {
				for (i = 0; i < plen && i < 64; i++)
					snap_add(s, "%02x", p[NLA_HDRLEN + i]);
			}
			if (l == &vip_l && t == LBNL_A_VIP_DEST_COUNT &&
			    plen == 4) {
				uint32_t v;

				memcpy(&v, p + NLA_HDRLEN, 4);
				s->dest_count_sum += v;
			}
		}
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
}

static void snap_cb(const struct nlmsghdr *h, void *arg)
{
	struct snap *s = arg;
	int f = fam_of_type(h->nlmsg_type);
	const struct genlmsghdr *g = NLMSG_DATA(h);

	if (f < 0)
		return;
	snap_add(s, "%s %u", fams[f].name, g->cmd);
	snap_attrs(s, (const uint8_t *)h + NLMSG_HDRLEN + GENL_HDRLEN,
		   h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, fams[f].top, 0);
	snap_add(s, "\n");
	if (f == FAM_LB && g->cmd == LBNL_CMD_VIP_GET)
		s->vips++;
	if (f == FAM_LB && g->cmd == LBNL_CMD_DEST_GET)
		s->dests++;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* The namespace's configuration, as sorted text. */
static int snapshot(struct sock *s, struct snap *out)
{
	uint16_t fl = NLM_F_REQUEST | NLM_F_DUMP;
	char **lines, *p;
	int n = 0, i, err = 0;
	struct snap raw = { 0 };

	memset(out, 0, sizeof(*out));
	if (fams[FAM_LB].id) {
		err |= do_req(s, FAM_LB, LBNL_CMD_VIP_GET, fl, NULL, snap_cb, &raw);
		err |= do_req(s, FAM_LB, LBNL_CMD_DEST_GET, fl, NULL, snap_cb, &raw);
	}
	if (fams[FAM_SRV].id)
		err |= do_req(s, FAM_SRV, LBNL_SRV_CMD_ASSOC_GET, fl, NULL,
			      snap_cb, &raw);
	if (!raw.buf)
		snap_add(&raw, "%s", "");
	for (p = raw.buf; p < raw.buf + raw.len; p++)
		n += *p == '\n';
	lines = calloc(n + 1, sizeof(*lines));
	for (i = 0, p = strtok(raw.buf, "\n"); p && i < n; p = strtok(NULL, "\n"))
		lines[i++] = p;
	qsort(lines, i, sizeof(*lines), cmp_lines);
	for (n = 0; n < i; n++)
		snap_add(out, "%s\n", lines[n]);
	if (!out->buf)
		snap_add(out, "%s", "");
	out->vips = raw.vips;
	out->dests = raw.dests;
	out->dest_count_sum = raw.dest_count_sum;
	free(lines);
	free(raw.buf);
	return err;
}

/* VIPs' DEST_COUNT agrees with the dest dump. */
static void check_consistency(struct sock *s)
{
	struct snap sn;

	cur_what = "consistency";
	if (snapshot(s, &sn))
		fail("dumping the configuration failed");
	else if (sn.dest_count_sum != sn.dests)
		fail("the VIPs count %ld dests, the dest dump has %d",
		     sn.dest_count_sum, sn.dests);
	printf("# state now: %d VIPs, %d dests\n", sn.vips, sn.dests);
	free(sn.buf);
	cur_what = "";
}

/* --- family resolution -------------------------------------------------------- */

static int resolve(struct sock *s, int f)
{
	static uint8_t buf[512];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct nlattr *a;
	int len, rem;
	ssize_t n;

	memset(buf, 0, sizeof(buf));
	len = NLMSG_HDRLEN + GENL_HDRLEN;
	a = (struct nlattr *)(buf + len);
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + strlen(fams[f].name) + 1;
	strcpy((char *)a + NLA_HDRLEN, fams[f].name);
	len += NLA_ALIGN(a->nla_len);
	h->nlmsg_len = len;
	h->nlmsg_type = GENL_ID_CTRL;
	h->nlmsg_flags = NLM_F_REQUEST;
	h->nlmsg_seq = seq_next++;
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	if (send_raw(s, buf, len))
		return -1;
	n = recv(s->fd, rbuf, sizeof(rbuf), 0);
	h = (struct nlmsghdr *)rbuf;
	if (n < NLMSG_HDRLEN || h->nlmsg_type != GENL_ID_CTRL)
		return -1;
	rem = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	a = (struct nlattr *)(rbuf + NLMSG_HDRLEN + GENL_HDRLEN);
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&fams[f].id, (uint8_t *)a + NLA_HDRLEN, 2);
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS) {
			struct nlattr *grp = (void *)((uint8_t *)a + NLA_HDRLEN);
			int grem = a->nla_len - NLA_HDRLEN;

			while (grem >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN &&
			       grp->nla_len <= grem) {
				struct nlattr *x = (void *)((uint8_t *)grp + NLA_HDRLEN);
				int xrem = grp->nla_len - NLA_HDRLEN;

				while (xrem >= NLA_HDRLEN && x->nla_len >= NLA_HDRLEN &&
				       x->nla_len <= xrem) {
					if (x->nla_type == CTRL_ATTR_MCAST_GRP_ID)
						memcpy(&fams[f].mcgrp,
						       (uint8_t *)x + NLA_HDRLEN, 4);
					xrem -= NLA_ALIGN(x->nla_len);
					x = (void *)((uint8_t *)x + NLA_ALIGN(x->nla_len));
				}
				grem -= NLA_ALIGN(grp->nla_len);
				grp = (void *)((uint8_t *)grp + NLA_ALIGN(grp->nla_len));
			}
		}
		rem -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
	}
	return fams[f].id ? 0 : -1;
}

/* --- the fuzz itself --------------------------------------------------------------- */

static unsigned long count = 10000;

static void summary(int f)
{
	struct stats *s = &st[f];
	const struct cmd *c;
	int i, n;

	printf("# %s: %lu messages (%lu mutated), %lu replies, %lu without an answer (no NLM_F_ACK), dumps: %lu parts, %lu NLM_F_DUMP_INTR, %lu interrupted, %lu events\n",
	       fams[f].name, s->msgs, s->mutated, s->replies, s->noreply,
	       s->dump_parts, s->dump_intr, s->dumps, s->events);
	printf("# %s answers:", fams[f].name);
	for (i = 0; i < 140; i++)
		if (s->errno_count[i])
			printf(" %s%s=%lu", i ? "-" : "", i ? strerrorname_np(i) ?: "?" : "ok",
			       s->errno_count[i]);
	printf("\n");
	printf("# %s: %llu ms in the kernel's answers; slowest %llu ms: %s\n",
	       fams[f].name, (unsigned long long)s->us / 1000,
	       (unsigned long long)s->slowest_us / 1000, s->slowest);
	if (f == FAM_SRV && moves_tried)
		printf("# lbnl_srv: export, release, import on this host: %lu of %lu worked\n",
		       moves_ok, moves_tried);
	c = cmds_of(f, &n);
	printf("# %s per command (ok/refused):", fams[f].name);
	for (i = 0; i < n; i++)
		printf(" %s %lu/%lu", c[i].name, s->ok_by_cmd[c[i].cmd],
		       s->refused_by_cmd[c[i].cmd]);
	printf("\n");
	for (i = 0; i < s->nnomsg; i++)
		printf("# %s refused without an extack message: cmd %u %s x%lu, e.g. %s\n",
		       fams[f].name, s->nomsg[i].cmd,
		       strerrorname_np(-s->nomsg[i].err) ?: "?", s->nomsg[i].n,
		       s->nomsg[i].example);
}

/* Where the time goes, besides the fuzzed requests. */
enum { T_DUMPS, T_TRAFFIC, T_CONNECT, T_EXPORT, T_SETUP, NT };
static const char * const t_names[NT] = { "interrupted dumps",
	"peer traffic", "SCTP connects", "export/release/import",
	"state restored" };
static uint64_t t_us[NT];

#define TIMED(i, stmt) do {				\
	uint64_t t0_ = now_us();			\
	stmt;						\
	t_us[i] += now_us() - t0_;			\
} while (0)

static void fuzz_family(int f)
{
	unsigned long sent0 = st[f].msgs;
	unsigned long last_restore = 0;
	uint64_t t0 = now_us();
	int i;

	memset(t_us, 0, sizeof(t_us));
	while (st[f].msgs - sent0 < count) {
		int n = 1 + (chance(30) ? rnd(6) : 0);
		unsigned long done = st[f].msgs - sent0;

		if (fuzz_round(f, n, n > 1 && chance(50)))
			break;
		if (rnd(200) == 0)
			TIMED(T_DUMPS, dumps_interrupted(f));
		if (f == FAM_LB && rnd(50) == 0)
			TIMED(T_TRAFFIC, peer_traffic());
		if (f == FAM_SRV && !unpriv && rnd(100) == 0) {
			TIMED(T_CONNECT, sctp_connect(rnd(2)));
			if (chance(30))
				TIMED(T_EXPORT, srv_export_one(&S));
		}
		/* real state back now and then (FLUSH, VIP_DEL...) */
		if (f == FAM_LB && !unpriv && done - last_restore > 1500) {
			last_restore = done;
			TIMED(T_SETUP, setup_lb(&S));
		}
		if (nfail > 1000)
			break;
	}
	printf("# %s: %llu ms in all;", fams[f].name,
	       (unsigned long long)(now_us() - t0) / 1000);
	for (i = 0; i < NT; i++)
		if (t_us[i])
			printf(" %s %llu ms", t_names[i],
			       (unsigned long long)t_us[i] / 1000);
	printf("\n");
}

static int open_main(void)
{
	int f;

	if (sock_open(&S, 1 << 20) || sock_open(&EV, 1 << 20)) {
		perror("netlink socket");
		return 2;
	}
	for (f = 0; f < NFAM; f++) {
		if (resolve(&S, f)) {
			printf("# family %s not found\n", fams[f].name);
			fams[f].enabled = false;
			fams[f].id = 0;
			continue;
		}
		if (fams[f].mcgrp &&
		    setsockopt(EV.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			       &fams[f].mcgrp, sizeof(fams[f].mcgrp)))
			printf("# joining %s events: %s\n", fams[f].name,
			       strerror(errno));
	}
	return 0;
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			printf("# lo up: %s\n", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
}

/* Root: state for the fuzz (lbnl VIPs and dests, SCTP associations). */
static void make_state(struct sock *s, bool want[NFAM])
{
	uint64_t t0 = now_us();
	int i;

	if (want[FAM_LB] && fams[FAM_LB].id && setup_lb(s))
		fail("set-up of VIPs and dests failed");
	if (want[FAM_SRV] && fams[FAM_SRV].id) {
		sctp_listen();
		for (i = 0; i < 4; i++)
			sctp_connect(i & 1);
		if (!unpriv_parent)
			srv_export_one(s);
		printf("# %d SCTP associations over loopback%s\n", nassocs,
		       exported_len ? ", one exported" : "");
	}
	printf("# state made in %llu ms\n",
	       (unsigned long long)(now_us() - t0) / 1000);
}

static int run_fuzz(bool want[NFAM])
{
	int f;

	for (f = 0; f < NFAM; f++) {
		if (!want[f] || !fams[f].id)
			continue;
		fuzz_family(f);
		summary(f);
	}
	return 0;
}

/* -U: the child, unprivileged, in its own user and network namespace. */
static int child_main(uid_t uid, int to_parent, int from_parent, bool want[NFAM])
{
	char c = 0, map[64];
	int fd;

	if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) {
		perror("dropping privileges");
		return 2;
	}
	/* else /proc/self/uid_map belongs to root */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
		printf("# unshare(CLONE_NEWUSER | CLONE_NEWNET) as uid %u: %s\n",
		       uid, strerror(errno));
		return 4;
	}
	snprintf(map, sizeof(map), "0 %u 1", uid);
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "deny", 4) != 4)
			perror("setgroups deny");
		close(fd);
	}
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		perror("uid_map");
	if (fd >= 0)
		close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		perror("gid_map");
	if (fd >= 0)
		close(fd);
	/* ready: the parent fills the namespace */
	if (write(to_parent, &c, 1) != 1 || read(from_parent, &c, 1) != 1)
		return 2;
	unpriv = true;
	if (open_main())
		return 2;
	printf("# uid %u, in a user namespace: fuzzing as its root\n", uid);
	run_fuzz(want);
	for (fd = 0; fd < NFAM; fd++) {
		if (!want[fd] || !fams[fd].id)
			continue;
		printf("# %s in the user namespace: %lu EPERM; reads answered: %lu ok\n",
		       fams[fd].name, st[fd].eperm, st[fd].errno_count[0]);
	}
	fail_kinds();
	printf("# child: %lu failures\n", nfail);
	fflush(stdout);
	return nfail ? 1 : 0;
}

static int unpriv_main(uid_t uid, bool want[NFAM])
{
	int p2c[2], c2p[2], status, home, nsfd;
	struct snap before, after;
	char path[64], c = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(p2c) || pipe(c2p))
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		close(p2c[1]);
		close(c2p[0]);
		_exit(child_main(uid, c2p[1], p2c[0], want));
	}
	close(p2c[0]);
	close(c2p[1]);
	if (read(c2p[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
	}
	/* root, in the child's namespace: state, and a snapshot of it */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (home < 0 || nsfd < 0 || setns(nsfd, CLONE_NEWNET)) {
		perror("entering the child's namespace");
		kill(pid, SIGKILL);
		return 2;
	}
	lo_up();
	if (open_main())
		return 2;
	/*
	 * State that stays as it is: an exported, released or imported
	 * association would change on its own (grace period, handshake).
	 */
	unpriv_parent = true;
	make_state(&S, want);
	if (setns(home, CLONE_NEWNET)) {
		perror("setns home");
		return 2;
	}
	cur_what = "root's snapshot before";
	if (snapshot(&S, &before))
		fail("dumping the state before");
	printf("# root made in the user namespace's netns: %d VIPs, %d dests; %d associations\n",
	       before.vips, before.dests, nassocs);
	if (write(p2c[1], &c, 1) != 1)
		return 2;
	waitpid(pid, &status, 0);
	cur_what = "root's snapshot after";
	if (snapshot(&S, &after))
		fail("dumping the state after");
	if (before.len != after.len || memcmp(before.buf, after.buf, before.len)) {
		fail("the state changed while the unprivileged user fuzzed");
		if (verbose)
			printf("# before:\n%s# after:\n%s", before.buf, after.buf);
	} else {
		printf("# state unchanged (%zu bytes of dumps compared)\n",
		       before.len);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 2) {
		fail("child: %s %d", WIFEXITED(status) ? "exit" : "signal",
		     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	} else if (WEXITSTATUS(status) == 4) {
		return 4;
	} else if (WEXITSTATUS(status)) {
		nfail++;
	}
	/* clean up: the namespace goes with the child, the sockets with us */
	free(before.buf);
	free(after.buf);
	return nfail ? 1 : 0;
}

/* A crash of the fuzzer itself: where (addr2line -e nl_fuzz +OFFSET). */
static void on_crash(int sig)
{
	void *bt[64];
	int n = backtrace(bt, 64);
	static const char m[] = "# nl_fuzz crashed; backtrace:\n";

	if (write(STDOUT_FILENO, m, sizeof(m) - 1) < 0)
		_exit(2);
	backtrace_symbols_fd(bt, n, STDOUT_FILENO);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nl_fuzz [-s SEED] [-n COUNT] [-f lbnl|lbnl_srv|all] [-p NETNS] [-U UID] [-v] [-F]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bool want[NFAM] = { true, true }, flush_only = false, gen_only = false;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	const char *peer = NULL;
	long uid = -1;
	int opt, f;

	while ((opt = getopt(argc, argv, "s:n:f:p:U:vFG")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			want[FAM_LB] = !strcmp(optarg, "lbnl") ||
				       !strcmp(optarg, "all");
			want[FAM_SRV] = !strcmp(optarg, "lbnl_srv") ||
					!strcmp(optarg, "all");
			if (!want[FAM_LB] && !want[FAM_SRV])
				usage();
			break;
		case 'p':
			peer = optarg;
			break;
		case 'U':
			uid = strtol(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		case 'F':
			flush_only = true;
			break;
		case 'G':
			gen_only = true;
			break;
		default:
			usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGABRT, on_crash);
	printf("# seed %llu\n", (unsigned long long)seed);
	rng_state = seed;

	if (gen_only) {
		/* the fuzzer's own test: build COUNT requests, send none */
		bool mutated;
		struct mut m;
		unsigned long i;

		fams[FAM_LB].id = 0x7000;
		fams[FAM_SRV].id = 0x7001;
		for (f = 0; f < NFAM; f++)
			for (i = 0; want[f] && i < count; i++) {
				memset(&m, 0, sizeof(m));
				make_request(f, 0, &mutated, &m);
			}
		return 0;
	}
	if (uid >= 0) {
		int rc;

		/* resolve the ids first, as root */
		if (open_main())
			return 2;
		sock_close(&S);
		sock_close(&EV);
		rc = unpriv_main((uid_t)uid, want);
		fail_kinds();
		printf("# %lu failures\n", nfail);
		return rc;
	}
	if (open_main())
		return 2;
	if (flush_only) {
		if (!fams[FAM_LB].id)
			return 4;
		return lb_req(&S, LBNL_CMD_FLUSH, NULL) ? 1 : 0;
	}
	for (f = 0; f < NFAM; f++)
		if (want[f] && !fams[f].id)
			return 4;
	if (peer)
		peer_setup(peer);
	make_state(&S, want);
	run_fuzz(want);
	if (want[FAM_LB] && fams[FAM_LB].id)
		check_consistency(&S);
	fail_kinds();
	printf("# %lu failures\n", nfail);
	return nfail ? 1 : 0;
}
