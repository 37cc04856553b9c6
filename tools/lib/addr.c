// SPDX-License-Identifier: GPL-2.0
/*
 * Address and port parsing/formatting.
 *
 * Accepted forms: 192.0.2.1:80, [2001:db8::1]:80, 192.0.2.1, 2001:db8::1
 * and [2001:db8::1]. A bare IPv6 address cannot carry a port (its last
 * group would be ambiguous), so IPv6 with a port must use brackets.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

size_t lbnl_addr_len(const struct lbnl_addr *a)
{
	return a->family == AF_INET6 ? sizeof(a->v6) : sizeof(a->v4);
}

int lbnl_addr_from_raw(struct lbnl_addr *a, const void *raw, size_t len)
{
	memset(a, 0, sizeof(*a));
	if (len == sizeof(a->v4))
		a->family = AF_INET;
	else if (len == sizeof(a->v6))
		a->family = AF_INET6;
	else
		return LBNL_ADDR_EINVAL;
	memcpy(a->raw, raw, len);
	return 0;
}

bool lbnl_addr_equal(const struct lbnl_addr *a, const struct lbnl_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->raw, b->raw, lbnl_addr_len(a));
}

int lbnl_addr_compare(const struct lbnl_addr *a, const struct lbnl_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->raw, b->raw, lbnl_addr_len(a));
}

/* Decimal digits only: no sign, no blanks, no hex; 0..65535. */
int lbnl_parse_port(const char *s, uint16_t *port)
{
	unsigned int v = 0;

	if (!*s)
		return LBNL_ADDR_EPORT;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return LBNL_ADDR_EPORT;
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > 65535)
			return LBNL_ADDR_EPORT;
	}
	*port = (uint16_t)v;
	return 0;
}

static int parse_family(int family, const char *s, struct lbnl_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(family, s, a->raw) != 1)
		return LBNL_ADDR_EINVAL;
	a->family = family;
	return 0;
}

/* "[v6]" or "[v6]:port"; s points at the '['. */
static int parse_bracketed(const char *s, struct lbnl_addr *a,
			   const char **port)
{
	char buf[LBNL_ADDRSTRLEN];
	const char *end = strchr(s, ']');
	size_t len;

	if (!end)
		return LBNL_ADDR_EINVAL;
	len = (size_t)(end - s - 1);
	if (len >= sizeof(buf))
		return LBNL_ADDR_EINVAL;
	memcpy(buf, s + 1, len);
	buf[len] = '\0';
	if (parse_family(AF_INET6, buf, a))
		return LBNL_ADDR_EINVAL;

	if (!end[1])
		*port = NULL;
	else if (end[1] == ':')
		*port = end + 2;
	else
		return LBNL_ADDR_EINVAL;
	return 0;
}

/* "v4", "v4:port" or bare "v6" (two or more colons). */
static int parse_unbracketed(const char *s, struct lbnl_addr *a,
			     const char **port)
{
	char buf[LBNL_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t len;

	*port = NULL;
	if (!colon)
		return parse_family(AF_INET, s, a);
	if (strchr(colon + 1, ':'))
		return parse_family(AF_INET6, s, a);

	len = (size_t)(colon - s);
	if (len >= sizeof(buf))
		return LBNL_ADDR_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_family(AF_INET, buf, a))
		return LBNL_ADDR_EINVAL;
	*port = colon + 1;
	return 0;
}

/*
 * Parse ADDR[:PORT]. If has_port is NULL the port is required; otherwise
 * *has_port tells whether one was given (and *port is 0 if not).
 */
int lbnl_parse_addr_port(const char *s, struct lbnl_addr *a, uint16_t *port,
			 bool *has_port)
{
	const char *port_str;
	int err;

	if (s[0] == '[')
		err = parse_bracketed(s, a, &port_str);
	else
		err = parse_unbracketed(s, a, &port_str);
	if (err)
		return err;

	*port = 0;
	if (has_port)
		*has_port = port_str != NULL;
	if (!port_str)
		return has_port ? 0 : LBNL_ADDR_ENOPORT;
	return lbnl_parse_port(port_str, port);
}

/* A bare address; IPv6 may be bracketed. */
int lbnl_parse_addr(const char *s, struct lbnl_addr *a)
{
	uint16_t port;
	bool has_port;
	int err;

	err = lbnl_parse_addr_port(s, a, &port, &has_port);
	if (err)
		return err;
	return has_port ? LBNL_ADDR_EINVAL : 0;
}

const char *lbnl_addr_strerror(int err)
{
	switch (err) {
	case LBNL_ADDR_EINVAL:
		return "not an IPv4 or IPv6 address";
	case LBNL_ADDR_EPORT:
		return "port must be a number between 0 and 65535";
	case LBNL_ADDR_ENOPORT:
		return "missing port (write ADDR:PORT, or [ADDR]:PORT for IPv6)";
	default:
		return "invalid address";
	}
}

const char *lbnl_format_addr(const struct lbnl_addr *a, char *buf,
			     size_t len)
{
	if (!inet_ntop(a->family, a->raw, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *lbnl_format_addr_port(const struct lbnl_addr *a, uint16_t port,
				  char *buf, size_t len)
{
	char addr[LBNL_ADDRSTRLEN];

	lbnl_format_addr(a, addr, sizeof(addr));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
	return buf;
}
