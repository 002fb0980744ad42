# SPDX-License-Identifier: LGPL-2.1-or-later
"""
testrunner.py: the unittest runner the bus and soak suites share (their
run-test.py scripts only name their directory).

  run-test.py [TEST_ID...]       module.Class.test_name, module.Class or module;
                                 with none, every test_*.py of the directory runs
  run-test.py --list             every test id, one per line
  run-test.py --check-meson FILE fail unless FILE (the suite's meson.build) names every test method
  run-test.py --meson-list       print the entries of meson.build's test dict

Exit status: 0 passed, 1 failed (or nothing ran), 77 everything skipped (meson: skip).
"""

import re
import signal
import sys
import unittest


def discover(directory):
    return unittest.defaultTestLoader.discover(directory, pattern='test_*.py', top_level_dir=directory)


def test_ids(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from test_ids(test)
        else:
            yield test.id()


def check_meson(directory, path):
    # { 'test_module.Class': [ 'test_method', ... ], ... }
    with open(path) as f:
        text = f.read()
    listed = set()
    for test_class, methods in re.findall(r"'(test_\w+\.\w+)'\s*:\s*\[(.*?)\]", text, re.S):
        listed.update('%s.%s' % (test_class, m) for m in re.findall(r"'(test_\w+)'", methods))
    found = set(test_ids(discover(directory)))
    missing, stale = sorted(found - listed), sorted(listed - found)
    for test_id in missing:
        print('not registered in %s: %s' % (path, test_id))
    for test_id in stale:
        print('registered in %s but not found: %s' % (path, test_id))
    print('%d tests found, %d registered' % (len(found), len(listed)))
    return 1 if missing or stale else 0


def meson_list(directory):
    """The body of meson.build's test dict, for pasting after adding tests."""
    groups = {}
    for test_id in sorted(test_ids(discover(directory))):
        module, test_class, method = test_id.split('.')
        groups.setdefault(module + '.' + test_class, []).append(method)
    for test_class, methods in groups.items():
        print("    '%s': [" % test_class)
        for method in methods:
            print("      '%s'," % method)
        print('    ],')


def interrupt(signum, frame):
    # meson's timeout sends SIGTERM: unwind like ^C so the failing test prints
    # gattd's log and removes its temp dir (children die with us anyway).
    raise KeyboardInterrupt('signal %d' % signum)


def main(argv, directory):
    signal.signal(signal.SIGTERM, interrupt)
    if argv[:1] == ['--list']:
        print('\n'.join(sorted(test_ids(discover(directory)))))
        return 0
    if argv[:1] == ['--meson-list']:
        meson_list(directory)
        return 0
    if argv[:1] == ['--check-meson'] and len(argv) == 2:
        return check_meson(directory, argv[1])
    suite = unittest.defaultTestLoader.loadTestsFromNames(argv) if argv else discover(directory)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stderr).run(suite)
    if result.testsRun == 0 or not result.wasSuccessful():
        return 1
    if result.testsRun == len(result.skipped):
        return 77
    return 0
