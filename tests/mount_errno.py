#!/usr/bin/env python3
# mount_errno.py ROOT ro|rw|ext4rw: file operations (many that must fail) on the tree under ROOT; one line each: what came back.
import errno
import os
import sys

root, mode = sys.argv[1], sys.argv[2]
os.chdir(root)
LONG = "n" * 256
MAX = "m" * 255


def show(what, fn, *args):
    try:
        r = fn(*args)
        if isinstance(r, os.stat_result):
            r = "mode=%o nlink=%d size=%d mtime=%d" % (
                r.st_mode, r.st_nlink, r.st_size if not os.path.isdir(args[0]) else -1,
                r.st_mtime_ns // 10**9)
        elif isinstance(r, list):
            r = " ".join(sorted(r))
        elif isinstance(r, int) and fn is os.open:
            os.close(r)
            r = "fd"
        print("%s: ok %s" % (what, r if r is not None else ""))
    except OSError as e:
        print("%s: %s" % (what, errno.errorcode.get(e.errno, e.errno)))


def read_dir_fd(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 10)
    finally:
        os.close(fd)


def read_file(path):
    with open(path, "rb") as f:
        return "%d bytes" % len(f.read())


# read side: the same on every file system and mount
show("stat missing", os.stat, "missing")
show("stat missing/x", os.stat, "missing/x")
show("stat file/x", os.stat, "small.txt/x")
show("open file/ O_RDONLY", os.open, "small.txt/", os.O_RDONLY)
show("listdir file", os.listdir, "small.txt")
show("open dir O_WRONLY", os.open, "dir", os.O_WRONLY)
show("open dir O_RDWR", os.open, "dir", os.O_RDWR)
show("read dir fd", read_dir_fd, "dir")
show("open O_DIRECTORY file", os.open, "small.txt", os.O_RDONLY | os.O_DIRECTORY)
show("open O_NOFOLLOW symlink", os.open, "links/short", os.O_RDONLY | os.O_NOFOLLOW)
show("stat loop", os.stat, "loops/a")
show("stat self loop", os.stat, "loops/self")
show("lstat loop", os.lstat, "loops/a")
show("stat loop/x", os.stat, "loops/a/x")
show("stat dangling", os.stat, "links/dangling")
show("readlink file", os.readlink, "small.txt")
show("readlink link", os.readlink, "links/short")
show("stat 256-byte name", os.stat, LONG)
show("stat 255-byte name", os.stat, MAX)
show("stat dir/256-byte name", os.stat, "dir/" + LONG)
show("open 256-byte O_CREAT", os.open, LONG, os.O_CREAT | os.O_WRONLY, 0o644)
show("stat through link", os.stat, "links/short")
show("read through link", read_file, "links/short")
show("read big", read_file, "big.bin")
show("listdir dir", os.listdir, "dir")
show("listdir empty", os.listdir, "empty-dir")
show("getxattr none", os.getxattr, "small.txt", "user.none")
show("getxattr missing", os.getxattr, "missing", "user.none")
show("access W dir", os.access, "dir", os.W_OK)
show("access X file", os.access, "small.txt", os.X_OK)
show("access R file", os.access, "small.txt", os.R_OK)
show("chdir file", os.chdir, "small.txt")
show("namemax", lambda p: os.statvfs(p).f_namemax, ".")

# write side: EROFS everywhere on a read-only mount; the POSIX answers on a writable one
show("mkdir existing", os.mkdir, "dir")
show("mkdir existing file", os.mkdir, "small.txt")
show("mkdir missing/x", os.mkdir, "missing/x")
show("mkdir file/x", os.mkdir, "small.txt/x")
show("mkdir 256-byte", os.mkdir, LONG)
show("rmdir non-empty", os.rmdir, "dir")
show("rmdir file", os.rmdir, "small.txt")
show("rmdir missing", os.rmdir, "missing")
show("rmdir .", os.rmdir, "empty-dir/.")
show("unlink dir", os.unlink, "dir")
show("unlink missing", os.unlink, "missing")
show("open O_CREAT|O_EXCL existing", os.open, "small.txt", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
show("open O_CREAT dir", os.open, "dir", os.O_CREAT | os.O_WRONLY, 0o644)
show("open O_CREAT file/x", os.open, "small.txt/x", os.O_CREAT | os.O_WRONLY, 0o644)
show("rename missing", os.rename, "missing", "x")
show("rename dir over file", os.rename, "empty-dir", "small.txt")
show("rename file over dir", os.rename, "empty", "dir")
show("rename dir over non-empty dir", os.rename, "empty-dir", "dir")
show("rename dir into itself", os.rename, "dir", "dir/nested/x")
show("link dir", os.link, "dir", "dir-link")
show("link existing", os.link, "small.txt", "empty")
show("link missing", os.link, "missing", "x")
show("symlink existing", os.symlink, "x", "small.txt")
show("chmod missing", os.chmod, "missing", 0o600)
show("truncate dir", os.truncate, "dir", 0)
show("truncate missing", os.truncate, "missing", 0)
if mode == "ro":
    show("open O_CREAT new", os.open, "new", os.O_CREAT | os.O_WRONLY, 0o644)
    show("open O_WRONLY file", os.open, "small.txt", os.O_WRONLY)
    show("unlink file", os.unlink, "small.txt")
    show("rmdir empty", os.rmdir, "empty-dir")
    show("mkdir new", os.mkdir, "new")
    show("rename file", os.rename, "small.txt", "x")
    show("chmod file", os.chmod, "small.txt", 0o600)
    show("utime file", os.utime, "small.txt", (0, 0))
    show("truncate file", os.truncate, "small.txt", 0)
    show("symlink new", os.symlink, "x", "new-link")
    show("link new", os.link, "small.txt", "new-link")
    show("mkfifo new", os.mkfifo, "fifo")
    show("setxattr", os.setxattr, "small.txt", "user.x", b"1")

# ext4rw: the write side in full, for two ext4 images that started identical (ours and the
# kernel's). Changes that succeed, failures that need them, then the resulting tree.
if mode != "ext4rw":
    sys.exit(0)

import ctypes

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2


def renameat2(old, new, flags):
    if libc.renameat2(AT_FDCWD, old.encode(), AT_FDCWD, new.encode(), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def write_file(path, data, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC):
    fd = os.open(path, flags, 0o644)
    try:
        return os.write(fd, data)
    finally:
        os.close(fd)


def write_at(path, off, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        return os.pwrite(fd, data, off)
    finally:
        os.close(fd)


def brief(path):
    """type, mode, links, size (not for directories: their block counts are the driver's)."""
    st = os.lstat(path)
    size = "-" if os.path.isdir(path) and not os.path.islink(path) else st.st_size
    return "%o nlink=%d size=%s uid=%d gid=%d" % (st.st_mode, st.st_nlink, size, st.st_uid, st.st_gid)


def readlink_len(path):
    return len(os.readlink(path))


os.chdir(root)
# creating
show("mkdir w", os.mkdir, "w", 0o755)
show("makedirs w/a/b", os.makedirs, "w/a/b")
show("create w/f", write_file, "w/f", b"data\n")
show("O_EXCL new", os.open, "w/g", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
show("O_EXCL again", os.open, "w/g", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
show("O_CREAT through dangling symlink", os.open, "links/dangling", os.O_CREAT | os.O_WRONLY, 0o644)
show("O_CREAT|O_EXCL on a symlink", os.open, "links/short", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
show("O_CREAT through self loop", os.open, "loops/self", os.O_CREAT | os.O_WRONLY, 0o644)
show("mkdir under loop", os.mkdir, "loops/a/x")
show("mkdir file/x", os.mkdir, "w/f/x")
show("create 255-byte", write_file, "w/" + MAX, b"x")
show("create 256-byte", write_file, "w/" + LONG, b"x")
show("mkdir 255-byte", os.mkdir, "w/a/" + MAX)
show("mkfifo", os.mkfifo, "w/fifo", 0o640)
show("mknod chr", os.mknod, "w/null", 0o20666, os.makedev(1, 3))
show("mkfifo existing", os.mkfifo, "w/f")
show("stat chr rdev", lambda p: "%d,%d" % (os.major(os.stat(p).st_rdev), os.minor(os.stat(p).st_rdev)), "w/null")
# symlinks: fast (in the inode) and slow, up to the block size
for n in (1, 59, 60, 61, 1000, 4095):
    show("symlink %d-byte target" % n, os.symlink, "t" * n, "w/s%d" % n)
    show("readlink %d" % n, readlink_len, "w/s%d" % n)
show("symlink 4096-byte target", os.symlink, "t" * 4096, "w/s4096")
show("symlink existing", os.symlink, "f", "w/f")
show("symlink 256-byte name", os.symlink, "f", "w/" + LONG)
# hard links
show("link", os.link, "w/f", "w/hl")
show("link existing", os.link, "w/f", "w/g")
show("link dir", os.link, "w/a", "w/al")
show("link 256-byte name", os.link, "w/f", "w/" + LONG)
show("link into missing dir", os.link, "w/f", "w/missing/x")
show("link symlink", os.link, "w/s1", "w/s1-hl")
show("nlink", lambda p: os.stat(p).st_nlink, "w/f")
# writing and sizes
show("append", write_file, "w/f", b"more\n", os.O_WRONLY | os.O_APPEND)
show("write past EOF", write_at, "w/g", 70000, b"end")
show("size after hole", lambda p: os.stat(p).st_size, "w/g")
show("truncate grow", os.truncate, "w/f", 100000)
show("truncate shrink", os.truncate, "w/f", 3)
show("read back", read_file, "w/f")
show("truncate dir", os.truncate, "w", 0)
show("O_TRUNC", write_file, "w/hl", b"")
show("size via other link", lambda p: os.stat(p).st_size, "w/f")
show("open dir O_CREAT", os.open, "w", os.O_CREAT | os.O_RDONLY, 0o644)
show("write to dir", write_file, "w/a", b"x", os.O_WRONLY)
# attributes
show("chmod", os.chmod, "w/g", 0o4751)
show("chown", os.chown, "w/g", 1234, 5678)
show("lchown symlink", os.lchown, "w/s1", 42, 43)
show("utime", lambda p: os.utime(p, ns=(1000000000123456789, 1100000000987654321)), "w/g")
show("times", lambda p: "%d %d" % (os.stat(p).st_atime_ns, os.stat(p).st_mtime_ns), "w/g")
show("chmod missing", os.chmod, "w/missing", 0o600)
# extended attributes
show("setxattr", os.setxattr, "w/g", "user.k", b"v1")
show("getxattr", os.getxattr, "w/g", "user.k")
show("setxattr CREATE existing", os.setxattr, "w/g", "user.k", b"v2", os.XATTR_CREATE)
show("setxattr REPLACE missing", os.setxattr, "w/g", "user.none", b"v2", os.XATTR_REPLACE)
show("setxattr REPLACE", os.setxattr, "w/g", "user.k", b"value two", os.XATTR_REPLACE)
show("listxattr", os.listxattr, "w/g")
show("removexattr", os.removexattr, "w/g", "user.k")
show("removexattr missing", os.removexattr, "w/g", "user.k")
show("getxattr removed", os.getxattr, "w/g", "user.k")
show("setxattr 256-byte name", os.setxattr, "w/g", "user." + "x" * 251, b"v")
# renames within the file system (never EXDEV)
show("rename file", os.rename, "w/g", "w/a/g2")
show("rename file back", os.rename, "w/a/g2", "w/g")
show("rename over file", os.rename, "w/hl", "w/s1000")
show("rename to itself", os.rename, "w/f", "w/f")
show("rename over its own hard link", os.rename, "w/s1000", "w/f")
show("rename missing", os.rename, "w/missing", "w/x")
show("rename into missing dir", os.rename, "w/f", "w/missing/x")
show("rename file over dir", os.rename, "w/f", "w/a")
show("rename dir over file", os.rename, "w/a", "w/f")
show("rename dir over non-empty dir", os.rename, "w/a/b", "w")
show("rename dir into itself", os.rename, "w/a", "w/a/b/a")
show("rename dir to its child", os.rename, "w/a", "w/a/b")
show("rename file/ (trailing slash)", os.rename, "w/f/", "w/f2")
show("rename to 256-byte name", os.rename, "w/f", "w/" + LONG)
show("rename to 255-byte name", os.rename, "w/fifo", "w/" + "r" * 255)
show("rename .", os.rename, "w/a/.", "w/dot")
show("rename ..", os.rename, "w/a/b/..", "w/dotdot")
show("rename onto .", os.rename, "w/f", "w/a/.")
show("mkdir w/e", os.mkdir, "w/e")
show("rename dir over empty dir", os.rename, "w/e", "w/a/b")
show("rename dir across parents", os.rename, "w/a/b", "empty-dir/b")
show("parent links after", lambda p: "%d %d" % (os.stat(p).st_nlink, os.stat("empty-dir").st_nlink), "w/a")
show("dotdot after move", lambda p: os.stat(p + "/..").st_ino == os.stat("empty-dir").st_ino, "empty-dir/b")
show("NOREPLACE existing", renameat2, "w/f", "w/s1", RENAME_NOREPLACE)
show("NOREPLACE new", renameat2, "w/s59", "w/s59b", RENAME_NOREPLACE)
show("EXCHANGE file and dir", renameat2, "w/s60", "w/a", RENAME_EXCHANGE)
show("EXCHANGE back", renameat2, "w/s60", "w/a", RENAME_EXCHANGE)
show("mkdir w/x1", os.mkdir, "w/x1")
show("EXCHANGE dir and file across parents", renameat2, "w/x1", "links/hard-a", RENAME_EXCHANGE)
show("parent links after exchange", lambda: "%d %d" % (os.stat("w").st_nlink, os.stat("links").st_nlink))
show("dotdot after exchange", lambda: os.stat("links/hard-a/..").st_ino == os.stat("links").st_ino)
show("EXCHANGE two dirs across parents", renameat2, "links/hard-a", "dir/nested", RENAME_EXCHANGE)
show("dotdots after", lambda: (os.stat("dir/nested/..").st_ino == os.stat("dir").st_ino,
                               os.stat("links/hard-a/deeper/..").st_ino == os.stat("links/hard-a").st_ino))
show("EXCHANGE back (dirs)", renameat2, "links/hard-a", "dir/nested", RENAME_EXCHANGE)
show("EXCHANGE back (dir and file)", renameat2, "w/x1", "links/hard-a", RENAME_EXCHANGE)
show("EXCHANGE with own descendant", renameat2, "w", "w/a/" + MAX, RENAME_EXCHANGE)
show("EXCHANGE with own ancestor", renameat2, "w/a/" + MAX, "w", RENAME_EXCHANGE)
show("EXCHANGE missing", renameat2, "w/f", "w/missing", RENAME_EXCHANGE)
show("EXCHANGE and NOREPLACE", renameat2, "w/f", "w/s1", RENAME_EXCHANGE | RENAME_NOREPLACE)
# open files: unlinked while open, renamed over while open
fd = os.open("w/open", os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b"abc")
show("unlink while open", os.unlink, "w/open")
show("fstat after unlink", lambda: "nlink=%d size=%d" % (os.fstat(fd).st_nlink, os.fstat(fd).st_size))
show("write after unlink", os.pwrite, fd, b"defg", 3)
show("read after unlink", os.pread, fd, 10, 0)
show("stat unlinked name", os.stat, "w/open")
os.close(fd)
write_file("w/o1", b"one")
write_file("w/o2", b"two")
fd = os.open("w/o2", os.O_RDONLY)
show("rename over open file", os.rename, "w/o1", "w/o2")
show("read replaced open file", os.pread, fd, 10, 0)
show("fstat replaced open file", lambda: os.fstat(fd).st_nlink)
os.close(fd)
show("read new name", read_file, "w/o2")
# many entries (ext4 indexes the directory): all listed, found, removed
os.mkdir("w/many")
for i in range(400):
    write_file("w/many/entry-with-a-longish-name-%04d" % i, b"%d" % i)
show("listdir many", lambda: len(os.listdir("w/many")))
show("stat one of many", lambda p: os.stat(p).st_size, "w/many/entry-with-a-longish-name-0399")
for i in range(0, 400, 2):
    os.unlink("w/many/entry-with-a-longish-name-%04d" % i)
show("listdir many after", lambda: " ".join(sorted(os.listdir("w/many"))[:3]))
show("rmdir many non-empty", os.rmdir, "w/many")
show("O_EXCL in many", os.open, "w/many/entry-with-a-longish-name-0001", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
for i in range(1, 400, 2):
    os.unlink("w/many/entry-with-a-longish-name-%04d" % i)
show("rmdir many", os.rmdir, "w/many")
# removing
show("unlink dir", os.unlink, "w/a")
show("unlink file/", os.unlink, "w/f/")
show("unlink missing", os.unlink, "w/missing")
show("unlink symlink (not its target)", os.unlink, "links/short")
show("target still there", read_file, "small.txt")
show("rmdir non-empty", os.rmdir, "w")
show("rmdir file", os.rmdir, "w/f")
show("symlink to dir", os.symlink, "a", "w/sdir")
show("rmdir symlink to dir", os.rmdir, "w/sdir")
show("rmdir dir/.", os.rmdir, "empty-dir/b/.")
show("rmdir dir/..", os.rmdir, "empty-dir/b/..")
show("rmdir 256-byte", os.rmdir, "w/" + LONG)
show("rmdir empty", os.rmdir, "empty-dir/b")
show("unlink one of two links", os.unlink, "links/hard-a")
show("nlink of the other", lambda p: os.stat(p).st_nlink, "dir/hard-b")
show("unlink device", os.unlink, "w/null")
show("unlink fifo", os.unlink, "w/" + "r" * 255)
show("statvfs namemax", lambda p: os.statvfs(p).f_namemax, "w")

# the tree as it is now
for dirpath, dirnames, filenames in sorted(os.walk(".")):
    dirnames.sort()
    for name in sorted(dirnames + filenames):
        p = os.path.join(dirpath, name)
        extra = " -> %d bytes" % len(os.readlink(p)) if os.path.islink(p) else ""
        print("tree %s: %s%s" % (p if len(p) < 80 else p[:60] + "...(%d)" % len(p), brief(p), extra))
