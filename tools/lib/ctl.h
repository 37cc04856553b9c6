/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lbnl control protocol: lbnld <-> lbnl-agent <-> lbnl-agent, over TLS
 * 1.3 on TCP (DESIGN.md section 5 and 6). Version 2.
 *
 * Why TLS. Version 1 had one pre-shared key for every host and its own
 * HELLO + HMAC-SHA256 handshake: the TRANSFER carried an association's
 * vtags and TSNs in clear (anyone reading the server network could inject
 * into or abort it), and any key holder could act as lbnld or as any
 * agent. Version 2 runs every connection over TLS 1.3 (OpenSSL 3; no
 * older version, no renegotiation, no resumption) with mutual
 * authentication: confidentiality, integrity and replay protection come
 * from the record layer (the frames carry no MAC or sequence any more),
 * and each side knows who the other is from its certificate.
 *
 * Certificates. Every host has its own key and certificate, signed by the
 * cluster's CA (ca-file: the only trust anchor; the system's store is not
 * used). A peer's chain is verified against the CA (expired, not yet
 * valid, unknown issuer, bad signature: refused, and the log line names
 * OpenSSL's verify result). A certificate says:
 *   - its role, as a subjectAltName URI: "lbnl:lb" (lbnld) or
 *     "lbnl:agent" (lbnl-agent); a certificate with neither is refused;
 *   - the addresses the host serves, as subjectAltName IP addresses: an
 *     agent's dest addresses (the addresses the LB knows it by). An LB's
 *     need not name any.
 * Authorisation (the callers check, with lbnl_ctl_peer_role() and
 * lbnl_ctl_peer_names()):
 *   - an agent takes MIGRATE (and the DECISION on it) only from an LB
 *     certificate: no agent certificate can make an agent export and
 *     silence an association;
 *   - lbnld sends a MIGRATE only to an agent whose certificate names the
 *     migration's source dest, and takes a RESULT only from an agent whose
 *     certificate names the source dest of that migration: an agent
 *     cannot commit or abort another host's migration;
 *   - a source agent sends the TRANSFER (the state: vtags, TSNs, the app's
 *     data) only to an agent whose certificate names the target dest: the
 *     state goes to the host the LB chose, nowhere else;
 *   - a target agent takes a TRANSFER only from an agent whose certificate
 *     names the TRANSFER's source dest, when its own certificate names the
 *     TRANSFER's target dest, and a FINISH only from an agent whose
 *     certificate names the source dest of that session: a host with a
 *     certificate for srv3 cannot import (or release) on srv1 in srv1's
 *     name, nor push a state to a host that is not the target.
 * Not checked: that a MIGRATE's association is on an address the source
 * agent's certificate names. Only an LB certificate can send a MIGRATE,
 * the kernel exports only an association this host has, and a tun VIP's
 * associations are on the VIP's address, which no agent certificate
 * names. Nor can a target know that the LB chose the TRANSFER's source:
 * an agent's certificate can offer a TRANSFER to another agent in its own
 * name (logged with it); the LB's table, the only authority on where an
 * association's traffic goes, is not changed by it.
 * What an attacker on the server network can do now: drop or delay
 * connections (a migration then rolls back at its deadline), see who
 * talks to whom and how much; not read a state, not forge, replay or
 * reorder a message, not act without a certificate of the CA. A stolen
 * host key lets its thief act as that host, within that host's role and
 * addresses only.
 *
 * Key files: the private key must be a regular file owned by the daemon's
 * euid (or root) and not readable by group or others
 * (lbnl_ctl_tls_load() refuses it otherwise, as ssh does).
 *
 * Connections before authentication (lbnl_ctl_gate): a daemon accepts on
 * one thread, a poll() loop over non-blocking sockets doing the TLS
 * handshakes (SSL_accept() steps), at most LBNL_CTL_PREAUTH_MAX of them at
 * once and LBNL_CTL_PREAUTH_PER_ADDR per peer address; beyond, the one
 * that made the least progress (bytes read; then the oldest) is dropped,
 * of that address or of all: idle and slow connections go before a peer
 * that sent its ClientHello at once, and one address cannot push others
 * out. A connection has LBNL_CTL_HELLO_MS for its first bytes and
 * LBNL_CTL_HANDSHAKE_MS for the whole handshake (longer: under a burst of
 * real handshakes, the daemon's own CPU is the queue; measured ~300 ms a
 * handshake in the test VM), and at most LBNL_CTL_PREAUTH_BYTES read
 * before it ends. Only an authenticated connection gets a thread (and the
 * daemons bound those too). Idle or slow connections thus cost a bounded
 * amount of memory and no thread.
 *
 * Frame on the wire (inside TLS), integers in network byte order:
 *	u32 length		bytes after this field (<= LBNL_CTL_MAX_FRAME)
 *	u8  version		LBNL_CTL_VERSION; another: -EPROTONOSUPPORT
 *	u8  type		enum lbnl_ctl_type
 *	u16 reserved		0
 *	TLVs			u16 type, u16 flags (0), u32 length, value
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

