/*
 * xensimhostiletest.c: a guest's connection cannot harm the simulated host
 *
 * Guests (agents acting as a domain) talk to the same daemon as libvirtd.
 * A guest may not drive the hypervisor or read other guests' keys, its
 * requests never meet the faults dom0 set for the toolstack's, and
 * garbage, truncated or oversized frames only cost the sender its
 * connection: the daemon goes on serving everyone else.
 *
 * Usage: xensimhostiletest
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xensim_client.h"
#include "xensimtestdaemon.h"

static int failures;

static void
expect(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        failures++;
}


static int
raw_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    strcpy(addr.sun_path, path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return -1;
    return fd;
}


/* Write @len bytes and report whether the daemon hung up on us */
static bool
raw_send_dropped(const char *path, const void *buf, size_t len)
{
    char byte;
    int fd = raw_connect(path);
    bool dropped;

    if (fd < 0)
        return false;
    if (write(fd, buf, len) < 0) {
        close(fd);
        return true;
    }
    shutdown(fd, SHUT_WR);
    /* a reply or a hang-up both end the wait; a garbage frame gets one of
     * them and never a crash */
    dropped = read(fd, &byte, 1) >= 0;
    close(fd);
    return dropped;
}


static int
call_u32(xensim_conn *c, xensim_op op, uint32_t domid)
{
    xensim_writer w;
    uint8_t *reply;
    size_t len;
    int rc;

    xensim_writer_init(&w);
    xensim_put_u32(&w, domid);
    rc = xensim_call(c, op, &w, XENSIM_CHARGE_NONE, &reply, &len);
    xensim_writer_free(&w);
    free(reply);
    return rc;
}


