#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
check-layout.py: the rules of src/'s layout (README, "Layout"), checked on the
built libraries so that they stay true:
- every global symbol of gattd's own libraries carries a prefix of its folder's
  modules (nothing in libdbus's dbus_, GLib's g_ or jansson's json_ namespace);
- a folder includes only the folders below it (INCLUDES), always by the folder's
  name ("config/config.h", never "../config/config.h"), and calls only functions
  defined in them: the layers;
- no two object files call each other in a circle, directly or through others;
- no source file in src/ is over MAX_LINES lines, and each opens with SPDX_LINE
  (the project's license, LICENSE).

Usage: check-layout.py SRCDIR LIBRARY.a...
"""
import collections
import os
import re
import subprocess
import sys

MAX_LINES = 800
SPDX_LINE = '/* SPDX-License-Identifier: LGPL-2.1-or-later */\n'

# The prefixes each folder's modules use (README, "Layout").
PREFIXES = {
    'shared': ('att_', 'bdaddr_', 'frame_', 'escape_', 'jread_', 'jwrite_', 'listener_list_', 'log_', 'uuid_', 'value_'),
    'config': ('config_', 'flags_', 'persist_'),
    'dbus': ('bus_',),
    'gatt': ('gatt_', 'advertisement_'),
    'bluez': ('bluez_', 'adapter_', 'lifecycle_'),
    'socket': ('server_', 'capture_', 'proto_'),
    'daemon': ('daemon_', 'advertisements_', 'handles_', 'persistence_', 'reload_', 'service_manager_', 'signals_'),
}


# The folders each folder's files may include: the layers, lowest first.
INCLUDES = {
    'shared': {'shared'},
    'config': {'shared', 'config'},
    'dbus': {'shared', 'dbus'},
    'gatt': {'shared', 'config', 'dbus', 'gatt'},
    'bluez': {'shared', 'config', 'dbus', 'gatt', 'bluez'},
    'socket': {'shared', 'config', 'gatt', 'socket'},
    'daemon': {'shared', 'config', 'dbus', 'gatt', 'bluez', 'socket', 'daemon'},
    'client': {'shared'},
    'gattctl': {'shared', 'socket'},
}


def check_includes(srcdir, problems):
    for folder, allowed in INCLUDES.items():
        directory = os.path.join(srcdir, folder)
        for name in sorted(os.listdir(directory)):
            if not name.endswith(('.c', '.h')):
                continue
            with open(os.path.join(directory, name), encoding='utf-8') as f:
                for number, line in enumerate(f, 1):
                    match = re.match(r'\s*#\s*include\s*"([^"]*)"', line)
                    if not match or '/' not in match.group(1):
                        continue
                    target = match.group(1).split('/')[0]
                    if target not in INCLUDES:
                        problems.append(f'{folder}/{name}:{number}: includes "{match.group(1)}": name a '
                                        f'folder of src/, not a relative path')
                    elif target not in allowed:
                        problems.append(f'{folder}/{name}:{number}: includes {target}/, a layer '
                                        f'{folder}/ may not use ({", ".join(sorted(allowed))})')


def nm(library):
    """(object file, kind, symbol) for every symbol of library's members."""
    out = subprocess.run(['nm', '-A', library], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        location, _, rest = line.rpartition(':')
        member = os.path.basename(location.split(':')[-1])
        fields = rest.split()
        if len(fields) == 3:
            yield member, fields[1], fields[2]
        elif len(fields) == 2:
            yield member, fields[0], fields[1]


def folder_of(member):
    # meson names objects after their path: "socket_server.c.o" for src/socket/server.c.
    return member.split('_', 1)[0]


def circles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    srcdir, libraries = sys.argv[1], sys.argv[2:]
    problems = []
    defined, used = {}, collections.defaultdict(set)

    for library in libraries:
        for member, kind, symbol in nm(library):
            if kind in 'TDRB':
                defined[symbol] = member
                folder = folder_of(member)
                allowed = PREFIXES.get(folder)
                if allowed is None:
                    problems.append(f'{member}: in no folder of check-layout.py PREFIXES')
                elif not symbol.startswith(allowed):
                    problems.append(f'{member}: global symbol {symbol} lacks a prefix of {folder}/ '
                                    f'({", ".join(allowed)})')
            elif kind == 'U':
                used[member].add(symbol)

    graph = collections.defaultdict(set)
    for member, symbols in used.items():
        graph[member] |= {defined[s] for s in symbols if s in defined and defined[s] != member}
        for s in sorted(symbols):
            if s in defined and folder_of(defined[s]) not in INCLUDES.get(folder_of(member), ()):
                problems.append(f'{member}: calls {s} of {folder_of(defined[s])}/, a layer '
                                f'{folder_of(member)}/ may not use')
    for component in circles(graph):
        edges = '; '.join(f'{a} -> {", ".join(sorted(graph[a] & set(component)))}' for a in component)
        problems.append(f'call each other in a circle: {edges}')

    check_includes(srcdir, problems)
    for root, _, files in os.walk(srcdir):
        for name in sorted(files):
            if name.endswith(('.c', '.h')):
                path = os.path.join(root, name)
                with open(path, encoding='utf-8') as f:
                    first = f.readline()
                    n = 1 + sum(1 for _ in f) if first else 0
                if first != SPDX_LINE:
                    problems.append(f'{os.path.relpath(path, srcdir)}: does not open with {SPDX_LINE.strip()}')
                if n > MAX_LINES:
                    problems.append(f'{os.path.relpath(path, srcdir)}: {n} lines, more than {MAX_LINES}')

    for p in problems:
        print(p)
    print(f'{len(problems)} problem(s) in the layout of src/' if problems else 'layout of src/: OK')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
