/*
 * domain.c: building, running and destroying domains on the simulated host
 *
 * Each function follows what libxenlight 4.17 does against the hypervisor
 * and xenstore, in the same order, with the simulated host in their place:
 * the xenstore layout of libxl__domain_make(), the memory sizes of
 * libxl__build_pre() and libxl__build_post(), the claim and population of
 * xc_dom_boot_mem_init(), the targets of libxl_set_memory_target(), the
 * primary console of domcreate_launch_dm() (console.c).
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "shim.h"

#define SHIM_VGA_HOLE_PAGES 0x20        /* the VGA hole HVM claims leave out */

void
xensim_shim_dominfo(const xensim_dominfo *in, libxl_dominfo *out)
{
    libxl_dominfo_init(out);
    memcpy(out->uuid.uuid, in->uuid, sizeof(in->uuid));
    out->domid = in->domid;
    out->paused = !!(in->flags & XENSIM_DOMINFO_PAUSED);
    out->shutdown = !!(in->flags & XENSIM_DOMINFO_SHUTDOWN);
    out->running = !out->paused && !out->shutdown;
    out->blocked = false;
    out->dying = !!(in->flags & XENSIM_DOMINFO_DYING);
    out->shutdown_reason = out->shutdown ? (libxl_shutdown_reason)in->shutdown_reason :
                           LIBXL_SHUTDOWN_REASON_UNKNOWN;
    /* as libxl__xcinfo2xlinfo(): pages to KiB */
    out->outstanding_memkb = in->outstanding_pages * 4;
    out->current_memkb = in->tot_pages * 4;
    out->shared_memkb = 0;
    out->paged_memkb = in->paged_pages * 4;
    out->max_memkb = in->max_pages * 4;
    out->cpu_time = in->cpu_time_ns;
    out->vcpu_max_id = in->vcpus ? in->vcpus - 1 : 0;
    out->vcpu_online = in->vcpus;
    out->cpupool = 0;
    switch (in->type) {
    case XENSIM_DOMAIN_HVM:
        out->domain_type = LIBXL_DOMAIN_TYPE_HVM;
        break;
    case XENSIM_DOMAIN_PVH:
        out->domain_type = LIBXL_DOMAIN_TYPE_PVH;
        break;
    default:
        out->domain_type = LIBXL_DOMAIN_TYPE_PV;
        break;
    }
}


int
libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info_r, uint32_t domid)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo dom;
    int rc;

    (void)ctx;
    if (!c)
        return ERROR_FAIL;
    if ((rc = xensim_dominfo_get(c, domid, &dom)) == -ESRCH)
        return ERROR_DOMAIN_NOTFOUND;
    if (rc < 0)
        return xensim_shim_error("libxl_domain_info", rc);
    if (info_r)
        xensim_shim_dominfo(&dom, info_r);
    return 0;
}


libxl_dominfo *
libxl_list_domain(libxl_ctx *ctx, int *nb_domain_out)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo *doms;
    libxl_dominfo *out;
    uint32_t n, i;

    (void)ctx;
    if (!c || xensim_dominfo_list(c, &doms, &n) < 0)
        return NULL;
    if (!(out = calloc(n ? n : 1, sizeof(*out)))) {
        free(doms);
        return NULL;
    }
    for (i = 0; i < n; i++)
        xensim_shim_dominfo(&doms[i], &out[i]);
    free(doms);
    *nb_domain_out = n;
    return out;
}


/* ---- xenstore as the toolstack writes it --------------------------------- */

static int
shim_xs_write(xensim_conn *c, const char *path, const char *value)
{
    return xensim_xs_write_value(c, path, value, strlen(value));
}


