/*
 * The C IPC library between real processes (issue 3, "What must be shown"):
 *   SM: a toy service manager (SetContextObject + JoinWorkThread);
 *   S:  a calculator server that registers its stub through
 *       WriteRemoteObject({-1, SERVICE_TYPE_NORMAL}) and JoinWorkThread;
 *   P:  the client (this process).
 * P looks "calc" up, calls it sync and async, checks GetCallingPid/Uid on
 * both sides, round-trips every serializer type in the request and in the
 * reply (and an fd), passes an anonymous callback the server calls back,
 * calls an unknown anonymous token (failed reply), registers death
 * recipients (limit 4, removal, unknown handle refused), then kills S while
 * a thread of P is blocked in a sync call: that call returns
 * ERR_DEAD_OBJECT promptly (printed; asserted < 1000 ms), the recipients
 * fire (not the removed one), later calls and registrations say
 * ERR_DEAD_OBJECT, ReleaseSvc forgets the handle.
 */
#include "test_skeleton_util.h"

#include <float.h>

enum { C_ADD = 1, C_SUB, C_MUL, C_DIV, C_STORE, C_LOAD, C_ECHO_ALL, C_CALLBACK, C_BLOCK, C_WHO };
enum { CB_TIMES10 = 7 };

static struct tsync g_ev;

/* ---- every type, both directions ----------------------------------------- */

static const uint16_t k_u16s[] = { 'h', 'i', 0x263a };
static const int8_t k_i8v[] = { -1, 2, -3 };
static const uint8_t k_u8v[] = { 1, 2, 3, 4, 5 };
static const uint16_t k_u16v[] = { 65535, 7 };
static const int16_t k_i16v[] = { -300, 300 };
static const int32_t k_i32v[] = { INT32_MIN, 0, INT32_MAX };
static const uint32_t k_u32v[] = { UINT32_MAX, 1 };
static const int64_t k_i64v[] = { INT64_MIN, INT64_MAX };
static const uint64_t k_u64v[] = { UINT64_MAX };
static const float k_fv[] = { 1.5f, -FLT_MAX };
static const double k_dv[] = { DBL_MIN, 3.25 };
static const bool k_bv[] = { true, false, true };

static void write_all(IpcIo *io, int salt)
{
    CHECK(WriteBool(io, true));
    CHECK(WriteInt8(io, (int8_t)(-8 - salt)));
    CHECK(WriteInt16(io, -1600));
    CHECK(WriteInt32(io, -320000 + salt));
    CHECK(WriteInt64(io, -6400000000LL));
    CHECK(WriteUint8(io, 200));
    CHECK(WriteUint16(io, 60000));
    CHECK(WriteUint32(io, 4000000000u));
    CHECK(WriteUint64(io, 18000000000000000000ull));
    CHECK(WriteFloat(io, 2.5f));
    CHECK(WriteDouble(io, -1e300));
    CHECK(WritePointer(io, (uintptr_t)0x1234abcd));
    CHECK(WriteBoolUnaligned(io, true));
    CHECK(WriteInt8Unaligned(io, -5));
    CHECK(WriteInt16Unaligned(io, -555));
    CHECK(WriteUint8Unaligned(io, 250));
    CHECK(WriteUint16Unaligned(io, 65000));
    CHECK(WriteString(io, salt ? "reply string" : "request string"));
    CHECK(WriteString16(io, k_u16s, 3));
    CHECK(WriteInterfaceToken(io, k_u16s, 2));
    CHECK(WriteBuffer(io, "buffer!", 7));
    CHECK(WriteRawData(io, "rawdata", 7));
    CHECK(WriteBoolVector(io, k_bv, 3));
    CHECK(WriteInt8Vector(io, k_i8v, 3));
    CHECK(WriteInt16Vector(io, k_i16v, 2));
    CHECK(WriteInt32Vector(io, k_i32v, 3));
    CHECK(WriteInt64Vector(io, k_i64v, 2));
    CHECK(WriteUInt8Vector(io, k_u8v, 5));
    CHECK(WriteUInt16Vector(io, k_u16v, 2));
    CHECK(WriteUInt32Vector(io, k_u32v, 2));
    CHECK(WriteUInt64Vector(io, k_u64v, 1));
    CHECK(WriteFloatVector(io, k_fv, 2));
    CHECK(WriteDoubleVector(io, k_dv, 2));
}

