// SPDX-License-Identifier: GPL-2.0
/*
 * sctp_peer: the remote peer of the migration tests. It holds NASSOC
 * associations (one-to-one sockets) to an SCTP echo server, sends numbered
 * messages on every stream of every association at a fixed pace and checks
 * every echo: nothing lost, nothing duplicated, ordered streams in order,
 * no association restarted, lost or aborted.
 *
 *   sctp_peer -c ADDR [-c ADDR...] -p PORT [-b LOCALADDR ...] [-n NASSOC]
 *             [-S NSTREAMS] [-i INTERVAL_MS] [-t DURATION_S] [-o SUMMARY_JSON]
 *             [-r READYFILE] [--stop-file FILE] [--drain-ms MS]
 *             [--setup-timeout S] [--close-ms MS]
 *             [--rto-min MS] [--rto-max MS] [--rto-initial MS]
 *             [--hb-interval MS] [--auth] [--nagle] [--app-counter]
 *             [-q] [-v]
 *
 * Run "sctp_peer -h" for the meaning of each option. One thread, one
 * poll(2) loop over all sockets, a timerfd for the pace and a signalfd.
 *
 * Phases: SETUP (connect all, exit 2 if any fails or --setup-timeout
 * passes) -> RUN (send every INTERVAL_MS one message per stream per
 * association; until DURATION_S, the stop file, or SIGTERM/SIGINT) -> DRAIN
 * (send nothing new, flush what is still queued, wait up to --drain-ms for
 * the echoes) -> CLOSE (graceful SHUTDOWN, up to --close-ms) -> summary.
 *
 * Messages: 64 bytes (struct peer_msg in sctp_common.h: magic, run id,
 * association index, stream, per-stream seq from 0, send time, a pattern);
 * even streams ordered, odd streams SCTP_UNORDERED; PPID 0x4c420000+stream.
 * Sends are non-blocking: what does not fit waits, in order, and is counted
 * as backlog; nothing is dropped. Every echo must come back on its stream,
 * with its PPID and ordered/unordered flag, byte for byte.
 *
 * Summary: one line of JSON on stdout (and atomically into -o FILE):
 *   {"assocs":N,"sent":X,"echoed":Y,"lost":L,"duplicated":D,"reordered":R,
 *    "comm_lost":a,"restart":b,"aborts":c,"shutdown":d,"cant_start":e,
 *    "max_stall_ms":M, ...extras..., "per_assoc":[{"idx":0,"sent":..,
 *    "echoed":..,"lost":..,"max_stall_ms":.., ...extras...}, ...]}
 * sent        messages handed to the stack (all streams, associations)
 * echoed      distinct messages that came back intact
 * lost        sent but never echoed (after the drain)
 * duplicated  echoes of a message already echoed
 * reordered   ordered stream: an echo below the highest seq seen there
 *             (a gap that fills in later); unordered streams: never
 * comm_lost, restart, shutdown, cant_start: SCTP_ASSOC_CHANGE events
 *             (COMM_LOST, RESTART, SHUTDOWN_COMP before our own close,
 *             CANT_STR_ASSOC)
 * aborts      associations that saw an ABORT: COMM_LOST carrying the
 *             ABORT chunk, or ECONNRESET/EPIPE (EPIPE after the server's
 *             SHUTDOWN is not one)
 * max_stall_ms  longest time between two consecutive echoes of one
 *             association while sending (a gap still open when sending
 *             stops counts up to that moment); an association missing
 *             echoes at the end also counts from its last echo to the end
 * Extras: "ok" (the exit status as a boolean), "gaps" (ordered stream:
 * an echo above the next expected seq), "bad" (echo malformed, of another
 * run or association, on the wrong stream, with the wrong PPID or
 * unordered flag, corrupted, or never sent; not counted as echoed),
 * "unsent" (due but never handed to the stack), "dead" (associations that
 * failed before the end), "send_failed" (SCTP_SEND_FAILED_EVENTs),
 * "send_blocked" (times a send found the buffer full), "send_backlog_max"
 * (largest per-association backlog), "max_rtt_ms", "path_events"
 * (SCTP_PEER_ADDR_CHANGEs), "streams", "interval_ms", "run_ms" (sending
 * time), "drain_ms"; per association also "duplicated", "reordered",
 * "gaps", "bad", "unsent", "max_rtt_ms", "lport" (local port), "assoc_id",
 * "primary" (peer primary address at set-up, SCTP_STATUS), "state"
 * (closed, dead, ...), "aborted" and, if dead, "why".
 *
 * --app-counter: the server is lbnl-echo (tools/echo), whose echoes carry 8
 * more bytes: the count of messages the association sent it, big-endian,
 * 1 for the first. The counts seen on one association must be exactly
 * 1..N (any order: unordered streams), each once, also across a
 * migration (the count is the app state the agents move). Summary extras:
 * "app_counter_errors" (counts seen twice, counts of 1..N never seen,
 * count 0; all associations; part of "ok") and per association
 * "app_counter_last" (N, the highest count) and "app_counter_errors".
 *
 * -r READYFILE lines: "idx=0 lport=40001 assoc_id=3 primary=198.51.100.10".
 *
 * Exit 0: lost, duplicated, reordered, comm_lost, restart, aborts, bad,
 * unsent, dead (and app_counter_errors) are all 0; 1 otherwise; 2: usage
 * error or set-up failed (the reason is printed; no JSON).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "sctp_common.h"

#define RBUF_SIZE	4096	/* messages are 64 bytes, notifications < 1 KiB */
#define MAX_ASSOCS	1000
#define MAX_STREAMS	1024
#define MAX_LOGGED_BAD	10

enum phase { P_SETUP, P_RUN, P_DRAIN, P_CLOSE, P_DONE };

enum astate {
	A_CONNECTING,	/* non-blocking connect in progress */
	A_RETRY,	/* refused: reconnect at retry_at */
	A_UP,
	A_CLOSING,	/* we sent SHUTDOWN (CLOSE phase) */
	A_CLOSED,	/* closed by us at the end */
	A_DEAD,		/* failed before the end */
};

static const char *const astate_name[] = {
	"connecting", "retry", "up", "closing", "closed", "dead",
};

struct stream {
	uint32_t due;		/* messages scheduled: seq < due */
	uint32_t sent;		/* handed to the stack: seq < sent */
	uint32_t next_exp;	/* ordered: highest seq echoed + 1 */
	uint8_t *got;		/* bitmap of seqs echoed */
	uint32_t gotbits;
	uint64_t echoed, dup, reord, gaps;
};

struct assoc {
	int idx;
	int fd;
	enum astate state;
	const char *why;	/* why it died */
	sctp_assoc_t id;
	uint16_t lport;
	char primary[INET6_ADDRSTRLEN];
	struct stream *st;
	uint64_t retry_at_ns;

	bool want_out;		/* send blocked: poll POLLOUT */
	bool out_suppressed;	/* POLLOUT gave no progress: wait for a tick */
	bool aborted;
	bool shutdown_seen;	/* the server shut down (not us) */
	bool closed_ok;		/* our SHUTDOWN completed */

