// SPDX-License-Identifier: GPL-2.0
/*
 * flowgen: traffic for lbnl's benchmarks and tests. Four commands:
 *
 *   flowgen send -d DST -p PORT [-s SRC] [-S SPORTS] [-n FLOWS] [-o FIRST]
 *                [-c PKTS] [-T SECS] [-r PPS] [-l LEN]
 *                [-t udp|syn|ack|sctp-data] [-g TAGFILE]
 *                [-i IFNAME -m MAC] [-b BATCH] [-j] [-q]
 *       UDP datagrams (or TCP SYNs, ACKs, SCTP DATA) from many flows, as
 *       fast as the kernel
 *       takes them (sendmmsg(2)). A flow is one (source address, source
 *       port) pair: flow k uses source port SPORT_LO + k % NPORTS and the
 *       (k / NPORTS)-th address of SRC, so FLOWS can reach a million from a
 *       few dozen addresses. Flows FIRST .. FIRST+FLOWS-1 are sent in turn,
 *       one packet each per round, for PKTS rounds (-c, default 1; 0: no
 *       limit) or until SECS seconds (-T) have passed, whichever comes
 *       first. Packets are built whole, headers included:
 *         -d DST       destination, IPv4 or IPv6 literal
 *         -p PORT      destination port
 *         -s SRC       source addresses: ADDR, ADDR/LEN (every address of
 *                      the prefix; IPv6: up to 2^32 of them) or ADDR-ADDR;
 *                      default: the address the kernel would use for DST
 *         -S SPORTS    source ports, PORT or LO-HI (default 1024-65535)
 *         -n FLOWS     number of flows (default 1)
 *         -o FIRST     index of the first flow (default 0)
 *         -r PPS       at most PPS packets per second (default: no limit)
 *         -l LEN       UDP payload bytes (default 18: 64-byte frames)
 *         -t syn       TCP SYNs (with an MSS option) instead of UDP
 *         -t ack       TCP ACKs (mid-flow segments of no connection)
 *         -t sctp-data SCTP DATA chunks, each flow with its own tag
 *                      (mid-association packets of no association)
 *         -g TAGFILE   with sctp-data: the tags, one a line (0x... or
 *                      decimal, up to 2^20 of them); flow k carries the
 *                      (k mod count)-th (default: k * 2654435761 | 1)
 *         -i IFNAME    send on IFNAME with an AF_PACKET socket that skips
 *         -m MAC       the qdisc, to the next hop MAC (needs both);
 *                      default: a raw IP socket (IP_HDRINCL)
 *         -b BATCH     packets per sendmmsg (default 64)
 *       Prints "sent N packets in S s: R pps, E errors" (-j: one JSON
 *       object). The source addresses need not be the sender's own: the
 *       replies (SYN-ACKs, ICMP) go wherever the routes say.
 *
 *   flowgen sink -p PORT [-b ADDR] [-a] [-w FILE]
 *       A UDP socket bound to ADDR:PORT (default: every address) with the
 *       smallest receive buffer, so datagrams are delivered (no ICMP port
 *       unreachable) and dropped at once; the host's Udp counters
 *       (InDatagrams, RcvbufErrors) count them. -a reads and counts them
 *       instead, printing the count at exit. Until SIGTERM/SIGINT.
 *
 *   flowgen serve -p PORT [-P tcp|sctp] [-b ADDR] [-m LEN] [-w FILE]
 *       A server for short connections: it accepts each connection (TCP,
 *       or one-to-one SCTP), reads the request, answers LEN bytes (default
 *       64) at once and closes: the server closes first, as an HTTP/1.0
 *       server does. One thread, epoll. Until SIGTERM/SIGINT; prints the
 *       number of connections served.
 *
 *   flowgen connect -d DST -p PORT [-P tcp|sctp] [-c CONC] [-T SECS]
 *                   [-n MAX] [-m LEN] [-t TIMEOUT_MS] [-j] [-v]
 *       Short connections, CONC (default 16) at a time, for SECS seconds
 *       (default 5) or MAX connections: connect, send LEN bytes (default
 *       64), read the answer up to EOF, close. Counts completed and failed
 *       connections (a connection not done in TIMEOUT_MS, default 3000,
 *       fails) and prints the rate of completed ones. -v: say why each
 *       failed one failed.
 *
 * -w FILE: create FILE once the socket is bound (and listening), so a
 * script can wait for it. Exit status: 0, 1 on an error, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif
#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif

#define MAX_BATCH	1024
#define PKT_MAX		2048

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void die(const char *what)
{
	fprintf(stderr, "flowgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "flowgen: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see the comment at the top of flowgen.c)\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long parse_ulong(const char *s, unsigned long max,
				 const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || *s == '-')
		usage_error("bad %s", what);
	return v;
}

static double parse_double(const char *s, const char *what)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0)
		usage_error("bad %s", what);
	return v;
}

/* PORT or LO-HI. */
static void parse_port_range(const char *s, unsigned int *lo,
			     unsigned int *hi)
{
	char buf[32], *dash;

	if (strlen(s) >= sizeof(buf))
		usage_error("bad port range '%s'", s);
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	*lo = parse_ulong(buf, 65535, "port");
	*hi = dash ? parse_ulong(dash + 1, 65535, "port") : *lo;
	if (*lo == 0 || *hi < *lo)
		usage_error("bad port range '%s'", s);
}

