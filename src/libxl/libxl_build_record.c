/*
 * libxl_build_record.c: a record of each domain build in flight
 *
 * A domain build runs inside libvirtd.  A daemon killed mid-build leaves
 * the half-built domain in the hypervisor, paused, holding the pages it
 * got; while memory is still being populated it also holds the rest of
 * its claim, but libxenguest cancels the claim at the end of meminit,
 * well before devices, the device model and the hotplug scripts are done.
 * Nothing in the hypervisor tells such a domain from another toolstack's
 * build of the same configuration (xl create of what virsh
 * domxml-to-native printed has the same name and UUID).
 *
 * So every build this driver starts is recorded in the driver's state
 * directory before libxl is asked to build it, and the record is removed
 * once the build has returned.  At start-up the driver destroys exactly
 * the domains its records name that libvirt does not know as running, and
 * nothing else.  The state directory does not survive a host reboot, and
 * neither do the domains.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with this library.  If not, see
 * <http://www.gnu.org/licenses/>.
 */

#include <config.h>

#include <unistd.h>

#include "libxl_build_record.h"
#include "virdomainobjlist.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_build_record");

/* A record holds a domain name: far less than this */
#define LIBXL_BUILD_RECORD_MAX 4096


static char *
libxlBuildRecordDir(const char *stateDir)
{
    return g_strdup_printf("%s/building", stateDir);
}


static char *
libxlBuildRecordPath(const char *stateDir,
                     const unsigned char *uuid)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    virUUIDFormat(uuid, uuidstr);
    return g_strdup_printf("%s/building/%s", stateDir, uuidstr);
}


/**
 * libxlBuildRecordBegin:
 * @dom0LoweredKiB: what the start lowered dom0's target by (0: nothing)
 * @dom0TargetKiB: dom0's target before it was lowered
 *
 * Record that the build of domain @name (@uuid) is about to start, or
 * that its start is about to lower dom0's target and wait for it.  The
 * file is written whole or not at all.  Returns -1 with an error reported
 * if it cannot be: a build that could not be reaped must not start, nor
 * dom0 be lowered for a start that could not give it back.
 */
int
libxlBuildRecordBegin(const char *stateDir,
                      const unsigned char *uuid,
                      const char *name,
                      unsigned long long dom0LoweredKiB,
                      unsigned long long dom0TargetKiB)
{
    g_autofree char *dir = libxlBuildRecordDir(stateDir);
    g_autofree char *path = libxlBuildRecordPath(stateDir, uuid);
    g_autofree char *content = NULL;

    if (dom0LoweredKiB)
        content = g_strdup_printf("%s\ndom0 %llu %llu\n", name,
                                  dom0LoweredKiB, dom0TargetKiB);
    else
        content = g_strdup_printf("%s\n", name);

    if (g_mkdir_with_parents(dir, 0700) < 0) {
        virReportSystemError(errno, _("cannot create directory '%s'"), dir);
        return -1;
    }
    if (virFileRewriteStr(path, 0600, content) < 0)
        return -1;
    return 0;
}


void
libxlBuildRecordEnd(const char *stateDir,
                    const unsigned char *uuid)
{
    g_autofree char *path = libxlBuildRecordPath(stateDir, uuid);

    if (unlink(path) < 0 && errno != ENOENT)
        VIR_WARN("cannot remove the record of a finished build '%s': %s",
                 path, g_strerror(errno));
}


/* Give dom0 back what a start that never finished lowered its target by,
 * never above the target it had before: the daemon was killed while the
 * start waited for dom0, or during the build, whose domain is gone now. */
static void
libxlBuildRecordGiveDom0(libxlDriverConfig *cfg,
                         const char *name,
                         unsigned long long loweredKiB,
                         unsigned long long baselineKiB)
{
    uint64_t targetKiB = 0;
    unsigned long long restoreKiB;

    if (libxl_get_memory_target(cfg->ctx, 0, &targetKiB) < 0) {
        VIR_WARN("cannot read dom0's memory target to give back the %llu KiB "
                 "the start of '%s' lowered it by", loweredKiB, name);
        return;
    }
    restoreKiB = targetKiB + loweredKiB;
    if (restoreKiB < targetKiB || restoreKiB > baselineKiB)
        restoreKiB = baselineKiB;
    if (restoreKiB <= targetKiB)
        return;
    VIR_WARN("giving dom0 back %llu KiB of its target: the start of '%s' that "
             "lowered it was interrupted", restoreKiB - targetKiB, name);
    if (libxl_set_memory_target(cfg->ctx, 0, restoreKiB, 0, 0) < 0)
        VIR_WARN("cannot give dom0's memory target back: it stays at %llu KiB",
                 (unsigned long long)targetKiB);
}