int
xensim_shim_xs_printf(xensim_conn *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    char *value;
    int rc;

    va_start(ap, fmt);
    rc = vasprintf(&value, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -ENOMEM;
    rc = shim_xs_write(c, path, value);
    free(value);
    return rc;
}


int
xensim_shim_xs_mknod(xensim_conn *c, const char *path,
                     const struct xs_permissions *perms, unsigned int n)
{
    xensim_writer args;
    uint8_t *reply;
    size_t len;
    unsigned int i;
    int rc;

    if ((rc = shim_xs_write(c, path, "")) < 0)
        return rc;
    xensim_writer_init(&args);
    xensim_put_str(&args, path);
    xensim_put_u32(&args, n);
    for (i = 0; i < n; i++) {
        xensim_put_u32(&args, perms[i].id);
        xensim_put_u32(&args, perms[i].perms);
    }
    rc = xensim_call(c, XENSIM_OP_XS_SET_PERMS, &args, XENSIM_CHARGE_XENSTORE,
                     &reply, &len);
    xensim_writer_free(&args);
    free(reply);
    return rc;
}


int
xensim_shim_xs_read_u64(xensim_conn *c, const char *path, uint64_t *v)
{
    char *value;
    char *end;
    size_t len;
    int rc;

    if ((rc = xensim_xs_read_value(c, path, &value, &len)) < 0)
        return rc;
    errno = 0;
    *v = strtoull(value, &end, 10);
    rc = (errno || end == value || *end) ? -EINVAL : 0;
    free(value);
    return rc;
}


/* The nodes libxl__domain_make() creates, with its permissions: the guest
 * may read its directory, and write only control/shutdown and the
 * features, data/, drivers/, feature/, attr/ and error/. */
static int
shim_domain_make_xenstore(xensim_conn *c, uint32_t domid, const char *name,
                          const char *uuid, libxl_domain_type type)
{
    const struct xs_permissions roperm[2] = { { 0, XS_PERM_NONE },
                                              { domid, XS_PERM_READ } };
    const struct xs_permissions rwperm[1] = { { domid, XS_PERM_NONE } };
    const struct xs_permissions noperm[1] = { { 0, XS_PERM_NONE } };
    static const char *const rw_nodes[] = {
        "control/shutdown", "control/feature-poweroff", "control/feature-reboot",
        "control/feature-suspend", "control/sysrq", "data", "drivers",
        "feature", "attr", "error", "device/suspend/event-channel",
    };
    char dom_path[64], vm_path[80], libxl_path[64], path[160];
    size_t i;
    int rc = 0;

    snprintf(dom_path, sizeof(dom_path), "/local/domain/%u", domid);
    snprintf(vm_path, sizeof(vm_path), "/vm/%s", uuid);
    snprintf(libxl_path, sizeof(libxl_path), "/libxl/%u", domid);

    xensim_xs_path_op(c, XENSIM_OP_XS_RM, dom_path);
    xensim_xs_path_op(c, XENSIM_OP_XS_RM, vm_path);
    xensim_xs_path_op(c, XENSIM_OP_XS_RM, libxl_path);

    rc |= xensim_shim_xs_mknod(c, dom_path, roperm, 2);
    rc |= xensim_shim_xs_mknod(c, vm_path, roperm, 2);
    rc |= xensim_shim_xs_mknod(c, libxl_path, noperm, 1);
    snprintf(path, sizeof(path), "%s/device", libxl_path);
    rc |= xensim_shim_xs_mknod(c, path, noperm, 1);
    snprintf(path, sizeof(path), "%s/vm", dom_path);
    rc |= shim_xs_write(c, path, vm_path);
    snprintf(path, sizeof(path), "%s/name", dom_path);
    rc |= shim_xs_write(c, path, name);
    snprintf(path, sizeof(path), "%s/name", vm_path);
    rc |= shim_xs_write(c, path, name);
    snprintf(path, sizeof(path), "%s/uuid", vm_path);
    rc |= shim_xs_write(c, path, uuid);

    for (i = 0; i < 4; i++) {
        static const char *const ro_nodes[] = { "cpu", "memory", "device", "control" };

        snprintf(path, sizeof(path), "%s/%s", dom_path, ro_nodes[i]);
        rc |= xensim_shim_xs_mknod(c, path, roperm, 2);
    }
    if (type == LIBXL_DOMAIN_TYPE_HVM) {
        snprintf(path, sizeof(path), "%s/hvmloader", dom_path);
        rc |= xensim_shim_xs_mknod(c, path, roperm, 2);
    }
    for (i = 0; i < sizeof(rw_nodes) / sizeof(rw_nodes[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dom_path, rw_nodes[i]);
        rc |= xensim_shim_xs_mknod(c, path, rwperm, 1);
    }
    if (type == LIBXL_DOMAIN_TYPE_HVM) {
        snprintf(path, sizeof(path), "%s/control/feature-s3", dom_path);
        rc |= xensim_shim_xs_mknod(c, path, rwperm, 1);
        snprintf(path, sizeof(path), "%s/control/feature-s4", dom_path);
        rc |= xensim_shim_xs_mknod(c, path, rwperm, 1);
    }
    return rc ? -EIO : 0;
}


static void
shim_domain_remove_xenstore(xensim_conn *c, uint32_t domid, const uint8_t uuid[16])
{
    char path[80];
    char uuidstr[40];

    snprintf(uuidstr, sizeof(uuidstr),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
             uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    xensim_xs_path_op(c, XENSIM_OP_XS_RM, path);
    snprintf(path, sizeof(path), "/vm/%s", uuidstr);
    xensim_xs_path_op(c, XENSIM_OP_XS_RM, path);
    snprintf(path, sizeof(path), "/libxl/%u", domid);
    xensim_xs_path_op(c, XENSIM_OP_XS_RM, path);
}


/* ---- building ------------------------------------------------------------- */

static void
shim_sleep_ns(uint64_t ns)
{
    struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}


/* Populate @pages in slices of 50 ms at the host's populate rate, which
 * builds running at the same time share (the daemon books it), so that
 * concurrent builds interleave and slow each other as on a real host. */
static int
shim_populate(xensim_conn *c, uint32_t domid, uint64_t pages, uint64_t rate,
              uint64_t *done_total)
{
    uint64_t slice = rate / 20 > 512 ? rate / 20 : 512;

    *done_total = 0;
    while (*done_total < pages) {
        uint64_t want = pages - *done_total < slice ? pages - *done_total : slice;
        uint64_t done = 0;
        uint64_t wait_ns = 0;
        int rc = xensim_domain_populate_paced(c, domid, want, &done, &wait_ns);

        *done_total += done;
        shim_sleep_ns(wait_ns);
        if (rc < 0)
            return rc;
    }
    return 0;
}


static libxl_domain_type
shim_build_type(const libxl_domain_config *d_config)
{
    if (d_config->c_info.type != LIBXL_DOMAIN_TYPE_INVALID)
        return d_config->c_info.type;
    return d_config->b_info.type;
}


/* The stream libxl_domain_suspend() writes here, our own: a magic line,
 * then the pages the domain held, in decimal, on a line of its own */
#define SHIM_SAVE_MAGIC "xensim-save 1\n"

/* libxl with LIBXL_HAVE_CLAIM_ON_RESTORE (xen-patches/, patch 1) claims
 * before a restore populates; stock libxl never does */
#ifdef LIBXL_HAVE_CLAIM_ON_RESTORE
# define SHIM_CLAIM_ON_RESTORE 1
#else
# define SHIM_CLAIM_ON_RESTORE 0
#endif


/* Read the pages of a saved domain from @fd, one byte at a time so that
 * nothing after the record is consumed */
static int
shim_read_save_record(int fd, uint64_t *pages)
{
    char buf[sizeof(SHIM_SAVE_MAGIC) + 24];
    size_t len = 0;
    char *end;

    while (len < sizeof(buf) - 1) {
        ssize_t n = read(fd, buf + len, 1);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EIO;
        len++;
        if (buf[len - 1] == '\n' && len > strlen(SHIM_SAVE_MAGIC))
            break;
    }
    buf[len] = '\0';
    if (strncmp(buf, SHIM_SAVE_MAGIC, strlen(SHIM_SAVE_MAGIC)) != 0)
        return -EINVAL;
    /* digits only: strtoull would take a sign or blanks */
    if (!isdigit((unsigned char)buf[strlen(SHIM_SAVE_MAGIC)]))
        return -EINVAL;
    errno = 0;
    *pages = strtoull(buf + strlen(SHIM_SAVE_MAGIC), &end, 10);
    if (errno || *end != '\n' || !*pages)
        return -EINVAL;
    return 0;
}


static int shim_domain_build(libxl_ctx *ctx, libxl_domain_config *d_config,
                             uint32_t *domid_out, int restore_fd,
                             const libxl_asyncprogress_how *aop_console_how);

int
libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *d_config,
                        uint32_t *domid_out, const libxl_asyncop_how *ao_how,
                        const libxl_asyncprogress_how *aop_console_how)
{
    if (ao_how) {
        xensim_shim_log("libxl_domain_create_new: asynchronous creation is not simulated");
        return ERROR_INVAL;
    }
    return shim_domain_build(ctx, d_config, domid_out, -1, aop_console_how);
}


/* A restore builds the domain as a creation does and populates what the
 * stream says the domain held, at the host's populate rate: without a
 * claim it finds a short host part-way through, as xc_domain_restore()
 * does; with LIBXL_HAVE_CLAIM_ON_RESTORE and claim_mode it claims the
 * target first and fails with ERROR_NOMEM before populating anything. */
int
libxl_domain_create_restore(libxl_ctx *ctx, libxl_domain_config *d_config,
                            uint32_t *domid, int restore_fd, int send_back_fd,
                            const libxl_domain_restore_params *params,
                            const libxl_asyncop_how *ao_how,
                            const libxl_asyncprogress_how *aop_console_how)
{
    (void)send_back_fd;
    (void)params;
    if (ao_how) {
        xensim_shim_log("libxl_domain_create_restore: asynchronous restore is not simulated");
        return ERROR_INVAL;
    }
    if (restore_fd < 0)
        return ERROR_INVAL;
    return shim_domain_build(ctx, d_config, domid, restore_fd, aop_console_how);
}


/* Writes the record shim_read_save_record() reads and leaves the domain
 * paused; the caller destroys it, as libvirt does after a save */
int
libxl_domain_suspend(libxl_ctx *ctx, uint32_t domid, int fd, int flags,
                     const libxl_asyncop_how *ao_how)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo info;
    char rec[sizeof(SHIM_SAVE_MAGIC) + 24];
    size_t off = 0;
    int len;
    int rc;

    (void)ctx;
    (void)flags;
    if (ao_how) {
        xensim_shim_log("libxl_domain_suspend: asynchronous suspend is not simulated");
        return ERROR_INVAL;
    }
    if (!c)
        return ERROR_FAIL;
    if ((rc = xensim_dominfo_get(c, domid, &info)) < 0)
        return xensim_shim_error("libxl_domain_suspend", rc);
    if ((rc = xensim_domain_u32_op(c, XENSIM_OP_PAUSE, domid, 1)) < 0)
        return xensim_shim_error("libxl_domain_suspend", rc);
    len = snprintf(rec, sizeof(rec), "%s%" PRIu64 "\n", SHIM_SAVE_MAGIC, info.tot_pages);
    while (off < (size_t)len) {
        ssize_t n = write(fd, rec + off, len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            xensim_shim_log("libxl_domain_suspend: domain %u: cannot write the stream: %s",
                            domid, strerror(errno));
            return ERROR_FAIL;
        }
        off += n;
    }
    return 0;
}


static int
shim_domain_build(libxl_ctx *ctx, libxl_domain_config *d_config,
                  uint32_t *domid_out, int restore_fd,
                  const libxl_asyncprogress_how *aop_console_how)
{
    const libxl_domain_build_info *b = &d_config->b_info;
    bool restoring = restore_fd >= 0;
    uint64_t saved_pages = 0;
    int error = ERROR_FAIL;
    libxl_domain_type type = shim_build_type(d_config);
    xensim_conn *c = xensim_shim_conn();
    xensim_physinfo pi;
    xensim_writer args;
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    char uuid[40];
    char path[96];
    uint64_t target_kb, max_kb, video_kb = 0, build_pages, claim_pages, done = 0;
    uint32_t domid = 0;
    bool claim = false;
    int rc;

    if (!c)
        return ERROR_FAIL;
    if (!d_config->c_info.name || !*d_config->c_info.name)
        return ERROR_INVAL;
    if (restoring && (rc = shim_read_save_record(restore_fd, &saved_pages)) < 0) {
        xensim_shim_log("libxl_domain_create_restore: no saved domain in the stream: %s",
                        strerror(-rc));
        return ERROR_FAIL;
    }

    target_kb = b->target_memkb;
    max_kb = b->max_memkb;
    if (target_kb == LIBXL_MEMKB_DEFAULT || max_kb == LIBXL_MEMKB_DEFAULT ||
        target_kb > max_kb || !target_kb)
        return ERROR_INVAL;
    if (type == LIBXL_DOMAIN_TYPE_HVM)
        video_kb = b->video_memkb == LIBXL_MEMKB_DEFAULT ? 8192 : b->video_memkb;
    if (!libxl_defbool_is_default(b->claim_mode))
        claim = libxl_defbool_val(b->claim_mode);

    snprintf(uuid, sizeof(uuid), LIBXL_UUID_FMT,
             LIBXL_UUID_BYTES(d_config->c_info.uuid));

    /* xc_domain_create() */
    xensim_writer_init(&args);
    xensim_put_str(&args, d_config->c_info.name);
    xensim_put_bytes(&args, libxl_uuid_bytearray(&d_config->c_info.uuid), 16);
    xensim_put_u32(&args, type == LIBXL_DOMAIN_TYPE_HVM ? XENSIM_DOMAIN_HVM :
                          type == LIBXL_DOMAIN_TYPE_PVH ? XENSIM_DOMAIN_PVH :
                          XENSIM_DOMAIN_PV);
    xensim_put_u32(&args, b->max_vcpus ? b->max_vcpus : 1);
    rc = xensim_call(c, XENSIM_OP_DOMAIN_CREATE, &args, XENSIM_CHARGE_HYPERCALL,
                     &reply, &len);
    xensim_writer_free(&args);
    if (rc == 0) {
        xensim_reader_init(&r, reply, len);
        domid = xensim_get_u32(&r);
        if (!xensim_reader_done(&r))
            rc = -EPROTO;
    }
    free(reply);
    if (rc < 0)
        return xensim_shim_error("domain creation", rc);

    if ((rc = shim_domain_make_xenstore(c, domid, d_config->c_info.name, uuid, type)) < 0)
        goto fail;

    /* libxl__build_pre(): max memory is the target plus the arch constant */
    if ((rc = xensim_domain_u64_op(c, XENSIM_OP_SET_MAX, domid,
                                   (target_kb + SHIM_MAXMEM_CONSTANT) / 4, NULL)) < 0)
        goto fail;

    /* xc_dom_boot_mem_init() / xc_hvm_build(): claim, then populate */
    build_pages = (target_kb - video_kb) / 4;
    claim_pages = build_pages;
    if (type == LIBXL_DOMAIN_TYPE_HVM && claim_pages > SHIM_VGA_HOLE_PAGES)
        claim_pages -= SHIM_VGA_HOLE_PAGES;
    if (restoring) {
        /* a stream of more pages than the domain may hold is refused, as
         * libxc refuses pfns beyond the domain's */
        if (saved_pages > (target_kb + SHIM_MAXMEM_CONSTANT) / 4) {
            xensim_shim_log("domain %u: the stream holds %" PRIu64 " pages, more"
                            " than the %" PRIu64 " its maximum allows", domid,
                            saved_pages, (uint64_t)(target_kb + SHIM_MAXMEM_CONSTANT) / 4);
            rc = -EINVAL;
            goto fail;
        }
        /* patch 1: target_memkb / 4 pages, right after libxl__build_pre(),
         * before the stream is read; stock libxl does not claim at all */
        build_pages = saved_pages;
        claim_pages = target_kb / 4;
        claim = claim && SHIM_CLAIM_ON_RESTORE;
    }
    if (claim &&
        (rc = xensim_domain_u64_op(c, XENSIM_OP_CLAIM, domid, claim_pages, NULL)) < 0) {
        xensim_shim_log("domain %u: could not claim %" PRIu64 " pages: %s",
                        domid, claim_pages, strerror(-rc));
        if (restoring && rc == -ENOMEM) {
            xensim_shim_log("domain %u: not enough unclaimed free memory to restore:"
                            " %" PRIu64 " KiB needed", domid, claim_pages * 4);
            error = ERROR_NOMEM;
        }
        goto fail;
    }
    if ((rc = xensim_physinfo_get(c, &pi)) < 0)
        goto fail;
    if ((rc = shim_populate(c, domid, build_pages, pi.populate_rate, &done)) < 0) {
        xensim_shim_log("domain %u: failed to allocate memory: %" PRIu64
                        " of %" PRIu64 " pages populated: %s",
                        domid, done, build_pages, strerror(-rc));
        goto fail;
    }
    if (claim)
        xensim_domain_u64_op(c, XENSIM_OP_CLAIM, domid, 0, NULL);
    if (restoring)
        xensim_shim_log("domain %u: restored %" PRIu64 " pages%s", domid, done,
                        claim ? " under its claim" : "");

    /* the device model populates the guest's video RAM, outside the
     * claim, which libxenguest cancelled at the end of meminit; a restore
     * has it in the stream */
    if (video_kb && !restoring &&
        (rc = shim_populate(c, domid, video_kb / 4, pi.populate_rate, &done)) < 0) {
        xensim_shim_log("domain %u: failed to allocate its video RAM: %s",
                        domid, strerror(-rc));
        goto fail;
    }

    /* libxl__domain_build() returned: devices, the device model and the
     * hotplug scripts take their time, the domain paused and its claim
     * gone (libxenguest cancels it at the end of meminit) */
    if (pi.device_setup_ms)
        usleep((useconds_t)pi.device_setup_ms * 1000);

    /* libxl__build_post() */
    snprintf(path, sizeof(path), "/local/domain/%u/memory/static-max", domid);
    rc = xensim_shim_xs_printf(c, path, "%" PRIu64, max_kb);
    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
    rc |= xensim_shim_xs_printf(c, path, "%" PRIu64, target_kb - video_kb -
                         (type == LIBXL_DOMAIN_TYPE_HVM && max_kb > target_kb ?
                          SHIM_MAXMEM_CONSTANT : 0));
    snprintf(path, sizeof(path), "/local/domain/%u/memory/videoram", domid);
    rc |= xensim_shim_xs_printf(c, path, "%" PRIu64, video_kb);
    snprintf(path, sizeof(path), "/local/domain/%u/domid", domid);
    rc |= xensim_shim_xs_printf(c, path, "%u", domid);
    if (rc) {
        rc = -EIO;
        goto fail;
    }

    /* domcreate_launch_dm() adds the primary console, HVM or not;
     * domcreate_attach_devices() waits for xenconsoled's tty; the console
     * is reported before the creation completes */
    if ((rc = xensim_shim_console_add(c, domid)) < 0 ||
        (rc = xensim_shim_console_wait(c, domid)) < 0)
        goto fail;

    *domid_out = domid;
    xensim_shim_console_available(ctx, domid, aop_console_how);
    return 0;

 fail:
    {
        xensim_dominfo dom;

        if (xensim_dominfo_get(c, domid, &dom) == 0)
            shim_domain_remove_xenstore(c, domid, dom.uuid);
    }
    xensim_domain_u32_op(c, XENSIM_OP_DESTROY, domid, 0);
    xensim_shim_log("%s: domain %u failed to build",
                    restoring ? "libxl_domain_create_restore" : "libxl_domain_create_new",
                    domid);
    return error;
}


int
libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
    xensim_conn *c = xensim_shim_conn();
    xensim_dominfo dom;
    int rc;

    (void)ctx;
    (void)ao_how;
    if (!c)
        return ERROR_FAIL;
    if ((rc = xensim_dominfo_get(c, domid, &dom)) < 0)
        return xensim_shim_error("libxl_domain_destroy", rc);
    shim_domain_remove_xenstore(c, domid, dom.uuid);
    rc = xensim_domain_u32_op(c, XENSIM_OP_DESTROY, domid, 0);
    return xensim_shim_error("libxl_domain_destroy", rc);
}


