/*
 * xensim_xs.h: in-memory model of a xenstore (the store of Xen 4.17's C
 * xenstored) for the simulated Xen host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This module is pure: no I/O, no sockets, no threads, no clocks.  It keeps
 * the node tree, permissions, per-domain accounting and watches, and queues
 * watch events per connection; the daemon around it speaks the wire
 * protocol and moves events to sockets.
 *
 * Every function that can fail returns 0 on success or a negative errno
 * value, the errno that libxenstore would report to a client of the real
 * xenstored for the same request (ENOENT, EACCES, EINVAL, E2BIG, ENOSPC,
 * EEXIST, EPERM, ENOMEM).  Quota errors are those of the C xenstored:
 * ENOSPC for the node-count and node-size quotas, E2BIG for the watch
 * quota (the C daemon has no EQUOTA; only oxenstored sends that, and
 * libxenstore turns unknown error strings into EINVAL).
 *
 * "caller" is the domain a request acts as; 0 is the privileged dom0 (a
 * socket connection of a dom0 tool is privileged the same way).  A path
 * that does not start with '/' is relative to /local/domain/<caller>.
 *
 * Things of xenstored deliberately not modelled: transactions, the memory
 * quota (quota_memory_per_domain_*), the watch event timeout, rate limits,
 * XS_SET_TARGET, XS_DIRECTORY_PART's reply splitting (the caller gets the
 * whole child list and may split it), live update.  Every domain id named
 * in a permission or acting as a caller is taken to exist in the
 * hypervisor (xenstored asks Xen; this model has no Xen to ask).
 */

#ifndef XENSIM_XS_H
#define XENSIM_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct xensim_xs xensim_xs;

/* Same values as libxenstore's XS_PERM_* */
enum {
    XENSIM_XS_PERM_NONE = 0,
    XENSIM_XS_PERM_READ = 1,
    XENSIM_XS_PERM_WRITE = 2,
    XENSIM_XS_PERM_BOTH = 3,
};

/* One permission entry.  In a list, the first entry names the owner and
 * its perms are the default for every domain not listed later, as in
 * struct xs_permissions. */
typedef struct {
    uint32_t id;
    unsigned int perms;
} xensim_xs_perm;

/* xenstored's quota_nb_perms_per_node: an unprivileged caller may set at
 * most this many entries on a node (ENOSPC beyond). */
#define XENSIM_XS_PERMS_PER_NODE_MAX 5

/* XENSTORE_REL_PATH_MAX: the longest path (or part of a path after
 * /local/domain/<domid>/) a request may name. */
#define XENSIM_XS_PATH_MAX 2048

typedef struct {
    /* xenstored's quota_max_entry_size (default 2048): an unprivileged
     * caller's write is refused with ENOSPC when the node record it would
     * store reaches this size.  The record counts a 24-byte header, 8
     * bytes per permission entry, the data and the children's names with
     * a NUL each (see xensim_xs_node_record_size()). */
    size_t node_size_max;
    /* XENSTORE_PAYLOAD_MAX (4096): the largest request payload (the path
     * and its NUL, then the data or the other arguments), for every
     * caller.  libxenstore refuses bigger requests with E2BIG before
     * sending them.  Watch events bigger than this are dropped, as
     * xenstored's send_event() does. */
    size_t payload_max;
    /* quota_nb_entry_per_domain (default 1000): nodes an unprivileged
     * domain may own; creating more fails with ENOSPC. */
    unsigned int nodes_per_domain;
    /* quota_nb_watch_per_domain (default 128).  As in xenstored's
     * do_watch(), registering fails with E2BIG only once the domain
     * already has more than this many watches. */
    unsigned int watches_per_domain;
} xensim_xs_limits;

void xensim_xs_limits_default(xensim_xs_limits *l);

/* A store holding what xenstored and xen-init-dom0 leave behind: "/",
 * "/tool", "/tool/xenstored", "/local" and "/local/domain", owned by dom0
 * with no access for anyone else.  dom0 counts as introduced.  Returns
 * NULL when out of memory.  limits may be NULL for the defaults. */
xensim_xs *xensim_xs_new(const xensim_xs_limits *limits);
void xensim_xs_free(xensim_xs *xs);

/* XS_READ.  *value is malloc'd, *len bytes long and NUL-terminated beyond
 * them (the data may hold NULs itself).  len may be NULL. */
int xensim_xs_read(xensim_xs *xs, uint32_t caller, const char *path,
                   char **value, size_t *len);

/* XS_WRITE.  Creates missing parents, which inherit the nearest existing
 * ancestor's permissions (owned by the caller when it is unprivileged). */
int xensim_xs_write(xensim_xs *xs, uint32_t caller, const char *path,
                    const void *value, size_t len);

/* XS_MKDIR.  An existing node is fine and changes nothing. */
int xensim_xs_mkdir(xensim_xs *xs, uint32_t caller, const char *path);

/* XS_RM.  Removes the whole subtree; a missing node whose parent exists
 * is fine. */