#define CHECK_VEC(call, ref, n)                                  \
    do {                                                         \
        size_t _n = 0;                                           \
        void *_p = (void *)call(io, &_n);                        \
        CHECK(_p != NULL);                                       \
        CHECK_EQ(_n, n);                                         \
        CHECK(memcmp(_p, ref, sizeof(ref)) == 0);                \
    } while (0)

static void check_all(IpcIo *io, int salt)
{
    bool b; int8_t i8; int16_t i16; int32_t i32; int64_t i64; uint8_t u8; uint16_t u16;
    uint32_t u32; uint64_t u64; float f; double d; size_t len;
    CHECK(ReadBool(io, &b) && b);
    CHECK(ReadInt8(io, &i8) && i8 == -8 - salt);
    CHECK(ReadInt16(io, &i16) && i16 == -1600);
    CHECK(ReadInt32(io, &i32) && i32 == -320000 + salt);
    CHECK(ReadInt64(io, &i64) && i64 == -6400000000LL);
    CHECK(ReadUint8(io, &u8) && u8 == 200);
    CHECK(ReadUint16(io, &u16) && u16 == 60000);
    CHECK(ReadUint32(io, &u32) && u32 == 4000000000u);
    CHECK(ReadUint64(io, &u64) && u64 == 18000000000000000000ull);
    CHECK(ReadFloat(io, &f) && f == 2.5f);
    CHECK(ReadDouble(io, &d) && d == -1e300);
    CHECK_EQ(ReadPointer(io), 0x1234abcd);
    CHECK(ReadBoolUnaligned(io, &b) && b);
    CHECK(ReadInt8Unaligned(io, &i8) && i8 == -5);
    CHECK(ReadInt16Unaligned(io, &i16) && i16 == -555);
    CHECK(ReadUInt8Unaligned(io, &u8) && u8 == 250);
    CHECK(ReadUInt16Unaligned(io, &u16) && u16 == 65000);
    const char *s = (const char *)ReadString(io, &len);
    CHECK(s && strcmp(s, salt ? "reply string" : "request string") == 0 && len == strlen(s));
    uint16_t *w = ReadString16(io, &len);
    CHECK(w && len == 3 && memcmp(w, k_u16s, 6) == 0);
    w = ReadInterfaceToken(io, &len);
    CHECK(w && len == 2 && memcmp(w, k_u16s, 4) == 0);
    const uint8_t *p = ReadBuffer(io, 7);
    CHECK(p && memcmp(p, "buffer!", 7) == 0);
    p = ReadRawData(io, 7);
    CHECK(p && memcmp(p, "rawdata", 7) == 0);
    bool *bv = ReadBoolVector(io, &len);
    CHECK(bv && len == 3 && bv[0] && !bv[1] && bv[2]);
    free(bv);
    CHECK_VEC(ReadInt8Vector, k_i8v, 3);
    int16_t *sv = ReadInt16Vector(io, &len);
    CHECK(sv && len == 2 && sv[0] == -300 && sv[1] == 300);
    free(sv);
    CHECK_VEC(ReadInt32Vector, k_i32v, 3);
    CHECK_VEC(ReadInt64Vector, k_i64v, 2);
    CHECK_VEC(ReadUInt8Vector, k_u8v, 5);
    CHECK_VEC(ReadUInt16Vector, k_u16v, 2);
    CHECK_VEC(ReadUInt32Vector, k_u32v, 2);
    CHECK_VEC(ReadUInt64Vector, k_u64v, 1);
    CHECK_VEC(ReadFloatVector, k_fv, 2);
    CHECK_VEC(ReadDoubleVector, k_dv, 2);
    if (salt)
        CHECK(!ReadInt32(io, &i32));    /* nothing left (the request has an fd next) */
}

/* ---- S: the calculator ----------------------------------------------------- */

static int32_t g_stored;

