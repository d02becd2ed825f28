/*
 * A handler slower than the threshold is logged to stderr with its service
 * name (MSG_PROC_THRESHOLD 10 s upstream; SAMGR_SLOW_HANDLER_MS here).
 */
#include <fcntl.h>
#include <stdlib.h>

#include "samgr_test.h"
#include "service_impl.h"

static volatile int g_inited;
static volatile int g_done;
static Identity g_id;

static const char *GetName(Service *s)
{
    (void)s;
    return "SlowSvc";
}
static BOOL Initialize(Service *s, Identity id)
{
    (void)s;
    g_id = id;
    samgr_test_bump(&g_inited);
    return TRUE;
}
static BOOL MessageHandle(Service *s, Request *r)
{
    (void)s;
    if (r->msgId == 1) {
        usleep(150 * 1000);
    }
    samgr_test_bump(&g_done);
    return TRUE;
}
static TaskConfig GetTaskConfig(Service *s)
{
    (void)s;
    TaskConfig cfg = {LEVEL_HIGH, PRI_NORMAL, 0x800, 8, SINGLE_TASK};
    return cfg;
}
static Service g_svc = {GetName, Initialize, MessageHandle, GetTaskConfig};

static size_t ReadAll(int fd, char *buf, size_t size)
{
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    return (size_t)(n > 0 ? n : 0);
}

int main(void)
{
    CHECK_EQ(setenv("SAMGR_SLOW_HANDLER_MS", "50", 1), 0);
    char path[] = "/tmp/samgr-slow-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    CHECK(dup2(fd, STDERR_FILENO) >= 0);

    CHECK(SAMGR_GetInstance()->RegisterService(&g_svc));
    SAMGR_Bootstrap();
    WAIT_FOR(g_inited, 1);
    CHECK_EQ(SAMGR_GetSlowHandlerThreshold(), 50);

    Request fast = {2, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_id, &fast, NULL), EC_SUCCESS);
    WAIT_FOR(g_done, 1);
    usleep(20 * 1000);
    char buf[4096];
    ReadAll(fd, buf, sizeof(buf));
    CHECK(strstr(buf, "slow handler") == NULL);

    Request slow = {1, 0, NULL, 0};
    CHECK_EQ(SAMGR_SendRequest(&g_id, &slow, NULL), EC_SUCCESS);
    WAIT_FOR(g_done, 2);
    /* EndWork logs right after the handler returns */
    long long deadline = lipc_test_now_ms() + 2000;
    while (lipc_test_now_ms() < deadline) {
        ReadAll(fd, buf, sizeof(buf));
        if (strstr(buf, "slow handler") != NULL) {
            break;
        }
        usleep(1000);
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    fprintf(stderr, "captured: %s", buf);
    CHECK(strstr(buf, "slow handler: service <SlowSvc> msgId 1") != NULL);
    ServiceImpl *impl = SAMGR_GetServiceByID(g_id.serviceId);
    CHECK(impl != NULL);
    CHECK_EQ(LOAD(impl->ops.abnormal), 1);
    close(fd);
    printf("test_slow_handler: ok\n");
    return 0;
}
