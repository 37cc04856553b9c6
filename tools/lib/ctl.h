/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lbnl control protocol: lbnld <-> lbnl-agent <-> lbnl-agent, over TCP
 * (DESIGN.md section 5 and 6). Version 1.
 *
 * Keys. Every host of a cluster holds the same pre-shared key (PSK): a
 * file with one line of at least 64 hex digits (32 bytes; at most 64
 * bytes), readable by its owner only (lbnl_ctl_key_load() refuses a file
 * group or others may read, as ssh does).
 *
 * Connection. The connecting side (client) and the accepting side
 * (server) each send a HELLO frame first: magic "LBNL", version, a 32-byte
 * random nonce (libsodium randombytes_buf), role and name. Each direction
 * then has its own key:
 *	k_c2s = HMAC-SHA256(PSK, "lbnl-ctl-1 c2s" || nonce_c || nonce_s)
 *	k_s2c = HMAC-SHA256(PSK, "lbnl-ctl-1 s2c" || nonce_c || nonce_s)
 * and every later frame carries a sequence number (1, 2, ... per
 * direction) and an HMAC-SHA256 (libsodium crypto_auth_hmacsha256) over
 * the frame with that direction's key. A frame is accepted only with the
 * right MAC and the next sequence number: a forged frame (no PSK), a
 * replayed or reordered one (wrong sequence), or one recorded on another
 * connection (other nonces, other keys) is rejected, the connection
 * closed, and lbnl_ctl_recv() says which (-EBADMSG, lbnl_ctl_error()). A
 * HELLO is not authenticated by itself; the first authenticated frame
 * proves the PSK (both sides send one before acting on anything).
 *
 * Frame on the wire, integers in network byte order:
 *	u32 length		bytes after this field (<= LBNL_CTL_MAX_FRAME)
 *	u8  version		LBNL_CTL_VERSION; another: -EPROTONOSUPPORT
 *	u8  type		enum lbnl_ctl_type
 *	u16 reserved		0
 *	u64 seq			HELLO: 0
 *	TLVs			u16 type, u16 flags (0), u32 length, value
 *	u8  mac[32]		HELLO: zeros; else over version..last TLV
 * Unknown TLV types are skipped (a later minor version may add some);
 * a missing required one is -EBADMSG.
 *
 * The migration, in the claim's order (one TCP connection per hop):
 *   lbnld --MIGRATE--> source agent --TRANSFER (state)--> target agent
 *   target agent: import --TRANSFER_ACK--> source agent
 *   source agent --RESULT--> lbnld: commit (or abort) in the module
 *   lbnld --DECISION--> source agent --FINISH--> target agent
 *   source agent: release its silenced copy (commit) or resume it (abort);
 *   target agent: keep its copy (commit) or release it (abort).
 * The source keeps its silenced copy until the LB's decision, so a commit
 * the LB refuses (deadline past) can still roll back to it. If lbnld's
 * connection is gone when the source has its result, the source connects
 * to lbnld again (the MIGRATE's address, reply port) and sends the RESULT
 * there: lbnld answers it from the module's table alone (the LB's table is
 * the authority), so a restarted lbnld decides right.
 */
#ifndef LBNL_CTL_H
#define LBNL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "objects.h"

#define LBNL_CTL_VERSION	1
#define LBNL_CTL_AGENT_PORT	7342	/* lbnl-agent listens here */
#define LBNL_CTL_LBNLD_PORT	7341	/* lbnld listens here (RESULTs) */
#define LBNL_CTL_MAX_FRAME	(1U << 20)
#define LBNL_CTL_KEY_MIN	32
#define LBNL_CTL_KEY_MAX	64
#define LBNL_CTL_REASON_MAX	128
#define LBNL_CTL_NAME_MAX	64

enum lbnl_ctl_type {
	LBNL_CTL_HELLO = 1,
	LBNL_CTL_MIGRATE,	/* lbnld -> source agent */
	LBNL_CTL_TRANSFER,	/* source agent -> target agent: the state */
	LBNL_CTL_TRANSFER_ACK,	/* target agent -> source agent */
	LBNL_CTL_RESULT,	/* source agent -> lbnld */
	LBNL_CTL_DECISION,	/* lbnld -> source agent: commit or abort */
	LBNL_CTL_FINISH,	/* source agent -> target agent: the same */
	LBNL_CTL_REFUSED,	/* any: the message cannot be acted on */
	__LBNL_CTL_TYPE_MAX
};

enum lbnl_ctl_role {
	LBNL_CTL_ROLE_LBNLD = 1,
	LBNL_CTL_ROLE_AGENT,
	LBNL_CTL_ROLE_TOOL,	/* lbnl-ctl-probe and the like */
};

/* Bits of lbnl_ctl_msg.has: which fields a message carries. */
enum {
	LBNL_CTL_HAS_SESSION	= 1U << 0,
	LBNL_CTL_HAS_STATUS	= 1U << 1,	/* status, reason */
	LBNL_CTL_HAS_VIP	= 1U << 2,	/* vip, vtag */
	LBNL_CTL_HAS_ASSOC	= 1U << 3,	/* assoc */
	LBNL_CTL_HAS_TARGET	= 1U << 4,	/* target, target_agent */
	LBNL_CTL_HAS_DEADLINE	= 1U << 5,
	LBNL_CTL_HAS_REPLY_PORT	= 1U << 6,
	LBNL_CTL_HAS_COMMIT	= 1U << 7,
	LBNL_CTL_HAS_STATE	= 1U << 8,
	LBNL_CTL_HAS_BLOB	= 1U << 9,
};