int xensim_xs_rm(xensim_xs *xs, uint32_t caller, const char *path);

/* XS_DIRECTORY.  *names is a malloc'd array of *n malloc'd names in
 * creation order, followed by a NULL entry; free it with
 * xensim_xs_free_names(). */
int xensim_xs_directory(xensim_xs *xs, uint32_t caller, const char *path,
                        char ***names, unsigned int *n);
void xensim_xs_free_names(char **names, unsigned int n);

/* XS_GET_PERMS.  *perms is malloc'd.  Entries xenstored ignores (for a
 * domain released since they were set) are still listed, as xenstored
 * lists them. */
int xensim_xs_get_perms(xensim_xs *xs, uint32_t caller, const char *path,
                        xensim_xs_perm **perms, unsigned int *n);

/* XS_SET_PERMS.  Only the owner or dom0 may; only dom0 may change the
 * owner (EPERM).  path may also be "@introduceDomain" or
 * "@releaseDomain" to choose who sees those events. */
int xensim_xs_set_perms(xensim_xs *xs, uint32_t caller, const char *path,
                        const xensim_xs_perm *perms, unsigned int n);

/*
 * Watches belong to a connection id (an opaque value chosen by the
 * caller, e.g. a socket), which acts as one domain: the caller given when
 * it registers its first watch.  Registering a watch as another domain
 * while the connection still has watches or queued events is EINVAL.
 * Registering fires an initial event, as xenstored does.  Events are
 * queued per connection; an event identical to one still queued is
 * dropped, as xenstored's send_event() drops it.
 */
int xensim_xs_watch(xensim_xs *xs, uint64_t conn, uint32_t caller,
                    const char *path, const char *token);
/* XS_UNWATCH.  Events already queued stay queued, as in xenstored. */
int xensim_xs_unwatch(xensim_xs *xs, uint64_t conn, const char *path,
                      const char *token);
/* The connection closed: drop its watches and queued events. */
void xensim_xs_conn_gone(xensim_xs *xs, uint64_t conn);
/* Oldest queued event: 1 and *path, *token malloc'd, or 0 when none. */
int xensim_xs_pop_event(xensim_xs *xs, uint64_t conn, char **path,
                        char **token);
size_t xensim_xs_pending_events(xensim_xs *xs, uint64_t conn);

/*
 * Domain lifecycle, as XS_INTRODUCE / XS_RELEASE and xenstored's check of
 * dying domains.
 *
 * introduce: the first introduction of a domain other than dom0 fires
 * "@introduceDomain"; introducing it again changes nothing.
 *
 * release (never for dom0): as xenstored's destroy_domain(): the
 * connections acting as the domain lose their watches and events; every
 * node the domain owns is removed with its subtree (firing watches as an
 * rm does, xenstored's domain_tree_remove() without --keep-orphans); the
 * domain is dropped from the special nodes' permissions; its accounting
 * (nodes, watches) is forgotten, and permission entries naming it are
 * ignored from now on, even for a later domain with the same id that
 * they were not written for.  "@releaseDomain" fires if the domain had
 * been introduced.
 *
 * shutdown: the domain shut down or crashed but still exists: fire
 * "@releaseDomain" once, as xenstored's check_domains() does.
 */
void xensim_xs_introduce_domain(xensim_xs *xs, uint32_t domid);
void xensim_xs_release_domain(xensim_xs *xs, uint32_t domid);
void xensim_xs_shutdown_domain(xensim_xs *xs, uint32_t domid);
/* Fire the special watch "@introduceDomain" or "@releaseDomain" now, to
 * the connections allowed to hear it, without any other effect (as
 * check_domains() does for every domain state change it notices).  Other
 * names fire nothing. */
void xensim_xs_fire_special(xensim_xs *xs, const char *name);
bool xensim_xs_domain_introduced(xensim_xs *xs, uint32_t domid);

/* Accounting of a domain (what "xenstore-control quota" shows): nodes it
 * owns and watches its connections hold.  -ENOENT when the store knows
 * nothing about the domain.  Either pointer may be NULL. */
int xensim_xs_domain_usage(xensim_xs *xs, uint32_t domid,
                           unsigned int *nodes, unsigned int *watches);

/* Permission strings of the wire protocol: "r5", "w0", "b7", "n0". */
int xensim_xs_perm_parse(const char *str, xensim_xs_perm *perm);
/* Writes at most buflen bytes including the NUL; -E2BIG if too short. */
int xensim_xs_perm_format(const xensim_xs_perm *perm, char *buf,
                          size_t buflen);

/* The size xenstored's write_node_raw() compares with
 * quota_max_entry_size, for a node with these contents. */
size_t xensim_xs_node_record_size(unsigned int nperms, size_t datalen,
                                  size_t childlen);

/* Check the internal invariants (per-domain counters match the tree and
 * the watches, child lists are consistent).  0 or -EIO; for tests. */
int xensim_xs_self_check(xensim_xs *xs);

#endif /* XENSIM_XS_H */
