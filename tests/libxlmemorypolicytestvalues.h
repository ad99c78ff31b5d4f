/*
 * libxlmemorypolicytestvalues.h: figures and settings as the memory
 * policy tests' data files write them
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

#pragma once

#include "libxl/libxl_memory_policy.h"

#define DATADIR "libxlmemorypolicydata"

/* domains of one decision or one scenario */
#define MAX_DOMS 16

/* A scenario begins with the host up for an hour, its domains booted
 * long ago: times in the scenario files count from there */
#define TEST_SIM_EPOCH_MS (3600 * 1000ULL)

int testParseSize(const char *s, unsigned long long *v);
int testParseTime(const char *s, unsigned long long *ms);
int testParseBool(const char *s, bool *b);
int testParsePoint(const char *s, unsigned long long *kib, unsigned long long *ms);
char * testFormatSize(unsigned long long v);
char * testSplitKey(char *word, char **value);
char ** testWords(const char *s);
void testConfig(libxlMemoryPolicyConfig *cfg);
int testConfigKey(libxlMemoryPolicyConfig *cfg, const char *key, const char *value);