static int32_t calc_request(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option)
{
    int32_t a = 0, b = 0;
    switch (code) {
    case C_ADD: case C_SUB: case C_MUL: case C_DIV:
        CHECK(ReadInt32(data, &a) && ReadInt32(data, &b));
        CHECK_EQ(option.flags, TF_OP_SYNC);
        if (code == C_DIV && b == 0)
            return WriteInt32(reply, ERR_INVALID_PARAM), ERR_INVALID_PARAM;
        WriteInt32(reply, code == C_ADD ? a + b : code == C_SUB ? a - b : code == C_MUL ? a * b : a / b);
        return ERR_NONE;
    case C_STORE:
        CHECK_EQ(option.flags, TF_OP_ASYNC);
        CHECK(ReadInt32(data, &a));
        g_stored += a;
        return ERR_NONE;
    case C_LOAD:
        WriteInt32(reply, g_stored);
        return ERR_NONE;
    case C_WHO:
        WriteInt32(reply, GetCallingPid());
        WriteInt32(reply, GetCallingUid());
        return ERR_NONE;
    case C_ECHO_ALL: {
        check_all(data, 0);
        int fd = ReadFileDescriptor(data);
        CHECK(fd >= 0);
        CHECK_EQ(write(fd, "Z", 1), 1);
        close(fd);
        write_all(reply, 1);
        return ERR_NONE;
    }
    case C_CALLBACK: {      /* calls the anonymous callback it got: a*10 */
        SvcIdentity cb;
        CHECK(ReadInt32(data, &a));
        CHECK(ReadRemoteObject(data, &cb));
        CHECK(cb.handle > 0);
        int32_t r = 0, res = 0;
        r = call_i32(cb, CB_TIMES10, 1, &a, 4, &res);
        WriteInt32(reply, r);
        WriteInt32(reply, res);
        return ERR_NONE;
    }
    case C_BLOCK:
        tsync_post(&g_ev, 1);
        for (;;)
            pause();
    }
    return IPC_INVOKER_UNKNOWN_CODE;
}

static int server_main(void *arg)
{
    (void)arg;
    static IpcObjectStub stub = { .func = calc_request };
    sm_register("calc", &stub);
    tsync_post(&g_ev, (uint32_t)getpid());
    JoinWorkThread();
    return 1;
}

/* ---- P: the client ----------------------------------------------------------- */

static int g_cbCalls, g_cbCaller;

static int32_t cb_request(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option)
{
    int32_t a = 0;
    CHECK_EQ(code, CB_TIMES10);
    CHECK_EQ((uintptr_t)option.args, 0xcb);
    CHECK(ReadInt32(data, &a));
    WriteInt32(reply, a * 10);
    __atomic_store_n(&g_cbCaller, GetCallingPid(), __ATOMIC_RELEASE);
    __atomic_add_fetch(&g_cbCalls, 1, __ATOMIC_ACQ_REL);
    return ERR_NONE;
}

static int g_dead[MAX_DEATH_CALLBACK_NUM + 1];
static int g_deadTotal;

static void on_dead(void *arg)
{
    int i = (int)(intptr_t)arg;
    __atomic_add_fetch(&g_dead[i], 1, __ATOMIC_ACQ_REL);
    __atomic_add_fetch(&g_deadTotal, 1, __ATOMIC_ACQ_REL);
}

static SvcIdentity g_calc;
static long long g_t1;

static void *blocked_call(void *arg)
{
    (void)arg;
    int32_t r = call_i32(g_calc, C_BLOCK, 0, NULL, 10, NULL);
    g_t1 = lipc_test_now_ms();
    return (void *)(intptr_t)r;
}

