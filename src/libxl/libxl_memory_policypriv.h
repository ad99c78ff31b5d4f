/*
 * libxl_memory_policypriv.h: saturating arithmetic of the memory
 * policy's decisions
 *
 * Every size is in KiB and every sum saturates, because some of the
 * figures come from guests, which may say anything up to ULLONG_MAX.
 * Shared by the balloon actor's decision (libxl_memory_policy.c) and the
 * auto actor's (libxl_memory_policy_auto.c); not for use elsewhere.
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

#ifndef LIBVIRT_LIBXL_MEMORY_POLICYPRIV_H_ALLOW
# error "libxl_memory_policypriv.h is for the memory policy's decisions alone"
#endif /* LIBVIRT_LIBXL_MEMORY_POLICYPRIV_H_ALLOW */

#pragma once

#include "internal.h"

static inline unsigned long long
libxlMemoryPolicySub(unsigned long long a, unsigned long long b)
{
    return a > b ? a - b : 0;
}


static inline unsigned long long
libxlMemoryPolicyAdd(unsigned long long a, unsigned long long b)
{
    return a > ULLONG_MAX - b ? ULLONG_MAX : a + b;
}


/* @sum += @v, remembering in @over that the true sum no longer fits:
 * a saturated sum is smaller than the true one, and a share computed
 * over it would be too large */
static inline void
libxlMemoryPolicyAccumulate(unsigned long long *sum,
                            bool *over,
                            unsigned long long v)
{
    if (*sum > ULLONG_MAX - v) {
        *sum = ULLONG_MAX;
        *over = true;
    } else {
        *sum += v;
    }
}


static inline unsigned long long
libxlMemoryPolicyMul(unsigned long long a, unsigned long long b)
{
    if (a != 0 && b > ULLONG_MAX / a)
        return ULLONG_MAX;
    return a * b;
}


static inline unsigned long long
libxlMemoryPolicyMin(unsigned long long a, unsigned long long b)
{
    return a < b ? a : b;
}


static inline unsigned long long
libxlMemoryPolicyMax(unsigned long long a, unsigned long long b)
{
    return a > b ? a : b;
}


static inline unsigned long long
libxlMemoryPolicyClamp(unsigned long long v,
                       unsigned long long lo,
                       unsigned long long hi)
{
    return libxlMemoryPolicyMin(libxlMemoryPolicyMax(v, lo), hi);
}


/* floor(a * b / c) for c > 0, ULLONG_MAX when it does not fit.  The
 * shares below multiply two sizes, which overflows 64 bits long before
 * either size is absurd, so the product is kept in 128 bits. */
static inline unsigned long long
libxlMemoryPolicyMulDiv(unsigned long long a,
                        unsigned long long b,
                        unsigned long long c)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 q = ((unsigned __int128) a * b) / c;

    return q > ULLONG_MAX ? ULLONG_MAX : (unsigned long long) q;
#else
    /* the product as hi:lo from 32-bit halves, then a long division one
     * bit at a time: slower, but only for hosts without 128-bit types */
    unsigned long long aLo = a & 0xffffffffULL, aHi = a >> 32;
    unsigned long long bLo = b & 0xffffffffULL, bHi = b >> 32;
    unsigned long long ll = aLo * bLo;
    unsigned long long lh = aLo * bHi;
    unsigned long long hl = aHi * bLo;
    unsigned long long mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
    unsigned long long lo = (ll & 0xffffffffULL) | (mid << 32);
    unsigned long long hi = aHi * bHi + (lh >> 32) + (hl >> 32) + (mid >> 32);
    unsigned long long q = 0;
    size_t bit;

    if (hi >= c)
        return ULLONG_MAX;
    for (bit = 64; bit-- > 0;) {
        bool carry = hi >> 63;

        hi = (hi << 1) | ((lo >> bit) & 1);
        q <<= 1;
        if (carry || hi >= c) {
            hi -= c;
            q |= 1;
        }
    }
    return q;
#endif
}
