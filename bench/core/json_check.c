/*
 * json_check - smoke test of lipc_bench's --json output.
 *   json_check <command> [args...]
 * Runs the command, and checks that it exits 0 and that every line of its
 * stdout is one JSON object with the required keys (value types checked,
 * never timings: performance is measured by benchmarks, not by tests), and
 * that the three floors and the liteipc rows are present.  The rows of the
 * scale, sizes, bulk and footprint scenarios (ran, failed or skipped) must be
 * there too, with their own keys; with --scenario in the arguments, only
 * what those scenarios produce is required.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum jtype { J_NONE, J_NULL, J_BOOL, J_NUM, J_STR, J_OBJ, J_ARR };

#define MAX_KEYS 64

struct jobj {
    int n;
    char key[MAX_KEYS][48];
    enum jtype type[MAX_KEYS];
    char str[MAX_KEYS][64];     /* string values (truncated) */
};

struct parser {
    const char *p;
    const char *err;
};

static void ws(struct parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
        ps->p++;
}

static int parse_string(struct parser *ps, char *out, size_t outlen)
{
    size_t n = 0;
    if (*ps->p != '"')
        return ps->err = "expected string", -1;
    ps->p++;
    while (*ps->p && *ps->p != '"') {
        char c = *ps->p++;
        if ((unsigned char)c < 0x20)
            return ps->err = "control character in string", -1;
        if (c == '\\') {
            c = *ps->p++;
            if (c == 'u') {
                for (int i = 0; i < 4; i++)
                    if (!isxdigit((unsigned char)*ps->p++))
                        return ps->err = "bad \\u escape", -1;
                c = '?';
            } else if (!strchr("\"\\/bfnrt", c) || !c) {
                return ps->err = "bad escape", -1;
            }
        }
        if (out && n + 1 < outlen)
            out[n++] = c;
    }
    if (*ps->p != '"')
        return ps->err = "unterminated string", -1;
    ps->p++;
    if (out)
        out[n] = 0;
    return 0;
}

static int parse_number(struct parser *ps)
{
    const char *s = ps->p;
    if (*s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return ps->err = "bad number", -1;
    if (*s == '0')
        s++;
    else
        while (isdigit((unsigned char)*s))
            s++;
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return ps->err = "bad fraction", -1;
        while (isdigit((unsigned char)*s))
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!isdigit((unsigned char)*s))
            return ps->err = "bad exponent", -1;
        while (isdigit((unsigned char)*s))
            s++;
    }
    ps->p = s;
    return 0;
}

static int parse_value(struct parser *ps, enum jtype *t, char *str, size_t strlen_, int depth);

static int parse_object(struct parser *ps, struct jobj *o, int depth)
{
    if (*ps->p != '{')
        return ps->err = "expected object", -1;
    ps->p++;
    ws(ps);
    if (*ps->p == '}') {
        ps->p++;
        return 0;
    }
    for (;;) {
        char key[48];
        ws(ps);
        if (parse_string(ps, key, sizeof(key)) < 0)
            return -1;
        ws(ps);
        if (*ps->p != ':')
            return ps->err = "expected ':'", -1;
        ps->p++;
        ws(ps);
        enum jtype t;
        char sv[64] = "";
        if (parse_value(ps, &t, sv, sizeof(sv), depth + 1) < 0)
            return -1;
        if (o) {
            for (int i = 0; i < o->n; i++)
                if (!strcmp(o->key[i], key))
                    return ps->err = "duplicate key", -1;
            if (o->n < MAX_KEYS) {
                snprintf(o->key[o->n], sizeof(o->key[0]), "%s", key);
                o->type[o->n] = t;
                snprintf(o->str[o->n], sizeof(o->str[0]), "%s", sv);
                o->n++;
            }
        }
        ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == '}') {
            ps->p++;
            return 0;
        }
        return ps->err = "expected ',' or '}'", -1;
    }
}

static int parse_array(struct parser *ps, int depth)
{
    ps->p++;
    ws(ps);
    if (*ps->p == ']') {
        ps->p++;
        return 0;
    }
    for (;;) {
        enum jtype t;
        ws(ps);
        if (parse_value(ps, &t, NULL, 0, depth + 1) < 0)
            return -1;
        ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == ']') {
            ps->p++;
            return 0;
        }
        return ps->err = "expected ',' or ']'", -1;
    }
}