	uint64_t echoes;	/* valid echoes, first copies */
	/* --app-counter: bitmap of the counts seen, 1..counter_max */
	uint8_t *counts;
	uint64_t countbits, counter_max, counter_dup, counter_zero;
	uint64_t bad, dup, reord, gaps;
	uint64_t last_echo_ns;
	uint64_t max_stall_ns;
	uint64_t max_rtt_ns;
	uint64_t backlog_max;

	/* receive reassembly */
	char rbuf[RBUF_SIZE];
	size_t rlen;
	struct sctp_rcvinfo rinfo;
	bool have_rinfo;
	bool overflow;
};

static struct {
	/* options */
	struct sc_addrs dst, src;
	unsigned int port, nassoc, nstreams, interval_ms;
	unsigned long duration_s;	/* 0: until stopped */
	const char *summary, *readyfile, *stopfile;
	unsigned long drain_ms, setup_timeout_s, close_ms;
	unsigned long rto_min, rto_max, rto_initial, hb_interval;
	bool auth, nagle, quiet, verbose, app_counter;
	int family;
	bool any_v4;		/* an IPv4 address among -c/-b */

	/* state */
	struct assoc *a;
	enum phase phase;
	uint32_t run_id;
	int tfd, sfd;
	uint64_t start_ns, run_ns, drain_ns, close_ns, end_ns;
	uint64_t last_stop_check_ns, last_progress_ns;
	bool ready_written;
	int signals;

	/* counters */
	uint64_t comm_up, comm_lost, restart, shutdown, cant_start;
	uint64_t send_failed, send_blocked, path_events, logged_bad;
} g;

#define info(...) do { if (!g.quiet) sc_log(__VA_ARGS__); } while (0)
#define vinfo(...) do { if (g.verbose) sc_log(__VA_ARGS__); } while (0)

enum {
	OPT_STOP_FILE = 256, OPT_DRAIN_MS, OPT_RTO_MIN, OPT_RTO_MAX,
	OPT_RTO_INITIAL, OPT_HB_INTERVAL, OPT_AUTH, OPT_SETUP_TIMEOUT,
	OPT_CLOSE_MS, OPT_NAGLE, OPT_APP_COUNTER,
};

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
"usage: sctp_peer -c ADDR [-c ADDR...] -p PORT [options]\n"
"  -c ADDR           server address (repeat for a multi-homed server:\n"
"                    sctp_connectx)\n"
"  -p PORT           server port\n"
"  -b LOCALADDR      local address to bind (repeat: multi-homed peer);\n"
"                    without -b every local address of the family is\n"
"                    offered (IPv6 only if no IPv4 address is given)\n"
"  -n NASSOC         associations (default 10)\n"
"  -S NSTREAMS       streams used per association (default 4); even\n"
"                    streams ordered, odd streams unordered\n"
"  -i INTERVAL_MS    one message per stream every INTERVAL_MS (default 10)\n"
"  -t DURATION_S     send for DURATION_S seconds (default: until stopped)\n"
"  -o FILE           also write the JSON summary to FILE\n"
"  -r READYFILE      create READYFILE once every association is up and\n"
"                    has had an echo (one line per association)\n"
"  --stop-file FILE  stop sending when FILE exists\n"
"  --drain-ms MS     after stopping, wait up to MS for echoes (15000)\n"
"  --setup-timeout S give up setting up after S seconds (default 10)\n"
"  --close-ms MS     wait up to MS for the final SHUTDOWNs (default 2000)\n"
"  --rto-min/--rto-max/--rto-initial MS   SCTP_RTOINFO\n"
"  --hb-interval MS  SCTP_PEER_ADDR_PARAMS heartbeat interval\n"
"  --auth            authenticate DATA (SCTP_AUTH_CHUNK; needs\n"
"                    net.sctp.auth_enable=1 on both sides)\n"
"  --nagle           leave Nagle on (default: SCTP_NODELAY)\n"
"  --app-counter     the server is lbnl-echo: echoes end with its 8-byte\n"
"                    per-association count; check it runs 1..N\n"
"  -q                quiet; -v verbose\n"
"Exit: 0 all echoes fine, 1 a check failed, 2 usage or set-up error.\n");
	exit(rc);
}

