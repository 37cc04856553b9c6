// SPDX-License-Identifier: GPL-2.0
/*
 * pktfuzz: send malformed and randomly mutated IPv4/IPv6 packets at a VIP.
 *
 *   pktfuzz -i IFACE -m DSTMAC -s SRC [-s SRC] -d VIP [-d VIP] -p PORT
 *           [-P tcp|udp|sctp|all] [-n COPIES] [-S SPORT] [-w PCAP] [-v]
 *           list | malformed [CASE...] | fuzz COUNT SEED
 *
 *   -i IFACE   interface to send on (AF_PACKET; run in the peer namespace)
 *   -m MAC     destination MAC: the next hop's (the LB's) address
 *   -s SRC     source address, one per family (repeat for IPv4 and IPv6);
 *              tests use an address of the peer kept for malformed traffic,
 *              so that what the LB forwards can be counted at the servers
 *   -d VIP     VIP address (repeatable, IPv4 and/or IPv6)
 *   -p PORT    VIP port
 *   -P PROTO   VIP protocol; "all" (fuzz): tcp, udp and sctp in turn at
 *              random. Repeatable
 *   -n COPIES  malformed: send every case COPIES times (default 1)
 *   -S SPORT   first source port (default 40000); case k uses SPORT + k,
 *              fuzz SPORT .. SPORT + 255 (and sometimes any port)
 *   -w PCAP    write the frames to PCAP (Ethernet) instead of sending them
 *              (no interface needed: -i may be omitted)
 *   -v         malformed: one line per case sent
 *
 * Commands:
 *   list       the catalogue for the given -d/-P: "NAME SCOPE  what" per
 *              case, SCOPE being ip (the IP header itself: one run per
 *              family is enough), l4 (any protocol), tcp, udp or sctp
 *   malformed  send every case that applies to each -d and -P (or only the
 *              named ones), COPIES times each; prints "sent N" at the end
 *              and, with -v, "NAME ipv4|ipv6 PROTO COPIES" per case sent
 *   fuzz COUNT SEED
 *              COUNT packets, a deterministic function of SEED and the
 *              other options: valid TCP/UDP/SCTP packets to the VIPs
 *              (IPv4 options, IPv6 extension headers, several SCTP chunks)
 *              with 0-4 mutations each (bit flips, special bytes, cuts,
 *              junk appended, IP/TCP/UDP/SCTP length fields, fragment
 *              bits, header length, next header, vtags, chunk types and
 *              flags; checksums mostly recomputed afterwards so that the
 *              damage is what the LB sees, not a bad checksum) and 5% pure
 *              junk after an IP header. Sent with sendmmsg(2) in batches
 *              of 64. Prints "fuzz: sent N packets (B bytes) in T ms".
 *
 * Why AF_PACKET and not a raw IP socket with IP_HDRINCL: the kernel fills
 * in the IPv4 total length (and refuses headers it does not like) on
 * IP_HDRINCL sockets, and IPv6 raw sockets build their own header, so bad
 * lengths, short headers and hand-made extension-header chains could not be
 * sent. A packet socket sends the frame byte for byte; the receiving side
 * (the LB namespace) then runs its normal ip_rcv/ipv6_rcv checks before
 * PRE_ROUTING, exactly as for a frame from a real wire. Nothing is sent
 * through the local stack, so the sending namespace's own state is never
 * affected. Only documentation addresses are ever used by the tests.
 *
 * Exit: 0 sent, 1 sending failed, 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_HLEN_	14
#define ETHERTYPE_IP4	0x0800
#define ETHERTYPE_IP6	0x86dd
#define PKT_MAX		1514		/* one Ethernet frame at MTU 1500 */
#define BATCH		64
#define MAX_TARGETS	8

#define P_HOPOPTS	0
#define P_TCP		6
#define P_UDP		17
#define P_ROUTING	43
#define P_FRAGMENT	44
#define P_NONE		59
#define P_DSTOPTS	60
#define P_SCTP		132

/* SCTP chunk types */
#define CT_DATA		0
#define CT_INIT		1
#define CT_INIT_ACK	2
#define CT_SACK		3
#define CT_HEARTBEAT	4
#define CT_HB_ACK	5
#define CT_ABORT	6
#define CT_SHUTDOWN	7
#define CT_SHUTDOWN_ACK	8
#define CT_ERROR	9
#define CT_COOKIE_ECHO	10
#define CT_COOKIE_ACK	11
#define CT_SHUTDOWN_CPL	14

/* TCP flags */
#define TF_FIN	0x01
#define TF_SYN	0x02
#define TF_RST	0x04
#define TF_PSH	0x08
#define TF_ACK	0x10

#define DATA_VTAG	0x11223344u	/* vtag of the malformed non-INIT packets */

struct target {
	int af;
	uint8_t addr[16];
};

static struct {
	const char *ifname;
	int ifindex;
	uint8_t smac[6], dmac[6];
	bool have_dmac;
	bool have_src4, have_src6;
	uint8_t src4[4], src6[16];
	struct target dst[MAX_TARGETS];
	int ndst;
	uint8_t protos[3];
	int nprotos;
	uint16_t port;
	uint16_t sport;
	unsigned long copies;
	const char *pcap;
	bool verbose;

	int fd;
	FILE *pf;
	unsigned long long sent, bytes;
	uint16_t ipid;
} g = { .sport = 40000, .copies = 1, .fd = -1 };

/* ---- packet building ------------------------------------------------ */

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;	/* frame length */
	int af;
	size_t l3;	/* IP header */
	size_t nh;	/* the byte naming what follows the last IP header */
	size_t l4;	/* transport header */
	uint8_t proto;	/* transport protocol */
	size_t ch[8];	/* SCTP chunk offsets */
	int nch;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Room for n more bytes: the cases are small, the fuzzer checks first. */
static uint8_t *room(struct pkt *p, size_t n)
{
	uint8_t *q;

	if (p->len + n > PKT_MAX) {
		fprintf(stderr, "pktfuzz: internal error: frame too long\n");
		exit(1);
	}
	q = p->b + p->len;
	memset(q, 0, n);
	p->len += n;
	return q;
}

/* Ethernet + IP header of family t->af, protocol proto, to t. */
static void pk_ip(struct pkt *p, const struct target *t, uint8_t proto)
{
	uint8_t *h;

	p->len = 0;
	p->af = t->af;
	h = room(p, ETH_HLEN_);
	memcpy(h, g.dmac, 6);
	memcpy(h + 6, g.smac, 6);
	put16(h + 12, t->af == AF_INET ? ETHERTYPE_IP4 : ETHERTYPE_IP6);
	p->l3 = p->len;
	p->proto = proto;
	p->nch = 0;
	if (t->af == AF_INET) {
		h = room(p, 20);
		h[0] = 0x45;
		put16(h + 4, g.ipid++);
		h[8] = 64;
		h[9] = proto;
		memcpy(h + 12, g.src4, 4);
		memcpy(h + 16, t->addr, 4);
		p->nh = p->l3 + 9;
	} else {
		h = room(p, 40);
		h[0] = 0x60;
		h[6] = proto;
		h[7] = 64;
		memcpy(h + 8, g.src6, 16);
		memcpy(h + 24, t->addr, 16);
		p->nh = p->l3 + 6;
	}
	p->l4 = p->len;
}

/* IPv4 options: words 32-bit words of NOP, the last byte EOL. */
static void pk_ip4_opts(struct pkt *p, int words)
{
	uint8_t *o = room(p, 4 * words);

	memset(o, 1, 4 * words);
	o[4 * words - 1] = 0;
	p->b[p->l3] = 0x40 | (5 + words);
	p->l4 = p->len;
}

