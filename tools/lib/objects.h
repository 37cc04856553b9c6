/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plain structs for lbnl objects, independent of netlink. The library
 * (nl.c) converts between these and the attributes of <linux/lbnl.h>.
 * Those the module also has a struct of are lbu_*, not lbnl_* (the
 * module's prefix): see tools/README.md.
 */
#ifndef LBNL_OBJECTS_H
#define LBNL_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* (address, port, protocol): what names a VIP. */
struct lbu_vip_key {
	struct lbnl_addr addr;
	uint16_t port;
	uint8_t proto;			/* IPPROTO_* */
};

/* Bits of lbu_vip.has: which optional attributes are present. */
enum {
	LBNL_VIP_HAS_MODE		= 1U << 0,
	LBNL_VIP_HAS_SCHED		= 1U << 1,
	LBNL_VIP_HAS_BYPASS		= 1U << 2,
	LBNL_VIP_HAS_MIGRATE_AFTER	= 1U << 3,
	LBNL_VIP_HAS_FLAGS		= 1U << 4,	/* read-only */
	LBNL_VIP_HAS_DEST_COUNT		= 1U << 5,	/* read-only */
	LBNL_VIP_HAS_ACTIVE_DESTS	= 1U << 6,	/* read-only */
	LBNL_VIP_HAS_ROUTER		= 1U << 7,	/* read-only */
	LBNL_VIP_HAS_BYPASS_DEST	= 1U << 8,	/* read-only */
	LBNL_VIP_HAS_CHANGED		= 1U << 9,	/* read-only */
};
#define LBNL_VIP_HAS_SETTABLE (LBNL_VIP_HAS_MODE | LBNL_VIP_HAS_SCHED | \
			       LBNL_VIP_HAS_BYPASS | LBNL_VIP_HAS_MIGRATE_AFTER)

struct lbu_vip {
	struct lbu_vip_key key;
	unsigned int has;		/* LBNL_VIP_HAS_* */
	uint8_t mode;			/* enum lbnl_fwd_mode */
	uint8_t sched;			/* enum lbnl_sched */
	uint8_t bypass;			/* enum lbnl_bypass_policy */
	uint32_t migrate_after;		/* seconds */
	uint32_t flags;			/* LBNL_VIP_F_* */
	uint32_t dest_count;
	uint32_t active_dests;		/* dests taking new flows */
	uint8_t router;			/* enum lbnl_router_state */
	/* The single dest (or, after the bypass, the former one). */
	struct lbnl_addr bypass_addr;
	uint16_t bypass_port;
	uint64_t changed_ms;		/* last bypass transition, 0: none */
};

/* Bits of lbu_dest.has. */
enum {
	LBNL_DEST_HAS_WEIGHT	= 1U << 0,
	LBNL_DEST_HAS_STATE	= 1U << 1,
	LBNL_DEST_HAS_TAG_ID	= 1U << 2,
	LBNL_DEST_HAS_EMPTYING	= 1U << 3,	/* moved, left, unmigratable */
	LBNL_DEST_HAS_STATE_IF	= 1U << 4,	/* DEST_SET: only in state_if */
};

/*
 * A dest and the key of its VIP. The port is always explicit: the library
 * sends it as given and reports the VIP's port for a dest without one.
 */
struct lbu_dest {
	struct lbu_vip_key vip;
	struct lbnl_addr addr;
	uint16_t port;
	unsigned int has;		/* LBNL_DEST_HAS_* */
	uint32_t weight;
	uint8_t state;			/* enum lbnl_dest_state */
	uint16_t tag_id;		/* routable SCTP tags' server id */
	uint8_t state_if;		/* DEST_SET: applied only in this */
					/* state (-ESTALE otherwise) */
	/* In maint or drain (read-only, see the uapi): how far from empty. */
	uint32_t moved;
	uint32_t left;
	uint32_t unmigratable;
};

struct lbnl_vip_list {
	struct lbu_vip *vips;
	size_t count;
};

