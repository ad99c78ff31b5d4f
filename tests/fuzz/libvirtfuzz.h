/*
 * libvirtfuzz.h: what a libFuzzer target that calls into libvirt needs
 *
 * Include it once, in the target's file: it defines the target's
 * LLVMFuzzerInitialize and LLVMFuzzerTestOneInput, which runs the
 * target's fuzzOne() on each input and then clears the error it left.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <stdint.h>
#include <stdlib.h>

#include "virerror.h"
#include "virlog.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the target's own: one input */
static void fuzzOne(const uint8_t *data, size_t size);


static void
fuzzSilence(void *opaque G_GNUC_UNUSED,
            virErrorPtr err G_GNUC_UNUSED)
{
}


/* libvirt's error slots exist only after its global initialization.  The
 * first error a thread reports allocates its slot for good: report one
 * before fuzzing, so that libFuzzer's leak check (which runs when an
 * input leaves more allocations than it found) sees only what an input
 * really leaks. */
int
LLVMFuzzerInitialize(int *argc G_GNUC_UNUSED,
                     char ***argv G_GNUC_UNUSED)
{
    if (virInitialize() < 0)
        abort();
    virSetErrorFunc(NULL, fuzzSilence);
    /* the warnings refused input is meant to give, not written out for
     * every input: on stderr they cost more than the parse */
    virLogSetDefaultPriority(VIR_LOG_ERROR);
    virReportErrorHelper(VIR_FROM_NONE, VIR_ERR_INTERNAL_ERROR,
                         __FILE__, __FUNCTION__, __LINE__, "%s", "fuzzing starts");
    virResetLastError();
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzzOne(data, size);
    virResetLastError();
    return 0;
}
