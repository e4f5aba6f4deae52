# ffs_random_helper.bash: seeded random operations for ffs_random.bats, and the independent views they are checked with.
#
#   fr_seed_tree SEED DIR              a random starting tree (dirs, files, holes, hard and symbolic links)
#   fr_batch SEED BATCH N HOST DATA    applies N random operations to HOST; prints the same as one rumpsh -c line
#                                      (put's sources are left in DATA)
#   fr_manifest DIR [modes]            one line per path: type, size, md5, hard-link group, link target
#   fr_tsk_manifest IMG ufs1|ufs2      the same lines, as The Sleuth Kit (fls, icat, istat) reads IMG
#
# The generator rescans HOST before each batch, so a batch is a function of
# (SEED, BATCH) and the tree alone: a failure is replayed by its seed.

fr_seed_tree() {
	need_tool python3 || return 1
	python3 - "$@" <<'PY'
import os, random, sys
seed, top = int(sys.argv[1]), sys.argv[2]
r = random.Random(seed)
dirs = [top]
for i in range(r.randrange(3, 9)):
    d = os.path.join(r.choice(dirs), "s%d" % i)
    os.mkdir(d); dirs.append(d)
files = []
for i in range(r.randrange(10, 30)):
    p = os.path.join(r.choice(dirs), "i%d" % i)
    with open(p, "wb") as f:
        f.write(r.randbytes(r.choice([0, 1, 511, 1024, 4096, 9000, 70000, 200000])))
        if r.random() < 0.2:             # a hole, then a tail
            f.seek(r.randrange(300000, 3000000)); f.write(b"tail")
    files.append(p)
for i in range(3):
    os.link(r.choice(files), os.path.join(r.choice(dirs), "h%d" % i))
os.symlink("fast-target", os.path.join(top, "fastlink"))
os.symlink("slow/" + "x" * 200, os.path.join(r.choice(dirs), "slowlink"))
PY
}

fr_batch() {
	need_tool python3 || return 1
	python3 - "$@" <<'PY'
import os, random, stat, sys
seed, batch, n, host, data = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
r = random.Random(seed * 1000003 + batch)
files, syms, dirs = [], [], ["/"]
for root, ds, fs in os.walk(host):
    ds.sort()
    rel = "/" + os.path.relpath(root, host).lstrip(".")
    rel = "/" if rel in ("/", "/.") else rel
    for x in sorted(ds + fs):
        p = os.path.join(rel, x)
        m = os.lstat(os.path.join(root, x)).st_mode
        (dirs if stat.S_ISDIR(m) else syms if stat.S_ISLNK(m) else files).append(p)
def hp(p): return os.path.join(host, p.lstrip("/"))
def name():
    if r.random() < 0.08:                # long names fill 512-byte chunks fast
        return "L%d-" % r.randrange(1000) + "y" * r.randrange(20, 240)
    return "n%d" % r.randrange(10**6)
def free(p): return not os.path.lexists(hp(p))
def sparse_copy(src, dst):
    with open(src, "rb") as f, open(dst, "wb") as g:
        size, off, fd = os.fstat(f.fileno()).st_size, 0, f.fileno()
        while off < size:
            try:
                d = os.lseek(fd, off, os.SEEK_DATA)
            except OSError:
                break
            h = os.lseek(fd, d, os.SEEK_HOLE)
            f.seek(d); g.seek(d); g.write(f.read(h - d)); off = h
        g.truncate(size)
os.makedirs(data, exist_ok=True)
cmds, k = [], 0
def src():
    global k
    k += 1
    return os.path.join(data, "b%d-%d" % (batch, k))
def write_at(p, off, nbytes):
    with open(hp(p), "r+b") as f:
        f.seek(off); f.write(r.randbytes(nbytes))
    s = src(); sparse_copy(hp(p), s); cmds.append("put %s %s" % (s, p))
while len(cmds) < n:
    op = r.choice("cccwwwWttrrllssummdR")
    d = r.choice(dirs)
    if op == "c" or not files and op in "wWtrl":
        p = os.path.join(d, name())
        if not free(p): continue
        s = src()
        with open(s, "wb") as f:
            f.write(r.randbytes(r.choice([0, 1, 100, 512, 1025, 4096, 5000, 8192, 70000, 300000, 1100000])))
        sparse_copy(s, hp(p)); files.append(p); cmds.append("put %s %s" % (s, p))
    elif op == "w":
        write_at(r.choice(files), r.randrange(200000), r.randrange(1, 20000))
    elif op == "W":                      # far past the end: holes, double indirect blocks
        write_at(r.choice(files), r.randrange(6000000), r.randrange(1, 5000))
    elif op == "t":
        p = r.choice(files); sz = r.choice([0, r.randrange(400000), r.randrange(3000000)])
        os.truncate(hp(p), sz); cmds.append("truncate -s %d %s" % (sz, p))
    elif op == "r":
        p = r.choice(files)
        if r.random() < 0.3:             # onto another file, which goes
            q = r.choice(files)
            if os.lstat(hp(q)).st_ino == os.lstat(hp(p)).st_ino: continue
            files.remove(q)
        else:
            q = os.path.join(r.choice(dirs), name())
            if not free(q): continue
        os.rename(hp(p), hp(q)); files = [q if x == p else x for x in files]
        cmds.append("mv %s %s" % (p, q))
    elif op == "l":
        p = r.choice(files); q = os.path.join(d, name())
        if not free(q): continue
        os.link(hp(p), hp(q)); files.append(q); cmds.append("ln %s %s" % (p, q))
    elif op == "s":
        q = os.path.join(d, name())
        if not free(q): continue
        # around UFS1's 60-byte and UFS2's 120-byte fast-link limits, and past a fragment
        sz = r.choice([1, 59, 60, 61, 119, 120, 121, 300, 900])
        t = ("z/nowhere/" + "t" * sz)[:sz]
        os.symlink(t, hp(q)); syms.append(q); cmds.append("ln -s %s %s" % (t, q))
    elif op == "u":
        pool = files + syms
        if not pool: continue
        p = r.choice(pool); os.unlink(hp(p))
        (files if p in files else syms).remove(p); cmds.append("rm %s" % p)
    elif op == "m":
        p = os.path.join(d, name())
        if not free(p): continue
        os.mkdir(hp(p)); dirs.append(p); cmds.append("mkdir %s" % p)
    elif op == "d" and len(dirs) > 1:
        p = r.choice(dirs[1:])
        if os.listdir(hp(p)): continue
        os.rmdir(hp(p)); dirs.remove(p); cmds.append("rmdir %s" % p)
    elif op == "R" and len(dirs) > 1:    # a directory moves: its ".." changes
        p = r.choice(dirs[1:]); q = os.path.join(d, name())
        if (q + "/").startswith(p + "/") or not free(q): continue
        os.rename(hp(p), hp(q))
        def mv(x): return q + x[len(p):] if x == p or x.startswith(p + "/") else x
        files, syms, dirs = [mv(x) for x in files], [mv(x) for x in syms], [mv(x) for x in dirs]
        cmds.append("mv %s %s" % (p, q))
print("; ".join(cmds))
PY
}