#define LBNL_CTL_VERSION	2
#define LBNL_CTL_AGENT_PORT	7342	/* lbnl-agent listens here */
#define LBNL_CTL_LBNLD_PORT	7341	/* lbnld listens here (RESULTs) */
#define LBNL_CTL_MAX_FRAME	(1U << 20)
#define LBNL_CTL_PREAUTH_MAX	128	/* handshakes in progress at once */
#define LBNL_CTL_PREAUTH_PER_ADDR 32	/* of them from one address */
#define LBNL_CTL_PREAUTH_BYTES	16384	/* read before the handshake ends */
#define LBNL_CTL_HELLO_MS	3000	/* for the first bytes */
#define LBNL_CTL_HANDSHAKE_MS	10000	/* for the whole handshake */
#define LBNL_CTL_CA_FILE	"/etc/lbnl/ca.pem"
#define LBNL_CTL_CERT_FILE	"/etc/lbnl/cert.pem"
#define LBNL_CTL_KEY_FILE	"/etc/lbnl/key.pem"
#define LBNL_CTL_MAX_NAMES	16	/* SAN IP addresses kept of a cert */
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

/* A certificate's role: its subjectAltName URI "lbnl:lb" or "lbnl:agent". */
enum lbnl_ctl_role {
	LBNL_CTL_ROLE_NONE = 0,	/* connect(): any; a cert: none (refused) */
	LBNL_CTL_ROLE_LBNLD,
	LBNL_CTL_ROLE_AGENT,
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
	LBNL_CTL_HAS_SOURCE	= 1U << 10,	/* source */
};

/*
 * One message. Which fields each type requires (lbnl_ctl_send() and
 * lbnl_ctl_recv() check; -EINVAL / -EBADMSG):
 *   MIGRATE       session, vip+vtag, assoc, source, target, deadline,
 *                 reply_port
 *   TRANSFER      session, assoc, source, target, state, deadline [blob]
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
	struct lbnl_endpoint source;	/* the source dest (the LB's view) */
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

/* A host's TLS identity: the CA, its certificate and key. */
struct lbnl_ctl_tls;

/*
 * Load ca, cert and key (PEM). 0, or -1 with "PATH: what" in err: a key
 * file not owned by the euid (or root) or readable by group or others, a
 * certificate without a role, a key that does not match. Counted
 * references: lbnl_ctl_tls_get() / lbnl_ctl_tls_put() (load gives one).
 */
int lbnl_ctl_tls_load(const char *ca, const char *cert, const char *key,
		      struct lbnl_ctl_tls **out, char *err, size_t errlen);
struct lbnl_ctl_tls *lbnl_ctl_tls_get(struct lbnl_ctl_tls *t);
void lbnl_ctl_tls_put(struct lbnl_ctl_tls *t);
enum lbnl_ctl_role lbnl_ctl_tls_role(const struct lbnl_ctl_tls *t);
/* Whether its own certificate has expired (the daemons refuse to start). */
bool lbnl_ctl_tls_expired(const struct lbnl_ctl_tls *t);
/* Whether this host's own certificate names a. */
bool lbnl_ctl_tls_names(const struct lbnl_ctl_tls *t,
			const struct lbnl_addr *a);
/* "lbnl:agent srv1 (192.0.2.11, 2001:db8::11)": for logs. */
const char *lbnl_ctl_tls_desc(const struct lbnl_ctl_tls *t, char *buf,
			      size_t len);

struct lbnl_ctl_conn;

