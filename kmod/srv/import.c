// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - server role: re-creating an exported association, exactly.
 *
 * The module builds the COOKIE-ECHO that the local listener would have
 * accepted had it issued the INIT-ACK itself: my_vtag and initial TSN are
 * the exported association's, the embedded INIT carries the peer's vtag,
 * next TSN, window, stream counts and addresses, and the cookie is signed
 * with the listening endpoint's own key and HMAC algorithm. Injected as if
 * from the peer, it makes the stack create an ESTABLISHED association that
 * is wire-identical to the exported one: same vtags, same TSN spaces, so no
 * packet ever needs rewriting and every vtag-keyed state elsewhere (the
 * LB's, conntrack's) stays valid.
 *
 * What the cookie cannot carry (per-stream SSNs, serials, RTO/SRTT/RTTVAR,
 * cwnd) is set under lock_sock() before any traffic is released: until
 * then a HOLD silence drops inbound packets with our vtag (but the cookie)
 * and every outbound packet of the association, which swallows the
 * COOKIE-ACK and any ABORT a refused import would send the peer.
 *
 * The listener is the one the stack will hand the cookie to: the first
 * endpoint bound to the address and port, or, if that one is in an
 * SO_REUSEPORT group, the member the group selects for the peer's address
 * and port, by the same hash as sctp_rcv() (a group's listeners each have
 * their own secret key: a cookie signed with another member's is
 * discarded). A group with a BPF selector is not asked: the import then
 * fails if its choice differs, the way nothing else goes wrong.
 */

#include <crypto/hash.h>
#include <linux/delay.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/sctp/checksum.h>
#include <net/sctp/sctp.h>
#include <net/sock_reuseport.h>

#include "srv.h"

/* How long the stack gets to turn the injected cookie into a TCB. */
#define LBNL_IMPORT_WAIT_MS	2000
/* Packets of a failed import stay dropped this long. */
#define LBNL_IMPORT_GRACE_MS	10000
/* Lifetime of the cookie we build; it is consumed at once. */
#define LBNL_IMPORT_COOKIE_LIFE_MS	60000

/* What the import needs to know of the local listener. */
struct lbnl_listener {
	const union sctp_addr *laddr;
	struct sock *sk;	/* the first that covers @laddr, held */
	bool found;
	u8 secret_key[SCTP_SECRET_SIZE];
	char hmac_alg[CRYPTO_MAX_ALG_NAME];
	u16 max_ostreams;
	u16 max_instreams;
};

/* Does a bound address of a listener accept packets for @laddr? */
static bool lbnl_bound_addr_covers(struct sock *sk, const union sctp_addr *b,
				   const union sctp_addr *laddr)
{
	if (b->sa.sa_family == AF_INET)
		return b->v4.sin_addr.s_addr == htonl(INADDR_ANY) ?
		       laddr->sa.sa_family == AF_INET :
		       lbnl_sctp_addr_eq(b, laddr);
	if (ipv6_addr_any(&b->v6.sin6_addr))
		return laddr->sa.sa_family == AF_INET6 || !ipv6_only_sock(sk);
	return lbnl_sctp_addr_eq(b, laddr);
}

static int lbnl_import_match_listener(struct sctp_endpoint *ep, void *p)
{
	struct lbnl_listener *l = p;
	struct sock *sk = ep->base.sk;
	struct sctp_sockaddr_entry *a;
	bool covers = false;

	if (ep->base.bind_addr.port != ntohs(l->laddr->v4.sin_port))
		return 0;

	lock_sock(sk);
	if (ep->base.dead || !sctp_sstate(sk, LISTENING))
		goto out;
	rcu_read_lock();
	list_for_each_entry_rcu(a, &ep->base.bind_addr.address_list, list)
		if (lbnl_bound_addr_covers(sk, &a->a, l->laddr))
			covers = true;
	rcu_read_unlock();
	if (covers) {
		sock_hold(sk);
		l->sk = sk;
	}
out:
	release_sock(sk);
	return covers;
}

/* sctp_rcv()'s hash of a packet from @paddr to @lport (net/sctp/input.c). */
static u32 lbnl_sctp_hashfn(const struct net *net, __be16 lport,
			    const union sctp_addr *paddr)
{
	u32 addr;

	if (paddr->sa.sa_family == AF_INET6)
		addr = jhash(&paddr->v6.sin6_addr, 16, 0);
	else
		addr = (__force u32)paddr->v4.sin_addr.s_addr;
	return jhash_3words(addr, ((__force u32)paddr->v4.sin_port) << 16 |
			    (__force u32)lport, net_hash_mix(net), 0);
}

