/*
 * xenmemstatdtest.c: the guest agent's parsing and formatting, on fixtures
 *
 * Usage: xenmemstatdtest DATADIR
 *
 * Every directory in DATADIR is one case (see DATADIR/README): its meminfo
 * and vmstat go through the agent's parsers as the agent reads them, and
 * the record and old-style keys that come out must be exactly those in
 * its expected file.  A few checks of the formatter's limits, which no
 * fixture can reach, run first.  Output is one "ok N - name" or
 * "not ok N - name: why" line per case; the exit status is non-zero if any
 * case failed or none ran.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memstat_sample.h"

/* The moment and page size every expected file is written for */
#define TEST_NOW 1700000000
#define TEST_PAGE_KIB 4

static unsigned int test_count;
static unsigned int test_failed;

/* The reason of the current case's failure */
static char test_why[1024];


static void
fail(const char *fmt, ...)
{
    va_list ap;

    if (test_why[0])
        return;
    va_start(ap, fmt);
    vsnprintf(test_why, sizeof(test_why), fmt, ap);
    va_end(ap);
}


static void
report(const char *name)
{
    test_count++;
    if (test_why[0]) {
        test_failed++;
        printf("not ok %u - %s: %s\n", test_count, name, test_why);
    } else {
        printf("ok %u - %s\n", test_count, name);
    }
    test_why[0] = '\0';
}


/* The file into a buffer of exactly its size, without a NUL, as the agent
 * passes /proc text: a parser reading past @len trips AddressSanitizer.
 * Returns 0, or -1 with errno set (ENOENT for a missing file). */
static int
load_file(const char *dir,
          const char *name,
          char **text,
          size_t *len)
{
    char path[PATH_MAX];
    FILE *fp;
    struct stat st;
    char *buf;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(fp = fopen(path, "rb")))
        return -1;
    if (fstat(fileno(fp), &st) < 0) {
        fclose(fp);
        return -1;
    }
    /* malloc(0) may return NULL; one spare byte is never read */
    if (!(buf = malloc(st.st_size ? (size_t)st.st_size : 1))) {
        fclose(fp);
        errno = ENOMEM;
        return -1;
    }
    if (st.st_size &&
        fread(buf, 1, st.st_size, fp) != (size_t)st.st_size) {
        free(buf);
        fclose(fp);
        errno = EIO;
        return -1;
    }
    fclose(fp);
    *text = buf;
    *len = st.st_size;
    return 0;
}


struct expected {
    bool invalid;
    char *record;
    char *total;
    char *free;
    bool no_old_keys;
};


static void
expected_clear(struct expected *exp)
{
    free(exp->record);
    free(exp->total);
    free(exp->free);
    memset(exp, 0, sizeof(*exp));
}


static int
expected_set(char **field,
             const char *value,
             const char *what)
{
    if (*field) {
        fail("expected has two %s lines", what);
        return -1;
    }
    if (!(*field = strdup(value))) {
        fail("out of memory");
        return -1;
    }
    return 0;
}


static int
expected_parse(char *text,
               struct expected *exp)
{
    char *line = text;

    while (line && *line) {
        char *nl = strchr(line, '\n');

        if (nl)
            *nl = '\0';
        if (*line == '#' || *line == '\0') {
            /* a comment or blank line */
        } else if (strcmp(line, "invalid") == 0) {
            exp->invalid = true;
        } else if (strcmp(line, "old_keys none") == 0) {
            exp->no_old_keys = true;
        } else if (strncmp(line, "record ", 7) == 0) {
            if (expected_set(&exp->record, line + 7, "record") < 0)
                return -1;
        } else if (strncmp(line, "meminfo_total ", 14) == 0) {
            if (expected_set(&exp->total, line + 14, "meminfo_total") < 0)
                return -1;
        } else if (strncmp(line, "meminfo_free ", 13) == 0) {
            if (expected_set(&exp->free, line + 13, "meminfo_free") < 0)
                return -1;
        } else {
            fail("expected: unknown line '%s'", line);
            return -1;
        }
        line = nl ? nl + 1 : NULL;
    }