struct lbnl_dest_list {
	struct lbu_dest *dests;
	size_t count;
};

/*
 * An SCTP association of this host (server role), named by one of its
 * local addresses and one of its peer's, with their ports.
 */
struct lbnl_assoc_key {
	struct lbnl_addr laddr;
	uint16_t lport;
	struct lbnl_addr paddr;
	uint16_t pport;
};

/* Bits of lbnl_assoc.has: which attributes a reply or event carried. */
enum {
	LBNL_ASSOC_HAS_VTAGS	= 1U << 0,	/* my_vtag, peer_vtag */
	LBNL_ASSOC_HAS_INFO	= 1U << 1,	/* state ... migratable */
	LBNL_ASSOC_HAS_CREATED	= 1U << 2,	/* created_ms */
	LBNL_ASSOC_HAS_REASON	= 1U << 3,	/* reason */
};

#define LBNL_ASSOC_REASON_MAX	128

/* What LBNL_CMD_ASSOC_GET says of an association (events: key, vtags). */
struct lbnl_assoc {
	struct lbnl_assoc_key key;
	unsigned int has;		/* LBNL_ASSOC_HAS_* */
	uint32_t my_vtag;		/* the tag the peer sends */
	uint32_t peer_vtag;		/* the tag we send */
	uint8_t state;			/* enum sctp_sstat_state */
	uint8_t style;			/* enum lbnl_assoc_style */
	uint32_t id;			/* sctp_assoc_t on this host */
	uint32_t unacked;		/* chunks sent, not acked */
	uint32_t pending;		/* chunks not yet sent */
	uint32_t unread;		/* bytes not yet read */
	uint64_t created_ms;		/* ms since the epoch, 0: unknown */
	bool silenced;
	bool migratable;
	char reason[LBNL_ASSOC_REASON_MAX];	/* why not migratable */
};

struct lbnl_assoc_list {
	struct lbnl_assoc *assocs;
	size_t count;
};

/* Most streams whose SSN list fits one netlink attribute (u16 length). */
#define LBU_ASSOC_MAX_STREAMS	((65535 - 4) / 4)

/* One peer address of an association and its path state. */
struct lbu_assoc_path {
	struct lbnl_addr addr;
	uint32_t rto_us;
	uint32_t srtt_us;
	uint32_t rttvar_us;
	uint32_t cwnd;
	uint32_t ssthresh;
};

/*
 * The migration state of an association, as LBNL_CMD_ASSOC_EXPORT returns
 * it and LBNL_CMD_ASSOC_IMPORT takes it. The arrays are allocated: release
 * them with lbu_assoc_state_free(). out_ssn has out_streams entries and
 * in_ssn in_streams.
 */
struct lbu_assoc_state {
	uint32_t version;		/* LBNL_ASSOC_STATE_VERSION */
	struct lbnl_assoc_key key;	/* the primary addresses */
	struct lbnl_addr *laddrs;	/* every local address */
	size_t n_laddrs;
	struct lbu_assoc_path *paths;	/* every peer address */
	size_t n_paths;
	uint32_t my_vtag;
	uint32_t peer_vtag;
	uint32_t next_tsn;
	uint32_t peer_next_tsn;
	uint16_t out_streams;
	uint16_t in_streams;
	uint32_t *out_ssn;
	uint32_t *in_ssn;
	uint32_t peer_rwnd;
	uint32_t features;		/* LBNL_ASSOC_F_* */
	uint32_t addip_serial;
	uint32_t peer_addip_serial;
	uint32_t strreset_outseq;
	uint32_t strreset_inseq;
	uint32_t adaptation_ind;
	uint64_t created_ms;
};