/* An IPv4 or IPv6 address. */
struct addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

static bool parse_addr(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

static socklen_t addr_to_sockaddr(const struct addr *a, unsigned int port,
				  struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->v4;
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a->v6;
		return sizeof(*sin6);
	}
}

/* The low 32 bits of an address, as a number (host order). */
static uint32_t addr_low32(const struct addr *a)
{
	uint32_t v;

	if (a->family == AF_INET)
		return ntohl(a->v4.s_addr);
	memcpy(&v, &a->v6.s6_addr[12], 4);
	return ntohl(v);
}

static void addr_set_low32(struct addr *a, uint32_t low)
{
	low = htonl(low);
	if (a->family == AF_INET)
		a->v4.s_addr = low;
	else
		memcpy(&a->v6.s6_addr[12], &low, 4);
}

/*
 * A range of source addresses: ADDR, ADDR/LEN or ADDR-ADDR. Only the low
 * 32 bits vary (all of an IPv4 address).
 */
struct addr_range {
	struct addr base;
	uint64_t count;
};

static void parse_addr_range(const char *s, struct addr_range *r)
{
	char buf[128], *sep;
	struct addr last;
	unsigned long len;
	int bits;

	if (strlen(s) >= sizeof(buf))
		usage_error("bad source address '%s'", s);
	strcpy(buf, s);
	r->count = 1;
	if ((sep = strchr(buf, '/'))) {
		*sep = '\0';
		if (!parse_addr(buf, &r->base))
			usage_error("bad source address '%s'", s);
		bits = r->base.family == AF_INET ? 32 : 128;
		len = parse_ulong(sep + 1, bits, "prefix length");
		if (bits - (int)len > 32)
			usage_error("prefix '%s' has more than 2^32 addresses", s);
		r->count = 1ull << (bits - len);
		addr_set_low32(&r->base, addr_low32(&r->base) &
			       (uint32_t)~(r->count - 1));
	} else if ((sep = strchr(buf, '-')) && strchr(buf, '.')) {
		/* ADDR-ADDR (IPv4 only: IPv6 literals have no '-' anyway) */
		*sep = '\0';
		if (!parse_addr(buf, &r->base) || !parse_addr(sep + 1, &last) ||
		    last.family != r->base.family ||
		    addr_low32(&last) < addr_low32(&r->base))
			usage_error("bad source address range '%s'", s);
		r->count = (uint64_t)addr_low32(&last) - addr_low32(&r->base) + 1;
	} else if (!parse_addr(buf, &r->base)) {
		usage_error("bad source address '%s'", s);
	}
}

/* --- checksums ------------------------------------------------------- */

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Checksum of an L4 segment with the IPv4/IPv6 pseudo header. */
/* CRC32c (Castagnoli, reflected), as SCTP puts it on the wire. */
static uint32_t crc32c(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffff;
	int i;

	while (len--) {
		c ^= *p++;
		for (i = 0; i < 8; i++)
			c = (c >> 1) ^ (0x82f63b78 & -(c & 1));
	}
	c = ~c;
	/* stored little-endian: the byte order of a reflected CRC */
	return htole32(c);
}

static uint16_t l4_csum(const struct addr *src, const struct addr *dst,
			uint8_t proto, const void *l4, size_t len)
{
	uint32_t sum = 0;

	if (src->family == AF_INET) {
		sum = csum_add(sum, &src->v4, 4);
		sum = csum_add(sum, &dst->v4, 4);
	} else {
		sum = csum_add(sum, &src->v6, 16);
		sum = csum_add(sum, &dst->v6, 16);
	}
	sum += proto;
	sum += (uint32_t)len;
	sum = csum_add(sum, l4, len);
	return csum_fold(sum);
}

