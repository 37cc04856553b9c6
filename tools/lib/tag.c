// SPDX-License-Identifier: GPL-2.0
/* Routable SCTP tags: the TAG_* requests of both families, the key text. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#include "tag.h"
#include "transport.h"

static const struct nla_policy lb_top_policy[LBNL_A_MAX + 1] = {
	[LBNL_A_TAG] = { .type = NLA_NESTED },
};

static const struct nla_policy lb_tag_policy[LBNL_A_TAG_MAX + 1] = {
	[LBNL_A_TAG_FINGERPRINT] = { .type = NLA_U32 },
	[LBNL_A_TAG_ROUTED] = { .type = NLA_U64 },
};

static const struct nla_policy srv_top_policy[LBNL_SRV_A_MAX + 1] = {
	[LBNL_SRV_A_TAG] = { .type = NLA_NESTED },
};

static const struct nla_policy srv_tag_policy[LBNL_SRV_A_TAG_MAX + 1] = {
	[LBNL_SRV_A_TAG_SERVER_ID] = { .type = NLA_U16 },
	[LBNL_SRV_A_TAG_FINGERPRINT] = { .type = NLA_U32 },
	[LBNL_SRV_A_TAG_HOOK] = { .type = NLA_U8 },
	[LBNL_SRV_A_TAG_CHOSEN] = { .type = NLA_U64 },
	[LBNL_SRV_A_TAG_MISSED] = { .type = NLA_U64 },
};

/* A request without attributes; its ACK. */
static int simple(struct lbnl_nl *nl, uint8_t cmd)
{
	struct nl_msg *msg = lbnl_msg_new(nl, cmd, NLM_F_ACK);

	if (!msg)
		return -ENOMEM;
	return lbnl_transact(nl, msg, NULL, NULL, NULL);
}

/* A SET: the tag nest with the key (and the server id if not 0). */
static int set(struct lbnl_nl *nl, uint8_t cmd, int nest_type, int key_type,
	       const uint8_t *key, int id_type, uint16_t id)
{
	struct nl_msg *msg = lbnl_msg_new(nl, cmd, NLM_F_ACK);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, nest_type);
	if (!nest || nla_put(msg, key_type, LBNL_TAG_KEY_LEN, key) ||
	    (id && nla_put_u16(msg, id_type, id))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return lbnl_transact(nl, msg, NULL, NULL, NULL);
}

int lbu_tag_set(struct lbnl_nl *nl, const uint8_t *key)
{
	return set(nl, LBNL_CMD_TAG_SET, LBNL_A_TAG, LBNL_A_TAG_KEY, key, 0, 0);
}

int lbu_srv_tag_set(struct lbnl_nl *nl, const uint8_t *key,
		     uint16_t server_id)
{
	if (!server_id)
		return -EINVAL;
	return set(nl, LBNL_SRV_CMD_TAG_SET, LBNL_SRV_A_TAG, LBNL_SRV_A_TAG_KEY,
		   key, LBNL_SRV_A_TAG_SERVER_ID, server_id);
}

int lbu_tag_del(struct lbnl_nl *nl)
{
	return simple(nl, LBNL_CMD_TAG_DEL);
}

int lbu_srv_tag_del(struct lbnl_nl *nl)
{
	return simple(nl, LBNL_SRV_CMD_TAG_DEL);
}

struct get_reply {
	bool srv;
	bool got;
	struct lbu_tag_status *lb;
	struct lbu_srv_tag_status *srv_st;
};

static uint64_t get_u64_or_0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static int parse_lb(struct nlmsghdr *nlh, struct lbu_tag_status *st)
{
	struct nlattr *top[LBNL_A_MAX + 1], *tb[LBNL_A_TAG_MAX + 1];

	if (genlmsg_parse(nlh, 0, top, LBNL_A_MAX, lb_top_policy) ||
	    !top[LBNL_A_TAG] ||
	    nla_parse_nested(tb, LBNL_A_TAG_MAX, top[LBNL_A_TAG],
			     lb_tag_policy) ||
	    !tb[LBNL_A_TAG_FINGERPRINT])
		return -EPROTO;
	st->fingerprint = nla_get_u32(tb[LBNL_A_TAG_FINGERPRINT]);
	st->routed = get_u64_or_0(tb[LBNL_A_TAG_ROUTED]);
	return 0;
}

