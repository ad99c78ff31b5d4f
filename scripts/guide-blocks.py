#!/usr/bin/env python3
"""The command blocks of a guide (docs/admin-guide.md), for a script that
runs them and checks what they print (scripts/admin-guide-check.sh).

  guide-blocks.py split GUIDE DIR
      Write each step of GUIDE to DIR/NNN/ (NNN from 001, in order):
        kind      'cmd', 'file' or 'simulate'
        where     'host' or 'guest' (the machine it runs on)
        line      the line of GUIDE it comes from
        cmd       a command (kind cmd), a file's path (kind file) or an
                  action of the simulated setting (kind simulate)
        expected  what the command prints (cmd), the file's text (file)
        until     seconds to retry the command until it prints that
                  (0: once)
  guide-blocks.py match EXPECTED ACTUAL
      Exit 0 if the file ACTUAL is what EXPECTED says, else print the
      first line where they part and exit 1.

In GUIDE, a fenced block ```console holds commands, each on a line of its
own starting with the root prompt '# ' (a line ending in a backslash
continues on the next), and after each the lines it prints.  In those
lines a '…' stands for any text on that line, and a line of just '…' for
any number of lines (none too): times, ids and apt's progress, which
vary from run to run.  Trailing spaces and trailing empty lines do not
count.  HTML comments before a block say more (they do not show):
  <!-- guide: guest -->         the block runs on the guest, not the host
  <!-- guide: until N -->       retry each command for up to N seconds
                                until it prints what the block says (what
                                an admin does by running it again)
  <!-- guide: file PATH -->     the next fenced block is the file PATH
  <!-- guide: simulate ACTION --> a step of the simulated host itself,
                                between blocks (admin-guide-check.sh)
"""

import os
import re
import sys

FENCE = re.compile(r'^```\s*(\S*)')
MARK = re.compile(r'^<!-- guide: (\w+)(?: (.*?))? -->$')
PROMPT = '# '
ANY = '…'


def die(msg):
    print(f'guide-blocks: {msg}', file=sys.stderr)
    sys.exit(2)


def split(guide, outdir):
    lines = open(guide, encoding='utf-8').read().split('\n')
    steps = []
    marks = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        m = MARK.match(line)
        if m:
            kind, arg = m.group(1), m.group(2) or ''
            if kind == 'simulate':
                steps.append(dict(kind='simulate', where='host', line=i + 1,
                                  cmd=arg, expected='', until='0'))
            elif kind in ('guest', 'until', 'file'):
                marks[kind] = arg
            else:
                die(f'{guide}:{i + 1}: unknown mark "{kind}"')
            i += 1
            continue
        f = FENCE.match(line)
        if not f:
            i += 1
            continue
        start = i + 1
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith('```'):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            die(f'{guide}:{start}: block not closed')
        i += 1
        where = 'guest' if 'guest' in marks else 'host'
        if 'file' in marks:
            steps.append(dict(kind='file', where=where, line=start,
                              cmd=marks['file'],
                              expected='\n'.join(body) + '\n', until='0'))
        elif f.group(1) == 'console':
            steps += commands(guide, body, start, where,
                              marks.get('until', '0'))
        marks = {}
    os.makedirs(outdir, exist_ok=True)
    for n, step in enumerate(steps, 1):
        d = os.path.join(outdir, f'{n:03d}')
        os.makedirs(d)
        for key, value in step.items():
            with open(os.path.join(d, key), 'w', encoding='utf-8') as out:
                out.write(str(value))


def commands(guide, body, start, where, until):
    steps = []
    j = 0
    while j < len(body):
        if not body[j].startswith(PROMPT):
            die(f'{guide}:{start + j + 1}: output before any command')
        line = start + j + 1
        cmd = body[j][len(PROMPT):]
        while cmd.endswith('\\'):
            j += 1
            if j == len(body):
                die(f'{guide}:{line}: continued command at the end of a block')
            cmd = cmd + '\n' + body[j]
        j += 1
        out = []
        while j < len(body) and not body[j].startswith(PROMPT):
            out.append(body[j])
            j += 1
        steps.append(dict(kind='cmd', where=where, line=line, cmd=cmd,
                          expected='\n'.join(out), until=until))
    return steps


def normal(text):
    lines = [line.rstrip() for line in text.split('\n')]
    while lines and lines[-1] == '':
        lines.pop()
    return lines


def pattern(line):
    return '[^\n]*'.join(re.escape(part) for part in line.split(ANY))


def match(expected_file, actual_file):
    expected = normal(open(expected_file, encoding='utf-8').read())
    actual = normal(open(actual_file, encoding='utf-8', errors='replace').read())
    regex = ''.join('(?:[^\n]*\n)*?' if line == ANY else pattern(line) + '\n'
                    for line in expected)
    if re.fullmatch(regex, ''.join(line + '\n' for line in actual)):
        return 0
    # the longest prefix of expected lines that still matches, to say where
    # the output parts from the guide
    good = 0
    for k in range(1, len(expected) + 1):
        prefix = ''.join('(?:[^\n]*\n)*?' if line == ANY else pattern(line) + '\n'
                         for line in expected[:k])
        if re.match(prefix, ''.join(line + '\n' for line in actual)):
            good = k
        else:
            break
    print(f'   output parts from the guide at its line {good + 1} of {len(expected)}:'
          f' expected {expected[good]!r}' if good < len(expected) else
          '   output goes on after what the guide shows')
    print('   the output was:')
    for line in actual:
        print(f'   | {line}')
    return 1


def main(argv):
    if len(argv) == 4 and argv[1] == 'split':
        split(argv[2], argv[3])
        return 0
    if len(argv) == 4 and argv[1] == 'match':
        return match(argv[2], argv[3])
    die('usage: guide-blocks.py split GUIDE DIR | match EXPECTED ACTUAL')


if __name__ == '__main__':
    sys.exit(main(sys.argv))
