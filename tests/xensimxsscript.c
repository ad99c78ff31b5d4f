/*
 * xensimxsscript.c: the lexer of the xenstore model's scenario language:
 * words as string expressions (quoting, escapes, '+' and *N), numbers,
 * the {i} of "repeat"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensimxsscript.h"


/* ---- words ---- */

static int
append(word *w, size_t *cap, const char *s, size_t len)
{
    if (w->len + len + 1 > *cap) {
        size_t n = (w->len + len + 1) * 2;
        char *p = realloc(w->s, n);

        if (!p)
            return -1;
        w->s = p;
        *cap = n;
    }
    memcpy(w->s + w->len, s, len);
    w->len += len;
    w->s[w->len] = '\0';
    return 0;
}


static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}


/* Parse one quoted piece starting at *pp (on the quote) into out. */
static int
parse_quoted(const char **pp, word *piece, size_t *cap)
{
    const char *p = *pp + 1;

    while (*p && *p != '"') {
        char c = *p++;

        if (c == '\\') {
            char e = *p++;
            int h1, h2;

            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case '0': c = '\0'; break;
            case '\\': c = '\\'; break;
            case '"': c = '"'; break;
            case 'x':
                if ((h1 = hexval(p[0])) < 0 || (h2 = hexval(p[1])) < 0)
                    return -1;
                c = (char)(h1 * 16 + h2);
                p += 2;
                break;
            default:
                return -1;
            }
        }
        if (append(piece, cap, &c, 1) < 0)
            return -1;
    }
    if (*p != '"')
        return -1;
    *pp = p + 1;
    return 0;
}


/* Parse one word (a string expression) at *pp. */
static int
parse_word(const char **pp, word *w)
{
    const char *p = *pp;
    size_t cap = 0;
    unsigned int pieces = 0;
    bool quoted = false;
    bool ops = false;

    w->s = NULL;
    w->len = 0;
    if (append(w, &cap, "", 0) < 0)
        return -1;
    for (;;) {
        word piece = { NULL, 0, false };
        size_t pcap = 0;
        unsigned long rep = 1;
        unsigned long r;

        if (append(&piece, &pcap, "", 0) < 0)
            return -1;
        if (*p == '"') {
            quoted = true;
            if (parse_quoted(&p, &piece, &pcap) < 0) {
                free(piece.s);
                return -1;
            }
        } else {
            size_t n = strcspn(p, " \t\r\n\"+*");

            if (append(&piece, &pcap, p, n) < 0) {
                free(piece.s);
                return -1;
            }
            p += n;
        }
        if (*p == '*') {
            char *end;

            rep = strtoul(p + 1, &end, 10);
            if (end == p + 1) {
                free(piece.s);
                return -1;
            }
            p = end;
            ops = true;
        }
        for (r = 0; r < rep; r++) {
            if (append(w, &cap, piece.s, piece.len) < 0) {
                free(piece.s);
                return -1;
            }
        }
        free(piece.s);
        pieces++;
        if (*p != '+')
            break;
        ops = true;
        p++;
    }
    if (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
        return -1;
    w->bare = pieces == 1 && !quoted && !ops;
    *pp = p;
    return 0;
}


void
free_words(word *w, unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n; i++)
        free(w[i].s);
}


int
split(const char *line, word *words, unsigned int *n)
{
    const char *p = line;

    *n = 0;
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (!*p)
            return 0;
        if (*n == MAX_WORDS || parse_word(&p, &words[*n]) < 0) {
            free_words(words, *n);
            return -1;
        }
        (*n)++;
    }
}


bool
parse_uint(const word *w, unsigned long *v)
{
    char *end;

    if (!w->bare || !w->s[0])
        return false;
    *v = strtoul(w->s, &end, 0);
    return *end == '\0';
}


/* Replace every "{i}" in line by the number. */
char *
substitute(const char *line, unsigned long i)
{
    char num[32];
    size_t nlen = (size_t)snprintf(num, sizeof(num), "%lu", i);
    size_t len = 0;
    const char *p;
    char *r;
    char *o;

    for (p = line; *p; p++)
        len += strncmp(p, "{i}", 3) == 0 ? nlen : 1;
    if (!(r = malloc(len + 1)))
        return NULL;
    for (p = line, o = r; *p;) {
        if (strncmp(p, "{i}", 3) == 0) {
            memcpy(o, num, nlen);
            o += nlen;
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return r;
}
