/*
 * testdatalines.h: run a test case for every line of a data file
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include "testutils.h"

typedef struct {
    const char *file;
    size_t lineno;
    char *line;
} testDataLine;

/* Every line of @dir/@name that is neither empty nor a # comment is one
 * virTestRun of @func with a testDataLine.  A file without a case fails. */
static int G_GNUC_UNUSED
testRunDataLines(const char *dir,
                 const char *name,
                 int (*func)(const void *))
{
    g_autofree char *path = g_strdup_printf("%s/%s/%s", abs_srcdir, dir, name);
    g_autofree char *content = NULL;
    g_auto(GStrv) lines = NULL;
    int ret = 0;
    int ncases = 0;
    size_t i;

    if (virTestLoadFile(path, &content) < 0)
        return -1;
    lines = g_strsplit(content, "\n", -1);

    for (i = 0; lines[i]; i++) {
        testDataLine tc = { name, i + 1, lines[i] };
        g_autofree char *desc = g_strdup_printf("%s:%zu", name, i + 1);

        if (!*lines[i] || *lines[i] == '#')
            continue;
        if (virTestRun(desc, func, &tc) < 0)
            ret = -1;
        ncases++;
    }
    if (!ncases) {
        VIR_TEST_VERBOSE("%s holds no case", path);
        return -1;
    }
    return ret;
}