static bool opt_uint(const char *name, const char *s, unsigned long min,
		     unsigned long max, unsigned long *out)
{
	if (sc_parse_uint(s, min, max, out))
		return true;
	sc_log("bad %s '%s' (expected %lu..%lu)", name, s, min, max);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "stop-file", required_argument, NULL, OPT_STOP_FILE },
		{ "drain-ms", required_argument, NULL, OPT_DRAIN_MS },
		{ "rto-min", required_argument, NULL, OPT_RTO_MIN },
		{ "rto-max", required_argument, NULL, OPT_RTO_MAX },
		{ "rto-initial", required_argument, NULL, OPT_RTO_INITIAL },
		{ "hb-interval", required_argument, NULL, OPT_HB_INTERVAL },
		{ "auth", no_argument, NULL, OPT_AUTH },
		{ "setup-timeout", required_argument, NULL, OPT_SETUP_TIMEOUT },
		{ "close-ms", required_argument, NULL, OPT_CLOSE_MS },
		{ "nagle", no_argument, NULL, OPT_NAGLE },
		{ "app-counter", no_argument, NULL, OPT_APP_COUNTER },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dst[16], *src[16];
	int ndst = 0, nsrc = 0, opt;
	unsigned long v;

	g.nassoc = 10;
	g.nstreams = 4;
	g.interval_ms = 10;
	g.drain_ms = 15000;
	g.setup_timeout_s = 10;
	g.close_ms = 2000;
	while ((opt = getopt_long(argc, argv, "c:p:b:n:S:i:t:o:r:qvh", lopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (ndst == 16)
				usage(2);
			dst[ndst++] = optarg;
			break;
		case 'b':
			if (nsrc == 16)
				usage(2);
			src[nsrc++] = optarg;
			break;
		case 'p':
			opt_uint("port", optarg, 1, 65535, &v);
			g.port = v;
			break;
		case 'n':
			opt_uint("NASSOC", optarg, 1, MAX_ASSOCS, &v);
			g.nassoc = v;
			break;
		case 'S':
			opt_uint("NSTREAMS", optarg, 1, MAX_STREAMS, &v);
			g.nstreams = v;
			break;
		case 'i':
			opt_uint("INTERVAL_MS", optarg, 1, 60000, &v);
			g.interval_ms = v;
			break;
		case 't':
			opt_uint("DURATION_S", optarg, 1, 1000000, &g.duration_s);
			break;
		case 'o':
			g.summary = optarg;
			break;
		case 'r':
			g.readyfile = optarg;
			break;
		case OPT_STOP_FILE:
			g.stopfile = optarg;
			break;
		case OPT_DRAIN_MS:
			opt_uint("--drain-ms", optarg, 0, 3600000, &g.drain_ms);
			break;
		case OPT_SETUP_TIMEOUT:
			opt_uint("--setup-timeout", optarg, 1, 3600,
				 &g.setup_timeout_s);
			break;
		case OPT_CLOSE_MS:
			opt_uint("--close-ms", optarg, 0, 600000, &g.close_ms);
			break;
		case OPT_RTO_MIN:
			opt_uint("--rto-min", optarg, 1, 3600000, &g.rto_min);
			break;
		case OPT_RTO_MAX:
			opt_uint("--rto-max", optarg, 1, 3600000, &g.rto_max);
			break;
		case OPT_RTO_INITIAL:
			opt_uint("--rto-initial", optarg, 1, 3600000,
				 &g.rto_initial);
			break;
		case OPT_HB_INTERVAL:
			opt_uint("--hb-interval", optarg, 1, 3600000,
				 &g.hb_interval);
			break;
		case OPT_AUTH:
			g.auth = true;
			break;
		case OPT_NAGLE:
			g.nagle = true;
			break;
		case OPT_APP_COUNTER:
			g.app_counter = true;
			break;
		case 'q':
			g.quiet = true;
			break;
		case 'v':
			g.verbose = true;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc) {
		sc_log("unexpected argument '%s'", argv[optind]);
		usage(2);
	}
	if (!ndst || !g.port) {
		sc_log("-c ADDR and -p PORT are required");
		usage(2);
	}
	for (int i = 0; i < ndst; i++)
		if (!sc_addrs_add(&g.dst, dst[i], g.port)) {
			sc_log("bad address '%s' (numeric IPv4/IPv6)", dst[i]);
			exit(2);
		}
	for (int i = 0; i < nsrc; i++)
		if (!sc_addrs_add(&g.src, src[i], 0)) {
			sc_log("bad address '%s' (numeric IPv4/IPv6)", src[i]);
			exit(2);
		}
	g.family = sc_addrs_any_v6(&g.dst) || sc_addrs_any_v6(&g.src) ?
		   AF_INET6 : AF_INET;
	for (int i = 0; i < g.dst.n; i++)
		g.any_v4 |= g.dst.a[i].ss_family == AF_INET;
	for (int i = 0; i < g.src.n; i++)
		g.any_v4 |= g.src.a[i].ss_family == AF_INET;
}

/* ---- bookkeeping of echoes ------------------------------------------- */

static bool got_test(const struct stream *s, uint32_t seq)
{
	return seq < s->gotbits && (s->got[seq / 8] & (1u << (seq % 8)));
}

static void got_set(struct stream *s, uint32_t seq)
{
	if (seq >= s->gotbits) {
		uint32_t nbits = s->gotbits ? s->gotbits : 1024;

		while (nbits <= seq)
			nbits *= 2;
		s->got = realloc(s->got, nbits / 8);
		if (!s->got) {
			sc_log("out of memory");
			exit(1);
		}
		memset(s->got + s->gotbits / 8, 0, (nbits - s->gotbits) / 8);
		s->gotbits = nbits;
	}
	s->got[seq / 8] |= 1u << (seq % 8);
}

static uint32_t ppid_of(unsigned int stream)
{
	return htonl(0x4c420000u | stream);
}

static void fill_msg(struct peer_msg *m, const struct assoc *a,
		     unsigned int stream, uint32_t seq)
{
	m->magic = PEER_MSG_MAGIC;
	m->run_id = g.run_id;
	m->assoc = (uint16_t)a->idx;
	m->stream = (uint16_t)stream;
	m->seq = seq;
	m->send_ns = sc_now_ns();
	for (unsigned int i = 0; i < sizeof(m->pad); i++)
		m->pad[i] = (uint8_t)(seq + stream + i);
}

static void bad_echo(struct assoc *a, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	a->bad++;
	if (g.logged_bad++ >= MAX_LOGGED_BAD)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sc_log("assoc %d: bad echo: %s", a->idx, buf);
}

/* --app-counter: note count (from the echo's trailer) for a. */
static void counter_seen(struct assoc *a, uint64_t count)
{
	if (!count) {
		a->counter_zero++;
		return;
	}
	if (count > a->counter_max)
		a->counter_max = count;
	if (count > (uint64_t)1 << 32) {
		a->counter_dup++;	/* absurd: never 2^32 messages */
		return;
	}
	if (count >= a->countbits) {
		uint64_t nbits = a->countbits ? a->countbits : 1024;

		while (nbits <= count)
			nbits *= 2;
		a->counts = realloc(a->counts, nbits / 8);
		if (!a->counts) {
			sc_log("out of memory");
			exit(1);
		}
		memset(a->counts + a->countbits / 8, 0,
		       (nbits - a->countbits) / 8);
		a->countbits = nbits;
	}
	if (a->counts[count / 8] & (1u << (count % 8))) {
		a->counter_dup++;
		vinfo("assoc %d: app counter %llu seen twice", a->idx,
		      (unsigned long long)count);
		return;
	}
	a->counts[count / 8] |= 1u << (count % 8);
}

/* --app-counter: duplicates, zeros and the counts of 1..max not seen. */
static uint64_t counter_errors(const struct assoc *a)
{
	uint64_t missing = 0;

	for (uint64_t c = 1; c <= a->counter_max && c < a->countbits; c++)
		if (!(a->counts[c / 8] & (1u << (c % 8))))
			missing++;
	return a->counter_dup + a->counter_zero + missing;
}

static void on_echo(struct assoc *a, const char *data, size_t len,
		    const struct sctp_rcvinfo *ri)
{
	struct peer_msg m;
	struct stream *s;
	uint64_t now = sc_now_ns();
	size_t want = sizeof(m) + (g.app_counter ? 8 : 0);
	bool unordered;

	if (len != want) {
		bad_echo(a, "length %zu, expected %zu", len, want);
		return;
	}
	memcpy(&m, data, sizeof(m));
	if (m.magic != PEER_MSG_MAGIC || m.run_id != g.run_id) {
		bad_echo(a, "magic/run id %08x/%08x, expected %08x/%08x",
			 m.magic, m.run_id, PEER_MSG_MAGIC, g.run_id);
		return;
	}
	if (m.assoc != a->idx) {
		bad_echo(a, "carries association index %u", m.assoc);
		return;
	}
	if (m.stream >= g.nstreams || m.stream != ri->rcv_sid) {
		bad_echo(a, "message of stream %u came back on stream %u",
			 m.stream, ri->rcv_sid);
		return;
	}
	if (g.app_counter) {
		const unsigned char *t = (const unsigned char *)data;
		uint64_t count = 0;

		t += sizeof(m);
		for (int i = 0; i < 8; i++)
			count = count << 8 | t[i];
		counter_seen(a, count);
	}
	s = &a->st[m.stream];
	unordered = ri->rcv_flags & SCTP_UNORDERED;
	if (unordered != (m.stream % 2 == 1)) {
		bad_echo(a, "stream %u seq %u came back %s", m.stream, m.seq,
			 unordered ? "unordered" : "ordered");
		return;
	}
	if (ri->rcv_ppid != ppid_of(m.stream)) {
		bad_echo(a, "stream %u seq %u: PPID %08x, expected %08x",
			 m.stream, m.seq, ntohl(ri->rcv_ppid),
			 ntohl(ppid_of(m.stream)));
		return;
	}
	if (m.seq >= s->sent) {
		bad_echo(a, "stream %u seq %u was never sent (sent %u)",
			 m.stream, m.seq, s->sent);
		return;
	}
	for (unsigned int i = 0; i < sizeof(m.pad); i++) {
		if (m.pad[i] != (uint8_t)(m.seq + m.stream + i)) {
			bad_echo(a, "stream %u seq %u: payload corrupted at byte %u",
				 m.stream, m.seq, 24 + i);
			return;
		}
	}

	/*
	 * Stall: time since the previous echo on this association, counted
	 * while sending only: once sending stops, the last echoes may wait
	 * for a delayed SACK (200 ms) before the echo server's Nagle lets
	 * them go, which says nothing about the association.
	 */
	if (a->last_echo_ns) {
		uint64_t end = now;

		if (g.phase != P_RUN && g.drain_ns && end > g.drain_ns)
			end = g.drain_ns;
		if (end > a->last_echo_ns && end - a->last_echo_ns > a->max_stall_ns)
			a->max_stall_ns = end - a->last_echo_ns;
	}
	a->last_echo_ns = now;
	if (now > m.send_ns && now - m.send_ns > a->max_rtt_ns)
		a->max_rtt_ns = now - m.send_ns;

	if (got_test(s, m.seq)) {
		s->dup++;
		a->dup++;
		vinfo("assoc %d stream %u: seq %u duplicated", a->idx,
		      m.stream, m.seq);
		return;
	}
	got_set(s, m.seq);
	s->echoed++;
	a->echoes++;
	if (unordered)
		return;
	if (m.seq == s->next_exp) {
		s->next_exp++;
	} else if (m.seq > s->next_exp) {
		s->gaps++;
		a->gaps++;
		vinfo("assoc %d stream %u: gap, seq %u while expecting %u",
		      a->idx, m.stream, m.seq, s->next_exp);
		s->next_exp = m.seq + 1;
	} else {
		s->reord++;
		a->reord++;
		vinfo("assoc %d stream %u: seq %u reordered (after %u)",
		      a->idx, m.stream, m.seq, s->next_exp - 1);
	}
}

/* ---- notifications --------------------------------------------------- */

static const char *ac_state_name(unsigned int st)
{
	switch (st) {
	case SCTP_COMM_UP: return "COMM_UP";
	case SCTP_COMM_LOST: return "COMM_LOST";
	case SCTP_RESTART: return "RESTART";
	case SCTP_SHUTDOWN_COMP: return "SHUTDOWN_COMP";
	case SCTP_CANT_STR_ASSOC: return "CANT_STR_ASSOC";
	}
	return "?";
}

static void on_notification(struct assoc *a, const char *data, size_t len)
{
	const union sctp_notification *n = (const void *)data;
	const struct sctp_assoc_change *ac;

	if (len < sizeof(n->sn_header))
		return;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		if (len < sizeof(*ac))
			return;
		ac = &n->sn_assoc_change;
		if (ac->sac_state == SCTP_COMM_UP ||
		    (ac->sac_state == SCTP_SHUTDOWN_COMP && g.phase == P_CLOSE))
			vinfo("assoc %d: %s", a->idx,
			      ac_state_name(ac->sac_state));
		else
			info("assoc %d: %s (error %u)", a->idx,
			     ac_state_name(ac->sac_state), ac->sac_error);
		switch (ac->sac_state) {
		case SCTP_COMM_UP:
			g.comm_up++;
			break;
		case SCTP_COMM_LOST:
			g.comm_lost++;
			/* Caused by an ABORT: Linux appends the chunk. */
			if (ac->sac_length > sizeof(*ac) &&
			    len > sizeof(*ac) && ac->sac_info[0] == 6) {
				info("assoc %d: ABORT received", a->idx);
				a->aborted = true;
			}
			break;
		case SCTP_RESTART:
			g.restart++;
			break;
		case SCTP_SHUTDOWN_COMP:
			if (g.phase == P_CLOSE && a->state == A_CLOSING) {
				a->closed_ok = true;
			} else {
				g.shutdown++;
				a->shutdown_seen = true;
			}
			break;
		case SCTP_CANT_STR_ASSOC:
			g.cant_start++;
			break;
		}
		break;
	case SCTP_SEND_FAILED:
	case SCTP_SEND_FAILED_EVENT:
		g.send_failed++;
		info("assoc %d: send failed notification", a->idx);
		break;
	case SCTP_PEER_ADDR_CHANGE: {
		const struct sctp_paddr_change *pc = &n->sn_paddr_change;
		char ip[INET6_ADDRSTRLEN];

		g.path_events++;
		info("assoc %d: peer address %s state %d (error %d)", a->idx,
		     sc_fmt_ip(&pc->spc_aaddr, ip, sizeof(ip)),
		     pc->spc_state, pc->spc_error);
		break;
	}
	case SCTP_SHUTDOWN_EVENT:
		if (g.phase != P_CLOSE) {
			info("assoc %d: the server shut the association down",
			     a->idx);
			a->shutdown_seen = true;
		}
		break;
	default:
		vinfo("assoc %d: notification %u", a->idx,
		      n->sn_header.sn_type);
	}
}

