/*
 * libxlclaimtest.c: the admission arithmetic of claim-aware starts
 *
 * Each line of the files in tests/libxlclaimdata is one case; each file
 * says its unit.
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

#include "testutils.h"
#include "testdatalines.h"
#include "libxl/libxl_claim.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

#define MIB 1024ULL
#define MAX_FIELDS 16

/* Split "a b c -> d e" into numbers; the word at *verdict (if non-NULL)
 * is the first word after the arrow and is not a number. */
static int
testParseLine(const char *line,
              unsigned long long unit,
              unsigned long long *in, size_t *nin,
              unsigned long long *out, size_t *nout,
              char **verdict)
{
    g_auto(GStrv) words = g_strsplit_set(line, " \t|", -1);
    bool after = false;
    size_t i;

    *nin = *nout = 0;
    for (i = 0; words[i]; i++) {
        unsigned long long v;

        if (!*words[i])
            continue;
        if (STREQ(words[i], "->")) {
            after = true;
            continue;
        }
        if (after && verdict && !*verdict && *nout == 0 &&
            virStrToLong_ull(words[i], NULL, 10, &v) < 0) {
            *verdict = g_strdup(words[i]);
            continue;
        }
        /* a size that does not fit in 64 bits of KiB is a broken case,
         * not one that wraps */
        if (virStrToLong_ull(words[i], NULL, 10, &v) < 0 ||
            v > ULLONG_MAX / unit ||
            (after ? *nout : *nin) >= MAX_FIELDS)
            return -1;
        if (after)
            out[(*nout)++] = v * unit;
        else
            in[(*nin)++] = v * unit;
    }
    return after ? 0 : -1;
}


/* decide.txt:     need free claimed pending dom0 autoballoon
 *                 -> verdict avail gap dom0give
 * dom0target.txt: need free claimed pending dom0 dom0target
 *                 -> verdict gap lower newtarget, with autoballooning on */
static int
testDecideCase(const testDataLine *tc, bool dom0Target)
{
    unsigned long long in[MAX_FIELDS], out[MAX_FIELDS];
    unsigned long long got[3];
    size_t nin, nout;
    g_autofree char *verdict = NULL;
    libxlClaimHost host = { 0 };
    libxlClaimDecision d;

    if (testParseLine(tc->line, MIB, in, &nin, out, &nout, &verdict) < 0 ||
        nin != 6 || nout != 3 || !verdict) {
        VIR_TEST_VERBOSE("\n%s:%zu: malformed case '%s'", tc->file, tc->lineno, tc->line);
        return -1;
    }

    host.freeKiB = in[1];
    host.claimedKiB = in[2];
    host.pendingKiB = in[3];
    host.dom0KiB = in[4];
    host.dom0TargetKiB = dom0Target ? in[5] : 0;
    host.autoballoon = dom0Target || in[5] != 0;
    libxlClaimDecide(&host, in[0], &d);

    if (dom0Target) {
        got[0] = d.gapKiB;
        got[1] = d.lowerKiB;
        got[2] = d.newTargetKiB;
    } else {
        got[0] = d.availKiB;
        got[1] = d.gapKiB;
        got[2] = d.dom0GiveKiB;
    }
    if (STRNEQ(libxlClaimVerdictTypeToString(d.verdict), verdict) ||
        got[0] != out[0] || got[1] != out[1] || got[2] != out[2]) {
        VIR_TEST_VERBOSE("\n%s:%zu: got %s %llu %llu %llu (MiB)", tc->file, tc->lineno,
                         libxlClaimVerdictTypeToString(d.verdict),
                         got[0] / MIB, got[1] / MIB, got[2] / MIB);
        return -1;
    }
    return 0;
}


static int
testDecide(const void *opaque)
{
    return testDecideCase(opaque, false);
}


static int
testDom0Target(const void *opaque)
{
    return testDecideCase(opaque, true);
}


/* guests.txt: need free claimed pending dom0 autoballoon guestsgive
 *             -> verdict gap guests lower newtarget, dom0 at its target */