/*
 * IPv6 extension header of len bytes (a multiple of 8) after the last one:
 * hop-by-hop / destination options padded with PadN, a type 0 routing
 * header with no segments left, or a fragment header (frag = offset in
 * 8-byte units << 3 | M bit).
 */
static void pk_ext6(struct pkt *p, uint8_t type, size_t len, uint16_t frag)
{
	size_t at = p->len;
	uint8_t *h;

	if (type == P_FRAGMENT)
		len = 8;
	h = room(p, len);
	h[0] = p->proto;
	p->b[p->nh] = type;
	p->nh = at;
	switch (type) {
	case P_FRAGMENT:
		put16(h + 2, frag);
		put32(h + 4, 0x5eed0000u | g.ipid++);
		break;
	case P_ROUTING:
		h[1] = len / 8 - 1;	/* type 0, segments left 0 */
		break;
	default:
		h[1] = len / 8 - 1;
		h[2] = 1;		/* PadN */
		h[3] = len - 4;
		break;
	}
	p->l4 = p->len;
}

static void payload(uint8_t *d, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)(seed + i * 7);
}

static void pk_tcp(struct pkt *p, uint16_t sport, uint8_t flags, size_t plen)
{
	uint8_t *h = room(p, 20 + plen);

	put16(h, sport);
	put16(h + 2, g.port);
	put32(h + 4, 0x01000000u + sport);
	put32(h + 8, flags & TF_ACK ? 0x02000000u : 0);
	h[12] = 5 << 4;
	h[13] = flags;
	put16(h + 14, 65535);
	payload(h + 20, plen, 'T');
}

static void pk_udp(struct pkt *p, uint16_t sport, size_t plen)
{
	uint8_t *h = room(p, 8 + plen);

	put16(h, sport);
	put16(h + 2, g.port);
	put16(h + 4, 8 + plen);
	payload(h + 8, plen, 'U');
}

static void pk_sctp(struct pkt *p, uint16_t sport, uint32_t vtag)
{
	uint8_t *h = room(p, 12);

	put16(h, sport);
	put16(h + 2, g.port);
	put32(h + 4, vtag);
}

/* A chunk with blen bytes of body (zeros unless body), padded to 4. */
static uint8_t *pk_chunk(struct pkt *p, uint8_t type, uint8_t flags,
			 const void *body, size_t blen)
{
	size_t at = p->len;
	uint8_t *c = room(p, (4 + blen + 3) & ~(size_t)3);

	c[0] = type;
	c[1] = flags;
	put16(c + 2, 4 + blen);
	if (body)
		memcpy(c + 4, body, blen);
	if (p->nch < 8)
		p->ch[p->nch++] = at;
	return c;
}

static void ch_init(struct pkt *p, uint8_t type, uint32_t itag)
{
	uint8_t b[16 + 8] = { 0 };

	put32(b, itag);		/* initiate tag */
	put32(b + 4, 65536);	/* a_rwnd */
	put16(b + 8, 10);	/* outbound streams */
	put16(b + 10, 10);	/* inbound streams */
	put32(b + 12, itag ^ 0x5a5a5a5a);	/* initial TSN */
	put16(b + 16, 12);	/* Supported Address Types */
	put16(b + 18, 6);
	put16(b + 20, p->af == AF_INET ? 5 : 6);
	pk_chunk(p, type, 0, b, sizeof(b) - 2);
}

static void ch_data(struct pkt *p, uint32_t tsn, size_t plen)
{
	uint8_t b[12 + 64];

	if (plen > 64)
		plen = 64;
	memset(b, 0, 12);
	put32(b, tsn);
	put32(b + 8, 0x4c420000);	/* PPID */
	payload(b + 12, plen, 'S');
	pk_chunk(p, CT_DATA, 0x03, b, 12 + plen);	/* B and E bits */
}

static void ch_heartbeat(struct pkt *p, uint8_t type)
{
	uint8_t b[12] = { 0 };

	put16(b, 1);		/* Heartbeat Info */
	put16(b + 2, 12);
	payload(b + 4, 8, 'H');
	pk_chunk(p, type, 0, b, sizeof(b));
}

/* ---- checksums -------------------------------------------------------- */

static uint32_t crc32c_table[256];

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc32c_table[i] = c;
	}
}

static uint32_t crc32c(const uint8_t *d, size_t n)
{
	uint32_t c = ~0u;

	while (n--)
		c = crc32c_table[(c ^ *d++) & 0xff] ^ (c >> 8);
	return ~c;
}

