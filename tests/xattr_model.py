#!/usr/bin/env python3
"""xattr_model.py: xattr steps applied to a tree (a rumpsh FUSE mount) and to a model of what it must hold.

usage: xattr_model.py STATE run ROOT     steps on stdin, one a line:
           set PATH NAME SIZE[:CHAR] [create|replace] [=> ERRNO]
           rm PATH NAME [=> ERRNO]
       the answer must be ERRNO (an errno name, or ok) when given, else what the
       model predicts (EEXIST for create over an existing name, ENODATA for replace
       or rm of a missing one, else ok); the model (JSON in STATE) follows the
       steps that succeed
       xattr_model.py STATE assume           steps on stdin taken as done by someone else
       xattr_model.py STATE dump             the expected `getfattr -d -e hex` lines, as
                                             "PATH NAME=0xHEX", sorted
       xattr_model.py STATE sizes            the expected names and sizes, as debugfs
                                             ea_list prints them: "PATH NAME (SIZE)", sorted
"""
import errno
import json
import os
import sys


def load(state):
    try:
        with open(state) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def value(spec):
    size, _, ch = spec.partition(':')
    return ((ch or 'v') * int(size)).encode()


def predict(model, op, path, name, flags):
    present = name in model.get(path, {})
    if op == 'set' and flags == 'create' and present:
        return 'EEXIST'
    if (op == 'rm' or flags == 'replace') and not present:
        return 'ENODATA'
    return 'ok'


def step(model, root, line):
    words, _, expect = line.partition('=>')
    w = words.split()
    op, path, name = w[0], w[1], w[2]
    flags = w[4] if op == 'set' and len(w) > 4 else ''
    expect = expect.strip() or predict(model, op, path, name, flags)
    if root is None:
        got = 'ok'
    else:
        got = apply(os.path.join(root, path), op, name, w, flags)
    if got != expect:
        print('%s: expected %s, got %s' % (line.strip(), expect, got), file=sys.stderr)
        return False
    if got == 'ok' and op == 'set':
        model.setdefault(path, {})[name] = value(w[3]).hex()
    elif got == 'ok':
        del model[path][name]
    return True


def apply(target, op, name, w, flags):
    try:
        if op == 'set':
            mode = {'create': os.XATTR_CREATE, 'replace': os.XATTR_REPLACE}.get(flags, 0)
            os.setxattr(target, name, value(w[3]), mode, follow_symlinks=False)
        elif op == 'rm':
            os.removexattr(target, name, follow_symlinks=False)
        else:
            raise SystemExit('xattr_model.py: unknown step: ' + op)
        return 'ok'
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def main():
    state, cmd = sys.argv[1], sys.argv[2]
    model = load(state)
    if cmd in ('run', 'assume'):
        root = sys.argv[3] if cmd == 'run' else None
        ok = all([step(model, root, line) for line in sys.stdin if line.strip()])
        with open(state, 'w') as f:
            json.dump(model, f)
        sys.exit(0 if ok else 1)
    elif cmd == 'dump':
        for line in sorted('%s %s=0x%s' % (p, n, v) for p, a in model.items() for n, v in a.items()):
            print(line)
    elif cmd == 'sizes':
        for line in sorted('%s %s (%d)' % (p, n, len(v) // 2) for p, a in model.items() for n, v in a.items()):
            print(line)


main()