static void subscribe(int fd)
{
	static const uint16_t types[] = {
		SCTP_ASSOC_CHANGE, SCTP_SEND_FAILED_EVENT,
		SCTP_PEER_ADDR_CHANGE, SCTP_SHUTDOWN_EVENT,
	};
	struct sctp_event_subscribe es;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct sctp_event ev = {
			.se_assoc_id = SCTP_FUTURE_ASSOC,
			.se_type = types[i],
			.se_on = 1,
		};

		if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &ev,
			       sizeof(ev)) < 0)
			goto old_api;
	}
	return;
old_api:
	/* Kernels before SCTP_EVENT (5.0): the deprecated bulk option. */
	memset(&es, 0, sizeof(es));
	es.sctp_association_event = 1;
	es.sctp_address_event = 1;
	es.sctp_send_failure_event = 1;
	es.sctp_shutdown_event = 1;
	if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &es,
		       offsetof(struct sctp_event_subscribe,
				sctp_sender_dry_event)) < 0)
		sc_log("cannot subscribe to notifications: %s",
		       strerror(errno));
}

/* ---- association life ------------------------------------------------ */

static uint64_t outstanding(const struct assoc *a)
{
	uint64_t sent = 0;

	for (unsigned int s = 0; s < g.nstreams; s++)
		sent += a->st[s].sent;
	return sent - a->echoes;
}

static uint64_t backlog(const struct assoc *a)
{
	uint64_t b = 0;

	for (unsigned int s = 0; s < g.nstreams; s++)
		b += a->st[s].due - a->st[s].sent;
	return b;
}

static bool receive(struct assoc *a);
static void closed_by_us(struct assoc *a);

/*
 * The socket of a failed with err (0: EOF): close it. In the CLOSE phase an
 * association we are shutting down is simply closed; otherwise it is dead.
 */