static uint32_t csum_add(uint32_t s, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(d + i);
	if (n & 1)
		s += (uint32_t)d[n - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

#define FIX_LEN		0x01	/* IP total / payload length from the frame */
#define FIX_IPCSUM	0x02	/* IPv4 header checksum */
#define FIX_L4		0x04	/* TCP/UDP checksum, SCTP CRC32c */
#define FIX_ALL		(FIX_LEN | FIX_IPCSUM | FIX_L4)

static void fix_l4(struct pkt *p)
{
	size_t n = p->len > p->l4 ? p->len - p->l4 : 0;
	uint8_t *h = p->b + p->l4;
	uint32_t s;
	uint8_t ph[4];

	switch (p->proto) {
	case P_TCP:
	case P_UDP:
		if (n < (p->proto == P_TCP ? 18u : 8u))
			return;
		h[p->proto == P_TCP ? 16 : 6] = 0;
		h[p->proto == P_TCP ? 17 : 7] = 0;
		if (p->af == AF_INET)
			s = csum_add(0, p->b + p->l3 + 12, 8);
		else
			s = csum_add(0, p->b + p->l3 + 8, 32);
		put32(ph, n);
		s = csum_add(s, ph, 4);
		s += p->proto;
		s = csum_add(s, h, n);
		s = csum_fold(s);
		if (p->proto == P_UDP && s == 0)
			s = 0xffff;
		put16(h + (p->proto == P_TCP ? 16 : 6), s);
		break;
	case P_SCTP:
		if (n < 12)
			return;
		memset(h + 8, 0, 4);
		s = crc32c(h, n);
		/* The CRC goes on the wire least significant byte first. */
		h[8] = s;
		h[9] = s >> 8;
		h[10] = s >> 16;
		h[11] = s >> 24;
		break;
	}
}

static void pk_fix(struct pkt *p, unsigned int what)
{
	uint8_t *ip = p->b + p->l3;

	if ((what & FIX_LEN) && p->len >= p->l3 + (p->af == AF_INET ? 4 : 40)) {
		if (p->af == AF_INET)
			put16(ip + 2, p->len - p->l3);
		else
			put16(ip + 4, p->len - p->l3 - 40);
	}
	if (what & FIX_L4)
		fix_l4(p);
	if ((what & FIX_IPCSUM) && p->af == AF_INET) {
		size_t ihl = (ip[0] & 0x0f) * 4;

		if (ihl < 20 || p->l3 + ihl > p->len)
			ihl = 20;
		if (p->l3 + ihl > p->len)
			return;
		ip[10] = ip[11] = 0;
		put16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
	}
}

/* Cut the frame to len bytes (keeping at least the Ethernet header). */
static void pk_cut(struct pkt *p, size_t len)
{
	if (len < ETH_HLEN_)
		len = ETH_HLEN_;
	if (len < p->len)
		p->len = len;
}

/* ---- the malformed catalogue ------------------------------------------ */

/* A valid packet of protocol proto: TCP SYN, UDP with 16 bytes, SCTP INIT. */
static void l4_valid(struct pkt *p, uint16_t sport)
{
	switch (p->proto) {
	case P_TCP:
		pk_tcp(p, sport, TF_SYN, 0);
		break;
	case P_UDP:
		pk_udp(p, sport, 16);
		break;
	default:
		pk_sctp(p, sport, 0);
		ch_init(p, CT_INIT, 0x1bad0000u | sport);
		break;
	}
}

/* A valid packet whose malformed version would be a mid-flow packet. */
static void l4_data(struct pkt *p, uint16_t sport)
{
	switch (p->proto) {
	case P_TCP:
		pk_tcp(p, sport, TF_ACK | TF_PSH, 16);
		break;
	case P_UDP:
		pk_udp(p, sport, 16);
		break;
	default:
		pk_sctp(p, sport, DATA_VTAG);
		ch_data(p, 1, 16);
		break;
	}
}

/* Transport header sizes the "cut" cases keep. */
static size_t l4_cut_len(uint8_t proto)
{
	return proto == P_TCP ? 12 : proto == P_UDP ? 6 : 8;
}

typedef void (*build_fn)(struct pkt *p, const struct target *t, uint8_t proto,
			 uint16_t sport);

struct mcase {
	const char *name;
	int af;			/* 0: both */
	const char *scope;	/* ip, l4, tcp, udp, sctp */
	build_fn build;
	const char *what;
};

/* -- IPv4 header (the stack's own checks: ip_rcv drops these) -- */

static void c4_hdr_short(struct pkt *p, const struct target *t, uint8_t proto,
			 uint16_t sport)
{
	(void)sport;
	pk_ip(p, t, proto);
	pk_fix(p, FIX_ALL);
	pk_cut(p, p->l3 + 12);
}

static void c4_ihl_lt5(struct pkt *p, const struct target *t, uint8_t proto,
		       uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	p->b[p->l3] = 0x44;
	pk_fix(p, FIX_ALL);
}

static void c4_ihl_past_end(struct pkt *p, const struct target *t,
			    uint8_t proto, uint16_t sport)
{
	(void)sport;
	pk_ip(p, t, proto);
	room(p, 8);
	p->b[p->l3] = 0x4f;		/* 60 bytes of header, 28 there */
	pk_fix(p, FIX_LEN);
	p->b[p->l3 + 10] = p->b[p->l3 + 11] = 0;
	put16(p->b + p->l3 + 10, csum_fold(csum_add(0, p->b + p->l3, 28)));
}

static void c4_totlen_past_end(struct pkt *p, const struct target *t,
			       uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	put16(p->b + p->l3 + 2, p->len - p->l3 + 100);
	pk_fix(p, FIX_IPCSUM);
}

static void c4_totlen_lt_ihl(struct pkt *p, const struct target *t,
			     uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	put16(p->b + p->l3 + 2, 16);
	pk_fix(p, FIX_IPCSUM);
}

static void c4_bad_csum(struct pkt *p, const struct target *t, uint8_t proto,
			uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	p->b[p->l3 + 10] ^= 0x5a;
}

static void c4_version(struct pkt *p, const struct target *t, uint8_t proto,
		       uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	p->b[p->l3] = 0x65;
	pk_fix(p, FIX_IPCSUM);
}

/* -- IPv4, reaching the LB -- */

static void c_valid(struct pkt *p, const struct target *t, uint8_t proto,
		    uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
}

static void c4_options(struct pkt *p, const struct target *t, uint8_t proto,
		       uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_ip4_opts(p, 2);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
}

static void c4_totlen_cuts_l4(struct pkt *p, const struct target *t,
			      uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	/* The frame holds it all; the IP header says it ends in the ports. */
	put16(p->b + p->l3 + 2, 20 + 2);
	pk_fix(p, FIX_IPCSUM);
}

static void c4_frag(struct pkt *p, const struct target *t, uint8_t proto,
		    uint16_t sport, uint16_t frag)
{
	pk_ip(p, t, proto);
	if (frag & 0x1fff) {
		room(p, 24);		/* the middle of something */
		payload(p->b + p->l4, 24, 'F');
	} else {
		l4_data(p, sport);
	}
	/* Fragments with MF set carry a multiple of 8 bytes. */
	if (frag & 0x2000)
		room(p, (8 - (p->len - p->l4) % 8) % 8);
	put16(p->b + p->l3 + 6, frag);
	pk_fix(p, FIX_ALL);
}

static void c4_frag_first(struct pkt *p, const struct target *t,
			  uint8_t proto, uint16_t sport)
{
	c4_frag(p, t, proto, sport, 0x2000);		/* MF, offset 0 */
}

static void c4_frag_middle(struct pkt *p, const struct target *t,
			   uint8_t proto, uint16_t sport)
{
	c4_frag(p, t, proto, sport, 0x2000 | 8);	/* MF, offset 64 */
}

static void c4_frag_last(struct pkt *p, const struct target *t,
			 uint8_t proto, uint16_t sport)
{
	c4_frag(p, t, proto, sport, 11);		/* offset 88 */
}

static void c4_frag_df_first(struct pkt *p, const struct target *t,
			     uint8_t proto, uint16_t sport)
{
	c4_frag(p, t, proto, sport, 0x4000 | 0x2000);	/* DF + MF: odd */
}

/* -- transport headers, both families -- */

static void c_l4_cut(struct pkt *p, const struct target *t, uint8_t proto,
		     uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_data(p, sport);
	pk_cut(p, p->l4 + l4_cut_len(proto));
	pk_fix(p, FIX_LEN | FIX_IPCSUM);
}

static void c_l4_ports_cut(struct pkt *p, const struct target *t,
			   uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_data(p, sport);
	pk_cut(p, p->l4 + 3);		/* source port and half the dest port */
	pk_fix(p, FIX_LEN | FIX_IPCSUM);
}

static void c_l4_none(struct pkt *p, const struct target *t, uint8_t proto,
		      uint16_t sport)
{
	(void)sport;
	pk_ip(p, t, proto);		/* the IP header and nothing else */
	pk_fix(p, FIX_ALL);
}

static void c_tcp_doff(struct pkt *p, const struct target *t, uint8_t proto,
		       uint16_t sport, uint8_t doff, size_t plen)
{
	pk_ip(p, t, proto);
	pk_tcp(p, sport, TF_ACK | TF_PSH, plen);
	p->b[p->l4 + 12] = doff << 4;
	pk_fix(p, FIX_ALL);
}

static void c_tcp_doff0(struct pkt *p, const struct target *t, uint8_t proto,
			uint16_t sport)
{
	c_tcp_doff(p, t, proto, sport, 0, 16);
}

static void c_tcp_doff4(struct pkt *p, const struct target *t, uint8_t proto,
			uint16_t sport)
{
	c_tcp_doff(p, t, proto, sport, 4, 16);
}

static void c_tcp_doff_past(struct pkt *p, const struct target *t,
			    uint8_t proto, uint16_t sport)
{
	c_tcp_doff(p, t, proto, sport, 15, 0);	/* 60 bytes said, 20 there */
}

static void c_tcp_doff_past_data(struct pkt *p, const struct target *t,
				 uint8_t proto, uint16_t sport)
{
	c_tcp_doff(p, t, proto, sport, 15, 24);	/* 60 said, 44 there */
}

static void c_udp_len(struct pkt *p, const struct target *t, uint8_t proto,
		      uint16_t sport, int len)
{
	pk_ip(p, t, proto);
	pk_udp(p, sport, 16);
	put16(p->b + p->l4 + 4, len < 0 ? (int)(p->len - p->l4) + 32 : len);
	pk_fix(p, FIX_ALL);
}

static void c_udp_len0(struct pkt *p, const struct target *t, uint8_t proto,
		       uint16_t sport)
{
	c_udp_len(p, t, proto, sport, 0);
}

static void c_udp_len4(struct pkt *p, const struct target *t, uint8_t proto,
		       uint16_t sport)
{
	c_udp_len(p, t, proto, sport, 4);
}

static void c_udp_len_past(struct pkt *p, const struct target *t,
			   uint8_t proto, uint16_t sport)
{
	c_udp_len(p, t, proto, sport, -1);
}

static void c_sctp_no_chunk(struct pkt *p, const struct target *t,
			    uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_sctp(p, sport, DATA_VTAG);
	pk_fix(p, FIX_ALL);
}

static void c_sctp_chunkhdr_cut(struct pkt *p, const struct target *t,
				uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_sctp(p, sport, DATA_VTAG);
	ch_data(p, 1, 16);
	pk_cut(p, p->l4 + 12 + 2);	/* type and flags, no length */
	pk_fix(p, FIX_ALL);
}

static void c_sctp_chunk_len(struct pkt *p, const struct target *t,
			     uint8_t proto, uint16_t sport, uint16_t len)
{
	pk_ip(p, t, proto);
	pk_sctp(p, sport, DATA_VTAG);
	ch_data(p, 1, 16);
	put16(p->b + p->ch[0] + 2, len);
	pk_fix(p, FIX_ALL);
}

static void c_sctp_len0(struct pkt *p, const struct target *t, uint8_t proto,
			uint16_t sport)
{
	c_sctp_chunk_len(p, t, proto, sport, 0);
}

static void c_sctp_len3(struct pkt *p, const struct target *t, uint8_t proto,
			uint16_t sport)
{
	c_sctp_chunk_len(p, t, proto, sport, 3);
}

static void c_sctp_len_past(struct pkt *p, const struct target *t,
			    uint8_t proto, uint16_t sport)
{
	c_sctp_chunk_len(p, t, proto, sport, 200);	/* 32 there */
}

static void c_sctp_garbage(struct pkt *p, const struct target *t,
			   uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_sctp(p, sport, DATA_VTAG);
	ch_data(p, 1, 16);
	memset(room(p, 8), 0xff, 8);	/* "chunk" 0xff, length 0xffff */
	pk_fix(p, FIX_ALL);
}

static void c_sctp_second_len0(struct pkt *p, const struct target *t,
			       uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_sctp(p, sport, DATA_VTAG);
	ch_data(p, 1, 16);
	pk_chunk(p, CT_SACK, 0, NULL, 12);
	put16(p->b + p->ch[1] + 2, 0);
	pk_fix(p, FIX_ALL);
}

static void c_sctp_init_short(struct pkt *p, const struct target *t,
			      uint8_t proto, uint16_t sport)
{
	uint8_t b[4];

	pk_ip(p, t, proto);
	pk_sctp(p, sport, 0);
	put32(b, 0x1bad0000u | sport);	/* the initiate tag, nothing more */
	pk_chunk(p, CT_INIT, 0, b, 4);
	pk_fix(p, FIX_ALL);
}

static void c_sctp_init_vtag(struct pkt *p, const struct target *t,
			     uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_sctp(p, sport, 0x12345678);
	ch_init(p, CT_INIT, 0x1bad0000u | sport);
	pk_fix(p, FIX_ALL);
}

static void c_sctp_init_bundled(struct pkt *p, const struct target *t,
				uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_sctp(p, sport, 0);
	ch_init(p, CT_INIT, 0x1bad0000u | sport);
	ch_data(p, 1, 16);
	pk_fix(p, FIX_ALL);
}

static void c_sctp_bad_crc(struct pkt *p, const struct target *t,
			   uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	p->b[p->l4 + 8] ^= 0xa5;
}

/* -- IPv6 header: the stack's own checks (ipv6_rcv) -- */

static void c6_hdr_short(struct pkt *p, const struct target *t, uint8_t proto,
			 uint16_t sport)
{
	(void)sport;
	pk_ip(p, t, proto);
	pk_cut(p, p->l3 + 30);
}

static void c6_plen_past_end(struct pkt *p, const struct target *t,
			     uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	put16(p->b + p->l3 + 4, p->len - p->l4 + 100);
}

static void c6_version(struct pkt *p, const struct target *t, uint8_t proto,
		       uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	p->b[p->l3] = 0x40;
}

static void c6_hbh_bad(struct pkt *p, const struct target *t, uint8_t proto,
		       uint16_t sport)
{
	size_t hbh;

	pk_ip(p, t, proto);
	pk_ext6(p, P_HOPOPTS, 8, 0);
	hbh = p->nh;
	p->b[hbh + 3] = 40;		/* PadN running past its header */
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
}

/* -- IPv6, reaching the LB -- */

static void c6_plen_cuts_l4(struct pkt *p, const struct target *t,
			    uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
	put16(p->b + p->l3 + 4, 2);
}

static void c6_hbh(struct pkt *p, const struct target *t, uint8_t proto,
		   uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_ext6(p, P_HOPOPTS, 8, 0);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
}

static void c6_chain(struct pkt *p, const struct target *t, uint8_t proto,
		     uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_ext6(p, P_HOPOPTS, 8, 0);
	pk_ext6(p, P_DSTOPTS, 16, 0);
	pk_ext6(p, P_ROUTING, 8, 0);
	pk_ext6(p, P_DSTOPTS, 8, 0);
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
}

static void c6_chain_long(struct pkt *p, const struct target *t,
			  uint8_t proto, uint16_t sport)
{
	pk_ip(p, t, proto);
	pk_ext6(p, P_HOPOPTS, 8, 0);
	for (int i = 0; i < 100; i++)
		pk_ext6(p, P_DSTOPTS, 8, 0);	/* 808 bytes of chain */
	l4_valid(p, sport);
	pk_fix(p, FIX_ALL);
}

static void c6_exthdr_past_end(struct pkt *p, const struct target *t,
			       uint8_t proto, uint16_t sport)
{
	(void)sport;
	pk_ip(p, t, proto);
	pk_ext6(p, P_DSTOPTS, 8, 0);
	p->b[p->nh + 1] = 3;		/* 32 bytes said, 8 there */
	pk_fix(p, FIX_ALL);
}

static void c6_exthdr_cut(struct pkt *p, const struct target *t,
			  uint8_t proto, uint16_t sport)
{
	(void)sport;
	pk_ip(p, t, proto);
	pk_ext6(p, P_DSTOPTS, 8, 0);
	pk_ext6(p, P_ROUTING, 8, 0);
	pk_cut(p, p->len - 7);		/* one byte of the routing header */
	pk_fix(p, FIX_ALL);
}

static void c6_chain_cut_l4(struct pkt *p, const struct target *t,
			    uint8_t proto, uint16_t sport)
{
	(void)sport;
	pk_ip(p, t, proto);
	pk_ext6(p, P_HOPOPTS, 8, 0);
	pk_ext6(p, P_DSTOPTS, 8, 0);	/* and then no transport header */
	pk_fix(p, FIX_ALL);
}

static void c6_frag(struct pkt *p, const struct target *t, uint8_t proto,
		    uint16_t sport, uint16_t frag, bool dst)
{
	pk_ip(p, t, proto);
	if (dst)
		pk_ext6(p, P_DSTOPTS, 8, 0);
	pk_ext6(p, P_FRAGMENT, 8, frag);
	if (frag & 0xfff8) {
		room(p, 24);
		payload(p->b + p->l4, 24, 'F');
	} else {
		l4_data(p, sport);
	}
	/* Fragments with M set carry a multiple of 8 bytes (RFC 8200). */
	if (frag & 1)
		room(p, (8 - (p->len - p->l4) % 8) % 8);
	pk_fix(p, FIX_ALL);
}

static void c6_frag_first(struct pkt *p, const struct target *t,
			  uint8_t proto, uint16_t sport)
{
	c6_frag(p, t, proto, sport, 1, false);
}

static void c6_frag_last(struct pkt *p, const struct target *t,
			 uint8_t proto, uint16_t sport)
{
	c6_frag(p, t, proto, sport, 11 << 3, false);
}

static void c6_frag_in_chain(struct pkt *p, const struct target *t,
			     uint8_t proto, uint16_t sport)
{
	c6_frag(p, t, proto, sport, 1, true);
}

static void c6_frag_atomic(struct pkt *p, const struct target *t,
			   uint8_t proto, uint16_t sport)
{
	c6_frag(p, t, proto, sport, 0, false);
}

static const struct mcase cases[] = {
	/* IPv4 header: ip_rcv drops these before PRE_ROUTING */
	{ "ip4-hdr-short", 4, "ip", c4_hdr_short, "12 bytes of IPv4 header" },
	{ "ip4-ihl-lt5", 4, "ip", c4_ihl_lt5, "IHL 4" },
	{ "ip4-ihl-past-end", 4, "ip", c4_ihl_past_end, "IHL 15, 28 bytes there" },
	{ "ip4-totlen-past-end", 4, "ip", c4_totlen_past_end, "total length 100 bytes past the frame" },
	{ "ip4-totlen-lt-ihl", 4, "ip", c4_totlen_lt_ihl, "total length 16" },
	{ "ip4-bad-csum", 4, "ip", c4_bad_csum, "bad header checksum" },
	{ "ip4-version", 4, "ip", c4_version, "version 6 in an IPv4 frame" },
	/* IPv6 header: ipv6_rcv drops these before PRE_ROUTING */
	{ "ip6-hdr-short", 6, "ip", c6_hdr_short, "30 bytes of IPv6 header" },
	{ "ip6-plen-past-end", 6, "ip", c6_plen_past_end, "payload length 100 bytes past the frame" },
	{ "ip6-version", 6, "ip", c6_version, "version 4 in an IPv6 frame" },
	{ "ip6-hbh-bad", 6, "ip", c6_hbh_bad, "hop-by-hop option past its header" },
	/* valid: forwarded */
	{ "valid", 0, "l4", c_valid, "valid TCP SYN / UDP / SCTP INIT" },
	{ "ip4-options", 4, "l4", c4_options, "valid, with 8 bytes of IPv4 options" },
	{ "ip6-hbh", 6, "l4", c6_hbh, "valid, after a hop-by-hop header" },
	{ "ip6-chain", 6, "l4", c6_chain, "valid, after hop-by-hop, dest-opts, routing (type 0, 0 left), dest-opts" },
	{ "ip6-chain-long", 6, "l4", c6_chain_long, "valid, after hop-by-hop and 100 dest-opts headers (808 bytes)" },
	/* fragments */
	{ "ip4-frag-first", 4, "l4", c4_frag_first, "first fragment (MF, offset 0), full transport header" },
	{ "ip4-frag-middle", 4, "l4", c4_frag_middle, "middle fragment (MF, offset 64)" },
	{ "ip4-frag-last", 4, "l4", c4_frag_last, "last fragment (offset 88)" },
	{ "ip4-frag-df", 4, "l4", c4_frag_df_first, "first fragment with DF set too" },
	{ "ip6-frag-first", 6, "l4", c6_frag_first, "fragment header, offset 0, M" },
	{ "ip6-frag-last", 6, "l4", c6_frag_last, "fragment header, offset 88" },
	{ "ip6-frag-in-chain", 6, "l4", c6_frag_in_chain, "dest-opts then fragment header, offset 0, M" },
	{ "ip6-frag-atomic", 6, "l4", c6_frag_atomic, "atomic fragment (offset 0, no M)" },
	/* IPv6 extension header chains the module must parse */
	{ "ip6-exthdr-past-end", 6, "l4", c6_exthdr_past_end, "dest-opts header of 32 bytes, 8 there" },
	{ "ip6-exthdr-cut", 6, "l4", c6_exthdr_cut, "chain cut inside a routing header (1 byte)" },
	{ "ip6-chain-no-l4", 6, "l4", c6_chain_cut_l4, "hop-by-hop, dest-opts, then the end: no transport header" },
	/* transport headers */
	{ "l4-none", 0, "l4", c_l4_none, "IP header only, no transport header" },
	{ "l4-ports-cut", 0, "l4", c_l4_ports_cut, "3 bytes of transport header" },
	{ "l4-cut", 0, "l4", c_l4_cut, "transport header cut (TCP 12, UDP 6, SCTP 8 bytes)" },
	{ "ip4-totlen-cuts-l4", 4, "l4", c4_totlen_cuts_l4, "frame complete, total length ends in the ports" },
	{ "ip6-plen-cuts-l4", 6, "l4", c6_plen_cuts_l4, "frame complete, payload length ends in the ports" },
	{ "tcp-doff-0", 0, "tcp", c_tcp_doff0, "TCP data offset 0" },
	{ "tcp-doff-4", 0, "tcp", c_tcp_doff4, "TCP data offset 4" },
	{ "tcp-doff-past-end", 0, "tcp", c_tcp_doff_past, "TCP data offset 15, 20 bytes there" },
	{ "tcp-doff-past-data", 0, "tcp", c_tcp_doff_past_data, "TCP data offset 15, 44 bytes there" },
	{ "udp-len-0", 0, "udp", c_udp_len0, "UDP length 0" },
	{ "udp-len-4", 0, "udp", c_udp_len4, "UDP length 4" },
	{ "udp-len-past-end", 0, "udp", c_udp_len_past, "UDP length 32 bytes past the packet" },
	{ "sctp-no-chunk", 0, "sctp", c_sctp_no_chunk, "common header, no chunk" },
	{ "sctp-chunkhdr-cut", 0, "sctp", c_sctp_chunkhdr_cut, "2 bytes of chunk header" },
	{ "sctp-chunk-len-0", 0, "sctp", c_sctp_len0, "DATA chunk of length 0" },
	{ "sctp-chunk-len-3", 0, "sctp", c_sctp_len3, "DATA chunk of length 3" },
	{ "sctp-chunk-past-end", 0, "sctp", c_sctp_len_past, "DATA chunk of length 200, 32 there" },
	{ "sctp-garbage-after-chunk", 0, "sctp", c_sctp_garbage, "valid DATA, then 8 bytes 0xff" },
	{ "sctp-second-len-0", 0, "sctp", c_sctp_second_len0, "valid DATA, then a SACK of length 0" },
	{ "sctp-init-short", 0, "sctp", c_sctp_init_short, "INIT chunk of 8 bytes (20 needed)" },
	{ "sctp-init-vtag", 0, "sctp", c_sctp_init_vtag, "INIT with verification tag 0x12345678" },
	{ "sctp-init-bundled", 0, "sctp", c_sctp_init_bundled, "INIT bundled with DATA" },
	{ "sctp-bad-crc", 0, "sctp", c_sctp_bad_crc, "valid INIT, wrong CRC32c (checked only if the port is rewritten)" },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const char *proto_name(uint8_t proto)
{
	return proto == P_TCP ? "tcp" : proto == P_UDP ? "udp" : "sctp";
}

static bool case_applies(const struct mcase *c, const struct target *t,
			 uint8_t proto)
{
	if (c->af && c->af != (t->af == AF_INET ? 4 : 6))
		return false;
	if (!strcmp(c->scope, "ip") || !strcmp(c->scope, "l4"))
		return true;
	return !strcmp(c->scope, proto_name(proto));
}

/* ---- output: packet socket or pcap ------------------------------------ */

static void out_open(void)
{
	if (g.pcap) {
		/* pcap file header: magic, 2.4, tz 0, sigfigs 0, snaplen, Ethernet */
		uint32_t h[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };

		g.pf = fopen(g.pcap, "w");
		if (!g.pf || fwrite(h, sizeof(h), 1, g.pf) != 1) {
			fprintf(stderr, "pktfuzz: %s: %s\n", g.pcap,
				strerror(errno));
			exit(1);
		}
		return;
	}
	g.fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (g.fd < 0) {
		fprintf(stderr, "pktfuzz: socket(AF_PACKET): %s\n",
			strerror(errno));
		exit(1);
	}
	/* Protocol 0: this socket never receives anything. */
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = g.ifindex,
	};
	if (bind(g.fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "pktfuzz: bind(%s): %s\n", g.ifname,
			strerror(errno));
		exit(1);
	}
}

static void out_close(void)
{
	if (g.pf && fclose(g.pf)) {
		fprintf(stderr, "pktfuzz: %s: %s\n", g.pcap, strerror(errno));
		exit(1);
	}
	if (g.fd >= 0)
		close(g.fd);
}

/* Send n frames (sendmmsg) or append them to the pcap file. */
static void out_send(struct pkt *p, unsigned int n)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	unsigned int done = 0;

	if (g.pf) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (unsigned int i = 0; i < n; i++) {
			uint32_t rh[4] = { ts.tv_sec, ts.tv_nsec / 1000,
					   p[i].len, p[i].len };

			if (fwrite(rh, sizeof(rh), 1, g.pf) != 1 ||
			    fwrite(p[i].b, p[i].len, 1, g.pf) != 1) {
				fprintf(stderr, "pktfuzz: %s: write error\n",
					g.pcap);
				exit(1);
			}
			g.sent++;
			g.bytes += p[i].len;
		}
		return;
	}
	memset(mm, 0, sizeof(mm[0]) * n);
	for (unsigned int i = 0; i < n; i++) {
		iov[i].iov_base = p[i].b;
		iov[i].iov_len = p[i].len;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		int r = sendmmsg(g.fd, mm + done, n - done, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS || errno == EAGAIN) {
				/* the device queue is full: let it drain */
				usleep(100);
				continue;
			}
			fprintf(stderr, "pktfuzz: sendmmsg on %s: %s "
				"(frame of %zu bytes)\n", g.ifname,
				strerror(errno), p[done].len);
			exit(1);
		}
		for (int i = 0; i < r; i++)
			g.bytes += p[done + i].len;
		done += r;
		g.sent += r;
	}
}

