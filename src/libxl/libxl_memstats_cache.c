/*
 * libxl_memstats_cache.c: guests' memory statistics kept fresh by a
 * xenstore watch
 *
 * Reading three keys per domain on every request costs about 65 us each
 * on a real host, 200 ms for 1000 domains: bulk statistics are served from
 * this cache instead.  One watch on /local/domain tells the daemon which
 * domain wrote; the keys are re-read at most once per flush interval per
 * domain, so a guest writing in a loop costs the daemon one cheap event
 * each time and at most ten reads a second, and cannot delay the others.
 * The reads are a thread's of their own, on a xenstore connection of its
 * own: a host of 1000 guests reporting every second is 1000 reads a
 * second, which on the event loop would hold up every client's calls
 * and keepalives behind xenstored.
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

#include <xenstore.h>

#include "libxl_memstats_cache.h"
#include "libxl_fork_guard.h"
#include "viralloc.h"
#include "virerror.h"
#include "virevent.h"
#include "virlog.h"
#include "virthread.h"
#include "virtime.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_memstats_cache");

#define LIBXL_MEMSTATS_CACHE_ROOT "/local/domain"
#define LIBXL_MEMSTATS_CACHE_TOKEN "libvirt-memstats"
/* How long written keys wait before they are read: the bound on each
 * guest's read rate, and on how stale a cached figure can be */
#define LIBXL_MEMSTATS_CACHE_FLUSH_MS 100
/* Watch events handled per wake-up, so a flood cannot hog the event loop */
#define LIBXL_MEMSTATS_CACHE_EVENTS_MAX 256
/* Domain IDs guests can have (DOMID_FIRST_RESERVED) */
#define LIBXL_MEMSTATS_CACHE_DOMID_MAX 0x7FF0

typedef struct _libxlMemstatsCacheEntry libxlMemstatsCacheEntry;
struct _libxlMemstatsCacheEntry {
    bool dirty;                 /* written since last read */
    bool have;                  /* guest holds well-formed statistics */
    libxlMemstatsGuest guest;
};

struct _libxlMemstatsCache {
    struct xs_handle *xsh;      /* the watch, the period writes */
    struct xs_handle *readXsh;  /* the reader thread's reads */
    int watch;                  /* event loop handle of the watch fd */
    virThread reader;
    bool haveReader;

    virMutex lock;              /* protects everything below */
    virCond cond;               /* a flush armed, or quit */
    GHashTable *entries;        /* domid -> libxlMemstatsCacheEntry */
    bool rescan;                /* read every domain (after the watch fired
                                 * on the root: start-up) */
    bool flushArmed;
    unsigned long long flushAt; /* when the armed flush reads, ms */
    bool quit;
};


/* "/local/domain/<domid>[/rest]": the domain ID and what follows it */
static bool
libxlMemstatsCacheSplitPath(const char *path, int *domid, const char **rest)
{
    const char *p = path + strlen(LIBXL_MEMSTATS_CACHE_ROOT);
    unsigned int id = 0;
    size_t digits = 0;

    if (!STRPREFIX(path, LIBXL_MEMSTATS_CACHE_ROOT "/"))
        return false;
    p++;
    while (*p >= '0' && *p <= '9' && digits < 6) {
        id = id * 10 + (*p++ - '0');
        digits++;
    }
    if (digits == 0 || (*p && *p != '/') || id >= LIBXL_MEMSTATS_CACHE_DOMID_MAX)
        return false;
    *domid = id;
    *rest = p;
    return true;
}


/* Does a write to @rest (relative to the domain's home) change what the
 * cache holds?  The home itself goes when the domain dies. */
static bool
libxlMemstatsCacheRelevant(const char *rest)
{
    return STREQ(rest, "") ||
           STREQ(rest, "/data") ||
           STREQ(rest, "/" LIBXL_MEMSTATS_KEY) ||
           STREQ(rest, "/" LIBXL_MEMSTATS_OLD_TOTAL_KEY) ||
           STREQ(rest, "/" LIBXL_MEMSTATS_OLD_FREE_KEY);
}


/* Called with the lock held */
static void
libxlMemstatsCacheMarkDirty(libxlMemstatsCache *cache, int domid)
{
    libxlMemstatsCacheEntry *entry;

    if (!(entry = g_hash_table_lookup(cache->entries, GINT_TO_POINTER(domid)))) {
        entry = g_new0(libxlMemstatsCacheEntry, 1);
        g_hash_table_insert(cache->entries, GINT_TO_POINTER(domid), entry);
    }
    entry->dirty = true;
}


