# SPDX-License-Identifier: LGPL-2.1-or-later
"""console.py: a virtio console as a raw byte channel (the two-stack tier's request link)."""
import os
import termios
import tty


def open_raw(path):
    """Open a tty with no line discipline processing and no echo; returns the fd."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    return fd