int
main(void)
{
    xensim_test_daemon td;
    const char *socket_path;
    xensim_physinfo pi;
    xensim_conn *dom0 = NULL, *guest = NULL;
    char *value = NULL;
    size_t vlen;
    int err = 0;
    uint8_t frame[64];
    unsigned int i;

    if (xensim_test_daemon_start(&td, 262144, 65536) < 0 ||
        !(dom0 = xensim_conn_open(td.socket, 0, &err)) ||
        !(guest = xensim_conn_open(td.socket, 5, &err))) {
        printf("FAIL: the simulated host did not start\n");
        xensim_test_daemon_stop(&td);
        return 1;
    }
    socket_path = td.socket;

    expect(xensim_xs_write_value(dom0, "/local/domain/7/data/secret", "x", 1) == 0,
           "dom0 writes another guest's key");
    expect(xensim_xs_read_value(guest, "/local/domain/7/data/secret", &value, &vlen) == -EACCES,
           "a guest cannot read another guest's key");
    free(value);
    expect(call_u32(guest, XENSIM_OP_DESTROY, 0) == -EPERM,
           "a guest cannot destroy a domain");
    expect(xensim_domain_u64_op(guest, XENSIM_OP_CLAIM, 0, 1, NULL) == -EPERM,
           "a guest cannot stake claims");
    {
        uint8_t *reply;
        size_t len;

        expect(xensim_call(guest, XENSIM_OP_HOST_STOP, NULL, XENSIM_CHARGE_NONE,
                           &reply, &len) == -EPERM,
               "a guest cannot stop the host");
        free(reply);
    }
    expect(call_u32(guest, XENSIM_OP_PAGER_ATTACH, 0) == -EPERM,
           "a guest cannot attach a pager");
    expect(call_u32(guest, XENSIM_OP_PAGER_DETACH, 0) == -EPERM,
           "a guest cannot detach a pager");
    {
        xensim_writer w;
        uint8_t *reply;
        size_t len;

        /* a trace of a million points in a frame of none */
        xensim_writer_init(&w);
        xensim_put_u32(&w, 0);
        xensim_put_u64(&w, 0);
        xensim_put_u32(&w, 1000000);
        expect(xensim_call(guest, XENSIM_OP_WORKLOAD, &w, XENSIM_CHARGE_NONE,
                           &reply, &len) == -EPERM,
               "a guest cannot load a workload");
        free(reply);
        expect(xensim_call(dom0, XENSIM_OP_WORKLOAD, &w, XENSIM_CHARGE_NONE,
                           &reply, &len) == -EINVAL,
               "a trace longer than its frame is refused");
        free(reply);
        xensim_writer_free(&w);

        xensim_writer_init(&w);
        xensim_put_str(&w, "web");
        xensim_put_u32(&w, XENSIM_PRESET_BALLOON_RATE);
        xensim_put_u64(&w, 0);
        xensim_put_u64(&w, 0);
        xensim_put_u64(&w, 0);
        xensim_put_u32(&w, 0);
        expect(xensim_call(guest, XENSIM_OP_PRESET, &w, XENSIM_CHARGE_NONE,
                           &reply, &len) == -EPERM,
               "a guest cannot preset domains");
        free(reply);
        xensim_writer_free(&w);

        expect(xensim_call(guest, XENSIM_OP_WORKLOAD_STATS, NULL, XENSIM_CHARGE_NONE,
                           &reply, &len) == -EPERM,
               "a guest cannot read others' workloads");
        free(reply);

        /* a fault rule would let it hold or fail the toolstack's calls */
        xensim_writer_init(&w);
        xensim_put_u32(&w, XENSIM_FAULT_CALL_ADD);
        xensim_put_u32(&w, XENSIM_OP_XS_WRITE);
        xensim_put_str(&w, "/local/domain/0/*");
        xensim_put_u32(&w, 0);
        xensim_put_u32(&w, 0);
        expect(xensim_call(guest, XENSIM_OP_FAULT_CALL, &w, XENSIM_CHARGE_NONE,
                           &reply, &len) == -EPERM,
               "a guest cannot set faults for others' calls");
        free(reply);
        xensim_writer_free(&w);
        xensim_writer_init(&w);
        xensim_put_u32(&w, XENSIM_FAULT_CALL_RELEASE);
        expect(xensim_call(guest, XENSIM_OP_FAULT_CALL, &w, XENSIM_CHARGE_NONE,
                           &reply, &len) == -EPERM,
               "a guest cannot release a held call");
        free(reply);
        xensim_writer_free(&w);

        /* dom0's rules are for dom0's calls: a guest's request neither
         * fires one nor uses it up */
        xensim_writer_init(&w);
        xensim_put_u32(&w, XENSIM_FAULT_CALL_ADD);
        xensim_put_u32(&w, XENSIM_OP_XS_READ);
        xensim_put_str(&w, "/local/domain/7/data/secret");
        xensim_put_u32(&w, 0);
        xensim_put_u32(&w, ENOSPC);
        expect(xensim_call(dom0, XENSIM_OP_FAULT_CALL, &w, XENSIM_CHARGE_NONE,
                           &reply, &len) == 0,
               "dom0 sets a fault for a read");
        free(reply);
        xensim_writer_free(&w);
        value = NULL;
        expect(xensim_xs_read_value(guest, "/local/domain/7/data/secret",
                                    &value, &vlen) == -EACCES,
               "a guest's read does not fire dom0's fault");
        free(value);
        value = NULL;
        expect(xensim_xs_read_value(dom0, "/local/domain/7/data/secret",
                                    &value, &vlen) == -ENOSPC,
               "dom0's read then fires it");
        free(value);
        value = NULL;
        expect(xensim_xs_read_value(dom0, "/local/domain/7/data/secret",
                                    &value, &vlen) == 0,
               "the fault fired once");
        free(value);
        value = NULL;
    }

    /* a frame announcing more than the maximum */
    memset(frame, 0xff, sizeof(frame));
    expect(raw_send_dropped(socket_path, frame, sizeof(frame)),
           "an oversized frame costs the sender its connection");
    /* an operation code nobody knows, and fields that run past the frame */
    {
        uint8_t bad_op[] = { 4, 0, 0, 0, 0xee, 0xee, 0, 0 };
        uint8_t short_field[] = { 12, 0, 0, 0, 23, 0, 0, 0, 0xff, 0xff, 0, 0, 'a', 'b', 'c', 'd' };

        expect(raw_send_dropped(socket_path, bad_op, sizeof(bad_op)),
               "an unknown operation is refused");
        expect(raw_send_dropped(socket_path, short_field, sizeof(short_field)),
               "a string longer than its frame is refused");
    }
    /* random frames of every small size */
    srand(7);
    for (i = 0; i < 200; i++) {
        size_t len = 4 + rand() % 40;
        size_t k;

        for (k = 0; k < len; k++)
            frame[k] = rand();
        frame[0] = len - 4;
        frame[1] = frame[2] = frame[3] = 0;
        raw_send_dropped(socket_path, frame, len);
    }

    expect(xensim_physinfo_get(dom0, &pi) == 0 && pi.total_pages == 262144,
           "the host still serves dom0 after the garbage");

    xensim_conn_close(guest);
    xensim_conn_close(dom0);
    xensim_test_daemon_stop(&td);
    return failures ? 1 : 0;
}