    /* Every case states each outcome, so that a forgotten line is an
     * error and not a silently skipped check */
    if (exp->invalid) {
        if (exp->record || exp->total || exp->free || exp->no_old_keys) {
            fail("expected: 'invalid' with other lines");
            return -1;
        }
        return 0;
    }
    if (!exp->record) {
        fail("expected: neither 'record' nor 'invalid'");
        return -1;
    }
    if (exp->no_old_keys ? (exp->total || exp->free)
                         : !(exp->total && exp->free)) {
        fail("expected: needs meminfo_total and meminfo_free, "
             "or 'old_keys none'");
        return -1;
    }
    return 0;
}


/* The formatter must refuse every buffer shorter than the record and its
 * NUL, and fill the one that just fits */
static void
check_buffer_sizes(const struct memstat_sample *sample,
                   time_t now,
                   int len)
{
    char buf[MEMSTAT_RECORD_MAX + 1];
    size_t size;

    for (size = 0; size <= (size_t)len; size++) {
        int n = memstat_format_record(sample, now, buf, size);

        if (n != -1) {
            fail("a %zu-byte buffer for a %d-byte record was accepted "
                 "(returned %d)", size, len, n);
            return;
        }
    }
    if (memstat_format_record(sample, now, buf, len + 1) != len)
        fail("a buffer of exactly %d bytes was refused", len + 1);
}


static void
run_case(const char *datadir,
         const char *name)
{
    char dir[PATH_MAX];
    struct memstat_sample sample;
    struct memstat_old_keys old;
    struct expected exp = { 0 };
    char record[MEMSTAT_RECORD_MAX + 1];
    char *text = NULL;
    size_t len;
    int n;

    snprintf(dir, sizeof(dir), "%s/%s", datadir, name);

    if (load_file(dir, "expected", &text, &len) < 0) {
        fail("cannot read %s/expected: %s", dir, strerror(errno));
        goto done;
    }
    /* load_file() leaves no room for a NUL */
    text = realloc(text, len + 1);
    if (!text) {
        fail("out of memory");
        goto done;
    }
    text[len] = '\0';
    n = expected_parse(text, &exp);
    free(text);
    text = NULL;
    if (n < 0)
        goto done;

    /* As the agent does: a case without vmstat has no vmstat fields */
    memstat_sample_init(&sample);

    if (load_file(dir, "meminfo", &text, &len) < 0) {
        fail("cannot read %s/meminfo: %s", dir, strerror(errno));
        goto done;
    }
    memstat_parse_meminfo(text, len, &sample);
    free(text);
    text = NULL;

    if (load_file(dir, "vmstat", &text, &len) == 0) {
        memstat_parse_vmstat(text, len, TEST_PAGE_KIB, &sample);
        free(text);
        text = NULL;
    } else if (errno != ENOENT) {
        fail("cannot read %s/vmstat: %s", dir, strerror(errno));
        goto done;
    }

    n = memstat_format_record(&sample, TEST_NOW, record, sizeof(record));
    if (exp.invalid) {
        if (memstat_sample_valid(&sample))
            fail("the sample is valid, expected invalid");
        else if (n != -1)
            fail("an invalid sample was formatted: '%s'", record);
        else if (memstat_format_old_keys(&sample, &old) != -1)
            fail("an invalid sample gave old keys");
        goto done;
    }

    if (n < 0) {
        fail("no record (sample %s)",
             memstat_sample_valid(&sample) ? "valid" : "invalid");
        goto done;
    }
    if ((size_t)n != strlen(record)) {
        fail("returned length %d, record is %zu bytes", n, strlen(record));
        goto done;
    }
    if (strcmp(record, exp.record) != 0) {
        fail("record '%s', expected '%s'", record, exp.record);
        goto done;
    }
    check_buffer_sizes(&sample, TEST_NOW, n);

    if (memstat_format_old_keys(&sample, &old) < 0) {
        if (!exp.no_old_keys)
            fail("no old keys, expected meminfo_total %s meminfo_free %s",
                 exp.total, exp.free);
    } else if (exp.no_old_keys) {
        fail("old keys %s/%s, expected none", old.total, old.free);
    } else if (strcmp(old.total, exp.total) != 0) {
        fail("meminfo_total '%s', expected '%s'", old.total, exp.total);
    } else if (strcmp(old.free, exp.free) != 0) {
        fail("meminfo_free '%s', expected '%s'", old.free, exp.free);
    }

 done:
    free(text);
    expected_clear(&exp);
    report(name);
}