/*
 * One message. Which fields each type requires (lbnl_ctl_send() and
 * lbnl_ctl_recv() check; -EINVAL / -EBADMSG):
 *   MIGRATE       session, vip+vtag, assoc, target, deadline, reply_port
 *   TRANSFER      session, assoc, state, deadline [blob]
 *   TRANSFER_ACK  session, status [reason]
 *   RESULT        session, status [reason], vip+vtag, assoc, target
 *   DECISION      session, commit
 *   FINISH        session, commit
 *   REFUSED       status, reason [session]
 * status is 0 or a negative errno; reason says why in words.
 */
struct lbnl_ctl_msg {
	uint8_t type;			/* enum lbnl_ctl_type */
	unsigned int has;		/* LBNL_CTL_HAS_* */
	uint64_t session;		/* lbnld's id of the migration */
	int32_t status;
	char reason[LBNL_CTL_REASON_MAX];
	struct lbu_vip_key vip;	/* the LB's VIP */
	uint32_t vtag;			/* the tag the peer sends (LB key) */
	/*
	 * The association: in MIGRATE, its key on the source; in TRANSFER,
	 * its key on the target (they differ for a nat VIP: each server's
	 * own address).
	 */
	struct lbnl_assoc_key assoc;
	struct lbnl_endpoint target;	/* the target dest (the LB's view) */
	struct lbnl_endpoint target_agent;	/* where its agent listens */
	uint32_t deadline_ms;		/* time left, when sent */
	uint16_t reply_port;		/* lbnld's listening port */
	bool commit;
	char *state;			/* JSON (assoc_state.h), malloc'd */
	size_t state_len;
	unsigned char *blob;		/* the app's opaque state, malloc'd */
	size_t blob_len;
};

/* Frees state and blob (the struct itself is the caller's). */
void lbnl_ctl_msg_free(struct lbnl_ctl_msg *m);
/* "migrate", "transfer", ... ("type 9" for others; not thread-safe then). */
const char *lbnl_ctl_type_name(uint8_t type);

struct lbnl_ctl_key {
	unsigned char bytes[LBNL_CTL_KEY_MAX];
	size_t len;
};

/* 0, or -1 with "PATH: what" in err. Calls sodium_init(). */
int lbnl_ctl_key_load(const char *path, struct lbnl_ctl_key *key,
		      char *err, size_t errlen);

struct lbnl_ctl_conn;

/*
 * Connect to `to`, exchange HELLOs (timeout_ms for the whole). 0, or
 * -errno with a message in err ("connect 203.0.113.12:7342: Connection
 * refused"). name: this side's name for the other's logs.
 */
int lbnl_ctl_connect(const struct lbnl_endpoint *to,
		     const struct lbnl_ctl_key *key, enum lbnl_ctl_role role,
		     const char *name, int timeout_ms,
		     struct lbnl_ctl_conn **out, char *err, size_t errlen);
/* The same on a socket accept() returned (the conn owns fd after). */
int lbnl_ctl_accept(int fd, const struct lbnl_ctl_key *key,
		    enum lbnl_ctl_role role, const char *name, int timeout_ms,
		    struct lbnl_ctl_conn **out, char *err, size_t errlen);

/*
 * Send one message; receive one. timeout_ms < 0: no limit. Errors:
 * -ETIMEDOUT, -ECONNRESET (closed by the other side), -EBADMSG (bad MAC,
 * sequence, framing or a required field missing), -EPROTONOSUPPORT
 * (version), -EMSGSIZE; after any error but -ETIMEDOUT the connection is
 * unusable. lbnl_ctl_error() says what happened, for the log: "bad MAC
 * (forged, or another key) from 203.0.113.11:40312 (agent srv1)".
 */
int lbnl_ctl_send(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m,
		  int timeout_ms);
int lbnl_ctl_recv(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *m,
		  int timeout_ms);
const char *lbnl_ctl_error(const struct lbnl_ctl_conn *c);
/* "203.0.113.11:40312 (agent srv1)": the other side, for logs. */
const char *lbnl_ctl_peer(const struct lbnl_ctl_conn *c);
/* The other side's address as seen on the socket. */
const struct lbnl_endpoint *lbnl_ctl_peer_addr(const struct lbnl_ctl_conn *c);
int lbnl_ctl_fd(const struct lbnl_ctl_conn *c);
void lbnl_ctl_close(struct lbnl_ctl_conn *c);

/*
 * For tests only (lbnl-ctl-probe): the last frame lbnl_ctl_send() wrote,
 * whole, and writing raw bytes as they are.
 */
int lbnl_ctl_last_frame(const struct lbnl_ctl_conn *c,
			const unsigned char **frame, size_t *len);
int lbnl_ctl_send_raw(struct lbnl_ctl_conn *c, const void *buf, size_t len,
		      int timeout_ms);

#endif