/* --- send ------------------------------------------------------------ */

struct send_opts {
	struct addr dst;
	unsigned int dport;
	struct addr_range src;
	bool have_src;
	unsigned int sport_lo, sport_hi;
	uint64_t flows, first;
	uint64_t rounds;		/* 0: until the time is up */
	double secs;			/* 0: no time limit */
	double pps;			/* 0: no limit */
	unsigned int payload;
	enum { PKT_UDP, PKT_SYN, PKT_ACK, PKT_SCTP_DATA } type;
	const char *ifname;
	uint8_t mac[ETH_ALEN];
	bool have_mac;
	unsigned int batch;
	bool json, quiet;
	uint32_t *tags;			/* -g: flow k's tag is tags[k % ntags] */
	uint64_t ntags;
};

/* The source address the kernel picks for DST. */
static void default_source(const struct addr *dst, struct addr *src)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	fd = socket(dst->family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	len = addr_to_sockaddr(dst, 9, &ss);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		die("no route to the destination");
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname");
	close(fd);
	memset(src, 0, sizeof(*src));
	src->family = dst->family;
	if (dst->family == AF_INET)
		src->v4 = ((struct sockaddr_in *)&ss)->sin_addr;
	else
		src->v6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
}

/*
 * Build the packet of flow k into buf (Ethernet header first if eth);
 * returns its length.
 */
static size_t build_packet(const struct send_opts *o, uint64_t k,
			   uint32_t seq, const uint8_t *smac, uint8_t *buf)
{
	uint64_t nports = o->sport_hi - o->sport_lo + 1;
	unsigned int sport = o->sport_lo + k % nports;
	size_t l4len, off = 0;
	struct addr src = o->src.base;
	uint8_t *l4, proto;

	addr_set_low32(&src, addr_low32(&o->src.base) + (uint32_t)(k / nports));
	switch (o->type) {
	case PKT_SYN:
		l4len = sizeof(struct tcphdr) + 4;
		proto = IPPROTO_TCP;
		break;
	case PKT_ACK:
		l4len = sizeof(struct tcphdr);
		proto = IPPROTO_TCP;
		break;
	case PKT_SCTP_DATA:
		/* common header, DATA chunk header, 4 bytes of data */
		l4len = 12 + 16 + 4;
		proto = IPPROTO_SCTP;
		break;
	default:
		l4len = sizeof(struct udphdr) + o->payload;
		proto = IPPROTO_UDP;
		break;
	}

	if (smac) {
		struct ether_header *eh = (struct ether_header *)buf;

		memcpy(eh->ether_dhost, o->mac, ETH_ALEN);
		memcpy(eh->ether_shost, smac, ETH_ALEN);
		eh->ether_type = htons(src.family == AF_INET ? ETHERTYPE_IP :
				       ETHERTYPE_IPV6);
		off = sizeof(*eh);
	}

	if (src.family == AF_INET) {
		struct iphdr *ip = (struct iphdr *)(buf + off);

		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(sizeof(*ip) + l4len);
		ip->id = htons((uint16_t)seq);
		ip->ttl = 64;
		ip->protocol = proto;
		ip->saddr = src.v4.s_addr;
		ip->daddr = o->dst.v4.s_addr;
		ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
		off += sizeof(*ip);
	} else {
		struct ip6_hdr *ip6 = (struct ip6_hdr *)(buf + off);

		memset(ip6, 0, sizeof(*ip6));
		ip6->ip6_flow = htonl(6u << 28);
		ip6->ip6_plen = htons(l4len);
		ip6->ip6_nxt = proto;
		ip6->ip6_hlim = 64;
		ip6->ip6_src = src.v6;
		ip6->ip6_dst = o->dst.v6;
		off += sizeof(*ip6);
	}

	l4 = buf + off;
	if (o->type == PKT_ACK) {
		struct tcphdr *th = (struct tcphdr *)l4;

		memset(th, 0, l4len);
		th->source = htons(sport);
		th->dest = htons(o->dport);
		th->seq = htonl(seq * 2654435761u + (uint32_t)k);
		th->ack_seq = htonl((uint32_t)k * 40503u);
		th->doff = 5;
		th->ack = 1;
		th->window = htons(502);
		th->check = l4_csum(&src, &o->dst, IPPROTO_TCP, l4, l4len);
	} else if (o->type == PKT_SCTP_DATA) {
		uint32_t vtag = htonl(o->ntags ? o->tags[k % o->ntags] :
				      (uint32_t)k * 2654435761u | 1);
		uint32_t crc;

		memset(l4, 0, l4len);
		l4[0] = sport >> 8;
		l4[1] = sport & 0xff;
		l4[2] = o->dport >> 8;
		l4[3] = o->dport & 0xff;
		memcpy(l4 + 4, &vtag, 4);
		l4[12] = 0;		/* DATA */
		l4[13] = 3;		/* B, E */
		l4[15] = 20;		/* length: 16 + 4 */
		l4[16] = seq >> 24;	/* TSN */
		l4[17] = seq >> 16;
		l4[18] = seq >> 8;
		l4[19] = seq;
		crc = crc32c(l4, l4len);
		memcpy(l4 + 8, &crc, 4);	/* little-endian on the wire */
	} else if (o->type == PKT_SYN) {
		struct tcphdr *th = (struct tcphdr *)l4;

		memset(th, 0, l4len);
		th->source = htons(sport);
		th->dest = htons(o->dport);
		th->seq = htonl(seq * 2654435761u + (uint32_t)k);
		th->doff = 6;
		th->syn = 1;
		th->window = htons(64240);
		l4[20] = 2;		/* MSS 1460 */
		l4[21] = 4;
		l4[22] = 1460 >> 8;
		l4[23] = 1460 & 0xff;
		th->check = l4_csum(&src, &o->dst, IPPROTO_TCP, l4, l4len);
	} else {
		struct udphdr *uh = (struct udphdr *)l4;
		uint16_t sum;

		uh->source = htons(sport);
		uh->dest = htons(o->dport);
		uh->len = htons(l4len);
		uh->check = 0;
		memset(l4 + sizeof(*uh), 0, o->payload);
		if (o->payload >= 8) {
			uint64_t tag = htobe64(k);

			memcpy(l4 + sizeof(*uh), &tag, 8);
		}
		sum = l4_csum(&src, &o->dst, IPPROTO_UDP, l4, l4len);
		uh->check = sum ? sum : 0xffff;
	}
	return off + l4len;
}