/* ---- malformed ---------------------------------------------------------- */

static int cmd_list(void)
{
	for (size_t k = 0; k < NCASES; k++) {
		bool any = false;

		for (int d = 0; d < g.ndst && !any; d++)
			for (int j = 0; j < g.nprotos && !any; j++)
				any = case_applies(&cases[k], &g.dst[d],
						   g.protos[j]);
		if (any)
			printf("%s %s  %s\n", cases[k].name, cases[k].scope,
			       cases[k].what);
	}
	return 0;
}

static int cmd_malformed(char **names, int nnames)
{
	static struct pkt batch[BATCH];
	unsigned long long before = g.sent;

	for (int i = 0; i < nnames; i++) {
		size_t k;

		for (k = 0; k < NCASES; k++)
			if (!strcmp(names[i], cases[k].name))
				break;
		if (k == NCASES) {
			fprintf(stderr, "pktfuzz: unknown case '%s' (see "
				"\"pktfuzz list\")\n", names[i]);
			return 2;
		}
	}
	out_open();
	for (size_t k = 0; k < NCASES; k++) {
		const struct mcase *c = &cases[k];
		bool named = !nnames;

		for (int i = 0; i < nnames && !named; i++)
			named = !strcmp(names[i], c->name);
		if (!named)
			continue;
		for (int d = 0; d < g.ndst; d++) {
			for (int j = 0; j < g.nprotos; j++) {
				const struct target *t = &g.dst[d];
				unsigned long left = g.copies;

				if (!case_applies(c, t, g.protos[j]))
					continue;
				while (left) {
					unsigned int n = left > BATCH ? BATCH : left;

					for (unsigned int m = 0; m < n; m++)
						c->build(&batch[m], t,
							 g.protos[j],
							 g.sport + k);
					out_send(batch, n);
					left -= n;
				}
				if (g.verbose)
					printf("%s %s %s %lu\n", c->name,
					       t->af == AF_INET ? "ipv4" : "ipv6",
					       proto_name(g.protos[j]), g.copies);
			}
		}
	}
	out_close();
	printf("sent %llu\n", g.sent - before);
	return 0;
}

