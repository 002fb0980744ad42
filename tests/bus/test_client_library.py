# SPDX-License-Identifier: LGPL-2.1-or-later
"""libgattd-client end to end: client-example.c ($CLIENT_EXAMPLE), a program as a
user would write it, watching and taking writes across power cycles and
bluetoothd restarts, answering centrals' reads and writes as a handler,
changing an [Advertising NAME] advertisement, and reading status, list and
events as typed C values."""

import errno
import os
import unittest

import fakebluez
from clients import ClientProgram, LocalClient, SyncProxy
from harness import ADVERTISEMENT_PATH, APP_PATH, CENTRAL_ADDRESS, COMMAND, GattdTestCase


def without_centrals(lines):
    """The example's lines but those of centrals connecting and disconnecting, which
    come and go with power cycles and restarts as the fake's centrals do."""
    return [line for line in lines if line.split(' ', 1)[0] not in ('connected', 'disconnected')]


def client_example_binary():
    path = os.environ.get('CLIENT_EXAMPLE')
    if not path:
        raise unittest.SkipTest('CLIENT_EXAMPLE is not set (meson sets it to the built tests/bus/client-example)')
    return path


class ClientLibraryTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.binary = client_example_binary()
        self.start_registered()

    def start_example(self, *args, proxy=True):
        """The example connected through a SyncProxy (or straight to gattd, via
        $GATTD_SOCKET); returns (program, its connection or None)."""
        env = dict(os.environ)
        if proxy:
            sync_proxy = SyncProxy(self, os.path.join(self.tmpdir, 'proxy.sock'))
            env['GATTD_SOCKET'] = sync_proxy.path
        else:
            env['GATTD_SOCKET'] = self.socket_path
        program = ClientProgram(self, [self.binary] + list(args), env=env)
        return program, sync_proxy.wait_connection() if proxy else None

    def write_line(self, value_hex):
        return 'write battery/command %s offset=0 from %s' % (value_hex, CENTRAL_ADDRESS)

    def run_example(self, *args):
        """Run the example straight against gattd to its end; returns (status, stdout lines, stderr)."""
        program, _ = self.start_example(*args, proxy=False)
        status = program.wait_exit()
        return status, program.stdout_lines, program.stderr_text

    def test_c_client_watch_prints_every_write_across_a_power_cycle_and_a_bluetoothd_restart(self):
        program, connection = self.start_example('watch')
        connection.wait_request('watch')
        self.fake.write_value(COMMAND, b'one')
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.fake.write_value(COMMAND, b'two')
        self.fake.stop(clean=True)
        self.fake.start()
        self.wait_app_registered()
        self.fake.write_value(COMMAND, b'three')
        program.wait_line(self.write_line(b'three'.hex()))
        self.assertIsNone(program.process.poll(), 'the example keeps watching')
        self.assertEqual(program.terminate(), 0, program.describe())
        self.assertEqual([line for line in without_centrals(program.stdout_lines) if not line.startswith('adapter')], [
            'watching',
            self.write_line(b'one'.hex()),
            'off the air: adapter-down',
            'on the air on hci0',
            self.write_line(b'two'.hex()),
            'off the air: adapter-down',        # bluetoothd powers the adapter off as it stops
            'on the air on hci0',
            self.write_line(b'three'.hex()),
        ])

    def test_c_client_take_gets_every_write_in_order_across_a_power_cycle(self):
        self.fake.write_values(COMMAND, [b'a', b'b'])
        program, connection = self.start_example('take', 'battery/command', '4')
        connection.wait_request('next-write', count=3)      # took the two queued, waits for the third
        self.fake.set_powered('hci0', False)
        program.wait_line('interrupted: .*adapter-down.*; asking again')
        connection.wait_request('next-write', count=4)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        self.fake.write_values(COMMAND, [b'c', b'd'])
        self.assertEqual(program.wait_exit(), 0, program.describe())
        self.assertEqual([line for line in program.stdout_lines if not line.startswith('interrupted')], [
            'battery/command seq=1 61 offset=0 queued=1',
            'battery/command seq=2 62 offset=0 queued=0',
            'battery/command seq=3 63 offset=0 queued=0',
            'battery/command seq=4 64 offset=0 queued=0',
        ])

    def test_c_client_take_waiting_across_a_bluetoothd_restart_gets_the_next_write(self):
        program, connection = self.start_example('take', 'battery/command', '1')
        connection.wait_request('next-write')
        self.fake.stop(clean=False)
        program.wait_line('interrupted: .*bluez-gone.*; asking again')
        self.fake.start()
        self.wait_app_registered()
        self.fake.write_value(COMMAND, b'back')
        self.assertEqual(program.wait_exit(), 0, program.describe())
        self.assertEqual(program.stdout_lines[-1], 'battery/command seq=1 %s offset=0 queued=0' % b'back'.hex())

    def test_c_client_connects_to_gattd_socket_from_the_environment(self):
        self.fake.write_value(COMMAND, b'q')
        program, _ = self.start_example('take', 'battery/command', '1', proxy=False)
        self.assertEqual(program.wait_exit(), 0, program.describe())
        self.assertEqual(program.stdout_lines, ['battery/command seq=1 71 offset=0 queued=0'])

    def test_c_client_take_on_characteristic_without_capture_reports_gattd_error(self):
        program, _ = self.start_example('take', 'settings/label', '1', proxy=False)
        self.assertEqual(program.wait_exit(), 1)
        self.assertIn('next-write: settings/label has no Capture= queue (not-capture)', program.stderr_text)

    def test_c_client_watch_sees_the_central_connect_before_its_write(self):
        program, connection = self.start_example('watch')
        connection.wait_request('watch')
        self.fake.write_value(COMMAND, b'one')
        program.wait_line(self.write_line(b'one'.hex()))
        self.assertEqual(program.stdout_lines, ['watching', 'connected %s (public)' % CENTRAL_ADDRESS,
                                                self.write_line(b'one'.hex())])

    def test_c_client_devices_lists_the_central_that_wrote(self):
        self.assertEqual(self.run_example('devices'), (0, ['no centrals connected'], ''))
        self.fake.write_value(COMMAND, b'x', mtu=247)
        self.assertEqual(self.run_example('devices'), (0, [
            '%s (public) name=- mtu=247 paired=no bonded=no trusted=no' % CENTRAL_ADDRESS], ''))

    def test_c_client_puts_a_reading_in_the_advertised_service_data(self):
        self.assertEqual(self.run_example('service-data', '180F', '42'), (0, [
            'advertising=yes changed=yes 0000180f-0000-1000-8000-00805f9b34fb=2a bytes=12/31'], ''))
        self.wait_until(lambda: self.fake.active_advert('hci0').air.get('ServiceData')
                        == {'0000180f-0000-1000-8000-00805f9b34fb': b'\x2a'}, 'the reading on the air')

    def test_c_client_disconnect_of_an_address_no_central_has_reports_not_found(self):
        status, out, err = self.run_example('disconnect', '00:AA:01:01:00:99')
        self.assertEqual((status, out), (1, []), err)
        self.assertIn('disconnect: no connected central 00:AA:01:01:00:99 (not-found)', err)

    @unittest.skipUnless(hasattr(fakebluez.FakeBluez, 'connect_central'), "needs the fake's Device1 model")
    def test_c_client_disconnect_drops_the_central_and_a_watcher_sees_it_go(self):
        watcher, connection = self.start_example('watch')
        connection.wait_request('watch')
        self.fake.connect_central()
        watcher.wait_line('connected %s \\(public\\)' % CENTRAL_ADDRESS)
        self.assertEqual(self.run_example('disconnect', CENTRAL_ADDRESS), (0, ['disconnected ' + CENTRAL_ADDRESS], ''))
        watcher.wait_line('disconnected %s(: local)?' % CENTRAL_ADDRESS)
        self.assertEqual(self.run_example('devices'), (0, ['no centrals connected'], ''))