static void socket_gone(struct assoc *a, const char *why, int err)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (g.phase == P_CLOSE && a->state == A_CLOSING) {
		a->state = A_CLOSED;
		return;
	}
	if (a->state == A_DEAD || a->state == A_CLOSED)
		return;
	if (err == ECONNRESET || (err == EPIPE && !a->shutdown_seen)) {
		if (!a->aborted)
			info("assoc %d: %s: treated as an abort", a->idx,
			     strerror(err));
		a->aborted = true;
	}
	a->state = A_DEAD;
	a->why = why;
	info("assoc %d: dead (%s%s%s), %llu echoes outstanding", a->idx, why,
	     err ? ": " : "", err ? strerror(err) : "",
	     (unsigned long long)outstanding(a));
}

/* A send failed: read the notifications queued before it, then close. */
static void kill_assoc(struct assoc *a, const char *why, int err)
{
	receive(a);
	if (a->fd >= 0)
		socket_gone(a, why, err);
	else if (err == ECONNRESET || (err == EPIPE && !a->shutdown_seen))
		a->aborted = true;
}

/*
 * Read everything available. Returns false once the socket is gone (EOF,
 * error: the association is then closed or dead).
 */
static bool receive(struct assoc *a)
{
	for (int rounds = 0; rounds < 256 && a->fd >= 0; rounds++) {
		union sc_cmsgbuf cb;
		struct sctp_rcvinfo ri;
		struct iovec iov = {
			.iov_base = a->rbuf + a->rlen,
			.iov_len = sizeof(a->rbuf) - a->rlen,
		};
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cb.buf,
			.msg_controllen = sizeof(cb.buf),
		};
		ssize_t n;

		if (iov.iov_len == 0) {
			/* Longer than any message we expect: skip to EOR. */
			a->overflow = true;
			a->rlen = 0;
			iov.iov_base = a->rbuf;
			iov.iov_len = sizeof(a->rbuf);
		}
		n = recvmsg(a->fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			int err = errno;

			if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR)
				return true;
			socket_gone(a, "receive failed", err);
			return false;
		}
		if (n == 0 && !(mh.msg_flags & MSG_NOTIFICATION)) {
			socket_gone(a, "closed by the server", 0);
			return false;
		}
		if (!(mh.msg_flags & MSG_NOTIFICATION) && !a->have_rinfo &&
		    sc_get_rcvinfo(&mh, &ri)) {
			a->rinfo = ri;
			a->have_rinfo = true;
		}
		a->rlen += (size_t)n;
		if (!(mh.msg_flags & MSG_EOR))
			continue;
		if (a->overflow)
			bad_echo(a, "message longer than %zu bytes",
				 sizeof(a->rbuf));
		else if (mh.msg_flags & MSG_NOTIFICATION)
			on_notification(a, a->rbuf, a->rlen);
		else if (!a->have_rinfo)
			bad_echo(a, "no SCTP_RCVINFO");
		else
			on_echo(a, a->rbuf, a->rlen, &a->rinfo);
		a->rlen = 0;
		a->have_rinfo = false;
		a->overflow = false;
		if (a->closed_ok && a->state == A_CLOSING) {
			closed_by_us(a);
			return false;
		}
	}
	return a->fd >= 0;
}

/* Send what is due, streams interleaved, each stream in order. */
static void flush(struct assoc *a)
{
	bool progress = true;
	uint64_t b;

	while (progress && a->state == A_UP) {
		progress = false;
		for (unsigned int s = 0; s < g.nstreams; s++) {
			struct stream *st = &a->st[s];
			struct peer_msg m;
			struct sctp_sndinfo si = {
				.snd_sid = (uint16_t)s,
				.snd_flags = s % 2 ? SCTP_UNORDERED : 0,
				.snd_ppid = ppid_of(s),
			};

			if (st->sent == st->due)
				continue;
			fill_msg(&m, a, s, st->sent);
			if (sc_send(a->fd, &m, sizeof(m), &si,
				    MSG_DONTWAIT) < 0) {
				int err = errno;

				if (err == EAGAIN || err == EWOULDBLOCK ||
				    err == ENOBUFS || err == ENOMEM ||
				    err == EINTR) {
					if (!a->want_out)
						g.send_blocked++;
					a->want_out = true;
					goto out;
				}
				kill_assoc(a, "send failed", err);
				return;
			}
			st->sent++;
			progress = true;
		}
	}
	a->want_out = false;
out:
	b = backlog(a);
	if (b > a->backlog_max)
		a->backlog_max = b;
}

