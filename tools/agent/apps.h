/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl-agent's side of the application interface (include/lbnl_app.h):
 * migration-aware apps connect to the agent's unix socket and register the
 * services (local address and port of a listener) they serve. The agent
 * asks the app serving an association for its state when the association
 * leaves this host, hands the state to the app on the target, and tells
 * the source app how the migration ended. Associations of services no app
 * registered move without app state (transport-only).
 *
 * Every function is thread-safe (the agent runs one thread per session)
 * and waits at most timeout_ms for the app.
 */
#ifndef LBNL_AGENT_APPS_H
#define LBNL_AGENT_APPS_H

#include <stdbool.h>
#include <stddef.h>

#include "objects.h"

/*
 * Where apps.c logs (syslog priorities: LOG_ERR, LOG_WARNING, LOG_INFO,
 * LOG_DEBUG). Default, or log NULL: standard error. Call before
 * agent_apps_start().
 */
void agent_apps_set_log(void (*log)(int prio, const char *fmt, ...));

/*
 * Listen on path (created 0660; its directory, if missing, 0755; an old
 * socket file is replaced) and serve apps from a thread of its own.
 * 0, or -errno with "PATH: what" in err.
 */
int agent_apps_start(const char *path, char *err, size_t errlen);
/* Close every app connection, remove the socket file. */
void agent_apps_stop(void);

/*
 * Source, once the association is exported (frozen, quiesced): the app
 * stops sending on it and returns its state. 0 with *blob (malloc'd, may
 * be NULL with *len 0); -ENOENT: no app registered the service
 * (transport-only); another -errno with reason: the app refused or did
 * not answer (the migration rolls back).
 */
int agent_apps_prepare(const struct lbnl_assoc_key *key, int timeout_ms,
		       unsigned char **blob, size_t *len, char *reason,
		       size_t reasonlen);
/*
 * Source: the migration ended; moved: the association is gone from here
 * (the app forgets it), else it stays (the app sends on it again). Also
 * for a target whose adopt succeeded but whose copy is released (rolled
 * back after the import): call it with moved = true. Does not wait for
 * the app. A prepare or adopt that timed out already told the app.
 */
void agent_apps_finish(const struct lbnl_assoc_key *key, bool moved);
/*
 * Target, after the import: give the association and its state to the
 * app serving key's service. -ENOENT: no app registered it (the blob, if
 * any, is dropped with a warning); another -errno with reason: refused.
 */
int agent_apps_adopt(const struct lbnl_assoc_key *key,
		     const unsigned char *blob, size_t len, int timeout_ms,
		     char *reason, size_t reasonlen);

#endif