def yes_no(flag):
    return 'yes' if flag else 'no'


def status_lines(reply):
    """What client-example's status prints for a `status` reply gattd sent as JSON."""
    adapter = reply['adapter'] or {}
    lines = ['state=%s adapter=%s powered=%s registered=%s on_air=%s advertising=%s sockets=%s pairing=%s' % (
        reply['state'], adapter.get('name', '-'), yes_no(adapter.get('powered')), yes_no(reply['registered']),
        yes_no(reply['on_air']), yes_no(reply['advertising']), reply['sockets'] or '-', reply['pairing']['method'])]
    for a in reply['advertisements']:
        lines.append('advertisement %s enabled=%s advertising=%s paused=%s error=%s' % (
            a['name'], yes_no(a['enabled']), yes_no(a['advertising']), yes_no(a['paused']), a['error'] or '-'))
    lines.append('clients=%d watchers=%d subscriptions=%d captured=%d generation=%d' % (
        reply['clients'], reply['watchers'], reply['subscriptions'], reply['captured'], reply['generation']))
    return lines


def list_lines(reply):
    """What client-example's list prints for a `list` reply gattd sent as JSON."""
    lines = []
    for service in reply['services']:
        lines.append('service %s %s%s' % (service['id'], service['uuid'], '' if service['primary'] else ' secondary'))
        for chr in service['characteristics']:
            lines.append('  %s %s type=%s value=%s%s' % (chr['id'], ','.join(chr['flags']), chr['type'] or '-',
                                                        chr['value'], ' capture=%d' % chr['capture'] if chr['capture']
                                                        else ''))
            for desc in chr['descriptors']:
                lines.append('    %s %s value=%s' % (desc['id'], ','.join(desc['flags']), desc['value']))
    return lines