/*
 * The listener the stack gives a packet from @paddr: @l->sk, or the member
 * of its SO_REUSEPORT group the hash selects; what the cookie needs of it.
 * Drops the reference on @l->sk.
 */
static void lbnl_import_take_listener(struct net *net, struct lbnl_listener *l,
				      const union sctp_addr *paddr)
{
	struct sock *sk = l->sk, *sel;
	struct sctp_sock *sp;
	u32 hash;

	if (sk->sk_reuseport) {
		hash = lbnl_sctp_hashfn(net, l->laddr->v4.sin_port, paddr);
		rcu_read_lock();
		sel = reuseport_select_sock(sk, hash, NULL, 0);
		if (sel && sel != sk && refcount_inc_not_zero(&sel->sk_refcnt)) {
			sock_put(sk);
			sk = sel;
		}
		rcu_read_unlock();
	}

	lock_sock(sk);
	sp = sctp_sk(sk);
	if (!sp->ep->base.dead && sctp_sstate(sk, LISTENING)) {
		l->found = true;
		memcpy(l->secret_key, sp->ep->secret_key,
		       sizeof(l->secret_key));
		if (sp->hmac)
			strscpy(l->hmac_alg, crypto_shash_alg_name(sp->hmac),
				sizeof(l->hmac_alg));
		l->max_ostreams = sp->initmsg.sinit_num_ostreams;
		l->max_instreams = sp->initmsg.sinit_max_instreams;
	}
	release_sock(sk);
	sock_put(sk);
	l->sk = NULL;
}

static bool lbnl_addr_is_local(struct net *net, const union sctp_addr *a)
{
	if (a->sa.sa_family == AF_INET)
		return inet_addr_type(net, a->v4.sin_addr.s_addr) == RTN_LOCAL;
	return ipv6_chk_addr(net, &a->v6.sin6_addr, NULL, 0);
}

static unsigned int lbnl_addr_param_len(const union sctp_addr *a)
{
	return a->sa.sa_family == AF_INET ? sizeof(struct sctp_ipv4addr_param) :
					    sizeof(struct sctp_ipv6addr_param);
}

/* Append an IPv4/IPv6 address parameter at @p; returns its length. */
static unsigned int lbnl_put_addr_param(u8 *p, const union sctp_addr *a)
{
	union sctp_addr_param *param = (union sctp_addr_param *)p;
	unsigned int len = lbnl_addr_param_len(a);

	if (a->sa.sa_family == AF_INET) {
		param->v4.param_hdr.type = SCTP_PARAM_IPV4_ADDRESS;
		param->v4.addr = a->v4.sin_addr;
	} else {
		param->v6.param_hdr.type = SCTP_PARAM_IPV6_ADDRESS;
		param->v6.addr = a->v6.sin6_addr;
	}
	param->p.length = htons(len);
	return len;
}

static unsigned int lbnl_put_flag_param(u8 *p, __be16 type)
{
	struct sctp_paramhdr *param = (struct sctp_paramhdr *)p;

	param->type = type;
	param->length = htons(sizeof(*param));
	return sizeof(*param);
}

static unsigned int lbnl_init_len(const struct lbnl_assoc_state *s)
{
	unsigned int i, len = sizeof(struct sctp_init_chunk);

	for (i = 0; i < s->n_paths; i++)
		len += lbnl_addr_param_len(&s->paths[i].addr);
	if (s->features & LBNL_ASSOC_F_ECN)
		len += sizeof(struct sctp_paramhdr);
	if (s->features & LBNL_ASSOC_F_PRSCTP)
		len += sizeof(struct sctp_paramhdr);
	return len;
}

/* The peer's INIT as the listener would have received it. */
static void lbnl_build_init(u8 *p, unsigned int len,
			    const struct lbnl_assoc_state *s)
{
	struct sctp_init_chunk *init = (struct sctp_init_chunk *)p;
	unsigned int i, off = sizeof(*init);

	init->chunk_hdr.type = SCTP_CID_INIT;
	init->chunk_hdr.length = htons(len);
	init->init_hdr.init_tag = htonl(s->peer_vtag);
	init->init_hdr.a_rwnd = htonl(s->peer_rwnd);
	init->init_hdr.num_outbound_streams = htons(s->in_streams);
	init->init_hdr.num_inbound_streams = htons(s->out_streams);
	init->init_hdr.initial_tsn = htonl(s->peer_next_tsn);
	for (i = 0; i < s->n_paths; i++)
		off += lbnl_put_addr_param(p + off, &s->paths[i].addr);
	if (s->features & LBNL_ASSOC_F_ECN)
		off += lbnl_put_flag_param(p + off, SCTP_PARAM_ECN_CAPABLE);
	if (s->features & LBNL_ASSOC_F_PRSCTP)
		off += lbnl_put_flag_param(p + off, SCTP_PARAM_FWD_TSN_SUPPORT);
}