/* ---- fuzz ----------------------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return rn(100) < percent;
}

static void rnd_bytes(uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)rnd();
}

static uint16_t fuzz_sport(void)
{
	return chance(90) ? g.sport + rn(256) : (uint16_t)(1024 + rn(64512));
}

static void fuzz_tcp(struct pkt *p)
{
	static const uint8_t flags[] = {
		TF_SYN, TF_ACK, TF_ACK | TF_PSH, TF_FIN | TF_ACK, TF_RST,
		TF_SYN | TF_ACK, TF_RST | TF_ACK,
	};
	size_t at = p->len;
	size_t optw = chance(30) ? 1 + rn(10) : 0;
	size_t plen = chance(50) ? rn(120) : 0;
	uint8_t f = chance(90) ? flags[rn(sizeof(flags))] : (uint8_t)rnd();

	pk_tcp(p, fuzz_sport(), f, 0);
	if (optw) {
		uint8_t *o = room(p, 4 * optw);

		if (chance(70)) {
			memset(o, 1, 4 * optw);		/* NOPs */
			o[0] = 2;			/* MSS 1460 */
			o[1] = 4;
			put16(o + 2, 1460);
		} else {
			rnd_bytes(o, 4 * optw);
		}
		p->b[at + 12] = (5 + optw) << 4;
	}
	rnd_bytes(room(p, plen), plen);
	put32(p->b + at + 4, (uint32_t)rnd());
}