static int
testGuests(const void *opaque)
{
    const testDataLine *tc = opaque;
    unsigned long long in[MAX_FIELDS], out[MAX_FIELDS];
    size_t nin, nout;
    g_autofree char *verdict = NULL;
    libxlClaimHost host = { 0 };
    libxlClaimDecision d;

    if (testParseLine(tc->line, MIB, in, &nin, out, &nout, &verdict) < 0 ||
        nin != 7 || nout != 4 || !verdict) {
        VIR_TEST_VERBOSE("\n%s:%zu: malformed case '%s'", tc->file, tc->lineno, tc->line);
        return -1;
    }

    host.freeKiB = in[1];
    host.claimedKiB = in[2];
    host.pendingKiB = in[3];
    host.dom0KiB = in[4];
    host.dom0TargetKiB = in[4];
    host.autoballoon = in[5] != 0;
    host.guestsGiveKiB = in[6];
    libxlClaimDecide(&host, in[0], &d);

    if (STRNEQ(libxlClaimVerdictTypeToString(d.verdict), verdict) ||
        d.gapKiB != out[0] || d.guestsKiB != out[1] ||
        d.lowerKiB != out[2] || d.newTargetKiB != out[3]) {
        VIR_TEST_VERBOSE("\n%s:%zu: got %s %llu %llu %llu %llu (MiB)", tc->file,
                         tc->lineno, libxlClaimVerdictTypeToString(d.verdict),
                         d.gapKiB / MIB, d.guestsKiB / MIB, d.lowerKiB / MIB,
                         d.newTargetKiB / MIB);
        return -1;
    }
    return 0;
}


static int
testPending(const void *opaque)
{
    const testDataLine *tc = opaque;
    unsigned long long in[MAX_FIELDS], out[MAX_FIELDS];
    size_t nin, nout;
    unsigned long long got;

    if (testParseLine(tc->line, MIB, in, &nin, out, &nout, NULL) < 0 ||
        nin != 3 || nout != 1) {
        VIR_TEST_VERBOSE("\n%s:%zu: malformed case '%s'", tc->file, tc->lineno, tc->line);
        return -1;
    }
    got = libxlClaimPendingKiB(in[0], in[1], in[2]);
    if (got != out[0]) {
        VIR_TEST_VERBOSE("\n%s:%zu: got %llu MiB", tc->file, tc->lineno, got / MIB);
        return -1;
    }
    return 0;
}


static int
testNetFree(const void *opaque)
{
    const testDataLine *tc = opaque;
    unsigned long long in[MAX_FIELDS], out[MAX_FIELDS];
    size_t nin, nout, i;

    /* in KiB: the rounding of the shares is part of what is checked */
    if (testParseLine(tc->line, 1, in, &nin, out, &nout, NULL) < 0 ||
        nin < 2 || nout != nin - 1) {
        VIR_TEST_VERBOSE("\n%s:%zu: malformed case '%s'", tc->file, tc->lineno, tc->line);
        return -1;
    }
    libxlClaimNetFree(in + 1, nin - 1, in[0]);
    for (i = 0; i < nout; i++) {
        if (in[i + 1] != out[i]) {
            VIR_TEST_VERBOSE("\n%s:%zu: cell %zu has %llu KiB", tc->file,
                             tc->lineno, i, in[i + 1]);
            return -1;
        }
    }
    return 0;
}


static int
mymain(void)
{
    int ret = 0;

    if (testRunDataLines("libxlclaimdata", "decide.txt", testDecide) < 0)
        ret = -1;
    if (testRunDataLines("libxlclaimdata", "dom0target.txt", testDom0Target) < 0)
        ret = -1;
    if (testRunDataLines("libxlclaimdata", "guests.txt", testGuests) < 0)
        ret = -1;
    if (testRunDataLines("libxlclaimdata", "pending.txt", testPending) < 0)
        ret = -1;
    if (testRunDataLines("libxlclaimdata", "netfree.txt", testNetFree) < 0)
        ret = -1;

    return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

VIR_TEST_MAIN(mymain)
