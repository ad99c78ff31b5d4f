/*
 * xensim_xs_path.c: the xenstore model's names and sizes: paths, their
 * validation and canonical form, request and record sizes, permission
 * strings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rules below were learnt from reading xenstored (tools/xenstore in
 * Xen 4.17) and are written anew here; comments name the xenstored
 * function each rule mirrors so that a reader can check it there.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensim_xs_internal.h"

/* xenstored stores a node as struct xs_tdb_record_hdr (uint64_t
 * generation, three uint32_t, padded to 24 bytes on x86_64), then one
 * struct xs_permissions (8 bytes) per entry, the data and the children's
 * names.  write_node_raw() compares that total with quota_max_entry_size,
 * so the model counts the same bytes. */
#define XENSIM_XS_RECORD_HDR 24
#define XENSIM_XS_RECORD_PERM 8

#define XENSIM_XS_LOCAL_DOMAIN "/local/domain/"


/* ---- small helpers ---- */

char *
xensim_xs_strndup(const char *s, size_t len)
{
    char *r = malloc(len + 1);

    if (!r)
        return NULL;
    memcpy(r, s, len);
    r[len] = '\0';
    return r;
}


char *
xensim_xs_strdup(const char *s)
{
    return xensim_xs_strndup(s, strlen(s));
}


/* "/local/domain/<domid>", what xenstored's get_implicit_path() returns
 * for a domain connection. */
void
xensim_xs_home(uint32_t domid, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "/local/domain/%u", (unsigned int)domid);
}


/* ---- sizes ---- */

size_t
xensim_xs_node_record_size(unsigned int nperms, size_t datalen,
                           size_t childlen)
{
    return XENSIM_XS_RECORD_HDR + (size_t)nperms * XENSIM_XS_RECORD_PERM +
           datalen + childlen;
}


/* The node-size quota, as write_node_raw(): only unprivileged callers
 * are limited, and a record exactly at the limit is already refused. */
bool
xensim_xs_record_too_big(const xensim_xs *xs, uint32_t caller, size_t size)
{
    return !xensim_xs_privileged(caller) &&
           size >= xs->limits.node_size_max;
}


/* libxenstore's xs_talkv() refuses a request whose payload exceeds
 * XENSTORE_PAYLOAD_MAX before sending it (xenstored would drop the
 * connection). */
int
xensim_xs_check_payload(const xensim_xs *xs, size_t len)
{
    return len > xs->limits.payload_max ? -E2BIG : 0;
}


/* ---- paths ---- */

/* The characters xenstored's valid_chars() accepts. */
static bool
xensim_xs_valid_chars(const char *path)
{
    static const char ok[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        "abcdefghijklmnopqrstuvwxyz"
        "0123456789-/_@";

    return path[strspn(path, ok)] == '\0';
}


/* Length of a "/local/domain/<domid>/" prefix, or 0.  is_valid_nodename()
 * finds it with sscanf("/local/domain/%5u/%n"): up to five characters of
 * number (a '-' sign counts among them), then a '/'.  Paths below a
 * domain's home may be that much longer. */
static size_t
xensim_xs_local_offset(const char *path)
{
    size_t pfx = strlen(XENSIM_XS_LOCAL_DOMAIN);
    const char *p = path + pfx;
    size_t width = 0;
    size_t digits = 0;

    if (strncmp(path, XENSIM_XS_LOCAL_DOMAIN, pfx) != 0)
        return 0;
    if (*p == '-') {
        p++;
        width++;
    }
    while (width < 5 && *p >= '0' && *p <= '9') {
        p++;
        width++;
        digits++;
    }
    if (!digits || *p != '/')
        return 0;
    return (size_t)(p + 1 - path);
}


/* xenstored's is_valid_nodename(): absolute, no trailing '/' except for
 * the root, no "//", not too long, only valid characters. */
bool
xensim_xs_valid_path(const char *path)
{
    size_t len = strlen(path);

    if (path[0] != '/')
        return false;
    if (len > 1 && path[len - 1] == '/')
        return false;
    if (strstr(path, "//"))
        return false;
    if (len > xensim_xs_local_offset(path) + XENSIM_XS_PATH_MAX)
        return false;
    return xensim_xs_valid_chars(path);
}


/* xenstored's canonicalize(): absolute paths and special "@" names stay
 * as they are, anything else is relative to the caller's home.  The
 * result is malloc'd; it is not validated. */
int
xensim_xs_canonicalize(uint32_t caller, const char *path, char **out)
{
    char home[32];
    size_t hlen;
    size_t plen;
    char *r;

    if (path[0] == '/' || path[0] == '@') {
        *out = xensim_xs_strdup(path);
        return *out ? 0 : -ENOMEM;
    }
    xensim_xs_home(caller, home, sizeof(home));
    hlen = strlen(home);
    plen = strlen(path);
    if (!(r = malloc(hlen + 1 + plen + 1)))
        return -ENOMEM;
    memcpy(r, home, hlen);
    r[hlen] = '/';
    memcpy(r + hlen + 1, path, plen + 1);
    *out = r;
    return 0;
}


/* Path of a child of the node at path, malloc'd. */
char *
xensim_xs_child_path(const char *path, const char *name)
{
    size_t plen = strcmp(path, "/") == 0 ? 0 : strlen(path);
    size_t nlen = strlen(name);
    char *r = malloc(plen + 1 + nlen + 1);

    if (!r)
        return NULL;
    memcpy(r, path, plen);
    r[plen] = '/';
    memcpy(r + plen + 1, name, nlen + 1);
    return r;
}


/* ---- permission strings ---- */

/* The wire form read by xenstored's xs_strings_to_perms(): a letter, then
 * a number in any base strtol() understands, and nothing else. */
int
xensim_xs_perm_parse(const char *str, xensim_xs_perm *perm)
{
    char *end;
    long id;

    if (!str || !perm)
        return -EINVAL;
    switch (str[0]) {
    case 'r':
        perm->perms = XENSIM_XS_PERM_READ;
        break;
    case 'w':
        perm->perms = XENSIM_XS_PERM_WRITE;
        break;
    case 'b':
        perm->perms = XENSIM_XS_PERM_BOTH;
        break;
    case 'n':
        perm->perms = XENSIM_XS_PERM_NONE;
        break;
    default:
        return -EINVAL;
    }
    if (!str[1])
        return -EINVAL;
    id = strtol(str + 1, &end, 0);
    if (*end)
        return -EINVAL;
    perm->id = (uint32_t)id;
    return 0;
}


int
xensim_xs_perm_format(const xensim_xs_perm *perm, char *buf, size_t buflen)
{
    static const char letters[] = "nrwb";
    int len;

    if (!perm || !buf || perm->perms > XENSIM_XS_PERM_BOTH)
        return -EINVAL;
    len = snprintf(buf, buflen, "%c%u", letters[perm->perms],
                   (unsigned int)perm->id);
    if (len < 0 || (size_t)len >= buflen)
        return -E2BIG;
    return 0;
}