static void fuzz_sctp_chunk(struct pkt *p, uint8_t type)
{
	uint8_t b[64];
	size_t n;

	switch (type) {
	case CT_INIT:
	case CT_INIT_ACK:
		ch_init(p, type, (uint32_t)rnd() | 1);
		return;
	case CT_DATA:
		ch_data(p, (uint32_t)rnd(), rn(64));
		return;
	case CT_HEARTBEAT:
	case CT_HB_ACK:
		ch_heartbeat(p, type);
		return;
	case CT_SACK:
		memset(b, 0, 12);
		put32(b, (uint32_t)rnd());
		put32(b + 4, 65536);
		pk_chunk(p, type, 0, b, 12);
		return;
	case CT_SHUTDOWN:
		put32(b, (uint32_t)rnd());
		pk_chunk(p, type, 0, b, 4);
		return;
	case CT_ABORT:
	case CT_SHUTDOWN_ACK:
	case CT_COOKIE_ACK:
	case CT_SHUTDOWN_CPL:
		pk_chunk(p, type, chance(20), NULL, 0);
		return;
	default:	/* COOKIE-ECHO, ERROR and unknown types */
		n = rn(sizeof(b));
		rnd_bytes(b, n);
		pk_chunk(p, type, (uint8_t)rnd(), b, n);
		return;
	}
}