static int parse_srv(struct nlmsghdr *nlh, struct lbu_srv_tag_status *st)
{
	struct nlattr *top[LBNL_SRV_A_MAX + 1], *tb[LBNL_SRV_A_TAG_MAX + 1];

	if (genlmsg_parse(nlh, 0, top, LBNL_SRV_A_MAX, srv_top_policy) ||
	    !top[LBNL_SRV_A_TAG] ||
	    nla_parse_nested(tb, LBNL_SRV_A_TAG_MAX, top[LBNL_SRV_A_TAG],
			     srv_tag_policy) ||
	    !tb[LBNL_SRV_A_TAG_SERVER_ID] || !tb[LBNL_SRV_A_TAG_FINGERPRINT])
		return -EPROTO;
	st->server_id = nla_get_u16(tb[LBNL_SRV_A_TAG_SERVER_ID]);
	st->fingerprint = nla_get_u32(tb[LBNL_SRV_A_TAG_FINGERPRINT]);
	st->hook = tb[LBNL_SRV_A_TAG_HOOK] &&
		   nla_get_u8(tb[LBNL_SRV_A_TAG_HOOK]);
	st->chosen = get_u64_or_0(tb[LBNL_SRV_A_TAG_CHOSEN]);
	st->missed = get_u64_or_0(tb[LBNL_SRV_A_TAG_MISSED]);
	return 0;
}

/* The one reply of a GET. */
static int on_get_reply(struct nlmsghdr *nlh, void *arg)
{
	struct get_reply *r = arg;

	if (r->got || !genlmsg_valid_hdr(nlh, 0) ||
	    (r->srv ? parse_srv(nlh, r->srv_st) : parse_lb(nlh, r->lb)))
		return -EPROTO;
	r->got = true;
	return 0;
}

static int get(struct lbnl_nl *nl, uint8_t cmd, struct get_reply *r)
{
	struct nl_msg *msg = lbnl_msg_new(nl, cmd, NLM_F_ACK);
	int err;

	if (!msg)
		return -ENOMEM;
	err = lbnl_transact(nl, msg, on_get_reply, r, NULL);
	if (!err && !r->got)
		err = -EPROTO;
	return err;
}

int lbu_tag_get(struct lbnl_nl *nl, struct lbu_tag_status *st)
{
	struct get_reply r = { .lb = st };

	memset(st, 0, sizeof(*st));
	return get(nl, LBNL_CMD_TAG_GET, &r);
}

int lbu_srv_tag_get(struct lbnl_nl *nl, struct lbu_srv_tag_status *st)
{
	struct get_reply r = { .srv = true, .srv_st = st };

	memset(st, 0, sizeof(*st));
	return get(nl, LBNL_SRV_CMD_TAG_GET, &r);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int lbu_tag_key_parse(const char *text, size_t len, uint8_t *key)
{
	uint8_t k[LBNL_TAG_KEY_LEN];
	size_t i;
	int hi, lo;

	for (i = 0; i < len && text[i]; i++)
		;
	len = i;
	if (len < LBU_TAG_KEY_HEX_LEN)
		return -EINVAL;
	for (i = 0; i < LBNL_TAG_KEY_LEN; i++) {
		hi = hex_value(text[2 * i]);
		lo = hex_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		k[i] = (uint8_t)(hi << 4 | lo);
	}
	for (i = LBU_TAG_KEY_HEX_LEN; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return -EINVAL;
	memcpy(key, k, sizeof(k));
	memset(k, 0, sizeof(k));
	return 0;
}

void lbu_tag_key_format(const uint8_t *key, char *text)
{
	size_t i;

	for (i = 0; i < LBNL_TAG_KEY_LEN; i++)
		snprintf(text + 2 * i, 3, "%02x", key[i]);
}
