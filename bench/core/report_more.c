/*
 * report_more.c - table sections, JSON fields and target checks of the
 * scale, sizes, bulk and footprint rows (see README.md for the checks).
 */
#include "report_more.h"

#include <string.h>

#include "bench_more.h"

#define SCALE_MIN_RATIO 0.7     /* targets.md: 64 clients keep >= 70 % of 1 client */
#define SCALE_P99_FAIR 4.0      /* our "bounded p99": <= 4x the fair share N / aggregate */
#define CLIFF_FACTOR 2.0        /* no cliff: ns/KiB <= 2x the previous size's */
#define BULK_MIN_RATIO 0.5      /* 1 MiB one-way >= 50 % of memcpy */

/* ---- derived figures --------------------------------------------------------- */

static const struct bench_row *scale_one(const struct bench_table *t)
{
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind == KIND_SCALE && r->status == ST_OK && r->clients == 1)
            return r;
    }
    return NULL;
}

/* aggregate(N) / aggregate(1), or -1 */
static double scale_ratio(const struct bench_table *t, const struct bench_row *r)
{
    const struct bench_row *one = scale_one(t);
    if (!one || one->msgs_per_s <= 0 || r->status != ST_OK)
        return -1;
    return r->msgs_per_s / one->msgs_per_s;
}

/* N / aggregate: the time per call if the service served the clients in turn */
static double scale_fair_ns(const struct bench_row *r)
{
    return r->msgs_per_s > 0 ? (double)r->clients * 1e9 / r->msgs_per_s : -1;
}

static double ns_per_kib(const struct bench_row *r)
{
    return r->size ? (double)r->st.p50 * 1024.0 / (double)r->size : -1;
}

/* The OK sweep row of the next smaller size, if any. */
static const struct bench_row *sweep_prev(const struct bench_table *t, const struct bench_row *r)
{
    const struct bench_row *best = NULL;
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *p = &t->rows[i];
        if (p->kind == KIND_SWEEP && p->status == ST_OK && p->placement == r->placement &&
            p->size < r->size && (!best || p->size > best->size))
            best = p;
    }
    return best;
}

/* memcpy bytes/s of one copy of `size` bytes (hot cache), or -1 */
static double memcpy_bps(const struct bench_table *t, uint32_t size)
{
    const struct bench_row *c = bench_table_find(t, "memcpy", "copy", PL_UNPINNED, size);
    return c && c->st.p50 ? (double)size * 1e9 / (double)c->st.p50 : -1;
}

static uint64_t memcpy_ns(const struct bench_table *t, uint32_t size)
{
    const struct bench_row *c = bench_table_find(t, "memcpy", "copy", PL_UNPINNED, size);
    return c ? c->st.p50 : 0;
}

/* ---- targets ------------------------------------------------------------------ */

int report_more_targets(const struct bench_table *t, const struct bench_row *r,
                        struct target *out)
{
    int n = 0;
    /* a size the core refused (the row failed; not skipped) misses its target */
    if (r->status == ST_FAILED && r->kind == KIND_BULK) {
        out[n++] = (struct target){ r->size == BULK_TARGET_SIZE ? "1M>=0.5x_memcpy"
                                                                : ">=0.5x_memcpy", 0 };
        return n;
    }
    if (r->status == ST_FAILED && r->kind == KIND_SWEEP && sweep_prev(t, r)) {
        out[n++] = (struct target){ "no_cliff", 0 };
        return n;
    }
    if (r->status != ST_OK)
        return 0;
    switch (r->kind) {
    case KIND_SCALE: {
        double ratio = scale_ratio(t, r), fair = scale_fair_ns(r);
        if (r->clients > 1 && ratio >= 0)
            out[n++] = (struct target){ ">=0.7x_1client", ratio >= SCALE_MIN_RATIO };
        if (fair > 0)
            out[n++] = (struct target){ "p99<=4x_fair", (double)r->st.p99 <= SCALE_P99_FAIR * fair };
        break;
    }
    case KIND_SWEEP: {
        const struct bench_row *p = sweep_prev(t, r);
        if (p)
            out[n++] = (struct target){ "no_cliff", ns_per_kib(r) <= CLIFF_FACTOR * ns_per_kib(p) };
        break;
    }
    case KIND_BULK: {
        double mc = memcpy_bps(t, r->size);
        if (mc > 0)
            out[n++] = (struct target){ r->size == BULK_TARGET_SIZE ? "1M>=0.5x_memcpy"
                                                                    : ">=0.5x_memcpy",
                                        r->bytes_per_s >= BULK_MIN_RATIO * mc };
        break;
    }
    case KIND_FOOTPRINT:
        out[n++] = (struct target){ !strcmp(r->scenario, "footprint_text") ? "text<=128KiB"
                                                                           : "idle_broker<=2MiB",
                                    r->bytes <= r->limit };
        break;
    default:
        break;
    }
    return n;
}