/* -g TAGFILE: the tags, one a line. */
static void load_tags(struct send_opts *o, const char *path)
{
	const uint64_t max = 1 << 20;
	char line[64], *end;
	unsigned long long v;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		die(path);
	o->tags = calloc(max, sizeof(*o->tags));
	if (!o->tags)
		die("calloc");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		errno = 0;
		v = strtoull(line, &end, 0);
		if (errno || end == line || *end || v > 0xffffffffULL)
			usage_error("bad tag '%s'", line);
		if (o->ntags == max)
			usage_error("more than 2^20 tags in %s", path);
		o->tags[o->ntags++] = v;
	}
	fclose(f);
	if (!o->ntags)
		usage_error("no tag in %s", path);
}

static void sleep_until(double t)
{
	struct timespec ts;
	double d = t - now_s();

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static int cmd_send(int argc, char **argv)
{
	static uint8_t bufs[MAX_BATCH][PKT_MAX];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iovs[MAX_BATCH];
	struct send_opts o = {
		.sport_lo = 1024, .sport_hi = 65535, .flows = 1, .rounds = 1,
		.payload = 18, .batch = 64,
	};
	uint64_t total, tried = 0, sent, errors = 0, k, next, cap, nports;
	struct sockaddr_storage dss;
	uint8_t smac[ETH_ALEN], *smacp = NULL;
	double t0, t1, deadline;
	bool have_dst = false, have_port = false;
	socklen_t dlen = 0;
	uint32_t seq = 0;
	int fd, c;

	while ((c = getopt(argc, argv, "d:p:s:S:n:o:c:T:r:l:t:g:i:m:b:jq")) != -1) {
		switch (c) {
		case 'd':
			if (!parse_addr(optarg, &o.dst))
				usage_error("bad destination '%s'", optarg);
			have_dst = true;
			break;
		case 'p':
			o.dport = parse_ulong(optarg, 65535, "port");
			have_port = true;
			break;
		case 's':
			parse_addr_range(optarg, &o.src);
			o.have_src = true;
			break;
		case 'S':
			parse_port_range(optarg, &o.sport_lo, &o.sport_hi);
			break;
		case 'n':
			o.flows = parse_ulong(optarg, ULONG_MAX, "flow count");
			break;
		case 'o':
			o.first = parse_ulong(optarg, ULONG_MAX, "first flow");
			break;
		case 'c':
			o.rounds = parse_ulong(optarg, ULONG_MAX, "packet count");
			break;
		case 'T':
			o.secs = parse_double(optarg, "duration");
			break;
		case 'r':
			o.pps = parse_double(optarg, "rate");
			break;
		case 'l':
			o.payload = parse_ulong(optarg, 1400, "payload length");
			break;
		case 't':
			if (!strcmp(optarg, "syn"))
				o.type = PKT_SYN;
			else if (!strcmp(optarg, "ack"))
				o.type = PKT_ACK;
			else if (!strcmp(optarg, "sctp-data"))
				o.type = PKT_SCTP_DATA;
			else if (strcmp(optarg, "udp"))
				usage_error("bad packet type '%s' (udp, syn, ack or sctp-data)",
					    optarg);
			break;
		case 'g':
			load_tags(&o, optarg);
			break;
		case 'i':
			o.ifname = optarg;
			break;
		case 'm':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
				   &o.mac[0], &o.mac[1], &o.mac[2], &o.mac[3],
				   &o.mac[4], &o.mac[5]) != 6)
				usage_error("bad MAC address '%s'", optarg);
			o.have_mac = true;
			break;
		case 'b':
			o.batch = parse_ulong(optarg, MAX_BATCH, "batch size");
			if (!o.batch)
				usage_error("bad %s", "batch size");
			break;
		case 'j':
			o.json = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		default:
			exit(2);
		}
	}
	if (!have_dst || !have_port || !o.dport)
		usage_error("%s: -d DST and -p PORT are required", "send");
	if (!o.ifname != !o.have_mac)
		usage_error("%s: -i IFNAME and -m MAC go together", "send");
	if (!o.rounds && !o.secs)
		usage_error("%s: -c 0 needs -T SECS", "send");
	if (o.ntags && o.type != PKT_SCTP_DATA)
		usage_error("%s: -g TAGFILE goes with -t sctp-data", "send");
	if (!o.have_src) {
		default_source(&o.dst, &o.src.base);
		o.src.count = 1;
	}
	if (o.src.base.family != o.dst.family)
		usage_error("%s: source and destination families differ", "send");
	nports = o.sport_hi - o.sport_lo + 1;
	cap = o.src.count * nports;
	if (!o.flows || o.first >= cap || o.flows > cap - o.first) {
		fprintf(stderr, "flowgen: %" PRIu64 " flows from %" PRIu64
			" do not fit %" PRIu64 " addresses x %" PRIu64 " ports\n",
			o.flows, o.first, o.src.count, nports);
		exit(2);
	}

	if (o.ifname) {
		struct sockaddr_ll sll = { .sll_family = AF_PACKET };
		struct ifreq ifr = { 0 };
		int one = 1;

		fd = socket(AF_PACKET, SOCK_RAW, 0);
		if (fd < 0)
			die("socket(AF_PACKET)");
		if (strlen(o.ifname) >= IFNAMSIZ)
			usage_error("bad interface name '%s'", o.ifname);
		strcpy(ifr.ifr_name, o.ifname);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
			die(o.ifname);
		memcpy(smac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
		smacp = smac;
		/* protocol 0: a sender only, no copy of what eth0 receives */
		sll.sll_ifindex = if_nametoindex(o.ifname);
		if (!sll.sll_ifindex)
			die(o.ifname);
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			die("bind(AF_PACKET)");
		/* best effort: older kernels go through the qdisc */
		setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	} else {
		fd = socket(o.dst.family, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0)
			die("socket(SOCK_RAW)");
		/* a raw socket wants port 0 */
		dlen = addr_to_sockaddr(&o.dst, 0, &dss);
	}

	for (unsigned int i = 0; i < o.batch; i++) {
		iovs[i].iov_base = bufs[i];
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (dlen) {
			msgs[i].msg_hdr.msg_name = &dss;
			msgs[i].msg_hdr.msg_namelen = dlen;
		}
	}

	catch_signals();
	total = o.rounds ? o.rounds * o.flows : UINT64_MAX;
	next = 0;
	t0 = now_s();
	deadline = o.secs ? t0 + o.secs : 0;
	while (tried < total && !stop) {
		unsigned int n = o.batch, done = 0;
		int r;

		if (o.pps) {
			/* no bursts of more than ~1 ms worth of packets */
			unsigned int b = o.pps / 1000 > 1 ? o.pps / 1000 : 1;

			if (n > b)
				n = b;
			sleep_until(t0 + tried / o.pps);
		}
		if (total - tried < n)
			n = total - tried;
		for (unsigned int i = 0; i < n; i++) {
			k = o.first + next;
			if (++next == o.flows)
				next = 0;
			iovs[i].iov_len = build_packet(&o, k, seq++, smacp, bufs[i]);
		}
		while (done < n) {
			r = sendmmsg(fd, msgs + done, n - done, 0);
			if (r > 0) {
				done += r;
				continue;
			}
			if (errno == EINTR && stop)
				break;
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
				/* a full queue: wait a little, resend */
				sched_yield();
				continue;
			}
			/* e.g. EPERM from a firewall: count it, go on */
			errors++;
			done++;
		}
		tried += done;
		if (deadline && now_s() >= deadline)
			break;
	}
	t1 = now_s();
	sent = tried - errors;
	if (o.json)
		printf("{\"sent\": %" PRIu64 ", \"errors\": %" PRIu64
		       ", \"elapsed_s\": %.3f, \"pps\": %.0f}\n",
		       sent, errors, t1 - t0, sent / (t1 - t0));
	else if (!o.quiet)
		printf("sent %" PRIu64 " packets in %.3f s: %.0f pps, %" PRIu64
		       " errors\n", sent, t1 - t0, sent / (t1 - t0), errors);
	close(fd);
	free(o.tags);
	return 0;
}

