/*
 * unsupported.c: libxenlight entry points the simulated host does not model
 *
 * Every libxl function libvirt's driver imports must be defined here or in
 * the other files of this library: one left out would reach the real
 * libxenlight, which would issue hypercalls through a dummy handle and
 * crash the daemon.  (Built with -Wno-unused-parameter: these ignore
 * their arguments by design.)  These fail cleanly instead, with a line in the
 * daemon's log naming the call, and libvirt reports its usual error.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "shim.h"

static int
shim_unsupported(const char *func)
{
    xensim_shim_log("%s is not simulated", func);
    return ERROR_FAIL;
}


int
libxl_cdrom_insert(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk,
                   const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_channel_getinfo(libxl_ctx *ctx, uint32_t domid,
                             const libxl_device_channel *channel,
                             libxl_channelinfo *channelinfo)
{
    return shim_unsupported(__func__);
}


int
libxl_device_disk_add(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk,
                      const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_disk_remove(libxl_ctx *ctx, uint32_t domid,
                         libxl_device_disk *disk,
                         const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_nic_add(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic,
                     const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_nic_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_nic *nic,
                        const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_pci_add(libxl_ctx *ctx, uint32_t domid, libxl_device_pci *pci,
                     const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_pci_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_pci *pci,
                        const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_usbctrl_add(libxl_ctx *ctx, uint32_t domid,
                         libxl_device_usbctrl *usbctrl,
                         const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_usbctrl_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_usbctrl *usbctrl,
                            const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_usbdev_add(libxl_ctx *ctx, uint32_t domid,
                        libxl_device_usbdev *usbdev,
                        const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_device_usbdev_remove(libxl_ctx *ctx, uint32_t domid,
                           libxl_device_usbdev *usbdev,
                           const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_domain_core_dump(libxl_ctx *ctx, uint32_t domid, const char *filename,
                       const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_domain_resume(libxl_ctx *ctx, uint32_t domid, int suspend_cancel,
                    const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_domain_soft_reset(libxl_ctx *ctx, libxl_domain_config *d_config,
                        uint32_t domid, const libxl_asyncop_how *ao_how,
                        const libxl_asyncprogress_how *aop_console_how)
{
    return shim_unsupported(__func__);
}


int
libxl_domain_suspend_only(libxl_ctx *ctx, uint32_t domid,
                          const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_flask_context_to_sid(libxl_ctx *ctx, char *buf, size_t len,
                           uint32_t *ssidref)
{
    return shim_unsupported(__func__);
}


int
libxl_mac_to_device_nic(libxl_ctx *ctx, uint32_t domid, const char *mac,
                        libxl_device_nic *nic)
{
    return shim_unsupported(__func__);
}


int
libxl_retrieve_domain_configuration(libxl_ctx *ctx, uint32_t domid,
                                    libxl_domain_config *d_config,
                                    const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_send_trigger(libxl_ctx *ctx, uint32_t domid, libxl_trigger trigger,
                   uint32_t vcpuid, const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}


int
libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *cpumap,
                     const libxl_asyncop_how *ao_how)
{
    return shim_unsupported(__func__);
}
