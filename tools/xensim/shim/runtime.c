/*
 * runtime.c: vCPUs, scheduling and devices of running domains
 *
 * The simulated host models memory, not CPUs or devices: it reports what a
 * host with idle vCPUs and no hotplugged devices would, keeps scheduler
 * parameters so that what is set reads back, and accepts pinning, which
 * libvirt also records in its own configuration.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxl_utils.h>

#include "shim.h"

#define SCHED_USERDATA "xensim-sched"

int
libxl_domain_sched_params_get(libxl_ctx *ctx, uint32_t domid,
                              libxl_domain_sched_params *params)
{
    uint8_t *data = NULL;
    int len = 0;
    int rc;

    if ((rc = libxl_domain_info(ctx, NULL, domid)) < 0)
        return rc;
    libxl_domain_sched_params_init(params);
    if ((rc = libxl_userdata_retrieve(ctx, domid, SCHED_USERDATA, &data, &len)) < 0)
        return rc;
    if (data && len == (int)sizeof(*params)) {
        memcpy(params, data, sizeof(*params));
    } else {
        /* credit2's defaults */
        params->sched = LIBXL_SCHEDULER_CREDIT2;
        params->weight = 256;
        params->cap = 0;
    }
    free(data);
    return 0;
}


int
libxl_domain_sched_params_set(libxl_ctx *ctx, uint32_t domid,
                              const libxl_domain_sched_params *params)
{
    libxl_domain_sched_params cur;
    int rc;

    if ((rc = libxl_domain_sched_params_get(ctx, domid, &cur)) < 0)
        return rc;
    if (params->weight != LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT) {
        if (params->weight < 1 || params->weight > 65535)
            return ERROR_INVAL;
        cur.weight = params->weight;
    }
    if (params->cap != LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT) {
        if (params->cap < 0)
            return ERROR_INVAL;
        cur.cap = params->cap;
    }
    return libxl_userdata_store(ctx, domid, SCHED_USERDATA,
                                (const uint8_t *)&cur, sizeof(cur));
}


libxl_vcpuinfo *
libxl_list_vcpu(libxl_ctx *ctx, uint32_t domid, int *nb_vcpu, int *nr_cpus_out)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo dom;
    libxl_vcpuinfo *info;
    int cpus;
    uint32_t i;

    if (!c || xensim_dominfo_get(c, domid, &dom) < 0)
        return NULL;
    if ((cpus = libxl_get_max_cpus(ctx)) <= 0)
        return NULL;
    if (!(info = calloc(dom.vcpus ? dom.vcpus : 1, sizeof(*info))))
        return NULL;
    for (i = 0; i < dom.vcpus; i++) {
        int k;

        libxl_vcpuinfo_init(&info[i]);
        info[i].vcpuid = i;
        info[i].cpu = i % cpus;
        info[i].online = true;
        info[i].running = !(dom.flags & (XENSIM_DOMINFO_PAUSED | XENSIM_DOMINFO_SHUTDOWN));
        info[i].blocked = !info[i].running;
        info[i].vcpu_time = dom.vcpus ? dom.cpu_time_ns / dom.vcpus : 0;
        if (libxl_cpu_bitmap_alloc(ctx, &info[i].cpumap, cpus) < 0 ||
            libxl_cpu_bitmap_alloc(ctx, &info[i].cpumap_soft, cpus) < 0) {
            libxl_vcpuinfo_list_free(info, i + 1);
            return NULL;
        }
        for (k = 0; k < cpus; k++) {
            libxl_bitmap_set(&info[i].cpumap, k);
            libxl_bitmap_set(&info[i].cpumap_soft, k);
        }
    }
    *nb_vcpu = dom.vcpus;
    *nr_cpus_out = cpus;
    return info;
}


int
libxl_set_vcpuaffinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid,
                       const libxl_bitmap *cpumap_hard,
                       const libxl_bitmap *cpumap_soft)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo dom;
    int rc;

    (void)ctx;
    (void)cpumap_hard;
    (void)cpumap_soft;
    if (!c)
        return ERROR_FAIL;
    if ((rc = xensim_dominfo_get(c, domid, &dom)) < 0)
        return xensim_shim_error("libxl_set_vcpuaffinity", rc);
    return vcpuid < dom.vcpus ? 0 : ERROR_INVAL;
}


int
libxl_domain_get_nodeaffinity(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *nodemap)
{
    int rc;

    if ((rc = libxl_domain_info(ctx, NULL, domid)) < 0)
        return rc;
    libxl_bitmap_set_any(nodemap);
    return 0;
}


/* No device is ever hotplugged on the simulated host: the lists libvirt
 * reads after a start are empty, as for a domain without such devices. */
libxl_device_disk *
libxl_device_disk_list(libxl_ctx *ctx, uint32_t domid, int *num)
{
    (void)ctx;
    (void)domid;
    *num = 0;
    return NULL;
}


libxl_device_channel *
libxl_device_channel_list(libxl_ctx *ctx, uint32_t domid, int *num)
{
    (void)ctx;
    (void)domid;
    *num = 0;
    return NULL;
}


libxl_device_usbdev *
libxl_device_usbdev_list(libxl_ctx *ctx, uint32_t domid, int *num)
{
    (void)ctx;
    (void)domid;
    *num = 0;
    return NULL;
}
