/*
 * libxlmemorypolicytestvalues.c: figures and settings as the memory
 * policy tests' data files write them
 *
 * Sizes are KiB unless suffixed K, M, G or T (binary), "max" is
 * ULLONG_MAX; times are milliseconds unless suffixed s.
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

#include "libxlmemorypolicytestvalues.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE


int
testParseSize(const char *s, unsigned long long *v)
{
    char *end = NULL;
    unsigned long long mult = 1;

    if (STREQ(s, "max")) {
        *v = ULLONG_MAX;
        return 0;
    }
    if (virStrToLong_ull(s, &end, 10, v) < 0 || end == s)
        return -1;
    if (STREQ(end, "K") || STREQ(end, ""))
        mult = 1;
    else if (STREQ(end, "M"))
        mult = 1024ULL;
    else if (STREQ(end, "G"))
        mult = 1024ULL * 1024;
    else if (STREQ(end, "T"))
        mult = 1024ULL * 1024 * 1024;
    else
        return -1;
    /* a size that does not fit is a broken case, not one that wraps */
    if (*v > ULLONG_MAX / mult)
        return -1;
    *v *= mult;
    return 0;
}


int
testParseTime(const char *s, unsigned long long *ms)
{
    char *end = NULL;

    if (STREQ(s, "max")) {
        *ms = ULLONG_MAX;
        return 0;
    }
    if (virStrToLong_ull(s, &end, 10, ms) < 0 || end == s)
        return -1;
    if (STREQ(end, "s")) {
        if (*ms > ULLONG_MAX / 1000)
            return -1;
        *ms *= 1000;
    } else if (STRNEQ(end, "") && STRNEQ(end, "ms")) {
        return -1;
    }
    return 0;
}


int
testParseBool(const char *s, bool *b)
{
    if (STREQ(s, "1") || STREQ(s, "yes")) {
        *b = true;
    } else if (STREQ(s, "0") || STREQ(s, "no")) {
        *b = false;
    } else {
        return -1;
    }
    return 0;
}


/* "SIZE@TIME" */
int
testParsePoint(const char *s, unsigned long long *kib, unsigned long long *ms)
{
    g_auto(GStrv) parts = g_strsplit(s, "@", 2);

    if (!parts[0] || !parts[1] ||
        testParseSize(parts[0], kib) < 0 || testParseTime(parts[1], ms) < 0)
        return -1;
    return 0;
}


/* for messages: the size the way the data files write it */
char *
testFormatSize(unsigned long long v)
{
    if (v == ULLONG_MAX)
        return g_strdup("max");
    if (v != 0 && v % (1024ULL * 1024) == 0)
        return g_strdup_printf("%lluG", v / (1024ULL * 1024));
    if (v != 0 && v % 1024ULL == 0)
        return g_strdup_printf("%lluM", v / 1024ULL);
    return g_strdup_printf("%llu", v);
}


/* Split "key=value" in place; a word without '=' is a flag, value NULL */
char *
testSplitKey(char *word, char **value)
{
    char *eq = strchr(word, '=');

    *value = NULL;
    if (eq) {
        *eq = '\0';
        *value = eq + 1;
    }
    return word;
}


char **
testWords(const char *s)
{
    g_auto(GStrv) all = g_strsplit_set(s, " \t", -1);
    GPtrArray *words = g_ptr_array_new();
    size_t i;

    for (i = 0; all[i]; i++) {
        if (*all[i])
            g_ptr_array_add(words, g_strdup(all[i]));
    }
    g_ptr_array_add(words, NULL);
    return (char **) g_ptr_array_free(words, FALSE);
}


/* The configuration every case starts from: written out here rather than
 * taken from libxlMemoryPolicyConfigDefault, so that a change of the
 * defaults does not change what the cases mean */
void
testConfig(libxlMemoryPolicyConfig *cfg)
{
    cfg->reserveKiB = 64 * 1024ULL;
    cfg->marginPercent = 25;
    cfg->deadbandKiB = 16 * 1024ULL;
    cfg->holdMs = 10 * 1000ULL;
    cfg->graceMs = 30 * 1000ULL;
    cfg->stuckMs = 5 * 1000ULL;
    cfg->stuckRateKiBs = 1024ULL;
    cfg->suggestStepKiB = 64 * 1024ULL;
}


/* a configuration key; 1 if @key is one, 0 if not, -1 on a bad value */
int
testConfigKey(libxlMemoryPolicyConfig *cfg, const char *key, const char *value)
{
    unsigned long long v;

    if (!value)
        return 0;
    if (STREQ(key, "reserve"))
        return testParseSize(value, &cfg->reserveKiB) < 0 ? -1 : 1;
    if (STREQ(key, "deadband"))
        return testParseSize(value, &cfg->deadbandKiB) < 0 ? -1 : 1;
    if (STREQ(key, "stuckrate"))
        return testParseSize(value, &cfg->stuckRateKiBs) < 0 ? -1 : 1;
    if (STREQ(key, "step"))
        return testParseSize(value, &cfg->suggestStepKiB) < 0 ? -1 : 1;
    if (STREQ(key, "hold"))
        return testParseTime(value, &cfg->holdMs) < 0 ? -1 : 1;
    if (STREQ(key, "grace"))
        return testParseTime(value, &cfg->graceMs) < 0 ? -1 : 1;
    if (STREQ(key, "stuckms"))
        return testParseTime(value, &cfg->stuckMs) < 0 ? -1 : 1;
    if (STREQ(key, "margin")) {
        if (virStrToLong_ull(value, NULL, 10, &v) < 0 || v > UINT_MAX)
            return -1;
        cfg->marginPercent = v;
        return 1;
    }
    return 0;
}
