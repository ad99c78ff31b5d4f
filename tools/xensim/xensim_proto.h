/*
 * xensim_proto.h: messages between the simulated host daemon and its clients
 *
 * A frame is a 32-bit little-endian length followed by that many bytes of
 * payload.  A request payload is an operation code (u32) and its arguments;
 * a reply is a result (u32 holding a negative errno, or 0) followed by the
 * operation's values;
 * an EVENT frame (watch event) is the code XENSIM_OP_EVENT, a path and a
 * token.  Integers are little-endian; a string or byte field is a u32
 * length and the bytes.  Every field is bounds-checked when read: a peer
 * that lies about lengths gets an error, never a read past the frame.
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

/* Large enough for the domain list of a host with a few thousand domains */
#define XENSIM_FRAME_MAX (4U << 20)
#define XENSIM_FIELD_MAX (1U << 20)

typedef enum {
    XENSIM_OP_HELLO = 1,        /* u32 domid -> u64 conn, u64 xs_ns, u64 hc_ns */
    XENSIM_OP_PHYSINFO,         /* -> physinfo record */
    XENSIM_OP_DOMAIN_LIST,      /* -> u32 n, n domain records */
    XENSIM_OP_DOMAIN_INFO,      /* u32 domid -> domain record */
    XENSIM_OP_DOMAIN_CREATE,    /* str name, bytes uuid, u32 type, u32 vcpus -> u32 domid */
    XENSIM_OP_SET_MAX,          /* u32 domid, u64 pages (and the same for the next six) */
    XENSIM_OP_CLAIM,
    XENSIM_OP_RELEASE,
    XENSIM_OP_SET_TARGET,
    XENSIM_OP_SET_PAGING_TARGET,
    XENSIM_OP_SET_USED,
    XENSIM_OP_SET_BALLOON_RATE,
    XENSIM_OP_POPULATE,         /* u32 domid, u64 pages -> u64 done, u64 wait_ns */
    XENSIM_OP_PAUSE,            /* u32 domid, u32 paused */
    XENSIM_OP_SHUTDOWN,         /* u32 domid, u32 reason */
    XENSIM_OP_DESTROY,          /* u32 domid */
    XENSIM_OP_FAULT_NEXT,       /* u64 pages: next domain's populate fails there */
    XENSIM_OP_SET_GUEST_FLAGS,  /* u32 domid, u32 XENSIM_GUEST_* flags */
    XENSIM_OP_USERDATA_SET,     /* u32 domid, str name, bytes data */
    XENSIM_OP_USERDATA_GET,     /* u32 domid, str name -> bytes data */
    XENSIM_OP_XS_READ,          /* str path -> bytes value */
    XENSIM_OP_XS_WRITE,         /* str path, bytes value */
    XENSIM_OP_XS_MKDIR,         /* str path */
    XENSIM_OP_XS_RM,            /* str path */
    XENSIM_OP_XS_DIRECTORY,     /* str path -> u32 n, n str */
    XENSIM_OP_XS_GET_PERMS,     /* str path -> u32 n, n (u32 id, u32 perms) */
    XENSIM_OP_XS_SET_PERMS,     /* str path, u32 n, n (u32 id, u32 perms) */
    XENSIM_OP_XS_WATCH,         /* u64 event conn, str path, str token */
    XENSIM_OP_XS_UNWATCH,       /* u64 event conn, str path, str token */
    XENSIM_OP_HOST_STOP,        /* stop the daemon */
    XENSIM_OP_PAGER_ATTACH,     /* u32 domid: the caller becomes its pager */
    XENSIM_OP_PAGER_DETACH,     /* u32 domid */
    XENSIM_OP_SET_BALLOON_FLOOR,/* u32 domid, u64 pages */
    XENSIM_OP_WORKLOAD,         /* u32 domid, trace; n = 0 ends the trace */
    XENSIM_OP_WORKLOAD_STATS,   /* -> u32 n, n workload records */
    XENSIM_OP_PRESET,           /* str name, u32 XENSIM_PRESET_*, u64 rate,
                                 * u64 floor, trace */
    XENSIM_OP_EVENT,            /* daemon -> client: str path, str token */
    XENSIM_OP_FAULT_CALL,       /* u32 XENSIM_FAULT_CALL_*, then for ADD: u32 op,
                                 * str path pattern, u32 skip, u32 errno
                                 * (0 = hold); HELD -> u32 held, u32 op, str path */
    XENSIM_OP_LAST
} xensim_op;