/* Bits of lbu_conn.has: which attributes a CONN_GET reply carried. */
enum {
	LBNL_CONN_HAS_DEST	= 1U << 0,	/* dest_addr, dest_port */
	LBNL_CONN_HAS_STATE	= 1U << 1,
	LBNL_CONN_HAS_FLAGS	= 1U << 2,
	LBNL_CONN_HAS_AGE	= 1U << 3,
	LBNL_CONN_HAS_IDLE	= 1U << 4,
	LBNL_CONN_HAS_EXPIRES	= 1U << 5,
	LBNL_CONN_HAS_PACKETS	= 1U << 6,
	LBNL_CONN_HAS_BYTES	= 1U << 7,
	LBNL_CONN_HAS_MY_VTAG	= 1U << 8,	/* SCTP, once bound to its tag */
	LBNL_CONN_HAS_PEER_VTAG	= 1U << 9,	/* SCTP, once known */
	LBNL_CONN_HAS_MIGRATE_FAILED = 1U << 10, /* migrate_failed, _end */
};

/*
 * A connection-table entry of the LB role (LBNL_A_CONN) and its VIP; also
 * what lbnl_conn_new() installs (an SCTP association's: the peer, both
 * tags, the dest; a dest_port of 0 is the VIP's).
 */
struct lbu_conn {
	struct lbu_vip_key vip;
	struct lbnl_addr peer_addr;
	uint16_t peer_port;
	unsigned int has;		/* LBNL_CONN_HAS_* */
	struct lbnl_addr dest_addr;
	uint16_t dest_port;
	uint8_t state;			/* enum lbnl_conn_state */
	uint32_t flags;			/* LBNL_CONN_F_* */
	uint64_t age_ms;
	uint64_t idle_ms;
	uint64_t expires_ms;
	uint64_t packets;		/* peer -> dest */
	uint64_t bytes;
	uint32_t my_vtag;		/* the tag the peer sends */
	uint32_t peer_vtag;		/* the tag the dest sends */
	uint32_t migrate_failed;	/* its failed migrations */
	char migrate_end[32];		/* how the last one failed */
};

struct lbnl_conn_list {
	struct lbu_conn *conns;
	size_t count;
};

/* Counters of LBNL_A_STATS, in the order they are printed. */
enum lbnl_counter {
	LBNL_COUNTER_PACKETS_IN,
	LBNL_COUNTER_BYTES_IN,
	LBNL_COUNTER_PACKETS_OUT,
	LBNL_COUNTER_BYTES_OUT,
	LBNL_COUNTER_CONNS,
	LBNL_COUNTER_PICKED_UP,
	LBNL_COUNTER_ACTIVE_CONNS,
	LBNL_COUNTER_UNCONFIRMED,
	LBNL_COUNTER_EVICTED,
	LBNL_COUNTER_DROPPED,
	LBNL_COUNTERS
};

/* Drop reasons kept (attribute types 1..63 of LBNL_A_STATS_DROPS). */
#define LBNL_DROP_SLOTS		64

/*
 * One set of counters: the namespace's, a VIP's or a dest's. Only the
 * counters (and drop reasons) the kernel sent are marked present.
 */
struct lbnl_stats {
	uint64_t counters[LBNL_COUNTERS];	/* enum lbnl_counter */
	unsigned int has;			/* 1U << enum lbnl_counter */
	bool has_drops;				/* a DROPS nest came */
	uint64_t drops_present;			/* 1ULL << reason */
	uint64_t drops[LBNL_DROP_SLOTS];	/* by enum lbnl_drop_reason */
};

/* One message of a STATS_GET dump: a VIP's counters, or a dest's. */
struct lbnl_stats_entry {
	bool is_dest;			/* dest valid, else vip only */
	struct lbu_vip_key vip;
	struct lbu_dest dest;		/* address, port; dest.vip = vip */
	struct lbnl_stats stats;
};

struct lbnl_stats_list {
	struct lbnl_stats_entry *entries;
	size_t count;
};

/* An address and a port: a peer, or a dest of a migration. */
struct lbnl_endpoint {
	struct lbnl_addr addr;
	uint16_t port;
};