class ClientLibraryTypedTest(GattdTestCase):
    """client-example's status, list and events: gattd_client_status(),
    gattd_client_list() and gattd_client_next_event() against the real gattd,
    checked against the JSON gattd sends for the same questions."""

    def setUp(self):
        super().setUp()
        self.binary = client_example_binary()
        self.start_registered(advertisements={'beacon': {'Type': 'broadcast', 'ManufacturerData': '0x05F1:hex:0102'}})
        self.wait_until(lambda: LocalClient(self).ok('status')['advertisements'][0]['advertising'],
                        'the beacon registered')

    def run_example(self, *args):
        program = ClientProgram(self, [self.binary] + list(args), env=dict(os.environ, GATTD_SOCKET=self.socket_path))
        status = program.wait_exit()
        return status, program.stdout_lines, program.stderr_text

    def expected_status(self):
        """The status lines as the example will see them: the asker stays connected
        (until the test ends), so the example is one more client than it saw."""
        reply = LocalClient(self).ok('status')
        reply['clients'] += 1
        return status_lines(reply)

    def test_c_client_status_matches_gattds_reply_and_follows_a_power_off(self):
        expected = self.expected_status()
        self.assertEqual(expected[0], 'state=ADVERTISING adapter=hci0 powered=yes registered=yes on_air=yes '
                                      'advertising=yes sockets=shared pairing=off')
        self.assertEqual(self.run_example('status'), (0, expected, ''))
        self.fake.set_powered('hci0', False)
        self.wait_until(lambda: not LocalClient(self).ok('status')['on_air'], 'off the air')
        expected = self.expected_status()
        self.assertRegex(expected[0], '^state=REGISTERED adapter=hci0 powered=no registered=yes on_air=no ')
        self.assertEqual(self.run_example('status'), (0, expected, ''))

    def test_c_client_list_prints_every_service_characteristic_and_descriptor_with_its_value(self):
        LocalClient(self).ok('set', char='battery/level', typed=42)
        expected = list_lines(LocalClient(self).ok('list'))
        self.assertIn('  battery/level read,notify type=u8 value=2a', expected)
        self.assertTrue(any(line.startswith('    battery/level/description read value=') for line in expected))
        self.assertEqual(self.run_example('list'), (0, expected, ''))

    def test_c_client_events_come_typed_across_a_power_cycle_and_a_reload(self):
        program = ClientProgram(self, [self.binary, 'events', '100'],
                                env=dict(os.environ, GATTD_SOCKET=self.socket_path))
        program.wait_line('watching')
        self.fake.write_value(COMMAND, b'one')
        LocalClient(self).ok('advertise', advertisement='beacon', manufacturer_data={'0x05F1': '0a0b'})
        self.fake.set_powered('hci0', False)
        self.fake.set_powered('hci0', True)
        self.wait_on_air()
        LocalClient(self).ok('reload')
        program.wait_line('reloaded generation=2')
        self.assertIsNone(program.process.poll(), 'the example waits for more events')
        program.terminate()
        self.assertEqual([line for line in without_centrals(program.stdout_lines)
                          if not line.startswith('advertisement main')], [
            'watching',
            self.write_line(),
            'advertisement beacon: advertising=yes changed=yes 0x05F1=0a0b bytes=6/31',
            'adapter hci0 powered=no',
            'unregistered: adapter-down',
            'adapter hci0 powered=yes',
            'registered on hci0',
            'reloaded generation=2',
        ])
        self.assertIn('connected %s mtu=0' % CENTRAL_ADDRESS, program.stdout_lines)

    def write_line(self):
        return 'write battery/command %s offset=0 from %s' % (b'one'.hex(), CENTRAL_ADDRESS)