# Lines "path type ..." sorted; a regular file's group is the first of the
# paths that share its inode (hard links), so the link structure is compared.
fr_manifest() {
	python3 - "$@" <<'PY'
import hashlib, os, stat, sys
top, modes = sys.argv[1], len(sys.argv) > 2
out, group = [], {}
for root, ds, fs in os.walk(top):
    for x in ds + fs:
        full = os.path.join(root, x); p = os.path.relpath(full, top); st = os.lstat(full)
        if stat.S_ISDIR(st.st_mode):
            out.append((p, "d"))
        elif stat.S_ISLNK(st.st_mode):
            out.append((p, "l " + os.readlink(full)))
        else:
            with open(full, "rb") as f:
                h = hashlib.md5(f.read()).hexdigest()
            m = " %o" % stat.S_IMODE(st.st_mode) if modes else ""
            group.setdefault(st.st_ino, []).append(p)
            out.append((p, "f %d %s%s" % (st.st_size, h, m), st.st_ino))
for e in sorted(out):
    print(e[0], e[1], "=" + min(group[e[2]]) if len(e) > 2 else "")
PY
}

fr_tsk_manifest() {
	need_tool fls icat istat || return 1
	python3 - "$@" <<'PY'
import hashlib, re, subprocess, sys
img, t = sys.argv[1], sys.argv[2]
def run(*a): return subprocess.run(a, check=True, stdout=subprocess.PIPE).stdout
out, group = [], {}
for line in run("fls", "-r", "-p", "-f", t, img).decode().splitlines():
    m = re.match(r"(\S)/(\S)( \*)? (\d+)(\(realloc\))?:\t(.*)$", line)
    if not m: raise SystemExit("fls: unexpected line: %r" % line)
    kind, deleted, ino, p = m.group(2), m.group(3), int(m.group(4)), m.group(6)
    if deleted or kind == "V": continue
    if kind == "d":
        out.append((p, "d"))
    elif kind == "l":
        # icat reads a slow link's block (istat stops at 512 bytes); a
        # fast link's target is in the inode, which only istat shows
        tgt = run("icat", "-f", t, img, str(ino)).decode("latin-1")
        if "\0" in tgt:
            tgt = re.search(r"^symbolic link to: (.*)$", run("istat", "-f", t, img, str(ino)).decode(), re.M)
            tgt = tgt.group(1) if tgt else "?"
        out.append((p, "l " + tgt))
    elif kind == "r":
        b = run("icat", "-f", t, img, str(ino))
        group.setdefault(ino, []).append(p)
        out.append((p, "f %d %s" % (len(b), hashlib.md5(b).hexdigest()), ino))
    else:
        out.append((p, "type " + kind))
for e in sorted(out):
    print(e[0], e[1], "=" + min(group[e[2]]) if len(e) > 2 else "")
PY
}