static void fuzz_sctp(struct pkt *p)
{
	static const uint8_t types[] = {
		CT_INIT, CT_DATA, CT_DATA, CT_SACK, CT_HEARTBEAT, CT_HB_ACK,
		CT_ABORT, CT_SHUTDOWN, CT_SHUTDOWN_ACK, CT_ERROR,
		CT_COOKIE_ECHO, CT_COOKIE_ACK, CT_SHUTDOWN_CPL, CT_INIT_ACK,
	};
	uint8_t first = chance(95) ? types[rn(sizeof(types))] : (uint8_t)rnd();
	uint32_t vtag;
	int n = 1 + (chance(30) ? rn(3) : 0);

	if (first == CT_INIT && chance(95))
		vtag = 0;
	else if (chance(80))
		vtag = 0x10000000u + rn(64);	/* a few recurring tags */
	else
		vtag = (uint32_t)rnd();
	pk_sctp(p, fuzz_sport(), vtag);
	fuzz_sctp_chunk(p, first);
	for (int i = 1; i < n && p->len < 1200; i++)
		fuzz_sctp_chunk(p, chance(90) ? types[rn(sizeof(types))] :
				(uint8_t)rnd());
}

/* A valid packet to a random target and protocol, with random extras. */
static void fuzz_base(struct pkt *p)
{
	const struct target *t = &g.dst[rn(g.ndst)];
	uint8_t proto = g.protos[rn(g.nprotos)];

	pk_ip(p, t, proto);
	if (t->af == AF_INET) {
		if (chance(10))
			pk_ip4_opts(p, 1 + rn(10));
	} else if (chance(20)) {
		static const uint8_t ext[] = { P_DSTOPTS, P_ROUTING, P_FRAGMENT };
		int n = 1 + rn(chance(10) ? 40 : 4);

		if (chance(50))
			pk_ext6(p, P_HOPOPTS, 8 * (1 + rn(4)), 0);
		for (int i = 0; i < n && p->len < 800; i++) {
			uint8_t type = ext[rn(chance(90) ? 2 : 3)];

			pk_ext6(p, type, 8 * (1 + rn(3)),
				(uint16_t)(rn(4) << 3 | rn(2)));
		}
	}
	switch (proto) {
	case P_TCP:
		fuzz_tcp(p);
		break;
	case P_UDP:
		pk_udp(p, fuzz_sport(), rn(chance(20) ? PKT_MAX - 200 - p->len : 100));
		rnd_bytes(p->b + p->l4 + 8, p->len - p->l4 - 8);
		break;
	default:
		fuzz_sctp(p);
		break;
	}
	pk_fix(p, FIX_ALL);
}

/* Random bytes after an IP header to a VIP (random protocol, often ours). */
static void fuzz_junk(struct pkt *p)
{
	const struct target *t = &g.dst[rn(g.ndst)];
	uint8_t proto = chance(70) ? g.protos[rn(g.nprotos)] : (uint8_t)rnd();
	size_t n = rn(chance(10) ? 1400 : 100);

	pk_ip(p, t, proto);
	rnd_bytes(room(p, n), n);
	pk_fix(p, FIX_LEN | FIX_IPCSUM);
}

/* A random offset, mostly in the first 64 bytes after the IP header. */
static size_t fuzz_pos(const struct pkt *p)
{
	size_t from = chance(20) ? p->l3 : p->l4;
	size_t n;

	if (from >= p->len)
		from = p->l3;
	n = p->len - from;
	if (chance(70) && n > 64)
		n = 64;
	return from + rn(n);
}

static void fuzz_chunk_field(struct pkt *p)
{
	size_t c;

	if (!p->nch)
		return;
	c = p->ch[rn(p->nch)];
	if (c + 4 > p->len)
		return;
	switch (rn(4)) {
	case 0:
		put16(p->b + c + 2, rn(4) == 0 ? rn(8) : (uint16_t)rnd());
		break;
	case 1:
		put16(p->b + c + 2, get16(p->b + c + 2) + rn(16) - 8);
		break;
	case 2:
		p->b[c] = (uint8_t)rnd();
		break;
	default:
		p->b[c + 1] = (uint8_t)rnd();
		break;
	}
}

static void fuzz_mutate(struct pkt *p)
{
	uint8_t *ip = p->b + p->l3;
	static const uint8_t specials[] = { 0, 0xff, 0x7f, 0x80, 1, 0xfe };
	bool fixlen = true;
	size_t at;

	switch (rn(12)) {
	case 0:		/* bit flips */
	case 1:
		for (unsigned int i = 1 + rn(4); i; i--)
			p->b[fuzz_pos(p)] ^= 1 << rn(8);
		break;
	case 2:		/* special byte values */
		p->b[fuzz_pos(p)] = specials[rn(sizeof(specials))];
		break;
	case 3:		/* cut */
		at = p->l3 + 1 + rn(p->len - p->l3);
		pk_cut(p, at);
		fixlen = chance(70);
		break;
	case 4:		/* junk appended */
		at = rn(64) + 1;
		if (p->len + at <= PKT_MAX)
			rnd_bytes(room(p, at), at);
		fixlen = chance(70);
		break;
	case 5:		/* IP length field */
		fixlen = false;
		at = p->af == AF_INET ? 2 : 4;
		if (chance(50))
			put16(ip + at, (uint16_t)rnd());
		else
			put16(ip + at, get16(ip + at) + rn(64) - 32);
		break;
	case 6:		/* transport length fields */
		if (p->l4 + 14 > p->len)
			break;
		if (p->proto == P_TCP)
			p->b[p->l4 + 12] = rn(16) << 4 | (p->b[p->l4 + 12] & 0x0f);
		else if (p->proto == P_UDP)
			put16(p->b + p->l4 + 4, chance(50) ? rn(16) :
			      (uint16_t)(get16(p->b + p->l4 + 4) + rn(64) - 32));
		else
			fuzz_chunk_field(p);
		break;
	case 7:		/* fragment bits / IPv6 next header */
		if (p->af == AF_INET) {
			put16(ip + 6, (uint16_t)(rn(8) << 13 | (chance(50) ? 0 : rn(0x2000))));
		} else {
			static const uint8_t nh[] = {
				P_HOPOPTS, P_ROUTING, P_FRAGMENT, P_DSTOPTS,
				P_NONE, P_TCP, P_UDP, P_SCTP, 135, 51, 50,
			};
			p->b[p->nh] = chance(80) ? nh[rn(sizeof(nh))] : (uint8_t)rnd();
		}
		break;
	case 8:		/* IPv4 header length / IPv6 flow and hop limit */
		if (p->af == AF_INET)
			ip[0] = 0x40 | rn(16);
		else
			ip[1] = (uint8_t)rnd();
		break;
	case 9:		/* SCTP vtag, TCP flags, UDP ports */
		if (p->l4 + 8 > p->len)
			break;
		if (p->proto == P_SCTP)
			put32(p->b + p->l4 + 4, chance(50) ? 0 : (uint32_t)rnd());
		else if (p->proto == P_TCP && p->l4 + 14 <= p->len)
			p->b[p->l4 + 13] = (uint8_t)rnd();
		else
			put16(p->b + p->l4, (uint16_t)rnd());
		break;
	case 10:	/* SCTP chunk headers, again: they deserve it */
		fuzz_chunk_field(p);
		break;
	default:	/* IPv4 protocol / destination port */
		if (p->af == AF_INET && chance(50))
			ip[9] = chance(50) ? g.protos[rn(g.nprotos)] : (uint8_t)rnd();
		else if (p->l4 + 4 <= p->len)
			put16(p->b + p->l4 + 2, chance(80) ? g.port : (uint16_t)rnd());
		break;
	}
	if (fixlen)
		pk_fix(p, FIX_LEN);
}

