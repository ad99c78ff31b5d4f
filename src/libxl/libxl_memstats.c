/*
 * libxl_memstats.c: guest memory statistics from guest-written xenstore keys
 *
 * Pure parsing and mapping; the driver reads the keys.  Everything here
 * comes from a guest and is hostile input: a record is bounded, parsed
 * strictly (decimal digits only, no overflow, no duplicates) and refused
 * whole when anything in it is wrong, and it is only ever used for that
 * guest's own statistics.
 *
 * Our agent's record, in data/memstats, is one line of space-separated
 * fields, a version first:
 *
 *   1 t=1732500000 total=1015808 free=412020 avail=801340 caches=301244
 *     swapin=0 swapout=0 majflt=1021 minflt=2203301 htlbok=0 htlbfail=0
 *     committed=602112 suggest=703692
 *
 * Sizes are KiB, faults and huge page allocations counts, t the guest's
 * clock in seconds since the epoch.  committed (Committed_AS) and suggest
 * (the guest's own idea of its target) are for the memory policy, not for
 * statistics.  Fields a later agent adds are skipped.
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

#include "libxl_memstats.h"

/* Record field names, indexed by libxlMemstatsField */
static const char *const libxlMemstatsNames[LIBXL_MEMSTATS_LAST] = {
    [LIBXL_MEMSTATS_TOTAL] = "total",
    [LIBXL_MEMSTATS_FREE] = "free",
    [LIBXL_MEMSTATS_AVAILABLE] = "avail",
    [LIBXL_MEMSTATS_CACHES] = "caches",
    [LIBXL_MEMSTATS_SWAP_IN] = "swapin",
    [LIBXL_MEMSTATS_SWAP_OUT] = "swapout",
    [LIBXL_MEMSTATS_MAJOR_FAULT] = "majflt",
    [LIBXL_MEMSTATS_MINOR_FAULT] = "minflt",
    [LIBXL_MEMSTATS_HUGETLB_ALLOC] = "htlbok",
    [LIBXL_MEMSTATS_HUGETLB_FAIL] = "htlbfail",
    [LIBXL_MEMSTATS_GUEST_TIME] = "t",
    [LIBXL_MEMSTATS_COMMITTED] = "committed",
    [LIBXL_MEMSTATS_SUGGEST] = "suggest",
};

/* No record needs more fields than this, even from a later agent */
#define LIBXL_MEMSTATS_FIELDS_MAX 32
#define LIBXL_MEMSTATS_NAME_MAX 16
/* An unsigned long long has at most 20 decimal digits */
#define LIBXL_MEMSTATS_DIGITS_MAX 20


/* Parse exactly @len decimal digits; false on anything else or overflow */
static bool
libxlMemstatsParseNumber(const char *s, size_t len, unsigned long long *value)
{
    unsigned long long v = 0;
    size_t i;

    if (len == 0 || len > LIBXL_MEMSTATS_DIGITS_MAX)
        return false;
    for (i = 0; i < len; i++) {
        unsigned int digit;

        if (s[i] < '0' || s[i] > '9')
            return false;
        digit = s[i] - '0';
        if (v > (ULLONG_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *value = v;
    return true;
}


static bool
libxlMemstatsValidName(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > LIBXL_MEMSTATS_NAME_MAX)
        return false;
    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return false;
    }
    return true;
}


static int
libxlMemstatsFieldByName(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < LIBXL_MEMSTATS_LAST; i++) {
        if (strlen(libxlMemstatsNames[i]) == len &&
            memcmp(libxlMemstatsNames[i], name, len) == 0)
            return i;
    }
    return -1;
}


/* One "name=value" token; -1 with *reason if it is malformed */
static int
libxlMemstatsParseToken(const char *tok,
                        size_t len,
                        libxlMemstatsGuest *guest,
                        const char **reason)
{
    const char *eq = memchr(tok, '=', len);
    unsigned long long value;
    size_t nameLen;
    int field;

    if (!eq) {
        *reason = "a field is not name=value";
        return -1;
    }
    nameLen = eq - tok;
    if (!libxlMemstatsValidName(tok, nameLen)) {
        *reason = "a field name is not 1 to 16 of a-z and _";
        return -1;
    }
    if (!libxlMemstatsParseNumber(eq + 1, len - nameLen - 1, &value)) {
        *reason = "a value is not a decimal number of at most 20 digits";
        return -1;
    }

    if ((field = libxlMemstatsFieldByName(tok, nameLen)) < 0)
        return 0;       /* a later agent's field */
    if (guest->present[field]) {
        *reason = "a field appears twice";
        return -1;
    }
    guest->present[field] = true;
    guest->value[field] = value;
    return 0;
}


/**
 * libxlMemstatsParseRecord:
 * @value: the record as read from data/memstats (not NUL-terminated)
 * @len: its length
 * @guest: filled in; all fields absent on failure
 * @reason: set on failure to what was wrong, for a debug log
 *
 * Returns 0 if the record is well formed, -1 otherwise.
 */
