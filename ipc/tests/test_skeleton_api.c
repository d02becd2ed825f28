/*
 * ipc_skeleton.h argument checks and error reporting, between real
 * processes:
 *   SM: the toy service manager; S: a server ("svc") with slow, holding,
 *   bad-reply and leaving codes; P: this process (client); C: a fork child
 *   of P (re-initialisation after fork, no inherited access).
 * Checks: MessageOptionInit, FreeBuffer(NULL / not a message),
 * SetMaxWorkThreadNum range, GetContextObject, SetContextObject (cookie 0;
 * a second service manager fails with EEXIST), JoinWorkThread without a
 * stub, GetCallingPid/Uid outside a call, SendRequest parameter checks
 * (flags > 1, sync without buffer, uninitialised / overflowed / too big
 * data, NULL data), waitTime honoured (-ETIME after ~1 s), access denied
 * (-EACCES), pool full (-ENOMEM), a reply io that overflowed (failed reply,
 * -ENOENT), a fork child that re-initialises, and a stub that makes
 * JoinWorkThread return (lipc_ipc_leave_work_thread) so S exits cleanly;
 * lipc_ipc_calling_target (the request header as sent) and
 * lipc_ipc_reply_result (the stub's result in the reply header).
 */
#include "test_skeleton_util.h"

enum { C_PING = 1, C_SLOW, C_HOLD, C_BIG, C_COUNT, C_BADREPLY, C_LEAVE, C_TARGET };

static struct tsync g_ev, g_go;
static int g_big;

static int32_t svc_request(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option)
{
    switch (code) {
    case C_PING:
        WriteInt32(reply, getpid());
        break;
    case C_SLOW:
        usleep(1500 * 1000);
        WriteInt32(reply, 1);
        break;
    case C_HOLD:            /* async: blocks this server until P says go */
        tsync_post(&g_ev, C_HOLD);
        tsync_wait(&g_go);
        break;
    case C_BIG:
        CHECK(ReadBuffer(data, MAX_IO_SIZE - 64) != NULL);
        g_big++;
        break;
    case C_COUNT:
        WriteInt32(reply, g_big);
        break;
    case C_BADREPLY: {      /* more than the reply io holds: it overflows */
        static char junk[MAX_IO_SIZE];
        CHECK(!WriteBuffer(reply, junk, sizeof(junk)));
        break;
    }
    case C_LEAVE:
        lipc_ipc_leave_work_thread();
        WriteInt32(reply, 0);
        break;
    case C_TARGET: {        /* the request header, and a result of our own */
        SvcIdentity t = { 0, 0, 0 };
        CHECK(lipc_ipc_calling_target(&t));
        CHECK(!lipc_ipc_calling_target(NULL));
        WriteInt32(reply, t.handle);
        WriteUint64(reply, t.token);
        WriteUint64(reply, t.cookie);
        return -1234;
    }
    }
    (void)option;
    return ERR_NONE;
}

static int server_main(void *arg)
{
    (void)arg;
    static IpcObjectStub stub = { .func = svc_request };
    sm_register("svc", &stub);
    tsync_post(&g_ev, (uint32_t)getpid());
    JoinWorkThread();
    return 0;           /* after C_LEAVE */
}

static void *join_without_stub(void *arg)
{
    (void)arg;
    JoinWorkThread();   /* no stub on this thread: returns at once */
    return (void *)1;
}

static SvcIdentity g_svc;

static int child_main(void *arg)
{
    (void)arg;
    /* a fresh process: the first call maps again */
    int32_t pid = 0;
    CHECK_EQ(call_i32(*GetContextObject(), SM_PID, 0, NULL, 4, &pid), ERR_NONE);
    CHECK_EQ(pid, getpid());
    /* no access inherited, no death node inherited */
    CHECK_EQ(call_i32(g_svc, C_PING, 0, NULL, 4, NULL), IPC_INVOKER_IOCTL_FAILED);
    CHECK_EQ(lipc_ipc_last_error(), -EACCES);
    uint32_t id;
    CHECK_EQ(AddDeathRecipient(g_svc, (OnRemoteDead)free, NULL, &id), ERR_INVALID_PARAM);
    /* after a lookup it works */
    SvcIdentity s;
    CHECK_EQ(sm_lookup("svc", &s), ERR_NONE);
    CHECK_EQ(s.handle, g_svc.handle);
    CHECK_EQ(call_i32(s, C_PING, 0, NULL, 4, NULL), ERR_NONE);
    return 0;
}

