#!/usr/bin/env python3
"""Drive an interactive console client (virsh console) through a pty.

Usage: console-session.py TIMEOUT STEP... -- COMMAND...

Runs COMMAND on a new pty, as a terminal user would, then takes the
steps in order:
  expect=TEXT   read the client's output until TEXT appears in what came
                since the last expect (fails after TIMEOUT seconds)
  send=TEXT     type TEXT (backslash escapes: \\r, \\x1d for ^] ...), once
                the client has put the terminal in raw mode: a client
                does that with TCSAFLUSH, which drops what was typed
                before (virsh console does it after it connected)
  exit=STATUS   wait up to TIMEOUT seconds for COMMAND to end with STATUS
Every wait is bounded by TIMEOUT seconds. Prints one line saying which
step failed and what the client printed, and exits 1; 0 when all did.
"""

import codecs
import os
import pty
import select
import signal
import sys
import termios
import time


def unescape(text):
    return codecs.decode(text, "unicode_escape").encode("latin-1")


def tail(data, limit=600):
    """What the client printed last (a flood of echoes is long)"""
    return data if len(data) <= limit else b"..." + data[-limit:]


def main(argv):
    if "--" not in argv or len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    sep = argv.index("--")
    timeout = float(argv[1])
    steps = argv[2:sep]
    command = argv[sep + 1:]
    if not command:
        sys.stderr.write(__doc__)
        return 2

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)

    seen = b""
    reaped = False

    def read_some(deadline):
        nonlocal seen
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return False
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            return False
        seen += data
        return True

    def is_raw():
        # the master reports the terminal's settings (the slave's)
        lflag = termios.tcgetattr(fd)[3]
        return not lflag & (termios.ICANON | termios.ECHO)

    try:
        for step in steps:
            kind, _, arg = step.partition("=")
            deadline = time.monotonic() + timeout
            if kind == "expect":
                want = unescape(arg)
                while want not in seen:
                    if not read_some(deadline):
                        print(f"console: no {want!r} within {timeout:g} s; "
                              f"the client printed {tail(seen)!r}")
                        return 1
                seen = seen[seen.index(want) + len(want):]
            elif kind == "send":
                while not is_raw():
                    # reading keeps the client going; a short wait between
                    # looks, the whole bounded by the step's deadline
                    if time.monotonic() >= deadline:
                        print(f"console: the client did not put the terminal "
                              f"in raw mode within {timeout:g} s; it printed {tail(seen)!r}")
                        return 1
                    read_some(min(deadline, time.monotonic() + 0.02))
                os.write(fd, unescape(arg))
            elif kind == "exit":
                while time.monotonic() < deadline:
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done:
                        reaped = True
                        break
                    # keep reading so that the client never blocks on output
                    read_some(min(deadline, time.monotonic() + 0.05))
                else:
                    print(f"console: the client did not end within {timeout:g} s; "
                          f"it printed {tail(seen)!r}")
                    return 1
                code = os.waitstatus_to_exitcode(status)
                if code != int(arg):
                    print(f"console: the client ended with {code}, not {arg}; "
                          f"it printed {tail(seen)!r}")
                    return 1
            else:
                print(f"console: unknown step {step!r}")
                return 2
        return 0
    finally:
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        os.close(fd)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
