/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Routable SCTP tags: the key of both roles (LBNL_CMD_TAG_* of "lbnl",
 * LBNL_SRV_CMD_TAG_* of "lbnl_srv"; see the uapi headers), and the key's
 * text form. The functions return 0 or a negative errno, as those of nl.h;
 * a GET without a key set is -ENOENT.
 */
#ifndef LBNL_TAG_H
#define LBNL_TAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/lbnl.h>

#include "nl.h"

/* A key as text: LBNL_TAG_KEY_LEN bytes in hex, lower case. */
#define LBU_TAG_KEY_HEX_LEN	(2 * LBNL_TAG_KEY_LEN)

/* What the LB role shows of its key (LBNL_CMD_TAG_GET). */
struct lbu_tag_status {
	uint32_t fingerprint;
	uint64_t routed;		/* packets routed by their tag */
};

/* What the server role shows of its key (LBNL_SRV_CMD_TAG_GET). */
struct lbu_srv_tag_status {
	uint16_t server_id;
	uint32_t fingerprint;
	bool hook;			/* the kernel's hook is installed */
	uint64_t chosen;		/* tags chosen in the namespace */
	uint64_t missed;		/* choices the hook missed (host) */
};

/* LB role: a handle of lbnl_nl_open(). */
int lbu_tag_set(struct lbnl_nl *nl, const uint8_t *key);
int lbu_tag_del(struct lbnl_nl *nl);
int lbu_tag_get(struct lbnl_nl *nl, struct lbu_tag_status *st);

/* Server role: a handle of lbnl_srv_nl_open(). */
int lbu_srv_tag_set(struct lbnl_nl *nl, const uint8_t *key,
		     uint16_t server_id);
int lbu_srv_tag_del(struct lbnl_nl *nl);
int lbu_srv_tag_get(struct lbnl_nl *nl, struct lbu_srv_tag_status *st);

/*
 * The key text spells in key[LBNL_TAG_KEY_LEN]: exactly
 * LBU_TAG_KEY_HEX_LEN hex digits (either case), the bytes in order, then
 * nothing but white space. len: the bytes of text (a NUL ends it too).
 * -EINVAL otherwise.
 */
int lbu_tag_key_parse(const char *text, size_t len, uint8_t *key);
/* The text of a key: LBU_TAG_KEY_HEX_LEN + 1 bytes with the NUL. */
void lbu_tag_key_format(const uint8_t *key, char *text);

#endif