static void fuzz_one(struct pkt *p)
{
	unsigned int fix = 0;

	if (chance(5)) {
		fuzz_junk(p);
		return;
	}
	fuzz_base(p);
	if (chance(10))
		return;		/* valid */
	for (unsigned int n = 1 + rn(4); n; n--)
		fuzz_mutate(p);
	/*
	 * Mostly repair the checksums: a bad IPv4 header checksum never
	 * reaches PRE_ROUTING, and a bad L4 checksum hides nothing from the
	 * LB (which checks none) but would from the servers.
	 */
	if (chance(90))
		fix |= FIX_IPCSUM;
	if (chance(80))
		fix |= FIX_L4;
	pk_fix(p, fix);
}

static int cmd_fuzz(const char *count_s, const char *seed_s)
{
	static struct pkt batch[BATCH];
	unsigned long long count, seed;
	struct timespec t0, t1;
	char *end;

	errno = 0;
	count = strtoull(count_s, &end, 0);
	if (errno || *end || !*count_s) {
		fprintf(stderr, "pktfuzz: bad COUNT '%s'\n", count_s);
		return 2;
	}
	seed = strtoull(seed_s, &end, 0);
	if (errno || *end || !*seed_s) {
		fprintf(stderr, "pktfuzz: bad SEED '%s'\n", seed_s);
		return 2;
	}
	rng = seed;
	g.ipid = (uint16_t)seed;
	out_open();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long long left = count; left;) {
		unsigned int n = left > BATCH ? BATCH : left;

		for (unsigned int i = 0; i < n; i++)
			fuzz_one(&batch[i]);
		out_send(batch, n);
		left -= n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out_close();
	printf("fuzz: sent %llu packets (%llu bytes) in %lld ms, seed %llu\n",
	       g.sent, g.bytes,
	       (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
			   (t1.tv_nsec - t0.tv_nsec) / 1000000), seed);
	return 0;
}

/* ---- options ---------------------------------------------------------- */

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
"usage: pktfuzz -i IFACE -m DSTMAC -s SRC [-s SRC] -d VIP [-d VIP] -p PORT\n"
"               [-P tcp|udp|sctp|all] [-n COPIES] [-S SPORT] [-w PCAP] [-v]\n"
"               list | malformed [CASE...] | fuzz COUNT SEED\n"
"  -i IFACE   send on IFACE (AF_PACKET)    -m MAC   next hop's MAC address\n"
"  -s SRC     source address (one per family)\n"
"  -d VIP     VIP address (repeatable)     -p PORT  VIP port\n"
"  -P PROTO   tcp, udp, sctp or all (repeatable; default all)\n"
"  -n COPIES  malformed: copies of each case (default 1)\n"
"  -S SPORT   first source port (default 40000)\n"
"  -w PCAP    write a pcap file instead of sending\n"
"  -v         malformed: print each case sent\n");
	exit(rc);
}

static bool parse_mac(const char *s, uint8_t *mac)
{
	unsigned int m[6];
	char c;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &c) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (m[i] > 255)
			return false;
		mac[i] = m[i];
	}
	return true;
}

static void add_proto(const char *s)
{
	static const uint8_t all[] = { P_TCP, P_UDP, P_SCTP };
	uint8_t p;

	if (!strcmp(s, "all")) {
		for (int i = 0; i < 3; i++)
			add_proto(proto_name(all[i]));
		return;
	}
	if (!strcmp(s, "tcp"))
		p = P_TCP;
	else if (!strcmp(s, "udp"))
		p = P_UDP;
	else if (!strcmp(s, "sctp"))
		p = P_SCTP;
	else {
		fprintf(stderr, "pktfuzz: bad protocol '%s'\n", s);
		usage(2);
		return;
	}
	for (int i = 0; i < g.nprotos; i++)
		if (g.protos[i] == p)
			return;
	g.protos[g.nprotos++] = p;
}

static void local_mac(void)
{
	struct ifreq ifr = { 0 };
	int fd;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", g.ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "pktfuzz: %s: %s\n", g.ifname, strerror(errno));
		exit(2);
	}
	memcpy(g.smac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

int main(int argc, char **argv)
{
	int opt;
	unsigned long v;
	char *end;

	crc32c_init();
	while ((opt = getopt(argc, argv, "i:m:s:d:p:P:n:S:w:vh")) != -1) {
		switch (opt) {
		case 'i':
			g.ifname = optarg;
			break;
		case 'm':
			if (!parse_mac(optarg, g.dmac)) {
				fprintf(stderr, "pktfuzz: bad MAC '%s'\n", optarg);
				usage(2);
			}
			g.have_dmac = true;
			break;
		case 's':
		case 'd': {
			uint8_t a[16];
			int af = strchr(optarg, ':') ? AF_INET6 : AF_INET;

			if (inet_pton(af, optarg, a) != 1) {
				fprintf(stderr, "pktfuzz: bad address '%s'\n",
					optarg);
				usage(2);
			}
			if (opt == 'd') {
				if (g.ndst == MAX_TARGETS)
					usage(2);
				g.dst[g.ndst].af = af;
				memcpy(g.dst[g.ndst++].addr, a, 16);
			} else if (af == AF_INET) {
				memcpy(g.src4, a, 4);
				g.have_src4 = true;
			} else {
				memcpy(g.src6, a, 16);
				g.have_src6 = true;
			}
			break;
		}
		case 'p':
		case 'S':
		case 'n':
			errno = 0;
			v = strtoul(optarg, &end, 0);
			if (errno || *end || !*optarg ||
			    (opt != 'n' && (v == 0 || v > 65535))) {
				fprintf(stderr, "pktfuzz: bad -%c '%s'\n", opt,
					optarg);
				usage(2);
			}
			if (opt == 'p')
				g.port = v;
			else if (opt == 'S')
				g.sport = v;
			else
				g.copies = v;
			break;
		case 'P':
			add_proto(optarg);
			break;
		case 'w':
			g.pcap = optarg;
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
	if (optind >= argc)
		usage(2);
	if (!g.nprotos)
		add_proto("all");
	if (!g.ndst || !g.port) {
		fprintf(stderr, "pktfuzz: -d VIP and -p PORT are required\n");
		usage(2);
	}
	for (int d = 0; d < g.ndst; d++) {
		if ((g.dst[d].af == AF_INET && !g.have_src4) ||
		    (g.dst[d].af == AF_INET6 && !g.have_src6)) {
			fprintf(stderr, "pktfuzz: no -s source address of the "
				"family of every -d\n");
			usage(2);
		}
	}
	if (!strcmp(argv[optind], "list"))
		return optind + 1 == argc ? cmd_list() : (usage(2), 2);
	if (!g.pcap) {
		if (!g.ifname || !g.have_dmac) {
			fprintf(stderr, "pktfuzz: -i IFACE and -m MAC are "
				"required to send\n");
			usage(2);
		}
		g.ifindex = if_nametoindex(g.ifname);
		if (!g.ifindex) {
			fprintf(stderr, "pktfuzz: %s: no such interface\n",
				g.ifname);
			return 2;
		}
		local_mac();
	} else if (g.ifname) {
		local_mac();
	}
	if (!strcmp(argv[optind], "malformed"))
		return cmd_malformed(argv + optind + 1, argc - optind - 1);
	if (!strcmp(argv[optind], "fuzz")) {
		if (argc - optind != 3)
			usage(2);
		return cmd_fuzz(argv[optind + 1], argv[optind + 2]);
	}
	fprintf(stderr, "pktfuzz: unknown command '%s'\n", argv[optind]);
	usage(2);
	return 2;
}
