// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl-agent's log (after lbnld's log.c): syslog (daemon facility), or
 * standard error with the time in front, unless standard error goes to
 * the journal (which has its own timestamps and understands the "<N>"
 * priority prefix). Lines of several threads do not mix.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "agent.h"

static struct {
	bool syslog;
	bool verbose;
	bool journal;
} lg;

void agent_log_init(bool to_syslog, bool verbose)
{
	if (lg.syslog && !to_syslog)
		closelog();
	lg.syslog = to_syslog;
	lg.verbose = verbose;
	lg.journal = getenv("JOURNAL_STREAM") != NULL;
	if (to_syslog)
		openlog("lbnl-agent", LOG_PID, LOG_DAEMON);
}

void agent_log(int prio, const char *fmt, ...)
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
			fprintf(stderr, "%s.%03ld lbnl-agent: ", stamp,
				(long)tv.tv_usec / 1000);
		}
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
		funlockfile(stderr);
	}
	va_end(ap);
}
