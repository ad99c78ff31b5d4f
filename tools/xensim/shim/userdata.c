/*
 * userdata.c: the data libxl keeps for the application (libvirt's
 * domain XML), on the simulated host
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "shim.h"


/* ---- data libxl keeps for the application -------------------------------- */

int
libxl_userdata_store(libxl_ctx *ctx, uint32_t domid, const char *userdata_userid,
                     const uint8_t *data, int datalen)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_writer args;
    uint8_t *reply;
    size_t len;
    int rc;

    (void)ctx;
    if (!c || datalen < 0)
        return ERROR_INVAL;
    xensim_writer_init(&args);
    xensim_put_u32(&args, domid);
    xensim_put_str(&args, userdata_userid);
    xensim_put_bytes(&args, data, datalen);
    rc = xensim_call(c, XENSIM_OP_USERDATA_SET, &args, XENSIM_CHARGE_NONE, &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    return xensim_shim_error("libxl_userdata_store", rc);
}


/* No data is not an error: *data_r is NULL then, as in libxl */
int
libxl_userdata_retrieve(libxl_ctx *ctx, uint32_t domid, const char *userdata_userid,
                        uint8_t **data_r, int *datalen_r)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_writer args;
    xensim_reader r;
    const uint8_t *data;
    uint8_t *reply;
    size_t len, dlen = 0;
    int rc;

    (void)ctx;
    *data_r = NULL;
    if (datalen_r)
        *datalen_r = 0;
    if (!c)
        return ERROR_FAIL;
    xensim_writer_init(&args);
    xensim_put_u32(&args, domid);
    xensim_put_str(&args, userdata_userid);
    rc = xensim_call(c, XENSIM_OP_USERDATA_GET, &args, XENSIM_CHARGE_NONE, &reply, &len);
    xensim_writer_free(&args);
    if (rc == -ENOENT) {
        free(reply);
        return 0;
    }
    if (rc < 0) {
        free(reply);
        return xensim_shim_error("libxl_userdata_retrieve", rc);
    }
    xensim_reader_init(&r, reply, len);
    data = xensim_get_bytes(&r, &dlen);
    if (!data || !xensim_reader_done(&r) || dlen > INT32_MAX ||
        !(*data_r = malloc(dlen ? dlen : 1))) {
        free(reply);
        return ERROR_FAIL;
    }
    memcpy(*data_r, data, dlen);
    if (datalen_r)
        *datalen_r = dlen;
    free(reply);
    return 0;
}
