/*
 * xensim_client.h: talking to the simulated host daemon
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "xensim_model.h"
#include "xensim_proto.h"

/* Where clients find the daemon when not told otherwise */
#define XENSIM_SOCKET_ENV "XENSIM_SOCKET"
/* Which domain a client process acts as (a guest agent sets it) */
#define XENSIM_DOMID_ENV "XENSIM_DOMID"

typedef struct xensim_conn xensim_conn;

typedef enum {
    XENSIM_CHARGE_NONE,
    XENSIM_CHARGE_XENSTORE,     /* costs what a xenstore request costs */
    XENSIM_CHARGE_HYPERCALL,    /* costs what a hypercall costs */
} xensim_charge;

/* A domain as the daemon reports it */
typedef struct {
    uint32_t domid;
    char name[XENSIM_NAME_MAX];
    uint8_t uuid[16];
    uint32_t type;
    uint32_t vcpus;
    uint64_t tot_pages;
    uint64_t max_pages;
    uint64_t target_pages;
    uint64_t outstanding_pages;
    uint64_t paged_pages;
    uint64_t paging_target;
    uint64_t used_pages;
    uint32_t flags;             /* XENSIM_DOMINFO_* */
    uint32_t shutdown_reason;
    uint64_t cpu_time_ns;
    uint64_t balloon_rate;
    uint32_t pager;             /* xensim_pager_state */
    uint64_t balloon_floor;
} xensim_dominfo;

typedef struct {
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t outstanding_pages;
    uint64_t xen_pages;
    uint32_t nr_cpus;
    uint64_t cpu_khz;
    uint64_t populate_rate;
    uint32_t device_setup_ms;   /* what a build spends after its memory */
    uint32_t flags;             /* XENSIM_PHYSINFO_* */
} xensim_physinfo;

/* @path NULL: $XENSIM_SOCKET.  Returns NULL with *err = -errno. */
xensim_conn *xensim_conn_open(const char *path, uint32_t domid, int *err);
void xensim_conn_close(xensim_conn *c);
int xensim_conn_fd(const xensim_conn *c);
uint64_t xensim_conn_id(const xensim_conn *c);
uint32_t xensim_conn_domid(const xensim_conn *c);

/* Send @op with @args (may be NULL); returns the daemon's result (0 or
 * -errno) and, in *reply (malloc'd, caller frees), the reply values. */
int xensim_call(xensim_conn *c, xensim_op op, const xensim_writer *args,
                xensim_charge charge, uint8_t **reply, size_t *len);

/* xensim_call for the many requests whose only argument is a path */
int xensim_call_path(xensim_conn *c, xensim_op op, const char *path,
                     uint8_t **reply, size_t *len);

/* Wait for the next watch event on an event connection; 0, or -errno */
int xensim_conn_read_event(xensim_conn *c, char **path, char **token);
/* The next watch event if one has arrived; -EAGAIN if none has */
int xensim_conn_try_event(xensim_conn *c, char **path, char **token);

/* Typed helpers over xensim_call */
int xensim_physinfo_get(xensim_conn *c, xensim_physinfo *info);
int xensim_dominfo_get(xensim_conn *c, uint32_t domid, xensim_dominfo *info);
int xensim_dominfo_list(xensim_conn *c, xensim_dominfo **infos, uint32_t *n);
int xensim_domain_u64_op(xensim_conn *c, xensim_op op, uint32_t domid,
                         uint64_t v, uint64_t *out);
int xensim_domain_populate_paced(xensim_conn *c, uint32_t domid, uint64_t pages,
                                 uint64_t *done, uint64_t *wait_ns);
int xensim_domain_u32_op(xensim_conn *c, xensim_op op, uint32_t domid,
                         uint32_t v);
int xensim_xs_read_value(xensim_conn *c, const char *path, char **value,
                         size_t *len);
int xensim_xs_write_value(xensim_conn *c, const char *path, const void *value,
                          size_t len);
int xensim_xs_path_op(xensim_conn *c, xensim_op op, const char *path);

bool xensim_read_dominfo(xensim_reader *r, xensim_dominfo *info);