/* ---- table ---------------------------------------------------------------------- */

/* Prints "failed: why" (and the targets a failed row still checks); 1 if not ok. */
static int not_ok(FILE *f, const struct bench_table *t, const struct bench_row *r)
{
    if (r->status == ST_OK)
        return 0;
    fprintf(f, " %s: %s", report_status_word(r), r->note);
    struct target tg[MAX_TARGETS];
    if (report_row_targets(t, r, tg) > 0) {
        fprintf(f, " |");
        report_print_targets(f, t, r);
    }
    fprintf(f, "\n");
    return 1;
}

static void section_scale(FILE *f, const struct bench_table *t)
{
    fprintf(f, "\nScale: N client processes -> one service (the CMS, one receive thread), back-to-back"
               " 64 B sync calls,\nunpinned (%d CPUs; the scheduler places them), all clients"
               " from a common start; latency per call, microseconds\n",
            bench_cpu_count());
    fprintf(f, "%-7s %9s %10s %7s %8s %8s %8s %8s %8s %8s %8s | targets\n", "clients", "calls",
            "k calls/s", "/1 cl.", "p50", "p99", "mean", "max", "fair", "srv busy", "cpu/call");
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind != KIND_SCALE)
            continue;
        fprintf(f, "%7u", r->clients);
        if (not_ok(f, t, r))
            continue;
        double ratio = scale_ratio(t, r);
        fprintf(f, " %9llu %10.1f", (unsigned long long)r->iters, r->msgs_per_s / 1e3);
        if (ratio >= 0)
            fprintf(f, " %6.2fx", ratio);
        else
            fprintf(f, " %7s", "-");
        report_us(f, r->st.p50);
        report_us(f, r->st.p99);
        report_us(f, r->st.mean);
        report_us(f, r->st.max);
        report_us(f, (uint64_t)scale_fair_ns(r));
        if (r->cpu_ns[0] >= 0 && r->window_ns)
            fprintf(f, " %7.0f%%", 100.0 * (double)r->cpu_ns[0] / (double)r->window_ns);
        else
            fprintf(f, " %8s", "-");
        if (r->cpu_ns[0] >= 0 && r->cpu_ns[1] >= 0 && r->cpu_ns[2] >= 0 && r->cpu_calls)
            report_us(f, (uint64_t)((r->cpu_ns[0] + r->cpu_ns[1] + r->cpu_ns[2]) / (int64_t)r->cpu_calls));
        else
            fprintf(f, " %8s", "-");
        fprintf(f, " |");
        report_print_targets(f, t, r);
        fprintf(f, "  (%s)\n", r->note);
    }
    fprintf(f, "fair = N / aggregate: the time per call if the service served the clients in turn"
               " (= mean, by Little's law);\nsrv busy = CPU of the service process / window;"
               " cpu/call = CPU of service + clients + broker per call.\n");
}

