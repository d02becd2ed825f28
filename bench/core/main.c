/*
 * lipc_bench - the core benchmark: the floors of docs targets.md and this
 * project's 64 B..64 KiB sync calls, one-way throughput and idle CPU, in the
 * same run, per placement.  See bench/core/README.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bench_liteipc.h"
#include "bench_more.h"
#include "floors.h"
#include "harness.h"
#include "report.h"

static const uint32_t g_sizes[] = { 64, 4096, 65536 };
#define NSIZES (sizeof(g_sizes) / sizeof(g_sizes[0]))
/* memcpy references: the round-trip sizes, then those of the sweep and bulk rows */
static const uint32_t g_copy_sizes[] = { 64, 4096, 65536, 1024, 6656, 16384, 131072, 1u << 20 };
#define NCOPY (sizeof(g_copy_sizes) / sizeof(g_copy_sizes[0]))

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lipc_bench [--quick] [--json] [--iters N] [--cold-iters N]\n"
            "                  [--placement cross|same|unpinned]... [--no-core]\n"
            "                  [--scenario core|scale|sizes|bulk|footprint]...\n"
            "  --quick          ~10 s run with few iterations (smoke test; figures indicative)\n"
            "  --json           one JSON object per row on stdout; the table goes to stderr\n"
            "  --iters N        hot 64 B round trips per row (4 KiB: N/2, 64 KiB: N/4);\n"
            "                   default 20000\n"
            "  --cold-iters N   cold round trips per row (10 ms idle before each); default 200\n"
            "  --placement P    run only this placement (repeatable)\n"
            "  --no-core        floors only, skip the liteipc rows (of every scenario)\n"
            "  --scenario S     run only this scenario (repeatable; default all):\n"
            "                   core      floors and liteipc rows per placement\n"
            "                   scale     1, 8, 64 client processes -> one service (unpinned)\n"
            "                   sizes     hot sync calls 64 B .. 128 KiB (cross): no cliff\n"
            "                   bulk      one-way 1 MiB (and 64/128 KiB) vs memcpy (cross)\n"
            "                   footprint text of libliteipc, idle broker RSS\n"
            "Environment: LIPC_TEST_BROKER = liteipcd binary to use instead of the built one.\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !*s || *end || v == 0)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct bench_config *cfg)
{
    uint64_t iters = 0, cold = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--quick")) {
            cfg->quick = 1;
        } else if (!strcmp(a, "--json")) {
            cfg->json = 1;
        } else if (!strcmp(a, "--no-core")) {
            cfg->no_core = 1;
        } else if (!strcmp(a, "--iters") && i + 1 < argc) {
            if (parse_u64(argv[++i], &iters) < 0)
                return -1;
        } else if (!strcmp(a, "--cold-iters") && i + 1 < argc) {
            if (parse_u64(argv[++i], &cold) < 0)
                return -1;
        } else if (!strcmp(a, "--placement") && i + 1 < argc) {
            const char *p = argv[++i];
            int pl = !strcmp(p, "cross") ? PL_CROSS : !strcmp(p, "same") ? PL_SAME
                                                  : !strcmp(p, "unpinned") ? PL_UNPINNED : -1;
            if (pl < 0)
                return -1;
            cfg->placements |= 1u << pl;
        } else if (!strcmp(a, "--scenario") && i + 1 < argc) {
            int sc = bench_scenario_parse(argv[++i]);
            if (sc < 0)
                return -1;
            cfg->scenarios |= 1u << sc;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else {
            return -1;
        }
    }
    cfg->cold_idle_ns = 10000000ull;
    if (cfg->quick) {
        cfg->iters_hot = 2000;
        cfg->iters_cold = 20;
        cfg->row_cap_ns = 500000000ull;
        cfg->patho_iters = 20;
        cfg->patho_cap_ns = 300000000ull;
        cfg->tput_ns = 100000000ull;
        cfg->idle_ns = 200000000ull;
        cfg->scale_ns = 200000000ull;
    } else {
        cfg->iters_hot = 20000;
        cfg->iters_cold = 200;
        cfg->row_cap_ns = 3000000000ull;
        cfg->patho_iters = 50;
        cfg->patho_cap_ns = 1000000000ull;
        cfg->tput_ns = 300000000ull;
        cfg->idle_ns = 1000000000ull;
        cfg->scale_ns = 1000000000ull;
    }
    if (iters)
        cfg->iters_hot = iters;
    if (cold)
        cfg->iters_cold = cold;
    if (!cfg->placements)
        cfg->placements = (1u << PL_COUNT) - 1;
    if (!cfg->scenarios)
        cfg->scenarios = (1u << SC_COUNT) - 1;
    return 0;
}

static void add(struct bench_table *t, const struct bench_row *r)
{
    if (!bench_table_add(t, r))
        bench_log("lipc_bench: too many rows, dropping %s %s\n", r->impl, r->scenario);
}