int main(void)
{
    struct lipc_test_broker brk;
    tfailfast_init();
    tbroker_start(&brk);
    tsync_init(&g_ev);
    tsync_init(&g_go);

    CHECK_EQ(GetCallingPid(), getpid());
    CHECK_EQ(GetCallingUid(), getuid());
    MessageOption opt = { 7, 7, &opt };
    CHECK_EQ(MessageOptionInit(NULL), ERR_INVALID_PARAM);
    CHECK_EQ(lipc_ipc_last_error(), -EINVAL);
    CHECK_EQ(MessageOptionInit(&opt), ERR_NONE);
    CHECK_EQ(lipc_ipc_last_error(), 0);
    CHECK(opt.flags == TF_OP_SYNC && opt.waitTime == RPC_DEFAULT_SEND_WAIT_TIME && opt.args == NULL);
    CHECK_EQ(FreeBuffer(NULL), ERR_INVALID_PARAM);

    pid_t sm = lipc_test_fork();
    if (sm == 0)
        _exit(sm_main(&g_ev));
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), sm);

    const SvcIdentity *ctx = GetContextObject();
    CHECK(ctx && ctx->handle == 0 && ctx->token == 0 && ctx->cookie == 0);
    int local = 0;
    CHECK_EQ(FreeBuffer(&local), ERR_FAILED);
    CHECK(lipc_ipc_last_error() < 0);
    printf("FreeBuffer(not a message): %s\n", lipc_ipc_strerror(lipc_ipc_last_error()));
    CHECK_EQ(SetMaxWorkThreadNum(SET_MAX_THREADS_DEFAULT - 1), ERR_INVALID_PARAM);
    CHECK_EQ(SetMaxWorkThreadNum(SET_MAX_THREADS_MAX + 1), ERR_INVALID_PARAM);
    CHECK_EQ(SetMaxWorkThreadNum(SET_MAX_THREADS_DEFAULT), ERR_NONE);
    CHECK_EQ(SetMaxWorkThreadNum(SET_MAX_THREADS_MAX), ERR_NONE);
    static IpcObjectStub dummy = { .func = svc_request };
    SvcIdentity nocookie = { 0, 0, 0 }, withcookie = { 0, 0, (uintptr_t)&dummy };
    CHECK_EQ(SetContextObject(nocookie), ERR_INVALID_PARAM);
    CHECK_EQ(SetContextObject(withcookie), IPC_INVOKER_IOCTL_FAILED);   /* SM exists */
    CHECK_EQ(lipc_ipc_last_error(), -EEXIST);
    CHECK_EQ((intptr_t)tthread_join(tthread(join_without_stub, NULL)), 1);

    /* SendRequest parameter checks (against the service manager) */
    SvcIdentity smgr = *ctx;
    char buf[64];
    IpcIo io, reply;
    uintptr_t b = 0;
    MessageOptionInit(&opt);
    IpcIoInit(&io, buf, sizeof(buf), 0);
    WriteInt32(&io, 1);
    opt.flags = 2;
    CHECK_EQ(SendRequest(smgr, SM_PID, &io, &reply, opt, &b), ERR_INVALID_PARAM);
    opt.flags = TF_OP_STATUS_CODE;
    CHECK_EQ(SendRequest(smgr, SM_PID, &io, &reply, opt, &b), ERR_INVALID_PARAM);
    opt.flags = TF_OP_SYNC;
    CHECK_EQ(SendRequest(smgr, SM_PID, &io, &reply, opt, NULL), ERR_INVALID_PARAM);
    IpcIo uninit;
    memset(&uninit, 0, sizeof(uninit));
    CHECK_EQ(SendRequest(smgr, SM_PID, &uninit, &reply, opt, &b), ERR_INVALID_PARAM);
    IpcIo over;
    char small[8];
    IpcIoInit(&over, small, sizeof(small), 0);
    CHECK(!WriteInt64(&over, 1) || !WriteInt64(&over, 2));
    CHECK_EQ(SendRequest(smgr, SM_PID, &over, &reply, opt, &b), ERR_INVALID_PARAM);
    CHECK_EQ(lipc_ipc_last_error(), -EINVAL);
    static char huge[MAX_IO_SIZE + 512];
    IpcIo big = { .bufferBase = huge, .offsetsBase = (size_t *)huge, .bufferCur = huge + sizeof(huge),
                  .offsetsCur = (size_t *)huge, .flag = IPC_IO_INITIALIZED };
    CHECK_EQ(SendRequest(smgr, SM_PID, &big, &reply, opt, &b), ERR_FAILED);
    CHECK_EQ(lipc_ipc_last_error(), -EMSGSIZE);
    CHECK_EQ(SendRequest(smgr, SM_PID, NULL, &reply, opt, &b), ERR_NONE);   /* NULL data is fine */
    int32_t v = 0;
    CHECK(ReadInt32(&reply, &v));
    CHECK_EQ(v, getpid());
    CHECK_EQ(FreeBuffer((void *)b), ERR_NONE);
    CHECK_EQ(FreeBuffer((void *)b), ERR_FAILED);        /* double free */
    CHECK_EQ(lipc_ipc_last_error(), -EFAULT);

    /* the server */
    pid_t srv = lipc_test_fork();
    if (srv == 0)
        _exit(server_main(NULL));
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), srv);
    CHECK_EQ(sm_lookup("svc", &g_svc), ERR_NONE);
    int32_t r = 0;
    CHECK_EQ(call_i32(g_svc, C_PING, 0, NULL, 4, &r), ERR_NONE);
    CHECK_EQ(r, srv);

    /* the request header reaches the stub as sent; its result comes back
     * in the reply header */
    {
        SvcIdentity t = g_svc, seen;
        t.token = 77;
        t.cookie = 0x5eed;
        CHECK(!lipc_ipc_calling_target(&seen));       /* not serving */
        char tbuf[16];
        IpcIo tio, treply;
        IpcIoInit(&tio, tbuf, sizeof(tbuf), 0);
        MessageOption topt;
        MessageOptionInit(&topt);
        uintptr_t tb = 0;
        CHECK_EQ(SendRequest(t, C_TARGET, &tio, &treply, topt, &tb), ERR_NONE);
        int32_t h = 0, res = 0;
        uint64_t tok = 0, cookie = 0;
        CHECK(ReadInt32(&treply, &h) && ReadUint64(&treply, &tok) && ReadUint64(&treply, &cookie));
        CHECK_EQ(h, g_svc.handle);
        CHECK_EQ(tok, 77);
        CHECK_EQ(cookie, 0x5eed);
        CHECK(lipc_ipc_reply_result(tb, &res));
        CHECK_EQ(res, -1234);
        CHECK(!lipc_ipc_reply_result(tb, NULL));
        CHECK(!lipc_ipc_reply_result(0, &res));
        CHECK_EQ(FreeBuffer((void *)tb), ERR_NONE);
        CHECK_EQ(SendRequest(g_svc, C_PING, &tio, &treply, topt, &tb), ERR_NONE);
        CHECK(lipc_ipc_reply_result(tb, &res));
        CHECK_EQ(res, ERR_NONE);
        CHECK_EQ(FreeBuffer((void *)tb), ERR_NONE);
    }

    /* waitTime honoured */
    long long t0 = lipc_test_now_ms();
    CHECK_EQ(call_i32(g_svc, C_SLOW, 0, NULL, 1, &r), IPC_INVOKER_IOCTL_FAILED);
    long long dt = lipc_test_now_ms() - t0;
    CHECK_EQ(lipc_ipc_last_error(), -ETIME);
    printf("waitTime=1: timed out after %lld ms (%s)\n", dt, lipc_ipc_strerror(-ETIME));
    CHECK(dt >= 950 && dt < 1450);
    CHECK_EQ(call_i32(g_svc, C_PING, 0, NULL, 4, &r), ERR_NONE);    /* the late reply is dropped */
    CHECK_EQ(r, srv);

    /* a reply io that overflowed: a failed reply, not silence */
    CHECK_EQ(call_i32(g_svc, C_BADREPLY, 0, NULL, 4, &r), IPC_INVOKER_FAILED_REPLY);
    CHECK_EQ(lipc_ipc_last_error(), -ENOENT);

    /* pool full: the server holds while we fill our budget in its pool */
    CHECK_EQ(send_async_i32(g_svc, C_HOLD, 0), ERR_NONE);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), C_HOLD);
    static char payload[MAX_IO_SIZE];
    int sent = 0, ret = ERR_NONE;
    for (; sent < 1000; sent++) {
        IpcIo bio;
        IpcIoInit(&bio, payload, sizeof(payload), 0);
        CHECK(WriteBuffer(&bio, huge, sizeof(payload) - 64));
        MessageOption aopt = { TF_OP_ASYNC, 0, NULL };
        if ((ret = SendRequest(g_svc, C_BIG, &bio, NULL, aopt, NULL)) != ERR_NONE)
            break;
    }
    printf("pool full after %d async 8 KiB requests: %s\n", sent, lipc_ipc_strerror(lipc_ipc_last_error()));
    CHECK_EQ(ret, IPC_INVOKER_IOCTL_FAILED);
    CHECK_EQ(lipc_ipc_last_error(), -ENOMEM);
    CHECK(sent >= 8);
    tsync_post(&g_go, 1);
    CHECK_EQ(call_i32(g_svc, C_COUNT, 0, NULL, 10, &r), ERR_NONE);
    CHECK_EQ(r, sent);                  /* nothing lost, every one served */

    /* fork child: re-init, no inherited access */
    pid_t c = lipc_test_fork();
    if (c == 0)
        _exit(child_main(NULL));
    CHECK_EQ(lipc_test_wait_t(c, 10000), 0);
    CHECK_EQ(call_i32(g_svc, C_PING, 0, NULL, 4, &r), ERR_NONE);   /* the parent goes on */

    /* a stub makes JoinWorkThread return: S exits by itself */
    CHECK_EQ(call_i32(g_svc, C_LEAVE, 0, NULL, 4, &r), ERR_NONE);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);

    kill(sm, SIGKILL);
    lipc_test_wait(sm);
    CHECK_EQ(lipc_test_broker_stop(&brk), 0);
    printf("ok\n");
    return 0;
}
