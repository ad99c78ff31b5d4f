/*
 * xensimclaimstormtest.c: many domain builds at once on one simulated host
 *
 * A daemon runs the host; threads, each with its own connection, build
 * domains concurrently the way libxl does (create, set max, claim,
 * populate in slices, cancel the claim).  With claims, exactly the builds
 * that fit succeed and every other one fails before populating a page;
 * without claims, the same storm leaves builds failing part-way.  The
 * host's accounting is checked after both storms.
 *
 * Usage: xensimclaimstormtest
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xensim_client.h"
#include "xensimtestdaemon.h"

#define NTHREADS 24
#define GUEST_PAGES (64ULL * 256)       /* 64 MiB */
#define SLICE_PAGES 512

typedef struct {
    const char *socket;
    int index;
    bool claim;
    int rc;                     /* 0: built; otherwise -errno */
    uint64_t populated_before_failure;
    uint32_t domid;
} build;

static pthread_barrier_t start_line;

static void *
build_domain(void *opaque)
{
    build *b = opaque;
    xensim_conn *c;
    xensim_writer args;
    xensim_reader r;
    uint8_t *reply;
    size_t len;
    uint64_t done_total = 0;
    uint8_t uuid[16] = { 0 };
    char name[32];
    int err = 0;
    int rc;

    b->rc = -EIO;
    if (!(c = xensim_conn_open(b->socket, 0, &err)))
        return NULL;
    snprintf(name, sizeof(name), "storm-%s-%d", b->claim ? "claim" : "plain", b->index);
    uuid[0] = b->index;

    pthread_barrier_wait(&start_line);

    xensim_writer_init(&args);
    xensim_put_str(&args, name);
    xensim_put_bytes(&args, uuid, sizeof(uuid));
    xensim_put_u32(&args, XENSIM_DOMAIN_PV);
    xensim_put_u32(&args, 1);
    rc = xensim_call(c, XENSIM_OP_DOMAIN_CREATE, &args, XENSIM_CHARGE_NONE, &reply, &len);
    xensim_writer_free(&args);
    if (rc == 0) {
        xensim_reader_init(&r, reply, len);
        b->domid = xensim_get_u32(&r);
    }
    free(reply);
    if (rc < 0)
        goto out;

    if ((rc = xensim_domain_u64_op(c, XENSIM_OP_SET_MAX, b->domid,
                                   GUEST_PAGES + 256, NULL)) < 0)
        goto out;
    if (b->claim &&
        (rc = xensim_domain_u64_op(c, XENSIM_OP_CLAIM, b->domid, GUEST_PAGES, NULL)) < 0)
        goto fail;

    while (done_total < GUEST_PAGES) {
        uint64_t done = 0;

        rc = xensim_domain_u64_op(c, XENSIM_OP_POPULATE, b->domid, SLICE_PAGES, &done);
        done_total += done;
        if (rc < 0)
            goto fail;
        sched_yield();
    }
    if (b->claim)
        xensim_domain_u64_op(c, XENSIM_OP_CLAIM, b->domid, 0, NULL);
    b->rc = 0;
    xensim_conn_close(c);
    return NULL;

 fail:
    b->populated_before_failure = done_total;
    xensim_domain_u32_op(c, XENSIM_OP_DESTROY, b->domid, 0);
 out:
    b->rc = rc;
    xensim_conn_close(c);
    return NULL;
}


static int
storm(const char *socket, bool claim, uint64_t free_pages, int *failures)
{
    pthread_t threads[NTHREADS];
    build builds[NTHREADS];
    int built = 0, failed_empty = 0, failed_partial = 0;
    uint64_t fits = free_pages / GUEST_PAGES;
    int i;

    pthread_barrier_init(&start_line, NULL, NTHREADS);
    for (i = 0; i < NTHREADS; i++) {
        builds[i] = (build) { .socket = socket, .index = i, .claim = claim };
        pthread_create(&threads[i], NULL, build_domain, &builds[i]);
    }
    for (i = 0; i < NTHREADS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start_line);

    for (i = 0; i < NTHREADS; i++) {
        if (builds[i].rc == 0)
            built++;
        else if (builds[i].populated_before_failure == 0)
            failed_empty++;
        else
            failed_partial++;
    }
    printf("%s storm: %d builds on room for %llu: %d built, %d failed before "
           "populating, %d failed part-way\n", claim ? "claim" : "plain",
           NTHREADS, (unsigned long long)fits, built, failed_empty, failed_partial);

    if (claim && (uint64_t)built != fits) {
        printf("FAIL: with claims exactly %llu builds must succeed\n",
               (unsigned long long)fits);
        (*failures)++;
    }
    if (claim && failed_partial) {
        printf("FAIL: with claims no build may fail part-way\n");
        (*failures)++;
    }
    if (!claim && (uint64_t)built > fits) {
        printf("FAIL: more domains built than the host has room for\n");
        (*failures)++;
    }
    return built;
}


static int
check_host(xensim_conn *c, uint64_t expect_free, int *failures)
{
    xensim_physinfo pi;
    xensim_dominfo *doms;
    uint32_t n, i;
    uint64_t owned = 0;

    if (xensim_physinfo_get(c, &pi) < 0 || xensim_dominfo_list(c, &doms, &n) < 0) {
        printf("FAIL: cannot read the host\n");
        (*failures)++;
        return -1;
    }
    for (i = 0; i < n; i++)
        owned += doms[i].tot_pages;
    free(doms);
    if (pi.outstanding_pages) {
        printf("FAIL: %llu pages still claimed\n", (unsigned long long)pi.outstanding_pages);
        (*failures)++;
    }
    if (pi.free_pages + owned + pi.xen_pages != pi.total_pages) {
        printf("FAIL: free + owned + xen != total\n");
        (*failures)++;
    }
    if (expect_free && pi.free_pages != expect_free) {
        printf("FAIL: %llu pages free, expected %llu\n",
               (unsigned long long)pi.free_pages, (unsigned long long)expect_free);
        (*failures)++;
    }
    return 0;
}


static void
destroy_all(xensim_conn *c)
{
    xensim_dominfo *doms;
    uint32_t n, i;

    if (xensim_dominfo_list(c, &doms, &n) < 0)
        return;
    for (i = 0; i < n; i++) {
        if (doms[i].domid)
            xensim_domain_u32_op(c, XENSIM_OP_DESTROY, doms[i].domid, 0);
    }
    free(doms);
}


int
main(void)
{
    xensim_test_daemon td;
    xensim_physinfo pi;
    xensim_conn *c = NULL;
    int failures = 0;
    int err = 0;

    /* 1 GiB with dom0 at 256 MiB: room for 11 guests of 64 MiB */
    if (xensim_test_daemon_start(&td, XENSIM_KIB_TO_PAGES(1ULL << 20),
                                 XENSIM_KIB_TO_PAGES(256ULL << 10)) < 0 ||
        !(c = xensim_conn_open(td.socket, 0, &err)) ||
        xensim_physinfo_get(c, &pi) < 0) {
        printf("FAIL: the simulated host did not start\n");
        xensim_test_daemon_stop(&td);
        return 1;
    }

    storm(td.socket, true, pi.free_pages, &failures);
    destroy_all(c);
    check_host(c, pi.free_pages, &failures);

    storm(td.socket, false, pi.free_pages, &failures);
    check_host(c, 0, &failures);
    destroy_all(c);
    check_host(c, pi.free_pages, &failures);

    xensim_conn_close(c);
    xensim_test_daemon_stop(&td);
    printf("%s\n", failures ? "FAIL" : "ok");
    return failures ? 1 : 0;
}
