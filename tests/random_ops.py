#!/usr/bin/env python3
"""random_ops.py: seeded random file operations applied to a host tree, printed as rumpsh -c scripts (ext2_random.bats, msdos_random.bats).

usage: random_ops.py [--fat] [--budget BYTES] [--cluster BYTES] [--root-slots N]
                     SEED N HOSTDIR DATADIR

For every line read on stdin it runs the next batch: it applies operations
to HOSTDIR until it has 50 commands (or N operations are done) and prints
them as one line of rumpsh commands separated by "; "; an empty line means
all N are done. The data files for that batch's puts are in DATADIR (the
previous batch's are deleted first). So after every batch HOSTDIR is what
the image must hold.

The default (ext) mode: create, write at an offset (re-put of the whole file),
truncate, rename of files, hard link, unlink, mkdir, rmdir, on names nNNNNNN.

--fat: no links; names of every kind a FAT directory holds (8.3 names upper,
lower and mixed case, long names with spaces, punctuation, leading dots and
non-ASCII BMP letters, up to 255 units, a family of long names sharing one 8.3 basis and
explicit "~N" names in its way), never two in one directory equal under case
folding; directories are renamed and moved too, names change case, and files
are renamed over other files. Sizes stay under --budget bytes (counted in
--cluster units), and the root directory's live entries under --root-slots
32-byte slots (FAT12/16 have a fixed root; 0 means no limit).
"""
import argparse
import os
import random
import shlex
import shutil
import sys

BATCH = 50
EXT_SIZES = [0, 1, 100, 4096, 5000, 70000, 300000]
FAT_SIZES = [0, 1, 100, 511, 512, 513, 2048, 4096, 5000, 33000, 70000, 300000]
SHORT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$!#%&'()@^{}-"
LONG_PUNCT = " +,;=[]'&()!#%@{}^~-_"
WORDS = ["report", "Photo", "MUSIC", "notes", "Backup", "draft", "ReadMe",
         "summary", "Q3", "final", "v2", "copy", "data", "Index", "old"]
UWORDS = ["naïve", "café", "Straße", "Ærø", "Ωmega", "λόγος", "Жизнь",
          "йогурт", "日本語", "中文", "Ελληνικά", "€uro", "fiancée", "Øre",
          "ÅSA", "piñata", "Ünïcödé", "한국어", "résumé"]
EXTS = ["txt", "TXT", "Txt", "bin", "jpeg", "tar.gz", "c", "", "html", "DAT"]
FAMILY = "tld long name "          # long names whose 8.3 basis is TLDLON
PATH_MAX_BYTES = 400               # keeps a batch line well under 128 KiB


def is_plain83(name):
    """Is name an 8.3 name that needs no long name (each part one case)?"""
    b, dot, e = name.partition(".")
    if not b or len(b) > 8 or len(e) > 3 or "." in e or (dot and not e):
        return False
    if any(c not in SHORT_CHARS + "~" for c in (b + e).upper()):
        return False
    return all(p == p.upper() or p == p.lower() for p in (b, e))


def may_get_tldlon(name):
    """Could the driver give this entry a generated alias TLDLON~N?"""
    fold = name.casefold()
    return fold.startswith(FAMILY) or (fold.startswith("tldlon~") and not is_plain83(name))


class State:
    def __init__(self, seed, n, fat):
        self.r = random.Random(seed)
        self.data_r = random.Random(seed * 7919 + 17)
        self.n, self.i, self.k, self.fat = n, 0, 0, fat
        self.files, self.dirs = [], ["/"]


def parent(p):
    return os.path.dirname(p) or "/"


def base(p):
    return os.path.basename(p)


def units16(s):
    return len(s.encode("utf-16-le")) // 2


