// SPDX-License-Identifier: GPL-2.0
/* The daemons' log: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

static struct {
	const char *ident;
	bool syslog;
	bool verbose;
	bool journal;
} lg;

void lbnl_log_init(const char *ident, bool to_syslog, bool verbose)
{
	if (lg.syslog && !to_syslog)
		closelog();
	lg.ident = ident;
	lg.syslog = to_syslog;
	lg.verbose = verbose;
	lg.journal = getenv("JOURNAL_STREAM") != NULL;
	if (to_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void lbnl_log(int prio, const char *fmt, ...)
{
	char stamp[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	if (prio == LOG_DEBUG && !lg.verbose)
		return;
	va_start(ap, fmt);
	if (lg.syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		flockfile(stderr);
		if (lg.journal) {
			fprintf(stderr, "<%d>", prio);
		} else {
			gettimeofday(&tv, NULL);
			localtime_r(&tv.tv_sec, &tm);
			strftime(stamp, sizeof(stamp), "%F %T", &tm);
			fprintf(stderr, "%s.%03ld %s: ", stamp,
				(long)tv.tv_usec / 1000, lg.ident);
		}
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
		funlockfile(stderr);
	}
	va_end(ap);
}
