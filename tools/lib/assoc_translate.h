/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local endpoint of an exported association state, translated for
 * the target server of a nat VIP's migration: on the servers of a nat
 * VIP the association's local address is the server's own (the LB
 * rewrites it to the VIP's), so the target must import it under its own
 * address and port. Nothing else changes: the peer only ever sees the
 * VIP, vtags, TSNs and streams stay, and SCTP's CRC32c does not cover
 * the IP addresses.
 */
#ifndef LBNL_ASSOC_TRANSLATE_H
#define LBNL_ASSOC_TRANSLATE_H

#include <stddef.h>

#include "objects.h"

/*
 * Give s the local endpoint `to`: key.laddr and key.lport, and local
 * addresses [to->addr]. 0; or, s unchanged, -EOPNOTSUPP (more than one
 * local address: the server side is multi-homed), -EAFNOSUPPORT (to's
 * family is not the association's) or -ENOMEM, with why in words.
 */
int lbnl_assoc_state_translate(struct lbu_assoc_state *s,
			       const struct lbnl_endpoint *to, char *why,
			       size_t whylen);

#endif