/* --- common socket helpers ------------------------------------------- */

static void touch(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(path);
	close(fd);
}

/* Bind a socket of TYPE/PROTO to ADDR (NULL: every address) and PORT. */
static int bound_socket(const char *addr, unsigned int port, int type,
			int proto)
{
	struct sockaddr_storage ss;
	struct addr a = { .family = AF_INET };
	socklen_t len;
	int fd, one = 1;

	if (addr && !parse_addr(addr, &a))
		usage_error("bad address '%s'", addr);
	fd = socket(a.family, type | SOCK_NONBLOCK, proto);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = addr_to_sockaddr(&a, port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	return fd;
}

static int parse_proto(const char *s)
{
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "sctp"))
		return IPPROTO_SCTP;
	usage_error("bad protocol '%s' (tcp or sctp)", s);
	return -1;
}

/* --- sink ------------------------------------------------------------ */

static int cmd_sink(int argc, char **argv)
{
	const char *addr = NULL, *ready = NULL;
	unsigned int port = 0;
	uint64_t count = 0;
	bool readit = false;
	int fd, c, zero = 0;

	while ((c = getopt(argc, argv, "p:b:aw:")) != -1) {
		switch (c) {
		case 'p':
			port = parse_ulong(optarg, 65535, "port");
			break;
		case 'b':
			addr = optarg;
			break;
		case 'a':
			readit = true;
			break;
		case 'w':
			ready = optarg;
			break;
		default:
			exit(2);
		}
	}
	if (!port)
		usage_error("%s: -p PORT is required", "sink");
	fd = bound_socket(addr, port, SOCK_DGRAM, 0);
	if (!readit)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero));
	catch_signals();
	touch(ready);
	if (!readit) {
		while (!stop)
			pause();
		return 0;
	}
	fcntl(fd, F_SETFL, 0);		/* blocking: recvmmsg waits */
	while (!stop) {
		static char bufs[64][2048];
		static struct mmsghdr msgs[64];
		static struct iovec iovs[64];
		int n;

		for (int i = 0; i < 64; i++) {
			iovs[i].iov_base = bufs[i];
			iovs[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, 64, MSG_WAITFORONE, NULL);
		if (n > 0)
			count += n;
		else if (errno != EINTR)
			die("recvmmsg");
	}
	printf("received %" PRIu64 " datagrams\n", count);
	return 0;
}