/* Guest behaviour the tool can switch */
enum {
    XENSIM_GUEST_IGNORES_SHUTDOWN = 1 << 0,  /* never answers control/shutdown */
    XENSIM_GUEST_DIES_SLOWLY = 1 << 1,       /* destroyed, stays dying with its
                                              * pages until the flag is cleared */
};

/* What an XENSIM_OP_FAULT_CALL request does */
enum {
    XENSIM_FAULT_CALL_ADD = 0,      /* a rule for a later call */
    XENSIM_FAULT_CALL_CLEAR,        /* forget every rule not yet fired */
    XENSIM_FAULT_CALL_HELD,         /* which call is held, if any */
    XENSIM_FAULT_CALL_RELEASE,      /* let the held call go on */
};

/* Flags in a domain record */
enum {
    XENSIM_DOMINFO_PAUSED = 1 << 0,
    XENSIM_DOMINFO_SHUTDOWN = 1 << 1,
    XENSIM_DOMINFO_DYING = 1 << 2,
};

/* A trace on the wire: u64 swap pages, u32 n, then n points of u64 ms,
 * u64 used pages, u64 reported pages */
#define XENSIM_TRACE_POINT_WIRE 24

/* Flags in a workload record */
enum {
    XENSIM_WORKLOAD_TRACE = 1 << 0,     /* a trace runs */
    XENSIM_WORKLOAD_RECORDS = 1 << 1,   /* statistics records are written */
};

/* What a preset sets for every new domain of its name */
enum {
    XENSIM_PRESET_BALLOON_RATE = 1 << 0,
    XENSIM_PRESET_BALLOON_FLOOR = 1 << 1,
    XENSIM_PRESET_WORKLOAD = 1 << 2,
    XENSIM_PRESET_CLEAR = 1 << 3,       /* forget the name's preset */
};

/* Flags in the physinfo record */
enum {
    XENSIM_PHYSINFO_PAGING = 1 << 0,    /* the hypervisor offers paging */
};

typedef struct {
    uint8_t *buf;
    size_t len;
    size_t cap;
    bool failed;                /* out of memory or a field too large */
} xensim_writer;

typedef struct {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    bool failed;                /* a field ran past the end of the frame */
} xensim_reader;

void xensim_writer_init(xensim_writer *w);
void xensim_writer_reset(xensim_writer *w);
void xensim_writer_free(xensim_writer *w);
void xensim_put_u32(xensim_writer *w, uint32_t v);
void xensim_put_u64(xensim_writer *w, uint64_t v);
void xensim_put_bytes(xensim_writer *w, const void *data, size_t len);
void xensim_put_str(xensim_writer *w, const char *s);
void xensim_put_data(xensim_writer *w, const void *data, size_t len); /* no length */
void xensim_put_frame(xensim_writer *w, const xensim_writer *payload);

void xensim_reader_init(xensim_reader *r, const void *buf, size_t len);
uint32_t xensim_get_u32(xensim_reader *r);
uint64_t xensim_get_u64(xensim_reader *r);
const uint8_t *xensim_get_bytes(xensim_reader *r, size_t *len);
char *xensim_get_str(xensim_reader *r);     /* malloc'd; NULL on error */
bool xensim_reader_done(const xensim_reader *r);   /* consumed exactly, no error */

/* Blocking frame I/O; return 0, or -errno (-EPROTO for a bad frame) */
int xensim_frame_send(int fd, const xensim_writer *w);
int xensim_frame_recv(int fd, uint8_t **buf, size_t *len);