/* Called with the lock held: the reader reads what is dirty then */
static void
libxlMemstatsCacheArmFlush(libxlMemstatsCache *cache)
{
    unsigned long long now = 0;

    if (cache->flushArmed)
        return;
    ignore_value(virTimeMillisNow(&now));
    cache->flushArmed = true;
    cache->flushAt = now + LIBXL_MEMSTATS_CACHE_FLUSH_MS;
    virCondSignal(&cache->cond);
}


static void
libxlMemstatsCacheOnWatch(int watch,
                          int fd G_GNUC_UNUSED,
                          int events,
                          void *opaque)
{
    libxlMemstatsCache *cache = opaque;
    size_t i;

    /* a connection xenstored closed would wake the loop forever */
    if (events & (VIR_EVENT_HANDLE_ERROR | VIR_EVENT_HANDLE_HANGUP)) {
        VIR_WARN("lost the xenstore watch on guests' memory statistics");
        virEventRemoveHandle(watch);
        cache->watch = -1;
        return;
    }

    for (i = 0; i < LIBXL_MEMSTATS_CACHE_EVENTS_MAX; i++) {
        g_autofree char **vec = xs_check_watch(cache->xsh);
        const char *rest;
        int domid;

        if (!vec)
            break;

        VIR_WITH_MUTEX_LOCK_GUARD(&cache->lock) {
            if (STREQ(vec[XS_WATCH_PATH], LIBXL_MEMSTATS_CACHE_ROOT)) {
                cache->rescan = true;
                libxlMemstatsCacheArmFlush(cache);
            } else if (libxlMemstatsCacheSplitPath(vec[XS_WATCH_PATH], &domid, &rest) &&
                       libxlMemstatsCacheRelevant(rest)) {
                libxlMemstatsCacheMarkDirty(cache, domid);
                libxlMemstatsCacheArmFlush(cache);
            }
        }
    }
}


/* A key's value when it is there and holds no NUL: what a guest wrote
 * with an embedded NUL is refused rather than cut short */
static char *
libxlMemstatsCacheRead(libxlMemstatsCache *cache,
                       int domid,
                       const char *key,
                       unsigned int *len)
{
    g_autofree char *path = g_strdup_printf(LIBXL_MEMSTATS_CACHE_ROOT "/%d/%s",
                                            domid, key);
    unsigned int n = 0;
    char *value = xs_read(cache->readXsh, XBT_NULL, path, &n);

    if (value && memchr(value, '\0', n)) {
        VIR_DEBUG("domain %d: %s holds a NUL byte", domid, key);
        VIR_FREE(value);
        n = 0;
    }
    if (len)
        *len = n;
    return value;
}


/* What domain @domid says now: 1 with @guest filled, 0 when it says
 * nothing, -1 when what it wrote is malformed */
static int
libxlMemstatsCacheReadGuest(libxlMemstatsCache *cache,
                            int domid,
                            libxlMemstatsGuest *guest)
{
    g_autofree char *record = NULL;
    g_autofree char *total = NULL;
    g_autofree char *freeStr = NULL;
    const char *reason = NULL;
    unsigned int len;

    if ((record = libxlMemstatsCacheRead(cache, domid, LIBXL_MEMSTATS_KEY, &len))) {
        if (libxlMemstatsParseRecord(record, len, guest, &reason) < 0) {
            VIR_DEBUG("domain %d: ignoring %s: %s", domid, LIBXL_MEMSTATS_KEY, reason);
            return -1;
        }
        return 1;
    }

    total = libxlMemstatsCacheRead(cache, domid, LIBXL_MEMSTATS_OLD_TOTAL_KEY, NULL);
    freeStr = libxlMemstatsCacheRead(cache, domid, LIBXL_MEMSTATS_OLD_FREE_KEY, NULL);
    if (!total && !freeStr)
        return 0;
    if (libxlMemstatsParseOldAgent(total, freeStr, guest, &reason) < 0) {
        VIR_DEBUG("domain %d: ignoring the old agents' keys: %s", domid, reason);
        return -1;
    }
    return 1;
}