/* --- serve ----------------------------------------------------------- */

static int cmd_serve(int argc, char **argv)
{
	const char *addr = NULL, *ready = NULL;
	unsigned int port = 0, resp_len = 64;
	struct epoll_event ev, evs[256];
	int proto = IPPROTO_TCP, lfd, ep, c;
	uint64_t served = 0, failed = 0;
	static char buf[65536];
	char *resp;

	while ((c = getopt(argc, argv, "p:P:b:m:w:")) != -1) {
		switch (c) {
		case 'p':
			port = parse_ulong(optarg, 65535, "port");
			break;
		case 'P':
			proto = parse_proto(optarg);
			break;
		case 'b':
			addr = optarg;
			break;
		case 'm':
			resp_len = parse_ulong(optarg, sizeof(buf), "response length");
			break;
		case 'w':
			ready = optarg;
			break;
		default:
			exit(2);
		}
	}
	if (!port)
		usage_error("%s: -p PORT is required", "serve");
	resp = calloc(1, resp_len + 1);
	if (!resp)
		die("calloc");
	memset(resp, 'r', resp_len);

	lfd = bound_socket(addr, port, SOCK_STREAM, proto);
	if (listen(lfd, 4096) < 0)
		die("listen");
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl");
	catch_signals();
	touch(ready);

	while (!stop) {
		int n = epoll_wait(ep, evs, 256, 500);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r, got = 0;

			if (fd == lfd) {
				int cfd;

				while ((cfd = accept4(lfd, NULL, NULL,
						      SOCK_NONBLOCK)) >= 0) {
					ev.events = EPOLLIN;
					ev.data.fd = cfd;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev) < 0)
						die("epoll_ctl");
				}
				continue;
			}
			/* a request: read all of it, answer, close */
			while ((r = recv(fd, buf, sizeof(buf), 0)) > 0)
				got += r;
			if (got > 0 && send(fd, resp, resp_len, MSG_NOSIGNAL) ==
			    (ssize_t)resp_len) {
				served++;
			} else if (got > 0 || r == 0 ||
				   (errno != EAGAIN && errno != EWOULDBLOCK)) {
				failed++;
			} else {
				continue;	/* spurious wakeup */
			}
			close(fd);	/* also takes it out of the epoll set */
		}
	}
	printf("served %" PRIu64 " connections, %" PRIu64 " failed\n",
	       served, failed);
	return 0;
}