int
libxlMemstatsParseRecord(const char *value,
                         size_t len,
                         libxlMemstatsGuest *guest,
                         const char **reason)
{
    libxlMemstatsGuest parsed = { 0 };
    size_t pos = 0;
    size_t ntokens = 0;

    memset(guest, 0, sizeof(*guest));

    if (len > LIBXL_MEMSTATS_RECORD_MAX) {
        *reason = "the record is longer than 1024 bytes";
        return -1;
    }
    if (len < 1 || value[0] != '1' || (len > 1 && value[1] != ' ')) {
        *reason = "the record does not start with version 1";
        return -1;
    }
    if (len == 2) {
        *reason = "the record ends with a space";
        return -1;
    }
    pos = 2;

    while (pos < len) {
        const char *tok = value + pos;
        const char *space = memchr(tok, ' ', len - pos);
        size_t tokLen = space ? (size_t)(space - tok) : len - pos;

        if (tokLen == 0) {
            *reason = "fields are not separated by single spaces";
            return -1;
        }
        if (++ntokens > LIBXL_MEMSTATS_FIELDS_MAX) {
            *reason = "the record has more than 32 fields";
            return -1;
        }
        if (libxlMemstatsParseToken(tok, tokLen, &parsed, reason) < 0)
            return -1;

        pos += tokLen;
        if (space) {
            pos++;
            if (pos == len) {
                *reason = "the record ends with a space";
                return -1;
            }
        }
    }

    *guest = parsed;
    return 0;
}


/**
 * libxlMemstatsParseOldAgent:
 * @totalStr: data/meminfo_total, NUL-terminated, or NULL if absent
 * @freeStr: data/meminfo_free, likewise
 * @guest: filled in
 * @reason: set on failure
 *
 * The existing agents write MemTotal and MemAvailable (as "free") in KiB;
 * both must be there and be decimal numbers.  Their data/updated is not a
 * time (agents write "1", a counter or milliseconds), so it is not read.
 */
int
libxlMemstatsParseOldAgent(const char *totalStr,
                           const char *freeStr,
                           libxlMemstatsGuest *guest,
                           const char **reason)
{
    unsigned long long totalKiB, freeKiB;

    memset(guest, 0, sizeof(*guest));

    if (!totalStr || !freeStr) {
        *reason = "meminfo_total or meminfo_free is missing";
        return -1;
    }
    if (!libxlMemstatsParseNumber(totalStr, strlen(totalStr), &totalKiB) ||
        !libxlMemstatsParseNumber(freeStr, strlen(freeStr), &freeKiB)) {
        *reason = "meminfo_total or meminfo_free is not a decimal number";
        return -1;
    }

    guest->present[LIBXL_MEMSTATS_TOTAL] = true;
    guest->value[LIBXL_MEMSTATS_TOTAL] = totalKiB;
    /* what those agents call free is MemAvailable: it is both what the
     * guest could use and, for consumers computing available - unused,
     * what is not in use */
    guest->present[LIBXL_MEMSTATS_FREE] = true;
    guest->value[LIBXL_MEMSTATS_FREE] = freeKiB;
    guest->present[LIBXL_MEMSTATS_AVAILABLE] = true;
    guest->value[LIBXL_MEMSTATS_AVAILABLE] = freeKiB;
    return 0;
}


/* What bounds a guest's memory figures: its total, or without one the
 * domain's maximum memory (@limitKiB, 0 if unknown: then nothing).  No
 * Linux guest's MemTotal exceeds its domain's maximum, so a guest whose
 * total does is lying: false, and none of its figures are believed. */
static bool
libxlMemstatsGuestBound(const libxlMemstatsGuest *guest,
                        unsigned long long limitKiB,
                        unsigned long long *bound)
{
    unsigned long long limit = limitKiB ? limitKiB : ULLONG_MAX;

    if (guest->present[LIBXL_MEMSTATS_TOTAL]) {
        if (guest->value[LIBXL_MEMSTATS_TOTAL] > limit)
            return false;
        limit = guest->value[LIBXL_MEMSTATS_TOTAL];
    }
    *bound = limit;
    return true;
}


static unsigned int
libxlMemstatsAdd(virDomainMemoryStatPtr stats,
                 unsigned int n,
                 unsigned int nr_stats,
                 int tag,
                 unsigned long long value)
{
    if (n >= nr_stats)
        return n;
    stats[n].tag = tag;
    stats[n].val = value;
    return n + 1;
}


/**
 * libxlMemstatsToTags:
 * @hv: what the hypervisor says (always there)
 * @guest: what the guest says (fields may be absent), or NULL
 * @stats: filled with up to @nr_stats entries, in tag order
 *
 * Hypervisor figures come from the hypervisor: ACTUAL_BALLOON is the
 * domain's allocation, RSS what the host really backs (allocation minus
 * paged out).  Guest figures come from the guest, with what it cannot use
 * bounded by what it has, so that available - unused stays a meaningful
 * "used" for consumers; LAST_UPDATE is when dom0 read them.  No Linux
 * guest's MemTotal exceeds its domain's maximum, so a record that says so
 * is a lie and is refused whole (the hypervisor's figures only); without
 * a total, the maximum bounds the guest's figures.  committed and suggest
 * map to no tag (libxlMemstatsSuggestKiB() bounds suggest the same way).
 * Returns the number of entries filled.
 */
