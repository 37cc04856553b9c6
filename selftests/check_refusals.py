#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the table of refusals (selftests/refusals.h) with the modules.

Every extended ack message the modules' sources can return must be a row of
the table, and every message of a row that the modules return ("lbnl",
"lbnl_srv" or "both") must still be in the sources. Messages of the core
("core" rows: policy validation, GENL_ADMIN_PERM) are not looked for.

Where messages come from in kmod/**/*.c and kmod/**/*.h:
  NL_SET_ERR_MSG*(extack, [attr,] "msg")      (_MOD: "<module>: msg")
  lbnl_attr_required(extack, nest, tb, type, "msg")
  lbnl_set_err_msg(extack, "msg"), or a static string chosen at run time:
    *reason = "msg", try->reason = "msg", return "msg" (the reason
    functions), { TYPE, "msg" } tables (required[] in assoc_nl.c)
  .reject_message = "msg"                      (LBNL_READ_ONLY)
  extack->_msg = "msg"
A message passed by variable through a name this script does not know
(KNOWN_CARRIERS) is an error: teach the script where it comes from.

Usage: check_refusals.py [--list] [TOP]   (TOP: the repository, default ..)
Exit 0 if table and sources agree, 1 otherwise (naming every difference).
"""

import errno
import os
import re
import sys

# Non-literal arguments of lbnl_set_err_msg() whose literals the patterns
# below find: reasons assigned or returned, the required[] table's .msg.
KNOWN_CARRIERS = {"reason", "why", "required[i].msg"}

FAMILIES = {"lbnl", "lbnl_srv", "both", "core"}
MODNAME = {"lb": "lbnl", "srv": "lbnl_srv"}

TOKEN = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<char>'(?:[^'\\\n]|\\.)*')
''', re.S | re.X)


def unescape(lit):
    body = lit[1:-1]
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1),
                                                                   m.group(1)),
                  body)


def strip_comments(text):
    """Comments become spaces (line numbers kept); strings stay."""
    def repl(m):
        if m.group('comment'):
            return re.sub(r'[^\n]', ' ', m.group('comment'))
        return m.group(0)
    return TOKEN.sub(repl, text)


def literals(text):
    """The messages in @text: adjacent literals are one string."""
    out = []
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*',
                         text):
        parts = re.findall(r'"(?:[^"\\\n]|\\.)*"', m.group(0))
        out.append((''.join(unescape(p) for p in parts), m.start()))
    return out


def balanced(text, open_pos):
    """Text between the parenthesis at @open_pos and its match."""
    depth = 0
    i = open_pos
    while i < len(text):
        c = text[i]
        if c == '"':
            m = re.compile(r'"(?:[^"\\\n]|\\.)*"').match(text, i)
            i = m.end() if m else i + 1
            continue
        if c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
            if depth == 0:
                return text[open_pos + 1:i]
        i += 1
    return text[open_pos + 1:]


def split_args(args):
    """Top-level comma-separated arguments of a call."""
    out, depth, cur, i = [], 0, '', 0
    while i < len(args):
        c = args[i]
        if c == '"':
            m = re.compile(r'"(?:[^"\\\n]|\\.)*"').match(args, i)
            cur += m.group(0)
            i = m.end()
            continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        if c == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
        else:
            cur += c
        i += 1
    out.append(cur.strip())
    return out


def code_messages(top):
    """{message: [file:line, ...]} of the sources, and errors."""
    msgs, errors = {}, []

    def add(msg, path, text, pos):
        line = text.count('\n', 0, pos) + 1
        msgs.setdefault(msg, []).append('%s:%d' % (path, line))

    for dirpath, dirnames, files in os.walk(os.path.join(top, 'kmod')):
        dirnames.sort()
        for name in sorted(files):
            if not (name.endswith('.c') or name.endswith('.h')) or \
               name.endswith('.mod.c'):
                continue
            full = os.path.join(dirpath, name)
            path = os.path.relpath(full, top)
            with open(full, encoding='utf-8') as f:
                text = strip_comments(f.read())
            sub = os.path.basename(os.path.dirname(full))

            # calls taking the message as an argument
            for m in re.finditer(r'\b(NL_SET_ERR_MSG\w*|lbnl_attr_required|'
                                 r'lbnl_set_err_msg)\s*\(', text):
                name_ = m.group(1)
                args = balanced(text, m.end() - 1)
                base = m.end()
                if 'struct netlink_ext_ack *' in args:
                    continue	# the definition (lbnl_common.h)
                lits = literals(args)
                if name_.endswith('_FMT') or name_.endswith('_FMT_MOD'):
                    errors.append('%s:%d: %s: formatted messages cannot be '
                                  'checked; use a fixed string' %
                                  (path, text.count('\n', 0, m.start()) + 1,
                                   name_))
                    continue
                if name_.startswith('NL_SET_ERR_MSG') and \
                   name_.endswith('_MOD'):
                    prefix = MODNAME.get(sub, sub) + ': '
                else:
                    prefix = ''
                for lit, off in lits:
                    add(prefix + lit, path, text, base + off)
                if name_ == 'lbnl_set_err_msg' and not lits:
                    arg = split_args(args)[-1]
                    if arg not in KNOWN_CARRIERS and arg != 'msg':
                        errors.append(
                            '%s:%d: lbnl_set_err_msg(..., %s): where does '
                            'this message come from? (teach %s)' %
                            (path, text.count('\n', 0, m.start()) + 1, arg,
                             os.path.basename(__file__)))

            # static reasons: assigned, returned, tabled
            for m in re.finditer(r'(?:\breason|\b_msg)\s*=(?!=)([^;]*);', text):
                for lit, off in literals(m.group(1)):
                    add(lit, path, text, m.start(1) + off)
            for m in re.finditer(r'\breturn\s+("(?:[^"\\\n]|\\.)*"'
                                 r'(?:\s*"(?:[^"\\\n]|\\.)*")*)\s*;', text):
                for lit, off in literals(m.group(1)):
                    add(lit, path, text, m.start(1) + off)
            for m in re.finditer(r'\{\s*[A-Z][A-Z0-9_]*\s*,\s*'
                                 r'("(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*)'
                                 r'\s*\}', text):
                for lit, off in literals(m.group(1)):
                    add(lit, path, text, m.start(1) + off)
            for m in re.finditer(r'\.reject_message\s*=\s*'
                                 r'("(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*)',
                                 text):
                for lit, off in literals(m.group(1)):
                    add(lit, path, text, m.start(1) + off)
    return msgs, errors


def table_rows(path):
    """Rows of refusals[] in @path: dicts, and errors."""
    rows, errors = [], []
    try:
        with open(path, encoding='utf-8') as f:
            text = strip_comments(f.read())
    except OSError as e:
        return rows, ['%s: %s' % (path, e.strerror)]
    m = re.search(r'\brefusals\s*\[\s*\]\s*=\s*\{(.*?)\n\s*\}\s*;', text, re.S)
    if not m:
        return rows, ['%s: no "refusals[] = { ... };" table' % path]
    body, base = m.group(1), m.start(1)
    item = re.compile(r'\s*("(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*'
                      r'|[A-Za-z_][A-Za-z0-9_]*|-?[0-9]+)\s*(?:,|$)', re.S)
    for r in re.finditer(r'\{(.*?)\}\s*,', body, re.S):
        line = text.count('\n', 0, base + r.start()) + 1
        fields, pos, inner = [], 0, r.group(1).strip()
        while pos < len(inner):
            f = item.match(inner, pos)
            if not f:
                break
            tok = f.group(1)
            fields.append(''.join(unescape(p) for p in
                                  re.findall(r'"(?:[^"\\\n]|\\.)*"', tok))
                          if tok.startswith('"') else tok)
            pos = f.end()
        where = '%s:%d' % (os.path.basename(path), line)
        if pos < len(inner) or len(fields) != 6:
            errors.append('%s: a row is { "id", "family", "request", '
                          'Eerrno, "message" or NULL, "attribute" }' % where)
            continue
        row = dict(zip(('id', 'family', 'request', 'err', 'msg', 'attr'),
                       fields), where=where)
        if row['msg'] == 'NULL':
            row['msg'] = None
        if row['family'] not in FAMILIES:
            errors.append('%s: %s: family "%s" is not one of %s' %
                          (where, row['id'], row['family'],
                           ', '.join(sorted(FAMILIES))))
        if not hasattr(errno, row['err']):
            errors.append('%s: %s: "%s" is not an errno' %
                          (where, row['id'], row['err']))
        if row['family'] != 'core' and not row['msg']:
            errors.append('%s: %s: a refusal of the modules has a message' %
                          (where, row['id']))
        rows.append(row)
    seen = {}
    for row in rows:
        if row['id'] in seen:
            errors.append('%s: id %s already used at %s' %
                          (row['where'], row['id'], seen[row['id']]))
        seen[row['id']] = row['where']
    return rows, errors


def main(argv):
    listing = '--list' in argv
    argv = [a for a in argv if a != '--list']
    top = argv[0] if argv else os.path.join(os.path.dirname(
        os.path.abspath(__file__)), '..')
    table = os.path.join(top, 'selftests', 'refusals.h')
    msgs, errors = code_messages(top)
    if listing:
        for msg in sorted(msgs, key=lambda x: msgs[x][0]):
            print('%-26s %s' % (msgs[msg][0], msg))
        return 0
    rows, terr = table_rows(table)
    errors += terr

    tabled = {r['msg'] for r in rows if r['family'] != 'core'}
    for msg in sorted(msgs, key=lambda x: msgs[x][0]):
        if msg not in tabled:
            errors.append('%s: message not in selftests/refusals.h: "%s"' %
                          (msgs[msg][0], msg))
    for row in rows:
        if row['family'] != 'core' and row['msg'] not in msgs:
            errors.append('%s: %s: message no longer in kmod/: "%s"' %
                          (row['where'], row['id'], row['msg']))

    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        print('refusals: FAILED (%d difference(s) between selftests/'
              'refusals.h and kmod/)' % len(errors), file=sys.stderr)
        return 1
    print('refusals: clean (%d rows, %d messages in kmod/)' %
          (len(rows), len(msgs)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
