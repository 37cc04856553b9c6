// SPDX-License-Identifier: GPL-2.0
/*
 * lbnld's log: syslog (daemon facility), or standard error with the time
 * in front, unless standard error goes to the journal (which has its own
 * timestamps and understands the "<N>" priority prefix).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "lbnld.h"

static struct {
	bool syslog;
	bool verbose;
	bool journal;
} lg;

void lbnld_log_init(bool to_syslog, bool verbose)
{
	if (lg.syslog && !to_syslog)
		closelog();
	lg.syslog = to_syslog;
	lg.verbose = verbose;
	lg.journal = getenv("JOURNAL_STREAM") != NULL;
	if (to_syslog)
		openlog("lbnld", LOG_PID, LOG_DAEMON);
}

void lbnld_log(int prio, const char *fmt, ...)
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
		if (lg.journal) {
			fprintf(stderr, "<%d>", prio);
		} else {
			gettimeofday(&tv, NULL);
			localtime_r(&tv.tv_sec, &tm);
			strftime(stamp, sizeof(stamp), "%F %T", &tm);
			fprintf(stderr, "%s.%03ld lbnld: ", stamp,
				(long)tv.tv_usec / 1000);
		}
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	}
	va_end(ap);
}