/* --- connect --------------------------------------------------------- */

enum slot_state { SLOT_IDLE, SLOT_CONNECTING, SLOT_WAITING };

struct slot {
	int fd;
	enum slot_state state;
	double start;
};

struct conn_stats {
	uint64_t started, ok, failed, timeouts, refused, resets;
	double busy;		/* sum of the completed connections' times */
};

static bool verbose;

static void slot_end(int ep, struct slot *s, struct conn_stats *st, bool ok,
		     int err)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
	s->state = SLOT_IDLE;
	if (ok) {
		st->ok++;
		st->busy += now_s() - s->start;
		return;
	}
	st->failed++;
	if (verbose)
		fprintf(stderr, "flowgen: connection failed: %s\n",
			err ? strerror(err) : "EOF before the answer");
	if (err == ETIMEDOUT)
		st->timeouts++;
	else if (err == ECONNREFUSED)
		st->refused++;
	else if (err == ECONNRESET || err == EPIPE)
		st->resets++;
}

static void slot_start(int ep, struct slot *s, int idx, int proto,
		       const struct sockaddr_storage *dss, socklen_t dlen,
		       struct conn_stats *st)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = idx };

	s->fd = socket(dss->ss_family, SOCK_STREAM | SOCK_NONBLOCK, proto);
	if (s->fd < 0)
		die("socket");
	s->start = now_s();
	s->state = SLOT_CONNECTING;
	st->started++;
	if (connect(s->fd, (const struct sockaddr *)dss, dlen) < 0 &&
	    errno != EINPROGRESS) {
		int err = errno;

		if (verbose || err == EADDRNOTAVAIL || err == EMFILE ||
		    err == ENFILE)
			fprintf(stderr, "flowgen: connect: %s\n", strerror(err));
		close(s->fd);
		s->fd = -1;
		s->state = SLOT_IDLE;
		st->failed++;
		return;
	}
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		die("epoll_ctl");
}