/* Destroy what is left of the build a record names.  A domain libvirt
 * knows as running is the build that finished; every other live domain of
 * that UUID is the unfinished one (libxl refuses a second domain of the
 * same name, so no other toolstack's build of it can be there too).
 * Returns whether the build finished. */
static bool
libxlBuildRecordReapOne(libxlDriverPrivate *driver,
                        libxlDriverConfig *cfg,
                        const unsigned char *uuid,
                        const char *name,
                        const libxl_dominfo *doms,
                        int ndoms)
{
    virDomainObj *vm = virDomainObjListFindByUUID(driver->domains, uuid);
    int knownId = -1;
    int i;

    if (vm) {
        if (virDomainObjIsActive(vm))
            knownId = vm->def->id;
        virDomainObjEndAPI(&vm);
    }

    for (i = 0; i < ndoms; i++) {
        if (doms[i].domid == 0 || doms[i].dying ||
            (int)doms[i].domid == knownId ||
            memcmp(doms[i].uuid.uuid, uuid, VIR_UUID_BUFLEN) != 0)
            continue;

        VIR_WARN("destroying domain %u '%s': its build was interrupted "
                 "(%llu KiB populated, %llu KiB still claimed)",
                 doms[i].domid, name,
                 (unsigned long long)doms[i].current_memkb,
                 (unsigned long long)doms[i].outstanding_memkb);
        if (libxl_domain_destroy(cfg->ctx, doms[i].domid, NULL) < 0)
            VIR_WARN("cannot destroy domain %u '%s'", doms[i].domid, name);
    }
    return knownId >= 0;
}


/**
 * libxlBuildRecordReap:
 * @driver: the libxl driver, its running domains reconnected and its
 *          persistent configs loaded
 *
 * Destroy the builds a previous daemon did not finish, and forget their
 * records.
 */
void
libxlBuildRecordReap(libxlDriverPrivate *driver)
{
    g_autoptr(libxlDriverConfig) cfg = libxlDriverConfigGet(driver);
    g_autofree char *dir = libxlBuildRecordDir(cfg->stateDir);
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;
    libxl_dominfo *doms = NULL;
    int ndoms = 0;
    int rc;

    if (virDirOpenIfExists(&dh, dir) <= 0)
        return;

    while ((rc = virDirRead(dh, &ent, dir)) > 0) {
        g_autofree char *path = g_strdup_printf("%s/%s", dir, ent->d_name);
        g_autofree char *content = NULL;
        unsigned char uuid[VIR_UUID_BUFLEN];
        unsigned long long loweredKiB = 0;
        unsigned long long baselineKiB = 0;
        char *nl;

        /* not a record: a write cut short, or nothing of ours */
        if (virUUIDParse(ent->d_name, uuid) < 0 ||
            strlen(ent->d_name) != VIR_UUID_STRING_BUFLEN - 1) {
            VIR_WARN("removing '%s' from the build records", path);
            unlink(path);
            continue;
        }
        if (virFileReadAllQuiet(path, LIBXL_BUILD_RECORD_MAX, &content) < 0 ||
            !(nl = strchr(content, '\n'))) {
            VIR_WARN("unreadable build record '%s' removed", path);
            unlink(path);
            continue;
        }
        *nl = '\0';
        /* what the start lowered dom0's target by, if it did */
        if (STRPREFIX(nl + 1, "dom0 ") &&
            sscanf(nl + 1, "dom0 %llu %llu", &loweredKiB, &baselineKiB) != 2)
            loweredKiB = 0;

        if (!doms && !(doms = libxl_list_domain(cfg->ctx, &ndoms))) {
            VIR_WARN("cannot list the hypervisor's domains: builds left by "
                     "a previous daemon are not reaped");
            return;
        }
        if (!libxlBuildRecordReapOne(driver, cfg, uuid, content, doms, ndoms) &&
            loweredKiB)
            libxlBuildRecordGiveDom0(cfg, content, loweredKiB, baselineKiB);
        unlink(path);
    }

    libxl_dominfo_list_free(doms, ndoms);
}