static int parse_value(struct parser *ps, enum jtype *t, char *str, size_t strlen_, int depth)
{
    if (depth > 16)
        return ps->err = "too deep", -1;
    char c = *ps->p;
    if (c == '{') {
        *t = J_OBJ;
        return parse_object(ps, NULL, depth);
    }
    if (c == '[') {
        *t = J_ARR;
        return parse_array(ps, depth);
    }
    if (c == '"') {
        *t = J_STR;
        return parse_string(ps, str, strlen_);
    }
    if (!strncmp(ps->p, "null", 4)) {
        *t = J_NULL;
        ps->p += 4;
        return 0;
    }
    if (!strncmp(ps->p, "true", 4)) {
        *t = J_BOOL;
        ps->p += 4;
        return 0;
    }
    if (!strncmp(ps->p, "false", 5)) {
        *t = J_BOOL;
        ps->p += 5;
        return 0;
    }
    *t = J_NUM;
    return parse_number(ps);
}

static int find(const struct jobj *o, const char *key)
{
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->key[i], key))
            return i;
    return -1;
}

struct req {
    const char *key;
    int num_or_null;    /* 1: number or null; 0: string; 2: number */
};

static const struct req g_required[] = {
    { "impl", 0 },          { "scenario", 0 },          { "placement", 0 },
    { "status", 0 },        { "size", 2 },              { "iters", 2 },
    { "p50_ns", 1 },        { "p99_ns", 1 },            { "floor_spin_p50_ns", 1 },
    { "floor_futex_p50_ns", 1 }, { "floor_unix_p50_ns", 1 },
};

/* Keys of the rows of the newer scenarios: num_or_null as in g_required,
 * ok_num: must be a number when the row is ok. */
struct scen_req {
    const char *scenario;
    const char *key;
    int num_or_null;
    int ok_num;
};

static const struct scen_req g_scen_required[] = {
    { "scale", "clients", 2, 1 },           { "scale", "calls_per_s", 1, 1 },
    { "scale", "ratio_to_1client", 1, 1 },  { "scale", "fair_ns", 1, 1 },
    { "scale", "p99_ns", 1, 1 },            { "sizes", "ns_per_kib", 1, 1 },
    { "sizes", "p50_ns", 1, 1 },            { "sizes", "memcpy_ns", 1, 0 },
    { "bulk", "msgs_per_s", 1, 1 },         { "bulk", "bytes_per_s", 1, 1 },
    { "bulk", "memcpy_bytes_per_s", 1, 0 }, { "bulk", "ratio_memcpy", 1, 0 },
    { "footprint_text", "bytes", 1, 1 },    { "footprint_text", "limit_bytes", 2, 1 },
    { "footprint_rss", "bytes", 1, 1 },     { "footprint_rss", "limit_bytes", 2, 1 },
};

enum { NEW_SCALE, NEW_SIZES, NEW_BULK, NEW_TEXT, NEW_RSS, NEW_COUNT };
static const char *const g_new_scen[NEW_COUNT] = { "scale", "sizes", "bulk", "footprint_text",
                                                   "footprint_rss" };

static int check_scenario_keys(const struct jobj *o, int lineno, const char *scen, int ok)
{
    for (size_t i = 0; i < sizeof(g_scen_required) / sizeof(g_scen_required[0]); i++) {
        const struct scen_req *q = &g_scen_required[i];
        if (strcmp(q->scenario, scen) != 0)
            continue;
        int k = find(o, q->key);
        if (k < 0) {
            fprintf(stderr, "line %d: %s row without \"%s\"\n", lineno, scen, q->key);
            return -1;
        }
        enum jtype t = o->type[k];
        int good = q->num_or_null == 2 || (ok && q->ok_num) ? t == J_NUM
                                                             : (t == J_NUM || t == J_NULL);
        if (!good) {
            fprintf(stderr, "line %d: %s row: \"%s\" has the wrong type\n", lineno, scen, q->key);
            return -1;
        }
    }
    return 0;
}

