/*
 * xensimd_internal.h: the simulated host daemon's state (internal)
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xensimd.h"
#include "xensim_model.h"
#include "xensim_proto.h"
#include "xensim_xs.h"

typedef struct {
    int fd;
    uint64_t id;
    uint32_t domid;             /* who this connection acts as */
    uint8_t *in;
    size_t inlen;
    size_t incap;
    xensim_writer out;          /* frames not yet written */
    size_t outpos;
    bool closing;
    bool held;                  /* its next request waits for a release */
    bool released;              /* its next request goes on, unchecked */
} xensimd_client;

/* A fault for a later call of one kind (xensimd_faults.c): the call that
 * matches, after @skip others that matched, fails with @err or, with 0,
 * is held until released.  Fires once. */
typedef struct {
    uint32_t op;
    char *pattern;              /* fnmatch(3) of a xenstore path; NULL = any */
    uint32_t skip;
    int err;
} xensimd_call_fault;

#define XENSIMD_CALL_FAULTS_MAX 16

typedef struct {
    uint32_t domid;
    char *name;
    uint8_t *data;
    size_t len;
} xensimd_userdata;

typedef struct {
    uint32_t domid;
    uint32_t flags;             /* XENSIM_GUEST_* */
    uint64_t shutdown_due_ns;   /* 0 = no request pending */
    xensim_shutdown_reason shutdown_reason;
    uint64_t pager_conn;        /* the connection of its pager, 0 = none */

    /* The statistics records the guest's agent writes while a trace
     * runs, as xenmemstatd does */
    bool records;
    bool record_started;        /* its period read once */
    unsigned int record_period; /* seconds; 0 = paused by the host */
    uint64_t record_due_ns;
    uint64_t records_written;
    bool record_failing;        /* a failed write was logged */
} xensimd_guest;

/* The startup figures of every new domain of one name */
typedef struct {
    char name[XENSIM_NAME_MAX];
    uint32_t flags;             /* XENSIM_PRESET_* */
    uint64_t balloon_rate;
    uint64_t balloon_floor;
    uint64_t swap_pages;
    xensim_trace *trace;
} xensimd_preset;

/* A domain's console: its pty and the guest's end of it (xensimd_console.c) */
typedef struct xensimd_console xensimd_console;

typedef struct {
    xensimd_config cfg;
    xensim_host host;
    xensim_xs *xs;
    int listen_fd;
    xensimd_client *clients;
    size_t nclients;
    uint64_t next_client_id;
    xensimd_userdata *userdata;
    size_t nuserdata;
    xensimd_guest *guests;
    size_t nguests;
    xensimd_preset *presets;
    size_t npresets;
    xensimd_console **consoles;
    size_t nconsoles;
    int console_epfd;           /* the consoles' epoll set, -1 = none yet */
    uint64_t last_ns;
    uint64_t populate_busy_ns;  /* the host's population is booked until then */
    xensimd_call_fault call_faults[XENSIMD_CALL_FAULTS_MAX];
    size_t ncall_faults;
    uint64_t held_client;       /* the connection whose call is held, 0 = none */
    uint32_t held_op;
    char *held_path;
    bool stop;
} xensimd;

/* A connection's domid before it has said hello: no rights at all */
#define XENSIMD_NOBODY UINT32_MAX
#define XENSIM_DOMID_FIRST_RESERVED 0x7FF0

uint64_t xensimd_now_ns(void);

/* xensimd.c: the daemon's state without its socket, its clients and
 * their requests (what xensimd_run serves, and what a fuzzer drives) */
int xensimd_init(xensimd *d, const xensimd_config *cfg);
void xensimd_clear(xensimd *d);
xensimd_client *xensimd_add_client(xensimd *d, int fd);
void xensimd_client_input(xensimd *d, xensimd_client *c);
void xensimd_deliver_events(xensimd *d);

/* xensimd_requests.c: one request from a client, its reply in @w */
int xensimd_dispatch(xensimd *d, xensimd_client *c, xensim_reader *r,
                     xensim_writer *w);

/* xensimd_faults.c: faults for later calls.  xensimd_fault_check says
 * what to do with the request in @frame: 0 serve it, 1 fail it with
 * *err, 2 hold it. */
int xensimd_fault_check(xensimd *d, xensimd_client *c, const uint8_t *frame,
                        size_t len, int *err);
int xensimd_fault_op(xensimd *d, xensim_reader *r, xensim_writer *w);
void xensimd_fault_conn_gone(xensimd *d, uint64_t conn);
void xensimd_fault_clear(xensimd *d);

/* xensimd_guests.c: what the guests' kernels do */
xensimd_guest *xensimd_guest_get(xensimd *d, uint32_t domid, bool create);
void xensimd_guest_forget(xensimd *d, uint32_t domid);
void xensimd_guest_saw_write(xensimd *d, const char *path, const char *value,
                             size_t len);
void xensimd_guest_shutdowns(xensimd *d, uint64_t now);
void xensimd_guest_conn_gone(xensimd *d, uint64_t conn);
void xensimd_guest_records(xensimd *d, uint64_t now);

/* xensimd_console.c: the consoles, as xenconsoled serves them.  A pty
 * for each domain created (a domain whose pty cannot be made has none),
 * its path published once the toolstack wrote the console's frontend,
 * closed when the domain dies. */
int xensimd_console_open(xensimd *d, uint32_t domid, const char *name, bool hvm);
void xensimd_console_saw_write(xensimd *d, uint32_t caller, const char *path);
void xensimd_console_close(xensimd *d, uint32_t domid);
void xensimd_console_close_all(xensimd *d);
/* The path of a domain's console (NULL: none), for a client to open */
const char *xensimd_console_path(xensimd *d, uint32_t domid);
/* The descriptor to poll for input (-1: no console yet), and a pass
 * over the consoles that are ready */
int xensimd_console_fd(xensimd *d);
void xensimd_console_io(xensimd *d);
