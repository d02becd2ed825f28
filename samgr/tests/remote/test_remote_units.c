/*
 * Unit tests of the samgr remote building blocks that need no IPC:
 * SA store (hash table), access policy file, token bucket, syscap JSON.
 */
#include "lipc_test.h"

#include <pwd.h>
#include <stdint.h>

#include "policy.h"
#include "sa_store.h"
#include "syscap_json.h"
#include "token_bucket.h"

static void test_store(void)
{
    lipc_sa_store *s = lipc_sa_store_new(0);
    CHECK(s);
    lipc_sa_info in = {.handle = 100, .token = 3, .cookie = 7, .pid = 50, .uid = 1000}, out;
    CHECK_EQ(lipc_sa_store_save(s, "svc", NULL, &in), 0);
    CHECK_EQ(lipc_sa_store_find(s, "svc", NULL, &out), 0);
    CHECK_EQ(out.handle, 100);
    CHECK_EQ(out.token, 3);
    CHECK_EQ(lipc_sa_store_find(s, "svc", "", &out), 0);       /* "" == default */
    CHECK_EQ(lipc_sa_store_find(s, "svc", "f", &out), -ENOENT);
    CHECK_EQ(lipc_sa_store_find(s, "sv", NULL, &out), -ENOENT);
    /* same handle: kept, token NOT updated (upstream) */
    in.token = 9;
    CHECK_EQ(lipc_sa_store_save(s, "svc", NULL, &in), 0);
    CHECK_EQ(lipc_sa_store_find(s, "svc", NULL, &out), 0);
    CHECK_EQ(out.token, 3);
    /* another handle: refused */
    in.handle = 101;
    CHECK_EQ(lipc_sa_store_save(s, "svc", NULL, &in), -EEXIST);
    /* names: < 16 bytes */
    CHECK_EQ(lipc_sa_store_save(s, "0123456789abcdef", NULL, &in), -EINVAL);
    CHECK_EQ(lipc_sa_store_save(s, "0123456789abcde", NULL, &in), 0);
    CHECK_EQ(lipc_sa_store_save(s, "x", "0123456789abcdef", &in), -EINVAL);
    CHECK_EQ(lipc_sa_store_save(s, "", NULL, &in), -EINVAL);
    CHECK_EQ(lipc_sa_store_save(s, NULL, NULL, &in), -EINVAL);
    /* hash separator: ("ab","c") and ("a","bc") are different */
    in.handle = 200;
    CHECK_EQ(lipc_sa_store_save(s, "ab", "c", &in), 0);
    in.handle = 201;
    CHECK_EQ(lipc_sa_store_save(s, "a", "bc", &in), 0);
    CHECK_EQ(lipc_sa_store_find(s, "ab", "c", &out), 0);
    CHECK_EQ(out.handle, 200);
    CHECK_EQ(lipc_sa_store_find(s, "a", "bc", &out), 0);
    CHECK_EQ(out.handle, 201);
    CHECK_EQ(lipc_sa_store_remove(s, "a", "bc"), 0);
    CHECK_EQ(lipc_sa_store_remove(s, "a", "bc"), -ENOENT);
    lipc_sa_store_free(s);

    /* 10 000 services, 3 pids; clear by pid; capacity */
    s = lipc_sa_store_new(10001);
    char name[16], feat[16];
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof(name), "s%d", i);
        snprintf(feat, sizeof(feat), "f%d", i % 7);
        lipc_sa_info x = {.handle = 1000 + i, .token = (uint32_t)i, .pid = 10 + i % 3};
        CHECK_EQ(lipc_sa_store_save(s, name, i % 2 ? feat : NULL, &x), 0);
    }
    CHECK_EQ(lipc_sa_store_count(s), 10000);
    for (int i = 0; i < 10000; i += 37) {
        snprintf(name, sizeof(name), "s%d", i);
        snprintf(feat, sizeof(feat), "f%d", i % 7);
        CHECK_EQ(lipc_sa_store_find(s, name, i % 2 ? feat : NULL, &out), 0);
        CHECK_EQ(out.handle, 1000 + i);
    }
    lipc_sa_info x = {.handle = 1, .pid = 99};
    CHECK_EQ(lipc_sa_store_save(s, "extra", NULL, &x), 0);
    CHECK_EQ(lipc_sa_store_save(s, "extra2", NULL, &x), -ENOSPC);
    size_t n = lipc_sa_store_clear_pid(s, 11);
    CHECK_EQ(n, 3333);
    CHECK_EQ(lipc_sa_store_count(s), 10001 - 3333);
    CHECK_EQ(lipc_sa_store_find(s, "s1", "f1", &out), -ENOENT);
    CHECK_EQ(lipc_sa_store_find(s, "s0", NULL, &out), 0);
    lipc_sa_store_free(s);
    lipc_sa_store_free(NULL);
}

