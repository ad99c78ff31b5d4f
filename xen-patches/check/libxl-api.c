/*
 * The interfaces xen-patches/ adds to libxl, as libvirt's libxl driver
 * will use them: compiled against the patched libxl.h and linked with
 * immediate binding against the patched libxenlight.so, so that a
 * missing define, a changed prototype or a missing symbol fails the
 * build or the start of this program.  It runs without Xen, so it calls
 * only what needs no libxl_ctx: the generated type helpers of the new
 * IDL type and event.
 *
 * Prints one PASS/FAIL line per check; exits 1 if any failed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libxl.h>
/* libxl_json.h supports yajl 1 and 2; Debian 12 has 2, which has this
 * header (libvirt's driver defines the same when it finds yajl 2) */
#define HAVE_YAJL_YAJL_VERSION_H 1
#include <libxl_json.h>

#ifndef LIBXL_HAVE_CLAIM_ON_RESTORE
# error "LIBXL_HAVE_CLAIM_ON_RESTORE is not defined"
#endif
#ifndef LIBXL_HAVE_UNCLAIMED_FREE_MEMORY
# error "LIBXL_HAVE_UNCLAIMED_FREE_MEMORY is not defined"
#endif
#ifndef LIBXL_HAVE_MEMORY_POLICY
# error "LIBXL_HAVE_MEMORY_POLICY is not defined"
#endif
#ifndef LIBXL_HAVE_MEMORY_TARGETS
# error "LIBXL_HAVE_MEMORY_TARGETS is not defined"
#endif
#ifndef LIBXL_HAVE_MEMORY_PAGING_CONTROL
# error "LIBXL_HAVE_MEMORY_PAGING_CONTROL is not defined"
#endif
#ifndef LIBXL_HAVE_EVENT_DOMAIN_MEMORY_TARGET_CHANGED
# error "LIBXL_HAVE_EVENT_DOMAIN_MEMORY_TARGET_CHANGED is not defined"
#endif

static int failures;

static void
check(bool ok, const char *what)
{
    printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
    if (!ok)
        failures++;
}

/* Each prototype exactly as docs/xen-patches.md gives it: assigning to a
 * pointer of the documented type fails to compile if it differs. */
static int (*const get_unclaimed)(libxl_ctx *, uint64_t *) =
    libxl_get_unclaimed_free_memory;
static int (*const wait_unclaimed)(libxl_ctx *, uint32_t, uint64_t, int) =
    libxl_wait_for_unclaimed_free_memory;
static int (*const set_policy)(libxl_ctx *, uint32_t,
                               const libxl_memory_policy *) =
    libxl_domain_set_memory_policy;
static int (*const get_policy)(libxl_ctx *, uint32_t, libxl_memory_policy *) =
    libxl_domain_get_memory_policy;
static int (*const set_balloon)(libxl_ctx *, uint32_t, uint64_t) =
    libxl_domain_set_balloon_target;
static int (*const get_balloon)(libxl_ctx *, uint32_t, uint64_t *) =
    libxl_domain_get_balloon_target;
static int (*const set_paging)(libxl_ctx *, uint32_t, uint64_t) =
    libxl_domain_set_paging_target;
static int (*const get_paging_target)(libxl_ctx *, uint32_t, uint64_t *) =
    libxl_domain_get_paging_target;
static int (*const paging_enable)(libxl_ctx *, uint32_t) =
    libxl_domain_paging_enable;
static int (*const paging_disable)(libxl_ctx *, uint32_t) =
    libxl_domain_paging_disable;
static int (*const get_paging)(libxl_ctx *, uint32_t, bool *) =
    libxl_domain_get_paging;
static int (*const evenable)(libxl_ctx *, uint32_t, libxl_ev_user,
                             libxl_evgen_memory_target **) =
    libxl_evenable_memory_target;
static void (*const evdisable)(libxl_ctx *, libxl_evgen_memory_target *) =
    libxl_evdisable_memory_target;