static int open_socket(void)
{
	char ip[INET6_ADDRSTRLEN];
	int fd = socket(g.family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);

	if (fd < 0) {
		sc_log("socket(SCTP): %s", strerror(errno));
		return -1;
	}
	/*
	 * IPv6 only: without this the INIT would also list the peer's IPv4
	 * addresses; the server then heartbeats them from an IPv4 source that
	 * is not part of the association (bound to IPv6 only), and gets an
	 * ABORT (T bit) for each HEARTBEAT.
	 */
	if (g.family == AF_INET6 && !g.any_v4 &&
	    sc_set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) < 0) {
		sc_log("IPV6_V6ONLY: %s", strerror(errno));
		goto fail;
	}
	if (sc_set_initmsg(fd, g.nstreams, g.nstreams) < 0) {
		sc_log("SCTP_INITMSG: %s", strerror(errno));
		goto fail;
	}
	if (sc_set_int(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1) < 0) {
		sc_log("SCTP_RECVRCVINFO: %s", strerror(errno));
		goto fail;
	}
	if (!g.nagle && sc_set_int(fd, IPPROTO_SCTP, SCTP_NODELAY, 1) < 0) {
		sc_log("SCTP_NODELAY: %s", strerror(errno));
		goto fail;
	}
	subscribe(fd);
	if (g.rto_min || g.rto_max || g.rto_initial) {
		struct sctp_rtoinfo rto = {
			.srto_initial = g.rto_initial,
			.srto_max = g.rto_max,
			.srto_min = g.rto_min,
		};

		if (setsockopt(fd, IPPROTO_SCTP, SCTP_RTOINFO, &rto,
			       sizeof(rto)) < 0) {
			sc_log("SCTP_RTOINFO (min %lu max %lu initial %lu): %s",
			       g.rto_min, g.rto_max, g.rto_initial,
			       strerror(errno));
			goto fail;
		}
	}
	if (g.hb_interval) {
		struct sctp_paddrparams pp;

		memset(&pp, 0, sizeof(pp));
		pp.spp_hbinterval = g.hb_interval;
		pp.spp_flags = SPP_HB_ENABLE;
		if (setsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp,
			       sizeof(pp)) < 0) {
			sc_log("SCTP_PEER_ADDR_PARAMS (hb %lu ms): %s",
			       g.hb_interval, strerror(errno));
			goto fail;
		}
	}
	if (g.auth) {
		struct sctp_authchunk ac = { .sauth_chunk = 0 /* DATA */ };

		if (setsockopt(fd, IPPROTO_SCTP, SCTP_AUTH_CHUNK, &ac,
			       sizeof(ac)) < 0) {
			sc_log("SCTP_AUTH_CHUNK: %s%s", strerror(errno),
			       errno == EACCES ?
			       " (net.sctp.auth_enable=0?)" : "");
			goto fail;
		}
	}
	if (g.src.n) {
		struct sockaddr_storage packed[16];

		if (sctp_bindx(fd, sc_addrs_pack(&g.src, 0, packed), g.src.n,
			       SCTP_BINDX_ADD_ADDR) < 0) {
			sc_log("sctp_bindx(%s%s): %s",
			       sc_fmt_ip(&g.src.a[0], ip, sizeof(ip)),
			       g.src.n > 1 ? ", ..." : "", strerror(errno));
			goto fail;
		}
	}
	if (sc_set_nonblock(fd) < 0) {
		sc_log("O_NONBLOCK: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Start a non-blocking connect. Returns -1 on a fatal set-up error. */
static int start_connect(struct assoc *a)
{
	int rc;

	a->fd = open_socket();
	if (a->fd < 0)
		return -1;
	if (g.dst.n == 1) {
		rc = connect(a->fd, (struct sockaddr *)&g.dst.a[0],
			     g.dst.len[0]);
	} else {
		struct sockaddr_storage packed[16];

		rc = sctp_connectx(a->fd, sc_addrs_pack(&g.dst, 0, packed),
				   g.dst.n, NULL);
	}
	if (rc < 0 && errno != EINPROGRESS) {
		if (errno == ECONNREFUSED) {
			close(a->fd);
			a->fd = -1;
			a->state = A_RETRY;
			a->retry_at_ns = sc_now_ns() + 100000000ull;
			return 0;
		}
		sc_log("assoc %d: connect: %s", a->idx, strerror(errno));
		return -1;
	}
	a->state = A_CONNECTING;
	return 0;
}

/* The connect finished: 1 up, 0 retrying, -1 failed. */
static int finish_connect(struct assoc *a)
{
	struct sctp_status st;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == ECONNREFUSED) {
		vinfo("assoc %d: refused, retrying", a->idx);
		close(a->fd);
		a->fd = -1;
		a->state = A_RETRY;
		a->retry_at_ns = sc_now_ns() + 100000000ull;
		return 0;
	}
	if (err) {
		sc_log("assoc %d: connect: %s", a->idx, strerror(err));
		return -1;
	}
	memset(&st, 0, sizeof(st));
	len = sizeof(st);
	if (getsockopt(a->fd, IPPROTO_SCTP, SCTP_STATUS, &st, &len) < 0) {
		sc_log("assoc %d: SCTP_STATUS: %s", a->idx, strerror(errno));
		return -1;
	}
	if (st.sstat_state == SCTP_COOKIE_WAIT ||
	    st.sstat_state == SCTP_COOKIE_ECHOED)
		return 0;	/* not yet */
	if (st.sstat_outstrms < g.nstreams) {
		sc_log("assoc %d: only %u outbound streams, %u needed (server's"
		       " max instreams too low?)", a->idx, st.sstat_outstrms,
		       g.nstreams);
		return -1;
	}
	a->id = st.sstat_assoc_id;
	sc_fmt_ip(&st.sstat_primary.spinfo_address, a->primary,
		  sizeof(a->primary));
	len = sizeof(ss);
	if (getsockname(a->fd, (struct sockaddr *)&ss, &len) == 0)
		a->lport = sc_port(&ss);
	a->state = A_UP;
	vinfo("assoc %d: up, local port %u, assoc id %d, primary %s", a->idx,
	      a->lport, (int)a->id, a->primary);
	return 1;
}

/* ---- phases ---------------------------------------------------------- */

static void write_ready(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (g.ready_written)
		return;
	for (unsigned int i = 0; i < g.nassoc; i++)
		if (g.a[i].state != A_UP || !g.a[i].echoes)
			return;
	g.ready_written = true;
	info("ready: %u associations up, each echoing (%.1f s)", g.nassoc,
	     (sc_now_ns() - g.start_ns) / 1e9);
	if (!g.readyfile)
		return;
	f = open_memstream(&buf, &len);
	if (!f)
		exit(1);
	for (unsigned int i = 0; i < g.nassoc; i++)
		fprintf(f, "idx=%u lport=%u assoc_id=%d primary=%s\n", i,
			g.a[i].lport, (int)g.a[i].id, g.a[i].primary);
	fclose(f);
	err = sc_write_file_atomic(g.readyfile, buf);
	if (err)
		sc_log("cannot write %s: %s", g.readyfile, strerror(-err));
	free(buf);
}

static void enter_drain(const char *why)
{
	if (g.phase != P_RUN)
		return;
	info("stop sending (%s); draining for up to %lu ms", why, g.drain_ms);
	g.phase = P_DRAIN;
	g.drain_ns = sc_now_ns();
}

static bool drained(void)
{
	for (unsigned int i = 0; i < g.nassoc; i++) {
		const struct assoc *a = &g.a[i];

		if (a->state == A_UP && (outstanding(a) || backlog(a)))
			return false;
	}
	return true;
}

static void enter_close(void)
{
	g.phase = P_CLOSE;
	g.close_ns = sc_now_ns();
	for (unsigned int i = 0; i < g.nassoc; i++) {
		struct assoc *a = &g.a[i];

		if (a->state != A_UP)
			continue;
		a->state = A_CLOSING;
		if (shutdown(a->fd, SHUT_WR) < 0) {
			vinfo("assoc %d: shutdown: %s", a->idx, strerror(errno));
			close(a->fd);
			a->fd = -1;
			a->state = A_CLOSED;
		}
	}
}

static bool all_closed(void)
{
	for (unsigned int i = 0; i < g.nassoc; i++)
		if (g.a[i].state == A_CLOSING)
			return false;
	return true;
}

/*
 * Our SHUTDOWN completed (SCTP_SHUTDOWN_COMP): done with the socket. (A
 * one-to-one socket that initiated the shutdown does not see EOF after.)
 */
static void closed_by_us(struct assoc *a)
{
	close(a->fd);
	a->fd = -1;
	a->state = A_CLOSED;
}

static void tick(uint64_t expirations)
{
	if (expirations > 100)
		expirations = 100;	/* a long hiccup: no huge burst */
	if (g.phase == P_RUN) {
		for (unsigned int i = 0; i < g.nassoc; i++) {
			struct assoc *a = &g.a[i];

			if (a->state != A_UP)
				continue;
			for (unsigned int s = 0; s < g.nstreams; s++)
				a->st[s].due += (uint32_t)expirations;
		}
	}
	for (unsigned int i = 0; i < g.nassoc; i++) {
		g.a[i].out_suppressed = false;
		if (g.a[i].state == A_UP)
			flush(&g.a[i]);
	}
}

/* At least ms milliseconds since since (CLOCK_MONOTONIC ns)? */
static bool passed_ms(uint64_t since, uint64_t ms)
{
	uint64_t now = sc_now_ns();

	return now >= since && now - since >= ms * 1000000ull;
}

static void check_stop(uint64_t now)
{
	struct stat sb;
	unsigned int up = 0;

	if (g.phase != P_RUN)
		return;
	for (unsigned int i = 0; i < g.nassoc; i++)
		up += g.a[i].state == A_UP;
	if (!up) {
		enter_drain("no association left");
		return;
	}
	if (g.duration_s && passed_ms(g.run_ns, g.duration_s * 1000)) {
		enter_drain("duration reached");
		return;
	}
	if (g.stopfile && now - g.last_stop_check_ns >= 20000000ull) {
		g.last_stop_check_ns = now;
		if (stat(g.stopfile, &sb) == 0)
			enter_drain("stop file");
	}
}

static void progress(uint64_t now)
{
	uint64_t sent = 0, echoed = 0, bl = 0;

	if (!g.verbose || now - g.last_progress_ns < 1000000000ull)
		return;
	g.last_progress_ns = now;
	for (unsigned int i = 0; i < g.nassoc; i++) {
		const struct assoc *a = &g.a[i];

		for (unsigned int s = 0; s < g.nstreams; s++)
			sent += a->st[s].sent;
		echoed += a->echoes;
		bl += backlog(a);
	}
	sc_log("t=%.1fs sent %llu echoed %llu backlog %llu",
	       (now - g.start_ns) / 1e9, (unsigned long long)sent,
	       (unsigned long long)echoed, (unsigned long long)bl);
}

/* ---- summary --------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static unsigned long long ms(uint64_t ns)
{
	return (unsigned long long)((ns + 500000) / 1000000);
}

/* The JSON summary described at the top of this file; returns the exit. */
static int print_summary(void)
{
	uint64_t sent = 0, echoed = 0, lost = 0, dup = 0, reord = 0, gaps = 0;
	uint64_t bad = 0, unsent = 0, aborts = 0, dead = 0, stall = 0, rtt = 0;
	uint64_t backlog_max = 0, counter_errs = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;
	int err;

	f = open_memstream(&buf, &len);
	if (!f)
		exit(1);
	for (unsigned int i = 0; i < g.nassoc; i++) {
		struct assoc *a = &g.a[i];
		uint64_t asent = 0, aunsent = 0;

		for (unsigned int s = 0; s < g.nstreams; s++) {
			asent += a->st[s].sent;
			aunsent += a->st[s].due - a->st[s].sent;
		}
		/* Still waiting at the end: that wait is a stall too. */
		if (asent > a->echoes) {
			uint64_t since = a->last_echo_ns ? a->last_echo_ns :
							   g.run_ns;

			if (g.end_ns > since && g.end_ns - since > a->max_stall_ns)
				a->max_stall_ns = g.end_ns - since;
		}
		sent += asent;
		echoed += a->echoes;
		lost += asent - a->echoes;
		dup += a->dup;
		reord += a->reord;
		gaps += a->gaps;
		bad += a->bad;
		unsent += aunsent;
		aborts += a->aborted;
		dead += a->state == A_DEAD;
		if (a->max_stall_ns > stall)
			stall = a->max_stall_ns;
		if (a->max_rtt_ns > rtt)
			rtt = a->max_rtt_ns;
		if (a->backlog_max > backlog_max)
			backlog_max = a->backlog_max;
		if (g.app_counter)
			counter_errs += counter_errors(a);
	}
	ok = !lost && !dup && !reord && !g.comm_lost && !g.restart &&
	     !aborts && !bad && !unsent && !dead && !counter_errs;

	fprintf(f, "{\"assocs\":%u,\"sent\":%llu,\"echoed\":%llu,\"lost\":%llu,"
		"\"duplicated\":%llu,\"reordered\":%llu,\"comm_lost\":%llu,"
		"\"restart\":%llu,\"aborts\":%llu,\"shutdown\":%llu,"
		"\"cant_start\":%llu,\"max_stall_ms\":%llu,",
		g.nassoc, (unsigned long long)sent,
		(unsigned long long)echoed, (unsigned long long)lost,
		(unsigned long long)dup, (unsigned long long)reord,
		(unsigned long long)g.comm_lost, (unsigned long long)g.restart,
		(unsigned long long)aborts, (unsigned long long)g.shutdown,
		(unsigned long long)g.cant_start, ms(stall));
	fprintf(f, "\"ok\":%s,\"gaps\":%llu,\"bad\":%llu,\"unsent\":%llu,"
		"\"dead\":%llu,\"send_failed\":%llu,\"send_blocked\":%llu,"
		"\"send_backlog_max\":%llu,\"max_rtt_ms\":%llu,"
		"\"path_events\":%llu,\"streams\":%u,\"interval_ms\":%u,"
		"\"run_ms\":%llu,\"drain_ms\":%llu,",
		ok ? "true" : "false", (unsigned long long)gaps,
		(unsigned long long)bad, (unsigned long long)unsent,
		(unsigned long long)dead, (unsigned long long)g.send_failed,
		(unsigned long long)g.send_blocked,
		(unsigned long long)backlog_max, ms(rtt),
		(unsigned long long)g.path_events, g.nstreams, g.interval_ms,
		ms(g.drain_ns - g.run_ns), ms(g.end_ns - g.drain_ns));
	if (g.app_counter)
		fprintf(f, "\"app_counter_errors\":%llu,",
			(unsigned long long)counter_errs);
	fputs("\"per_assoc\":[", f);
	for (unsigned int i = 0; i < g.nassoc; i++) {
		struct assoc *a = &g.a[i];
		uint64_t asent = 0, aunsent = 0;

		for (unsigned int s = 0; s < g.nstreams; s++) {
			asent += a->st[s].sent;
			aunsent += a->st[s].due - a->st[s].sent;
		}
		fprintf(f, "%s{\"idx\":%u,\"sent\":%llu,\"echoed\":%llu,"
			"\"lost\":%llu,\"max_stall_ms\":%llu,"
			"\"duplicated\":%llu,\"reordered\":%llu,\"gaps\":%llu,"
			"\"bad\":%llu,\"unsent\":%llu,\"max_rtt_ms\":%llu,"
			"\"lport\":%u,\"assoc_id\":%d,\"primary\":",
			i ? "," : "", i, (unsigned long long)asent,
			(unsigned long long)a->echoes,
			(unsigned long long)(asent - a->echoes),
			ms(a->max_stall_ns), (unsigned long long)a->dup,
			(unsigned long long)a->reord,
			(unsigned long long)a->gaps, (unsigned long long)a->bad,
			(unsigned long long)aunsent, ms(a->max_rtt_ns),
			a->lport, (int)a->id);
		json_str(f, a->primary);
		fprintf(f, ",\"state\":\"%s\",\"aborted\":%s",
			astate_name[a->state], a->aborted ? "true" : "false");
		if (g.app_counter)
			fprintf(f, ",\"app_counter_last\":%llu,"
				"\"app_counter_errors\":%llu",
				(unsigned long long)a->counter_max,
				(unsigned long long)counter_errors(a));
		if (a->state == A_DEAD) {
			fputs(",\"why\":", f);
			json_str(f, a->why ? a->why : "?");
		}
		fputc('}', f);
	}
	fputs("]}\n", f);
	fclose(f);

	fputs(buf, stdout);
	fflush(stdout);
	if (g.summary) {
		err = sc_write_file_atomic(g.summary, buf);
		if (err)
			sc_log("cannot write %s: %s", g.summary, strerror(-err));
	}
	free(buf);
	if (!ok)
		info("FAIL: lost %llu duplicated %llu reordered %llu comm_lost %llu"
		     " restart %llu aborts %llu bad %llu unsent %llu dead %llu"
		     " app_counter_errors %llu",
		     (unsigned long long)lost, (unsigned long long)dup,
		     (unsigned long long)reord,
		     (unsigned long long)g.comm_lost,
		     (unsigned long long)g.restart, (unsigned long long)aborts,
		     (unsigned long long)bad, (unsigned long long)unsent,
		     (unsigned long long)dead,
		     (unsigned long long)counter_errs);
	return ok ? 0 : 1;
}

/* ---- main loop ------------------------------------------------------- */

static int setup(void)
{
	uint64_t deadline;
	struct pollfd *pfd = calloc(g.nassoc + 1, sizeof(*pfd));
	int *map = calloc(g.nassoc + 1, sizeof(*map));

	if (!pfd || !map)
		exit(1);
	for (unsigned int i = 0; i < g.nassoc; i++)
		if (start_connect(&g.a[i]) < 0)
			return -1;
	deadline = g.start_ns + g.setup_timeout_s * 1000000000ull;
	for (;;) {
		uint64_t now = sc_now_ns();
		unsigned int up = 0;
		int n = 1, timeout = 100;

		for (unsigned int i = 0; i < g.nassoc; i++) {
			struct assoc *a = &g.a[i];

			if (a->state == A_RETRY && now >= a->retry_at_ns &&
			    start_connect(a) < 0)
				return -1;
			if (a->state == A_UP)
				up++;
			if (a->state != A_CONNECTING)
				continue;
			map[n] = i;
			pfd[n++] = (struct pollfd){ .fd = a->fd,
						    .events = POLLOUT };
		}
		if (up == g.nassoc)
			break;
		if (now >= deadline) {
			for (unsigned int i = 0; i < g.nassoc; i++)
				if (g.a[i].state != A_UP) {
					sc_log("assoc %u: not established after %lu s (%s)",
					       i, g.setup_timeout_s,
					       g.a[i].state == A_RETRY ?
					       "connection refused" :
					       "no answer to INIT/COOKIE-ECHO");
					break;
				}
			return -1;
		}
		pfd[0] = (struct pollfd){ .fd = g.sfd, .events = POLLIN };
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			sc_log("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents) {
			sc_log("interrupted during set-up");
			return -1;
		}
		for (int k = 1; k < n; k++)
			if (pfd[k].revents &&
			    finish_connect(&g.a[map[k]]) < 0)
				return -1;
	}
	free(pfd);
	free(map);
	return 0;
}

static void run(void)
{
	struct itimerspec its = {
		.it_interval = {
			.tv_sec = g.interval_ms / 1000,
			.tv_nsec = (long)(g.interval_ms % 1000) * 1000000L,
		},
	};
	struct pollfd *pfd = calloc(g.nassoc + 2, sizeof(*pfd));
	int *map = calloc(g.nassoc + 2, sizeof(*map));

	if (!pfd || !map)
		exit(1);
	its.it_value = its.it_interval;
	timerfd_settime(g.tfd, 0, &its, NULL);
	g.phase = P_RUN;
	g.run_ns = sc_now_ns();
	tick(1);		/* first round right away */

	while (g.phase != P_DONE) {
		int n = 2, timeout = 100;

		check_stop(sc_now_ns());
		progress(sc_now_ns());
		if (g.phase == P_DRAIN &&
		    (drained() || passed_ms(g.drain_ns, g.drain_ms) ||
		     g.signals > 1)) {
			g.end_ns = sc_now_ns();
			if (!drained())
				info("drain timeout: echoes still missing");
			enter_close();
		}
		if (g.phase == P_CLOSE &&
		    (all_closed() || passed_ms(g.close_ns, g.close_ms) ||
		     g.signals > 1)) {
			if (!all_closed())
				info("SHUTDOWN not complete after %lu ms", g.close_ms);
			g.phase = P_DONE;
			break;
		}

		pfd[0] = (struct pollfd){ .fd = g.sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = g.tfd, .events = POLLIN };
		for (unsigned int i = 0; i < g.nassoc; i++) {
			struct assoc *a = &g.a[i];
			short ev = POLLIN;

			if (a->fd < 0)
				continue;
			if (a->state == A_UP && a->want_out && !a->out_suppressed)
				ev |= POLLOUT;
			map[n] = i;
			pfd[n++] = (struct pollfd){ .fd = a->fd, .events = ev };
		}
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			sc_log("poll: %s", strerror(errno));
			exit(1);
		}
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(g.sfd, &si, sizeof(si)) == sizeof(si)) {
				g.signals++;
				enter_drain("signal");
			}
		}
		if (pfd[1].revents) {
			uint64_t exp;

			if (read(g.tfd, &exp, sizeof(exp)) == sizeof(exp))
				tick(exp);
		}
		for (int k = 2; k < n; k++) {
			struct assoc *a = &g.a[map[k]];

			if (!pfd[k].revents || a->fd < 0)
				continue;
			if (pfd[k].revents & (POLLIN | POLLERR | POLLHUP))
				receive(a);
			if (a->fd >= 0 && a->state == A_UP &&
			    (pfd[k].revents & POLLOUT)) {
				uint64_t before = backlog(a);

				flush(a);
				if (a->want_out && backlog(a) == before)
					a->out_suppressed = true;
			}
		}
		write_ready();
	}
	if (!g.end_ns)
		g.end_ns = sc_now_ns();
	for (unsigned int i = 0; i < g.nassoc; i++) {
		struct assoc *a = &g.a[i];

		if (a->fd < 0)
			continue;
		/*
		 * Unread data makes close() abort the association: read what
		 * is queued (late echoes still count), then close; a pending
		 * SHUTDOWN goes on in the background.
		 */
		receive(a);
		if (a->fd >= 0) {
			close(a->fd);
			a->fd = -1;
			if (a->state == A_CLOSING)
				a->state = A_CLOSED;
		}
	}
	free(pfd);
	free(map);
}