BEACON_PATH = ADVERTISEMENT_PATH + '/beacon'


class ClientLibraryNamedAdvertisementTest(GattdTestCase):
    """client-example's advertise-named: gattd_client_advertise_named() on an
    [Advertising beacon] group beside the main advertisement."""

    def setUp(self):
        super().setUp()
        self.binary = client_example_binary()
        self.start_gattd(advertisements={'beacon': {'Type': 'broadcast', 'ManufacturerData': '0x05F1:hex:0102'}})
        self.wait_app_registered('hci0')
        self.wait_until(lambda: self.beacon() is not None, 'the beacon registered')

    def beacon(self):
        adverts = [a for a in self.fake.adverts if a.active and a.path == BEACON_PATH]
        return adverts[0] if adverts else None

    def run_example(self, *args):
        program = ClientProgram(self, [self.binary] + list(args), env=dict(os.environ, GATTD_SOCKET=self.socket_path))
        status = program.wait_exit()
        return status, program.stdout_lines, program.stderr_text

    def test_c_client_changes_the_named_advertisement_and_leaves_the_main_one(self):
        self.assertEqual(self.run_example('advertise-named', 'beacon'), (0, [
            'advertisement beacon: advertising=yes changed=no 0x05F1=0102 bytes=6/31'], ''))
        self.assertEqual(self.run_example('advertise-named', 'beacon', '0x05F1', '0a0b'), (0, [
            'advertisement beacon: advertising=yes changed=yes 0x05F1=0a0b bytes=6/31'], ''))
        self.wait_until(lambda: self.beacon().air.get('ManufacturerData') == {0x05f1: b'\x0a\x0b'},
                        'the new data on the air')
        main = LocalClient(self).ok('advertise')
        self.assertEqual((main['advertisement'], main['changed'], main['manufacturer_data']), (None, False, {}))

    def test_c_client_named_advertisement_gattd_conf_lacks_is_not_found(self):
        status, out, err = self.run_example('advertise-named', 'nope', '0x05F1', '01')
        self.assertEqual((status, out), (1, []), err)
        self.assertEqual(err, "client-example: advertise: no advertisement 'nope': "
                              "gattd.conf has no [Advertising nope] (not-found)\n")

    def test_c_client_name_over_32_bytes_is_refused_before_asking_gattd(self):
        # No error code: the library said EINVAL itself, gattd was not asked.
        self.assertEqual(self.run_example('advertise-named', 'x' * 33), (1, [], 'client-example: advertise: %s\n'
                                                                           % os.strerror(errno.EINVAL)))


