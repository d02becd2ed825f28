/*
 * samgr_foundation: the foundation host end to end (private broker, real
 * samgr_server).  foundation loads libsvc_calc.so from a service directory;
 * a consumer process finds "calc/arith" and "calc/info" by name and calls
 * them (the provider is the foundation process); "echo" is not there;
 * libsvc_echo.so dropped into the directory + SIGHUP makes "echo" available
 * (lipc_samgr_wait_service); SIGTERM ends foundation (exit 0) and the
 * consumer's proxy then fails with ERR_DEAD_OBJECT.
 */
#include "remote_test.h"

#include <sys/wait.h>

#include "svc_calc.h"

static struct lipc_test_broker g_broker;

static void copy_file(const char *from, const char *to)
{
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s.tmp", to);   /* not *.so until complete */
    int in = open(from, O_RDONLY), out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    CHECK(in >= 0 && out >= 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        CHECK(write(out, buf, (size_t)n) == n);
    close(in);
    close(out);
    CHECK(rename(tmp, to) == 0);
}

static pid_t foundation_start(const char *dir)
{
    const char *argv[] = { FOUNDATION_PATH, "--service-dir", dir, NULL };
    pid_t pid = lipc_test_spawn_ready(argv);
    CHECK(pid > 0);
    return pid;
}

static int call_str(IClientProxy *p, int func, const char *s, char *out, size_t outsz);

typedef struct {
    int called;
    char text[64];
} StrResult;

static int str_notify(IOwner owner, int code, IpcIo *reply)
{
    StrResult *r = owner;
    r->called++;
    size_t len = 0;
    const char *s = code == 0 ? (const char *)ReadString(reply, &len) : NULL;
    snprintf(r->text, sizeof(r->text), "%s", s ? s : "");
    return 0;
}

static int call_str(IClientProxy *p, int func, const char *s, char *out, size_t outsz)
{
    char buf[128];
    IpcIo req;
    IpcIoInit(&req, buf, sizeof(buf), 0);
    WriteString(&req, s);
    StrResult r = {0, ""};
    int ret = p->Invoke(p, func, &req, &r, str_notify);
    snprintf(out, outsz, "%s", r.text);
    return ret;
}

int main(void)
{
    alarm(60);
    lipc_test_broker_start(&g_broker);
    unsetenv("LIPC_SAMGR_POLICY");
    setenv("LIPC_SAMGR_SYSCAP", "/nonexistent.json", 1);
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/services", g_broker.dir);
    CHECK(mkdir(dir, 0755) == 0);
    char so_calc[400], so_echo[400];
    snprintf(so_calc, sizeof(so_calc), "%s/libsvc_calc.so", dir);
    snprintf(so_echo, sizeof(so_echo), "%s/libsvc_echo.so", dir);
    copy_file(SVC_CALC_PATH, so_calc);

    pid_t srv = rt_server_start(NULL, NULL);
    pid_t fnd = foundation_start(dir);

    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    pid_t c = lipc_test_fork();
    if (c == 0) {
        close(in[1]);
        close(out[0]);
        CHECK_EQ(lipc_samgr_wait_service(CALC_SERVICE, CALC_FEATURE_ARITH, 5000), 0);
        CHECK_EQ(lipc_samgr_wait_service(CALC_SERVICE, CALC_FEATURE_INFO, 5000), 0);
        IClientProxy *a = rt_proxy(CALC_SERVICE, CALC_FEATURE_ARITH);
        IClientProxy *i = rt_proxy(CALC_SERVICE, CALC_FEATURE_INFO);
        CHECK(a && i);
        int32_t v = 0;
        CHECK_EQ(rt_call(a, CALC_ADD, 20, 22, &v), 0);
        CHECK_EQ(v, 42);
        CHECK_EQ(rt_call(a, CALC_MUL, 6, 7, &v), 0);
        CHECK_EQ(v, 42);
        CHECK_EQ(rt_call(i, INFO_PID, 0, 0, &v), 0);
        pid_t provider = v;
        CHECK_EQ(rt_call(i, INFO_CALLS, 0, 0, &v), 0);
        CHECK_EQ(v, 2);
        CHECK_EQ(rt_call(i, INFO_UID, 0, 0, &v), 0);
        CHECK_EQ(v, (int32_t)getuid());
        /* echo is not loaded yet */
        CHECK_EQ(lipc_samgr_wait_service(ECHO_SERVICE, NULL, 200), -ETIMEDOUT);
        CHECK(write(out[1], &provider, sizeof(provider)) == sizeof(provider));
        char b;
        CHECK(read(in[0], &b, 1) == 1);   /* libsvc_echo.so dropped in, SIGHUP sent */
        CHECK_EQ(lipc_samgr_wait_service(ECHO_SERVICE, NULL, 5000), 0);
        IClientProxy *e = rt_proxy(ECHO_SERVICE, NULL);
        CHECK(e);
        char text[64];
        CHECK_EQ(call_str(e, ECHO_UPPER, "hello, samgr", text, sizeof(text)), 0);
        CHECK(strcmp(text, "HELLO, SAMGR") == 0);
        /* the calc proxies still work after the second boot */
        CHECK_EQ(rt_call(a, CALC_ADD, 1, 2, &v), 0);
        CHECK_EQ(v, 3);
        CHECK(write(out[1], "e", 1) == 1);
        CHECK(read(in[0], &b, 1) == 1);   /* foundation terminated */
        CHECK_EQ(rt_call(a, CALC_ADD, 1, 2, &v), ERR_DEAD_OBJECT);
        CHECK_EQ(call_str(e, ECHO_UPPER, "x", text, sizeof(text)), ERR_DEAD_OBJECT);
        rt_wait_dropped(CALC_SERVICE, CALC_FEATURE_ARITH);
        _exit(0);
    }
    close(in[0]);
    close(out[1]);
    pid_t provider = 0;
    CHECK(read(out[0], &provider, sizeof(provider)) == sizeof(provider));
    CHECK_EQ(provider, fnd);
    copy_file(SVC_ECHO_PATH, so_echo);
    CHECK(kill(fnd, SIGHUP) == 0);
    CHECK(write(in[1], "h", 1) == 1);
    char b;
    CHECK(read(out[0], &b, 1) == 1);
    CHECK(kill(fnd, SIGTERM) == 0);
    CHECK_EQ(lipc_test_wait(fnd), 0);
    CHECK(write(in[1], "t", 1) == 1);
    CHECK_EQ(lipc_test_wait(c), 0);
    rt_kill(srv);
    unlink(so_calc);
    unlink(so_echo);
    rmdir(dir);
    lipc_test_broker_stop(&g_broker);
    printf("ok foundation\n");
    return 0;
}