static void section_sweep(FILE *f, const struct bench_table *t)
{
    fprintf(f, "\nSize sweep: hot sync calls, request and reply of the same size, cross placement;"
               " microseconds\n(no_cliff: ns per KiB of p50 <= %.0fx that of the next smaller size;"
               " 2 copies = two memcpy of the size)\n",
            CLIFF_FACTOR);
    fprintf(f, "%7s %7s %8s %8s %8s %9s %9s | targets\n", "size", "iters", "p50", "p99", "2 copies",
            "ns/KiB", "/smaller");
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind != KIND_SWEEP)
            continue;
        fprintf(f, "%7u", r->size);
        if (not_ok(f, t, r))
            continue;
        fprintf(f, " %7llu", (unsigned long long)r->iters);
        report_us(f, r->st.p50);
        report_us(f, r->st.p99);
        uint64_t mc = memcpy_ns(t, r->size);
        if (mc)
            report_us(f, 2 * mc);
        else
            fprintf(f, " %8s", "-");
        fprintf(f, " %9.1f", ns_per_kib(r));
        const struct bench_row *p = sweep_prev(t, r);
        if (p)
            fprintf(f, " %8.2fx", ns_per_kib(r) / ns_per_kib(p));
        else
            fprintf(f, " %9s", "-");
        fprintf(f, " |");
        report_print_targets(f, t, r);
        if (r->capped || r->note[0])
            fprintf(f, "  (%s)", r->note);
        fprintf(f, "\n");
    }
}

static void section_bulk(FILE *f, const struct bench_table *t)
{
    fprintf(f, "\nBulk: one-way messages, sender (CPU%d) -> receiver (CPU%d) that frees each without"
               " reading it;\nGB/s of payload at the receiver vs one single-thread memcpy of the"
               " same size (hot cache, this process);\nbusy = CPU of receiver / sender over the"
               " burst (sender retries a full ring with sched_yield)\n",
            bench_cpu_of(PL_CROSS, ROLE_CLIENT), bench_cpu_of(PL_CROSS, ROLE_SERVER));
    fprintf(f, "%8s %8s %8s %10s %8s %9s %9s %9s | targets\n", "size", "msgs", "GB/s",
            "memcpy GB/s", "/memcpy", "retries", "recv busy", "send busy");
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind != KIND_BULK)
            continue;
        fprintf(f, "%8u", r->size);
        if (not_ok(f, t, r))
            continue;
        double mc = memcpy_bps(t, r->size);
        fprintf(f, " %8llu %8.2f", (unsigned long long)r->iters, r->bytes_per_s / 1e9);
        if (mc > 0)
            fprintf(f, " %10.2f %7.2fx", mc / 1e9, r->bytes_per_s / mc);
        else
            fprintf(f, " %10s %8s", "-", "-");
        fprintf(f, " %9llu", (unsigned long long)r->retries);
        for (int k = 0; k < 2; k++) {
            if (r->cpu_ns[k] >= 0 && r->window_ns)
                fprintf(f, " %8.0f%%", 100.0 * (double)r->cpu_ns[k] / (double)r->window_ns);
            else
                fprintf(f, " %9s", "-");
        }
        fprintf(f, " |");
        report_print_targets(f, t, r);
        if (r->note[0])
            fprintf(f, "  (%s)", r->note);
        fprintf(f, "\n");
    }
}

static void section_footprint(FILE *f, const struct bench_table *t)
{
    fprintf(f, "\nFootprint\n");
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind != KIND_FOOTPRINT)
            continue;
        int text = !strcmp(r->scenario, "footprint_text");
        fprintf(f, "%-28s", text ? "libliteipc text" : "liteipcd idle RSS");
        if (not_ok(f, t, r))
            continue;
        if (text)
            fprintf(f, " %8.1f KiB (executable %.1f KiB), limit %llu KiB |",
                    (double)r->bytes / 1024.0, (double)r->bytes2 / 1024.0,
                    (unsigned long long)r->limit / 1024);
        else
            fprintf(f, " %8.1f KiB (peak VmHWM %.1f KiB), limit %llu KiB |",
                    (double)r->bytes / 1024.0, (double)r->bytes2 / 1024.0,
                    (unsigned long long)r->limit / 1024);
        report_print_targets(f, t, r);
        fprintf(f, "  (%s)\n", r->note);
    }
}