int
libxlMemstatsToTags(const libxlMemstatsHypervisor *hv,
                    const libxlMemstatsGuest *guest,
                    virDomainMemoryStatPtr stats,
                    unsigned int nr_stats)
{
    static const struct {
        libxlMemstatsField field;
        int tag;
    } counters[] = {
        { LIBXL_MEMSTATS_SWAP_IN, VIR_DOMAIN_MEMORY_STAT_SWAP_IN },
        { LIBXL_MEMSTATS_SWAP_OUT, VIR_DOMAIN_MEMORY_STAT_SWAP_OUT },
        { LIBXL_MEMSTATS_MAJOR_FAULT, VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT },
        { LIBXL_MEMSTATS_MINOR_FAULT, VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT },
    };
    unsigned long long paged = hv->pagedKiB < hv->currentKiB ? hv->pagedKiB : hv->currentKiB;
    unsigned long long limit = ULLONG_MAX;
    bool haveTotal;
    unsigned long long total;
    unsigned int n = 0;
    size_t i;

    if (guest && !libxlMemstatsGuestBound(guest, hv->limitKiB, &limit))
        guest = NULL;
    haveTotal = guest && guest->present[LIBXL_MEMSTATS_TOTAL];
    total = haveTotal ? guest->value[LIBXL_MEMSTATS_TOTAL] : 0;

#define GUEST_HAS(f) (guest && guest->present[f])
#define BOUNDED(f) (guest->value[f] > limit ? limit : guest->value[f])

    for (i = 0; i < G_N_ELEMENTS(counters); i++) {
        if (GUEST_HAS(counters[i].field))
            n = libxlMemstatsAdd(stats, n, nr_stats, counters[i].tag,
                                 guest->value[counters[i].field]);
    }
    if (GUEST_HAS(LIBXL_MEMSTATS_FREE))
        n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_UNUSED,
                             BOUNDED(LIBXL_MEMSTATS_FREE));
    if (haveTotal)
        n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_AVAILABLE, total);
    else if (hv->maxKiB)
        n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_AVAILABLE,
                             hv->maxKiB);
    n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON,
                         hv->currentKiB);
    n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_RSS,
                         hv->currentKiB - paged);
    if (GUEST_HAS(LIBXL_MEMSTATS_AVAILABLE))
        n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_USABLE,
                             BOUNDED(LIBXL_MEMSTATS_AVAILABLE));
    if (guest && guest->seen)
        n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE,
                             guest->seen);
    if (GUEST_HAS(LIBXL_MEMSTATS_CACHES))
        n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_DISK_CACHES,
                             BOUNDED(LIBXL_MEMSTATS_CACHES));
    if (GUEST_HAS(LIBXL_MEMSTATS_HUGETLB_ALLOC))
        n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC,
                             guest->value[LIBXL_MEMSTATS_HUGETLB_ALLOC]);
    if (GUEST_HAS(LIBXL_MEMSTATS_HUGETLB_FAIL))
        n = libxlMemstatsAdd(stats, n, nr_stats, VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL,
                             guest->value[LIBXL_MEMSTATS_HUGETLB_FAIL]);

#undef GUEST_HAS
#undef BOUNDED
    return n;
}


/**
 * libxlMemstatsSuggestKiB:
 * @guest: what the guest says, or NULL
 * @limitKiB: the domain's maximum memory, KiB, 0 if unknown
 * @kib: set to the guest's suggested target, KiB
 *
 * The memory target a guest suggests for itself (our agent's suggest: its
 * Committed_AS plus a reserve, see xenmemstatd(8)), bounded as
 * libxlMemstatsToTags() bounds the guest's figures: by the guest's total,
 * or without a total by @limitKiB when that is known.  A guest whose total
 * exceeds @limitKiB is not believed at all, this figure included.  It is
 * only ever the guest's opinion: a policy may heed it, never trust it to
 * size anything but that guest.
 *
 * Returns true with *kib set, or false (*kib untouched) if the guest
 * suggests nothing or is not believed.
 */
bool
libxlMemstatsSuggestKiB(const libxlMemstatsGuest *guest,
                        unsigned long long limitKiB,
                        unsigned long long *kib)
{
    unsigned long long bound;

    if (!guest || !guest->present[LIBXL_MEMSTATS_SUGGEST] ||
        !libxlMemstatsGuestBound(guest, limitKiB, &bound))
        return false;
    *kib = MIN(guest->value[LIBXL_MEMSTATS_SUGGEST], bound);
    return true;
}