int main(int argc, char **argv)
{
	sigset_t mask;

	sc_prog = "sctp_peer";
	parse_args(argc, argv);
	if (getrandom(&g.run_id, sizeof(g.run_id), 0) != sizeof(g.run_id))
		g.run_id = (uint32_t)getpid() ^ (uint32_t)sc_now_ns();

	g.a = calloc(g.nassoc, sizeof(*g.a));
	if (!g.a)
		return 1;
	for (unsigned int i = 0; i < g.nassoc; i++) {
		g.a[i].idx = (int)i;
		g.a[i].fd = -1;
		g.a[i].st = calloc(g.nstreams, sizeof(*g.a[i].st));
		if (!g.a[i].st)
			return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	g.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	g.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (g.sfd < 0 || g.tfd < 0) {
		sc_log("signalfd/timerfd: %s", strerror(errno));
		return 2;
	}
	if (g.readyfile)
		unlink(g.readyfile);

	g.start_ns = sc_now_ns();
	if (setup() < 0) {
		sc_log("set-up failed: %u association(s) to port %u not established",
		       g.nassoc, g.port);
		return 2;
	}
	info("%u associations up (%.1f s); %u streams each, one message per"
	     " stream every %u ms", g.nassoc, (sc_now_ns() - g.start_ns) / 1e9,
	     g.nstreams, g.interval_ms);
	run();
	return print_summary();
}