static void test_policy(void)
{
    char err[200];
    lipc_policy *p = NULL;
    const char *txt =
        "# demo\n"
        "[calc]\n"
        "provide = 0-999, 1000\n"
        "call = 2000-2999, root , 4242\n"
        "[calc/adv]\n"
        "provide = 1000\n"
        "call =\n"
        "[calc/*]\n"
        "provide = 5\n"
        "call = *\n"
        "[*]\n"
        "provide = 7\n";
    CHECK_EQ(lipc_policy_parse(txt, strlen(txt), &p, err, sizeof(err)), 0);
    const lipc_uid_set *pr = lipc_policy_provide(p, "calc", NULL);
    CHECK(lipc_uid_set_has(pr, 0));
    CHECK(lipc_uid_set_has(pr, 999));
    CHECK(lipc_uid_set_has(pr, 1000));
    CHECK(!lipc_uid_set_has(pr, 1001));
    const lipc_uid_set *ca = lipc_policy_call(p, "calc", NULL);
    CHECK(lipc_uid_set_has(ca, 0));         /* root by name */
    CHECK(lipc_uid_set_has(ca, 2500));
    CHECK(lipc_uid_set_has(ca, 4242));
    CHECK(!lipc_uid_set_has(ca, 3000));
    /* empty value: nobody */
    CHECK(!lipc_uid_set_has(lipc_policy_call(p, "calc", "adv"), 0));
    CHECK(lipc_uid_set_has(lipc_policy_provide(p, "calc", "adv"), 1000));
    /* service wildcard */
    CHECK(lipc_uid_set_has(lipc_policy_call(p, "calc", "other"), 123456));
    CHECK(lipc_uid_set_has(lipc_policy_provide(p, "calc", "other"), 5));
    /* global default: provide 7, call missing = nobody */
    CHECK(lipc_uid_set_has(lipc_policy_provide(p, "zzz", NULL), 7));
    CHECK(!lipc_uid_set_has(lipc_policy_call(p, "zzz", NULL), 7));
    lipc_policy_free(p);

    /* no [*]: unmatched means denied */
    const char *t2 = "[a]\ncall=*\n";
    CHECK_EQ(lipc_policy_parse(t2, strlen(t2), &p, err, sizeof(err)), 0);
    CHECK(lipc_uid_set_has(lipc_policy_call(p, "a", NULL), 5));
    CHECK(!lipc_uid_set_has(lipc_policy_call(p, "b", NULL), 5));
    CHECK(!lipc_uid_set_has(lipc_policy_provide(p, "a", NULL), 5));
    lipc_policy_free(p);

    /* errors, with line numbers */
    struct { const char *t; const char *msg; } bad[] = {
        {"call = *\n", "line 1"},
        {"[a]\nprovide = 5-3\n", "line 2"},
        {"[a]\nprovide = 99999999999\n", "line 2"},
        {"[a]\nwho = 1\n", "line 2"},
        {"[a\n", "line 1"},
        {"[0123456789abcdef]\n", "line 1"},
        {"[a/b/c]\n", "line 1"},
        {"[a]\ncall = 1,,2\n", "line 2"},
        {"[a]\ncall = no_such_user_xyz\n", "unknown user"},
        {"[a]\ncall = x y\n", "line 2"},
        {"[a]\nnothing\n", "line 2"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        p = NULL;
        CHECK_EQ(lipc_policy_parse(bad[i].t, strlen(bad[i].t), &p, err, sizeof(err)), -EINVAL);
        CHECK(p == NULL);
        if (!strstr(err, bad[i].msg)) {
            fprintf(stderr, "case %zu: err '%s' lacks '%s'\n", i, err, bad[i].msg);
            abort();
        }
    }
    /* too many rules */
    char big[2000] = "[a]\ncall = ";
    for (int i = 0; i < LIPC_POLICY_MAX_RULES + 1; i++)
        snprintf(big + strlen(big), sizeof(big) - strlen(big), "%d,", i);
    big[strlen(big) - 1] = '\n';
    CHECK_EQ(lipc_policy_parse(big, strlen(big), &p, err, sizeof(err)), -EINVAL);

    /* open mode */
    p = lipc_policy_new_open();
    CHECK(lipc_uid_set_has(lipc_policy_call(p, "x", "y"), 12345));
    CHECK(lipc_uid_set_has(lipc_policy_provide(p, "x", NULL), 0));
    lipc_policy_free(p);
    /* missing file */
    CHECK_EQ(lipc_policy_load("/nonexistent/policy.conf", &p, err, sizeof(err)), -ENOENT);
    /* not NUL terminated input: parse only len bytes */
    const char t3[] = {'[', 'a', ']', '\n', 'c', 'a', 'l', 'l', '=', '1'};
    CHECK_EQ(lipc_policy_parse(t3, sizeof(t3), &p, err, sizeof(err)), 0);
    CHECK(lipc_uid_set_has(lipc_policy_call(p, "a", NULL), 1));
    CHECK(!lipc_uid_set_has(lipc_policy_call(p, "a", NULL), 10));
    lipc_policy_free(p);
}

static void test_bucket(void)
{
    lipc_token_bucket tb;
    lipc_tb_init(&tb, 1000, 10);
    uint64_t t = tb.origin_ms;
    int ok = 0;
    for (int i = 0; i < 20; i++)
        ok += lipc_tb_take(&tb, t) == 0;
    CHECK_EQ(ok, 10);                          /* burst */
    CHECK_EQ(lipc_tb_take(&tb, t), -EBUSY);
    CHECK_EQ(lipc_tb_take(&tb, t + 1), 0);     /* 1 ms at 1000/s = one message */
    CHECK_EQ(lipc_tb_take(&tb, t + 1), -EBUSY);
    CHECK_EQ(lipc_tb_take(&tb, t + 1000), 0);  /* long idle: refilled up to burst */
    ok = 0;
    for (int i = 0; i < 20; i++)
        ok += lipc_tb_take(&tb, t + 1000) == 0;
    CHECK_EQ(ok, 9);
    CHECK_EQ(lipc_tb_take(&tb, t + 500), -EBUSY);  /* clock going back: no refill */
    lipc_tb_deinit(&tb);
    /* the same decisions as upstream's arithmetic (last_ms, used), message
     * for message, over a random walk of times that never go back */
    for (uint32_t rate = 1; rate <= 100000; rate *= 7) {
        uint32_t burst = 1 + rate % 13;
        lipc_tb_init(&tb, rate, burst);
        uint64_t last = tb.origin_ms, used = 0, now = tb.origin_ms;
        unsigned seed = rate;
        for (int i = 0; i < 20000; i++) {
            now += (uint64_t)(rand_r(&seed) % 4 == 0 ? rand_r(&seed) % 5 : 0);
            uint64_t gen = (now - last) * rate;
            last = now;
            used = used > gen ? used - gen : 0;
            int want = used + 1000 > (uint64_t)burst * 1000 ? -EBUSY : 0;
            if (want == 0)
                used += 1000;
            CHECK_EQ(lipc_tb_take(&tb, now), want);
        }
        lipc_tb_deinit(&tb);
    }
    lipc_tb_init(&tb, 0, 1);                   /* rate 0 = unlimited */
    for (int i = 0; i < 100; i++)
        CHECK_EQ(lipc_tb_take(&tb, t), 0);
    lipc_tb_deinit(&tb);
    uint32_t r, b;
    setenv("LIPC_SAMGR_RATE", "5", 1);
    setenv("LIPC_SAMGR_BURST", "bad", 1);
    lipc_tb_config_from_env(&r, &b);
    CHECK_EQ(r, 5);
    CHECK_EQ(b, LIPC_TB_DEFAULT_BURST);
    unsetenv("LIPC_SAMGR_RATE");
    unsetenv("LIPC_SAMGR_BURST");
}

static void test_syscap(void)
{
    lipc_syscap_list l;
    const char *j =
        "{ \"other\": [1, 2.5e3, {\"x\": null}],\n"
        "  \"systemCapability\": [\n"
        "    {\"name\": \"SystemCapability.A\", \"register-on-startup\": true},\n"
        "    {\"name\": \"SystemCapability.B\", \"register-on-startup\": false, \"extra\": [true]},\n"
        "    {\"register-on-startup\": true, \"name\": \"SystemCapability.\\u0043\"},\n"
        "    {\"name\": \"SystemCapability.A\", \"register-on-startup\": false}\n"
        "  ]\n}\n";
    CHECK_EQ(lipc_syscap_parse(j, strlen(j), &l), 0);
    CHECK_EQ(l.n, 3);
    CHECK_EQ(lipc_syscap_find(&l, "SystemCapability.A"), 0);
    CHECK_EQ(l.v[0].registered, 1);               /* duplicate ignored */
    CHECK_EQ(l.v[1].registered, 0);
    CHECK_EQ(lipc_syscap_find(&l, "SystemCapability.C"), 2);
    CHECK_EQ(lipc_syscap_find(&l, "nope"), -1);
    lipc_syscap_list_deinit(&l);

    CHECK_EQ(lipc_syscap_parse("{}", 2, &l), 0);
    CHECK_EQ(l.n, 0);
    CHECK_EQ(lipc_syscap_parse("{\"systemCapability\":[]}", 23, &l), 0);
    CHECK_EQ(l.n, 0);
    const char *bad[] = {
        "", "{", "[]", "{\"systemCapability\":[{\"name\":\"A\"}]", "{\"systemCapability\":[{\"name\":1}]}",
        "{\"systemCapability\":[{}]}x", "{\"systemCapability\":[{\"name\":\"\"}]}",
        "{\"systemCapability\":[{\"name\":\"a b\"}]}", "{\"a\":\"\\q\"}", "{\"a\":\"x\n\"}",
        "{\"systemCapability\":[{\"name\":\"A\",\"register-on-startup\":tru}]}",
        "{\"systemCapability\":[{\"name\":\"0123456789012345678901234567890123456789012345678901234567890123\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lipc_syscap_parse(bad[i], strlen(bad[i]), &l) != -EINVAL) {
            fprintf(stderr, "bad case %zu accepted\n", i);
            abort();
        }
        CHECK(l.v == NULL && l.n == 0);
    }
    /* deep nesting is refused, not a stack overflow */
    char deep[200];
    memset(deep, '[', sizeof(deep));
    memcpy(deep, "{\"a\":", 5);
    CHECK_EQ(lipc_syscap_parse(deep, sizeof(deep), &l), -EINVAL);
    /* 63-byte name accepted; more than 512 entries refused */
    size_t cap = 600 * 64 + 64;
    char *many = malloc(cap);
    strcpy(many, "{\"systemCapability\":[");
    for (int i = 0; i < 513; i++)
        snprintf(many + strlen(many), cap - strlen(many), "%s{\"name\":\"C%d\"}", i ? "," : "", i);
    strcat(many, "]}");
    CHECK_EQ(lipc_syscap_parse(many, strlen(many), &l), -EINVAL);
    strcpy(many, "{\"systemCapability\":[{\"name\":\"");
    memset(many + strlen(many), 'x', 63);
    many[30 + 63] = 0;
    strcat(many, "\"}]}");
    CHECK_EQ(lipc_syscap_parse(many, strlen(many), &l), 0);
    CHECK_EQ(l.n, 1);
    CHECK_EQ(strlen(l.v[0].name), 63);
    lipc_syscap_list_deinit(&l);
    /* every prefix of a valid document: fails cleanly (bounds) */
    for (size_t n = 0; n + 1 < strlen(j); n++) {   /* all but the closing "}\n" */
        char *c = malloc(n ? n : 1);
        memcpy(c, j, n);
        int r = lipc_syscap_parse(c, n, &l);
        CHECK(r == -EINVAL);
        free(c);
    }
    free(many);
    CHECK(lipc_syscap_load("/nonexistent.json", &l) == -ENOENT);
}

int main(void)
{
    test_store();
    test_policy();
    test_bucket();
    test_syscap();
    printf("ok\n");
    return 0;
}