void report_more_tables(FILE *f, const struct bench_config *cfg, const struct bench_table *t)
{
    (void)cfg;
    if (report_any_kind(t, KIND_SCALE))
        section_scale(f, t);
    if (report_any_kind(t, KIND_SWEEP))
        section_sweep(f, t);
    if (report_any_kind(t, KIND_BULK))
        section_bulk(f, t);
    if (report_any_kind(t, KIND_FOOTPRINT))
        section_footprint(f, t);
}

/* ---- JSON ------------------------------------------------------------------------ */

void report_more_json(FILE *f, const struct bench_table *t, const struct bench_row *r)
{
    int ok = r->status == ST_OK;
    switch (r->kind) {
    case KIND_SCALE: {
        double ratio = scale_ratio(t, r), fair = scale_fair_ns(r);
        report_jnum(f, "clients", 1, r->clients);
        report_jnum(f, "calls_per_s", ok, (double)(long long)r->msgs_per_s);
        report_jnum(f, "ratio_to_1client", ok && ratio >= 0, ratio);
        report_jnum(f, "fair_ns", ok && fair > 0, (double)(long long)fair);
        report_jnum(f, "window_ns", ok, (double)r->window_ns);
        report_jnum(f, "server_cpu_ns", ok && r->cpu_ns[0] >= 0, (double)r->cpu_ns[0]);
        report_jnum(f, "clients_cpu_ns", ok && r->cpu_ns[1] >= 0, (double)r->cpu_ns[1]);
        report_jnum(f, "broker_cpu_ns", ok && r->cpu_ns[2] >= 0, (double)r->cpu_ns[2]);
        break;
    }
    case KIND_SWEEP: {
        const struct bench_row *p = sweep_prev(t, r);
        uint64_t mc = memcpy_ns(t, r->size);
        report_jnum(f, "ns_per_kib", ok, ns_per_kib(r));
        report_jnum(f, "smaller_ns_per_kib", ok && p, p ? ns_per_kib(p) : 0);
        report_jnum(f, "memcpy_ns", mc != 0, (double)mc);
        break;
    }
    case KIND_BULK: {
        double mc = memcpy_bps(t, r->size);
        report_jnum(f, "msgs_per_s", ok, (double)(long long)r->msgs_per_s);
        report_jnum(f, "retries", ok, (double)r->retries);
        report_jnum(f, "bytes_per_s", ok, (double)(long long)r->bytes_per_s);
        report_jnum(f, "memcpy_bytes_per_s", mc > 0, (double)(long long)mc);
        report_jnum(f, "ratio_memcpy", ok && mc > 0, mc > 0 ? r->bytes_per_s / mc : 0);
        report_jnum(f, "window_ns", ok, (double)r->window_ns);
        report_jnum(f, "server_cpu_ns", ok && r->cpu_ns[0] >= 0, (double)r->cpu_ns[0]);
        report_jnum(f, "client_cpu_ns", ok && r->cpu_ns[1] >= 0, (double)r->cpu_ns[1]);
        break;
    }
    case KIND_FOOTPRINT: {
        int text = !strcmp(r->scenario, "footprint_text");
        report_jnum(f, "bytes", ok, (double)r->bytes);
        report_jnum(f, "limit_bytes", 1, (double)r->limit);
        report_jnum(f, text ? "text_exec_bytes" : "vmhwm_bytes", ok, (double)r->bytes2);
        break;
    }
    default:
        break;
    }
}