static int check_line(const char *line, int lineno, int *seen_floor, int *seen_core,
                      int *seen_new)
{
    struct jobj o;
    memset(&o, 0, sizeof(o));
    struct parser ps = { line, NULL };
    ws(&ps);
    if (parse_object(&ps, &o, 0) < 0) {
        fprintf(stderr, "line %d: %s at column %ld\n", lineno, ps.err, (long)(ps.p - line) + 1);
        return -1;
    }
    ws(&ps);
    if (*ps.p) {
        fprintf(stderr, "line %d: trailing data after the object\n", lineno);
        return -1;
    }
    for (size_t i = 0; i < sizeof(g_required) / sizeof(g_required[0]); i++) {
        int k = find(&o, g_required[i].key);
        if (k < 0) {
            fprintf(stderr, "line %d: missing key \"%s\"\n", lineno, g_required[i].key);
            return -1;
        }
        enum jtype t = o.type[k];
        int ok = g_required[i].num_or_null == 0   ? t == J_STR
                 : g_required[i].num_or_null == 1 ? (t == J_NUM || t == J_NULL)
                                                  : t == J_NUM;
        if (!ok) {
            fprintf(stderr, "line %d: key \"%s\" has the wrong type\n", lineno, g_required[i].key);
            return -1;
        }
    }
    const char *pl = o.str[find(&o, "placement")];
    if (strcmp(pl, "cross") && strcmp(pl, "same") && strcmp(pl, "unpinned")) {
        fprintf(stderr, "line %d: bad placement \"%s\"\n", lineno, pl);
        return -1;
    }
    const char *impl = o.str[find(&o, "impl")];
    const char *scen = o.str[find(&o, "scenario")];
    const char *status = o.str[find(&o, "status")];
    if (!strcmp(scen, "oneway") && find(&o, "msgs_per_s") < 0) {
        fprintf(stderr, "line %d: throughput row without msgs_per_s\n", lineno);
        return -1;
    }
    if (!strcmp(status, "ok") && (!strcmp(scen, "hot") || !strcmp(scen, "cold")) &&
        o.type[find(&o, "p50_ns")] != J_NUM) {
        fprintf(stderr, "line %d: ok latency row without p50_ns\n", lineno);
        return -1;
    }
    int tk = find(&o, "targets");
    if (tk < 0 || o.type[tk] != J_OBJ) {
        fprintf(stderr, "line %d: no \"targets\" object\n", lineno);
        return -1;
    }
    if (check_scenario_keys(&o, lineno, scen, !strcmp(status, "ok")) < 0)
        return -1;
    for (int i = 0; i < NEW_COUNT; i++)
        if (!strcmp(scen, g_new_scen[i]))
            seen_new[i] = 1;
    static const char *floors[] = { "floor_spin", "floor_futex", "floor_unix" };
    for (int i = 0; i < 3; i++)
        if (!strcmp(impl, floors[i]) && !strcmp(status, "ok") && !strcmp(scen, "hot"))
            seen_floor[i] = 1;
    if (!strcmp(impl, "liteipc"))
        *seen_core = 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: json_check <command> [args...]\n");
        return 2;
    }
    int fds[2];
    if (pipe(fds) < 0)
        return perror("pipe"), 1;
    pid_t pid = fork();
    if (pid < 0)
        return perror("fork"), 1;
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[1], argv + 1);
        fprintf(stderr, "exec %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, bad = 0, seen_floor[3] = { 0 }, seen_core = 0, seen_new[NEW_COUNT] = { 0 };
    /* what the run must produce: everything, or what --scenario asked for */
    int want_core = 1, want_new[NEW_COUNT] = { 1, 1, 1, 1, 1 };
    for (int i = 2; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--scenario") != 0)
            continue;
        if (want_core == 1) {       /* first --scenario: start from nothing */
            want_core = 0;
            memset(want_new, 0, sizeof(want_new));
        }
        const char *sc = argv[i + 1];
        want_core |= !strcmp(sc, "core");
        want_new[NEW_SCALE] |= !strcmp(sc, "scale");
        want_new[NEW_SIZES] |= !strcmp(sc, "sizes");
        want_new[NEW_BULK] |= !strcmp(sc, "bulk");
        want_new[NEW_TEXT] |= !strcmp(sc, "footprint");
        want_new[NEW_RSS] |= !strcmp(sc, "footprint");
    }
    while ((len = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (line[len - 1] == '\n')
            line[--len] = 0;
        if (check_line(line, lineno, seen_floor, &seen_core, seen_new) < 0) {
            fprintf(stderr, "  %s\n", line);
            bad = 1;
        }
    }
    free(line);
    fclose(in);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "json_check: %s exited with status %d\n", argv[1], status);
        bad = 1;
    }
    if (lineno == 0) {
        fprintf(stderr, "json_check: no output\n");
        bad = 1;
    }
    static const char *names[] = { "floor_spin", "floor_futex", "floor_unix" };
    for (int i = 0; i < 3 && want_core; i++)
        if (!seen_floor[i]) {
            fprintf(stderr, "json_check: no ok hot row of %s\n", names[i]);
            bad = 1;
        }
    if (!seen_core) {
        fprintf(stderr, "json_check: no liteipc row (ran, failed or skipped)\n");
        bad = 1;
    }
    for (int i = 0; i < NEW_COUNT; i++)
        if (want_new[i] && !seen_new[i]) {
            fprintf(stderr, "json_check: no %s row (ran, failed or skipped)\n", g_new_scen[i]);
            bad = 1;
        }
    if (!bad)
        fprintf(stderr, "json_check: %d JSON lines ok\n", lineno);
    return bad;
}
