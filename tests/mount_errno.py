#!/usr/bin/env python3
# mount_errno.py ROOT ro|rw: file operations (many that must fail) on the tree under ROOT; one line each: what came back.
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