/* Fill and sign the state cookie at @sc, @body_len bytes from &sc->c. */
static int lbnl_build_cookie(struct sctp_signed_cookie *sc,
			     unsigned int body_len, unsigned int init_len,
			     unsigned int raw_len,
			     const struct lbnl_assoc_state *s,
			     const struct lbnl_listener *l)
{
	struct sctp_cookie *c = &sc->c;
	struct crypto_shash *tfm;
	unsigned int i, off;
	u8 *raw;
	int err;

	c->my_vtag = s->my_vtag;
	c->peer_vtag = s->peer_vtag;
	c->expiration = ktime_add(ktime_get_real(),
				  ms_to_ktime(LBNL_IMPORT_COOKIE_LIFE_MS));
	c->sinit_num_ostreams = s->out_streams;
	c->sinit_max_instreams = s->in_streams;
	c->initial_tsn = s->next_tsn;
	c->peer_addr = s->paddr;
	c->my_port = ntohs(s->laddr.v4.sin_port);
	c->prsctp_capable = !!(s->features & LBNL_ASSOC_F_PRSCTP);
	c->adaptation_ind = s->adaptation_ind;
	c->raw_addr_list_len = raw_len;

	lbnl_build_init((u8 *)c->peer_init, init_len, s);
	raw = (u8 *)c->peer_init + init_len;
	for (i = 0, off = 0; i < s->n_laddrs; i++)
		off += lbnl_put_addr_param(raw + off, &s->laddrs[i]);

	if (!l->hmac_alg[0])
		return 0;	/* net.sctp.cookie_hmac_alg = none */

	tfm = crypto_alloc_shash(l->hmac_alg, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (crypto_shash_digestsize(tfm) > sizeof(sc->signature))
		err = -EINVAL;
	else
		err = crypto_shash_setkey(tfm, l->secret_key,
					  sizeof(l->secret_key)) ?:
		      crypto_shash_tfm_digest(tfm, (u8 *)c, body_len,
					      sc->signature);
	crypto_free_shash(tfm);
	return err;
}

/*
 * The packet the peer would send: IP, SCTP common header with our vtag,
 * one COOKIE-ECHO chunk.
 */
static struct sk_buff *lbnl_build_cookie_echo(struct net *net,
					      const struct lbnl_assoc_state *s,
					      const struct lbnl_listener *l,
					      int *err)
{
	bool v4 = s->laddr.sa.sa_family == AF_INET;
	unsigned int l3_len = v4 ? sizeof(struct iphdr) :
				   sizeof(struct ipv6hdr);
	unsigned int init_len = lbnl_init_len(s), raw_len = 0;
	unsigned int body_len, chunk_len, i;
	struct sctp_chunkhdr *ch;
	struct sk_buff *skb;
	struct sctphdr *sh;

	for (i = 0; i < s->n_laddrs; i++)
		raw_len += lbnl_addr_param_len(&s->laddrs[i]);
	body_len = ALIGN(sizeof(struct sctp_cookie) + init_len + raw_len,
			 SCTP_COOKIE_MULTIPLE);
	chunk_len = sizeof(*ch) + offsetof(struct sctp_signed_cookie, c) +
		    body_len;

	skb = alloc_skb(LL_MAX_HEADER + l3_len + sizeof(*sh) + chunk_len,
			GFP_KERNEL);
	if (!skb) {
		*err = -ENOMEM;
		return NULL;
	}
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_put_zero(skb, l3_len + sizeof(*sh) + chunk_len);
	skb_set_transport_header(skb, l3_len);

	if (v4) {
		struct iphdr *iph = ip_hdr(skb);

		iph->version = 4;
		iph->ihl = sizeof(*iph) / 4;
		iph->tot_len = htons(skb->len);
		iph->frag_off = htons(IP_DF);
		iph->ttl = 64;
		iph->protocol = IPPROTO_SCTP;
		iph->saddr = s->paddr.v4.sin_addr.s_addr;
		iph->daddr = s->laddr.v4.sin_addr.s_addr;
		ip_send_check(iph);
		skb->protocol = htons(ETH_P_IP);
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6_flow_hdr(ip6h, 0, 0);
		ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
		ip6h->nexthdr = IPPROTO_SCTP;
		ip6h->hop_limit = 64;
		ip6h->saddr = s->paddr.v6.sin6_addr;
		ip6h->daddr = s->laddr.v6.sin6_addr;
		skb->protocol = htons(ETH_P_IPV6);
	}

	sh = sctp_hdr(skb);
	sh->source = s->paddr.v4.sin_port;
	sh->dest = s->laddr.v4.sin_port;
	sh->vtag = htonl(s->my_vtag);
	ch = (struct sctp_chunkhdr *)(sh + 1);
	ch->type = SCTP_CID_COOKIE_ECHO;
	ch->length = htons(chunk_len);

	*err = lbnl_build_cookie((struct sctp_signed_cookie *)(ch + 1),
				 body_len, init_len, raw_len, s, l);
	if (*err) {
		kfree_skb(skb);
		return NULL;
	}
	sh->checksum = sctp_compute_cksum(skb, l3_len);

	skb->dev = net->loopback_dev;
	skb->pkt_type = PACKET_HOST;
	skb->ip_summed = CHECKSUM_UNNECESSARY;
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	/* Conntrack would call a flow that starts with COOKIE-ECHO invalid. */
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
#endif
	return skb;
}

/* Under lock_sock, before traffic: what the cookie could not carry. */
static int lbnl_import_fixup(struct sctp_association *asoc, void *arg)
{
	const struct lbnl_assoc_state *s = arg;
	struct sctp_stream *stream = &asoc->stream;
	struct sctp_transport *t;
	unsigned int i;

	if (asoc->c.my_vtag != s->my_vtag || asoc->c.peer_vtag != s->peer_vtag)
		return -EEXIST;
	if (asoc->state != SCTP_STATE_ESTABLISHED)
		return -EAGAIN;
	if (stream->outcnt != s->out_streams || stream->incnt != s->in_streams)
		return -EPROTO;

	for (i = 0; i < s->out_streams; i++)
		sctp_stream_out(stream, i)->mid = s->out_ssn[i];
	for (i = 0; i < s->in_streams; i++)
		sctp_stream_in(stream, i)->mid = s->in_ssn[i];

	asoc->addip_serial = s->addip_serial;
	asoc->peer.addip_serial = s->peer_addip_serial;
	asoc->strreset_outseq = s->strreset_outseq;
	asoc->strreset_inseq = s->strreset_inseq;
	/* Not derived from the cookie's initial TSN by the stack. */
	asoc->highest_sacked = asoc->ctsn_ack_point;
	asoc->last_cwr_tsn = asoc->ctsn_ack_point;
	/* Keep the original age (see lbnl_assoc_created_ms()). */
	if (s->created_ms)
		asoc->c.expiration = ktime_add(ms_to_ktime(s->created_ms),
					       asoc->cookie_life);

	list_for_each_entry(t, &asoc->peer.transport_addr_list, transports) {
		const struct lbnl_assoc_path *p = NULL;

		for (i = 0; i < s->n_paths && !p; i++)
			if (lbnl_sctp_addr_eq(&s->paths[i].addr, &t->ipaddr))
				p = &s->paths[i];
		if (!p)
			continue;
		/* A fresh path starts at RTO.initial (3 s by default). */
		if (p->rto_us)
			t->rto = clamp_t(unsigned long,
					 usecs_to_jiffies(p->rto_us),
					 asoc->rto_min, asoc->rto_max);
		t->srtt = usecs_to_jiffies(p->srtt_us);
		t->rttvar = usecs_to_jiffies(p->rttvar_us);
		if (p->cwnd)
			t->cwnd = p->cwnd;
		if (p->ssthresh)
			t->ssthresh = p->ssthresh;
	}
	return 0;
}

static int lbnl_assoc_exists(struct sctp_association *asoc, void *arg)
{
	return 0;
}

static int lbnl_import_kill(struct sctp_association *asoc, void *arg)
{
	const struct lbnl_assoc_state *s = arg;

	if (asoc->c.my_vtag == s->my_vtag)
		lbnl_assoc_kill(asoc);
	return 0;
}

/* Checks that need nothing but the state and this host. */
static int lbnl_import_check(struct net *net, const struct lbnl_assoc_state *s,
			     struct lbnl_listener *l, const char **reason)
{
	unsigned int i;
	int pos = 0;

	if (s->laddr.sa.sa_family != s->paddr.sa.sa_family) {
		*reason = "local and peer primary addresses differ in family";
		return -EINVAL;
	}
	for (i = 0; i < s->n_laddrs; i++)
		if (!lbnl_addr_is_local(net, &s->laddrs[i])) {
			*reason = "a local address of the association is not configured here";
			return -EADDRNOTAVAIL;
		}

	l->laddr = &s->laddr;
	sctp_for_each_endpoint(lbnl_import_match_listener, net, &pos, l);
	if (l->sk)
		lbnl_import_take_listener(net, l, &s->paddr);
	if (!l->found) {
		*reason = "no SCTP listener on that address and port here";
		return -ECONNREFUSED;
	}
	if (s->out_streams > l->max_ostreams ||
	    s->in_streams > l->max_instreams) {
		*reason = "stream counts exceed the listener's (raise its SCTP_INITMSG)";
		return -ERANGE;
	}
	if (!lbnl_assoc_with(net, &s->laddr, &s->paddr, lbnl_assoc_exists,
			     NULL)) {
		*reason = "an association with this peer already exists here";
		return -EEXIST;
	}
	return 0;
}

/**
 * lbnl_assoc_import() - re-create an exported association on this host
 * @net: the namespace
 * @s: the exported state, validated for form by the caller
 * @reason: on failure, why (a static string)
 *
 * Return: 0 once the association is established and traffic is released,
 * or a negative errno; on failure nothing reached the peer, and whatever the
 * attempt created here is dropped silently.
 */
int lbnl_assoc_import(struct net *net, const struct lbnl_assoc_state *s,
		      const char **reason)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(LBNL_IMPORT_WAIT_MS);
	struct lbnl_srv_net *sn = lbnl_srv_pernet(net);
	struct lbnl_listener *l;
	struct lbnl_silence *e;
	struct sk_buff *skb;
	int err;

	*reason = NULL;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	err = lbnl_import_check(net, s, l, reason);
	if (err)
		goto out_free;

	mutex_lock(&sn->assoc_lock);
	e = lbnl_silence_find(net, s->my_vtag, s->laddr.v4.sin_port,
			      s->paddr.v4.sin_port);
	if (e && !e->expires) {
		mutex_unlock(&sn->assoc_lock);
		*reason = "already being exported or imported";
		err = -EBUSY;
		goto out_free;
	}
	e = lbnl_silence_add(net, s->my_vtag, s->peer_vtag,
			     s->laddr.v4.sin_port, s->paddr.v4.sin_port,
			     LBNL_SILENCE_HOLD);
	mutex_unlock(&sn->assoc_lock);
	if (IS_ERR(e)) {
		err = PTR_ERR(e);
		goto out_free;
	}

	skb = lbnl_build_cookie_echo(net, s, l, &err);
	memzero_explicit(l->secret_key, sizeof(l->secret_key));
	if (!skb) {
		*reason = "cannot build the state cookie";
		goto fail;
	}
	netif_rx(skb);

	do {
		usleep_range(200, 500);
		err = lbnl_assoc_with(net, &s->laddr, &s->paddr,
				      lbnl_import_fixup, (void *)s);
	} while ((err == -ENOENT || err == -EAGAIN) &&
		 time_before(jiffies, deadline));
	if (err) {
		*reason = err == -ENOENT || err == -EAGAIN ?
			  "the listener did not accept the re-created association" :
			  "the re-created association does not match the state";
		goto fail;
	}

	mutex_lock(&sn->assoc_lock);
	e = lbnl_silence_find(net, s->my_vtag, s->laddr.v4.sin_port,
			      s->paddr.v4.sin_port);
	if (e)
		lbnl_silence_del(net, e);
	mutex_unlock(&sn->assoc_lock);
	goto out_free;

fail:
	/* Keep swallowing whatever the attempt left behind. */
	mutex_lock(&sn->assoc_lock);
	e = lbnl_silence_add(net, s->my_vtag, s->peer_vtag,
			     s->laddr.v4.sin_port, s->paddr.v4.sin_port,
			     LBNL_SILENCE_DROP);
	if (!IS_ERR(e)) {
		lbnl_assoc_with(net, &s->laddr, &s->paddr, lbnl_import_kill,
				(void *)s);
		lbnl_silence_expire(net, e, msecs_to_jiffies(LBNL_IMPORT_GRACE_MS));
	}
	mutex_unlock(&sn->assoc_lock);
out_free:
	kfree_sensitive(l);
	return err;
}
