#!/usr/bin/env python3
"""ffs_corrupt.py IMG KIND [INO [ARG]]: damage an FFS image in one known way (for the fsck and hostile tests)."""
import struct
import sys

SB_LOCS = (65536, 8192, 0, 262144)


class FFS:
    def __init__(self, path):
        self.f = open(path, 'r+b')
        for loc in SB_LOCS:
            self.f.seek(loc + 1372)
            raw = self.f.read(4)
            for e in '<>':
                if len(raw) == 4 and struct.unpack(e + 'I', raw)[0] in (0x011954, 0x19540119):
                    self.loc, self.e = loc, e
                    self.ufs2 = struct.unpack(e + 'I', raw)[0] == 0x19540119
                    if self.ufs2 and self.sb('q', 1000) != loc:
                        continue
                    self._geometry()
                    return
        raise SystemExit('no superblock')

    def _geometry(self):
        g = self.sb
        self.fsize, self.bsize, self.frag = g('i', 52), g('i', 48), g('i', 56)
        self.ipg, self.fpg, self.iblkno, self.cblkno = g('i', 184), g('i', 188), g('i', 16), g('i', 12)
        self.isize = 256 if self.ufs2 else 128
        self.inopb = self.bsize // self.isize

    def rd(self, off, fmt):
        self.f.seek(off)
        return struct.unpack(self.e + fmt, self.f.read(struct.calcsize(fmt)))[0]

    def wr(self, off, fmt, v):
        self.f.seek(off)
        self.f.write(struct.pack(self.e + fmt, v))

    def sb(self, fmt, off):
        return self.rd(self.loc + off, fmt)

    def cg(self, c):
        start = self.fpg * c
        if not self.ufs2:
            start += self.sb('i', 24) * (c & ~self.sb('i', 28))
        return (start + self.cblkno) * self.fsize

    def ino(self, n):
        c, i = divmod(n, self.ipg)
        start = self.fpg * c
        if not self.ufs2:
            start += self.sb('i', 24) * (c & ~self.sb('i', 28))
        return (start + self.iblkno + (i // self.inopb) * self.frag) * self.fsize + (i % self.inopb) * self.isize

    def db(self, n, i):
        return self.ino(n) + (112 + 8 * i if self.ufs2 else 40 + 4 * i)

    def ptr(self):
        return 'q' if self.ufs2 else 'i'


def main():
    fs = FFS(sys.argv[1])
    kind = sys.argv[2]
    ino = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    arg = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    cg0 = fs.cg(0)
    if kind == 'cg-count':          # cg 0's free block count off by one
        fs.wr(cg0 + 28, 'i', fs.rd(cg0 + 28, 'i') + 1)
    elif kind == 'sb-total':        # superblock total free fragments off by 3
        off = fs.loc + (1008 + 24)
        fs.wr(off, 'q', fs.rd(off, 'q') + 3)
        fs.wr(fs.loc + 204, 'i', fs.rd(fs.loc + 204, 'i') + 3)
    elif kind == 'cs-area':         # summary area: group 0's free inode count
        csaddr = fs.sb('q', 1096) if fs.ufs2 else fs.sb('i', 152)
        fs.wr(csaddr * fs.fsize + 8, 'i', fs.rd(csaddr * fs.fsize + 8, 'i') + 5)
    elif kind == 'used-free':       # first data block of ino marked free in the map
        d = fs.rd(fs.db(ino, 0), fs.ptr())
        freeoff = fs.rd(cg0 + 96, 'I')
        c, rel = divmod(d, fs.fpg)
        byte = fs.cg(c) + freeoff + rel // 8
        fs.f.seek(byte)
        b = fs.f.read(1)[0] | (1 << (rel % 8))
        fs.f.seek(byte)
        fs.f.write(bytes([b]))
    elif kind == 'free-used':       # the last free fragment of the first group with one marked used
        for c in range(fs.sb('i', 44)):
            cgo = fs.cg(c)
            freeoff, ndblk = fs.rd(cgo + 96, 'I'), fs.rd(cgo + 20, 'I')
            for rel in range(ndblk - 1, -1, -1):
                byte = cgo + freeoff + rel // 8
                fs.f.seek(byte)
                b = fs.f.read(1)[0]
                if b & (1 << (rel % 8)):
                    fs.f.seek(byte)
                    fs.f.write(bytes([b & ~(1 << (rel % 8)) & 0xff]))
                    fs.f.close()
                    return
        raise SystemExit('no free fragment')
    elif kind == 'inode-map':       # ino marked free in the inode map
        iused = fs.rd(cg0 + 92, 'I')
        c, rel = divmod(ino, fs.ipg)
        byte = fs.cg(c) + iused + rel // 8
        fs.f.seek(byte)
        b = fs.f.read(1)[0] & ~(1 << (rel % 8))
        fs.f.seek(byte)
        fs.f.write(bytes([b & 0xff]))
    elif kind == 'nlink':           # link count of ino + 1
        fs.wr(fs.ino(ino) + 2, 'H', fs.rd(fs.ino(ino) + 2, 'H') + 1)
    elif kind == 'dup':             # ino's first block also given to inode arg
        d = fs.rd(fs.db(arg, 0), fs.ptr())
        fs.wr(fs.db(ino, 0), fs.ptr(), d)
    elif kind == 'reclen':          # second entry of directory ino gets a bad length
        d = fs.rd(fs.db(ino, 0), fs.ptr())
        base = d * fs.fsize
        r0 = fs.rd(base + 4, 'H')
        fs.wr(base + r0 + 4, 'H', 3)
    elif kind == 'dotdot':          # '..' of directory ino points at inode arg
        d = fs.rd(fs.db(ino, 0), fs.ptr())
        base = d * fs.fsize
        r0 = fs.rd(base + 4, 'H')
        fs.wr(base + r0, 'I', arg)
    elif kind == 'blkptr':          # ino's first block pointer far out of range
        fs.wr(fs.db(ino, 0), fs.ptr(), 0x7ffffff0)
    elif kind == 'size':            # absurd di_size
        fs.wr(fs.ino(ino) + (16 if fs.ufs2 else 8), 'Q', 1 << 62)
    elif kind == 'mode':            # mode with an impossible type
        fs.wr(fs.ino(ino), 'H', 0o170644)
    elif kind == 'indir-loop':      # ino's single-indirect pointer -> its own first entry points back
        d = fs.rd(fs.db(ino, 0), fs.ptr())
        fs.wr(fs.ino(ino) + (208 if fs.ufs2 else 88), fs.ptr(), d)
        fs.wr(fs.ino(ino) + (16 if fs.ufs2 else 8), 'Q', (12 + 5) * fs.bsize)
        fs.wr(d * fs.fsize, fs.ptr(), d)
    elif kind.startswith('sb:'):    # sb:OFFSET:VALUE: one 32-bit superblock field
        _, off, val = kind.split(':')
        fs.wr(fs.loc + int(off), 'I', int(val, 0) & 0xffffffff)
    elif kind.startswith('cg:'):    # cg:OFFSET:VALUE: one 32-bit field of group 0
        _, off, val = kind.split(':')
        fs.wr(cg0 + int(off), 'I', int(val, 0) & 0xffffffff)
    else:
        raise SystemExit('unknown kind ' + kind)
    fs.f.close()


if __name__ == '__main__':
    main()
