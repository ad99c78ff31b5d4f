/*
 * xensim_xs_internal.h: what the files of the xenstore model share: its
 * structures and the helpers one file offers the others
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Private to the model (xensim_xs*.c); its users see only xensim_xs.h.
 * The model is split by job:
 *
 *   xensim_xs.c         the store: its creation, the requests on nodes'
 *                       data and children (read, write, mkdir, rm,
 *                       directory), the self check
 *   xensim_xs_path.c    paths and their canonical form, request and
 *                       record sizes, permission strings
 *   xensim_xs_tree.c    the node tree: lookup, child lists, creating and
 *                       removing nodes
 *   xensim_xs_perms.c   who may do what, the special nodes' permissions,
 *                       XS_GET_PERMS and XS_SET_PERMS
 *   xensim_xs_watch.c   connections, watches, event queues, firing
 *   xensim_xs_domain.c  domain records and accounting, stale permission
 *                       entries, introduction, release and shutdown
 */

#ifndef XENSIM_XS_INTERNAL_H
#define XENSIM_XS_INTERNAL_H

#include "xensim_xs.h"

/* Internal bits of a permission entry, never visible through the API.
 * XENSIM_XS_PERM_IGNORE is xenstored's XS_PERM_IGNORE: the entry names a
 * domain that did not exist when the node was last written, so it grants
 * nothing.  XENSIM_XS_PERM_OWNER is what perm_for_conn() adds for owners
 * and privileged callers. */
#define XENSIM_XS_PERM_OWNER 0x08u
#define XENSIM_XS_PERM_IGNORE 0x10u
#define XENSIM_XS_PERM_MASK (XENSIM_XS_PERM_READ | XENSIM_XS_PERM_WRITE)

typedef struct xensim_xs_node xensim_xs_node;
struct xensim_xs_node {
    char *name;                 /* last path component, "" for the root */
    xensim_xs_node *parent;
    xensim_xs_node **children;  /* in creation order, as xenstored lists */
    size_t nchildren;
    size_t achildren;
    xensim_xs_node **index;     /* the children by name (open addressing,
                                 * aindex a power of 2), for a node with
                                 * many of them; NULL: look through children */
    size_t aindex;
    size_t childlen;            /* sum of strlen(name) + 1 of children */
    char *data;
    size_t datalen;
    xensim_xs_perm *perms;      /* perms[0] is the owner */
    unsigned int nperms;
    uint64_t generation;        /* xs->generation when last written */
};

/* What xenstored's struct domain keeps that matters here. */
typedef struct {
    uint32_t domid;
    uint64_t generation;        /* xs->generation when it became known */
    bool introduced;
    bool shutdown;
    unsigned int nbentry;       /* nodes it owns */
    unsigned int nbwatch;       /* watches of connections acting as it */
} xensim_xs_dom;

typedef struct xensim_xs_wrec xensim_xs_wrec;
struct xensim_xs_wrec {
    xensim_xs_wrec *next;
    char *node;                 /* canonical path or "@..." */
    char *token;
    bool relative;              /* registered with a relative path */
};

typedef struct xensim_xs_event xensim_xs_event;
struct xensim_xs_event {
    xensim_xs_event *next;
    char *path;
    char *token;
};

typedef struct xensim_xs_conn xensim_xs_conn;
struct xensim_xs_conn {
    xensim_xs_conn *next;
    uint64_t id;
    uint32_t caller;
    xensim_xs_wrec *watches;    /* in registration order */
    xensim_xs_event *events;    /* oldest first */
    xensim_xs_event *events_tail;
    size_t nevents;
};

struct xensim_xs {
    xensim_xs_limits limits;
    xensim_xs_node *root;
    uint64_t generation;        /* xenstored's global generation count */
    xensim_xs_dom *doms;        /* sorted by domid */
    size_t ndoms;
    size_t adoms;
    xensim_xs_conn *conns;      /* in creation order */
    /* Permissions of the special nodes, xenstored's dom_introduce_perms
     * and dom_release_perms */
    xensim_xs_perm *introduce_perms;
    unsigned int nintroduce_perms;
    xensim_xs_perm *release_perms;
    unsigned int nrelease_perms;
};