static void
libxlMemstatsCacheRescan(libxlMemstatsCache *cache)
{
    g_autofree char **homes = NULL;
    unsigned int n = 0;
    size_t i;

    if (!(homes = xs_directory(cache->readXsh, XBT_NULL, LIBXL_MEMSTATS_CACHE_ROOT, &n))) {
        /* none yet is not an error; anything else is tried again at the
         * next flush rather than lost */
        if (errno != ENOENT) {
            VIR_WARN("cannot list the domains' xenstore homes: %s", g_strerror(errno));
            VIR_WITH_MUTEX_LOCK_GUARD(&cache->lock) {
                cache->rescan = true;
            }
        }
        return;
    }

    VIR_WITH_MUTEX_LOCK_GUARD(&cache->lock) {
        for (i = 0; i < n; i++) {
            g_autofree char *path = g_strdup_printf(LIBXL_MEMSTATS_CACHE_ROOT "/%s",
                                                    homes[i]);
            const char *rest;
            int domid;

            if (libxlMemstatsCacheSplitPath(path, &domid, &rest) && !*rest)
                libxlMemstatsCacheMarkDirty(cache, domid);
        }
    }
}


/* The reader thread's: reads what was written since the last flush */
static void
libxlMemstatsCacheFlush(libxlMemstatsCache *cache)
{
    g_autofree int *dirty = NULL;
    size_t ndirty = 0;
    bool rescan = false;
    size_t i;

    VIR_WITH_MUTEX_LOCK_GUARD(&cache->lock) {
        cache->flushArmed = false;
        rescan = cache->rescan;
        cache->rescan = false;
    }

    if (rescan)
        libxlMemstatsCacheRescan(cache);

    VIR_WITH_MUTEX_LOCK_GUARD(&cache->lock) {
        GHashTableIter iter;
        gpointer key, value;

        dirty = g_new0(int, g_hash_table_size(cache->entries));
        g_hash_table_iter_init(&iter, cache->entries);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            libxlMemstatsCacheEntry *entry = value;

            if (entry->dirty) {
                entry->dirty = false;
                dirty[ndirty++] = GPOINTER_TO_INT(key);
            }
        }
    }

    /* xenstore is read without the lock, so that lookups never wait on it */
    for (i = 0; i < ndirty; i++) {
        libxlMemstatsGuest guest;
        int rc = libxlMemstatsCacheReadGuest(cache, dirty[i], &guest);
        unsigned long long now = 0;
        bool quit = false;

        if (rc > 0 && virTimeMillisNow(&now) == 0)
            guest.seen = now / 1000;

        VIR_WITH_MUTEX_LOCK_GUARD(&cache->lock) {
            libxlMemstatsCacheEntry *entry = g_hash_table_lookup(cache->entries,
                                                                 GINT_TO_POINTER(dirty[i]));

            /* an entry the watch marked again while it was read keeps
             * its mark for the next flush: the guest wrote meanwhile */
            if (rc == 0 && entry && !entry->dirty) {
                g_hash_table_remove(cache->entries, GINT_TO_POINTER(dirty[i]));
            } else if (entry) {
                entry->have = rc > 0;
                if (rc > 0)
                    entry->guest = guest;
            }
            quit = cache->quit;
        }
        if (quit)
            break;
    }
}


/* Waits for an armed flush to be due, then flushes, until told to quit */
static void
libxlMemstatsCacheReader(void *opaque)
{
    libxlMemstatsCache *cache = opaque;

    virMutexLock(&cache->lock);
    while (!cache->quit) {
        unsigned long long now = 0;

        if (!cache->flushArmed) {
            if (virCondWait(&cache->cond, &cache->lock) < 0) {
                VIR_WARN("the reader of guests' memory statistics stopped: %s",
                         g_strerror(errno));
                break;
            }
            continue;
        }
        /* a due time further off than a flush period is one the wall
         * clock stepped back from: due now */
        if (virTimeMillisNow(&now) == 0 && now < cache->flushAt &&
            cache->flushAt <= now + LIBXL_MEMSTATS_CACHE_FLUSH_MS) {
            /* woken early (quit, or nothing): wait on for the flush */
            if (virCondWaitUntil(&cache->cond, &cache->lock, cache->flushAt) < 0 &&
                errno != ETIMEDOUT) {
                VIR_WARN("the reader of guests' memory statistics stopped: %s",
                         g_strerror(errno));
                break;
            }
            continue;
        }
        virMutexUnlock(&cache->lock);
        libxlMemstatsCacheFlush(cache);
        virMutexLock(&cache->lock);
    }
    virMutexUnlock(&cache->lock);
}


/**
 * libxlMemstatsCacheNew:
 *
 * Opens a xenstore connection and watches every domain's keys.  Returns
 * NULL, with a warning logged, where xenstore cannot be reached: the
 * driver then reports the hypervisor's figures alone.
 */
