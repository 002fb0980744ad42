#!/usr/bin/python3
"""
Run bus-tier tests: run-test.py [TEST_ID...]

TEST_ID is module.Class.test_name, module.Class or module (as unittest names
them; modules are tests/bus/test_*.py). With no TEST_ID, every test runs.
  --list                 print every test id, one per line
  --check-meson FILE     fail unless FILE (tests/bus/meson.build) names every test method
  --meson-list           print the bus_tests entries for meson.build

Needs Debian's /usr/bin/python3 (python3-dbus, python3-gi) and GATTD=path/to/gattd.
"""

import os
import re
import signal
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def discover():
    return unittest.defaultTestLoader.discover(HERE, pattern='test_*.py', top_level_dir=HERE)


def test_ids(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from test_ids(test)
        else:
            yield test.id()


def check_meson(path):
    # bus_tests = { 'test_module.Class': [ 'test_method', ... ], ... }
    with open(path) as f:
        text = f.read()
    listed = set()
    for test_class, methods in re.findall(r"'(test_\w+\.\w+)'\s*:\s*\[(.*?)\]", text, re.S):
        listed.update('%s.%s' % (test_class, m) for m in re.findall(r"'(test_\w+)'", methods))
    found = set(test_ids(discover()))
    missing, stale = sorted(found - listed), sorted(listed - found)
    for test_id in missing:
        print('not registered in %s: %s' % (path, test_id))
    for test_id in stale:
        print('registered in %s but not found: %s' % (path, test_id))
    print('%d tests found, %d registered' % (len(found), len(listed)))
    return 1 if missing or stale else 0


def interrupt(signum, frame):
    # meson's timeout sends SIGTERM: unwind like ^C so the failing test prints
    # gattd's log and removes its temp dir (children die with us anyway).
    raise KeyboardInterrupt('signal %d' % signum)


def meson_list():
    """The body of meson.build's bus_tests dict, for pasting after adding tests."""
    groups = {}
    for test_id in sorted(test_ids(discover())):
        module, test_class, method = test_id.split('.')
        groups.setdefault(module + '.' + test_class, []).append(method)
    for test_class, methods in groups.items():
        print("    '%s': [" % test_class)
        for method in methods:
            print("      '%s'," % method)
        print('    ],')


def main(argv):
    signal.signal(signal.SIGTERM, interrupt)
    if argv[:1] == ['--list']:
        print('\n'.join(sorted(test_ids(discover()))))
        return 0
    if argv[:1] == ['--meson-list']:
        meson_list()
        return 0
    if argv[:1] == ['--check-meson'] and len(argv) == 2:
        return check_meson(argv[1])
    if argv:
        suite = unittest.defaultTestLoader.loadTestsFromNames(argv)
    else:
        suite = discover()
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stderr).run(suite)
    if result.testsRun == 0:
        return 1
    if not result.wasSuccessful():
        return 1
    if result.testsRun == len(result.skipped):
        return 77                   # meson: skipped
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
