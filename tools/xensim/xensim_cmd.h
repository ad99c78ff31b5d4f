/*
 * xensim_cmd.h: what the simulated host tool's command files share
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <stdint.h>
#include <stdio.h>

#include "xensim_client.h"

/* The tool's usage, on @fp */
void usage(FILE *fp);
/* SIZE with an optional K, M, G or T suffix (binary; KiB without one) */
int parse_size_kib(const char *s, uint64_t *kib);
/* A connection to the host as DOMID, or the tool exits saying why */
xensim_conn *connect_or_die(uint32_t domid);
/* The command's exit status for RC, with an error message if it failed */
int report(int rc, const char *what);
/* SPEC, a domain's name or id, on the host */
int find_domain(xensim_conn *c, const char *spec, xensim_dominfo *out);

int cmd_workload(int argc, char **argv);
int cmd_preset(int argc, char **argv);
int cmd_workload_stats(int argc, char **argv);
int cmd_fault_call(int argc, char **argv);
/* fault held, release or clear (XENSIM_FAULT_CALL_*), named @label */
int fault_call_simple(uint32_t what, const char *label);
