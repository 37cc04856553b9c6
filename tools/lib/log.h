/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemons' log (lbnld, lbnl-agent): syslog (daemon facility), or
 * standard error with the time and the program's name in front, unless
 * standard error goes to the journal (which has its own timestamps and
 * understands the "<N>" priority prefix). Lines of several threads do
 * not mix.
 */
#ifndef LBNL_LOG_H
#define LBNL_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* ident: the program's name in each line ("lbnld"); kept, not copied. */
void lbnl_log_init(const char *ident, bool to_syslog, bool verbose);
/* prio: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG (-v only). */
void lbnl_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
