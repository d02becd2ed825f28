/*
 * Special objects in a message whose dataSz is no multiple of 8, as IpcIo
 * produces all the time (4-byte alignment: e.g. an int32 after a remote
 * object).  Nothing in the contract asks for more than
 * offsets[i] <= dataSz - sizeof(SpecialObj).  The objects must arrive intact
 * with offsets as sent; the runtime must not do misaligned accesses (this
 * test matters most under -DLIPC_SANITIZE=ON, where UBSan aborts on them).
 */
#include "lipc_dev_util.h"

static struct lipc_test_broker g_brk;
static struct tsync g_ev;

static int client(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    int p[2];
    CHECK(pipe(p) == 0);
    for (uint32_t lead = 0; lead <= 12; lead += 4) {
        /* [lead bytes][OBJ_FD][int32][OBJ_SVC -1/1][int32]: dataSz = lead + 72 */
        char data[128];
        size_t offs[2] = { lead, lead + sizeof(SpecialObj) + 4 };
        memset(data, 0x11, sizeof(data));
        SpecialObj o = { .type = OBJ_FD };
        o.content.fd = (uint32_t)p[1];
        memcpy(data + offs[0], &o, sizeof(o));
        o = (SpecialObj){ .type = OBJ_SVC };
        o.content.svc.handle = -1;
        o.content.svc.token = 1;
        memcpy(data + offs[1], &o, sizeof(o));
        uint32_t len = (uint32_t)(offs[1] + sizeof(SpecialObj) + 4);
        IpcMsg m = { .type = MT_REQUEST, .target.handle = 0, .code = lead, .dataSz = len, .data = data,
                     .spObjNum = 2, .offsets = offs };
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_msg(fd, SEND | RECV, &m, NULL, &in), 0);
        CHECK_EQ(*(uint32_t *)in->data, len);
        CHECK_EQ(tdev_free(fd, in), 0);
        char c = 0;
        CHECK(read(p[0], &c, 1) == 1);
        CHECK_EQ(c, (char)('a' + lead));
    }
    return 0;
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_ev);
    int fd = tdev_open_map(64 * 1024);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    pid_t c = tfork(client, NULL);
    for (int i = 0; i < 4; i++) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(5000, &in), 0);
        uint32_t lead = in->code;
        CHECK_EQ(in->dataSz, lead + 2 * sizeof(SpecialObj) + 8);
        CHECK_EQ(in->spObjNum, 2);
        const size_t *offs = in->offsets;
        CHECK_EQ(offs[0], lead);
        CHECK_EQ(offs[1], lead + sizeof(SpecialObj) + 4);
        SpecialObj o;
        memcpy(&o, (char *)in->data + offs[0], sizeof(o));
        CHECK_EQ(o.type, OBJ_FD);
        char ch = (char)('a' + lead);
        CHECK(write((int)o.content.fd, &ch, 1) == 1);
        CHECK(close((int)o.content.fd) == 0);
        memcpy(&o, (char *)in->data + offs[1], sizeof(o));
        CHECK_EQ(o.type, OBJ_SVC);
        CHECK_EQ(o.content.svc.handle, in->taskID);
        CHECK_EQ(o.content.svc.token, 1);
        /* the bytes around the objects are untouched */
        CHECK_EQ(((unsigned char *)in->data)[offs[0] + sizeof(SpecialObj)], 0x11);
        CHECK_EQ(((unsigned char *)in->data)[in->dataSz - 1], 0x11);
        uint32_t len = in->dataSz;
        CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &len, 4), 0);
    }
    CHECK_EQ(lipc_test_wait_t(c, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_objects_unaligned: ok\n");
    return 0;
}