libxlMemstatsCache *
libxlMemstatsCacheNew(void)
{
    g_autoptr(libxlMemstatsCache) cache = g_new0(libxlMemstatsCache, 1);
    int fd;
    int err;

    cache->watch = -1;
    if (virMutexInit(&cache->lock) < 0)
        return NULL;
    if (virCondInit(&cache->cond) < 0) {
        virMutexDestroy(&cache->lock);
        return NULL;
    }
    cache->entries = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                           NULL, g_free);

    /* opened out of libxl's forks (libxl_fork_guard.c) */
    libxlForkGuardEnter();
    if ((cache->xsh = xs_open(0)))
        cache->readXsh = xs_open(0);
    err = errno;
    libxlForkGuardLeave();
    errno = err;
    if (!cache->xsh || !cache->readXsh ||
        (fd = xs_fileno(cache->xsh)) < 0 ||
        !xs_watch(cache->xsh, LIBXL_MEMSTATS_CACHE_ROOT, LIBXL_MEMSTATS_CACHE_TOKEN)) {
        VIR_WARN("cannot watch xenstore for guests' memory statistics: %s",
                 g_strerror(errno));
        return NULL;
    }

    if (virThreadCreateFull(&cache->reader, true, libxlMemstatsCacheReader,
                            "libxl-memstats", false, cache) < 0) {
        VIR_WARN("cannot start the reader of guests' memory statistics: %s",
                 virGetLastErrorMessage());
        virResetLastError();
        return NULL;
    }
    cache->haveReader = true;

    if ((cache->watch = virEventAddHandle(fd, VIR_EVENT_HANDLE_READABLE,
                                          libxlMemstatsCacheOnWatch,
                                          cache, NULL)) < 0) {
        VIR_WARN("cannot watch xenstore for guests' memory statistics");
        return NULL;
    }

    return g_steal_pointer(&cache);
}


void
libxlMemstatsCacheFree(libxlMemstatsCache *cache)
{
    if (!cache)
        return;
    if (cache->watch >= 0)
        virEventRemoveHandle(cache->watch);
    if (cache->haveReader) {
        VIR_WITH_MUTEX_LOCK_GUARD(&cache->lock) {
            cache->quit = true;
            virCondSignal(&cache->cond);
        }
        virThreadJoin(&cache->reader);
    }
    libxlForkGuardEnter();
    if (cache->readXsh)
        xs_close(cache->readXsh);
    if (cache->xsh)
        xs_close(cache->xsh);
    libxlForkGuardLeave();
    if (cache->entries) {
        g_hash_table_destroy(cache->entries);
        virCondDestroy(&cache->cond);
        virMutexDestroy(&cache->lock);
    }
    g_free(cache);
}


/**
 * libxlMemstatsCacheLookup:
 * @cache: the cache, or NULL when there is none
 * @domid: the running domain
 * @guest: filled with what the guest last said
 *
 * Returns true if the guest holds well-formed statistics.
 */
bool
libxlMemstatsCacheLookup(libxlMemstatsCache *cache,
                         int domid,
                         libxlMemstatsGuest *guest)
{
    libxlMemstatsCacheEntry *entry;
    VIR_LOCK_GUARD lock = { 0 };

    if (!cache)
        return false;
    lock = virLockGuardLock(&cache->lock);
    entry = g_hash_table_lookup(cache->entries, GINT_TO_POINTER(domid));
    if (!entry || !entry->have)
        return false;
    *guest = entry->guest;
    return true;
}


/**
 * libxlMemstatsCacheSetPeriod:
 * @cache: the cache, or NULL when there is none
 * @domid: the running domain
 * @period: seconds between the agent's writes, 0 to stop them
 *
 * Tells the guest's agent the period.  Returns 0, or -1 with an error
 * reported.
 */
int
libxlMemstatsCacheSetPeriod(libxlMemstatsCache *cache,
                            int domid,
                            int period)
{
    g_autofree char *path = g_strdup_printf(LIBXL_MEMSTATS_CACHE_ROOT "/%d/%s",
                                            domid, LIBXL_MEMSTATS_PERIOD_KEY);
    g_autofree char *value = g_strdup_printf("%d", period);

    if (!cache) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                       _("xenstore is not available to set the statistics period"));
        return -1;
    }
    if (!xs_write(cache->xsh, XBT_NULL, path, value, strlen(value))) {
        virReportSystemError(errno, _("cannot write '%s' in xenstore"), path);
        return -1;
    }
    return 0;
}