/* Bits of lbnl_migrate.has: which attributes a message carries. */
enum {
	LBNL_MIGRATE_HAS_ID		= 1U << 0,
	LBNL_MIGRATE_HAS_VTAG		= 1U << 1,
	LBNL_MIGRATE_HAS_PEER		= 1U << 2,	/* address and port */
	LBNL_MIGRATE_HAS_SOURCE		= 1U << 3,
	LBNL_MIGRATE_HAS_TARGET		= 1U << 4,
	LBNL_MIGRATE_HAS_TIMEOUT	= 1U << 5,
	LBNL_MIGRATE_HAS_STATE		= 1U << 6,
	LBNL_MIGRATE_HAS_AGE		= 1U << 7,
	LBNL_MIGRATE_HAS_BUFFERED	= 1U << 8,
	LBNL_MIGRATE_HAS_BUFFERED_MAX	= 1U << 9,
	LBNL_MIGRATE_HAS_REASON		= 1U << 10,
};

#define LBNL_MIGRATE_REASON_MAX	64

/*
 * A live migration of an SCTP association from one dest of a VIP to
 * another (LB role, LBNL_A_MIGRATE), and its VIP. A request names the
 * association by vtag or by peer (LBNL_MIGRATE_HAS_VTAG or _PEER); a
 * start may add a target (port 0: the VIP's) and a timeout. A reply or
 * an event has what the kernel sent; a dest port it left out or sent as
 * 0 reads as the VIP's.
 */
struct lbnl_migrate {
	struct lbu_vip_key vip;
	unsigned int has;		/* LBNL_MIGRATE_HAS_* */
	uint32_t id;
	uint32_t vtag;			/* the dest's tag: the peer sends it */
	struct lbnl_endpoint peer;
	struct lbnl_endpoint source;	/* the dest it leaves */
	struct lbnl_endpoint target;	/* the dest it goes to */
	uint32_t timeout_ms;		/* the deadline, from the start */
	uint8_t state;			/* enum lbnl_migrate_state */
	uint64_t age_ms;		/* since the start */
	uint32_t buffered;		/* the peer's packets held now */
	uint32_t buffered_max;		/* the most held at once */
	char reason[LBNL_MIGRATE_REASON_MAX];	/* why it was aborted */
};

struct lbnl_migrate_list {
	struct lbnl_migrate *migrations;
	size_t count;
};

/* One multicast event: the command that made a change and the new state. */
struct lbnl_event {
	bool srv;			/* of "lbnl_srv": cmd is LBNL_SRV_CMD_* */
	uint8_t cmd;			/* LBNL_CMD_* */
	bool has_vip;			/* vip valid (a dest event: key only) */
	bool has_dest;
	bool has_assoc;			/* assoc: key and vtags */
	bool has_migrate;		/* migrate (and the VIP key) */
	struct lbu_vip vip;
	struct lbu_dest dest;
	struct lbnl_assoc assoc;
	struct lbnl_migrate migrate;
};

bool lbnl_vip_key_equal(const struct lbu_vip_key *a,
			const struct lbu_vip_key *b);
/* A total order: by address (lbnl_addr_compare), port, protocol. */
int lbnl_vip_key_compare(const struct lbu_vip_key *a,
			 const struct lbu_vip_key *b);
void lbnl_vip_list_free(struct lbnl_vip_list *l);
void lbnl_dest_list_free(struct lbnl_dest_list *l);
void lbnl_assoc_list_free(struct lbnl_assoc_list *l);
void lbnl_conn_list_free(struct lbnl_conn_list *l);
void lbnl_stats_list_free(struct lbnl_stats_list *l);
void lbnl_migrate_list_free(struct lbnl_migrate_list *l);
void lbu_assoc_state_free(struct lbu_assoc_state *s);
/* Same content (arrays compared element by element). */
bool lbnl_assoc_state_equal(const struct lbu_assoc_state *a,
			    const struct lbu_assoc_state *b);

#endif