NAME_CONF = """\
[Service dev]
UUID=7a2b1001-0000-4000-8000-00805f9b34fb

[Characteristic dev/name]
UUID=7a2b1002-0000-4000-8000-00805f9b34fb
Flags=read;write
MaxLength=20
Value=utf8:stored
Handler=read;write
"""
NAME = APP_PATH + '/dev/name'


class ClientLibraryHandlerTest(GattdTestCase):
    """client-example's handle mode: a C handler on gattd_client_handle(),
    next_request(), answer_read(), accept_write(), refuse() and refuse_code()."""

    def setUp(self):
        super().setUp()
        self.binary = client_example_binary()
        self.start_registered(services={'dev.conf': NAME_CONF})

    def start_handler(self, count):
        env = dict(os.environ, GATTD_SOCKET=self.socket_path)
        program = ClientProgram(self, [self.binary, 'handle', str(count), 'dev/name'], env=env)
        program.wait_line('handling dev/name')
        return program

    def test_c_handler_answers_a_live_read_and_refuses_a_write_with_its_application_code(self):
        program = self.start_handler(3)
        self.assertEqual(self.fake.read_value(NAME), b'gattd')
        self.assertAtt(0x81, True, self.fake.write_value, NAME, b'\x01x')
        # A refused write changes nothing: the stored value, as gattd's get shows it, stays.
        self.assertEqual(LocalClient(self).ok('get', char='dev/name')['value'], b'stored'.hex())
        self.assertEqual(self.fake.read_value(NAME, offset=2), b'ttd')
        self.assertEqual(program.wait_exit(), 0, program.describe())
        self.assertEqual(program.stdout_lines, [
            'handling dev/name',
            'read dev/name offset=0 from %s: %s' % (CENTRAL_ADDRESS, b'gattd'.hex()),
            'write dev/name 0178: refused 0x81',
            'read dev/name offset=2 from %s: %s' % (CENTRAL_ADDRESS, b'gattd'.hex()),
        ])

    def test_c_handler_accepts_a_write_and_refuses_an_empty_one_by_name(self):
        program = self.start_handler(3)
        self.fake.write_value(NAME, b'kitchen')
        self.assertEqual(LocalClient(self).ok('get', char='dev/name')['value'], b'kitchen'.hex())
        self.assertAtt(0x0d, True, self.fake.write_value, NAME, b'')
        self.assertEqual(self.fake.read_value(NAME), b'kitchen')
        self.assertEqual(program.wait_exit(), 0, program.describe())
        self.assertEqual(program.stdout_lines[1:], [
            'write dev/name %s: accepted, stored' % b'kitchen'.hex(),
            'write dev/name : refused invalid-value-length',
            'read dev/name offset=0 from %s: %s' % (CENTRAL_ADDRESS, b'kitchen'.hex()),
        ])

    def test_c_handler_claiming_a_characteristic_another_client_handles_reports_busy(self):
        other = LocalClient(self)
        other.ok('handle', chars=['dev/name'])
        program = ClientProgram(self, [self.binary, 'handle', '1', 'dev/name'],
                                env=dict(os.environ, GATTD_SOCKET=self.socket_path))
        self.assertEqual(program.wait_exit(), 1, program.describe())
        self.assertRegex(program.stderr_text, r'handle: dev/name is handled by client \d+ \(pid \d+\) \(busy\)')


if __name__ == '__main__':
    unittest.main()