/* The helpers the files offer each other, by the file that defines (and
 * documents) them */

/* xensim_xs.c */
int xensim_xs_begin(xensim_xs *xs, uint32_t caller, const char *path,
                    size_t extra, char **canon);
int xensim_xs_begin_read(xensim_xs *xs, uint32_t caller, const char *path,
                         xensim_xs_node **node);

/* xensim_xs_path.c */
char *xensim_xs_strndup(const char *s, size_t len);
char *xensim_xs_strdup(const char *s);
void xensim_xs_home(uint32_t domid, char *buf, size_t buflen);
bool xensim_xs_record_too_big(const xensim_xs *xs, uint32_t caller,
                              size_t size);
int xensim_xs_check_payload(const xensim_xs *xs, size_t len);
bool xensim_xs_valid_path(const char *path);
int xensim_xs_canonicalize(uint32_t caller, const char *path, char **out);
char *xensim_xs_child_path(const char *path, const char *name);

/* xensim_xs_tree.c */
xensim_xs_node *xensim_xs_lookup(const xensim_xs *xs, const char *path,
                                 xensim_xs_node **nearest, const char **rest);
void xensim_xs_node_free(xensim_xs_node *node);
void xensim_xs_tree_free(xensim_xs_node *node);
int xensim_xs_reserve_child(xensim_xs_node *node);
void xensim_xs_link_child(xensim_xs_node *parent, xensim_xs_node *child);
int xensim_xs_create(xensim_xs *xs, uint32_t caller, xensim_xs_node *nearest,
                     const char *rest, const void *data, size_t datalen,
                     xensim_xs_node **out);
int xensim_xs_remove(xensim_xs *xs, xensim_xs_node *node, const char *path,
                     bool is_root);

/* xensim_xs_perms.c */
bool xensim_xs_privileged(uint32_t caller);
unsigned int xensim_xs_perm_eval(const xensim_xs *xs, uint32_t caller,
                                 const xensim_xs_perm *perms, unsigned int n,
                                 const xensim_xs_node *node);
unsigned int xensim_xs_perm_for_node(const xensim_xs *xs, uint32_t caller,
                                     const xensim_xs_node *node);
int xensim_xs_get_node(xensim_xs *xs, uint32_t caller, const char *path,
                       unsigned int want, xensim_xs_node **out);
bool xensim_xs_special_perms(xensim_xs *xs, const char *name,
                             xensim_xs_perm ***perms, unsigned int **n);

/* xensim_xs_watch.c */
void xensim_xs_conn_destroy(xensim_xs *xs, xensim_xs_conn *conn);
void xensim_xs_fire(xensim_xs *xs, const char *name,
                    const xensim_xs_node *node, bool exact,
                    const xensim_xs_perm *old_perms, unsigned int nold);

/* xensim_xs_domain.c */
xensim_xs_dom *xensim_xs_dom_find(const xensim_xs *xs, uint32_t domid);
xensim_xs_dom *xensim_xs_dom_get(xensim_xs *xs, uint32_t domid);
int xensim_xs_dom_ref_perms(xensim_xs *xs, const xensim_xs_perm *perms,
                            unsigned int n);
void xensim_xs_entry_add(xensim_xs *xs, uint32_t owner, int delta);
bool xensim_xs_perm_entry_ignored(const xensim_xs *xs,
                                  const xensim_xs_node *node,
                                  const xensim_xs_perm *p);
xensim_xs_perm *xensim_xs_perms_effective(const xensim_xs *xs,
                                          const xensim_xs_node *node);
void xensim_xs_node_touch(xensim_xs *xs, xensim_xs_node *node);

#endif /* XENSIM_XS_INTERNAL_H */
