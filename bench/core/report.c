/*
 * report.c - table and JSON output, and the targets of targets.md.
 */
#include "report.h"
#include "report_more.h"

#include <string.h>

#define IDLE_MAX_NS_PER_S 1000000.0     /* "uses no CPU": under 1 ms per second */

struct floors {
    const struct bench_row *spin, *futex, *unx;
};

static void find_floors(const struct bench_table *t, const struct bench_row *r, struct floors *f)
{
    f->spin = bench_table_find(t, "floor_spin", r->scenario, r->placement, r->size);
    f->futex = bench_table_find(t, "floor_futex", r->scenario, r->placement, r->size);
    f->unx = bench_table_find(t, "floor_unix", r->scenario, r->placement, r->size);
}

static int is_floor(const struct bench_row *r)
{
    return strncmp(r->impl, "floor_", 6) == 0;
}

/* ---- targets ------------------------------------------------------------------ */

int report_row_targets(const struct bench_table *t, const struct bench_row *r,
                       struct target *out)
{
    int n = 0;
    if (r->kind >= KIND_SCALE)
        return report_more_targets(t, r, out);
    if (is_floor(r) || r->status != ST_OK || r->kind == KIND_COPY)
        return 0;
    struct floors f;
    find_floors(t, r, &f);
    double p50 = (double)r->st.p50;
    if (r->kind == KIND_LATENCY) {
        int hot = strcmp(r->scenario, "hot") == 0;
        if (!hot && r->size == 64 && f.futex)
            out[n++] = (struct target){ "cold<=1.3x_futex", p50 <= 1.3 * (double)f.futex->st.p50 };
        if (hot && r->size == 64 && r->placement == PL_CROSS) {
            out[n++] = (struct target){ "hot<=1us", p50 <= 1000.0 };
            if (f.spin && !f.spin->pathological)
                out[n++] = (struct target){ "hot<=5x_spin", p50 <= 5.0 * (double)f.spin->st.p50 };
        }
        if (hot && r->size == 64 && r->placement == PL_SAME && f.futex)
            out[n++] = (struct target){ "same<=1.3x_futex", p50 <= 1.3 * (double)f.futex->st.p50 };
        if (hot && r->size == 65536) {
            const struct bench_row *small = bench_table_find(t, r->impl, "hot", r->placement, 64);
            const struct bench_row *cp = bench_table_find(t, "memcpy", "copy", PL_UNPINNED, 65536);
            if (small && cp)
                out[n++] = (struct target){ "64K<=64B+1.5x2copies",
                                            p50 <= (double)small->st.p50 + 3.0 * (double)cp->st.p50 };
        }
        if (f.unx)
            out[n++] = (struct target){ "<=0.5x_unix", p50 <= 0.5 * (double)f.unx->st.p50 };
    } else if (r->kind == KIND_THROUGHPUT) {
        out[n++] = (struct target){ ">=1M_msg/s", r->msgs_per_s >= 1e6 };
    } else if (r->kind == KIND_IDLE && r->window_ns) {
        static const char *names[BENCH_IDLE_PROCS] = { "idle_server_no_cpu", "idle_client_no_cpu",
                                                       "idle_broker_no_cpu" };
        for (int i = 0; i < BENCH_IDLE_PROCS; i++)
            if (r->cpu_ns[i] >= 0)
                out[n++] = (struct target){ names[i], (double)r->cpu_ns[i] * 1e9 /
                                                              (double)r->window_ns <= IDLE_MAX_NS_PER_S };
    }
    return n;
}

/* ---- table ---------------------------------------------------------------------- */

void report_us(FILE *f, uint64_t ns)
{
    if (ns >= 10000000ull)
        fprintf(f, " %8.0f", (double)ns / 1000.0);
    else
        fprintf(f, " %8.2f", (double)ns / 1000.0);
}

static void ratio(FILE *f, const struct bench_row *r, const struct bench_row *fl)
{
    if (!fl || !fl->st.p50)
        fprintf(f, " %7s", "-");
    else
        fprintf(f, " %6.2fx", (double)r->st.p50 / (double)fl->st.p50);
}

const char *report_status_word(const struct bench_row *r)
{
    return r->status == ST_OK ? "ok" : r->status == ST_SKIPPED ? "skipped" : "failed";
}

void report_print_targets(FILE *f, const struct bench_table *t, const struct bench_row *r)
{
    struct target tg[MAX_TARGETS];
    int n = report_row_targets(t, r, tg);
    for (int i = 0; i < n; i++)
        fprintf(f, " %s %s", tg[i].name, tg[i].pass ? "\u2713" : "\u2717");
}

int report_any_kind(const struct bench_table *t, int kind)
{
    for (int i = 0; i < t->n; i++)
        if (t->rows[i].kind == kind)
            return 1;
    return 0;
}

