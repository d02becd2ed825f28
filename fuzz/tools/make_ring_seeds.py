#!/usr/bin/env python3
"""Writes the hand-made seed-* inputs of fuzz/corpus/ring (see the input
format at the top of fuzz/ring_fuzz.c).  Usage: make_ring_seeds.py DIR"""
import struct
import sys

TID = 0xFFFFFFF1            # replaced by the harness with the calling thread's tid
PID = 0xFFFFFFF2            # ... and with its pid (the channel's sender)
OBJ_FD, OBJ_PTR, OBJ_SVC = 0, 1, 2
MSG, PAD, TICKET = 1, 2, 3
REQ, REPLY, FAILED, DEATH = 0, 1, 2, 3


def rent(length, kind, typ=REQ, code=1, flag=0, data_sz=0, handle=0, target=TID,
         token=0, cookie=0, ts=0, src=TID, slot=0):
    return struct.pack("<IIIIIIiIQQQII", length, kind, typ, code, flag, data_sz, handle,
                       target, token, cookie, ts, src, slot)


def entry(kind, data=b"", **kw):
    length = (64 + len(data) + 63) // 64 * 64
    body = rent(length, kind, data_sz=len(data), **kw) + data
    return body + b"\0" * (length - len(body))


def hdr(ring_sel=0, pool_sel=0, start=0, ring=b""):
    return struct.pack("<BBHH", ring_sel, pool_sel, start, len(ring)) + ring


# Entries in the initial ring bytes are committed already (their len is the
# commit word, docs in core/src/lipc_proto.h): nothing to publish.
def op_head_rel(v): return b""
def op_commit(v): return b"\x00" + struct.pack("<H", v)
def op_commit_abs(v): return b"\x01" + struct.pack("<Q", v)
def op_write(o, b): return b"\x02" + struct.pack("<HB", o, len(b)) + b
def op_consume(): return b"\x03"
def op_pick(): return b"\x04"
def op_free(i=0): return b"\x05" + bytes([i])
def op_sync(ts): return b"\x06" + struct.pack("<Q", ts)
def op_push(h): return b"\x07" + h
def op_retract(v): return b"\x08" + struct.pack("<H", v)
def op_brk(payload, nfds=0): return b"\x09" + struct.pack("<BH", nfds, len(payload)) + payload


def wire(typ=REQ, code=1, flag=0, data=b"", offs=(), ptrs=b"", handle=0, ts=1, pid=PID, tid=TID, nfds=0,
         pool_need=128, ticket=0):
    wm = struct.pack("<IIIIIIIIQQQIIIIIIIIQ", typ, code, flag, len(data), len(offs), len(ptrs), handle, TID,
                     0, 0, ts, pid, tid, 0, 0, nfds, pool_need, 0, 0, ticket)
    return wm + data + b"".join(struct.pack("<Q", o) for o in offs) + ptrs


def sobj(typ, a=0, b=0, c=0):
    return struct.pack("<I4xI4xQQ", typ, a, b, c)


seeds = {}
two = entry(MSG, b"hello world\0", ts=5) + entry(MSG, b"x" * 100, code=2, ts=6)
seeds["seed-two-requests"] = hdr(ring=two) + op_head_rel(len(two)) + op_consume() + op_pick() + \
    op_pick() + op_free(0) + op_free(0)
rep = entry(MSG, b"reply", typ=REPLY, ts=77) + entry(MSG, typ=FAILED, ts=78)
seeds["seed-replies"] = hdr(ring=rep) + op_head_rel(len(rep)) + op_consume() + op_sync(77) + op_sync(78)
# an entry that does not fit before the end: PAD to the end, then wrap
seeds["seed-wrap"] = hdr(start=62, ring=entry(PAD, b"\0" * 64)) + op_head_rel(128) + op_consume() + \
    op_push(rent(128, MSG, data_sz=10, ts=9)) + op_consume() + op_pick() + op_free()
seeds["seed-ticket"] = hdr(ring=entry(TICKET, ts=1) + entry(MSG, b"after", ts=2)) + op_head_rel(192) + \
    op_consume() + op_pick() + op_sync(2)
seeds["seed-bad-len"] = hdr(ring=rent(100, MSG)) + op_head_rel(128) + op_consume()
seeds["seed-len-far"] = hdr(ring=entry(MSG, b"a")) + op_commit_abs(1 << 31) + op_consume()
seeds["seed-len-ring"] = hdr(ring=entry(MSG, b"a")) + op_commit(16384) + op_consume()
seeds["seed-retract"] = hdr(start=3, ring=entry(MSG, b"a")) + op_consume() + \
    op_retract(1) + op_consume() + op_commit(64) + op_consume() + op_pick() + op_free()
seeds["seed-bad-fields"] = hdr(ring=entry(MSG, b"d", typ=DEATH) + entry(MSG, b"e", typ=9) +
                               entry(9) + entry(MSG, b"f", target=1) + entry(MSG, b"g", src=1) +
                               rent(64, MSG, data_sz=65)) + op_head_rel(640) + op_consume() + op_pick()
seeds["seed-pool-full"] = hdr(pool_sel=0, ring=b"".join(entry(MSG, ts=i) for i in range(40))) + \
    op_head_rel(64 * 40) + op_consume() + op_pick() * 10 + op_free(3) + op_consume() + op_pick() * 40
seeds["seed-scribble"] = hdr(ring=entry(MSG, b"ok")) + op_head_rel(64) + op_consume() + op_pick() + \
    op_write(0, b"\xff" * 64) + op_head_rel(64) + op_consume() + op_free()

# broker-path messages: objects, a ticket resolved by the ring, a dead peer's failed reply
objs = sobj(OBJ_FD) + sobj(OBJ_PTR, 5) + sobj(OBJ_SVC, 7, 1) + sobj(OBJ_PTR, 100)
seeds["seed-broker-objects"] = hdr() + op_brk(wire(data=objs, offs=(0, 32, 64, 96), ptrs=b"a" * 105, nfds=1), 1) + \
    op_pick() + op_brk(wire(data=b"plain")) + op_pick() + op_free(0) + op_free(0)
seeds["seed-broker-ticket"] = hdr(ring=entry(MSG, b"before", ts=1) + entry(TICKET, ts=7) + entry(MSG, b"after", ts=3)) + \
    op_brk(wire(data=b"objs", ticket=7)) + op_head_rel(64 * 5) + op_consume() + op_pick() + op_pick() + op_pick() + \
    op_free(0) + op_free(0) + op_free(0)
seeds["seed-broker-failed"] = hdr(ring=entry(MSG, typ=REPLY, ts=9)) + op_brk(wire(typ=FAILED, ts=9, pid=0)) + \
    op_head_rel(64) + op_consume() + op_sync(9) + op_brk(wire(typ=FAILED, ts=10, pid=0)) + op_sync(10)
seeds["seed-broker-bad"] = hdr() + op_brk(wire(data=sobj(OBJ_PTR, 50), offs=(0,), ptrs=b"x" * 10)) + \
    op_brk(wire(data=sobj(OBJ_FD) + sobj(OBJ_FD), offs=(0, 32), nfds=1), 1) + op_brk(b"short") + op_pick()

out = sys.argv[1]
for name, data in seeds.items():
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)
