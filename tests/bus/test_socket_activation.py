# SPDX-License-Identifier: LGPL-2.1-or-later
"""Socket activation: gattd started on a listening socket passed the way systemd
passes it (LISTEN_FDS/LISTEN_PID, fd 3), by systemd's own systemd-socket-activate
(the systemd package) or by the harness. A client that connected before gattd was
ready is served, and the socket file stays systemd's: gattd neither unlinks nor
recreates it and makes no socket of its own."""

import os
import shutil
import socket
import stat
import unittest

from clients import LocalClient
from harness import GattdTestCase

SOCKET_ACTIVATE = shutil.which('systemd-socket-activate')


def needs_socket_activation(test):
    if os.environ.get('GATTD_SOCKET_ACTIVATION') != '1':
        test.skipTest('gattd built without libsystemd (GATTD_SOCKET_ACTIVATION is not 1)')


class SystemdSocketActivateTest(GattdTestCase):
    """gattd run by `systemd-socket-activate -l PATH gattd ...`: it listens on PATH
    and execs gattd (same pid) with the socket as fd 3 at the first connection."""

    def setUp(self):
        needs_socket_activation(self)
        if SOCKET_ACTIVATE is None:
            self.skipTest('systemd-socket-activate is not installed (Debian: package systemd)')
        super().setUp()
        self.activated_path = os.path.join(self.tmpdir, 'activated.sock')

    def start_socket_activate(self, **kwargs):
        # It passes on only TERM, PATH, USER, HOME and what -E names.
        launcher = [SOCKET_ACTIVATE, '-l', self.activated_path]
        for name in ('DBUS_SYSTEM_BUS_ADDRESS', 'STATE_DIRECTORY', 'G_DEBUG'):
            launcher += ['-E', name]
        self.start_gattd(launcher=launcher, **kwargs)

    def connect_first_client(self):
        """Connect as soon as systemd-socket-activate listens; the connection
        starts gattd."""
        clients = []

        def connected():
            try:
                clients.append(LocalClient(self, path=self.activated_path))
            except (FileNotFoundError, ConnectionRefusedError):
                return False        # not bound or not listening yet
            return True
        self.wait_until(connected, 'systemd-socket-activate to listen on %s' % self.activated_path)
        return clients[0]

    def test_first_client_starts_gattd_and_is_served(self):
        self.start_socket_activate()
        client = self.connect_first_client()
        # Sent at once: gattd may not even be running yet.
        status = client.send('status')
        hello = client.send('hello')
        self.assertEqual(client.wait_reply(hello)['daemon'], 'gattd')
        self.assertIs(client.wait_reply(status)['ok'], True)
        self.wait_app_registered()
        self.wait_on_air()
        self.assertEqual(client.ok('status')['state'], 'ADVERTISING')
        self.assertEqual(LocalClient(self, path=self.activated_path).ok('hello')['daemon'], 'gattd')

    def test_passed_socket_is_neither_unlinked_nor_recreated_and_gattd_makes_none_of_its_own(self):
        self.start_socket_activate()
        self.wait_until(lambda: os.path.exists(self.activated_path), 'the socket file')
        before = os.stat(self.activated_path)
        self.connect_first_client().sync()
        self.wait_app_registered()
        during = os.stat(self.activated_path)
        self.assertEqual((during.st_ino, during.st_dev), (before.st_ino, before.st_dev), 'the same file')
        self.assertEqual(stat.S_IMODE(during.st_mode), stat.S_IMODE(before.st_mode),
                         "SocketMode= is systemd's to apply to its socket")
        self.assertFalse(os.path.exists(self.socket_path), 'no socket at the configured Socket=')
        self.stop_gattd()
        after = os.stat(self.activated_path)
        self.assertEqual((after.st_ino, after.st_dev), (before.st_ino, before.st_dev),
                         "the socket file is systemd's to remove")


class PassedSocketTest(GattdTestCase):
    """The harness passes the socket (fd 3, LISTEN_FDS=1, LISTEN_PID): clients
    can connect before gattd runs at all, as with a .socket unit."""

    def setUp(self):
        needs_socket_activation(self)
        super().setUp()
        self.activated_path = os.path.join(self.tmpdir, 'activated.sock')
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(self.listener.close)
        self.listener.bind(self.activated_path)
        self.listener.listen(8)

    def test_client_connected_before_gattd_started_is_served(self):
        early = LocalClient(self, path=self.activated_path)
        request = early.send('get', char='battery/level')
        self.start_gattd(listen_fd=self.listener.fileno())
        self.assertEqual(early.wait_reply(request)['value'], '64')
        self.wait_app_registered()
        early.sync()

    def test_client_connected_while_gattd_is_still_registering_is_served(self):
        # RegisterApplication unanswered: gattd is not ready (REGISTERING is not settled).
        self.fake.never_answer_next_register_application()
        self.start_gattd(listen_fd=self.listener.fileno())
        self.wait_until(lambda: self.fake.register_app_calls, 'RegisterApplication')
        client = LocalClient(self, path=self.activated_path)
        self.assertEqual(client.ok('status')['state'], 'REGISTERING')
        self.assertEqual(client.ok('get', char='settings/threshold')['typed'], 300)


if __name__ == '__main__':
    unittest.main()