static void section_latency(FILE *f, const struct bench_table *t, int *notes)
{
    if (!report_any_kind(t, KIND_LATENCY))
        return;
    fprintf(f, "\nRound trips, microseconds (ratios = p50 / p50 of the floor in the same placement,"
               " scenario and size)\n");
    fprintf(f, "%-9s %-5s %6s %-12s %7s %8s %8s %8s | %7s %7s %7s | targets\n", "placement",
            "scen.", "size", "impl", "iters", "p50", "p99", "mean", "/futex", "/spin", "/unix");
    int last_pl = -1;
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind != KIND_LATENCY)
            continue;
        if (r->placement != last_pl && last_pl != -1)
            fprintf(f, "\n");
        last_pl = r->placement;
        fprintf(f, "%-9s %-5s %6u %-12s", bench_placement_name(r->placement), r->scenario, r->size,
                r->impl);
        if (r->status != ST_OK) {
            fprintf(f, " %s: %s\n", report_status_word(r), r->note);
            continue;
        }
        fprintf(f, " %7llu", (unsigned long long)r->iters);
        report_us(f, r->st.p50);
        report_us(f, r->st.p99);
        report_us(f, r->st.mean);
        fprintf(f, " |");
        if (is_floor(r)) {
            fprintf(f, " %7s %7s %7s |", "", "", "");
        } else {
            struct floors fl;
            find_floors(t, r, &fl);
            ratio(f, r, fl.futex);
            ratio(f, r, fl.spin && !fl.spin->pathological ? fl.spin : NULL);
            ratio(f, r, fl.unx);
            fprintf(f, " |");
            report_print_targets(f, t, r);
            if (r->cpu_calls && r->cpu_ns[0] >= 0 && r->cpu_ns[1] >= 0 && r->cpu_ns[2] >= 0)
                fprintf(f, " | cpu/call %.1f us",
                        (double)(r->cpu_ns[0] + r->cpu_ns[1] + r->cpu_ns[2]) / 1000.0 /
                            (double)r->cpu_calls);
        }
        if (r->pathological || r->capped || r->note[0]) {
            fprintf(f, " [%d]", ++*notes);
        }
        fprintf(f, "\n");
    }
}

static void section_tput(FILE *f, const struct bench_table *t, int *notes)
{
    if (!report_any_kind(t, KIND_THROUGHPUT))
        return;
    fprintf(f, "\nOne-way throughput, 64 B messages, one sender -> one receiver\n");
    fprintf(f, "%-9s %-12s %10s %12s %10s | %7s | targets\n", "placement", "impl", "msgs",
            "M msgs/s", "retries", "/futex");
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind != KIND_THROUGHPUT)
            continue;
        fprintf(f, "%-9s %-12s", bench_placement_name(r->placement), r->impl);
        if (r->status != ST_OK) {
            fprintf(f, " %s: %s\n", report_status_word(r), r->note);
            continue;
        }
        fprintf(f, " %10llu %12.3f %10llu |", (unsigned long long)r->iters, r->msgs_per_s / 1e6,
                (unsigned long long)r->retries);
        const struct bench_row *fl = bench_table_find(t, "floor_futex", "oneway", r->placement, 64);
        if (!is_floor(r) && fl && fl->msgs_per_s > 0)
            fprintf(f, " %6.2fx |", r->msgs_per_s / fl->msgs_per_s);
        else
            fprintf(f, " %7s |", "");
        report_print_targets(f, t, r);
        if (r->pathological || r->note[0])
            fprintf(f, " [%d]", ++*notes);
        fprintf(f, "\n");
    }
}

static void section_idle(FILE *f, const struct bench_table *t, int *notes)
{
    int any = 0;
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind != KIND_IDLE)
            continue;
        if (!any)
            fprintf(f, "\nIdle CPU: CPU time used during an idle window (target: < %.1f ms per s"
                       " each)\n%-9s %-12s %10s %12s %12s %12s | targets\n",
                    IDLE_MAX_NS_PER_S / 1e6, "placement", "impl", "window ms", "server ms",
                    "client ms", "broker ms");
        any = 1;
        fprintf(f, "%-9s %-12s", bench_placement_name(r->placement), r->impl);
        if (r->status != ST_OK) {
            fprintf(f, " %s: %s\n", report_status_word(r), r->note);
            continue;
        }
        fprintf(f, " %10.1f", (double)r->window_ns / 1e6);
        for (int k = 0; k < BENCH_IDLE_PROCS; k++) {
            if (r->cpu_ns[k] < 0)
                fprintf(f, " %12s", "n/a");
            else
                fprintf(f, " %12.3f", (double)r->cpu_ns[k] / 1e6);
        }
        fprintf(f, " |");
        report_print_targets(f, t, r);
        if (r->note[0])
            fprintf(f, " [%d]", ++*notes);
        fprintf(f, "\n");
    }
}

