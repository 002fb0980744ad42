#!/usr/bin/python3
"""
Run soak-suite unittest tests (tests/soak/test_*.py) on the bus-tier harness:
  run-test.py TEST_ID...          module.Class.test_name, module.Class or module
  run-test.py --list              every test id
  run-test.py --check-meson FILE  fail unless FILE (tests/soak/meson.build) names every test

Needs Debian's /usr/bin/python3 (python3-dbus, python3-gi) and GATTD=path/to/gattd.
"""

import os
import re
import signal
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import soaklib  # noqa: E402,F401  (puts tests/bus on sys.path)


def test_ids(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from test_ids(test)
        else:
            yield test.id()


def discover():
    return unittest.defaultTestLoader.discover(HERE, pattern='test_*.py', top_level_dir=HERE)


def check_meson(path):
    with open(path) as f:
        text = f.read()
    listed = set()
    for test_class, methods in re.findall(r"'(test_\w+\.\w+)'\s*:\s*\[(.*?)\]", text, re.S):
        listed.update('%s.%s' % (test_class, m) for m in re.findall(r"'(test_\w+)'", methods))
    found = set(test_ids(discover()))
    for test_id in sorted(found - listed):
        print('not registered in %s: %s' % (path, test_id))
    for test_id in sorted(listed - found):
        print('registered in %s but not found: %s' % (path, test_id))
    print('%d tests found, %d registered' % (len(found), len(listed)))
    return 1 if found != listed else 0


def interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)   # meson's timeout: print gattd's log


def main(argv):
    signal.signal(signal.SIGTERM, interrupt)
    if argv[:1] == ['--list']:
        print('\n'.join(sorted(test_ids(discover()))))
        return 0
    if argv[:1] == ['--check-meson'] and len(argv) == 2:
        return check_meson(argv[1])
    suite = unittest.defaultTestLoader.loadTestsFromNames(argv) if argv else discover()
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stderr).run(suite)
    if result.testsRun == 0 or not result.wasSuccessful():
        return 1
    return 77 if result.testsRun == len(result.skipped) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