static void
check_symbols(void)
{
    /* Through volatile copies, so that the compiler cannot fold the
     * tests: the addresses come from the dynamic linker. */
    const void *volatile fns[] = {
        (const void *)get_unclaimed, (const void *)wait_unclaimed,
        (const void *)set_policy, (const void *)get_policy,
        (const void *)set_balloon, (const void *)get_balloon,
        (const void *)set_paging, (const void *)get_paging_target,
        (const void *)paging_enable, (const void *)paging_disable,
        (const void *)get_paging, (const void *)evenable,
        (const void *)evdisable,
    };
    size_t i, resolved = 0;

    for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
        resolved += fns[i] != NULL;
    check(resolved == 13, "the 13 new functions resolve in libxenlight.so");
}

static void
check_policy_type(void)
{
    libxl_memory_policy policy;
    yajl_gen gen;
    const unsigned char *buf;
    size_t len;
    bool ok;

    libxl_memory_policy_init(&policy);
    check(policy.actor == NULL &&
          policy.delay_ms == LIBXL_MEMORY_POLICY_DELAY_MS_DEFAULT &&
          LIBXL_MEMORY_POLICY_DELAY_MS_DEFAULT == 5000,
          "libxl_memory_policy_init: no actor, the 5000 ms default delay");
    check(LIBXL_MEMORY_POLICY_ACTOR_MAX == 64,
          "LIBXL_MEMORY_POLICY_ACTOR_MAX is 64");
    check(LIBXL_MEMORY_POLICY_DELAY_MS_MAX == 3600000 &&
          LIBXL_MEMORY_POLICY_DELAY_MS_DEFAULT <=
              LIBXL_MEMORY_POLICY_DELAY_MS_MAX,
          "LIBXL_MEMORY_POLICY_DELAY_MS_MAX is one hour (as libvirt's "
          "<memoryPolicy delay>), above the default");

    /* The JSON the domain's stored configuration would carry */
    policy.actor = strdup("xl");
    policy.delay_ms = 250;
    gen = yajl_gen_alloc(NULL);
    ok = gen && libxl_memory_policy_gen_json(gen, &policy) == yajl_gen_status_ok &&
         yajl_gen_get_buf(gen, &buf, &len) == yajl_gen_status_ok;
    check(ok && len == strlen("{\"actor\":\"xl\",\"delay_ms\":250}") &&
          !memcmp(buf, "{\"actor\":\"xl\",\"delay_ms\":250}", len),
          "libxl_memory_policy_gen_json: {\"actor\":\"xl\",\"delay_ms\":250}");
    if (gen)
        yajl_gen_free(gen);
    libxl_memory_policy_dispose(&policy);
}

static void
check_event_type(void)
{
    libxl_event_type type;
    libxl_event ev;
    const char *name;

    name = libxl_event_type_to_string(LIBXL_EVENT_TYPE_DOMAIN_MEMORY_TARGET_CHANGED);
    check(name && !strcmp(name, "domain_memory_target_changed"),
          "event type 6 is named domain_memory_target_changed");
    check(LIBXL_EVENT_TYPE_DOMAIN_MEMORY_TARGET_CHANGED == 6 &&
          libxl_event_type_from_string("domain_memory_target_changed",
                                       &type) == 0 &&
          type == LIBXL_EVENT_TYPE_DOMAIN_MEMORY_TARGET_CHANGED,
          "domain_memory_target_changed parses back to event type 6");

    libxl_event_init(&ev);
    libxl_event_init_type(&ev, LIBXL_EVENT_TYPE_DOMAIN_MEMORY_TARGET_CHANGED);
    check(ev.type == LIBXL_EVENT_TYPE_DOMAIN_MEMORY_TARGET_CHANGED &&
          ev.u.domain_memory_target_changed.balloon_target_kb ==
              LIBXL_MEMKB_DEFAULT &&
          ev.u.domain_memory_target_changed.paging_target_kb ==
              LIBXL_MEMKB_DEFAULT,
          "a new target event starts with both targets LIBXL_MEMKB_DEFAULT");
    libxl_event_dispose(&ev);
}

int
main(void)
{
    check_symbols();
    check_policy_type();
    check_event_type();
    return failures ? 1 : 0;
}