static int
shim_pause(uint32_t domid, bool paused)
{
    xensim_conn *c = xensim_shim_conn();

    if (!c)
        return ERROR_FAIL;
    return xensim_shim_error(paused ? "libxl_domain_pause" : "libxl_domain_unpause",
                             xensim_domain_u32_op(c, XENSIM_OP_PAUSE, domid, paused));
}


int
libxl_domain_pause(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
    (void)ctx;
    (void)ao_how;
    return shim_pause(domid, true);
}


int
libxl_domain_unpause(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
    (void)ctx;
    (void)ao_how;
    return shim_pause(domid, false);
}


/* libxl__domain_pvcontrol(): the request goes through xenstore and the
 * guest acts on it, or not */
static int
shim_pvcontrol(uint32_t domid, const char *cmd)
{
    xensim_conn *c = xensim_shim_conn();
    char path[64];

    if (!c)
        return ERROR_FAIL;
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
    return xensim_shim_error("pvcontrol", shim_xs_write(c, path, cmd));
}


int
libxl_domain_shutdown(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
    (void)ctx;
    (void)ao_how;
    return shim_pvcontrol(domid, "poweroff");
}


int
libxl_domain_reboot(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
    (void)ctx;
    (void)ao_how;
    return shim_pvcontrol(domid, "reboot");
}