static void section_copy(FILE *f, const struct bench_table *t)
{
    fprintf(f, "\nmemcpy in one process (hot cache), per copy:");
    int k = 0;
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->kind == KIND_COPY && r->status == ST_OK)
            fprintf(f, "%s  %u B %.2f us", k++ && k % 5 == 1 ? "\n   " : "", r->size,
                    (double)r->st.p50 / 1000.0);
    }
    fprintf(f, "\n");
}

static void section_notes(FILE *f, const struct bench_table *t)
{
    int n = 0;
    fprintf(f, "\nNotes:\n");
    for (int kind = KIND_LATENCY; kind <= KIND_IDLE; kind++) {
        for (int i = 0; i < t->n; i++) {
            const struct bench_row *r = &t->rows[i];
            if (r->kind != kind || r->status != ST_OK)
                continue;
            if (!(r->pathological || r->capped || r->note[0]))
                continue;
            fprintf(f, " [%d] %s %s %s %u B: %s%s%s\n", ++n, bench_placement_name(r->placement),
                    r->scenario, r->impl, r->size, r->pathological ? "PATHOLOGICAL, " : "",
                    r->capped ? "capped, " : "", r->note);
        }
    }
}

void report_table(FILE *f, const struct bench_config *cfg, const struct bench_table *t)
{
    int notes = 0;
    int c0 = bench_cpu_of(PL_CROSS, ROLE_CLIENT), c1 = bench_cpu_of(PL_CROSS, ROLE_SERVER);
    fprintf(f, "lipc_bench%s: two forked processes per row; a round trip = request + reply of the"
               " same size,\ntimed on the client (CLOCK_MONOTONIC); shm floors copy once per"
               " direction, as LiteIPC does.\n",
            cfg->quick ? " --quick (few iterations: indicative only)" : "");
    if (c1 >= 0)
        fprintf(f, "Placement: cross = client CPU%d, server CPU%d; same = both on CPU%d; unpinned ="
                   " no affinity (%d CPUs allowed).\n",
                c0, c1, c0, bench_cpu_count());
    else
        fprintf(f, "Placement: same = both on CPU%d; unpinned = no affinity (1 CPU allowed).\n", c0);
    if (bench_cpu_count() < 2)
        fprintf(f, "Only one CPU is available: the cross placement was skipped.\n");
    fprintf(f, "Scenario: cold = the service idles %.0f ms before each call; hot = back-to-back"
               " calls.\n",
            (double)cfg->cold_idle_ns / 1e6);
    fprintf(f, "Machine load (1-min average) before/after the run: %.2f / %.2f%s\n",
            cfg->load_start, cfg->load_end,
            cfg->load_start > 0.5 || cfg->load_end > 2.5
                ? "  <- other processes competed for the CPUs: figures are disturbed"
                : "");
    fprintf(f, "liteipc rows time lipc_send_recv(SEND|RECV) plus the BUFF_FREE of the reply.\n");
    section_latency(f, t, &notes);
    section_tput(f, t, &notes);
    section_idle(f, t, &notes);
    report_more_tables(f, cfg, t);
    section_copy(f, t);
    if (notes)
        section_notes(f, t);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void jstr(FILE *f, const char *key, const char *v)
{
    fprintf(f, ",\"%s\":\"", key);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void report_jnum(FILE *f, const char *key, int present, double v)
{
    if (!present)
        fprintf(f, ",\"%s\":null", key);
    else if (v == (double)(long long)v)
        fprintf(f, ",\"%s\":%lld", key, (long long)v);
    else
        fprintf(f, ",\"%s\":%.4f", key, v);
}

static void jlat(FILE *f, const char *key, const struct bench_row *r)
{
    report_jnum(f, key, r && r->kind == KIND_LATENCY && r->st.n, r ? (double)r->st.p50 : 0);
}

static void jratio(FILE *f, const char *key, const struct bench_row *r, const struct bench_row *fl)
{
    int ok = !is_floor(r) && r->status == ST_OK && r->kind == KIND_LATENCY && fl && fl->st.p50;
    report_jnum(f, key, ok, ok ? (double)r->st.p50 / (double)fl->st.p50 : 0);
}

static void jcpu(FILE *f, const char *key, int pl, int role)
{
    int c = bench_cpu_of(pl, role);
    report_jnum(f, key, c >= 0 && pl != PL_UNPINNED, c);
}

void report_json(FILE *f, const struct bench_config *cfg, const struct bench_table *t)
{
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        int lat = r->status == ST_OK && (r->kind == KIND_LATENCY || r->kind == KIND_COPY ||
                                         r->kind == KIND_SCALE || r->kind == KIND_SWEEP);
        struct floors fl = { 0 };
        if (r->kind == KIND_LATENCY)
            find_floors(t, r, &fl);
        fprintf(f, "{\"impl\":\"%s\"", r->impl);
        jstr(f, "scenario", r->scenario);
        jstr(f, "placement", bench_placement_name(r->placement));
        fprintf(f, ",\"size\":%u", r->size);
        jstr(f, "status", r->status == ST_OK ? "ok" : r->status == ST_SKIPPED ? "skipped" : "failed");
        report_jnum(f, "iters", 1, (double)r->iters);
        report_jnum(f, "p50_ns", lat, (double)r->st.p50);
        report_jnum(f, "p99_ns", lat, (double)r->st.p99);
        report_jnum(f, "mean_ns", lat, (double)r->st.mean);
        report_jnum(f, "min_ns", lat, (double)r->st.min);
        report_jnum(f, "max_ns", lat, (double)r->st.max);
        jlat(f, "floor_spin_p50_ns", fl.spin);
        jlat(f, "floor_futex_p50_ns", fl.futex);
        jlat(f, "floor_unix_p50_ns", fl.unx);
        if (r->kind == KIND_LATENCY)
            fprintf(f, ",\"floor_spin_pathological\":%s",
                    fl.spin && fl.spin->pathological ? "true" : "false");
        jratio(f, "ratio_futex", r, fl.futex);
        jratio(f, "ratio_spin", r, fl.spin && !fl.spin->pathological ? fl.spin : NULL);
        jratio(f, "ratio_unix", r, fl.unx);
        if (r->kind == KIND_THROUGHPUT) {
            const struct bench_row *ts = bench_table_find(t, "floor_spin", "oneway", r->placement, 64);
            const struct bench_row *tf = bench_table_find(t, "floor_futex", "oneway", r->placement, 64);
            const struct bench_row *tu = bench_table_find(t, "floor_unix", "oneway", r->placement, 64);
            report_jnum(f, "msgs_per_s", r->status == ST_OK, (double)(long long)r->msgs_per_s);
            report_jnum(f, "retries", r->status == ST_OK, (double)r->retries);
            report_jnum(f, "floor_spin_msgs_per_s", ts != NULL, ts ? (double)(long long)ts->msgs_per_s : 0);
            report_jnum(f, "floor_futex_msgs_per_s", tf != NULL, tf ? (double)(long long)tf->msgs_per_s : 0);
            report_jnum(f, "floor_unix_msgs_per_s", tu != NULL, tu ? (double)(long long)tu->msgs_per_s : 0);
        }
        if (r->kind == KIND_LATENCY && r->cpu_calls) {
            int ok = r->status == ST_OK;
            report_jnum(f, "cpu_calls", ok, (double)r->cpu_calls);
            report_jnum(f, "server_cpu_ns", ok && r->cpu_ns[0] >= 0, (double)r->cpu_ns[0]);
            report_jnum(f, "client_cpu_ns", ok && r->cpu_ns[1] >= 0, (double)r->cpu_ns[1]);
            report_jnum(f, "broker_cpu_ns", ok && r->cpu_ns[2] >= 0, (double)r->cpu_ns[2]);
        }
        if (r->kind == KIND_IDLE) {
            int ok = r->status == ST_OK;
            report_jnum(f, "window_ns", ok, (double)r->window_ns);
            report_jnum(f, "server_cpu_ns", ok && r->cpu_ns[0] >= 0, (double)r->cpu_ns[0]);
            report_jnum(f, "client_cpu_ns", ok && r->cpu_ns[1] >= 0, (double)r->cpu_ns[1]);
            report_jnum(f, "broker_cpu_ns", ok && r->cpu_ns[2] >= 0, (double)r->cpu_ns[2]);
        }
        if (r->kind >= KIND_SCALE)
            report_more_json(f, t, r);
        if (r->kind != KIND_COPY) {
            jcpu(f, "client_cpu", r->placement, ROLE_CLIENT);
            jcpu(f, "server_cpu", r->placement, ROLE_SERVER);
        }
        fprintf(f, ",\"load_start\":%.2f,\"load_end\":%.2f", cfg->load_start, cfg->load_end);
        fprintf(f, ",\"capped\":%s,\"pathological\":%s,\"quick\":%s", r->capped ? "true" : "false",
                r->pathological ? "true" : "false", cfg->quick ? "true" : "false");
        struct target tg[MAX_TARGETS];
        int n = report_row_targets(t, r, tg);
        fprintf(f, ",\"targets\":{");
        for (int k = 0; k < n; k++)
            fprintf(f, "%s\"%s\":%s", k ? "," : "", tg[k].name, tg[k].pass ? "true" : "false");
        fprintf(f, "}");
        jstr(f, "note", r->note);
        fprintf(f, "}\n");
    }
    fflush(f);
}