static void run_floors(const struct bench_config *cfg, int pl, struct bench_table *t)
{
    struct bench_row r;
    for (int impl = 0; impl < FLOOR_COUNT; impl++) {
        bench_log("  %-11s cold   %-8s     64 B ...\n", floor_impl_name(impl),
                  bench_placement_name(pl));
        floor_rtt(cfg, impl, 1, pl, 64, &r);
        add(t, &r);
    }
    for (size_t s = 0; s < NSIZES; s++) {
        for (int impl = 0; impl < FLOOR_COUNT; impl++) {
            bench_log("  %-11s hot    %-8s %6u B ...\n", floor_impl_name(impl),
                      bench_placement_name(pl), g_sizes[s]);
            floor_rtt(cfg, impl, 0, pl, g_sizes[s], &r);
            add(t, &r);
        }
    }
    for (int impl = 0; impl < FLOOR_COUNT; impl++) {
        bench_log("  %-11s oneway %-8s     64 B ...\n", floor_impl_name(impl),
                  bench_placement_name(pl));
        floor_tput(cfg, impl, pl, &r);
        add(t, &r);
    }
}

static int want(const struct bench_config *cfg, int sc)
{
    return (cfg->scenarios >> sc) & 1u;
}

static void more_done(const char *what, int rc, const char *why)
{
    if (rc < 0 || strcmp(why, "ok") != 0)
        bench_log("lipc_bench: liteipc %s: %s\n", what, why);
}

/* The scenarios beyond the per-placement rows.  skip_why: the core is not
 * usable (or --no-core): their rows are reported skipped with it. */
static void run_more(const struct bench_config *cfg, struct bench_table *t, int ncpu,
                     const char *skip_why)
{
    char why[200];
    int cross = ncpu >= 2;
    if (want(cfg, SC_SIZES) || want(cfg, SC_BULK) || want(cfg, SC_SCALE) ||
        want(cfg, SC_FOOTPRINT))
        bench_log("liteipc scenarios:\n");
    if (want(cfg, SC_SIZES)) {
        if (skip_why || !cross)
            sizes_bench_skip(t, skip_why ? skip_why : "needs two CPUs (cross placement)");
        else
            more_done("sizes", sizes_bench_run(cfg, t, why, sizeof(why)), why);
    }
    if (want(cfg, SC_BULK)) {
        if (skip_why || !cross)
            bulk_bench_skip(t, skip_why ? skip_why : "needs two CPUs (cross placement)");
        else
            more_done("bulk", bulk_bench_run(cfg, t, why, sizeof(why)), why);
    }
    int rows = want(cfg, SC_SCALE), rss = want(cfg, SC_FOOTPRINT);
    if (rows || rss) {
        if (skip_why)
            scale_bench_skip(t, rows, rss, skip_why);
        else
            more_done("scale", scale_bench_run(cfg, t, rows, rss, why, sizeof(why)), why);
    }
    if (want(cfg, SC_FOOTPRINT))
        footprint_text_row(t);
}

int main(int argc, char **argv)
{
    static struct bench_config cfg;
    static struct bench_table table;

    if (parse_args(argc, argv, &cfg) < 0) {
        usage(stderr);
        return 2;
    }
    int ncpu = bench_cpus_init();
    if (ncpu < 1) {
        fprintf(stderr, "lipc_bench: sched_getaffinity: %s\n", strerror(ncpu < 0 ? -ncpu : EINVAL));
        return 1;
    }
    /* Processes started by a liteipc coordinator that dies become ours to reap. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);

    cfg.load_start = bench_loadavg();
    if (cfg.load_start > 0.5)
        bench_log("lipc_bench: load average %.2f before the run: other processes compete for"
                  " the CPUs; figures will be disturbed\n", cfg.load_start);
    uint64_t t0 = bench_now_ns();
    struct bench_row r;
    for (size_t s = 0; s < NCOPY; s++) {
        floor_memcpy(&cfg, g_copy_sizes[s], &r);
        add(&table, &r);
    }

    int core_dead = 0;
    char core_why[200] = "";
    if (cfg.no_core)
        snprintf(core_why, sizeof(core_why), "--no-core");
    for (int pl = 0; pl < PL_COUNT && want(&cfg, SC_CORE); pl++) {
        if (!(cfg.placements & (1u << pl)))
            continue;
        if (pl == PL_CROSS && ncpu < 2) {
            bench_log("lipc_bench: only one CPU available: skipping the cross placement\n");
            continue;
        }
        bench_log("placement %s:\n", bench_placement_name(pl));
        run_floors(&cfg, pl, &table);
        if (cfg.no_core || core_dead) {
            liteipc_bench_skip(pl, &table, core_why);
            continue;
        }
        char why[200];
        int rc = liteipc_bench_run(&cfg, pl, &table, why, sizeof(why));
        if (rc < 0) {
            bench_log("lipc_bench: liteipc rows skipped: %s\n", why);
            /* nothing ran at all: the core is not usable, do not retry per placement */
            core_dead = 1;
            snprintf(core_why, sizeof(core_why), "%s", why);
        } else if (strcmp(why, "ok") != 0) {
            bench_log("lipc_bench: liteipc %s: %s\n", bench_placement_name(pl), why);
        }
    }
    run_more(&cfg, &table, ncpu, cfg.no_core || core_dead ? core_why : NULL);
    cfg.load_end = bench_loadavg();
    bench_log("lipc_bench: %.1f s\n", (double)(bench_now_ns() - t0) / 1e9);

    if (cfg.json) {
        report_table(stderr, &cfg, &table);
        report_json(stdout, &cfg, &table);
    } else {
        report_table(stdout, &cfg, &table);
    }
    return 0;
}
