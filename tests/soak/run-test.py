#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Run soak-suite tests (tests/soak/test_*.py) on the bus-tier harness, with the
bus tier's runner (tests/bus/testrunner.py describes the arguments).

Needs Debian's /usr/bin/python3 (python3-dbus, python3-gi) and GATTD=path/to/gattd.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import soaklib  # noqa: E402,F401  (puts tests/bus on sys.path)
import testrunner  # noqa: E402

if __name__ == '__main__':
    sys.exit(testrunner.main(sys.argv[1:], HERE))
