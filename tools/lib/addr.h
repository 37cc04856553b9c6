/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses and ports as users write them: 192.0.2.1:80, [2001:db8::1]:80,
 * and bare addresses (192.0.2.1, 2001:db8::1, [2001:db8::1]).
 */
#ifndef LBNL_ADDR_H
#define LBNL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct lbnl_addr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		unsigned char raw[16];	/* network byte order */
	};
};

/* Room for "[" INET6 "]:65535" and the terminating NUL. */
#define LBNL_ADDRSTRLEN		INET6_ADDRSTRLEN
#define LBNL_ADDRPORTSTRLEN	(INET6_ADDRSTRLEN + 8)

/* Parse errors (negative return values of the parsers below). */
enum lbnl_addr_err {
	LBNL_ADDR_EINVAL = -1,		/* not an IPv4 or IPv6 address */
	LBNL_ADDR_EPORT = -2,		/* port not a number in 0..65535 */
	LBNL_ADDR_ENOPORT = -3,		/* a port is required */
};

size_t lbnl_addr_len(const struct lbnl_addr *a);
int lbnl_addr_from_raw(struct lbnl_addr *a, const void *raw, size_t len);
bool lbnl_addr_equal(const struct lbnl_addr *a, const struct lbnl_addr *b);
/* A total order: IPv4 before IPv6, then by bytes (numerically). */
int lbnl_addr_compare(const struct lbnl_addr *a, const struct lbnl_addr *b);

int lbnl_parse_port(const char *s, uint16_t *port);
int lbnl_parse_addr(const char *s, struct lbnl_addr *a);
int lbnl_parse_addr_port(const char *s, struct lbnl_addr *a, uint16_t *port,
			 bool *has_port);
const char *lbnl_addr_strerror(int err);

const char *lbnl_format_addr(const struct lbnl_addr *a, char *buf,
			     size_t len);
const char *lbnl_format_addr_port(const struct lbnl_addr *a, uint16_t port,
				  char *buf, size_t len);

#endif
