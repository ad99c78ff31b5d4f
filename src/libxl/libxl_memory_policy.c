/*
 * libxl_memory_policy.c: the balloon actor's decision
 *
 * Pure: everything comes in through the arguments and goes out through
 * them; no clock, no I/O, no allocation.  The auto actor's decision is
 * in libxl_memory_policy_auto.c.
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

#include "libxl_memory_policy.h"
#define LIBVIRT_LIBXL_MEMORY_POLICYPRIV_H_ALLOW
#include "libxl_memory_policypriv.h"


/**
 * libxlMemoryPolicyBalloonDecide:
 * @in: the domain's balloon as it is now
 * @nowMs: the time of the decision
 * @step: filled in: whether to write a paging target, and when to look
 *        again
 *
 * The driver writes a new memory target as the balloon target at once;
 * this decides what follows.  The balloon is the guest's own way to give
 * memory back and costs it least, so it gets @in->delay seconds; only
 * then does the pager, which the guest cannot see and pays for in page
 * faults, take what the balloon has not given.
 */
void
libxlMemoryPolicyBalloonDecide(const libxlMemoryPolicyBalloon *in,
                               unsigned long long nowMs,
                               libxlMemoryPolicyBalloonStep *step)
{
    unsigned long long due;
    bool above = in->currentKiB > libxlMemoryPolicyAdd(in->targetKiB,
                                                       LIBXL_MEMORY_POLICY_TOLERANCE_KIB);
    bool below = libxlMemoryPolicyAdd(in->currentKiB,
                                      LIBXL_MEMORY_POLICY_TOLERANCE_KIB) < in->targetKiB;

    step->setPaging = false;
    step->pagingKiB = in->pagingKiB;
    step->dueMs = 0;

    /* without a pager the balloon target is all there is */
    if (!in->paging)
        return;

    /* A paging target below the memory target holds the domain below
     * it: the target was raised since, and the pager must page back in
     * at once, or the raise is never seen.  Waiting would only delay
     * the guest's memory.  A balloon that has reached its target within
     * the tolerance is left as it is: the difference is the rounding of
     * balloon drivers, not memory the guest lacks. */
    if (in->pagingKiB != 0 && in->pagingKiB < in->targetKiB) {
        if (above || below) {
            step->setPaging = true;
            step->pagingKiB = in->targetKiB;
        }
        return;
    }

    /* at the target, or growing toward it: nothing for the pager; a
     * paging target in force is left, since clearing it would let the
     * pager page everything back in, above the target */
    if (!above)
        return;

    /* above the target with the pager already holding it there: the
     * pager is at work, nothing more is due */
    if (in->pagingKiB != 0 && in->pagingKiB <= in->targetKiB)
        return;

    due = libxlMemoryPolicyAdd(in->setMs,
                               libxlMemoryPolicyMul(in->delay, 1000ULL));
    if (nowMs < due) {
        step->dueMs = due;
        return;
    }

    /* the balloon had its time: the pager takes the rest */
    step->setPaging = true;
    step->pagingKiB = in->targetKiB;
}