class Gen:
    def __init__(self, st, a):
        self.st, self.r, self.a = st, st.r, a
        self.cmds = []

    def hp(self, p):
        return os.path.join(self.a.host, p.lstrip("/"))

    def data(self, content):
        self.st.k += 1
        src = os.path.join(self.a.data, "c%d" % self.st.k)
        with open(src, "wb") as f:
            f.write(content)
        return src

    def emit(self, *words):
        self.cmds.append(" ".join(shlex.quote(w) for w in words))

    # --- names -----------------------------------------------------------

    def ext_name(self, d):
        return "n%d" % self.r.randrange(10**6)

    def fat_short(self):
        r = self.r
        b = "".join(r.choice(SHORT_CHARS) for _ in range(r.randint(1, 8)))
        e = "".join(r.choice(SHORT_CHARS) for _ in range(r.randint(0, 3)))
        b, e = b.strip(), e.strip()
        how = r.randrange(4)
        if how == 1:
            b, e = b.lower(), e.lower()
        elif how == 2:
            b = b.lower()
        elif how == 3:
            b, e = b.capitalize(), e.capitalize()
        return b + ("." + e if e else "")

    def fat_long(self, words):
        r = self.r
        parts = [r.choice(words) for _ in range(r.randint(2, 6))]
        if r.random() < 0.3:
            parts.insert(r.randrange(len(parts)), r.choice(LONG_PUNCT) * r.randint(1, 2))
        s = " ".join(parts) + " %d" % r.randrange(1000)
        ext = r.choice(EXTS)
        return s + ("." + ext if ext else "")

    def fat_huge(self):
        r = self.r
        pool = WORDS + (UWORDS if r.random() < 0.5 else [])
        s = ""
        while True:
            w = r.choice(pool)
            if units16(s + w) + 10 > 255 or len((s + w).encode()) + 10 > 255:
                break
            s += w + r.choice(" .-_")
        return s.rstrip(" .") + " %d" % r.randrange(1000)

    def fat_candidate(self):
        r = self.r
        kind = r.randrange(12)
        if kind < 3:
            return self.fat_short()
        if kind < 5:
            return self.fat_long(WORDS)
        if kind < 7:
            return self.fat_long(WORDS + UWORDS)
        if kind in (7, 11):
            return "Tld Long Name %d.%s" % (r.randrange(30), r.choice(["txt", "TXT"]))
        if kind == 8:
            return "TLDLON~%d.TXT" % r.randint(1, 12)   # ~10 and up are long names
        if kind == 9:
            return "." + self.fat_long(WORDS)          # leading dots: not in the 8.3 alias
        return self.fat_huge()

    def fat_ok(self, d, name, old=None):
        """Can `name` be added to directory d (old: an entry of d it replaces)?"""
        if not name or name in (".", "..") or name[-1] in " ." or name[0] == " ":
            return False
        if units16(name) > 255 or len(name.encode()) > 255:
            return False
        if len(os.path.join(d, name).encode()) > PATH_MAX_BYTES:
            return False
        fold = name.casefold()
        entries = [e for e in os.listdir(self.hp(d)) if e != old]
        if any(e.casefold() == fold for e in entries):
            return False
        # an explicit "~N" name could be the 8.3 alias the driver gave
        # another entry: it would name that entry, not a new one
        if is_plain83(name.upper()) and fold.startswith("tldlon~") and any(may_get_tldlon(e) for e in entries):
            return False
        if d == "/" and self.a.root_slots:
            used = sum(self.slots(e) for e in entries)
            if used + self.slots(name) > self.a.root_slots:
                return False
        return True

    @staticmethod
    def slots(name):       # at most: the short entry and the long-name slots
        return 1 + (units16(name) + 12) // 13

    def name(self, d):
        if not self.st.fat:
            return self.ext_name(d)
        for _ in range(20):
            n = self.fat_candidate()
            if self.fat_ok(d, n):
                return n
        return None

    # --- sizes -----------------------------------------------------------

    def used(self):
        cl = self.a.cluster
        b = sum((os.path.getsize(self.hp(f)) + cl - 1) // cl * cl for f in self.st.files)
        return b + len(self.st.dirs) * max(cl, 4096)

    def fits(self, grow):
        return not self.a.budget or self.used() + grow + self.a.cluster <= self.a.budget

    # --- operations ------------------------------------------------------

    def at_cluster_edge(self):
        """A size just under, at or just over a whole number of clusters."""
        return max(0, self.r.randint(1, 40) * self.a.cluster + self.r.randint(-1, 1))

    def create(self, d):
        nm = self.name(d)
        size = self.r.choice(FAT_SIZES if self.st.fat else EXT_SIZES)
        if self.st.fat and size == 0 and self.r.random() < 0.5:
            size = self.at_cluster_edge()
        content = self.st.data_r.randbytes(size)
        if nm is None or not self.fits(size):
            return
        p = os.path.join(d, nm)
        src = self.data(content)
        if os.path.exists(self.hp(p)):
            return
        shutil.copyfile(src, self.hp(p))
        self.st.files.append(p)
        self.emit("put", src, p)

    def write(self):
        r = self.r
        p = r.choice(self.st.files)
        off, n = r.randrange(200000), r.randrange(1, 20000)
        content = self.st.data_r.randbytes(n)
        if self.st.fat and not self.fits(off + n):
            return
        with open(self.hp(p), "r+b") as f:
            f.seek(off)
            f.write(content)
        src = self.data(b"")
        shutil.copyfile(self.hp(p), src)
        self.emit("put", src, p)

    def truncate(self):
        p = self.r.choice(self.st.files)
        s = self.r.randrange(400000)
        if self.st.fat and self.r.random() < 0.3:
            s = self.at_cluster_edge()
        if self.st.fat and not self.fits(s):
            return
        os.truncate(self.hp(p), s)
        self.emit("truncate", "-s", str(s), p)

    def rename_file(self):
        r = self.r
        p = r.choice(self.st.files)
        t = r.choice(self.st.dirs)
        nm = self.name(t)
        if nm is None:
            return
        q = os.path.join(t, nm)
        if os.path.exists(self.hp(q)):
            return
        os.rename(self.hp(p), self.hp(q))
        self.st.files = [q if x == p else x for x in self.st.files]
        self.emit("mv", p, q)

    def link(self):
        r = self.r
        p = r.choice(self.st.files)
        q = os.path.join(r.choice(self.st.dirs), self.name(None))
        if os.path.exists(self.hp(q)):
            return
        os.link(self.hp(p), self.hp(q))
        self.st.files.append(q)
        self.emit("ln", p, q)

    def unlink(self):
        p = self.r.choice(self.st.files)
        os.unlink(self.hp(p))
        self.st.files.remove(p)
        self.emit("rm", p)

    def mkdir(self, d):
        nm = self.name(d)
        if nm is None or (self.st.fat and not self.fits(0)):
            return
        p = os.path.join(d, nm)
        if os.path.exists(self.hp(p)):
            return
        os.mkdir(self.hp(p))
        self.st.dirs.append(p)
        self.emit("mkdir", p)

    def rmdir(self):
        p = self.r.choice(self.st.dirs[1:])
        if os.listdir(self.hp(p)):
            return
        os.rmdir(self.hp(p))
        self.st.dirs.remove(p)
        self.emit("rmdir", p)

    # FAT mode only: directories moved, case changes, renames over a file

    def moved(self, p, q):
        def mv(x):
            return q + x[len(p):] if x == p or x.startswith(p + "/") else x
        self.st.files = [mv(x) for x in self.st.files]
        self.st.dirs = [mv(x) for x in self.st.dirs]

    def move_dir(self):
        r = self.r
        p = r.choice(self.st.dirs[1:])
        t = r.choice(self.st.dirs)
        if t == p or t.startswith(p + "/"):
            return
        nm = base(p) if r.random() < 0.5 else self.name(t)
        if nm is None or not self.fat_ok(t, nm, base(p) if t == parent(p) else None):
            return
        q = os.path.join(t, nm)
        if q == p or any(len(os.path.join(x, "y").encode()) + len(q) - len(p) > PATH_MAX_BYTES
                         for x in self.st.files + self.st.dirs if x.startswith(p + "/")):
            return
        os.rename(self.hp(p), self.hp(q))
        self.moved(p, q)
        self.emit("mv", p, q)

    def change_case(self):
        r = self.r
        p = r.choice(self.st.files + self.st.dirs[1:])
        old = base(p)
        new = "".join(c.upper() if r.random() < 0.5 else c.lower() for c in old)
        if new == old or new.casefold() != old.casefold() or len(new.encode()) != len(old.encode()):
            return
        q = os.path.join(parent(p), new)
        os.rename(self.hp(p), self.hp(q))
        self.moved(p, q)
        self.emit("mv", p, q)

    def replace_file(self):
        r = self.r
        p, q = r.choice(self.st.files), r.choice(self.st.files)
        if p == q:
            return
        os.rename(self.hp(p), self.hp(q))
        self.st.files.remove(p)
        self.emit("mv", p, q)

    def step(self):
        st, r = self.st, self.r
        op = r.choice("cccwwwttrumdMkko" if st.fat else "cccwwwttrlumd")
        d = r.choice(st.dirs)
        if st.fat and len(st.dirs) > 1 and r.random() < 0.5:
            d = st.dirs[1]      # one crowded directory: many clusters, grown and shrunk
        if op == "c" or not st.files and op in "wtrluko":
            self.create(d)
        elif op == "w":
            self.write()
        elif op == "t":
            self.truncate()
        elif op == "r":
            self.rename_file()
        elif op == "l":
            self.link()
        elif op == "u":
            self.unlink()
        elif op == "m":
            self.mkdir(d)
        elif op == "d" and len(st.dirs) > 1:
            self.rmdir()
        elif op == "M" and len(st.dirs) > 1:
            self.move_dir()
        elif op == "k":
            self.change_case()
        elif op == "o":
            self.replace_file()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fat", action="store_true")
    ap.add_argument("--budget", type=int, default=0)
    ap.add_argument("--cluster", type=int, default=4096)
    ap.add_argument("--root-slots", type=int, default=0)
    ap.add_argument("seed", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("host")
    ap.add_argument("data")
    a = ap.parse_args()
    st = State(a.seed, a.n, a.fat)
    for _ in sys.stdin:
        for e in os.listdir(a.data):
            os.unlink(os.path.join(a.data, e))
        g = Gen(st, a)
        while st.i < st.n and len(g.cmds) < BATCH:
            st.i += 1
            g.step()
        print("; ".join(g.cmds), flush=True)
        if not g.cmds:
            break


if __name__ == "__main__":
    sys.exit(main())