/*
 * Connect to `to`, TLS handshake (timeout_ms for the whole). want: the
 * role the peer's certificate must have (NONE: any). 0, or -errno with a
 * message in err ("connect 203.0.113.12:7342: Connection refused",
 * "TLS with 203.0.113.12:7342: certificate verify failed: certificate has
 * expired").
 */
int lbnl_ctl_connect(const struct lbnl_endpoint *to, struct lbnl_ctl_tls *tls,
		     enum lbnl_ctl_role want, int timeout_ms,
		     struct lbnl_ctl_conn **out, char *err, size_t errlen);
/* The same on a socket accept() returned, blocking (the conn owns fd). */
int lbnl_ctl_accept(int fd, struct lbnl_ctl_tls *tls, int timeout_ms,
		    struct lbnl_ctl_conn **out, char *err, size_t errlen);

/* The peer's role and whether its certificate names a. */
enum lbnl_ctl_role lbnl_ctl_peer_role(const struct lbnl_ctl_conn *c);
bool lbnl_ctl_peer_names(const struct lbnl_ctl_conn *c,
			 const struct lbnl_addr *a);
const char *lbnl_ctl_role_name(enum lbnl_ctl_role r);

/*
 * The pre-authentication gate of a daemon (see above): a thread that
 * takes accepted sockets, does their handshakes, and calls fn with each
 * authenticated connection (fn owns it; fn must not block long). Refused
 * handshakes (certificate verify failures, no certificate, no role) are
 * logged at LOG_WARNING; timeouts and drops at LOG_DEBUG, with a
 * LOG_WARNING summary at most every 10 s.
 */
struct lbnl_ctl_gate;
typedef void (*lbnl_ctl_gate_fn)(struct lbnl_ctl_conn *c, void *arg);

int lbnl_ctl_gate_start(struct lbnl_ctl_tls *tls, lbnl_ctl_gate_fn fn,
			void *arg, struct lbnl_ctl_gate **out);
/* Hand an accepted socket to the gate (owned after, closed on error). */
void lbnl_ctl_gate_add(struct lbnl_ctl_gate *g, int fd);
/* A new identity for the connections accepted from now on. */
void lbnl_ctl_gate_set_tls(struct lbnl_ctl_gate *g, struct lbnl_ctl_tls *t);
/* Handshakes in progress (for tests and logs). */
unsigned int lbnl_ctl_gate_pending(struct lbnl_ctl_gate *g);
/* Handshakes given up since the start: timed out, dropped, too big. */
void lbnl_ctl_gate_stats(struct lbnl_ctl_gate *g, unsigned long *timed_out,
			 unsigned long *dropped, unsigned long *too_big);

/*
 * Send one message; receive one. timeout_ms < 0: no limit. Errors:
 * -ETIMEDOUT, -ECONNRESET (closed by the other side), -EBADMSG (framing
 * or a required field missing), -EPROTONOSUPPORT (version), -EMSGSIZE,
 * -EPROTO (TLS: an alert, a bad record); after any error but -ETIMEDOUT
 * the connection is unusable. lbnl_ctl_error() says what happened, for
 * the log: "TLS alert certificate expired from 203.0.113.11:40312
 * (agent srv1)".
 */
int lbnl_ctl_send(struct lbnl_ctl_conn *c, const struct lbnl_ctl_msg *m,
		  int timeout_ms);
int lbnl_ctl_recv(struct lbnl_ctl_conn *c, struct lbnl_ctl_msg *m,
		  int timeout_ms);
const char *lbnl_ctl_error(const struct lbnl_ctl_conn *c);
/* "203.0.113.11:40312 (agent srv1)": the other side (role, CN), for logs. */
const char *lbnl_ctl_peer(const struct lbnl_ctl_conn *c);
/* The other side's address as seen on the socket. */
const struct lbnl_endpoint *lbnl_ctl_peer_addr(const struct lbnl_ctl_conn *c);
int lbnl_ctl_fd(const struct lbnl_ctl_conn *c);
void lbnl_ctl_close(struct lbnl_ctl_conn *c);

/*
 * For tests only (lbnl-ctl-probe): the last frame lbnl_ctl_send() wrote,
 * whole, and writing raw bytes as they are (inside TLS).
 */
int lbnl_ctl_last_frame(const struct lbnl_ctl_conn *c,
			const unsigned char **frame, size_t *len);
int lbnl_ctl_send_raw(struct lbnl_ctl_conn *c, const void *buf, size_t len,
		      int timeout_ms);

#endif
