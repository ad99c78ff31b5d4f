/*
 * xensim_fault_cmd.c: the tool's fault call commands: a later call of a
 * kind refused or held
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xensim_client.h"
#include "xensim_cmd.h"


/* The kinds of call a fault can name, as the tool spells them */
static const struct {
    const char *name;
    uint32_t op;
} call_kinds[] = {
    { "create", XENSIM_OP_DOMAIN_CREATE },
    { "set-max", XENSIM_OP_SET_MAX },
    { "claim", XENSIM_OP_CLAIM },
    { "populate", XENSIM_OP_POPULATE },
    { "pause", XENSIM_OP_PAUSE },
    { "destroy", XENSIM_OP_DESTROY },
    { "userdata-set", XENSIM_OP_USERDATA_SET },
    { "userdata-get", XENSIM_OP_USERDATA_GET },
    { "pager-attach", XENSIM_OP_PAGER_ATTACH },
    { "pager-detach", XENSIM_OP_PAGER_DETACH },
    { "domain-list", XENSIM_OP_DOMAIN_LIST },
    { "xs-read", XENSIM_OP_XS_READ },
    { "xs-write", XENSIM_OP_XS_WRITE },
    { "xs-mkdir", XENSIM_OP_XS_MKDIR },
    { "xs-rm", XENSIM_OP_XS_RM },
    { "xs-directory", XENSIM_OP_XS_DIRECTORY },
    { "xs-set-perms", XENSIM_OP_XS_SET_PERMS },
};

static const struct {
    const char *name;
    int err;
} call_errnos[] = {
    { "EACCES", EACCES }, { "EAGAIN", EAGAIN }, { "EBUSY", EBUSY },
    { "EINVAL", EINVAL }, { "EIO", EIO }, { "ENOENT", ENOENT },
    { "ENOMEM", ENOMEM }, { "ENOSPC", ENOSPC }, { "EPERM", EPERM },
    { "E2BIG", E2BIG }, { "ENODEV", ENODEV }, { "ENOSYS", ENOSYS },
    { "ESRCH", ESRCH },
};


static const char *
call_kind_name(uint32_t op)
{
    size_t i;

    for (i = 0; i < sizeof(call_kinds) / sizeof(call_kinds[0]); i++) {
        if (call_kinds[i].op == op)
            return call_kinds[i].name;
    }
    return "?";
}


int
fault_call_simple(uint32_t what, const char *label)
{
    xensim_conn *c = connect_or_die(0);
    xensim_writer args;
    uint8_t *reply;
    size_t len;
    int rc;

    xensim_writer_init(&args);
    xensim_put_u32(&args, what);
    rc = xensim_call(c, XENSIM_OP_FAULT_CALL, &args, XENSIM_CHARGE_NONE,
                     &reply, &len);
    xensim_writer_free(&args);
    if (rc == 0 && what == XENSIM_FAULT_CALL_HELD) {
        xensim_reader r;
        uint32_t held, op;
        char *path;

        xensim_reader_init(&r, reply, len);
        held = xensim_get_u32(&r);
        op = xensim_get_u32(&r);
        path = xensim_get_str(&r);
        if (!path || !xensim_reader_done(&r)) {
            rc = -EPROTO;
        } else if (!held) {
            rc = 1;         /* nothing held: exit status 1, no message */
        } else {
            printf("%s%s%s\n", call_kind_name(op), *path ? " " : "", path);
        }
        free(path);
    }
    free(reply);
    xensim_conn_close(c);
    if (rc == 1)
        return 1;
    return report(rc, label);
}


/* fault call KIND [--path GLOB] [--skip N] (--errno NAME | --hold),
 * fault held, fault release, fault clear */
int
cmd_fault_call(int argc, char **argv)
{
    const char *kind = argc > 0 ? argv[0] : NULL;
    const char *pattern = "";
    unsigned long skip = 0;
    int err = -1;
    uint32_t op = 0;
    xensim_conn *c;
    xensim_writer args;
    uint8_t *reply;
    size_t len;
    size_t i;
    int rc;

    for (i = 0; kind && i < sizeof(call_kinds) / sizeof(call_kinds[0]); i++) {
        if (!strcmp(call_kinds[i].name, kind))
            op = call_kinds[i].op;
    }
    if (!op) {
        fprintf(stderr, "xensim: fault call: unknown kind of call '%s'\n",
                kind ? kind : "");
        return 2;
    }
    for (i = 1; i < (size_t)argc; i++) {
        if (!strcmp(argv[i], "--path") && i + 1 < (size_t)argc) {
            pattern = argv[++i];
        } else if (!strcmp(argv[i], "--skip") && i + 1 < (size_t)argc) {
            char *end;

            errno = 0;
            skip = strtoul(argv[++i], &end, 10);
            if (errno || end == argv[i] || *end || argv[i][0] == '-' ||
                skip > 1000000) {
                fprintf(stderr, "xensim: fault call: --skip '%s' is not a "
                        "number from 0 to 1000000\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--hold")) {
            err = 0;
        } else if (!strcmp(argv[i], "--errno") && i + 1 < (size_t)argc) {
            size_t j;

            i++;
            for (j = 0; j < sizeof(call_errnos) / sizeof(call_errnos[0]); j++) {
                if (!strcmp(call_errnos[j].name, argv[i]))
                    err = call_errnos[j].err;
            }
            if (err <= 0) {
                fprintf(stderr, "xensim: fault call: unknown errno '%s'\n", argv[i]);
                return 2;
            }
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (err < 0) {
        fprintf(stderr, "xensim: fault call: say --errno NAME or --hold\n");
        return 2;
    }
    if (*pattern && strncmp(kind, "xs-", 3)) {
        fprintf(stderr, "xensim: fault call: --path is for the xs-* kinds, not '%s'\n",
                kind);
        return 2;
    }

    c = connect_or_die(0);
    xensim_writer_init(&args);
    xensim_put_u32(&args, XENSIM_FAULT_CALL_ADD);
    xensim_put_u32(&args, op);
    xensim_put_str(&args, pattern);
    xensim_put_u32(&args, (uint32_t)skip);
    xensim_put_u32(&args, (uint32_t)err);
    rc = xensim_call(c, XENSIM_OP_FAULT_CALL, &args, XENSIM_CHARGE_NONE,
                     &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    xensim_conn_close(c);
    return report(rc, "fault call");
}