static void
test_decimal(void)
{
    static const struct {
        const char *s;
        bool ok;
        unsigned long long value;
    } cases[] = {
        { "0", true, 0 },
        { "10", true, 10 },
        { "007", true, 7 },
        { "18446744073709551615", true, ULLONG_MAX },
        { "18446744073709551616", false, 0 },
        { "99999999999999999999", false, 0 },
        { "000000000000000000001", false, 0 },
        { "", false, 0 },
        { "-1", false, 0 },
        { "+1", false, 0 },
        { " 1", false, 0 },
        { "1 ", false, 0 },
        { "0x10", false, 0 },
        { "1.5", false, 0 },
        { "1\n", false, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long long v = 12345;
        bool ok = memstat_parse_decimal(cases[i].s, strlen(cases[i].s), &v);

        if (ok != cases[i].ok) {
            fail("'%s' %s", cases[i].s, ok ? "accepted" : "refused");
            break;
        }
        if (ok && v != cases[i].value) {
            fail("'%s' gave %llu", cases[i].s, v);
            break;
        }
        if (!ok && v != 12345) {
            fail("refusing '%s' changed the value", cases[i].s);
            break;
        }
    }
    /* Only @len bytes count, whatever follows them */
    {
        unsigned long long v = 0;

        if (!memstat_parse_decimal("123abc", 3, &v) || v != 123)
            fail("a prefix of '123abc' was not read as 123");
    }
    report("decimal numbers are parsed strictly");
}


static void
full_sample(struct memstat_sample *sample)
{
    int i;

    memstat_sample_init(sample);
    for (i = 0; i < MEMSTAT_NFIELDS; i++) {
        sample->value[i] = ULLONG_MAX;
        sample->present[i] = true;
    }
}


static void
test_largest_record(void)
{
    struct memstat_sample sample;
    char buf[MEMSTAT_RECORD_MAX + 1];
    time_t latest = sizeof(time_t) == 8 ? (time_t)LLONG_MAX : (time_t)INT_MAX;
    int n;

    full_sample(&sample);
    n = memstat_format_record(&sample, latest, buf, sizeof(buf));
    if (n < 0)
        fail("the largest record was refused");
    else if (n > MEMSTAT_RECORD_MAX)
        fail("the largest record is %d bytes, more than %d",
             n, MEMSTAT_RECORD_MAX);
    else
        check_buffer_sizes(&sample, latest, n);
    report("the largest possible record fits and a smaller buffer is refused");
}


static void
test_formatter_edges(void)
{
    struct memstat_sample sample;
    char buf[MEMSTAT_RECORD_MAX + 1];
    int n;

    full_sample(&sample);
    if (memstat_format_record(&sample, TEST_NOW, NULL, 100) != -1)
        fail("a NULL buffer was accepted");

    /* A clock before the epoch says nothing useful: t is left out */
    memstat_sample_init(&sample);
    sample.value[MEMSTAT_TOTAL] = 5;
    sample.present[MEMSTAT_TOTAL] = true;
    n = memstat_format_record(&sample, -1, buf, sizeof(buf));
    if (n < 0 || strcmp(buf, "1 total=5") != 0)
        fail("with t < 0: '%s' (%d), expected '1 total=5'",
             n < 0 ? "" : buf, n);

    /* A refused buffer holds no partial record a caller could write */
    memset(buf, 'x', sizeof(buf));
    if (memstat_format_record(&sample, TEST_NOW, buf, 8) != -1 || buf[0])
        fail("a refused buffer was left holding '%.8s'", buf);
    report("formatter edges: NULL buffer, time before the epoch, refusal");
}


static void
test_suggest(void)
{
    static const struct {
        unsigned long long total;
        unsigned long long committed;
        unsigned long long suggest;
    } cases[] = {
        /* a tenth of MemTotal as the reserve */
        { 1015808, 602112, 602112 + 101580 },
        { 24683620, 49200, 49200 + 2468362 },
        /* the two reserves meet at 640 MiB: 64 MiB below, a tenth above */
        { 655360, 100000, 100000 + 65536 },
        { 655369, 100000, 100000 + 65536 },
        { 655370, 100000, 100000 + 65537 },
        { 524288, 200000, 200000 + 65536 },
        /* never below the floor of 128 MiB ... */
        { 655360, 0, 131072 },
        { 262144, 20480, 131072 },
        { 262144, 65535, 131072 },
        { 262144, 65536, 131072 },
        { 262144, 65537, 131073 },
        /* ... unless the guest is smaller: MemTotal bounds last */
        { 131072, 0, 131072 },
        { 98304, 30000, 98304 },
        { 0, 0, 0 },
        { 0, ULLONG_MAX, 0 },
        /* never above MemTotal, however much is committed */
        { 1015808, 3145728, 1015808 },
        { 1015808, 1015808, 1015808 },
        { 1015808, 1015808 - 101580, 1015808 },
        { 1015808, 1015808 - 101581, 1015807 },
        /* a sum past ULLONG_MAX saturates, then MemTotal bounds it */
        { 1048576, ULLONG_MAX, 1048576 },
        { 1048576, ULLONG_MAX - 65535, 1048576 },
        { ULLONG_MAX, ULLONG_MAX, ULLONG_MAX },
        { ULLONG_MAX, ULLONG_MAX - ULLONG_MAX / 10, ULLONG_MAX },
        { ULLONG_MAX, 0, ULLONG_MAX / 10 },
        { ULLONG_MAX, 1, ULLONG_MAX / 10 + 1 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long long got = memstat_suggest_kib(cases[i].total,
                                                     cases[i].committed);

        if (got != cases[i].suggest) {
            fail("MemTotal %llu, Committed_AS %llu: suggest %llu, "
                 "expected %llu", cases[i].total, cases[i].committed,
                 got, cases[i].suggest);
            break;
        }
    }
    report("suggest is Committed_AS plus a reserve, within floor and MemTotal");
}


static void
test_page_sizes(void)
{
    static const char vmstat[] = "pswpin 3\npswpout 1\n";
    struct memstat_sample sample;

    memstat_sample_init(&sample);
    memstat_parse_vmstat(vmstat, sizeof(vmstat) - 1, 64, &sample);
    if (!sample.present[MEMSTAT_SWAPIN] || sample.value[MEMSTAT_SWAPIN] != 192 ||
        !sample.present[MEMSTAT_SWAPOUT] || sample.value[MEMSTAT_SWAPOUT] != 64)
        fail("64 KiB pages: swapin/swapout not 192/64");

    /* An unknown page size must not turn into a swap count of 0 */
    memstat_parse_vmstat(vmstat, sizeof(vmstat) - 1, 0, &sample);
    if (sample.present[MEMSTAT_SWAPIN] || sample.present[MEMSTAT_SWAPOUT])
        fail("page size 0: swap counts reported");
    report("swap pages are converted with the page size given");
}


static void
test_reparse(void)
{
    static const char first[] =
        "pgfault 10\npgmajfault 1\nhtlb_buddy_alloc_success 2\n";
    static const char second[] = "pgmajfault 1\n";
    static const char meminfo[] = "MemTotal: 7 kB\nMemFree: 3 kB\n";
    static const char meminfo2[] = "MemTotal: 8 kB\n";
    static const char meminfo3[] = "MemTotal: 9 kB\nCommitted_AS: 5 kB\n";
    struct memstat_sample sample;

    memstat_sample_init(&sample);
    memstat_parse_meminfo(meminfo, sizeof(meminfo) - 1, &sample);
    memstat_parse_vmstat(first, sizeof(first) - 1, 4, &sample);
    memstat_parse_vmstat(second, sizeof(second) - 1, 4, &sample);
    if (sample.present[MEMSTAT_MINFLT] || sample.present[MEMSTAT_HTLBOK])
        fail("vmstat fields of an earlier parse survived");
    if (!sample.present[MEMSTAT_FREE])
        fail("parsing vmstat cleared meminfo fields");
    memstat_parse_meminfo(meminfo2, sizeof(meminfo2) - 1, &sample);
    if (sample.present[MEMSTAT_FREE] || sample.value[MEMSTAT_TOTAL] != 8)
        fail("meminfo fields of an earlier parse survived");
    if (!sample.present[MEMSTAT_MAJFLT])
        fail("parsing meminfo cleared vmstat fields");

    /* committed and suggest come from meminfo: a later parse without
     * Committed_AS drops both, and parsing vmstat keeps them */
    memstat_parse_meminfo(meminfo3, sizeof(meminfo3) - 1, &sample);
    if (!sample.present[MEMSTAT_COMMITTED] || !sample.present[MEMSTAT_SUGGEST])
        fail("committed or suggest missing after a parse with Committed_AS");
    memstat_parse_vmstat(second, sizeof(second) - 1, 4, &sample);
    if (!sample.present[MEMSTAT_COMMITTED] || !sample.present[MEMSTAT_SUGGEST])
        fail("parsing vmstat cleared committed or suggest");
    memstat_parse_meminfo(meminfo2, sizeof(meminfo2) - 1, &sample);
    if (sample.present[MEMSTAT_COMMITTED] || sample.present[MEMSTAT_SUGGEST])
        fail("committed or suggest of an earlier parse survived");
    report("each parser replaces exactly its own fields");
}


static int
compare_names(const void *a,
              const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}


/* Case directories, sorted so that case numbers are stable */
static int
list_cases(const char *datadir,
           char ***names,
           size_t *count)
{
    DIR *dir;
    struct dirent *ent;
    char **list = NULL;
    size_t n = 0;

    if (!(dir = opendir(datadir)))
        return -1;
    while ((ent = readdir(dir))) {
        char path[PATH_MAX];
        struct stat st;
        char **grown;

        if (ent->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", datadir, ent->d_name);
        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        if (!(grown = realloc(list, (n + 1) * sizeof(*list))) ||
            !(grown[n] = strdup(ent->d_name))) {
            list = grown ? grown : list;
            while (n > 0)
                free(list[--n]);
            free(list);
            closedir(dir);
            errno = ENOMEM;
            return -1;
        }
        list = grown;
        n++;
    }
    closedir(dir);
    if (n)
        qsort(list, n, sizeof(*list), compare_names);
    *names = list;
    *count = n;
    return 0;
}


int
main(int argc,
     char **argv)
{
    char **names = NULL;
    size_t count = 0;
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DATADIR\n", argv[0]);
        return EXIT_FAILURE;
    }

    test_decimal();
    test_largest_record();
    test_formatter_edges();
    test_suggest();
    test_page_sizes();
    test_reparse();

    if (list_cases(argv[1], &names, &count) < 0) {
        printf("not ok %u - cases in %s: %s\n",
               ++test_count, argv[1], strerror(errno));
        return EXIT_FAILURE;
    }
    if (count == 0) {
        printf("not ok %u - cases in %s: none found\n", ++test_count, argv[1]);
        free(names);
        return EXIT_FAILURE;
    }
    for (i = 0; i < count; i++) {
        run_case(argv[1], names[i]);
        free(names[i]);
    }
    free(names);

    printf("1..%u\n", test_count);
    if (test_failed) {
        printf("# %u of %u failed\n", test_failed, test_count);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