int main(void)
{
    struct lipc_test_broker brk;
    tfailfast_init();
    tbroker_start(&brk);
    tsync_init(&g_ev);

    pid_t sm = lipc_test_fork();
    if (sm == 0)
        _exit(sm_main(&g_ev));
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), sm);
    pid_t srv = lipc_test_fork();
    if (srv == 0)
        _exit(server_main(NULL));
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), srv);

    SvcIdentity none;
    CHECK_EQ(sm_lookup("nothing", &none), ERR_INVALID_PARAM);
    CHECK_EQ(sm_lookup("calc", &g_calc), ERR_NONE);
    CHECK(g_calc.handle > 0);
    SvcIdentity calc = g_calc;

    /* sync */
    int32_t ab[2] = { 7, 3 }, r = 0;
    CHECK_EQ(call_i32(calc, C_ADD, 2, ab, 4, &r), ERR_NONE); CHECK_EQ(r, 10);
    CHECK_EQ(call_i32(calc, C_SUB, 2, ab, 4, &r), ERR_NONE); CHECK_EQ(r, 4);
    CHECK_EQ(call_i32(calc, C_MUL, 2, ab, 4, &r), ERR_NONE); CHECK_EQ(r, 21);
    CHECK_EQ(call_i32(calc, C_DIV, 2, ab, 4, &r), ERR_NONE); CHECK_EQ(r, 2);
    CHECK_EQ(lipc_ipc_last_error(), 0);
    /* async, then a sync call behind it sees its effect */
    for (int i = 1; i <= 10; i++)
        CHECK_EQ(send_async_i32(calc, C_STORE, i), ERR_NONE);
    CHECK_EQ(call_i32(calc, C_LOAD, 0, NULL, 4, &r), ERR_NONE);
    CHECK_EQ(r, 55);
    /* the caller as the stub sees it */
    {
        char buf[64];
        IpcIo io, reply;
        IpcIoInit(&io, buf, sizeof(buf), 0);
        MessageOption opt;
        MessageOptionInit(&opt);
        uintptr_t b = 0;
        CHECK_EQ(SendRequest(calc, C_WHO, &io, &reply, opt, &b), ERR_NONE);
        int32_t pid = 0, uid = -1;
        CHECK(ReadInt32(&reply, &pid) && ReadInt32(&reply, &uid));
        CHECK_EQ(pid, getpid());
        CHECK_EQ(uid, getuid());
        CHECK_EQ(FreeBuffer((void *)b), ERR_NONE);
        CHECK_EQ(GetCallingPid(), getpid());    /* outside a call: ourselves */
        CHECK_EQ(GetCallingUid(), getuid());
    }
    /* every type, there and back, plus an fd */
    {
        static char buf[MAX_IO_SIZE];
        IpcIo io, reply;
        IpcIoInit(&io, buf, sizeof(buf), 4);
        write_all(&io, 0);
        int pfd[2];
        CHECK(pipe(pfd) == 0);
        CHECK(WriteFileDescriptor(&io, (uint32_t)pfd[1]));
        MessageOption opt;
        MessageOptionInit(&opt);
        uintptr_t b = 0;
        CHECK_EQ(SendRequest(calc, C_ECHO_ALL, &io, &reply, opt, &b), ERR_NONE);
        check_all(&reply, 1);
        CHECK_EQ(FreeBuffer((void *)b), ERR_NONE);
        close(pfd[1]);
        char c = 0;
        CHECK_EQ(read(pfd[0], &c, 1), 1);
        CHECK_EQ(c, 'Z');
        close(pfd[0]);
    }
    /* an anonymous callback the server calls back (twice: two stubs) */
    for (int round = 0; round < 2; round++) {
        static IpcObjectStub cb = { .func = cb_request, .args = (void *)0xcb };
        char buf[256];
        IpcIo io, reply;
        IpcIoInit(&io, buf, sizeof(buf), 1);
        CHECK(WriteInt32(&io, 4 + round));
        SvcIdentity anon = { IPC_INVALID_HANDLE, SERVICE_TYPE_ANONYMOUS, (uintptr_t)&cb };
        CHECK(WriteRemoteObject(&io, &anon));
        MessageOption opt;
        MessageOptionInit(&opt);
        uintptr_t b = 0;
        CHECK_EQ(SendRequest(calc, C_CALLBACK, &io, &reply, opt, &b), ERR_NONE);
        int32_t cr = -1, res = 0;
        CHECK(ReadInt32(&reply, &cr) && ReadInt32(&reply, &res));
        CHECK_EQ(cr, ERR_NONE);
        CHECK_EQ(res, (4 + round) * 10);
        CHECK_EQ(FreeBuffer((void *)b), ERR_NONE);
        CHECK_EQ(__atomic_load_n(&g_cbCalls, __ATOMIC_ACQUIRE), round + 1);
        CHECK_EQ(g_cbCaller, srv);
    }
    /* an unknown anonymous token: the dispatch thread sends a failed reply */
    {
        pid_t dt = lipc_ipc_dispatch_tid();
        CHECK(dt > 0);
        SvcIdentity bogus = { dt, 999999, 0 };
        CHECK_EQ(call_i32(bogus, 1, 0, NULL, 4, NULL), IPC_INVOKER_FAILED_REPLY);
        CHECK_EQ(lipc_ipc_last_error(), -ENOENT);
        CHECK_EQ(send_async_i32(bogus, 1, 0), ERR_NONE);    /* freed */
    }

    /* death recipients: unknown handle refused, limit 4, removal */
    uint32_t id[MAX_DEATH_CALLBACK_NUM + 1];
    SvcIdentity unknown = { 0x3fffff, 0, 0 };
    CHECK_EQ(AddDeathRecipient(unknown, on_dead, (void *)0, &id[0]), ERR_INVALID_PARAM);
    CHECK_EQ(AddDeathRecipient(*GetContextObject(), on_dead, (void *)0, &id[0]), ERR_INVALID_PARAM);
    CHECK_EQ(AddDeathRecipient(calc, NULL, NULL, &id[0]), ERR_INVALID_PARAM);
    CHECK_EQ(AddDeathRecipient(calc, on_dead, NULL, NULL), ERR_INVALID_PARAM);
    for (int i = 0; i < MAX_DEATH_CALLBACK_NUM; i++) {
        CHECK_EQ(AddDeathRecipient(calc, on_dead, (void *)(intptr_t)i, &id[i]), ERR_NONE);
        CHECK_EQ(id[i], i);
    }
    CHECK_EQ(AddDeathRecipient(calc, on_dead, (void *)4, &id[4]), ERR_INVALID_PARAM);
    CHECK_EQ(RemoveDeathRecipient(calc, 2), ERR_NONE);
    CHECK_EQ(RemoveDeathRecipient(calc, 2), ERR_INVALID_PARAM);
    CHECK_EQ(RemoveDeathRecipient(calc, MAX_DEATH_CALLBACK_NUM), ERR_INVALID_PARAM);
    CHECK_EQ(RemoveDeathRecipient(unknown, 0), ERR_INVALID_PARAM);

    /* the server dies while we are blocked in a sync call */
    pthread_t t = tthread(blocked_call, NULL);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), 1);
    usleep(20000);                      /* let the call settle into its wait */
    long long t0 = lipc_test_now_ms();
    CHECK(kill(srv, SIGKILL) == 0);
    int32_t br = (int32_t)(intptr_t)tthread_join(t);
    CHECK_EQ(br, ERR_DEAD_OBJECT);
    printf("blocked sync call returned ERR_DEAD_OBJECT %lld ms after SIGKILL\n", g_t1 - t0);
    CHECK(g_t1 - t0 < 1000);
    CHECK_EQ(lipc_test_wait(srv), 128 + SIGKILL);

    CHECK_EQ(wait_int(&g_deadTotal, 3, 5000), 3);
    usleep(50000);
    CHECK_EQ(g_deadTotal, 3);
    CHECK_EQ(g_dead[0], 1); CHECK_EQ(g_dead[1], 1); CHECK_EQ(g_dead[2], 0); CHECK_EQ(g_dead[3], 1);
    long long t2 = lipc_test_now_ms();
    CHECK_EQ(call_i32(calc, C_ADD, 2, ab, 4, &r), ERR_DEAD_OBJECT);
    CHECK(lipc_test_now_ms() - t2 < 1000);
    CHECK_EQ(lipc_ipc_last_error(), -EOWNERDEAD);
    CHECK_EQ(send_async_i32(calc, C_STORE, 1), ERR_DEAD_OBJECT);
    CHECK_EQ(AddDeathRecipient(calc, on_dead, NULL, &id[0]), ERR_DEAD_OBJECT);
    CHECK_EQ(RemoveDeathRecipient(calc, 0), ERR_DEAD_OBJECT);
    CHECK_EQ(ReleaseSvc(calc), ERR_NONE);
    CHECK_EQ(ReleaseSvc(calc), ERR_INVALID_PARAM);
    CHECK_EQ(AddDeathRecipient(calc, on_dead, NULL, &id[0]), ERR_INVALID_PARAM);
    CHECK_EQ(ReleaseSvc(*GetContextObject()), ERR_INVALID_PARAM);

    kill(sm, SIGKILL);
    lipc_test_wait(sm);
    CHECK_EQ(lipc_test_broker_stop(&brk), 0);
    printf("ok\n");
    return 0;
}
