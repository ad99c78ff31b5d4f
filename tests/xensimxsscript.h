/*
 * xensimxsscript.h: the words of the xenstore model's scenario language,
 * as xensimxstest reads them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Words are separated by blanks.  A word is a string expression: pieces
 * joined by '+', each piece a bare word or a "quoted string" (escapes
 * \\ \" \n \t \0 \xHH), optionally followed by *N to repeat it N times;
 * so "/local/domain/5/"+a*2048 is a 2064-byte path, and "a\0b" a 3-byte
 * value.  Outside quotes '+' and '*' are operators ('+' and '*' are no
 * xenstore path characters; quote them to use them literally).
 */

#ifndef XENSIMXSSCRIPT_H
#define XENSIMXSSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#define MAX_WORDS 64

typedef struct {
    char *s;            /* NUL-terminated beyond len */
    size_t len;
    bool bare;          /* a single unquoted piece, no operators */
} word;

/* Split a line into at most MAX_WORDS words: 0, or -1 when the line
 * cannot be parsed (the words split so far are freed then). */
int split(const char *line, word *words, unsigned int *n);
void free_words(word *w, unsigned int n);

/* A bare word holding an unsigned number, in any base strtoul() reads. */
bool parse_uint(const word *w, unsigned long *v);

/* The line of a "repeat" operation for one round, malloc'd. */
char *substitute(const char *line, unsigned long i);

#endif /* XENSIMXSSCRIPT_H */
