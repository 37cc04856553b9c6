/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl_app.h: the library a migration-aware SCTP application links
 * (liblbnl_app.a) to take part in live migrations of its associations
 * (DESIGN.md section 5, "Apps").
 *
 * The application registers the services it serves (the local address
 * and port of a listening socket) with the lbnl-agent of its host, over a
 * unix socket. When the agent moves one of their associations to another
 * server, it asks the application here for the association's state (an
 * opaque blob of at most LBNL_APP_BLOB_MAX bytes), gives that blob to the
 * application serving the same service on the target, and tells this
 * application how the migration ended. Associations of services nobody
 * registered still move, without application state.
 *
 * The library is event-driven: it fits the application's own poll loop.
 *
 *	struct lbnl_app *app;
 *
 *	lbnl_app_open(NULL, &ops, my_state, &app);
 *	lbnl_app_register(app, (struct sockaddr *)&bound, bound_len);
 *	for (;;) {
 *		struct pollfd p[] = { ..., { lbnl_app_fd(app), POLLIN } };
 *
 *		poll(p, n, -1);
 *		if (p[k].revents)
 *			lbnl_app_process(app);
 *	}
 *
 * The agent need not run: lbnl_app_open() succeeds anyway and the library
 * connects (and registers every service) as soon as the agent listens,
 * trying again every second; if the agent restarts, the same happens. The
 * descriptor lbnl_app_fd() returns stays the same for the life of the
 * handle (an epoll descriptor holding the connection or the retry timer).
 *
 * Threading: a handle is not thread-safe. Use it (all functions below)
 * from one thread at a time; the callbacks run in that thread, inside
 * lbnl_app_process(), one at a time, never from another function.
 *
 * Only libc is needed (link with liblbnl_app.a).
 */
#ifndef LBNL_APP_H
#define LBNL_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where lbnl-agent listens for applications unless told otherwise. */
#define LBNL_APP_SOCK_DEFAULT	"/run/lbnl-agent/apps.sock"
/* The largest state blob an association may carry. */
#define LBNL_APP_BLOB_MAX	65536
/* Services one handle may register. */
#define LBNL_APP_SERVICES_MAX	16

struct lbnl_app;

/*
 * An association, as the agent names it: a local address and port (the
 * service's: the VIP and its port) and one address and the port of the
 * peer (sockaddr_in or sockaddr_in6; the lengths say which). With a
 * multi-homed peer, the address is one of the peer's, not necessarily the
 * one the last message came from.
 */
struct lbnl_app_assoc {
	struct sockaddr_storage local;
	socklen_t local_len;
	struct sockaddr_storage peer;
	socklen_t peer_len;
};

/*
 * What the application does for a migration. Every callback gets the arg
 * given to lbnl_app_open(). The callbacks must not call lbnl_app_close()
 * on the handle; they may call lbnl_app_register().
 */
struct lbnl_app_ops {
	/*
	 * Source server: the association leaves this host. It is already
	 * frozen and quiet (the kernel exported it: the load balancer holds
	 * the peer's new messages, everything this application sent was
	 * acknowledged, everything received was delivered to the socket).
	 * The application must stop sending on it from now on (anything it
	 * sends would be lost), read what is still pending for it if it
	 * has its own buffers, and return its state: *blob set to memory
	 * from malloc() (the library frees it) and *len its size, at most
	 * LBNL_APP_BLOB_MAX; or *blob NULL and *len 0 for no state.
	 * Returns 0, or a negative errno to refuse (the migration is rolled
	 * back; the application keeps the association and expects no
	 * finish). The application must not close the association.
	 *
	 * After a 0, finish() follows: moved (forget the association) or
	 * not (it stays: send again). If the library cannot deliver the
	 * state (too big, agent gone), it calls finish(moved = false)
	 * itself. NULL: every association moves without state.
	 */
	int (*prepare)(void *arg, const struct lbnl_app_assoc *assoc,
		       void **blob, size_t *len);
	/*
	 * The migration prepare() began is over. moved: the association is
	 * no longer on this host: forget it and its state. !moved: it stays
	 * here: send on it again. Also called with moved on a target whose
	 * adopt() succeeded but whose copy was dropped (the migration was
	 * rolled back after the import): forget the adopted state. May come
	 * for an association the application does not know or already
	 * forgot: ignore it then. NULL: nothing to do.
	 */
	void (*finish)(void *arg, const struct lbnl_app_assoc *assoc,
		       bool moved);
	/*
	 * Target server: the association was imported into this host's
	 * listener of the service and arrives with the blob the source's
	 * prepare() returned (blob valid during the call only; len 0: no
	 * state). Install the state, keyed by the peer: the association's
	 * first message comes after this returns, on the listening socket
	 * (one-to-many: with a new sctp_assoc_t; one-to-one: through
	 * accept()). Returns 0, or a negative errno to refuse (the
	 * migration is rolled back; the association never reaches the
	 * application). NULL: accept, ignore the blob.
	 */
	int (*adopt)(void *arg, const struct lbnl_app_assoc *assoc,
		     const void *blob, size_t len);
	/*
	 * What the library has to say (agent connected, gone, a request
	 * refused...), one line without newline. NULL: standard error,
	 * prefixed "lbnl_app: ".
	 */
	void (*log)(void *arg, const char *msg);
};

/*
 * Create a handle talking to the agent at path (NULL:
 * LBNL_APP_SOCK_DEFAULT) and try to connect. Succeeds whether the agent
 * is there or not. ops is copied. Returns 0 with *app set, or -EINVAL
 * (path too long, no ops), -ENOMEM, or another -errno (no descriptor).
 */
int lbnl_app_open(const char *path, const struct lbnl_app_ops *ops,
		  void *arg, struct lbnl_app **app);

/*
 * Register a service: the local address and port a listening SCTP socket
 * is bound to (what getsockname() says; a wildcard address serves every
 * local address). Sent now if connected, and again after every
 * reconnection. The agent's answer comes through lbnl_app_process(); a
 * refusal (another process registered the same service) is logged and
 * the service stays unregistered until the next reconnection.
 * Returns 0, -EINVAL (not AF_INET/AF_INET6, port 0), -EEXIST (already
 * registered on this handle) or -ENOSPC (LBNL_APP_SERVICES_MAX).
 */
int lbnl_app_register(struct lbnl_app *app, const struct sockaddr *service,
		      socklen_t len);

/* The services the agent confirmed so far (0 while not connected). */
int lbnl_app_registered(const struct lbnl_app *app);

/* The descriptor to poll for POLLIN; the same for the handle's life. */
int lbnl_app_fd(const struct lbnl_app *app);

/*
 * Call when lbnl_app_fd() is readable (calling it otherwise is harmless).
 * Handles one event: reads one request of the agent and answers it after
 * calling the callback, takes an answer of the agent, notices that the
 * agent went away, or tries to connect again. Never blocks on the agent
 * except to send an answer (at most one second). Returns 1 if a callback
 * ran, 0 otherwise.
 */
int lbnl_app_process(struct lbnl_app *app);

/*
 * Disconnect (the agent forgets the services) and free the handle.
 * Associations prepared and not yet finished get no finish() call.
 */
void lbnl_app_close(struct lbnl_app *app);

#ifdef __cplusplus
}
#endif

#endif /* LBNL_APP_H */