static int cmd_connect(int argc, char **argv)
{
	unsigned int port = 0, conc = 16, req_len = 64, timeout_ms = 3000;
	struct epoll_event evs[256];
	struct sockaddr_storage dss;
	struct conn_stats st = { 0 };
	bool have_dst = false, json = false;
	int proto = IPPROTO_TCP, ep, c;
	double secs = 5, t0, t1, end;
	uint64_t max = 0;
	struct slot *slots;
	static char buf[65536];
	socklen_t dlen;
	struct addr dst;
	char *req;

	while ((c = getopt(argc, argv, "d:p:P:c:T:n:m:t:jv")) != -1) {
		switch (c) {
		case 'd':
			if (!parse_addr(optarg, &dst))
				usage_error("bad destination '%s'", optarg);
			have_dst = true;
			break;
		case 'p':
			port = parse_ulong(optarg, 65535, "port");
			break;
		case 'P':
			proto = parse_proto(optarg);
			break;
		case 'c':
			conc = parse_ulong(optarg, 65536, "concurrency");
			break;
		case 'T':
			secs = parse_double(optarg, "duration");
			break;
		case 'n':
			max = parse_ulong(optarg, ULONG_MAX, "connection count");
			break;
		case 'm':
			req_len = parse_ulong(optarg, sizeof(buf), "request length");
			break;
		case 't':
			timeout_ms = parse_ulong(optarg, UINT_MAX, "timeout");
			break;
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			exit(2);
		}
	}
	if (!have_dst || !port || !conc)
		usage_error("%s: -d DST, -p PORT and -c >= 1 are required",
			    "connect");
	dlen = addr_to_sockaddr(&dst, port, &dss);
	req = calloc(1, req_len + 1);
	slots = calloc(conc, sizeof(*slots));
	if (!req || !slots)
		die("calloc");
	memset(req, 'q', req_len);
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	catch_signals();

	t0 = now_s();
	end = secs ? t0 + secs : 0;
	for (unsigned int i = 0; i < conc; i++)
		slots[i].fd = -1;
	while (!stop) {
		double now = now_s();
		bool more = (!end || now < end) && (!max || st.started < max);
		bool busy = false;
		int n;

		for (unsigned int i = 0; i < conc; i++) {
			struct slot *s = &slots[i];

			if (s->state != SLOT_IDLE &&
			    now - s->start > timeout_ms / 1000.0)
				slot_end(ep, s, &st, false, ETIMEDOUT);
			if (s->state == SLOT_IDLE && more &&
			    (!max || st.started < max))
				slot_start(ep, s, i, proto, &dss, dlen, &st);
			busy |= s->state != SLOT_IDLE;
		}
		if (end && now >= end)
			break;	/* time is up (in-flight ones are dropped) */
		if (!more && !busy)
			break;	/* -n MAX done */
		n = epoll_wait(ep, evs, 256, 20);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int j = 0; j < n; j++) {
			struct slot *s = &slots[evs[j].data.u32];
			int err = 0;
			socklen_t elen = sizeof(err);
			ssize_t r;

			if (s->state == SLOT_CONNECTING) {
				struct epoll_event ev = {
					.events = EPOLLIN,
					.data.u32 = evs[j].data.u32,
				};

				if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR,
					       &err, &elen) < 0 || err) {
					slot_end(ep, s, &st, false, err);
					continue;
				}
				if (send(s->fd, req, req_len, MSG_NOSIGNAL) !=
				    (ssize_t)req_len) {
					slot_end(ep, s, &st, false, errno);
					continue;
				}
				s->state = SLOT_WAITING;
				if (epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev) < 0)
					die("epoll_ctl");
				continue;
			}
			if (s->state != SLOT_WAITING)
				continue;
			while ((r = recv(s->fd, buf, sizeof(buf), 0)) > 0)
				;
			if (r == 0)
				slot_end(ep, s, &st, true, 0);
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				slot_end(ep, s, &st, false, errno);
		}
	}
	t1 = now_s();
	if (end && t1 > end)
		t1 = end;	/* rate over the requested time */
	for (unsigned int i = 0; i < conc; i++)
		if (slots[i].state != SLOT_IDLE)
			close(slots[i].fd);
	if (json)
		printf("{\"ok\": %" PRIu64 ", \"failed\": %" PRIu64
		       ", \"timeouts\": %" PRIu64 ", \"refused\": %" PRIu64
		       ", \"resets\": %" PRIu64 ", \"elapsed_s\": %.3f"
		       ", \"rate\": %.1f, \"avg_ms\": %.2f}\n",
		       st.ok, st.failed, st.timeouts, st.refused, st.resets,
		       t1 - t0, st.ok / (t1 - t0),
		       st.ok ? st.busy * 1000 / st.ok : 0.0);
	else
		printf("%" PRIu64 " connections in %.3f s: %.1f/s, %" PRIu64
		       " failed (%" PRIu64 " timeouts, %" PRIu64 " refused, %"
		       PRIu64 " resets), %.2f ms each\n",
		       st.ok, t1 - t0, st.ok / (t1 - t0), st.failed,
		       st.timeouts, st.refused, st.resets,
		       st.ok ? st.busy * 1000 / st.ok : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(cmd, "sink"))
		return cmd_sink(argc - 1, argv + 1);
	if (!strcmp(cmd, "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(cmd, "connect"))
		return cmd_connect(argc - 1, argv + 1);
	fprintf(stderr, "usage: flowgen send|sink|serve|connect OPTIONS"
		" (see the comment at the top of flowgen.c)\n");
	return 2;
}
