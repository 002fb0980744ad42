# SPDX-License-Identifier: LGPL-2.1-or-later
"""runner.py: runs scenarios in sequence and keeps the transcript.

Each scenario is a function; inside it `check()` records a verdict and goes
on, `require()` stops the scenario when going on would make no sense, and
`say()` adds a line of what someone saw. The transcript goes to the console
and to transcript.txt; summary.json tells the host which scenarios failed and
which part of each log was written meanwhile, so it can print just that.
"""
import json
import os
import time
import traceback


class ScenarioAbort(Exception):
    pass


class Runner:
    def __init__(self, results, log_sizes, prefix='vm'):
        self.results, self.prefix = results, prefix
        self.log_sizes = log_sizes  # () -> {file: size}
        self.records = []
        self.failures = None
        self.transcript = open(os.path.join(results, 'transcript.txt'), 'a', buffering=1)

    def _emit(self, line):
        print(line, flush=True)
        self.transcript.write(line + '\n')

    def say(self, who, text):
        self._emit(f'  {who:<8} {text}')

    def check(self, ok, text, quiet=False):
        """Record one verdict; the scenario goes on either way. quiet: say it only if it failed."""
        if ok:
            if not quiet:
                self._emit(f'  ok       {text}')
        else:
            self._emit(f'  FAILED   {text}')
            if self.failures is not None:
                self.failures.append(text)
        return ok

    def require(self, ok, text):
        if not self.check(ok, text):
            raise ScenarioAbort(text)

    def run(self, number, total, title, func, *args):
        self._emit('')
        self._emit(f'{self.prefix}: scenario {number}/{total}: {title}' if total > 1 else f'{self.prefix}: {title}')
        before = self.log_sizes()
        self.failures = []
        start = time.monotonic()
        try:
            func(self, *args)
        except ScenarioAbort:
            pass
        except Exception as e:  # a harness or protocol surprise is a failure, with its traceback
            self.failures.append(f'{type(e).__name__}: {e}')
            self._emit(f'  FAILED   {type(e).__name__}: {e}')
            for line in traceback.format_exc().rstrip().splitlines():
                self.transcript.write('           ' + line + '\n')
        seconds = time.monotonic() - start
        after = self.log_sizes()
        ok = not self.failures
        self.records.append({
            'number': number, 'name': title, 'ok': ok, 'seconds': round(seconds, 1),
            'failures': self.failures,
            'logs': {name: [before.get(name, 0), size] for name, size in after.items()},
        })
        self._emit(f'{self.prefix}: {"PASS" if ok else "FAIL"} scenario {number}: {title} ({seconds:.1f} s)')
        self.failures = None
        # After every scenario, so that a VM killed later still tells which passed.
        self._write_summary(finished=False)
        return ok

    def finish(self, total=None):
        """Write summary.json; returns the exit code (0 only when every scenario ran and passed)."""
        return self._write_summary(True, total)

    def _write_summary(self, finished, total=None):
        passed = sum(1 for r in self.records if r['ok'])
        failed = len(self.records) - passed
        missing = (total or len(self.records)) - len(self.records)
        summary = {'passed': passed, 'failed': failed + missing, 'finished': finished, 'scenarios': self.records}
        path = os.path.join(self.results, 'summary.json')
        with open(path + '.new', 'w') as f:
            json.dump(summary, f, indent=1)
        os.replace(path + '.new', path)
        return 0 if failed + missing == 0 else 1
