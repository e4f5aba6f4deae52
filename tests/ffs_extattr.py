#!/usr/bin/env python3
"""ffs_extattr.py: UFS2 extended attributes written by hand, as FreeBSD stores them (makefs cannot).

  ffs_extattr.py area OUT le|be NS:NAME=VALUE...  the records of an inode's extended-attribute
                                             area to OUT (VALUE: text, or @FILE for a file's bytes;
                                             raw=HEX: bytes as given)
  ffs_extattr.py give IMG INO DONOR          make DONOR's blocks INO's attribute area
  ffs_extattr.py poke IMG INO FIELD VALUE    damage: FIELD extsize, extb0 or extb1 set to VALUE

The area (FreeBSD's sys/extattr.h, struct extattr) is a run of records, each
8-byte aligned: ea_length (32 bits, the whole record), ea_namespace (1 user,
2 system), ea_contentpadlen, ea_namelength, the name (no NUL), zeros up to an
8-byte boundary, the content, ea_contentpadlen zeros. An inode holds it in at
most two blocks (di_extb[0..1], the last one fragments) and di_extsize says
how many bytes of them are used; its di_blocks counts them.

`give` needs a donor: a regular file makefs wrote exactly as long as the area,
holding the area's bytes. Its blocks are allocated the way the area's must be,
so moving the pointers to INO (and emptying the donor) leaves the bitmaps and
counts exact: the image stays clean without touching a cylinder group.
"""
import struct
import sys

from ffs_corrupt import FFS

NAMESPACES = {'user': 1, 'system': 2, 'empty': 0}


def record(e, ns, name, value):
    base = (7 + len(name) + 7) & ~7
    pad = -len(value) % 8
    head = struct.pack(e + 'IBBB', base + len(value) + pad, NAMESPACES[ns], pad, len(name)) + name
    return head + b'\0' * (base - len(head)) + value + b'\0' * pad


def area(out, e, specs):
    data = b''
    for spec in specs:
        key, value = spec.split('=', 1)
        if key == 'raw':                # raw=HEX: bytes as they are (hostile records)
            data += bytes.fromhex(value)
            continue
        ns, name = key.split(':', 1)
        if value.startswith('@'):
            with open(value[1:], 'rb') as f:
                value = f.read()
        else:
            value = value.encode()
        data += record(e, ns, name.encode(), value)
    with open(out, 'wb') as f:
        f.write(data)


def give(fs, ino, donor):
    if not fs.ufs2:
        raise SystemExit('UFS1 inodes have no extended-attribute area')
    d, t = fs.ino(donor), fs.ino(ino)
    size, blocks = fs.rd(d + 16, 'Q'), fs.rd(d + 24, 'Q')
    nblk = (size + fs.bsize - 1) // fs.bsize
    if not 0 < nblk <= 2 or fs.rd(t + 92, 'I') != 0:
        raise SystemExit('donor must hold 1 to 2 blocks; target must have no area yet')
    for i in range(nblk):
        fs.wr(t + 96 + 8 * i, 'q', fs.rd(d + 112 + 8 * i, 'q'))
        fs.wr(d + 112 + 8 * i, 'q', 0)
    fs.wr(t + 92, 'I', size)
    fs.wr(t + 24, 'Q', fs.rd(t + 24, 'Q') + blocks)
    fs.wr(d + 16, 'Q', 0)
    fs.wr(d + 24, 'Q', 0)


POKE = {'extsize': (92, 'I'), 'extb0': (96, 'q'), 'extb1': (104, 'q')}


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == 'area':
        # the byte order of the image the area is meant for: le or be
        e = '>' if sys.argv[3] == 'be' else '<'
        area(sys.argv[2], e, sys.argv[4:])
    elif len(sys.argv) == 5 and sys.argv[1] == 'give':
        fs = FFS(sys.argv[2])
        give(fs, int(sys.argv[3]), int(sys.argv[4]))
        fs.f.close()
    elif len(sys.argv) == 6 and sys.argv[1] == 'poke':
        fs = FFS(sys.argv[2])
        off, fmt = POKE[sys.argv[4]]
        fs.wr(fs.ino(int(sys.argv[3])) + off, fmt, int(sys.argv[5], 0))
        fs.f.close()
    else:
        raise SystemExit(__doc__)


main()
