# SPDX-License-Identifier: LGPL-2.1-or-later
"""
fakebluez.py: an in-process stand-in for bluetoothd (BlueZ 5.66 by default; 5.55, 5.64,
5.72, 5.82 and 5.87 where they differ: BluezProfile) on a private bus.

It owns org.bluez on a bus connection of its own, one connection per "bluetoothd
instance", so a test can stop it (cleanly or as a crash) and start it again. It
models the parts of bluetoothd that gattd depends on, as read in BlueZ's
src/gatt-database.c, src/advertising.c, src/adapter.c and gdbus/client.c and as
written down in shared/notes/bluez-behaviour.md:

- the ObjectManager at "/" (GetManagedObjects, InterfacesAdded, InterfacesRemoved);
- adapters /org/bluez/hciN with org.bluez.Adapter1 (properties, PropertiesChanged),
  org.bluez.GattManager1 and org.bluez.LEAdvertisingManager1 (in one
  InterfacesAdded by default, as the VM tier saw; optionally the last one later),
  and the other interfaces Debian's bluetoothd exports there;
- power changes, adapter removal and clean stops in the order the VM tier
  (tests/vm, real bluetoothd 5.66) recorded in results/bluez-calls.txt;
- RegisterApplication: GetManagedObjects on the caller at exactly the given path,
  the tree validated as bluetoothd does, handles allocated and written back with
  Properties.Set("Handle") before the reply;
- RegisterAdvertisement: GetManagedObjects and GetAll(LEAdvertisement1) on the
  caller's path, properties parsed as bluetoothd does;
- the controller's advertising ("on air") kept apart from bluetoothd's
  registration: a power-off takes the advertisement off the air and keeps the
  registration (what the real kernel + bluetoothd do);
- adapter removal (Release to advertisements, applications freed silently),
  re-adding under another hciN, bluetoothd stopping cleanly or crashing;
- the central role: ReadValue/WriteValue/StartNotify/StopNotify/Confirm called
  from the org.bluez connection with the options bluetoothd sends ("no reply
  expected" for StartNotify/StopNotify and for WriteValue to a characteristic with
  write-without-response);
- centrals as src/device.c holds them (tests/vm/bluez-versions.md 8.3): Device1
  objects appearing at connection, Connected, the Disconnected signal (5.83 on),
  Device1.Disconnect(), temporary devices kept until they expire, devices
  disconnected at power-off and removed with their adapter;
- the peers' side of notifications and writes as gatt-database.c has it
  (bluez-versions.md 8.2): per-device CCC states, AcquireNotify / AcquireWrite
  for characteristics exporting NotifyAcquired / WriteAcquired, the fds they
  return read, written and closed as each version does (shared before 5.69,
  per device after; datagrams to every subscriber until 5.75; 0x01
  confirmations from 5.80; the wrong fd closed on 5.69-5.87).

The pairing-agent side (BlueZ 5.55-5.87 src/agent.c, src/device.c, src/adapter.c,
the kernel's net/bluetooth/smp.c) is modelled too. AgentManager1 on /org/bluez
keeps agents by their owner's unique name (RegisterAgent, UnregisterAgent,
RequestDefaultAgent and their errors; the default_agents queue, whose head is the default; an owner leaving the
bus drops its agent without Release; Release at a clean stop only; nothing survives
a restart). With AlwaysPairable=false a default agent makes adapters bondable
(Pairable) and losing the last one undoes it (slow_bondable_off: the race where
the new default's "on" is skipped while the old one's "off" is in flight); Pairable
and PairableTimeout can be set. FakeBluez.pair() plays a central pairing with us: the kernel's SMP method
tables pick the Agent1 call (RequestAuthorization for Just Works, kernel 5.8 on;
RequestConfirmation; DisplayPasskey; RequestPasskey), sent from the org.bluez
connection to the default agent, and the Pairing it returns records the calls and
the outcome; success signals Bonded (5.65 on) then Paired. Adapter1.RemoveDevice
removes a device, after disconnecting a connected one.

Everything runs on the GLib default main context: the test drives it by
iterating the context (harness.wait_until). Nothing here blocks except the few
bus-daemon calls dbus-python makes synchronously (AddMatch, RequestName).

Anything the fake sees gattd do that real bluetoothd would choke on, or that
breaks the D-Bus contract (wrong reply signature, error to a Set of Handle, ...),
is appended to FakeBluez.protocol_errors; the harness asserts it stays empty.
"""

import fcntl
import itertools
import os
import random
import re
import socket
import time

import dbus
import dbus.bus
import dbus.lowlevel
import dbus.mainloop.glib
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

BLUEZ_NAME = 'org.bluez'
IFACE_OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager'
IFACE_PROPERTIES = 'org.freedesktop.DBus.Properties'
IFACE_INTROSPECTABLE = 'org.freedesktop.DBus.Introspectable'
IFACE_ADAPTER = 'org.bluez.Adapter1'
IFACE_GATT_MANAGER = 'org.bluez.GattManager1'
IFACE_ADV_MANAGER = 'org.bluez.LEAdvertisingManager1'
IFACE_AGENT_MANAGER = 'org.bluez.AgentManager1'
IFACE_PROFILE_MANAGER = 'org.bluez.ProfileManager1'
IFACE_GATT_SERVICE = 'org.bluez.GattService1'
IFACE_GATT_CHRC = 'org.bluez.GattCharacteristic1'
IFACE_GATT_DESC = 'org.bluez.GattDescriptor1'
IFACE_GATT_PROFILE = 'org.bluez.GattProfile1'
IFACE_ADVERTISEMENT = 'org.bluez.LEAdvertisement1'
IFACE_DEVICE = 'org.bluez.Device1'
IFACE_AGENT = 'org.bluez.Agent1'
IFACE_PEER = 'org.freedesktop.DBus.Peer'
# The other interfaces bluetoothd 5.66 exports on an adapter (Debian 12's
# plugins, as the VM tier saw them); gattd uses none of them, but they share
# InterfacesAdded/InterfacesRemoved signals with the ones it does use.
IFACE_NETWORK_SERVER = 'org.bluez.NetworkServer1'
IFACE_SIM_ACCESS = 'org.bluez.SimAccess1'
IFACE_MEDIA = 'org.bluez.Media1'
IFACE_BATTERY_PROVIDER_MANAGER = 'org.bluez.BatteryProviderManager1'
IFACE_ADV_MONITOR_MANAGER = 'org.bluez.AdvertisementMonitorManager1'

ERROR_FAILED = 'org.bluez.Error.Failed'
ERROR_ALREADY_EXISTS = 'org.bluez.Error.AlreadyExists'
ERROR_DOES_NOT_EXIST = 'org.bluez.Error.DoesNotExist'
ERROR_INVALID_ARGS = 'org.bluez.Error.InvalidArguments'
ERROR_NOT_PERMITTED = 'org.bluez.Error.NotPermitted'
ERROR_BLOCKED = 'org.bluez.Error.Blocked'
ERROR_BUSY = 'org.bluez.Error.Busy'
ERROR_NOT_READY = 'org.bluez.Error.NotReady'
ERROR_REJECTED = 'org.bluez.Error.Rejected'
DBUS_ERROR_UNKNOWN_METHOD = 'org.freedesktop.DBus.Error.UnknownMethod'
DBUS_ERROR_NO_REPLY = 'org.freedesktop.DBus.Error.NoReply'
DBUS_ERROR_UNKNOWN_OBJECT = 'org.freedesktop.DBus.Error.UnknownObject'
DBUS_ERROR_INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
DBUS_ERROR_PROPERTY_READ_ONLY = 'org.freedesktop.DBus.Error.PropertyReadOnly'

# bluetoothd's own GAP and GATT services occupy the first handles of every
# adapter's database; applications are placed after them.
FIRST_APP_HANDLE = 0x000a

# Legacy advertising data budget (a 4.x controller, or any controller when the
# kernel lacks extended advertising): what gattd's advertisement must fit.
LEGACY_MAX_ADV_LEN = 31

# src/gatt-database.c parse_chrc_flags / parse_desc_flags, verbatim spellings.
CHRC_FLAGS = frozenset((
    'broadcast', 'read', 'write-without-response', 'write', 'notify', 'indicate',
    'authenticated-signed-writes', 'extended-properties', 'reliable-write',
    'writable-auxiliaries', 'encrypt-read', 'encrypt-write',
    'encrypt-authenticated-read', 'encrypt-authenticated-write', 'secure-read',
    'secure-write', 'authorize', 'encrypt-notify', 'encrypt-authenticated-notify',
    'secure-notify', 'encrypt-indicate', 'encrypt-authenticated-indicate',
    'secure-indicate'))
DESC_FLAGS = frozenset((
    'read', 'write', 'encrypt-read', 'encrypt-write', 'encrypt-authenticated-read',
    'encrypt-authenticated-write', 'secure-read', 'secure-write', 'authorize'))
NOTIFY_FLAGS = frozenset(f for f in CHRC_FLAGS if f.endswith('notify') or f.endswith('indicate'))
EXT_PROP_FLAGS = frozenset(('reliable-write', 'writable-auxiliaries'))
# The six security forms of notify and indicate: parse_chrc_flags knows them from
# 5.62 on (61576a8e7); 5.55's rejects them, and with them the whole application.
CHRC_FLAGS_SINCE_5_62 = frozenset((
    'encrypt-notify', 'encrypt-authenticated-notify', 'secure-notify',
    'encrypt-indicate', 'encrypt-authenticated-indicate', 'secure-indicate'))


class BluezProfile:
    """What one bluetoothd version does differently on the points gattd depends on
    (tests/vm/bluez-versions.md, read from each version's source; the functions
    named are in that version's tree). Only these differ between the profiles;
    everything else the fake does is 5.66's.

    auto_enable: plugins/policy.c AutoEnable's default. False before 5.65: a
      controller stays off after bluetoothd starts, and after a clean stop
      (adapter.c adapter_shutdown powers it off) it is off at the next start.
      5.65-5.76 default to true only when main.conf exists (FakeBluez.auto_enable
      = False models a missing main.conf); 5.77 on, always.
    chrc_flags: gatt-database.c parse_chrc_flags; an unknown flag fails the
      whole RegisterApplication with "No valid service object found".
    power_pending: adapter.c property_set_mode, what a Set(Powered) gets while a
      power change is pending: 'success' (5.55: success, nothing done) or 'busy'
      (org.bluez.Error.Busy, 5.57 on, 348feb005).
    failed_power_stays_pending: property_set_mode_complete and set_mode_complete
      return on a failure before 5.66 without clearing pending_settings, so the
      pending bit stays until Powered itself changes (settings_changed clears the
      changed bits only): later Sets get power_pending's answer. 5.66 on clear it.
    adv_intervals: advertising.c parse_min_interval / parse_max_interval /
      parse_tx_power: None (5.55 has no such parsers: ignored), 'experimental'
      (only with bluetoothd -E, 5.64-5.76) or 'always' (5.77 on, 7e028287a). When
      parsed, the fields start at 0, so a lone MinInterval fails min > max.
    tx_power_write_back: advertising.c add_adv_params_callback (5.64 on) writes
      the TX power the kernel's MGMT_OP_ADD_EXT_ADV_PARAMS reply names back with
      Set("TxPower"), whatever Includes says; 5.55 has no such code.
    device_bonded: device.c device_properties has "Bonded" from 5.65 on
      (0e2e52d0c); 5.55 and 5.64 export Paired only.
    disconnect_reply_last: device.c device_remove_connection answers the queued
      Disconnect() calls after emitting Connected (5.79 on, 38734e020; gdbus
      flushes the pending PropertiesChanged before any message it sends, so the
      reply follows Connected = false); before 5.79 it answers them first, and
      Connected = false follows at idle.
    disconnected_signal: the Device1.Disconnected(s name, s message) signal,
      sent by device_disconnected just before Connected = false (5.83 on,
      53db78000).

    AcquireNotify / AcquireWrite (gatt-database.c, bluez-versions.md 8.2):
    acquire_per_device: one fd per (characteristic, device), struct client_io
      (8eb1dee87, 5.69 on): each device's CCC enable and first write call
      AcquireNotify / AcquireWrite, and its ATT disconnect closes its fds
      (att_disconnect_cb). Before: chrc->notify_io and chrc->write_io, one of
      each per characteristic, shared by every device and acquired for the
      first; the write fd is never closed at a disconnect.
    fd_notify_one_device: sock_io_read sends a datagram read from a device's fd
      to that device only (find_device_state_by_att; a08ec1a4e, 5.76 on).
      Before, to every device whose CCC is set (send_notification_to_devices).
    fd_confirmation: what a device's confirmation of an indication read from a
      notify fd produces: 'dbus' (conf_cb: Confirm(), no reply expected; until
      5.75), None (5.76-5.79: no conf callback) or 'byte' (sock_io_conf ->
      sock_io_write writes 0x01 on that fd; 6b34b0551, 5.80 on).
    acquire_write_queue: acquire_write queues writes in chrc->pending_writes
      while an AcquireWrite is out, and an error mapping to 0x0E sends them as
      WriteValue with a reply expected (flush_pending_writes; 5.60 on). 5.55:
      no queue; one WriteValue with no reply expected, and the ATT op is
      never answered.
    acquire_write_stuck: an AcquireWrite error mapping to another ATT code
      answers the first write with it but leaves its op at the head of
      pending_writes, so every later write to the characteristic queues behind
      it, unanswered, until the application goes (5.60-5.75, bluez#827;
      6fc599e33, 5.76, frees it).
    indications_only_on_indicate_chrcs: 5.55's send_notification_to_device
      skips devices whose CCC lacks 0x0002 when the characteristic has
      indicate (conf set): notify-only subscribers of a notify+indicate
      characteristic get nothing, from a fd or from PropertiesChanged
      (347348a3d, 5.56, fixed it).

    Pairing agents (src/agent.c, src/device.c):
    io_cap_prefix_match: RegisterAgent's capability goes through
      src/shared/mgmt.c mgmt_parse_io_capability (5.87 mgmt.c:1077-1093):
      strncmp(name, capability, strlen(capability)), so any prefix of a
      name matches the first such name of the table (DisplayOnly,
      DisplayYesNo, KeyboardOnly, NoInputNoOutput, KeyboardDisplay):
      "Key" is KeyboardOnly, "Display" DisplayOnly. 5.55-5.82's
      parse_io_capability (agent.c) wants the exact name. Present in 5.87,
      absent in 5.82; the release in between that made it is not checked.
    auth_failure_disconnects: device.c device_bonding_complete with status
      AUTH_FAILED calls device_request_disconnect (5.87 device.c:7303-7305),
      so a failed incoming pairing drops the link DISCONNECT_TIMER later;
      5.82 and older keep it. Same boundary caveat as above.
    """

    def __init__(self, version, auto_enable, chrc_flags, power_pending, failed_power_stays_pending,
                 adv_intervals, tx_power_write_back, device_bonded, disconnect_reply_last,
                 disconnected_signal, acquire_per_device, fd_notify_one_device, fd_confirmation,
                 acquire_write_queue, acquire_write_stuck, indications_only_on_indicate_chrcs,
                 io_cap_prefix_match=False, auth_failure_disconnects=False):
        self.version = version
        self.auto_enable = auto_enable
        self.chrc_flags = chrc_flags
        self.power_pending = power_pending
        self.failed_power_stays_pending = failed_power_stays_pending
        self.adv_intervals = adv_intervals
        self.tx_power_write_back = tx_power_write_back
        self.device_bonded = device_bonded
        self.disconnect_reply_last = disconnect_reply_last
        self.disconnected_signal = disconnected_signal
        self.acquire_per_device = acquire_per_device
        self.fd_notify_one_device = fd_notify_one_device
        self.fd_confirmation = fd_confirmation
        self.acquire_write_queue = acquire_write_queue
        self.acquire_write_stuck = acquire_write_stuck
        self.indications_only_on_indicate_chrcs = indications_only_on_indicate_chrcs
        self.io_cap_prefix_match = io_cap_prefix_match
        self.auth_failure_disconnects = auth_failure_disconnects

    def __repr__(self):
        return '<BlueZ %s>' % self.version


def _version_tuple(version):
    return tuple(int(part) for part in version.split('.'))


def _profile(version, auto_enable, pending, stays, intervals, flags=CHRC_FLAGS, tx_power=True):
    # The Device1 and Acquire* differences follow from the first tag of the commit that made each.
    release = _version_tuple(version)
    if release >= (5, 80):
        fd_confirmation = 'byte'
    elif release >= (5, 76):
        fd_confirmation = None
    else:
        fd_confirmation = 'dbus'
    return BluezProfile(version, auto_enable, flags, pending, stays, intervals, tx_power,
                        device_bonded=release >= (5, 65), disconnect_reply_last=release >= (5, 79),
                        disconnected_signal=release >= (5, 83), acquire_per_device=release >= (5, 69),
                        fd_notify_one_device=release >= (5, 76), fd_confirmation=fd_confirmation,
                        acquire_write_queue=release >= (5, 60),
                        acquire_write_stuck=(5, 60) <= release < (5, 76),
                        indications_only_on_indicate_chrcs=release < (5, 56),
                        io_cap_prefix_match=release > (5, 82),
                        auth_failure_disconnects=release > (5, 82))


# The versions users run (/work/shared/bluez/README.md); 5.66 is Debian 12's and the default.
PROFILES = {
    '5.55': _profile('5.55', False, 'success', True, None, CHRC_FLAGS - CHRC_FLAGS_SINCE_5_62, tx_power=False),
    '5.64': _profile('5.64', False, 'busy', True, 'experimental'),
    '5.66': _profile('5.66', True, 'busy', False, 'experimental'),
    '5.72': _profile('5.72', True, 'busy', False, 'experimental'),
    '5.82': _profile('5.82', True, 'busy', False, 'always'),
    '5.87': _profile('5.87', True, 'busy', False, 'always'),
}
DEFAULT_VERSION = '5.66'

BASE_UUID_SUFFIX = '-0000-1000-8000-00805f9b34fb'
UUID_GAP = '00001800' + BASE_UUID_SUFFIX
UUID_GATT = '00001801' + BASE_UUID_SUFFIX
UUID_CCC = '00002902' + BASE_UUID_SUFFIX
UUID_CEP = '00002900' + BASE_UUID_SUFFIX

_UUID128_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def uuid128(short):
    """'180f' or 0x180f -> the 128-bit lower-case string on the Bluetooth base UUID."""
    if isinstance(short, int):
        return '%08x%s' % (short, BASE_UUID_SUFFIX)
    return bt_string_to_uuid(short)


def bt_string_to_uuid(text):
    """Mirror of lib/uuid.c bt_string_to_uuid(): the normalised 128-bit form, or None."""
    text = str(text)
    if len(text) == 36 and text[8] == text[13] == text[18] == text[23] == '-':
        if not _UUID128_RE.match(text):
            return None
        return text.lower()
    if len(text) in (8, 10, 4, 6):
        body = text[2:] if text[:2] in ('0x', '0X') else text
        if not body or not re.match(r'^[0-9a-fA-F]+$', body):
            return None
        value = int(body, 16)
        if len(text) in (4, 6) and value > 0xffff:
            return None
        return '%08x%s' % (value, BASE_UUID_SUFFIX)
    return None


def uuid_ad_size(normalized):
    """Bytes one UUID takes in advertising data (16-, 32- or 128-bit form)."""
    if normalized.endswith(BASE_UUID_SUFFIX):
        value = int(normalized[:8], 16)
        return 2 if value <= 0xffff else 4
    return 16


def dbus_signature_of(value):
    """The D-Bus signature of a value as dbus-python unmarshalled it."""
    if isinstance(value, dbus.Boolean):
        return 'b'
    if isinstance(value, dbus.Byte):
        return 'y'
    if isinstance(value, dbus.Int16):
        return 'n'
    if isinstance(value, dbus.UInt16):
        return 'q'
    if isinstance(value, dbus.Int32):
        return 'i'
    if isinstance(value, dbus.UInt32):
        return 'u'
    if isinstance(value, dbus.Int64):
        return 'x'
    if isinstance(value, dbus.UInt64):
        return 't'
    if isinstance(value, dbus.Double):
        return 'd'
    if isinstance(value, dbus.ObjectPath):
        return 'o'
    if isinstance(value, dbus.Signature):
        return 'g'
    if isinstance(value, dbus.String):
        return 's'
    if isinstance(value, dbus.ByteArray):
        return 'ay'
    if isinstance(value, dbus.Dictionary):
        return 'a{%s}' % value.signature
    if isinstance(value, dbus.Array):
        return 'a' + value.signature
    if isinstance(value, dbus.Struct):
        return '(%s)' % ''.join(dbus_signature_of(v) for v in value)
    return '?'


def to_python(value):
    """dbus-python values -> plain Python (bytes for 'ay') for records and assertions."""
    if isinstance(value, dbus.ByteArray):
        return bytes(value)
    if isinstance(value, (dbus.Boolean,)):
        return bool(value)
    if isinstance(value, dbus.Dictionary):
        return {to_python(k): to_python(v) for k, v in value.items()}
    if isinstance(value, dbus.Array):
        if value.signature == 'y':
            return bytes(int(b) for b in value)
        return [to_python(v) for v in value]
    if isinstance(value, dbus.Struct):
        return tuple(to_python(v) for v in value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32,
                          dbus.Int64, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, (dbus.ObjectPath, dbus.String, dbus.Signature)):
        return str(value)
    return value


# The central's address when a call does not name another device (device_path).
CENTRAL_ADDRESS = '11:22:33:44:55:66'


class DBusCallError(Exception):
    """A D-Bus error reply to a call the fake made (central role)."""

    def __init__(self, name, message=''):
        super().__init__('%s: %s' % (name, message))
        self.name = name
        self.message = message


class PendingWrite:
    """A WriteValue the central sent without waiting (FakeBluez.begin_write_value).
    For a characteristic with write-without-response bluetoothd expects no reply:
    then reply is the reply to a Peer.Ping sent right after (done means gattd has
    handled the write) and check() can never see an error."""

    def __init__(self, path, no_reply=False):
        self.path = path
        self.no_reply = no_reply
        self.call = None
        self.reply = None

    @property
    def done(self):
        return self.reply is not None

    def check(self):
        """Raise DBusCallError if gattd refused the write."""
        assert self.done, 'WriteValue on %s not answered yet' % self.path
        if isinstance(self.reply, dbus.lowlevel.ErrorMessage):
            args = self.reply.get_args_list()
            raise DBusCallError(self.reply.get_error_name(), str(args[0]) if args else '')


class PendingRead(PendingWrite):
    """A ReadValue the central sent without waiting (FakeBluez.begin_read_value)."""

    def value(self):
        self.check()
        args = self.reply.get_args_list(byte_arrays=True)
        return bytes(args[0]) if args else b''


class _Reject(Exception):
    """Raised inside a method handler: becomes the error reply."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


class AttError(Exception):
    """What bluetoothd itself answered a central's ATT request with, the
    application never having answered it (FakeBluez.write_request): code is
    the ATT error code (0x0e: Unlikely Error, also what gatt-db's 5 s
    ATTRIBUTE_TIMEOUT sends, which the fake does not wait for)."""

    def __init__(self, code, reason):
        super().__init__('ATT error 0x%02x: %s' % (code, reason))
        self.code = code
        self.reason = reason


# The GattCharacteristic1 properties whose presence (any value) switches
# bluetoothd to AcquireNotify / AcquireWrite (g_dbus_proxy_get_property).
ACQUIRED_PROPERTIES = frozenset(('NotifyAcquired', 'WriteAcquired'))


class AcquiredFd:
    """bluetoothd's end of a socket an application passed in reply to
    AcquireNotify or AcquireWrite: struct client_io (5.69 on) or
    chrc->notify_io / chrc->write_io (before). bluetoothd reads a notify fd
    and writes confirmation bytes to it (5.80 on); it only writes to a write
    fd."""

    def __init__(self, kind, path, device, sock):
        self.kind = kind            # 'notify' or 'write'
        self.path = path            # the characteristic
        self.device = device        # the device the call named (before 5.69, the fd serves every device)
        self.sock = sock
        self.open = True
        # 'read' | 'hup' | 'conf' -> GLib source id. A notify fd loses 'read' for
        # good when sock_io_read returns false (a 0-byte read); it stays open.
        self.watches = {}

    def __repr__(self):
        return '<%s fd %s for %s%s>' % (self.kind, self.path, self.device, '' if self.open else ' closed')


class ExternalChrc:
    """What bluetoothd keeps for one application characteristic (struct
    external_chrc), plus each device's CCC value for it (struct ccc_state in
    each device's struct device_state; dropped with the service,
    gatt_db_service_removed -> remove_device_ccc)."""

    def __init__(self, path, flags, props):
        self.path = path
        # parse_chrc_flags: every "*notify" / "*indicate" flag sets the property bit.
        self.notify = any(f.endswith('notify') for f in flags)
        self.indicate = any(f.endswith('indicate') for f in flags)
        # The proxy's cache of NotifyAcquired / WriteAcquired: filled from
        # GetManagedObjects, then PropertiesChanged adds and invalidation removes.
        self.acquired = ACQUIRED_PROPERTIES.intersection(str(name) for name in props)
        self.ccc = {}               # device path -> CCC value it wrote, in first-write order
        self.ntfy_cnt = 0           # chrc->ntfy_cnt
        self.notify_ios = []        # open notify fds, oldest (the queue's head) first
        self.write_ios = []         # open write fds
        self.pending_writes = []    # (device, value) waiting for an AcquireWrite (5.60 on)
        self.fds = []               # every AcquiredFd taken, open or not, oldest first
        # device path -> [(confirmation, AcquiredFd or None)]: indications sent and
        # not confirmed yet, oldest first (FakeBluez.confirm_indication).
        self.indications = {}


class AppRegistration:
    """One GATT application as bluetoothd holds it (struct gatt_app)."""

    def __init__(self, serial, instance, owner, path, adapter):
        self.serial = serial
        self.instance = instance        # which bluetoothd start
        self.owner = owner
        self.path = path
        self.adapter = adapter          # adapter name, e.g. 'hci0'
        self.state = 'pending'          # pending -> registered | failed
        self.ended = None               # unregistered | disconnected | adapter-removed | bluetoothd-stopped
        self.failure = None             # error message when failed
        self.tree = {}                  # path -> {iface: props (plain Python)}; validated GATT objects
        self.handles = {}               # path -> handle bluetoothd placed it at
        self.ranges = []                # (start, end) of its services in the adapter's database
        self.handle_writes = {}         # path -> handle written back with Properties.Set
        self.chrcs = {}                 # characteristic path -> ExternalChrc
        self.msg = None                 # the pending RegisterApplication call
        self.answer_already_exists = False

    @property
    def active(self):
        return self.state == 'registered' and self.ended is None

    def objects(self, iface):
        return {p: ifaces[iface] for p, ifaces in self.tree.items() if iface in ifaces}

    def __repr__(self):
        return '<app #%d %s%s on %s %s%s>' % (self.serial, self.owner, self.path, self.adapter,
                                              self.state, ' ended=' + self.ended if self.ended else '')


class AdvRegistration:
    """One advertisement as bluetoothd holds it (struct btd_adv_client) + the controller's view."""

    def __init__(self, serial, instance, owner, path, adapter, slot):
        self.serial = serial
        self.instance = instance
        self.owner = owner
        self.path = path
        self.adapter = adapter
        # The controller's advertising instance (advertising.c client->instance): the
        # lowest number free in this bluetoothd's bitmap, which an unregistration
        # frees only in an idle callback after its reply (client_remove).
        self.slot = slot
        self.slot_held = True
        # The kernel still holds the instance after bluetoothd stopped; hidden: the next
        # bluetoothd's reset did not see it (see FakeBluez._reset_kernel_instances).
        self.kernel_kept = False
        self.hidden = False
        self.state = 'pending'          # pending -> registered | failed
        self.ended = None
        self.failure = None
        self.props = {}                 # LEAdvertisement1 properties (plain Python)
        self.raw = {}                   # the same as gdbus's proxy cache holds them (dbus-python)
        self.on_air = False             # the controller is sending it
        self.queued_while_off = False   # register_adv_while_off == 'accept': goes on air at power-on
        self.msg = None
        # What the controller was last given (advertising.c refresh_adv): props at
        # registration, then after each refresh a PropertiesChanged caused.
        self.air = {}
        self.refreshes = []             # one per property changed at run time: (name, None | error)

    @property
    def active(self):
        return self.state == 'registered' and self.ended is None

    def __repr__(self):
        return '<adv #%d %s%s on %s instance %d %s%s%s%s>' % (
            self.serial, self.owner, self.path, self.adapter, self.slot, self.state,
            ' on-air' if self.on_air else '', ' ended=' + self.ended if self.ended else '',
            ' hidden' if self.hidden else '')


# device.c device_disconnected() (5.83 on): the MGMT disconnect reason -> the
# Disconnected signal's (name, message).
DISCONNECT_REASONS = {
    'unknown': ('org.bluez.Reason.Unknown', 'Unspecified'),
    'timeout': ('org.bluez.Reason.Timeout', 'Connection timeout'),
    'local': ('org.bluez.Reason.Local', 'Connection terminated by local host'),
    'remote': ('org.bluez.Reason.Remote', 'Connection terminated by remote user'),
    'authentication': ('org.bluez.Reason.Authentication', 'Connection terminated due to authentication failure'),
    'suspend': ('org.bluez.Reason.Suspend', 'Connection terminated by local host for suspend'),
}


class Device:
    """A remote device as bluetoothd holds it (struct btd_device): here a central
    that connected to us. Keyed by its object path, which stays when the address
    changes (device.c device_update_addr)."""

    def __init__(self, adapter, path, address, address_type='public', name=None,
                 paired=False, bonded=False, trusted=False):
        self.adapter = adapter          # adapter name, e.g. 'hci0'
        self.path = path
        self.address = address
        self.address_type = address_type    # 'public' or 'random' (property_get_address_type)
        self.name = name                # None: not known, no Name property
        self._alias = None              # the Alias someone set, None for the fallback
        self.bonded = bonded
        self.paired = paired or bonded
        self.trusted = trusted
        self.blocked = False
        self.connected = False
        # btd_adapter_get_device creates an unknown device temporary; bonding
        # makes it persistent (device_set_bonded). A temporary device is removed
        # TemporaryTimeout after it disconnects (FakeBluez.expire_device).
        self.temporary = not bonded
        self.disconnects = []           # Disconnect() calls waiting for the link to go down
        # att->mtu: what the mtu option of the latest call naming the device said
        # (185, the fake's default, until one names another); notifications are
        # cut to mtu - 3.
        self.mtu = 185
        self.disconnect_timer = None    # device.c disconn_timer (DISCONNECT_TIMER)
        self.remove_requested = False   # an Adapter1.RemoveDevice was answered: goes when down

    @property
    def alias(self):
        """device.c dev_property_get_alias: the alias set, else Name, else the
        address with '-' for ':'."""
        return self._alias or self.name or self.address.replace(':', '-')

    @alias.setter
    def alias(self, value):
        self._alias = value or None     # set_alias: "" resets it

    def __repr__(self):
        return '<device %s %s%s>' % (self.path, self.address, ' connected' if self.connected else '')


# The Agent1 capabilities, in the order of the parsing table (agent.c
# parse_io_capability, 5.87 shared/mgmt.c iocap_arguments); "" means KeyboardDisplay.
IO_CAPABILITIES = ('DisplayOnly', 'DisplayYesNo', 'KeyboardOnly', 'NoInputNoOutput', 'KeyboardDisplay')

# The kernel's SMP method tables (net/bluetooth/smp.c gen_method / sc_method,
# indexed [remote io][local io] in IO_CAPABILITIES order) and what each entry
# means for the side that looks it up (tk_request, sc_select_method):
# 'just-works' (JUST_WORKS / JUST_CFM), 'display' (CFM_PASSKEY in legacy,
# DSP_PASSKEY in SC: this side shows a random passkey), 'enter' (REQ_PASSKEY),
# 'compare' (SC's CFM_PASSKEY: numeric comparison), 'overlap' (legacy
# KeyboardDisplay on both sides: the initiator displays, the responder enters).
_JW, _DSP, _REQ, _CMP = 'just-works', 'display', 'enter', 'compare'
SMP_LEGACY_METHOD = (
    (_JW, _JW, _REQ, _JW, _REQ),
    (_JW, _JW, _REQ, _JW, _REQ),
    (_DSP, _DSP, _REQ, _JW, _DSP),
    (_JW, _JW, _JW, _JW, _JW),
    (_DSP, _DSP, _REQ, _JW, 'overlap'),
)
SMP_SC_METHOD = (
    (_JW, _JW, _REQ, _JW, _REQ),
    (_JW, _CMP, _REQ, _JW, _CMP),
    (_DSP, _DSP, _REQ, _JW, _DSP),
    (_JW, _JW, _JW, _JW, _JW),
    (_DSP, _CMP, _REQ, _JW, _CMP),
)


def smp_method(remote_io, local_io, secure_connections, initiator, mitm=True):
    """The pairing method one side of an LE pairing runs, as the kernel picks it
    (smp.c get_auth_method + tk_request / sc_select_method): 'just-works',
    'display', 'enter' or 'compare'. Without MITM from the initiator (the
    responder copies its auth_req) every case is Just Works."""
    if not mitm:
        return _JW
    table = SMP_SC_METHOD if secure_connections else SMP_LEGACY_METHOD
    method = table[IO_CAPABILITIES.index(remote_io)][IO_CAPABILITIES.index(local_io)]
    if method == 'overlap':
        return _DSP if initiator else _REQ
    return method


class Agent:
    """A registered pairing agent (agent.c struct agent): keyed by its owner's
    unique name; request is the Pairing whose method call is pending."""

    def __init__(self, owner, path, capability):
        self.owner = owner
        self.path = path
        self.capability = capability    # normalised: one of IO_CAPABILITIES
        self.request = None

    def __repr__(self):
        return '<agent %s%s %s>' % (self.owner, self.path, self.capability)


class Pairing:
    """An incoming LE pairing a test started (FakeBluez.pair): the phone is the
    initiator, the default agent answers for us (the responder). The fake works
    on the main loop; wait for done.

    done, ok: finished, and how. failure: None or 'no-agent', 'not-pairable',
    'rejected' (any error reply; error holds its name, None when bluetoothd
    refused by itself), 'timeout', 'wrong-passkey', 'canceled-disconnect' (the
    link went down meanwhile) or 'bluetoothd-stopped' (it crashed or lost the
    bus meanwhile). calls: (method, args) sent to the agent, plain Python
    values, Cancel included. passkey: what the displaying side showed, if
    any. method: the responder's method ('just-works', 'display', 'enter',
    'compare'), None until picked. answer: what RequestPasskey returned."""

    def __init__(self, device, central_io, secure_connections, bonding, central_passkey, agent_timeout, mitm):
        self.device = device
        self.central_io = central_io
        self.secure_connections = secure_connections
        self.bonding = bonding
        self.central_passkey = central_passkey
        self.agent_timeout = agent_timeout
        self.mitm = mitm
        self.agent = None
        self.method = None
        self.calls = []
        self.passkey = None
        self.answer = None
        self.done = False
        self.ok = False
        self.failure = None
        self.error = None
        self._call = None           # the pending DBusPendingCall
        self._timer = None          # REQUEST_TIMEOUT
        self._member = None         # the method awaiting its reply

    def __repr__(self):
        state = 'ok' if self.ok else (self.failure or 'pending')
        return '<pairing %s %s>' % (self.device, state)


# Device1 property -> Device attribute (FakeBluez.set_device_property).
DEVICE_ATTRIBUTES = {'Address': 'address', 'AddressType': 'address_type', 'Name': 'name', 'Alias': 'alias',
                     'Paired': 'paired', 'Bonded': 'bonded', 'Trusted': 'trusted', 'Blocked': 'blocked'}


class Adapter:
    """A controller plus what bluetoothd exports for it."""

    def __init__(self, name, address, powered=True, advertising_manager='now',
                 max_advertisements=5, max_adv_len=LEGACY_MAX_ADV_LEN, discoverable=False, secondary_channels=()):
        self.name = name
        self.address = address
        self.powered = powered
        # 'now': LEAdvertisingManager1 exported with the adapter (as seen in
        # GetManagedObjects long after start); 'later': separate InterfacesAdded
        # on the next main loop turn (as when bluetoothd adds the adapter);
        # False: only when the test calls add_advertising_manager().
        self.advertising_manager_mode = advertising_manager
        self.has_advertising_manager = False
        self.stored_devices = {}        # bonded devices the next bluetoothd loads (stop() keeps them)
        self.max_advertisements = max_advertisements
        self.max_adv_len = max_adv_len
        # An extended-advertising controller's secondary PHYs ('1M', '2M', 'Coded'):
        # LEAdvertisingManager1.SupportedSecondaryChannels, exported only when there are
        # some (secondary_exists); empty, as btvirt's legacy controller.
        self.secondary_channels = list(secondary_channels)
        self.discoverable = discoverable
        # bluetoothd's PowerState, kept apart from Powered: a power-off the kernel
        # did on its own (btmgmt) leaves it at "on" (VM tier, bluez-calls.txt).
        self.power_state = 'on' if powered else 'off'
        # rfkill soft block: Set(Powered, true) fails with org.bluez.Error.Blocked
        # (src/adapter.c property_set_mode_complete, MGMT_STATUS_RFKILLED; every version checked).
        self.blocked = False
        # bluetoothd powering it on by itself (AutoEnable): Set(Powered, true) fails with
        # org.bluez.Error.Busy while that runs (property_set_mode, pending_settings, 5.57 on;
        # 5.55 answers success and does nothing).
        self.power_busy = False
        # The kernel refuses to power it on (MGMT status Failed, 0x03): Set(Powered, true)
        # fails with org.bluez.Error.Failed "Failed" (property_set_mode_complete).
        self.power_fails = False
        # A failed power change left pending_settings' Powered bit set (before 5.66,
        # BluezProfile.failed_power_stays_pending): every Set(Powered) gets the
        # version's "pending" answer until Powered changes or bluetoothd restarts.
        self.power_stuck = False
        # What the kernel's MGMT_OP_ADD_EXT_ADV_PARAMS reply says of the TX power
        # (advertising.c add_adv_params_callback writes it back, 5.64 on): an int (dBm,
        # a kernel and controller with extended advertising), None (a legacy kernel,
        # or 127 "no preference": no write-back), or 'includes': a Set only when the
        # advertisement includes "tx-power", as the VM tier recorded on btvirt (the
        # kernel side of that is not checked).
        self.kernel_tx_power = 'includes'
        # The kernel's bondable flag (Adapter1.Pairable): kept across bluetoothd
        # restarts: the kernel keeps it and a new bluetoothd only ever sets it on
        # (adapter.c read_info_complete, AlwaysPairable).
        # PairableTimeout is bluetoothd's stored setting (store_adapter_info).
        self.pairable = False
        self.pairable_timeout = 0
        self.pairable_timer = None      # adapter.c pairable_timeout_id
        self.bondable_off_timer = None  # slow_bondable_off: the "off" in flight
        self.devices = {}               # path -> Device exported under the adapter (centrals)
        self.has_media = True           # org.bluez.Media1 (removed early at a clean stop)
        self.exported = False
        self.next_handle = FIRST_APP_HANDLE
        self.ranges = []                # (start, end) of application services in the database

    @property
    def path(self):
        return '/org/bluez/' + self.name

    def reset_database(self):
        self.next_handle = FIRST_APP_HANDLE
        self.ranges = []


class FakeBluez:
    def __init__(self, bus_address, trace=None, version=DEFAULT_VERSION):
        self.bus_address = bus_address
        # Which bluetoothd it imitates where versions differ (BluezProfile); set
        # before adapters are added (add_adapter's default power follows it).
        self.profile = PROFILES[version]
        # AutoEnable (plugins/policy.c): the version's default; False for 5.65-5.76
        # without a main.conf, or main.conf's AutoEnable=false.
        self.auto_enable = self.profile.auto_enable
        self.conn = None
        self.unique_name = None
        self.instance = 0               # bumped at every start()
        self.adapters = {}              # name -> Adapter, in creation order
        self._trace_sink = trace
        self.trace_lines = []
        self.protocol_errors = []

        # Records for assertions (cumulative across bluetoothd restarts).
        self.apps = []                  # AppRegistration, every RegisterApplication that got past argument checks
        self.adverts = []               # AdvRegistration, likewise
        self.register_app_calls = []    # (sender, path, adapter, outcome)
        self.unregister_app_calls = []
        self.register_adv_calls = []
        self.unregister_adv_calls = []
        self.released = []              # (owner, path, 'sent'|'ok'|error name)
        self.properties_changed = []    # (sender, path, iface, changed, invalidated) from applications
        self.notifications = []         # (path, bytes): Value changes on subscribed characteristics
        # Per receiving device, (device path, characteristic path, bytes as sent,
        # 'notify' | 'indicate'): a datagram read from a notify fd, and a
        # PropertiesChanged(Value) (for CCCs peers wrote with subscribe()).
        self.fd_notifications = []
        self.value_notifications = []
        # Every AcquireNotify / AcquireWrite: (member, characteristic path, device,
        # mtu, outcome: 'ok', the error name, 'invalid reply' or 'canceled').
        self.acquire_calls = []
        # Writes the application never got (write_command / write_request on a
        # characteristic with WriteAcquired): (path, device, bytes, reason).
        self.lost_writes = []
        # bluez#1452 (5.69-5.87): an unbonded subscriber's disconnect closes the
        # head of notify_ios (clear_ccc_state passes no device) besides its own fd.
        # False models the fix (bluez PR #2456). Follows the version given here.
        self.wrong_fd_bug = self.profile.acquire_per_device
        self.managed_objects_calls = 0  # GetManagedObjects on "/" answered
        self.subscriptions = set()      # paths the central subscribed to (StartNotify sent)
        # Every call the fake made to a client, in order: (member, path, reply_expected).
        # member is 'Iface.Method' with the interface's last component, e.g.
        # 'GattCharacteristic1.WriteValue', 'Properties.Set', 'Agent1.Cancel'.
        # The AgentManager1 calls and Adapter1.RemoveDevice calls the fake
        # receives are logged here too (not in sent), path being the object
        # path argument: ('AgentManager1.RegisterAgent', '/agent', True).
        self.calls = []
        # Everything the fake sent, in order: ('signal', 'InterfacesAdded', object path,
        # interface names) / ('signal', 'PropertiesChanged', path, {name: value}) /
        # ('signal', 'Disconnected', device path, (name, message)) /
        # ('call', 'Iface.Method', path, reply_expected) / ('reply', 'Device1.Disconnect',
        # device path) when a Disconnect() is answered with success.
        self.sent = []
        self.tx_power_sets = []         # [path, 'sent' | 'ok' | error name]: Set("TxPower") on advertisements
        self.power_sets = []            # (sender, adapter name, value): Set("Powered") on adapters
        # (sender, adapter name, property, value): Set("Pairable") / Set("PairableTimeout").
        self.pairable_sets = []

        # Pairing agents (agent.c): owner -> Agent in registration order, and the
        # default_agents queue (its head is the default). Gone at every stop.
        self.agent_list = {}
        self.default_agents = []
        # (member, sender, path, capability or None, outcome: 'ok' or the error name)
        # of every AgentManager1 call.
        self.agent_manager_calls = []
        self.releases = []              # (owner, path) of every Agent1.Release sent
        self.pairings = []              # every Pairing pair() started
        # main.conf AlwaysPairable (default false): true keeps adapters bondable
        # with no agent, and agents no longer switch Pairable.
        self.always_pairable = False
        # The race the VM tier met on 5.87 (adapter.c adapter_set_io_capability):
        # the last agent leaving sends MGMT Set Bondable off, and until the kernel
        # answers current_settings still say bondable, so an agent made default
        # meanwhile is not given bonding back; then the "off" lands. True: an
        # adapter's "off" lands only when an agent next becomes default (after
        # skipping its "on"), or OFF_LANDS_S later if none does.
        self.slow_bondable_off = False
        # main.conf JustWorksRepairing: 'never' (default), 'confirm' or 'always'.
        self.just_works_repairing = 'never'

        # Fault injection for RegisterApplication / RegisterAdvertisement (see the
        # fail_next_* etc. methods): a list consumed one entry per call: None
        # (behave), 'fail', 'no-reply', ('delay', seconds) or 'already-exists'.
        self.register_app_faults = []
        self.register_adv_faults = []
        self.unregister_adv_delays = []  # seconds before the next UnregisterAdvertisement is answered
        # While powered off, RegisterAdvertisement fails (notes: "likely fails with
        # org.bluez.Error.Failed"); 'accept' models a kernel that keeps the instance
        # and starts it at the next power-on.
        self.register_adv_while_off = 'fail'
        self.experimental = False       # bluetoothd -E: MinInterval/MaxInterval/TxPower honoured (5.64-5.76)
        # Device1.Disconnect(): (sender, device path) of every call, and how long the
        # link takes to go down. Real bluetoothd waits DISCONNECT_TIMER (2 s, every
        # version) before asking the kernel to disconnect, then the controller's time.
        self.disconnect_calls = []
        self.disconnect_delay = 0.2
        # Consumed one per Disconnect() call: None (behave), 'no-reply' or
        # ('fail', error name, message); see never_answer_next_disconnect().
        self.disconnect_faults = []

        self._serial = 0
        self._signal_matches = []
        self._timeouts = set()
        self._pending_calls = []

    # ------------------------------------------------------------------ tracing

    def trace(self, text):
        line = '%.3f fakebluez[%d]: %s' % (time.monotonic(), self.instance, text)
        self.trace_lines.append(line)
        if self._trace_sink:
            self._trace_sink(line)

    def protocol_error(self, text):
        self.trace('PROTOCOL ERROR: ' + text)
        self.protocol_errors.append(text)

    def _next_serial(self):
        self._serial += 1
        return self._serial

    # ---------------------------------------------------------- fault injection

    def fail_next_register_application(self, count=1):
        """The next count RegisterApplication calls fail with org.bluez.Error.Failed."""
        self.register_app_faults += ['fail'] * count

    def never_answer_next_register_application(self):
        """The next RegisterApplication is never answered (the caller's timeout fires)."""
        self.register_app_faults.append('no-reply')

    def delay_next_register_application(self, seconds):
        """The next RegisterApplication is answered seconds after the tree was validated."""
        self.register_app_faults.append(('delay', seconds))

    def answer_next_register_application_already_exists(self):
        """The next RegisterApplication registers the application (objects fetched,
        validated, handles written back) but is answered AlreadyExists, as when an
        earlier call from the same connection completed after its caller gave up."""
        self.register_app_faults.append('already-exists')

    def fail_next_register_advertisement(self, count=1):
        self.register_adv_faults += ['fail'] * count

    def delay_next_register_advertisement(self, seconds):
        """The next RegisterAdvertisement reads the advertisement at once but answers
        (and sets its PropertiesChanged watch) seconds later."""
        self.register_adv_faults.append(('delay', seconds))

    def delay_next_unregister_advertisement(self, seconds):
        """The next UnregisterAdvertisement takes the advertisement off the air at once
        but answers seconds later (a busy bluetoothd); its instance is freed after the
        answer, as always."""
        self.unregister_adv_delays.append(seconds)

    def never_answer_next_disconnect(self):
        """The next Device1.Disconnect() of a connected device gets no reply and the
        link stays up, as when the kernel refuses MGMT_OP_DISCONNECT (device.c
        disconnect_complete only logs). The call stays queued on the device, as in
        bluetoothd: it is answered if the link goes down some other way later."""
        self.disconnect_faults.append('no-reply')

    def fail_next_disconnect(self, name=ERROR_FAILED, message='Disconnect failed (injected)'):
        """The next Device1.Disconnect() is answered at once with this error and
        nothing else happens. bluetoothd's dev_disconnect never answers an error
        itself; this is for testing the caller's error path."""
        self.disconnect_faults.append(('fail', name, message))

    # ----------------------------------------------------------- configuration

    def add_adapter(self, name='hci0', address='00:AA:01:00:00:00', powered=None,
                    advertising_manager='now', **kwargs):
        """Add a controller. While running, it appears the way the VM tier saw
        bluetoothd 5.66 add one (replug, btvirt restarted): Adapter1, GattManager1
        and LEAdvertisingManager1 in ONE InterfacesAdded (advertising_manager='now',
        the default). 'later': LEAdvertisingManager1 in a separate, later
        InterfacesAdded (the real stack does that too at times, for a controller
        that comes up powered off); False: only when add_advertising_manager() is
        called. powered: by default as AutoEnable leaves a new controller (on
        from 5.65; off before, policy.c)."""
        if name in self.adapters:
            raise ValueError('adapter %s exists' % name)
        if powered is None:
            powered = self.auto_enable
        adapter = Adapter(name, address, powered=powered, advertising_manager=advertising_manager, **kwargs)
        self.adapters[name] = adapter
        if self.running:
            self._export_adapter(adapter, announce=True)
        return adapter

    def adapter(self, name='hci0'):
        return self.adapters[name]

    @property
    def running(self):
        return self.conn is not None

    # ----------------------------------------------------------------- start/stop

    def start(self):
        """bluetoothd starts: new connection, owns org.bluez, exports its adapters.
        The databases are new and empty; advertising instances left in the
        controllers are reset (advertising.c read_adv_features_callback)."""
        assert not self.running
        self.instance += 1
        self.conn = dbus.bus.BusConnection(self.bus_address)
        self.unique_name = self.conn.get_unique_name()
        self.conn._register_object_path('/', self._on_message, fallback=True)
        self._signal_matches = [
            self.conn.add_signal_receiver(
                self._on_name_owner_changed, signal_name='NameOwnerChanged',
                dbus_interface='org.freedesktop.DBus', bus_name='org.freedesktop.DBus',
                path='/org/freedesktop/DBus'),
            self.conn.add_signal_receiver(
                self._on_properties_changed, signal_name='PropertiesChanged',
                dbus_interface=IFACE_PROPERTIES, sender_keyword='sender', path_keyword='path',
                byte_arrays=True),
        ]
        self._reset_kernel_instances()
        for adapter in self.adapters.values():
            adapter.reset_database()
            adapter.exported = False
            adapter.power_stuck = False     # a new struct btd_adapter, nothing pending
            adapter.has_advertising_manager = False
            adapter.has_media = True
            adapter.devices = {}
            adapter.power_state = 'on' if adapter.powered else 'off'
        # The adapters are exported before the name is taken so a GetManagedObjects
        # sent on NameOwnerChanged sees them (deterministic for tests; bluetoothd
        # itself may add them a little later, which add_adapter() models).
        for adapter in self.adapters.values():
            self._export_adapter(adapter, announce=False)
        reply = self.conn.request_name(BLUEZ_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        if reply != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
            raise RuntimeError('could not own org.bluez (%r)' % reply)
        self.trace('started as %s with adapters %s' % (self.unique_name, list(self.adapters)))

    def stop(self, clean=True):
        """bluetoothd stops. clean: as on SIGTERM, in the order the VM tier saw
        (bluez-calls.txt): PowerState "on-disabling" on every powered adapter,
        then per adapter StopNotify, its connected devices disconnected (as at
        any power-off) and {PowerState "off", Powered false, Discovering false,
        Class 0}; Media1 removed from each adapter; then each adapter removed as
        remove_adapter() does (devices, the partial removals, Release of
        advertisements); then the connection closes and the name leaves the bus.
        Otherwise a crash: the connection just closes, no Release. Either way the
        devices are gone with bluetoothd; the next start() exports the bonded ones
        again, not connected, as a real one loads them from its storage."""
        assert self.running
        self.trace('stopping (%s)' % ('clean' if clean else 'crash'))
        # bluetoothd does not remove its instances when it stops: the kernel keeps them.
        for adv in self._active_adverts():
            adv.kernel_kept = True
        powered = {name: a.powered for name, a in self.adapters.items()}
        # What /var/lib/bluetooth keeps for the next bluetoothd: the bonded devices.
        stored = {name: {path: self._stored_device(device) for path, device in a.devices.items()
                         if not device.temporary} for name, a in self.adapters.items()}
        if clean:
            # main.c SIGTERM -> adapter_shutdown(): power every adapter off,
            # then adapter_cleanup() -> adapter_remove().
            exported = [a for a in self.adapters.values() if a.exported]
            for adapter in exported:
                if adapter.powered:
                    adapter.power_state = 'on-disabling'
                    self._emit_properties_changed(adapter.path, IFACE_ADAPTER,
                                                  {'PowerState': dbus.String('on-disabling')})
            for adapter in exported:
                if adapter.powered:
                    self._power_off(adapter, {'PowerState': dbus.String('off'),
                                              'Powered': dbus.Boolean(False),
                                              'Discovering': dbus.Boolean(False),
                                              'Class': dbus.UInt32(0)})
                    adapter.power_state = 'off'
            for adapter in exported:
                if adapter.has_media:
                    adapter.has_media = False
                    self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesRemoved', 'oas',
                               dbus.ObjectPath(adapter.path), [IFACE_MEDIA])
            self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesRemoved', 'oas', dbus.ObjectPath('/org/bluez'),
                       [IFACE_INTROSPECTABLE, IFACE_AGENT_MANAGER, IFACE_PROFILE_MANAGER])
            # main.c: btd_agent_cleanup (after btd_profile_cleanup, before
            # adapter_cleanup): Release to every agent.
            self._release_agents()
            for adapter in exported:
                self._unexport_adapter(adapter, 'bluetoothd-stopped')
        for adv in self._active_or_pending_adverts():
            adv.ended = 'bluetoothd-stopped'
            # After a crash the kernel keeps advertising until the next start()
            # resets its instances (stale_on_air()).
            if clean:
                adv.on_air = False
        for app in self._active_or_pending_apps():
            self._end_app(app, 'bluetoothd-stopped')
        self.subscriptions.clear()
        self._teardown_connection()
        # With AutoEnable bluetoothd powers the controllers on again when it next
        # starts; the fake exports them as they were (a test sets adapter.powered
        # = False to model AutoEnable=false). Without it (before 5.65) what
        # adapter_shutdown powered off stays off; a crash leaves the kernel's power.
        for name, was_powered in powered.items():
            self.adapters[name].stored_devices = stored[name]
            if clean and not self.auto_enable:
                continue
            self.adapters[name].powered = was_powered
        self.trace('stopped')

    def bus_lost(self):
        """The bus daemon went away under bluetoothd (the harness killed it):
        bluetoothd's connection is gone, and with it every registration (the new
        bus daemon knows none of them). Real bluetoothd exits when its bus
        connection drops and systemd starts it again: call start() once a new bus
        is up at bus_address. The controllers keep their power state."""
        assert self.running
        self.trace('bus lost')
        for adv in self._active_or_pending_adverts():
            adv.ended = 'bus-lost'
            adv.on_air = False
        for app in self._active_or_pending_apps():
            self._end_app(app, 'bus-lost')
        self.subscriptions.clear()
        self._teardown_connection(connected=False)

    def _teardown_connection(self, connected=True):
        for source in list(self._timeouts):
            GLib.source_remove(source)
        self._timeouts.clear()
        self._forget_agents()
        for call in self._pending_calls:
            call.cancel()
        self._pending_calls = []
        for match in self._signal_matches:
            try:
                match.remove()
            except dbus.exceptions.DBusException:
                if connected:
                    raise
        self._signal_matches = []
        # bluetoothd's process is gone, and with it every fd it held.
        for app in self.apps:
            self._free_chrcs(app)
        conn, self.conn = self.conn, None
        self.unique_name = None
        try:
            conn._unregister_object_path('/')
        except Exception:       # pragma: no cover - best effort at shutdown
            pass
        if connected:
            # The name goes by a ReleaseName queued behind the last signals, which the
            # bus daemon handles in order. The close waits until another connection
            # sees the name gone: under load the daemon, seeing the hang-up, dropped
            # what it had not read yet of this connection (the last signals, and the
            # ReleaseName with them), and the name's loss overtook them. No call on
            # this connection is awaited: a blocking one leaves messages queued on a
            # connection about to close.
            release = dbus.lowlevel.MethodCallMessage('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                                      'org.freedesktop.DBus', 'ReleaseName')
            release.append(BLUEZ_NAME, signature='s')
            release.set_no_reply(True)
            conn.send_message(release)
            conn.flush()
            self._wait_name_released()
        conn.close()
        for adapter in self.adapters.values():
            if adapter.bondable_off_timer is not None:
                # The kernel carries out the Set Bondable off bluetoothd sent.
                adapter.bondable_off_timer = None
                adapter.pairable = False
            adapter.exported = False
            adapter.has_advertising_manager = False
            adapter.devices = {}

    def _wait_name_released(self, limit_s=10.0):
        """Until the bus daemon has handled the ReleaseName sent on the closing
        connection, as a connection of its own sees (best effort: the bus may be
        going too)."""
        try:
            observer = dbus.bus.BusConnection(self.bus_address)
        except dbus.exceptions.DBusException:
            return
        try:
            deadline = time.monotonic() + limit_s
            while observer.name_has_owner(BLUEZ_NAME) and time.monotonic() < deadline:
                time.sleep(0.001)
        except dbus.exceptions.DBusException:
            pass
        finally:
            observer.close()

    def shutdown(self):
        """Harness cleanup: close the connection whatever the state."""
        if self.running:
            self._teardown_connection()

    # ------------------------------------------------------------ adapter events

    def set_powered(self, name, powered, via='mgmt'):
        """Power the controller on or off. via='mgmt': the kernel does it (btmgmt,
        rfkill), as the VM tier did; bluetoothd only reports it. via='dbus': through
        bluetoothd (Properties.Set Powered), with the PowerState transitions."""
        self._set_powered(self.adapters[name], powered, via)

    def _set_powered(self, adapter, powered, via='mgmt'):
        """What the VM tier saw (bluez-calls.txt, bluetoothd 5.66):
        - btmgmt power off: StopNotify for every subscribed characteristic (links
          drop, unbonded peers), then ONE PropertiesChanged {Class 0, Powered false,
          Discovering false, PowerState "on"} (PowerState is not updated);
        - btmgmt power on: PropertiesChanged {Powered true};
        - through bluetoothd: {PowerState "on-disabling"} first, then StopNotify,
          then {PowerState "off", Powered false, Discovering false, Class 0};
          at power-on {PowerState "off-enabling"}, then {PowerState "on", Powered true}.
        Connected devices are disconnected between the StopNotify calls and the
        Powered false (_power_off)."""
        if adapter.powered == powered:
            return
        # settings_changed(): the Powered bit changed, so it is no longer pending.
        adapter.power_stuck = False
        if not powered:
            self._drop_stale_instances(adapter.name)
        if not adapter.exported:
            adapter.powered = powered
            adapter.power_state = 'on' if powered else 'off'
            return
        if via == 'dbus':
            adapter.power_state = 'off-enabling' if powered else 'on-disabling'
            self._emit_properties_changed(adapter.path, IFACE_ADAPTER,
                                          {'PowerState': dbus.String(adapter.power_state)})
        if not powered:
            if via == 'dbus':
                changed = {'PowerState': dbus.String('off')}
                adapter.power_state = 'off'
            else:
                changed = {'Class': dbus.UInt32(0)}
            changed.update({'Powered': dbus.Boolean(False), 'Discovering': dbus.Boolean(False)})
            if via == 'dbus':
                changed['Class'] = dbus.UInt32(0)
            else:
                changed['PowerState'] = dbus.String(adapter.power_state)
            self._power_off(adapter, changed)
        else:
            adapter.powered = True
            for adv in self._active_adverts(adapter.name):
                if adv.queued_while_off:
                    adv.queued_while_off = False
                    adv.on_air = True
            for adv in self.adverts:
                if adv.hidden and adv.kernel_kept and adv.adapter == adapter.name:
                    adv.on_air = True
                    self.trace('%r: the kernel sends it again (power on)' % adv)
            changed = {}
            if via == 'dbus' or adapter.power_state != 'on':
                adapter.power_state = 'on'
                changed['PowerState'] = dbus.String('on')
            changed['Powered'] = dbus.Boolean(True)
            self._emit_properties_changed(adapter.path, IFACE_ADAPTER, changed)
        self.trace('%s powered %s (%s)' % (adapter.name, 'on' if powered else 'off', via))

    def _power_off(self, adapter, changed):
        """The controller is off: advertising stops, links drop (StopNotify first,
        no reply expected; then each connected device's disconnection, reason
        Local), then the PropertiesChanged carrying Powered false. The kernel
        reports each link's MGMT Device Disconnected before the New Settings that
        clears Powered, and bluetoothd handles them in that order. Which of a
        link's ATT socket HUP (StopNotify) and Device Disconnected comes first is
        kernel ordering (bluez-versions.md 8.3, not checked); StopNotify first is
        what the VM tier recorded, whose log keeps no device signals."""
        # The kernel drops the advertising instances; bluetoothd keeps the
        # registrations (notes, table row 1).
        for adv in self._active_adverts(adapter.name):
            if adv.on_air:
                self.trace('%r off the air (power off)' % adv)
            adv.on_air = False
        for path in sorted(self.subscriptions):
            app = self._app_for_object(path)
            if app is not None and app.adapter == adapter.name:
                self.subscriptions.discard(path)
                self._send_no_reply(app.owner, path, IFACE_GATT_CHRC, 'StopNotify')
        for device in adapter.devices.values():
            if device.connected:
                self._device_disconnected(device, 'local')
        adapter.powered = False
        self._emit_properties_changed(adapter.path, IFACE_ADAPTER, changed)

    def _drop_stale_instances(self, name):
        for adv in self.stale_on_air(name):
            adv.on_air = False
            self.trace('%r: stale instance off the air' % adv)

    def _reset_kernel_instances(self):
        """advertising.c read_adv_features_callback (every version): "Reset existing
        instances" the kernel reports, those a bluetoothd that stopped left (clean or
        crashed). The kernel (Linux 6.1, seen in the VM tier with bluetoothd 5.82)
        reports only instances numbered up to its count of instances: instance 2
        alone is not reported, so not removed, and it sends it whenever the
        controller is powered, beside what the next bluetoothd registers."""
        for name, adapter in self.adapters.items():
            kept = [a for a in self.adverts if a.kernel_kept and a.adapter == name]
            for adv in kept:
                if adv.slot <= len(kept):
                    adv.kernel_kept = adv.hidden = adv.on_air = False
                    self.trace('%r: instance reset' % adv)
                else:
                    adv.hidden = True
                    adv.on_air = adapter.powered
                    self.trace('%r: instance %d not reported by the kernel, not reset' % (adv, adv.slot))

    def _free_slot_later(self, adv):
        """bluetoothd frees the instance in an idle callback after answering
        (client_remove): a message it had already read (a Register sent right behind
        the Unregister) is handled first and gets the next number; one sent after the
        answer came back finds it free. gdbus reads and dispatches every queued
        message before idle callbacks run; here, a callback at the D-Bus sources'
        priority runs after the message queue's (attached first) and before a message
        that arrives later (not yet queued when the iteration began)."""
        def free():
            adv.slot_held = False
            return False
        GLib.idle_add(free, priority=GLib.PRIORITY_DEFAULT)

    def power_on_failed(self, name='hci0'):
        """bluetoothd's own power-on of the controller failed in the kernel (AutoEnable
        at probe, an rfkill unblock's restore, someone's Set(Powered)): nothing
        changes, except that before 5.66 (failed_power_stays_pending) the pending
        Powered bit stays set, so every later Set(Powered) gets the version's
        "pending" answer until Powered changes (adapter.c set_mode_complete /
        property_set_mode_complete return before clearing it)."""
        adapter = self.adapters[name]
        if self.profile.failed_power_stays_pending:
            adapter.power_stuck = True
        self.trace('%s: a power-on failed%s' % (name, ' (Powered stays pending)' if adapter.power_stuck else ''))

    def add_advertising_manager(self, name='hci0'):
        """LEAdvertisingManager1 appears on an adapter (bluetoothd registers it once
        the kernel answered MGMT_OP_READ_ADV_FEATURES)."""
        adapter = self.adapters[name]
        assert adapter.exported and not adapter.has_advertising_manager
        adapter.has_advertising_manager = True
        self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesAdded', 'oa{sa{sv}}',
                   dbus.ObjectPath(adapter.path), {IFACE_ADV_MANAGER: self._adv_manager_props(adapter)})
        self.trace('%s: LEAdvertisingManager1 added' % name)

    def remove_adapter(self, name):
        """The controller goes away (unplugged, btvirt stopped), in the order the
        VM tier saw (bluez-calls.txt): PropertiesChanged {Class 0, Powered false,
        Discovering false, PowerState "on"} (when it was powered; no StopNotify was
        seen), the device objects removed (a connected one too, with no Connected
        false: adapter_remove -> device_remove unregisters it at once, and its
        pending Disconnect() calls are never answered), then for an adapter holding
        registrations a partial InterfacesRemoved [GattManager1, NetworkServer1,
        SimAccess1, Media1] (applications freed silently), InterfacesRemoved
        [LEAdvertisingManager1], Release to each advertisement (the reply isn't
        waited for), and InterfacesRemoved of Adapter1 and the rest. An adapter
        with no registrations goes in one InterfacesRemoved."""
        adapter = self.adapters.pop(name)
        self._drop_stale_instances(name)
        for adv in self.adverts:
            if adv.adapter == name:
                adv.kernel_kept = adv.hidden = False
        if adapter.exported:
            if adapter.powered:
                for adv in self._active_adverts(name):
                    adv.on_air = False
                adapter.powered = False
                self._emit_properties_changed(adapter.path, IFACE_ADAPTER, {
                    'Class': dbus.UInt32(0), 'Powered': dbus.Boolean(False),
                    'Discovering': dbus.Boolean(False), 'PowerState': dbus.String(adapter.power_state)})
            self._unexport_adapter(adapter, 'adapter-removed')
        adapter.exported = False
        self.trace('%s removed' % name)
        return adapter

    def _unexport_adapter(self, adapter, reason):
        """src/adapter.c adapter_remove() as the VM tier saw it."""
        name = adapter.name
        for device in list(adapter.devices.values()):
            self._unexport_device(adapter, device)
        apps = self._active_or_pending_apps(name)
        adverts = self._active_or_pending_adverts(name)
        for path in list(self.subscriptions):
            app = self._app_for_object(path)
            if app is None or app.adapter == name:
                self.subscriptions.discard(path)
        others = [IFACE_NETWORK_SERVER, IFACE_SIM_ACCESS] + ([IFACE_MEDIA] if adapter.has_media else [])
        last = [IFACE_PROPERTIES, IFACE_INTROSPECTABLE, IFACE_ADAPTER,
                IFACE_BATTERY_PROVIDER_MANAGER, IFACE_ADV_MONITOR_MANAGER]
        adv_manager = [IFACE_ADV_MANAGER] if adapter.has_advertising_manager else []
        for app in apps:
            self._end_app(app, reason)
            if app.state == 'pending':
                app.state = 'failed'
                app.msg = None
        if not apps and not adverts:
            self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesRemoved', 'oas', dbus.ObjectPath(adapter.path),
                       last[:3] + adv_manager + [IFACE_GATT_MANAGER] + others + last[3:])
        else:
            self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesRemoved', 'oas', dbus.ObjectPath(adapter.path),
                       [IFACE_GATT_MANAGER] + others)
            if adv_manager:
                self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesRemoved', 'oas',
                           dbus.ObjectPath(adapter.path), adv_manager)
            for adv in adverts:
                if adv.state == 'registered':
                    self._send_release(adv)
                adv.ended = reason
                adv.on_air = False
                if adv.state == 'pending':
                    adv.state = 'failed'
                    adv.msg = None
            self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesRemoved', 'oas', dbus.ObjectPath(adapter.path), last)
        adapter.has_media = False
        adapter.has_advertising_manager = False
        adapter.exported = False

    def _export_adapter(self, adapter, announce):
        adapter.exported = True
        adapter.has_media = True
        # adapter.c load_devices(): the bonded devices come back from storage, not connected.
        adapter.devices, adapter.stored_devices = adapter.stored_devices, {}
        adapter.has_advertising_manager = adapter.advertising_manager_mode == 'now'
        if announce:
            ifaces = self._adapter_interfaces(adapter)
            self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesAdded', 'oa{sa{sv}}',
                       dbus.ObjectPath(adapter.path), ifaces)
            self.trace('%s added (%s)' % (adapter.name, adapter.address))
            # adapter.c adapter_register (9399-9403): the default agent's IO
            # capability, which with AlwaysPairable=false makes it bondable.
            if self.default_agents and not self.always_pairable:
                self._set_pairable(adapter, True)
        if adapter.advertising_manager_mode == 'later':
            def add_later():
                self._timeouts.discard(source)
                if adapter.exported and not adapter.has_advertising_manager:
                    self.add_advertising_manager(adapter.name)
                return False
            source = GLib.timeout_add(5, add_later)
            self._timeouts.add(source)

    # ---------------------------------------------------------- queries for tests

    def active_app(self, adapter=None, owner=None):
        """The registered application (on adapter, if given), or None."""
        apps = [a for a in self.apps if a.active and (adapter is None or a.adapter == adapter)
                and (owner is None or a.owner == owner)]
        return apps[-1] if apps else None

    def active_advert(self, adapter=None, owner=None):
        advs = [a for a in self.adverts if a.active and (adapter is None or a.adapter == adapter)
                and (owner is None or a.owner == owner)]
        return advs[-1] if advs else None

    def on_air(self, adapter='hci0'):
        """True when the controller is sending an advertisement."""
        return any(a.on_air for a in self._active_adverts(adapter))

    def stale_on_air(self, adapter='hci0'):
        """The advertisements the kernel still sends for a bluetoothd that crashed
        (until bluetoothd starts again and resets the instances), on one adapter
        or, with None, on every one."""
        return [a for a in self.adverts
                if a.on_air and a.ended is not None and adapter in (None, a.adapter)]

    def gatt_tree(self, adapter='hci0'):
        app = self.active_app(adapter)
        return app.tree if app else None

    # ------------------------------------------------------------- central role

    def device_path(self, adapter='hci0', address=CENTRAL_ADDRESS):
        return '/org/bluez/%s/dev_%s' % (adapter, address.replace(':', '_'))

    # ------------------------------------------------------------------ centrals

    @staticmethod
    def _stored_device(device):
        """A bonded device as a new bluetoothd loads it: what is stored (address,
        name, alias, keys: Paired, Bonded, Trusted), nothing of the link."""
        loaded = Device(device.adapter, device.path, device.address, device.address_type, device.name,
                        device.paired, device.bonded, device.trusted)
        loaded.alias = device._alias
        return loaded

    def devices(self, adapter='hci0'):
        """The Device objects exported under the adapter, oldest first."""
        return list(self.adapters[adapter].devices.values())

    def _device(self, path):
        for adapter in self.adapters.values():
            if path in adapter.devices:
                return adapter.devices[path]
        raise KeyError('no device %s' % path)

    def connect_central(self, adapter='hci0', address=CENTRAL_ADDRESS, address_type='public', name=None,
                        order='in-added', paired=False, bonded=False, trusted=False):
        """A central connects to us; returns its device path (bluez-versions.md
        8.3). An unknown one becomes a new device (adapter.c btd_adapter_get_device;
        temporary unless bonded), announced by InterfacesAdded with Connected =
        true when bluetoothd handles MGMT Device Connected first (order='in-added':
        gdbus drops PropertiesChanged for an interface not yet published), or with
        Connected = false, then PropertiesChanged {Connected: true}, when the ATT
        accept comes first (order='added-then-connected'); which happens is kernel
        ordering. A known device (found by address, as adapter_find_device does,
        whatever its path) gets only PropertiesChanged {Connected: true}; the
        other arguments describe a new device and are ignored for it."""
        if order not in ('in-added', 'added-then-connected'):
            raise ValueError('order %r' % order)
        owner = self.adapters[adapter]
        assert owner.exported and owner.powered, 'no central can connect to %s now' % adapter
        device = next((d for d in owner.devices.values() if d.address == address), None)
        if device is None:
            device = Device(adapter, self.device_path(adapter, address), address, address_type, name,
                            paired, bonded, trusted)
            assert device.path not in owner.devices, '%s holds another address' % device.path
            owner.devices[device.path] = device
            device.connected = order == 'in-added'
            self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesAdded', 'oa{sa{sv}}', dbus.ObjectPath(device.path),
                       self._device_interfaces(device))
        else:
            assert not device.connected, '%r is connected already' % device
        if not device.connected:
            device.connected = True
            self._emit_properties_changed(device.path, IFACE_DEVICE, {'Connected': dbus.Boolean(True)})
        self.trace('%r: central connected' % device)
        return device.path

    def disconnect_central(self, path, reason='remote'):
        """The link to a connected device goes down; reason is a DISCONNECT_REASONS
        key ('remote': the central left). See _device_disconnected."""
        device = self._device(path)
        assert device.connected, '%r is not connected' % device
        self._device_disconnected(device, reason)

    def _device_disconnected(self, device, reason):
        """device.c device_remove_connection() for the device's only bearer: the
        disconnect timer stops; a paired but not bonded device is unpaired
        (Paired false); from 5.83 Disconnected(name, message) (device_disconnected);
        then Connected false. gdbus sends pending PropertiesChanged before any
        other message, so Paired and Connected share one signal unless
        Disconnected goes between them. The queued Disconnect() calls are answered
        before all of it until 5.78, after Connected false from 5.79
        (profile.disconnect_reply_last). The device stays: a temporary one until
        expire_device(), a bonded one for good. Before all that, its ATT bearer
        goes (_att_disconnected: CCC states, StopNotify, fds)."""
        name, message = DISCONNECT_REASONS[reason]
        self._att_disconnected(device)
        self._stop_disconnect_timer(device)
        device.connected = False
        replies, device.disconnects = device.disconnects, []
        if not self.profile.disconnect_reply_last:
            self._answer_disconnects(device, replies)
            replies = []
        changed = {}
        if device.paired and not device.bonded:
            device.paired = False
            changed['Paired'] = dbus.Boolean(False)
        if self.profile.disconnected_signal:
            if changed:
                self._emit_properties_changed(device.path, IFACE_DEVICE, changed)
                changed = {}
            self._emit(IFACE_DEVICE, device.path, 'Disconnected', 'ss', name, message)
        changed['Connected'] = dbus.Boolean(False)
        self._emit_properties_changed(device.path, IFACE_DEVICE, changed)
        self._answer_disconnects(device, replies)
        self.trace('%r: disconnected (%s)' % (device, reason))
        # adapter.c adapter_remove_connection: device_cancel_authentication
        # (Cancel to an agent with a call pending), then the device goes if a
        # RemoveDevice was among the calls answered.
        self._cancel_pairing(device.path, 'canceled-disconnect')
        if device.remove_requested:
            adapter = self.adapters.get(device.adapter)
            if adapter is not None and adapter.devices.get(device.path) is device:
                self._unexport_device(adapter, device)

    def _answer_disconnects(self, device, calls):
        for msg in calls:
            self._reply(msg)
            if msg.get_member() == 'RemoveDevice':
                # device_remove_connection: "remove device only if both bearers
                # are disconnected" (the caller of RemoveDevice waits for that).
                device.remove_requested = True
                self.sent.append(('reply', 'Adapter1.RemoveDevice', device.path))
            else:
                self.sent.append(('reply', 'Device1.Disconnect', device.path))

    def _stop_disconnect_timer(self, device):
        if device.disconnect_timer is not None:
            GLib.source_remove(device.disconnect_timer)
            self._timeouts.discard(device.disconnect_timer)
            device.disconnect_timer = None

    def expire_device(self, path):
        """TemporaryTimeout (30 s by default, main.conf) ran out for a temporary
        device that is not connected: device.c device_disappeared removes it
        (InterfacesRemoved). A central reconnecting before that gets the same
        object back (connect_central)."""
        device = self._device(path)
        assert device.temporary and not device.connected, '%r does not expire' % device
        self._unexport_device(self.adapters[device.adapter], device)

    def remove_device(self, path):
        """The device is forgotten (adapter.c remove_device, Adapter1.RemoveDevice):
        a connected one is disconnected first (device_request_disconnect, reason
        Local; adapter_remove_connection removes it once the link is down), then
        InterfacesRemoved."""
        device = self._device(path)
        if device.connected:
            self._device_disconnected(device, 'local')
        adapter = self.adapters[device.adapter]
        if adapter.devices.get(device.path) is device:
            self._unexport_device(adapter, device)

    def _unexport_device(self, adapter, device):
        """device.c device_remove(): the object goes; Disconnect() calls still
        queued are never answered."""
        self._stop_disconnect_timer(device)
        device.disconnects = []
        self._cancel_pairing(device.path, 'canceled-disconnect')
        del adapter.devices[device.path]
        self._emit(IFACE_OBJECT_MANAGER, '/', 'InterfacesRemoved', 'oas', dbus.ObjectPath(device.path),
                   [IFACE_PROPERTIES, IFACE_INTROSPECTABLE, IFACE_DEVICE])
        self.trace('%r removed' % device)

    def set_device_property(self, path, name, value):
        """A Device1 property changes on the same object (name: 'Address',
        'AddressType', 'Name', 'Alias', 'Paired', 'Bonded', 'Trusted' or
        'Blocked'): PropertiesChanged {name: value} when the value changed and
        this version exports the property (Bonded: 5.65 on). A new Name changes
        Alias too unless one was set (device.c device_set_name emits both, in one
        signal). Bonded true makes the device persistent (device_set_bonded).
        Connected changes only through connect_central() / disconnect_central();
        a known Name is never forgotten."""
        if name not in DEVICE_ATTRIBUTES or (name == 'Name' and value is None):
            raise ValueError('cannot set %s to %r' % (name, value))
        device = self._device(path)
        before = self._device_props(device)
        setattr(device, DEVICE_ATTRIBUTES[name], value)
        if name == 'Bonded' and value:
            device.temporary = False
        after = self._device_props(device)
        names = (name, 'Alias') if name == 'Name' else (name,)
        changed = {n: after[n] for n in names if n in after and after[n] != before.get(n)}
        if changed:
            self._emit_properties_changed(path, IFACE_DEVICE, changed)

    def update_device_address(self, path, address, address_type='public'):
        """Pairing gave the central's identity address (adapter.c new_irk_callback
        -> device.c device_update_addr): Address and AddressType change on the
        same path, in one PropertiesChanged. (5.67 on, that also makes a
        temporary device persistent; the bonding that distributes the IRK does so
        on every version: set Bonded.)"""
        device = self._device(path)
        device.address, device.address_type = address, address_type
        props = self._device_props(device)
        self._emit_properties_changed(path, IFACE_DEVICE, {n: props[n] for n in ('Address', 'AddressType')})

    def _device_disconnect(self, msg):
        """device.c dev_disconnect -> device_request_disconnect (no role check: a
        central's link too). A connected device's call is queued and
        DISCONNECT_TIMER armed (a call while it runs joins the queue); when it
        fires, disconnect_all asks the kernel, and the link going down (reason
        Local) answers the queue (_device_disconnected). Not connected: success
        at once."""
        device = self._device(msg.get_path())
        self.disconnect_calls.append((msg.get_sender(), device.path))
        self.trace('Device1.Disconnect() on %s from %s' % (device.path, msg.get_sender()))
        fault = self._take_fault(self.disconnect_faults)
        if isinstance(fault, tuple):
            raise _Reject(fault[1], fault[2])
        if not device.connected:
            return ('',)
        device.disconnects.append(msg)
        if fault == 'no-reply':
            self.trace('%r: the kernel refused to disconnect (injected), no reply' % device)
        else:
            self._request_disconnect(device)
        return None

    def _request_disconnect(self, device):
        """device.c device_request_disconnect: arm DISCONNECT_TIMER (fake:
        disconnect_delay) unless it runs; when it fires the link goes down,
        reason Local."""
        if device.disconnect_timer is not None:
            return

        def disconnect_all():
            self._timeouts.discard(device.disconnect_timer)
            device.disconnect_timer = None
            if device.connected:
                self._device_disconnected(device, 'local')
            return False
        device.disconnect_timer = GLib.timeout_add(int(self.disconnect_delay * 1000), disconnect_all)
        self._timeouts.add(device.disconnect_timer)

    # ------------------------------------------------------------ pairing agents
    # src/agent.c (AgentManager1, Agent1 calls), src/device.c (new_auth,
    # device_confirm_passkey, device_request_passkey, device_notify_passkey,
    # device_bonding_complete) and src/adapter.c (adapter_set_io_capability,
    # Pairable), 5.87 line numbers unless said otherwise.

    def agents(self):
        """The registered agents, in registration order: [{'owner', 'path',
        'capability' (normalised), 'default'}]."""
        head = self.default_agents[0] if self.default_agents else None
        return [{'owner': a.owner, 'path': a.path, 'capability': a.capability, 'default': a is head}
                for a in self.agent_list.values()]

    def default_agent(self):
        """agents()' entry of the default agent, or None."""
        return next((a for a in self.agents() if a['default']), None)

    def _parse_io_capability(self, capability):
        """agent.c parse_io_capability (exact names), or on 5.87 shared/mgmt.c
        mgmt_parse_io_capability (a prefix of a name: the first such name);
        "" is KeyboardDisplay. None: invalid."""
        if capability == '':
            return 'KeyboardDisplay'
        if self.profile.io_cap_prefix_match:
            return next((name for name in IO_CAPABILITIES if name.startswith(capability)), None)
        return capability if capability in IO_CAPABILITIES else None

    def _agent_manager_call(self, msg, signature, member, capability=None):
        """gdbus checks the signature before agent.c sees the call: another one
        is answered UnknownMethod. Records the call (calls, agent_manager_calls)."""
        args = msg.get_args_list()
        path = str(args[0]) if args else ''
        self.calls.append(('AgentManager1.' + member, path, not msg.get_no_reply()))
        record = [member, msg.get_sender(), path, capability, 'ok']
        self.agent_manager_calls.append(record)
        if msg.get_signature() != signature:
            record[4] = DBUS_ERROR_UNKNOWN_METHOD
            raise _Reject(DBUS_ERROR_UNKNOWN_METHOD, 'Method "%s" with signature "%s" on interface "%s" '
                          'doesn\'t exist' % (member, msg.get_signature(), IFACE_AGENT_MANAGER))
        return record

    def _agent_error(self, record, name, text):
        record[4] = name
        self.trace('%s(%s) from %s: %s' % (record[0], record[2], record[1], name))
        raise _Reject(name, text)

    def _register_agent(self, msg, *args):
        """agent.c register_agent: AlreadyExists for a sender that has one (any
        path), InvalidArguments for an unknown capability; agent_create makes
        the first agent the default (pushing its IO capability to every
        adapter), later ones wait at the tail of default_agents. Nothing is
        called on the agent."""
        capability = str(args[1]) if len(args) > 1 else None
        record = self._agent_manager_call(msg, 'os', 'RegisterAgent', capability)
        sender = msg.get_sender()
        if sender in self.agent_list:
            self._agent_error(record, ERROR_ALREADY_EXISTS, 'Already Exists')
        cap = self._parse_io_capability(capability)
        if cap is None:
            self._agent_error(record, ERROR_INVALID_ARGS, 'Invalid arguments in method call')
        agent = Agent(sender, str(args[0]), cap)
        self.agent_list[sender] = agent
        self.trace('RegisterAgent(%s, %r) from %s: %s' % (agent.path, capability, sender, cap))
        if not self.default_agents:
            self._add_default_agent(agent)
        else:
            self.default_agents.append(agent)
        return ('',)

    def _registered_agent(self, msg, member):
        record = self._agent_manager_call(msg, 'o', member)
        agent = self.agent_list.get(msg.get_sender())
        if agent is None or agent.path != record[2]:
            self._agent_error(record, ERROR_DOES_NOT_EXIST, 'Does Not Exist')
        return agent

    def _unregister_agent(self, msg, *args):
        """agent.c unregister_agent -> agent_disconnect: no Release."""
        agent = self._registered_agent(msg, 'UnregisterAgent')
        self.trace('UnregisterAgent(%s) from %s' % (agent.path, agent.owner))
        self._agent_disconnect(agent)
        return ('',)

    def _request_default_agent(self, msg, *args):
        """agent.c request_default -> add_default_agent."""
        agent = self._registered_agent(msg, 'RequestDefaultAgent')
        self.trace('RequestDefaultAgent(%s) from %s' % (agent.path, agent.owner))
        self._add_default_agent(agent)
        return ('',)

    def _add_default_agent(self, agent):
        """agent.c add_default_agent: to the head of default_agents; when the
        head changed, set_io_cap on every adapter."""
        if self.default_agents and self.default_agents[0] is agent:
            return
        if agent in self.default_agents:
            self.default_agents.remove(agent)
        self.default_agents.insert(0, agent)
        self._set_io_cap(agent)

    def _agent_disconnect(self, agent):
        """agent.c agent_disconnect (UnregisterAgent, or the owner left the bus):
        out of default_agents (the next one becomes default), then destroyed
        with its watch already gone, so no Release. A call pending to it stays:
        its error reply (NoReply, when the owner left) rejects the pairing."""
        head = self.default_agents and self.default_agents[0] is agent
        if agent in self.default_agents:
            self.default_agents.remove(agent)
        if head:
            self._set_io_cap(self.default_agents[0] if self.default_agents else None)
        self.agent_list.pop(agent.owner, None)

    def _set_io_cap(self, agent):
        """agent.c set_io_cap -> adapter.c adapter_set_io_capability on every
        adapter: with AlwaysPairable=false, an agent turns bondable (Pairable)
        on and none left turns it off."""
        self.trace('default agent: %r' % agent)
        if self.always_pairable:
            return
        for adapter in self.adapters.values():
            if not adapter.exported:
                continue
            if adapter.bondable_off_timer is not None:
                # Set Bondable off still in flight: current_settings say bondable,
                # so the new default's "on" is skipped; then the "off" lands.
                self.trace('%s: bondable "on" skipped, its "off" in flight' % adapter.name)
                self._land_bondable_off(adapter)
            elif agent is None and self.slow_bondable_off and adapter.pairable:
                adapter.bondable_off_timer = GLib.timeout_add(int(self.OFF_LANDS_S * 1000),
                                                              lambda a=adapter: self._land_bondable_off(a))
                self._timeouts.add(adapter.bondable_off_timer)
            else:
                self._set_pairable(adapter, agent is not None)

    OFF_LANDS_S = 2.0

    def _land_bondable_off(self, adapter):
        GLib.source_remove(adapter.bondable_off_timer)
        self._timeouts.discard(adapter.bondable_off_timer)
        adapter.bondable_off_timer = None
        self._set_pairable(adapter, False)
        return False

    def _set_pairable(self, adapter, value):
        """The kernel's bondable flag changed (MGMT Set Bondable): adapter.c
        settings_changed emits Pairable and trigger_pairable_timeout (re)arms
        PairableTimeout while bondable."""
        if adapter.pairable == value:
            return
        adapter.pairable = value
        self._emit_properties_changed(adapter.path, IFACE_ADAPTER, {'Pairable': dbus.Boolean(value)})
        self.trace('%s: Pairable %s' % (adapter.name, value))
        self._trigger_pairable_timeout(adapter)

    def _trigger_pairable_timeout(self, adapter):
        """adapter.c trigger_pairable_timeout / pairable_timeout_handler."""
        if adapter.pairable_timer is not None:
            GLib.source_remove(adapter.pairable_timer)
            self._timeouts.discard(adapter.pairable_timer)
            adapter.pairable_timer = None
        if not adapter.pairable or not adapter.pairable_timeout:
            return

        def expired():
            self._timeouts.discard(adapter.pairable_timer)
            adapter.pairable_timer = None
            if adapter.exported:
                self._set_pairable(adapter, False)
            return False
        adapter.pairable_timer = GLib.timeout_add(int(adapter.pairable_timeout * 1000), expired)
        self._timeouts.add(adapter.pairable_timer)

    def release_agents(self):
        """Release() to every agent while bluetoothd stays: it sends it only as it
        exits (stop(clean=True)), where the name's loss follows at once; alone, it
        shows what an agent does with the Release itself."""
        self._release_agents()

    def _release_agents(self):
        """btd_agent_cleanup at a clean exit: agent_destroy with the watch still
        set -> agent_release: Cancel if a call is pending, then Release, both
        "no reply expected" (g_dbus_send_message)."""
        for agent in list(self.agent_list.values()):
            if agent.request is not None:
                self._cancel_pairing(agent.request.device, 'bluetoothd-stopped')
            self.releases.append((agent.owner, agent.path))
            self.trace('Release -> %s%s' % (agent.owner, agent.path))
            self._send_no_reply(agent.owner, agent.path, IFACE_AGENT, 'Release')
        self.agent_list.clear()
        self.default_agents = []

    def _forget_agents(self):
        """bluetoothd's process is gone: its agents, timers and pending calls too."""
        self.agent_list.clear()
        self.default_agents = []
        for pairing in self.pairings:
            if not pairing.done:
                pairing._call = None
                pairing._timer = None
                self._finish_pairing(pairing, 'bluetoothd-stopped')
        for adapter in self.adapters.values():
            adapter.pairable_timer = None

    def pair(self, device_path, central_io='KeyboardDisplay', secure_connections=True, bonding=True,
             central_passkey=None, agent_timeout=None, mitm=True):
        """The connected central at device_path starts an LE pairing (it is the
        SMP initiator, we respond); returns a Pairing at once, which the main
        loop moves on (wait for pairing.done).

        central_io: the central's IO capability (an IO_CAPABILITIES name);
        secure_connections: LE SC or legacy; bonding: the central's Bonding
        flag; mitm: its MITM flag (False: Just Works whatever the
        capabilities); central_passkey: what the central's user types when it
        enters a passkey (None: the number displayed); agent_timeout: seconds
        bluetoothd waits for the agent (REQUEST_TIMEOUT, 60).

        In order: not bondable (Pairable false) with bonding -> 'not-pairable'
        (the kernel answers Pairing Not Supported, no agent call); no default
        agent -> 'no-agent' (new_auth: -EPERM, negative reply); the default
        agent has a call pending -> 'rejected', error None (agent_has_request:
        -EBUSY). Then the method from the SMP tables (smp_method: the
        central's IO capability against the default agent's):
        - Just Works: RequestAuthorization(o device) (kernel 5.8 on); a device
          already paired is rejected without a call unless JustWorksRepairing
          (just_works_repairing) says 'confirm' (asks) or 'always';
        - numeric comparison: RequestConfirmation(o device, u passkey), random;
        - we display: DisplayPasskey(o device, u passkey, q 0), no reply
          expected; ok iff the central types the passkey (central_passkey);
        - we enter: RequestPasskey(o device) -> u; ok iff the answer is the
          central's random displayed passkey, or central_passkey when the
          central enters too (KeyboardOnly both sides).
        An error reply rejects ('rejected', error = its name); a wrong reply
        signature too, and is a protocol error. No reply in agent_timeout:
        'timeout', with Cancel() after RequestAuthorization and
        RequestConfirmation (simple_agent_reply) but not after RequestPasskey
        (passkey_reply sends none). The link going down while a call is
        pending (disconnect_central, Disconnect, RemoveDevice, power-off):
        Cancel() and 'canceled-disconnect'.

        Success: Bonded true (with bonding; a signal from 5.65) and the device
        persistent, then Paired true (the deferral of Paired's signal until
        bluetoothd's own service discovery ends is not modelled). Failure
        changes nothing, except that 5.87 (profile.auth_failure_disconnects)
        drops the link disconnect_delay later, reason Local."""
        if central_io not in IO_CAPABILITIES:
            raise ValueError('central_io %r' % central_io)
        device = self._device(device_path)
        if not device.connected:
            raise ValueError('%r is not connected' % device)
        if any(p.device == device.path and not p.done for p in self.pairings):
            raise ValueError('%r is pairing already' % device)
        agent = self.default_agents[0] if self.default_agents else None
        if agent is not None:
            local = smp_method(central_io, agent.capability, secure_connections, initiator=False, mitm=mitm)
            remote = smp_method(agent.capability, central_io, secure_connections, initiator=True, mitm=mitm)
            if local == 'enter' and remote == 'enter' and central_passkey is None:
                raise ValueError('both sides enter the passkey: give central_passkey')
        timeout = 60.0 if agent_timeout is None else agent_timeout
        pairing = Pairing(device.path, central_io, secure_connections, bonding, central_passkey, timeout, mitm)
        self.pairings.append(pairing)
        self.trace('%r: the central (%s, %s) pairs%s' % (device, central_io, 'SC' if secure_connections
                                                          else 'legacy', ' to bond' if bonding else ''))
        adapter = self.adapters[device.adapter]
        if bonding and not adapter.pairable:
            self._finish_pairing(pairing, 'not-pairable')
            return pairing
        if agent is None:
            self._finish_pairing(pairing, 'no-agent')
            return pairing
        pairing.agent = agent
        pairing.method = local
        if agent.request is not None:
            self._finish_pairing(pairing, 'rejected')
            return pairing
        path = dbus.ObjectPath(device.path)
        if local == 'just-works':
            # device.c device_confirm_passkey, confirm_hint 1 (JustWorksRepairing first).
            if device.paired and self.just_works_repairing != 'confirm':
                if self.just_works_repairing == 'always':
                    self._pairing_succeeded(pairing)
                else:
                    self._finish_pairing(pairing, 'rejected')
                return pairing
            self._agent_request(pairing, 'RequestAuthorization', 'o', [path])
        elif local == 'compare':
            pairing.passkey = random.randrange(1000000)
            self._agent_request(pairing, 'RequestConfirmation', 'ou', [path, dbus.UInt32(pairing.passkey)])
        elif local == 'display':
            pairing.passkey = random.randrange(1000000)
            pairing.calls.append(('DisplayPasskey', (device.path, pairing.passkey, 0)))
            self._send_no_reply(agent.owner, agent.path, IFACE_AGENT, 'DisplayPasskey', 'ouq',
                                [path, dbus.UInt32(pairing.passkey), dbus.UInt16(0)])

            def typed():
                self._timeouts.discard(pairing._timer)
                pairing._timer = None
                if not pairing.done:
                    entered = pairing.passkey if central_passkey is None else central_passkey
                    if entered == pairing.passkey:
                        self._pairing_succeeded(pairing)
                    else:
                        self._finish_pairing(pairing, 'wrong-passkey')
                return False
            pairing._timer = GLib.idle_add(typed)
            self._timeouts.add(pairing._timer)
        else:
            if remote != 'enter':
                pairing.passkey = random.randrange(1000000)
            self._agent_request(pairing, 'RequestPasskey', 'o', [path])
        return pairing

    def _agent_request(self, pairing, member, signature, args):
        """An Agent1 call with a reply expected, from the org.bluez connection,
        REQUEST_TIMEOUT (pairing.agent_timeout) measured by the fake."""
        agent = pairing.agent
        agent.request = pairing
        pairing._member = member
        pairing.calls.append((member, tuple(to_python(a) for a in args)))
        msg = dbus.lowlevel.MethodCallMessage(agent.owner, agent.path, IFACE_AGENT, member)
        msg.append(signature=signature, *args)
        self._record_call(IFACE_AGENT, member, agent.path, True)
        connection = self.conn

        def on_reply(reply):
            if self.conn is connection and pairing._call is not None:
                pairing._call = None
                self._agent_replied(pairing, reply)

        def timed_out():
            self._timeouts.discard(pairing._timer)
            pairing._timer = None
            if pairing._call is not None:
                call, pairing._call = pairing._call, None
                call.cancel()
                self.trace('%r: no reply to %s in %s s' % (pairing, member, pairing.agent_timeout))
                pairing.error = DBUS_ERROR_NO_REPLY
                # simple_agent_reply cancels on NoReply; passkey_reply does not.
                if member != 'RequestPasskey':
                    self._send_cancel(pairing)
                self._finish_pairing(pairing, 'timeout')
            return False
        pairing._call = self.conn.send_message_with_reply(msg, on_reply, pairing.agent_timeout + 30,
                                                          require_main_loop=True)
        self._pending_calls.append(pairing._call)
        pairing._timer = GLib.timeout_add(int(pairing.agent_timeout * 1000), timed_out)
        self._timeouts.add(pairing._timer)

    def _stop_pairing_timer(self, pairing):
        if pairing._timer is not None:
            GLib.source_remove(pairing._timer)
            self._timeouts.discard(pairing._timer)
            pairing._timer = None

    def _send_cancel(self, pairing):
        """agent.c send_cancel_request: Cancel(), no reply expected."""
        agent = pairing.agent
        pairing.calls.append(('Cancel', ()))
        self._send_no_reply(agent.owner, agent.path, IFACE_AGENT, 'Cancel')

    def _agent_replied(self, pairing, reply):
        """simple_agent_reply (RequestAuthorization, RequestConfirmation: any
        error rejects; a NoReply error, as when the agent's owner left the bus,
        also sends Cancel) and passkey_reply (RequestPasskey: a reply without a
        leading u is rejected, "Wrong passkey reply signature")."""
        self._stop_pairing_timer(pairing)
        member = pairing._member
        if isinstance(reply, dbus.lowlevel.ErrorMessage):
            pairing.error = reply.get_error_name()
            self.trace('%r: %s answered %s' % (pairing, member, pairing.error))
            if pairing.error == DBUS_ERROR_NO_REPLY and member != 'RequestPasskey':
                self._send_cancel(pairing)
            self._finish_pairing(pairing, 'rejected')
            return
        signature = reply.get_signature()
        if member != 'RequestPasskey':
            if signature != '':
                # libdbus's get_args(DBUS_TYPE_INVALID) ignores the values, so
                # bluetoothd accepts; the Agent1 contract says no values.
                self.protocol_error('%s replied with signature %r, expected none' % (member, signature))
            self._pairing_succeeded(pairing)
            return
        if not signature.startswith('u'):
            self.protocol_error('RequestPasskey replied with signature %r, expected "u"' % signature)
            pairing.error = DBUS_ERROR_INVALID_ARGS
            self._finish_pairing(pairing, 'rejected')
            return
        if signature != 'u':
            self.protocol_error('RequestPasskey replied with signature %r, expected "u"' % signature)
        pairing.answer = int(reply.get_args_list()[0])
        expected = pairing.central_passkey if pairing.passkey is None else pairing.passkey
        if pairing.answer == expected:
            self._pairing_succeeded(pairing)
        else:
            self._finish_pairing(pairing, 'wrong-passkey')

    def _cancel_pairing(self, device_path, failure):
        """device_cancel_authentication / agent_cancel: a call pending to the
        agent is dropped and Cancel() sent; a pairing with none ends too."""
        for pairing in self.pairings:
            if pairing.device != device_path or pairing.done:
                continue
            self._stop_pairing_timer(pairing)
            if pairing._call is not None:
                call, pairing._call = pairing._call, None
                call.cancel()
                self._send_cancel(pairing)
            self._finish_pairing(pairing, failure)

    def _finish_pairing(self, pairing, failure):
        """The pairing failed: nothing changes (the kernel drops the keys of an
        incomplete pairing; no D-Bus signal for an incoming failure), except
        that 5.87 disconnects the link after an authentication failure."""
        if pairing.agent is not None and pairing.agent.request is pairing:
            pairing.agent.request = None
        pairing.done = True
        pairing.failure = failure
        self.trace('%r: failed (%s%s)' % (pairing, failure, ', ' + pairing.error if pairing.error else ''))
        if self.profile.auth_failure_disconnects and failure not in ('canceled-disconnect', 'bluetoothd-stopped'):
            try:
                device = self._device(pairing.device)
            except KeyError:
                return
            if device.connected:
                self._request_disconnect(device)

    def _pairing_succeeded(self, pairing):
        """MGMT New LTK (store_hint with bonding): device_set_bonded -> Bonded
        true and the device persistent; then bonding_complete ->
        device_set_paired -> Paired true."""
        if pairing.agent is not None and pairing.agent.request is pairing:
            pairing.agent.request = None
        pairing.done = True
        pairing.ok = True
        if pairing.bonding:
            self.set_device_property(pairing.device, 'Bonded', True)
        self.set_device_property(pairing.device, 'Paired', True)
        self.trace('%r: paired' % pairing)

    def _remove_device_call(self, msg, *args):
        """adapter.c remove_device: DoesNotExist for a path that is no device of
        this adapter, NotReady while powered off (in that order); the device is
        made temporary; not connected: removed, then the reply; connected:
        device_request_disconnect(device, msg) queues the call with the
        Disconnect() calls, answered when the link goes down, and the device
        (its bond with it) removed after that (adapter_remove_connection)."""
        adapter = self._adapter_at(msg.get_path())
        path = str(args[0]) if args else ''
        self.calls.append(('Adapter1.RemoveDevice', path, not msg.get_no_reply()))
        if msg.get_signature() != 'o':
            raise _Reject(DBUS_ERROR_UNKNOWN_METHOD, 'Method "RemoveDevice" with signature "%s" on interface '
                          '"%s" doesn\'t exist' % (msg.get_signature(), IFACE_ADAPTER))
        self.trace('RemoveDevice(%s) on %s from %s' % (path, adapter.name, msg.get_sender()))
        device = adapter.devices.get(path)
        if device is None:
            raise _Reject(ERROR_DOES_NOT_EXIST, 'Does Not Exist')
        if not adapter.powered:
            raise _Reject(ERROR_NOT_READY, 'Resource Not Ready')
        device.temporary = True
        if not device.connected:
            self._unexport_device(adapter, device)
            return ('',)
        device.disconnects.append(msg)
        self._request_disconnect(device)
        return None

    def _central_target(self, path):
        app = self._app_for_object(path)
        if app is None:
            raise AssertionError('no registered application serves %s' % path)
        iface = IFACE_GATT_DESC if IFACE_GATT_DESC in app.tree.get(path, {}) else IFACE_GATT_CHRC
        return app, iface

    def _gatt_options(self, app, offset, mtu, device, link, prepare_authorize=False):
        # src/gatt-database.c append_options(): device, offset only when non-zero,
        # link when known, prepare-authorize when true, mtu.
        options = dbus.Dictionary(signature='sv')
        options['device'] = dbus.ObjectPath(device or self.device_path(app.adapter))
        self._set_att_mtu(app, str(options['device']), mtu)
        if offset:
            options['offset'] = dbus.UInt16(offset)
        if link:
            options['link'] = dbus.String(link)
        if prepare_authorize:
            options['prepare-authorize'] = dbus.Boolean(True)
        options['mtu'] = dbus.UInt16(mtu)
        return options

    def att_code(self, error, write):
        """The ATT error code this version's bluetoothd sends the central for the
        D-Bus error (a DBusCallError) an application answered ReadValue/WriteValue
        with: dbus_error_to_att_ecode() in src/gatt-database.c."""
        name, message = error.name, error.message
        if name == 'org.bluez.Error.Failed':
            if _version_tuple(self.profile.version) < (5, 66):
                return 0x80
            try:
                code = int(message, 0)
            except ValueError:
                return 0x80
            return code if 0x80 <= code <= 0x9f else 0x0e
        codes = {'org.bluez.Error.NotSupported': 0x06, 'org.bluez.Error.NotAuthorized': 0x08,
                 'org.bluez.Error.InvalidValueLength': 0x0d, 'org.bluez.Error.InvalidOffset': 0x07,
                 'org.bluez.Error.InProgress': 0xfe,
                 'org.bluez.Error.NotPermitted': 0x03 if write else 0x02}
        if name == 'org.bluez.Error.ImproperlyConfigured':
            return 0xfd if _version_tuple(self.profile.version) >= (5, 76) else 0x0e
        return codes.get(name, 0x0e)

    def begin_read_value(self, path, offset=0, mtu=185, device=None, link='LE'):
        """ReadValue sent without waiting for the reply; returns a PendingWrite-like
        object whose .value() gives the bytes (or raises DBusCallError) once .done."""
        app, iface = self._central_target(path)
        options = self._gatt_options(app, offset, mtu, self._central_device(app, device), link)
        pending = PendingRead(path)
        msg = dbus.lowlevel.MethodCallMessage(app.owner, path, iface, 'ReadValue')
        msg.append(options, signature='a{sv}')
        self._record_call(iface, 'ReadValue', path, True)

        def on_reply(reply):
            pending.reply = reply
        pending.call = self.conn.send_message_with_reply(msg, on_reply, 10.0, require_main_loop=True)
        return pending

    def read_value(self, path, offset=0, mtu=185, device=None, link='LE'):
        """ReadValue as bluetoothd sends it for an ATT read; returns bytes or raises DBusCallError."""
        app, iface = self._central_target(path)
        reply = self._call_app(app.owner, path, iface, 'ReadValue', 'a{sv}',
                               [self._gatt_options(app, offset, mtu, self._central_device(app, device), link)])
        if reply.get_signature() != 'ay':
            self.protocol_error('ReadValue on %s replied with signature %r, expected "ay"'
                                % (path, reply.get_signature()))
        args = reply.get_args_list(byte_arrays=True)
        return bytes(args[0]) if args else b''

    def _write_expects_reply(self, app, path):
        """src/gatt-database.c: a characteristic with write-without-response has no
        reply function for WriteValue (write requests included), so every
        WriteValue to it goes out with "no reply expected" (VM tier)."""
        chrc = app.tree.get(path, {}).get(IFACE_GATT_CHRC)
        return not (chrc and 'write-without-response' in chrc.get('Flags', ()))

    def _central_device(self, app, device):
        """The device a call names (the central talking to the application). Real
        bluetoothd exports it at connection, before any call can name it: a
        device of the application's adapter that is not connected yet connects
        here (connect_central), so a test need not connect its central first."""
        path = str(device or self.device_path(app.adapter))
        adapter = self.adapters.get(app.adapter)
        if adapter is not None and adapter.exported and path.startswith(adapter.path + '/dev_'):
            known = adapter.devices.get(path)
            if known is None:
                self.connect_central(app.adapter, path.rsplit('/dev_', 1)[1].replace('_', ':'))
            elif not known.connected:
                self.connect_central(app.adapter, known.address)
        return path

    def _sync_with(self, owner):
        """Peer.Ping round trip: gattd has handled everything sent before."""
        self._call_app(owner, '/', IFACE_PEER, 'Ping', '', [])

    def write_value(self, path, value, offset=0, mtu=185, device=None, link='LE', prepare_authorize=False):
        """WriteValue as bluetoothd sends it; returns None or raises DBusCallError.
        To a characteristic with write-without-response it expects no reply (the
        flag is set): the fake then waits for a Peer.Ping round trip instead, and
        an error gattd would have answered is never seen (check state instead)."""
        app, iface = self._central_target(path)
        options = self._gatt_options(app, offset, mtu, self._central_device(app, device), link,
                                     prepare_authorize)
        if not self._write_expects_reply(app, path):
            self._send_no_reply(app.owner, path, iface, 'WriteValue', 'aya{sv}',
                                [dbus.ByteArray(bytes(value)), options])
            self._sync_with(app.owner)
            return
        self._write_value_call(app, path, iface, value, options)

    def _write_value_call(self, app, path, iface, value, options):
        """WriteValue with a reply expected: None, or raises DBusCallError."""
        reply = self._call_app(app.owner, path, iface, 'WriteValue', 'aya{sv}',
                               [dbus.ByteArray(bytes(value)), options])
        if reply.get_signature() != '':
            self.protocol_error('WriteValue on %s replied with signature %r, expected none'
                                % (path, reply.get_signature()))

    def begin_write_value(self, path, value, offset=0, mtu=185, device=None, link='LE'):
        """WriteValue sent without waiting for the reply (several centrals, or one
        that pipelines write commands). Returns a PendingWrite; iterate the main
        context until .done, then .check() raises DBusCallError for an error reply
        (never for write-without-response characteristics: see PendingWrite)."""
        app, iface = self._central_target(path)
        options = self._gatt_options(app, offset, mtu, self._central_device(app, device), link)
        no_reply = not self._write_expects_reply(app, path)
        pending = PendingWrite(path, no_reply=no_reply)
        if no_reply:
            self._send_no_reply(app.owner, path, iface, 'WriteValue', 'aya{sv}',
                                [dbus.ByteArray(bytes(value)), options])
            msg = dbus.lowlevel.MethodCallMessage(app.owner, '/', IFACE_PEER, 'Ping')
        else:
            msg = dbus.lowlevel.MethodCallMessage(app.owner, path, iface, 'WriteValue')
            msg.append(dbus.ByteArray(bytes(value)), options, signature='aya{sv}')
            self._record_call(iface, 'WriteValue', path, True)

        def on_reply(reply):
            pending.reply = reply
            if not no_reply and not isinstance(reply, dbus.lowlevel.ErrorMessage) \
                    and reply.get_signature() != '':
                self.protocol_error('WriteValue on %s replied with signature %r, expected none'
                                    % (path, reply.get_signature()))
        pending.call = self.conn.send_message_with_reply(msg, on_reply, 10.0, require_main_loop=True)
        return pending

    def write_values(self, path, values, window=32, **options):
        """WriteValue for each of values, in order, with up to window calls in flight
        (a flood of writes without a round trip each; dbus-daemon limits the replies
        one connection may await, so not all at once). Raises DBusCallError for the
        first error reply."""
        values = list(values)
        context = GLib.MainContext.default()
        deadline = time.monotonic() + 10 + len(values) / 100
        in_flight = []
        for i, value in enumerate(values):
            in_flight.append(self.begin_write_value(path, value, **options))
            last = i == len(values) - 1
            while in_flight and (len(in_flight) >= window or last):
                if time.monotonic() > deadline:
                    raise AssertionError('no reply to WriteValue on %s' % path)
                context.iteration(True)
                for pending in [p for p in in_flight if p.done]:
                    in_flight.remove(pending)
                    pending.check()

    def start_notify(self, path):
        """StartNotify as bluetoothd sends it when a peer writes the CCC: "no reply
        expected" (VM tier), so an error is never seen; returns once gattd has
        handled it (Peer.Ping round trip)."""
        app, _ = self._central_target(path)
        self._central_device(app, None)
        self._send_no_reply(app.owner, path, IFACE_GATT_CHRC, 'StartNotify')
        self.subscriptions.add(path)
        self._sync_with(app.owner)

    def stop_notify(self, path):
        """StopNotify, "no reply expected" like StartNotify."""
        app, _ = self._central_target(path)
        self.subscriptions.discard(path)
        self._send_no_reply(app.owner, path, IFACE_GATT_CHRC, 'StopNotify')
        self._sync_with(app.owner)

    def confirm(self, path):
        """Confirm() as gatt-database.c conf_cb sends it when a peer confirms an
        indication: no device, "no reply expected" (g_dbus_proxy_method_call
        with no reply function, as for StartNotify), so an error is never seen;
        returns once gattd has handled it (Peer.Ping round trip)."""
        app, _ = self._central_target(path)
        self._send_no_reply(app.owner, path, IFACE_GATT_CHRC, 'Confirm')
        self._sync_with(app.owner)

    # ----------------------------------- CCC writes, AcquireNotify and AcquireWrite
    # bluez-versions.md 8.2: what gatt-database.c does when a peer writes a CCC or a
    # value of an application characteristic, on this version (BluezProfile).

    def subscribe(self, path, device=None, indicate=False, mtu=185):
        """A peer writes 0x0001 to the CCC of path, or 0x0002 with indicate
        (gatt_ccc_write_cb -> ccc_write_cb), as device (the default central
        unless named; connected first if need be) with an ATT MTU of mtu.
        Writing the value the device's CCC holds does nothing ("If value is
        identical, then just succeed"). Otherwise the value is stored (the
        peer's write succeeds before any reply), then: with NotifyAcquired,
        AcquireNotify unless a fd already serves the device (before 5.69:
        unless the characteristic's shared fd exists); without it, StartNotify
        (no reply expected). Raises AttError(0xfd) for an enable the
        characteristic's flags lack. Returns once gattd has handled what was
        sent (the AcquireNotify reply, or a Peer.Ping round trip)."""
        self._write_ccc(path, 2 if indicate else 1, device, mtu)

    def unsubscribe(self, path, device=None):
        """A peer writes 0x0000 to the CCC of path (ccc_write_cb's disable
        path): before 5.69 the count drops and at 0 the shared notify fd is
        closed, or StopNotify sent if there is none; from 5.69 the device's
        own fd is closed if it has one, else StopNotify when the count
        reaches 0. No StopNotify ever follows an AcquireNotify that gave a
        fd."""
        self._write_ccc(path, 0, device, None)

    def confirm_indication(self, path, device=None):
        """The device confirms the oldest indication of path it has not
        confirmed yet (waiting until there is one, e.g. a datagram not read
        yet). For an indication from PropertiesChanged: Confirm() (conf_cb,
        every version). For one read from a notify fd: Confirm() until 5.75,
        nothing on 5.76-5.79 (no profile here), from 5.80 one byte 0x01
        written on that fd once it is writable (sock_io_conf ->
        sock_io_write). Returns once the application has it."""
        app, _ = self._central_target(path)
        chrc = app.chrcs[path]
        device = self._central_device(app, device)
        waiting = chrc.indications.setdefault(device, [])
        self._iterate_until(lambda: waiting, 'an indication of %s to %s' % (path, device))
        confirmation, io = waiting.pop(0)
        if confirmation == 'dbus':
            self.confirm(path)
        elif confirmation == 'byte' and io.open:
            self._sock_io_conf(io)

    def write_command(self, path, value, device=None, mtu=185):
        """An ATT Write Command from device to path (chrc_write_cb), as
        write_request() describes; a Write Command has no response, so a write
        that never reaches the application is only recorded in lost_writes."""
        self._att_write(path, value, device, mtu, request=False)

    def write_request(self, path, value, device=None, mtu=185):
        """An ATT Write Request from device to path (chrc_write_cb). With a
        write fd for the device (before 5.69: the characteristic's), one
        sendmsg; without one, with WriteAcquired, AcquireWrite first, and the
        write answered only after its reply (acquire_write,
        acquire_write_reply); without WriteAcquired, write_value(). Returns
        None for success; raises DBusCallError for the application's error
        (att_code() gives the central's code): an AcquireWrite error mapping
        to another code than 0x0E, or the fallback WriteValue's error;
        raises AttError for what bluetoothd answers by itself: 0x0E when
        sendmsg fails, for a write queued behind an AcquireWrite error
        (5.60-5.75: for good), and for 5.55's fallback WriteValue, which is
        never answered."""
        self._att_write(path, value, device, mtu, request=True)

    def ccc_states(self, path):
        """{device path: the CCC value bluetoothd holds for it} of path.
        Unbonded devices' states go at their disconnect; bonded ones stay."""
        return dict(self._chrc(path).ccc)

    def notify_fds(self, path):
        """{device path: True while bluetoothd holds it open} for each notify
        fd an AcquireNotify gave for path since the application registered
        (the latest per device; before 5.69, the shared fd is under the device
        it was acquired for)."""
        return {io.device: io.open for io in self._chrc(path).fds if io.kind == 'notify'}

    def write_fds(self, path):
        """notify_fds() for the write fds AcquireWrite gave."""
        return {io.device: io.open for io in self._chrc(path).fds if io.kind == 'write'}

    def _chrc(self, path):
        """The ExternalChrc of path in the newest application that has it,
        registered or not."""
        for app in reversed(self.apps):
            if path in app.chrcs:
                return app.chrcs[path]
        raise KeyError('no application characteristic %s' % path)

    def _set_att_mtu(self, app, device, mtu):
        """A call names device with this mtu: that is its att->mtu now."""
        adapter = self.adapters.get(app.adapter)
        known = adapter.devices.get(device) if adapter is not None else None
        if known is not None:
            known.mtu = mtu

    def _iterate_until(self, condition, what, timeout=10.0):
        """Iterate the main context until condition() holds (the fake's own
        waits; a tick wakes it to look at the clock)."""
        context = GLib.MainContext.default()
        deadline = time.monotonic() + timeout
        tick = GLib.timeout_add(50, lambda: True)
        try:
            while not condition():
                if time.monotonic() > deadline:
                    raise AssertionError('timed out waiting for %s' % what)
                context.iteration(True)
        finally:
            GLib.source_remove(tick)

    def _write_ccc(self, path, value, device, mtu):
        """gatt_ccc_write_cb for a CCC write of value by device."""
        app, _ = self._central_target(path)
        chrc = app.chrcs.get(path)
        if chrc is None or not (chrc.notify or chrc.indicate):
            raise AssertionError('%s has no CCC' % path)
        device = self._central_device(app, device)
        if mtu is not None:
            self._set_att_mtu(app, device, mtu)
        if chrc.ccc.get(device, 0) == value:
            return
        if (value == 1 and not chrc.notify) or (value == 2 and not chrc.indicate):
            raise AttError(0xfd, 'CCC improperly configured')
        self.trace('%s writes 0x%04x to the CCC of %s' % (device, value, path))
        chrc.ccc[device] = value
        self._ccc_write_cb(app, chrc, value, device)
        if app.active:
            self._sync_with(app.owner)

    def _ccc_write_cb(self, app, chrc, value, device, leaving=False):
        """ccc_write_cb for a CCC that changed to value, as this version has it
        (chrc->ntfy_cnt counts enables, whichever the device). leaving:
        clear_ccc_state at an unbonded device's disconnect, which passes no
        op, so from 5.69 the disable path frees the head of notify_ios,
        whoever's it is, unless wrong_fd_bug is off (bluez#1452)."""
        per_device = self.profile.acquire_per_device
        if value:
            if any(not per_device or io.device == device for io in chrc.notify_ios):
                chrc.ntfy_cnt += 1
            elif 'NotifyAcquired' in chrc.acquired:
                self._acquire_notify(app, chrc, device)
            else:
                self._send_no_reply(app.owner, chrc.path, IFACE_GATT_CHRC, 'StartNotify')
                chrc.ntfy_cnt += 1
            return
        if not chrc.ntfy_cnt:
            return
        if per_device:
            any_fd = leaving and self.wrong_fd_bug
            io = next((io for io in chrc.notify_ios if any_fd or io.device == device), None)
            if io is not None:
                self._close_fd(chrc, io, 'the CCC of %s cleared' % device)
                chrc.ntfy_cnt -= 1
                return
        chrc.ntfy_cnt -= 1
        if chrc.ntfy_cnt:
            return
        if not per_device and chrc.notify_ios:
            self._close_fd(chrc, chrc.notify_ios[0], 'no subscriber left')
            return
        self._send_no_reply(app.owner, chrc.path, IFACE_GATT_CHRC, 'StopNotify')

    def _acquire_notify(self, app, chrc, device):
        """AcquireNotify (append_options: device, link, mtu) and
        acquire_notify_reply: a (h q) reply's fd is read from then on and
        counts as an enable; org.bluez.Error.Failed or NoReply: nothing at all,
        the device's CCC staying set; another error, or another reply:
        StartNotify (no reply expected), counted. A reply after the
        application was freed is dropped."""
        mtu = self._device(device).mtu
        options = self._gatt_options(app, 0, mtu, device, 'LE')
        try:
            reply = self._call_app(app.owner, chrc.path, IFACE_GATT_CHRC, 'AcquireNotify', 'a{sv}', [options])
        except DBusCallError as e:
            outcome = e.name
        else:
            outcome = 'invalid reply'
            if app.active and self._take_fd(chrc, reply, 'notify', device) is not None:
                outcome = 'ok'
        if not app.active:
            outcome = 'canceled'
        self.acquire_calls.append(('AcquireNotify', chrc.path, device, mtu, outcome))
        self.trace('AcquireNotify on %s for %s: %s' % (chrc.path, device, outcome))
        if outcome == 'ok':
            chrc.ntfy_cnt += 1
        elif outcome not in (DBUS_ERROR_NO_REPLY, ERROR_FAILED, 'canceled'):
            self._send_no_reply(app.owner, chrc.path, IFACE_GATT_CHRC, 'StartNotify')
            chrc.ntfy_cnt += 1

    def _att_write(self, path, value, device, mtu, request):
        """chrc_write_cb for a Write Command or Request of value by device."""
        app, _ = self._central_target(path)
        chrc = app.chrcs.get(path)
        if chrc is None:
            raise AssertionError('%s is no characteristic' % path)
        device = self._central_device(app, device)
        self._set_att_mtu(app, device, mtu)
        value = bytes(value)
        per_device = self.profile.acquire_per_device
        io = next((io for io in chrc.write_ios if not per_device or io.device == device), None)
        if io is not None:
            if not self._sock_io_send(io, value):
                self._lose_write(chrc, device, value, 'Unable to write', request)
        elif 'WriteAcquired' in chrc.acquired:
            self._acquire_write(app, chrc, device, value, mtu, request)
        else:
            self.write_value(path, value, mtu=mtu, device=device)

    def _acquire_write(self, app, chrc, device, value, mtu, request):
        """acquire_write and acquire_write_reply. From 5.60 the write joins
        chrc->pending_writes, and AcquireWrite (append_options: device, link,
        mtu) goes only when the queue was empty: behind a stuck op it waits
        for good. A (h q) reply: the fd is kept for the device (before 5.69:
        for every device) and the write sent through it. An error mapping to
        another ATT code than 0x0E answers the write with it (5.60-5.75: its
        op stays queued, stuck). One mapping to 0x0E, another reply, or a
        failed send: WriteValue, from 5.60 with a reply expected
        (flush_pending_writes), on 5.55 with none and the write never
        answered."""
        if self.profile.acquire_write_queue:
            acquiring = bool(chrc.pending_writes)
            chrc.pending_writes.append((device, value))
            if acquiring:
                self._lose_write(chrc, device, value, 'queued behind an AcquireWrite that failed', request)
                return
        options = self._gatt_options(app, 0, mtu, device, 'LE')
        error = io = None
        try:
            reply = self._call_app(app.owner, chrc.path, IFACE_GATT_CHRC, 'AcquireWrite', 'a{sv}', [options])
        except DBusCallError as e:
            error, outcome = e, e.name
        else:
            io = self._take_fd(chrc, reply, 'write', device) if app.active else None
            outcome = 'ok' if io is not None else 'invalid reply'
        if not app.active:
            outcome = 'canceled'
        self.acquire_calls.append(('AcquireWrite', chrc.path, device, mtu, outcome))
        self.trace('AcquireWrite on %s for %s: %s' % (chrc.path, device, outcome))
        if outcome == 'canceled':
            # chrc_free -> cancel_pending_write (5.60 on); 5.55 holds no queue to cancel.
            code = 0x06 if self.profile.acquire_write_queue else 0x0e
            self._lose_write(chrc, device, value, 'the application went', request, AttError(code, 'canceled'))
            return
        if io is not None and self._sock_io_send(io, value):
            chrc.pending_writes = []
            return
        if error is not None and self.att_code(error, write=True) != 0x0e:
            if not self.profile.acquire_write_stuck:
                chrc.pending_writes = []
            self._lose_write(chrc, device, value, 'AcquireWrite answered %s' % error.name, request, error)
            return
        chrc.pending_writes = []
        if self.profile.acquire_write_queue:
            try:
                self._write_value_call(app, chrc.path, IFACE_GATT_CHRC, value, options)
            except DBusCallError:
                if request:
                    raise
            return
        self._send_no_reply(app.owner, chrc.path, IFACE_GATT_CHRC, 'WriteValue', 'aya{sv}',
                            [dbus.ByteArray(value), options])
        self._sync_with(app.owner)
        if request:
            raise AttError(0x0e, 'WriteValue sent with no reply expected: the write is never answered')

    def _lose_write(self, chrc, device, value, reason, request, error=None):
        """A write the application never gets: recorded; a Write Request fails
        with error (AttError(0x0e) unless given)."""
        self.lost_writes.append((chrc.path, device, value, reason))
        self.trace('write of %s by %s lost: %s' % (chrc.path, device, reason))
        if request:
            raise error or AttError(0x0e, reason)

    def _take_fd(self, chrc, reply, kind, device):
        """dbus_message_get_args(UNIX_FD, UINT16) on an Acquire* reply (the mtu
        returned is only logged, extra arguments are ignored), then
        sock_io_new: the fd is used as it is (no O_NONBLOCK change) and
        watched for HUP; a notify fd is read too. Returns the AcquiredFd, or
        None for a reply that is not (h q). A protocol error: a fd that keeps
        no message boundaries, one left blocking (a full queue would block
        bluetoothd's main loop in sendmsg), and one that is no socket at all
        (sendmsg fails with ENOTSOCK), which the fake then treats as a bad
        reply."""
        what = '%s on %s' % ('AcquireNotify' if kind == 'notify' else 'AcquireWrite', chrc.path)
        if not reply.get_signature().startswith('hq'):
            self.protocol_error('%s replied with signature %r, expected "hq"' % (what, reply.get_signature()))
            return None
        fd = reply.get_args_list()[0].take()
        try:
            sock = socket.socket(fileno=fd)
        except OSError as e:
            os.close(fd)
            self.protocol_error('%s replied with a fd that is no socket (%s)' % (what, e))
            return None
        if sock.type not in (socket.SOCK_SEQPACKET, socket.SOCK_DGRAM):
            self.protocol_error('%s replied with a socket of type %s, which keeps no message boundaries'
                                % (what, sock.type.name))
        if not fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK:
            self.protocol_error('%s replied with a blocking socket: with its queue full, bluetoothd '
                                'blocks in sendmsg' % what)
        io = AcquiredFd(kind, chrc.path, device, sock)
        chrc.fds.append(io)
        (chrc.notify_ios if kind == 'notify' else chrc.write_ios).append(io)
        # io-glib: the disconnect watch at idle priority, so pending datagrams are read first.
        io.watches['hup'] = GLib.io_add_watch(fd, GLib.PRIORITY_DEFAULT_IDLE,
                                              GLib.IO_HUP | GLib.IO_ERR | GLib.IO_NVAL,
                                              lambda *_: self._sock_hup(chrc, io))
        if kind == 'notify':
            io.watches['read'] = GLib.io_add_watch(fd, GLib.PRIORITY_DEFAULT,
                                                   GLib.IO_IN | GLib.IO_ERR | GLib.IO_NVAL,
                                                   lambda _fd, condition: self._sock_io_read(chrc, io, condition))
        self.trace('%r taken' % io)
        return io

    def _sock_hup(self, chrc, io):
        """sock_hup: the application closed its end: bluetoothd forgets the fd.
        The CCC states and the count stay, so that device gets no
        AcquireNotify until its CCC changes; its next write acquires again."""
        del io.watches['hup']
        self._close_fd(chrc, io, 'HUP: the application closed its end')
        return False

    def _sock_io_read(self, chrc, io, condition):
        """sock_io_read: one read(fd, 512) per readable event (SEQPACKET cuts a
        longer datagram). A read of 0 bytes (an empty datagram, or the
        application closed its end) or an error returns false, and io-glib
        drops the read watch for good; ERR or NVAL drop it unread. The
        datagram goes to every device whose CCC is set (before 5.76,
        send_notification_to_devices) or to the fd's device only."""
        data = b''
        if not condition & (GLib.IO_ERR | GLib.IO_NVAL):
            try:
                data = io.sock.recv(512)
            except OSError as e:
                self.trace('%r: read failed: %s' % (io, e))
        if not data:
            del io.watches['read']
            self.trace('%r: read nothing, no longer read' % io)
            return False
        devices = [io.device] if self.profile.fd_notify_one_device else list(chrc.ccc)
        for device in devices:
            self._send_notification(chrc, device, data, io)
        return True

    def _sock_io_send(self, io, value):
        """sock_io_send: one sendmsg of the value, MSG_NOSIGNAL and no
        MSG_DONTWAIT. False when it fails ("Unable to write")."""
        try:
            io.sock.sendmsg([value], [], socket.MSG_NOSIGNAL)
        except OSError as e:
            self.trace('%r: Unable to write: %s' % (io, e))
            return False
        return True

    def _sock_io_conf(self, io):
        """sock_io_conf -> sock_io_write (5.80 on): one byte 0x01 on the notify
        fd once it is writable (io_send; an error is ignored)."""
        def write(*_):
            del io.watches['conf']
            try:
                os.write(io.sock.fileno(), b'\x01')
            except OSError as e:
                self.trace('%r: confirmation not written: %s' % (io, e))
            return False
        io.watches['conf'] = GLib.io_add_watch(io.sock.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_OUT, write)
        self._iterate_until(lambda: 'conf' not in io.watches, 'the confirmation byte on %r' % io)

    def _close_fd(self, chrc, io, why):
        """bluetoothd closes its end (io_destroy, io_shutdown, or its record
        freed); the application sees HUP."""
        for source in io.watches.values():
            GLib.source_remove(source)
        io.watches = {}
        io.open = False
        io.sock.close()
        (chrc.notify_ios if io.kind == 'notify' else chrc.write_ios).remove(io)
        self.trace('%r closed (%s)' % (io, why))

    def _send_notification(self, chrc, device, value, io=None):
        """send_notification_to_device: the value goes to device if its CCC is
        set and it is connected (a bonded one that is not gets nothing: only
        Service Changed is kept for later), cut to att->mtu - 3, as an
        indication if the CCC has 0x0002. io: the notify fd it was read from
        (fd_notifications), or None for PropertiesChanged
        (value_notifications). 5.55 skips notify-only subscribers of a
        characteristic with indicate."""
        ccc = chrc.ccc.get(device, 0)
        try:
            known = self._device(device)
        except KeyError:
            return
        if not ccc & 3 or not known.connected:
            return
        if self.profile.indications_only_on_indicate_chrcs and chrc.indicate and not ccc & 2:
            return
        kind = 'indicate' if ccc & 2 else 'notify'
        record = (device, chrc.path, bytes(value[:known.mtu - 3]), kind)
        (self.value_notifications if io is None else self.fd_notifications).append(record)
        if kind == 'indicate':
            confirmation = 'dbus' if io is None else self.profile.fd_confirmation
            chrc.indications.setdefault(device, []).append((confirmation, io))

    def _att_disconnected(self, device):
        """The device's ATT bearer goes down, before device.c reports the link
        gone: att_disconnected keeps a bonded device's CCC states and clears
        an unbonded one's (clear_ccc_state -> ccc_write_cb(NULL) for each CCC
        set); then, from 5.69, att_disconnect_cb shuts down each fd of the
        device (io_shutdown). Indications it did not confirm are dropped."""
        apps = [app for app in self.apps if app.active and app.adapter == device.adapter]
        for app in apps:
            for chrc in app.chrcs.values():
                chrc.indications.pop(device.path, None)
                if not device.bonded and chrc.ccc.pop(device.path, 0):
                    self._ccc_write_cb(app, chrc, 0, device.path, leaving=True)
        if self.profile.acquire_per_device:
            for app in apps:
                for chrc in app.chrcs.values():
                    for io in [io for io in chrc.notify_ios + chrc.write_ios if io.device == device.path]:
                        self._close_fd(chrc, io, '%s disconnected' % device.path)

    def _free_chrcs(self, app):
        """chrc_free for each characteristic of an application bluetoothd
        frees: every fd closed and the queued writes dropped; the CCC states
        go with the services (gatt_db_service_removed -> remove_device_ccc)."""
        for chrc in app.chrcs.values():
            for io in chrc.notify_ios + chrc.write_ios:
                self._close_fd(chrc, io, 'application freed')
            chrc.pending_writes = []
            chrc.ccc = {}
            chrc.indications = {}

    def get_app_property(self, path, iface, name):
        """Properties.Get on an application object, from org.bluez (as GDBusProxy would)."""
        app = self._app_for_object(path) or self.active_app()
        reply = self._call_app(app.owner, path, IFACE_PROPERTIES, 'Get', 'ss', [iface, name])
        return to_python(reply.get_args_list(byte_arrays=True)[0])

    def call_app(self, owner, path, iface, method, signature='', args=()):
        """Any call from the org.bluez connection; returns the reply message."""
        return self._call_app(owner, path, iface, method, signature, list(args))

    def _call_app(self, owner, path, iface, method, signature, args, wait=True, timeout=10.0):
        """Call gattd from the org.bluez connection. wait=False: fire and forget
        (the reply is only checked for errors, as g_dbus_proxy_method_call does)."""
        msg = dbus.lowlevel.MethodCallMessage(owner, path, iface, method)
        if signature:
            msg.append(signature=signature, *args)
        self._record_call(iface, method, path, True)
        result = {}

        def on_reply(reply):
            result['reply'] = reply

        if not wait:
            what = '%s.%s on %s' % (iface, method, path)

            def on_late_reply(reply):
                if isinstance(reply, dbus.lowlevel.ErrorMessage):
                    self.trace('%s -> error %s' % (what, reply.get_error_name()))
            self._pending_calls.append(self.conn.send_message_with_reply(msg, on_late_reply, timeout,
                                                                          require_main_loop=True))
            return None
        call = self.conn.send_message_with_reply(msg, on_reply, timeout, require_main_loop=True)
        context = GLib.MainContext.default()
        deadline = time.monotonic() + timeout + 1
        while 'reply' not in result:
            if time.monotonic() > deadline:
                call.cancel()
                raise AssertionError('no reply to %s.%s on %s' % (iface, method, path))
            context.iteration(True)
        # The pending call holds the connection: a DBusCallError kept with its
        # traceback (this frame) must not keep a closed one alive, whose pending
        # Disconnected dbus-python then fails to dispatch in a later test.
        del call
        reply = result['reply']
        if isinstance(reply, dbus.lowlevel.ErrorMessage):
            args = reply.get_args_list()
            raise DBusCallError(reply.get_error_name(), str(args[0]) if args else '')
        return reply

    # ------------------------------------------------------------ D-Bus plumbing

    def _emit(self, iface, path, member, signature, *args):
        if not self.running:
            return
        msg = dbus.lowlevel.SignalMessage(path, iface, member)
        msg.append(signature=signature, *args)
        if member in ('InterfacesAdded', 'InterfacesRemoved'):
            self.sent.append(('signal', member, str(args[0]), sorted(str(i) for i in args[1])))
        elif member == 'PropertiesChanged':
            self.sent.append(('signal', member, str(path), to_python(dbus.Dictionary(args[1], signature='sv'))))
        else:
            self.sent.append(('signal', member, str(path), tuple(to_python(a) for a in args)))
        self.conn.send_message(msg)

    def _emit_properties_changed(self, path, iface, changed, invalidated=()):
        self._emit(IFACE_PROPERTIES, path, 'PropertiesChanged', 'sa{sv}as',
                   iface, dbus.Dictionary(changed, signature='sv'), dbus.Array(invalidated, signature='s'))

    def _reply(self, msg, signature='', *args):
        reply = dbus.lowlevel.MethodReturnMessage(msg)
        if signature:
            reply.append(signature=signature, *args)
        self.conn.send_message(reply)

    def _reply_error(self, msg, name, text):
        self.conn.send_message(dbus.lowlevel.ErrorMessage(msg, name, text))

    def _on_message(self, conn, msg):
        if conn is not self.conn:
            return
        if msg.get_type() != dbus.lowlevel.MESSAGE_TYPE_METHOD_CALL:
            return
        path, iface, member = msg.get_path(), msg.get_interface(), msg.get_member()
        try:
            handler = self._find_handler(path, iface, member)
            result = handler(msg, *msg.get_args_list(byte_arrays=True))
            if result is not None:      # (signature, args...) for a direct reply
                self._reply(msg, *result)
        except _Reject as e:
            self._reply_error(msg, e.name, e.message)
        except TypeError as e:
            self._reply_error(msg, DBUS_ERROR_INVALID_ARGS, 'Invalid arguments: %s' % e)
        except Exception as e:      # a bug in the fake: make the test fail loudly
            import traceback
            self.protocol_error('fakebluez internal error handling %s.%s on %s: %s\n%s'
                                % (iface, member, path, e, traceback.format_exc()))
            self._reply_error(msg, 'org.freedesktop.DBus.Error.Failed', 'fakebluez internal error')

    def _find_handler(self, path, iface, member):
        objects = self._exported_objects()
        if path not in objects and path not in ('/', '/org'):
            raise _Reject(DBUS_ERROR_UNKNOWN_OBJECT, 'No such object %s' % path)
        if iface == IFACE_INTROSPECTABLE and member == 'Introspect':
            return lambda msg: ('s', self._introspect(path))
        ifaces = objects.get(path, {})
        if iface == IFACE_PROPERTIES and path in objects:
            handler = {'Get': self._props_get, 'GetAll': self._props_get_all,
                       'Set': self._props_set}.get(member)
            if handler:
                return handler
        if path == '/' and iface == IFACE_OBJECT_MANAGER and member == 'GetManagedObjects':
            return self._get_managed_objects
        if iface in ifaces or iface is None:
            handler = {
                (IFACE_GATT_MANAGER, 'RegisterApplication'): self._register_application,
                (IFACE_GATT_MANAGER, 'UnregisterApplication'): self._unregister_application,
                (IFACE_ADV_MANAGER, 'RegisterAdvertisement'): self._register_advertisement,
                (IFACE_ADV_MANAGER, 'UnregisterAdvertisement'): self._unregister_advertisement,
                (IFACE_DEVICE, 'Disconnect'): self._device_disconnect,
                (IFACE_ADAPTER, 'RemoveDevice'): self._remove_device_call,
                (IFACE_AGENT_MANAGER, 'RegisterAgent'): self._register_agent,
                (IFACE_AGENT_MANAGER, 'UnregisterAgent'): self._unregister_agent,
                (IFACE_AGENT_MANAGER, 'RequestDefaultAgent'): self._request_default_agent,
            }.get((iface, member))
            if handler:
                return handler
        raise _Reject(DBUS_ERROR_UNKNOWN_METHOD,
                      'Method "%s" with signature on interface "%s" doesn\'t exist' % (member, iface))

    def _adapter_props(self, adapter):
        props = dbus.Dictionary({
            'Address': dbus.String(adapter.address),
            'AddressType': dbus.String('public'),
            'Name': dbus.String('fakebluez'),
            'Alias': dbus.String('fakebluez'),
            'Class': dbus.UInt32(0),
            'Powered': dbus.Boolean(adapter.powered),
            'PowerState': dbus.String(adapter.power_state),
            'Discoverable': dbus.Boolean(adapter.discoverable),
            'DiscoverableTimeout': dbus.UInt32(180),
            'Pairable': dbus.Boolean(adapter.pairable),
            'PairableTimeout': dbus.UInt32(adapter.pairable_timeout),
            'Discovering': dbus.Boolean(False),
            'UUIDs': dbus.Array([uuid128(0x1800), uuid128(0x1801)], signature='s'),
            'Modalias': dbus.String('usb:v1D6Bp0246d0542'),
            'Roles': dbus.Array(['central', 'peripheral'], signature='s'),
        }, signature='sv')
        version = _version_tuple(self.profile.version)
        # PowerState from 5.66 (58021a665). (Its PropertiesChanged are sent on every
        # version here; gattd reads its presence only from the whole set.)
        if version < (5, 66):
            del props['PowerState']
        # adapter.c adapter_properties: Manufacturer and Version from 5.71 (the controller's
        # company id and HCI version), Connectable from 5.79. gattd tells the versions'
        # socket behaviour apart by them (tests/vm/bluez-versions.md 8.7).
        if version >= (5, 71):
            props['Manufacturer'] = dbus.UInt16(0x05f1)
            props['Version'] = dbus.Byte(0x0c)
        if version >= (5, 79):
            props['Connectable'] = dbus.Boolean(adapter.powered)
        return props

    def _adv_manager_props(self, adapter):
        active = len(self._active_or_pending_adverts(adapter.name))
        props = dbus.Dictionary({
            'ActiveInstances': dbus.Byte(active),
            'SupportedInstances': dbus.Byte(max(0, adapter.max_advertisements - active)),
            'SupportedIncludes': dbus.Array(['tx-power', 'appearance', 'local-name'], signature='s'),
        }, signature='sv')
        if adapter.secondary_channels:
            props['SupportedSecondaryChannels'] = dbus.Array(adapter.secondary_channels, signature='s')
        return props

    def _adapter_interfaces(self, adapter):
        ifaces = {
            IFACE_INTROSPECTABLE: dbus.Dictionary({}, signature='sv'),
            IFACE_ADAPTER: self._adapter_props(adapter),
            IFACE_PROPERTIES: dbus.Dictionary({}, signature='sv'),
            IFACE_GATT_MANAGER: dbus.Dictionary({}, signature='sv'),
            IFACE_NETWORK_SERVER: dbus.Dictionary({}, signature='sv'),
            IFACE_SIM_ACCESS: dbus.Dictionary({}, signature='sv'),
            IFACE_BATTERY_PROVIDER_MANAGER: dbus.Dictionary({}, signature='sv'),
            IFACE_ADV_MONITOR_MANAGER: dbus.Dictionary({
                'SupportedMonitorTypes': dbus.Array(['or_patterns'], signature='s'),
                'SupportedFeatures': dbus.Array([], signature='s')}, signature='sv'),
        }
        if adapter.has_media:
            ifaces[IFACE_MEDIA] = dbus.Dictionary({}, signature='sv')
        if adapter.has_advertising_manager:
            ifaces[IFACE_ADV_MANAGER] = self._adv_manager_props(adapter)
        return ifaces

    def _device_props(self, device):
        """device.c device_properties for a central that connected to us: Name only
        when known (dev_property_exists_name), Bonded from 5.65 on; the optional
        ones that come from scanning (RSSI, Class, ManufacturerData, ...) absent."""
        props = dbus.Dictionary({
            'Address': dbus.String(device.address), 'AddressType': dbus.String(device.address_type),
            'Alias': dbus.String(device.alias), 'Paired': dbus.Boolean(device.paired),
            'Trusted': dbus.Boolean(device.trusted), 'Blocked': dbus.Boolean(device.blocked),
            'LegacyPairing': dbus.Boolean(False), 'Connected': dbus.Boolean(device.connected),
            'UUIDs': dbus.Array([], signature='s'), 'Adapter': dbus.ObjectPath('/org/bluez/' + device.adapter),
            'ServicesResolved': dbus.Boolean(False)}, signature='sv')
        if device.name is not None:
            props['Name'] = dbus.String(device.name)
        if self.profile.device_bonded:
            props['Bonded'] = dbus.Boolean(device.bonded)
        return props

    def _device_interfaces(self, device):
        return {
            IFACE_INTROSPECTABLE: dbus.Dictionary({}, signature='sv'),
            IFACE_DEVICE: self._device_props(device),
            IFACE_PROPERTIES: dbus.Dictionary({}, signature='sv'),
        }

    def _exported_objects(self):
        objects = {
            '/org/bluez': {
                IFACE_INTROSPECTABLE: dbus.Dictionary({}, signature='sv'),
                IFACE_AGENT_MANAGER: dbus.Dictionary({}, signature='sv'),
                IFACE_PROFILE_MANAGER: dbus.Dictionary({}, signature='sv'),
            },
        }
        for adapter in self.adapters.values():
            if adapter.exported:
                objects[adapter.path] = self._adapter_interfaces(adapter)
                for device in adapter.devices.values():
                    objects[device.path] = self._device_interfaces(device)
        return objects

    def _introspect(self, path):
        objects = self._exported_objects()
        ifaces = objects.get(path, {})
        if path == '/':
            ifaces = {IFACE_OBJECT_MANAGER: {}, IFACE_INTROSPECTABLE: {}}
        children = set()
        prefix = path.rstrip('/') + '/'
        for p in objects:
            if p.startswith(prefix):
                children.add(p[len(prefix):].split('/')[0])
        xml = ['<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"',
               ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">', '<node>']
        for iface in sorted(ifaces):
            xml.append('  <interface name="%s"/>' % iface)
        for child in sorted(children):
            xml.append('  <node name="%s"/>' % child)
        xml.append('</node>')
        return '\n'.join(xml)

    def _get_managed_objects(self, msg):
        self.managed_objects_calls += 1
        objects = dbus.Dictionary({dbus.ObjectPath(p): dbus.Dictionary(i, signature='sa{sv}')
                                   for p, i in self._exported_objects().items()}, signature='oa{sa{sv}}')
        return ('a{oa{sa{sv}}}', objects)

    def _object_props(self, path, iface):
        ifaces = self._exported_objects().get(path, {})
        if iface not in ifaces:
            raise _Reject(DBUS_ERROR_INVALID_ARGS, 'No such interface \'%s\'' % iface)
        return ifaces[iface]

    def _props_get(self, msg, iface, name):
        props = self._object_props(msg.get_path(), iface)
        if name not in props:
            raise _Reject(DBUS_ERROR_INVALID_ARGS, 'No such property \'%s\'' % name)
        return ('v', props[name])

    def _props_get_all(self, msg, iface):
        return ('a{sv}', self._object_props(msg.get_path(), iface))

    def _props_set(self, msg, iface, name, value):
        path = msg.get_path()
        props = self._object_props(path, iface)
        if name not in props:
            raise _Reject(DBUS_ERROR_INVALID_ARGS, 'No such property \'%s\'' % name)
        if iface == IFACE_ADAPTER and name == 'Powered':
            if not isinstance(value, dbus.Boolean):
                raise _Reject(DBUS_ERROR_INVALID_ARGS, 'Invalid arguments in method call')
            adapter = next(a for a in self.adapters.values() if a.path == path)
            self.trace('%s sets %s Powered=%s' % (msg.get_sender(), adapter.name, bool(value)))
            self.power_sets.append((msg.get_sender(), adapter.name, bool(value)))
            return self._set_powered_property(adapter, bool(value))
        if iface == IFACE_ADAPTER and name in ('Pairable', 'PairableTimeout'):
            # gdbus checks the value's type; property_set_pairable (property_set_mode:
            # the same value succeeds with no signal) / property_set_pairable_timeout
            # (always PropertiesChanged, then trigger_pairable_timeout).
            if not isinstance(value, dbus.Boolean if name == 'Pairable' else dbus.UInt32):
                raise _Reject(DBUS_ERROR_INVALID_ARGS, 'Invalid arguments in method call')
            adapter = next(a for a in self.adapters.values() if a.path == path)
            self.trace('%s sets %s %s=%s' % (msg.get_sender(), adapter.name, name, value))
            self.pairable_sets.append((msg.get_sender(), adapter.name, name, to_python(value)))
            if name == 'Pairable':
                self._set_pairable(adapter, bool(value))
            else:
                adapter.pairable_timeout = int(value)
                self._emit_properties_changed(adapter.path, IFACE_ADAPTER, {'PairableTimeout': value})
                self._trigger_pairable_timeout(adapter)
            return ('',)
        raise _Reject(DBUS_ERROR_PROPERTY_READ_ONLY, 'Property \'%s\' is not writable' % name)

    def _set_powered_property(self, adapter, value):
        """adapter.c property_set_mode() and property_set_mode_complete(), as the
        profile has them."""
        if adapter.power_busy or adapter.power_stuck:
            if self.profile.power_pending == 'success':
                # 5.55: "enable == current || pending -> success", nothing sent.
                self.trace('%s: Powered pending: success, nothing done' % adapter.name)
                return ('',)
            raise _Reject(ERROR_BUSY, '')  # Busy comes with no message
        if value == adapter.powered:
            return ('',)
        if value and (adapter.blocked or adapter.power_fails):
            # MGMT_STATUS_RFKILLED -> Blocked, anything else -> Failed, with
            # mgmt_errstr()'s text. Before 5.66 the pending bit stays set.
            if self.profile.failed_power_stays_pending:
                adapter.power_stuck = True
            if adapter.blocked:
                raise _Reject(ERROR_BLOCKED, 'Blocked through rfkill')
            raise _Reject(ERROR_FAILED, 'Failed')
        self._set_powered(adapter, value, via='dbus')
        return ('',)

    # ------------------------------------------------------------ registrations

    def _adapter_at(self, path):
        for adapter in self.adapters.values():
            if adapter.path == path and adapter.exported:
                return adapter
        raise _Reject(DBUS_ERROR_UNKNOWN_OBJECT, 'No such object %s' % path)

    def _active_or_pending_apps(self, adapter=None):
        return [a for a in self.apps if a.ended is None and a.state in ('pending', 'registered')
                and (adapter is None or a.adapter == adapter)]

    def _active_adverts(self, adapter=None):
        return [a for a in self.adverts if a.active and (adapter is None or a.adapter == adapter)]

    def _active_or_pending_adverts(self, adapter=None):
        return [a for a in self.adverts if a.ended is None and a.state in ('pending', 'registered')
                and (adapter is None or a.adapter == adapter)]

    def _app_for_object(self, path):
        for app in reversed(self.apps):
            if app.active and path in app.tree:
                return app
        return None

    def _end_app(self, app, reason):
        """bluetoothd frees the application (app_free), whatever the reason:
        its characteristics go (_free_chrcs)."""
        app.ended = reason
        self._free_chrcs(app)
        self._free_ranges(app)

    def _free_ranges(self, app):
        """gatt_db_remove_service for each of the application's services: their handles
        are free again (for an explicit Handle; auto allocation never goes back)."""
        adapter = self.adapters.get(app.adapter)
        for r in app.ranges:
            if adapter is not None and r in adapter.ranges:
                adapter.ranges.remove(r)
        app.ranges = []

    def _take_fault(self, faults):
        return faults.pop(0) if faults else None

    def _register_application(self, msg, *args):
        sender = msg.get_sender()
        adapter = self._adapter_at(msg.get_path())
        if len(args) < 1 or not isinstance(args[0], dbus.ObjectPath):
            raise _Reject(ERROR_INVALID_ARGS, 'Invalid arguments in method call')
        path = str(args[0])
        self.trace('RegisterApplication(%s) from %s on %s' % (path, sender, adapter.name))
        if any(a.owner == sender and a.path == path for a in self._active_or_pending_apps(adapter.name)):
            self.register_app_calls.append((sender, path, adapter.name, 'AlreadyExists'))
            raise _Reject(ERROR_ALREADY_EXISTS, 'Already Exists')
        if len(args) < 2 or not isinstance(args[1], dbus.Dictionary):
            self.register_app_calls.append((sender, path, adapter.name, 'InvalidArguments'))
            raise _Reject(ERROR_INVALID_ARGS, 'Invalid arguments in method call')
        fault = self._take_fault(self.register_app_faults)
        if fault == 'fail':
            self.register_app_calls.append((sender, path, adapter.name, 'Failed (injected)'))
            raise _Reject(ERROR_FAILED, 'Failed to register application')
        app = AppRegistration(self._next_serial(), self.instance, sender, path, adapter.name)
        app.msg = msg
        app.answer_already_exists = fault == 'already-exists'
        self.apps.append(app)
        self.register_app_calls.append((sender, path, adapter.name,
                                        'AlreadyExists (injected)' if app.answer_already_exists else 'accepted'))
        if fault == 'no-reply':
            self.trace('%r: never replying (injected)' % app)
            return None
        delay = fault[1] if isinstance(fault, tuple) and fault[0] == 'delay' else 0
        # gdbus/client.c: the GDBusClient asks for the objects at exactly that path.
        self._call_async(sender, path, IFACE_OBJECT_MANAGER, 'GetManagedObjects', '', [],
                         lambda reply: self._app_objects_received(app, reply, delay))
        return None

    def _record_call(self, iface, method, path, reply_expected):
        self.calls.append(('%s.%s' % (iface.rsplit('.', 1)[-1], method), str(path), reply_expected))
        self.sent.append(('call',) + self.calls[-1])

    def calls_named(self, member):
        """The (path, reply_expected) of each call in calls of member: 'Iface.Method',
        or a bare method name for that method on any interface ('RegisterAgent')."""
        if '.' not in member:
            return [(p, r) for (m, p, r) in self.calls if m.rsplit('.', 1)[-1] == member]
        return [(p, r) for (m, p, r) in self.calls if m == member]

    def _send_no_reply(self, dest, path, iface, method, signature='', args=()):
        """A call with the "no reply expected" flag, as g_dbus_proxy_method_call
        sends it when bluetoothd passes no reply function."""
        msg = dbus.lowlevel.MethodCallMessage(dest, path, iface, method)
        if signature:
            msg.append(signature=signature, *args)
        msg.set_no_reply(True)
        self._record_call(iface, method, path, False)
        self.conn.send_message(msg)

    def _call_async(self, dest, path, iface, method, signature, args, on_reply, timeout=25.0):
        msg = dbus.lowlevel.MethodCallMessage(dest, path, iface, method)
        if signature:
            msg.append(signature=signature, *args)
        self._record_call(iface, method, path, True)
        connection = self.conn

        def handler(reply):
            if self.conn is connection:
                on_reply(reply)
        self._pending_calls.append(self.conn.send_message_with_reply(msg, handler, timeout,
                                                                      require_main_loop=True))

    def _finish_app(self, app, error=None):
        if app.ended is not None or app.msg is None or not self.running:
            return
        msg, app.msg = app.msg, None
        if error:
            app.state = 'failed'
            app.failure = error
            self.trace('%r rejected: %s' % (app, error))
            self._reply_error(msg, ERROR_FAILED, error)
        else:
            app.state = 'registered'
            self.trace('%r registered' % app)
            if app.answer_already_exists:
                self._reply_error(msg, ERROR_ALREADY_EXISTS, 'Already Exists')
            else:
                self._reply(msg)

    def _app_objects_received(self, app, reply, delay):
        if app.ended is not None:
            return
        if isinstance(reply, dbus.lowlevel.ErrorMessage):
            self.trace('GetManagedObjects on %s failed: %s' % (app.path, reply.get_error_name()))
            objects = {}
        elif reply.get_signature() != 'a{oa{sa{sv}}}':
            self.protocol_error('GetManagedObjects on %s replied with signature %r'
                                % (app.path, reply.get_signature()))
            objects = {}
        else:
            objects = reply.get_args_list(byte_arrays=True)[0]
        error, writes = self._validate_app(app, objects)
        if error is not None:
            # database_add_app's failure removes the services it inserted.
            self._free_ranges(app)
        if error is None:
            # database_add_*: write_handle() sends Set("Handle") without waiting,
            # then the reply goes out; the application gets the Sets first.
            for path, iface, handle in writes:
                self._write_handle(app, path, iface, handle)
        if delay:
            def later():
                self._timeouts.discard(source)
                self._finish_app(app, error)
                return False
            source = GLib.timeout_add(int(delay * 1000), later)
            self._timeouts.add(source)
        else:
            self._finish_app(app, error)

    def _write_handle(self, app, path, iface, handle):
        app.handle_writes[path] = handle

        def on_reply(reply):
            if isinstance(reply, dbus.lowlevel.ErrorMessage):
                self.protocol_error('Set(%s, "Handle", 0x%04x) on %s refused: %s %s'
                                    % (iface, handle, path, reply.get_error_name(),
                                       reply.get_args_list()))
        self._call_async(app.owner, path, IFACE_PROPERTIES, 'Set', 'ssv',
                         [iface, 'Handle', dbus.UInt16(handle)], on_reply)

    def _validate_app(self, app, objects):
        """src/gatt-database.c client_ready_cb + database_add_app. Returns
        (error message or None, [(path, iface, handle) to write back])."""
        if not objects:
            return 'No object received', []
        adapter = self.adapters.get(app.adapter)
        services, chrcs, descs = {}, {}, {}
        order = []
        for path, ifaces in objects.items():
            path = str(path)
            for iface, props in ifaces.items():
                if iface in (IFACE_GATT_SERVICE, IFACE_GATT_CHRC, IFACE_GATT_DESC, IFACE_GATT_PROFILE):
                    order.append((path, str(iface), props))
        # register_service, then register_characteristic, then register_descriptor.
        for path, iface, props in order:
            if iface == IFACE_GATT_SERVICE:
                if not path.startswith('/') or path in services:
                    return 'No valid service object found', []
                services[path] = {'props': props, 'chrcs': [], 'attr_cnt': 1}
        for path, iface, props in order:
            if iface != IFACE_GATT_CHRC:
                continue
            service_path = props.get('Service')
            if not isinstance(service_path, dbus.ObjectPath) or str(service_path) not in services:
                return 'No valid service object found', []
            flags = props.get('Flags')
            if not isinstance(flags, dbus.Array) or flags.signature != 's' or len(flags) == 0 \
                    or any(str(f) not in self.profile.chrc_flags for f in flags):
                return 'No valid service object found', []
            flags = [str(f) for f in flags]
            service = services[str(service_path)]
            service['attr_cnt'] += 2
            if NOTIFY_FLAGS.intersection(flags):
                service['attr_cnt'] += 1
            if EXT_PROP_FLAGS.intersection(flags):
                service['attr_cnt'] += 1
            chrcs[path] = {'props': props, 'flags': flags, 'service': str(service_path), 'descs': []}
            service['chrcs'].append(path)
        for path, iface, props in order:
            if iface != IFACE_GATT_DESC:
                continue
            chrc_path = props.get('Characteristic')
            if not isinstance(chrc_path, dbus.ObjectPath) or str(chrc_path) not in chrcs:
                return 'No valid service object found', []
            flags = props.get('Flags')
            if not isinstance(flags, dbus.Array) or flags.signature != 's' or len(flags) == 0 \
                    or any(str(f) not in DESC_FLAGS for f in flags):
                return 'No valid service object found', []
            chrc = chrcs[str(chrc_path)]
            services[chrc['service']]['attr_cnt'] += 1
            descs[path] = {'props': props, 'flags': [str(f) for f in flags], 'chrc': str(chrc_path)}
            chrc['descs'].append(path)
        if not services:
            return 'No valid service object found', []

        tree, handles, writes, external = {}, {}, [], {}
        for spath, service in services.items():
            props = service['props']
            uuid = self._parse_uuid(props.get('UUID'))
            if uuid is None or uuid in (UUID_GAP, UUID_GATT):
                return 'Failed to create entry in database', []
            primary = props.get('Primary')
            if not isinstance(primary, dbus.Boolean):
                return 'Failed to create entry in database', []
            includes = props.get('Includes', dbus.Array([], signature='o'))
            if not isinstance(includes, dbus.Array) or includes.signature != 'o':
                return 'Failed to create entry in database', []
            service['attr_cnt'] += len(includes)
            handle = props.get('Handle', dbus.UInt16(0))
            if not isinstance(handle, dbus.UInt16):
                return 'Failed to create entry in database', []
            start = self._place_service(adapter, int(handle), service['attr_cnt'])
            if start is None:
                return 'Failed to create entry in database', []
            app.ranges.append((start, start + service['attr_cnt'] - 1))
            if int(handle) == 0 and 'Handle' in props:
                writes.append((spath, IFACE_GATT_SERVICE, start))
            handles[spath] = start
            tree[spath] = {IFACE_GATT_SERVICE: dict(to_python(props), UUID=uuid)}
            next_handle = start + 1 + len(includes)
            for cpath in service['chrcs']:
                chrc = chrcs[cpath]
                cprops = chrc['props']
                value_handle = cprops.get('Handle', dbus.UInt16(0))
                if not isinstance(value_handle, dbus.UInt16):
                    return 'Failed to create entry in database', []
                cuuid = self._parse_uuid(cprops.get('UUID'))
                if cuuid is None:
                    return 'Failed to create entry in database', []
                if int(value_handle):
                    next_handle = int(value_handle) - 1
                assigned = next_handle + 1
                next_handle += 2
                if NOTIFY_FLAGS.intersection(chrc['flags']):
                    next_handle += 1            # the CCC bluetoothd adds
                if EXT_PROP_FLAGS.intersection(chrc['flags']):
                    next_handle += 1            # the CEP bluetoothd adds
                if int(value_handle) == 0 and 'Handle' in cprops:
                    writes.append((cpath, IFACE_GATT_CHRC, assigned))
                handles[cpath] = assigned
                tree[cpath] = {IFACE_GATT_CHRC: dict(to_python(cprops), UUID=cuuid)}
                external[cpath] = ExternalChrc(cpath, chrc['flags'], cprops)
                for dpath in chrc['descs']:
                    dprops = descs[dpath]['props']
                    dhandle = dprops.get('Handle', dbus.UInt16(0))
                    if not isinstance(dhandle, dbus.UInt16):
                        return 'Failed to create entry in database', []
                    duuid = self._parse_uuid(dprops.get('UUID'))
                    if duuid is None:
                        return 'Failed to create entry in database', []
                    if duuid in (UUID_CCC, UUID_CEP):
                        # Real bluetoothd inserts it as a second 0x2902/0x2900
                        # next to the one it made itself: a broken database for
                        # peers. The fake refuses it so tests catch it.
                        self.protocol_error('%s exports descriptor %s, which bluetoothd creates itself'
                                            % (dpath, duuid[4:8]))
                        return 'Failed to create entry in database', []
                    if int(dhandle):
                        next_handle = int(dhandle)
                    assigned = next_handle
                    next_handle += 1
                    if int(dhandle) == 0 and 'Handle' in dprops:
                        writes.append((dpath, IFACE_GATT_DESC, assigned))
                    handles[dpath] = assigned
                    tree[dpath] = {IFACE_GATT_DESC: dict(to_python(dprops), UUID=duuid)}
        app.tree = tree
        app.handles = handles
        app.chrcs = external
        return None, writes

    def _parse_uuid(self, value):
        if not isinstance(value, dbus.String) or isinstance(value, dbus.ObjectPath):
            return None
        return bt_string_to_uuid(value)

    def _place_service(self, adapter, handle, count):
        if adapter is None:
            return None
        start = handle or adapter.next_handle
        end = start + count - 1
        if end > 0xffff:
            return None
        for (s, e) in adapter.ranges:
            if start <= e and s <= end:
                return None
        adapter.ranges.append((start, end))
        adapter.next_handle = max(adapter.next_handle, end + 1)
        return start

    def _unregister_application(self, msg, *args):
        sender = msg.get_sender()
        adapter = self._adapter_at(msg.get_path())
        if len(args) < 1 or not isinstance(args[0], dbus.ObjectPath):
            raise _Reject(ERROR_INVALID_ARGS, 'Invalid arguments in method call')
        path = str(args[0])
        self.trace('UnregisterApplication(%s) from %s on %s' % (path, sender, adapter.name))
        for app in self._active_or_pending_apps(adapter.name):
            if app.owner == sender and app.path == path:
                self.unregister_app_calls.append((sender, path, adapter.name, 'ok'))
                if app.state == 'pending' and app.msg is not None:
                    # app_free() on a pending registration answers it.
                    self._reply_error(app.msg, ERROR_FAILED, 'Failed to register application')
                    app.msg = None
                    app.state = 'failed'
                self._end_app(app, 'unregistered')
                return ('',)
        self.unregister_app_calls.append((sender, path, adapter.name, 'DoesNotExist'))
        raise _Reject(ERROR_DOES_NOT_EXIST, 'Does Not Exist')

    def _register_advertisement(self, msg, *args):
        sender = msg.get_sender()
        adapter = self._adapter_at(msg.get_path())
        if len(args) < 1 or not isinstance(args[0], dbus.ObjectPath):
            raise _Reject(ERROR_INVALID_ARGS, 'Invalid arguments in method call')
        path = str(args[0])
        self.trace('RegisterAdvertisement(%s) from %s on %s' % (path, sender, adapter.name))
        if any(a.owner == sender and a.path == path for a in self._active_or_pending_adverts(adapter.name)):
            self.register_adv_calls.append((sender, path, adapter.name, 'AlreadyExists'))
            raise _Reject(ERROR_ALREADY_EXISTS, 'Already Exists')
        if len(args) < 2 or not isinstance(args[1], dbus.Dictionary):
            self.register_adv_calls.append((sender, path, adapter.name, 'InvalidArguments'))
            raise _Reject(ERROR_INVALID_ARGS, 'Invalid arguments in method call')
        if len(self._active_or_pending_adverts(adapter.name)) >= adapter.max_advertisements:
            self.register_adv_calls.append((sender, path, adapter.name, 'NotPermitted'))
            raise _Reject(ERROR_NOT_PERMITTED, 'Maximum advertisements reached')
        fault = self._take_fault(self.register_adv_faults)
        if fault == 'fail':
            self.register_adv_calls.append((sender, path, adapter.name, 'Failed (injected)'))
            raise _Reject(ERROR_FAILED, 'Failed to register advertisement')
        held = {a.slot for a in self.adverts
                if a.adapter == adapter.name and a.instance == self.instance and a.slot_held}
        slot = next(n for n in itertools.count(1) if n not in held)
        adv = AdvRegistration(self._next_serial(), self.instance, sender, path, adapter.name, slot)
        adv.msg = msg
        self.adverts.append(adv)
        self.register_adv_calls.append((sender, path, adapter.name, 'accepted'))
        if fault == 'no-reply':
            return None
        delay = fault[1] if isinstance(fault, tuple) and fault[0] == 'delay' else 0

        # gdbus/client.c: GetManagedObjects at the path (an error is fine), then
        # GetAll of the proxy's interface; advertising.c parses that.
        def on_objects(_reply):
            self._call_async(sender, path, IFACE_PROPERTIES, 'GetAll', 's', [IFACE_ADVERTISEMENT],
                             lambda reply: self._adv_props_received(adv, reply, delay))
        self._call_async(sender, path, IFACE_OBJECT_MANAGER, 'GetManagedObjects', '', [], on_objects)
        return None

    def _adv_props_received(self, adv, reply, delay):
        if adv.ended is not None:
            return
        if isinstance(reply, dbus.lowlevel.ErrorMessage):
            # No proxy ever appears: bluetoothd would leave the call pending
            # until the caller goes away. Treat it as a protocol error.
            self.protocol_error('GetAll(LEAdvertisement1) on %s failed: %s'
                                % (adv.path, reply.get_error_name()))
            return
        if reply.get_signature() != 'a{sv}':
            self.protocol_error('GetAll(LEAdvertisement1) on %s replied with signature %r'
                                % (adv.path, reply.get_signature()))
            return
        props = reply.get_args_list(byte_arrays=True)[0]
        error = self._validate_advertisement(adv, props)
        adv.raw = dict(props)
        adv.props = to_python(props)
        parsed = self._parsed(adv.props)    # what parse_advertisement made of it: the controller gets this
        adapter = self.adapters.get(adv.adapter)
        if error is None and (adapter is None or not adapter.powered) and self.register_adv_while_off == 'fail':
            error = 'Failed to register advertisement'

        def finish():
            if adv.ended is not None or adv.msg is None or not self.running:
                return
            msg, adv.msg = adv.msg, None
            if error:
                adv.state = 'failed'
                adv.failure = error
                self._free_slot_later(adv)
                self.trace('%r rejected: %s' % (adv, error))
                self._reply_error(msg, ERROR_FAILED, error)
                return
            adv.state = 'registered'
            adv.air = parsed
            adv.on_air = bool(adapter and adapter.powered)
            adv.queued_while_off = not adv.on_air
            self.trace('%r registered' % adv)
            self._maybe_set_tx_power(adv, adapter)
            self._emit_instances_changed(adapter)
            self._reply(msg)

        if delay:
            def later():
                self._timeouts.discard(source)
                finish()
                return False
            source = GLib.timeout_add(int(delay * 1000), later)
            self._timeouts.add(source)
        else:
            finish()

    def _maybe_set_tx_power(self, adv, adapter):
        """advertising.c add_adv_params_callback() (5.64 on): the TX power the
        kernel's reply names (not 127) is written back with
        Properties.Set("TxPower", int16) on the advertisement, not waited for,
        whatever Includes says; an error (gattd answers UnknownProperty) is ignored
        and the registration stands (VM tier). adapter.kernel_tx_power says what
        the kernel replies; 5.55 never writes it back."""
        if not self.profile.tx_power_write_back or adapter is None:
            return
        tx_power = adapter.kernel_tx_power
        if tx_power == 'includes':
            # What the VM tier recorded (btvirt, 5.66): a Set of 0 with "tx-power" included.
            tx_power = 0 if 'tx-power' in (adv.props.get('Includes') or []) else None
        if tx_power is None or tx_power == 127:
            return
        record = [adv.path, 'sent']
        self.tx_power_sets.append(record)

        def on_reply(reply):
            record[1] = reply.get_error_name() if isinstance(reply, dbus.lowlevel.ErrorMessage) else 'ok'
            self.trace('Set(TxPower) on %s -> %s' % (adv.path, record[1]))
        self._call_async(adv.owner, adv.path, IFACE_PROPERTIES, 'Set', 'ssv',
                         [IFACE_ADVERTISEMENT, 'TxPower', dbus.Int16(tx_power)], on_reply)

    SCAN_RESPONSE_PROPS = ('ScanResponseServiceUUIDs', 'ScanResponseSolicitUUIDs', 'ScanResponseManufacturerData',
                           'ScanResponseServiceData', 'ScanResponseData')

    def _reads_scan_response(self):
        """advertising.c parsers: the ScanResponse* properties from 5.80 (ab6502473), marked
        experimental through 5.87 at least (read only by a bluetoothd run with -E; the raw
        ScanResponseData is not, but gattd does not send it)."""
        return _version_tuple(self.profile.version) >= (5, 80) and self.experimental

    def _parsed(self, props):
        """What parse_advertisement keeps of props: no ScanResponse* where it has no parser for them."""
        parsed = dict(props)
        if not self._reads_scan_response():
            for name in self.SCAN_RESPONSE_PROPS:
                parsed.pop(name, None)
        return parsed

    def _validate_advertisement(self, adv, props):
        """src/advertising.c parse_advertisement() and the data length check of
        refresh_*_adv(). Returns an error message or None."""
        failed = 'Failed to parse advertisement.'

        def typed(name, sig):
            value = props.get(name)
            if value is None:
                return None
            if dbus_signature_of(value) != sig:
                raise _Reject(ERROR_FAILED, '%s has signature %s, expected %s'
                              % (name, dbus_signature_of(value), sig))
            return value
        try:
            ad_type = typed('Type', 's')
            if ad_type is not None and str(ad_type) not in ('broadcast', 'peripheral'):
                return failed + ' (Type %r)' % str(ad_type)
            length = 0
            for name in ('ServiceUUIDs', 'SolicitUUIDs'):
                uuids = typed(name, 'as') or []
                sizes = {}
                for u in uuids:
                    normalized = bt_string_to_uuid(u)
                    if normalized is None:
                        return failed + ' (%s: %r)' % (name, str(u))
                    size = uuid_ad_size(normalized)
                    sizes[size] = sizes.get(size, 0) + 1
                length += sum(2 + size * n for size, n in sizes.items())
            manufacturer = props.get('ManufacturerData')
            if manufacturer is not None:
                if dbus_signature_of(manufacturer) != 'a{qv}':
                    return failed + ' (ManufacturerData signature)'
                for data in manufacturer.values():
                    if dbus_signature_of(data) != 'ay':
                        return failed + ' (ManufacturerData value signature)'
                    length += 4 + len(data)
            service_data = props.get('ServiceData')
            if service_data is not None:
                if dbus_signature_of(service_data) != 'a{sv}':
                    return failed + ' (ServiceData signature)'
                for uuid, data in service_data.items():
                    normalized = bt_string_to_uuid(uuid)
                    if normalized is None or dbus_signature_of(data) != 'ay':
                        return failed + ' (ServiceData entry)'
                    length += 2 + uuid_ad_size(normalized) + len(data)
            includes = [str(i) for i in (typed('Includes', 'as') or [])]
            local_name = typed('LocalName', 's')
            if local_name is not None and 'local-name' in includes:
                return failed + ' (LocalName with Includes local-name)'
            appearance = typed('Appearance', 'q')
            if appearance is not None and 'appearance' in includes:
                return failed + ' (Appearance with Includes appearance)'
            if (appearance is not None and int(appearance) != 0xffff) or 'appearance' in includes:
                length += 4
            if 'tx-power' in includes:
                length += 3
            typed('Duration', 'q')
            typed('Timeout', 'q')
            data = props.get('Data')
            if data is not None:
                if dbus_signature_of(data) != 'a{yv}':
                    return failed + ' (Data signature)'
                length += sum(2 + len(v) for v in data.values())
            discoverable = typed('Discoverable', 'b')
            discoverable_timeout = typed('DiscoverableTimeout', 'q')
            secondary = typed('SecondaryChannel', 's')
            # parse_secondary: a name of its table the controller supports (strcmp: case matters).
            if secondary is not None and (str(secondary) not in ('1M', '2M', 'Coded') or str(secondary) not in
                                          getattr(self.adapters.get(adv.adapter), 'secondary_channels', ())):
                return failed + ' (SecondaryChannel %r)' % str(secondary)
            intervals = self.profile.adv_intervals
            if intervals == 'always' or (intervals == 'experimental' and self.experimental):
                # parse_min_interval / parse_max_interval: ms / 0.625 into a uint32,
                # 0x20..0xFFFFFF; both start at 0 (client_create), and
                # parse_advertisement's "MinInterval must be less than MaxInterval"
                # compares them whether or not both were given.
                min_slots = max_slots = 0
                min_interval = typed('MinInterval', 'u')
                if min_interval is not None:
                    min_slots = int(int(min_interval) / 0.625)
                    if not 0x20 <= min_slots <= 0xffffff:
                        return failed + ' (MinInterval)'
                max_interval = typed('MaxInterval', 'u')
                if max_interval is not None:
                    max_slots = int(int(max_interval) / 0.625)
                    if not 0x20 <= max_slots <= 0xffffff:
                        return failed + ' (MaxInterval)'
                tx_power = typed('TxPower', 'n')
                if tx_power is not None and not -127 <= int(tx_power) <= 20:
                    return failed + ' (TxPower)'
                if min_slots > max_slots:
                    return failed + ' (MinInterval > MaxInterval)'
            is_broadcast = ad_type is None or str(ad_type) == 'broadcast'
            if discoverable is not None:
                if is_broadcast:
                    return failed + ' (broadcast cannot set flags)'
                length += 3
            elif not is_broadcast and self.adapters.get(adv.adapter) is not None \
                    and self.adapters[adv.adapter].discoverable:
                length += 3
            timeout = props.get('Timeout')
            if timeout is not None and discoverable_timeout is not None and int(timeout) \
                    and int(timeout) < int(discoverable_timeout):
                return failed + ' (DiscoverableTimeout > Timeout)'
        except _Reject as e:
            return failed + ' (%s)' % e.message
        adapter = self.adapters.get(adv.adapter)
        max_len = adapter.max_adv_len if adapter else LEGACY_MAX_ADV_LEN
        if length > max_len:
            return 'Failed to parse advertisement. (advertising data %d bytes > %d)' % (length, max_len)
        # generate_scan_rsp: the local name, then the scan response's own fields (bt_ad
        # max_scan_rsp_len: 31 on a legacy controller).
        if self._reads_scan_response():
            scan = len(str(props['LocalName'])) + 2 if props.get('LocalName') is not None else 0
            for company, data in (props.get('ScanResponseManufacturerData') or {}).items():
                scan += 4 + len(data)
            for uuid, data in (props.get('ScanResponseServiceData') or {}).items():
                scan += 2 + uuid_ad_size(bt_string_to_uuid(uuid)) + len(data)
            if scan > LEGACY_MAX_ADV_LEN:
                return 'Failed to parse advertisement. (scan response %d bytes > %d)' % (scan, LEGACY_MAX_ADV_LEN)
        return None

    def _unregister_advertisement(self, msg, *args):
        sender = msg.get_sender()
        adapter = self._adapter_at(msg.get_path())
        if len(args) < 1 or not isinstance(args[0], dbus.ObjectPath):
            raise _Reject(ERROR_INVALID_ARGS, 'Invalid arguments in method call')
        path = str(args[0])
        self.trace('UnregisterAdvertisement(%s) from %s on %s' % (path, sender, adapter.name))
        for adv in self._active_or_pending_adverts(adapter.name):
            if adv.owner == sender and adv.path == path:
                self.unregister_adv_calls.append((sender, path, adapter.name, 'ok'))
                if adv.state == 'pending' and adv.msg is not None:
                    self._reply_error(adv.msg, ERROR_FAILED, 'Failed to complete registration')
                    adv.msg = None
                    adv.state = 'failed'
                adv.ended = 'unregistered'
                adv.on_air = False
                self._emit_instances_changed(adapter)
                if self.unregister_adv_delays:
                    def answer():
                        self._timeouts.discard(source)
                        self._reply(msg)
                        self._free_slot_later(adv)
                        return False
                    source = GLib.timeout_add(int(self.unregister_adv_delays.pop(0) * 1000), answer)
                    self._timeouts.add(source)
                    return None
                self._free_slot_later(adv)
                return ('',)
        self.unregister_adv_calls.append((sender, path, adapter.name, 'DoesNotExist'))
        raise _Reject(ERROR_DOES_NOT_EXIST, 'Does Not Exist')

    def _emit_instances_changed(self, adapter):
        """advertising.c: PropertiesChanged of ActiveInstances and SupportedInstances."""
        self._emit_properties_changed(adapter.path, IFACE_ADV_MANAGER, {
            k: v for k, v in self._adv_manager_props(adapter).items()
            if k in ('ActiveInstances', 'SupportedInstances')})

    def _send_release(self, adv):
        """advertising.c client_release(): Release, reply not waited for."""
        record = [adv.owner, adv.path, 'sent']
        self.released.append(record)
        self.trace('Release -> %s%s' % (adv.owner, adv.path))

        def on_reply(reply):
            if isinstance(reply, dbus.lowlevel.ErrorMessage):
                record[2] = reply.get_error_name()
                self.protocol_error('Release on %s answered %s' % (adv.path, reply.get_error_name()))
            else:
                record[2] = 'ok'
        self._call_async(adv.owner, adv.path, IFACE_ADVERTISEMENT, 'Release', '', [], on_reply)

    # ------------------------------------------------------------------ signals

    def _on_name_owner_changed(self, name, old, new):
        if not name.startswith(':') or new:
            return
        # A client left the bus: bluetoothd's GDBusClient disconnect watches
        # free its applications and advertisements (without Release), and
        # agent.c agent_disconnect drops its agent (without Release).
        agent = self.agent_list.get(name)
        if agent is not None:
            self.trace('%r dropped: owner left the bus' % agent)
            self._agent_disconnect(agent)
        for app in self._active_or_pending_apps():
            if app.owner == name:
                self._end_app(app, 'disconnected')
                if app.state == 'pending':
                    app.state = 'failed'
                    app.msg = None
                self.trace('%r freed: owner left the bus' % app)
        for adv in self._active_or_pending_adverts():
            if adv.owner == name:
                adv.ended = 'disconnected'
                adv.on_air = False
                self._free_slot_later(adv)
                if adv.state == 'pending':
                    adv.state = 'failed'
                    adv.msg = None
                self.trace('%r freed: owner left the bus' % adv)

    def _advertisement_changed(self, sender, path, changed, invalidated):
        """advertising.c properties_changed (5.47 on, every version): gdbus updates the
        proxy's cache, and only once the advertisement is registered (the watch is set
        in add_adv_callback) each changed or invalidated property is parsed and the
        controller refreshed with the same instance, one refresh per property. A
        refresh that fails (data too long) is logged and leaves the registration."""
        for adv in self.adverts:
            if adv.owner != sender or adv.path != path or adv.ended is not None:
                continue
            for name, value in changed.items():
                adv.raw[str(name)] = value
            for name in invalidated:
                adv.raw.pop(str(name), None)
            adv.props = to_python(dbus.Dictionary(adv.raw, signature='sv'))
            if adv.state != 'registered':
                continue
            for name in [str(n) for n in changed] + [str(n) for n in invalidated]:
                error = self._validate_advertisement(adv, adv.raw)
                adv.refreshes.append((name, error))
                self.trace('%r refreshed for %s%s' % (adv, name, ': ' + error if error else ''))
                if error is None:
                    adv.air = self._parsed(adv.props)

    def _on_properties_changed(self, iface, changed, invalidated, sender=None, path=None):
        """An application's PropertiesChanged, as its GDBusProxy sees it
        (gdbus/client.c): changed names join the cache, invalidated ones leave
        it, which switches AcquireNotify / AcquireWrite on and off; a Value
        change or invalidation reaches every subscriber (property_changed_cb:
        an invalidated Value as an empty one; at most 512 bytes)."""
        if str(iface) == IFACE_ADVERTISEMENT:
            self.properties_changed.append((sender, str(path), str(iface), to_python(changed),
                                            [str(i) for i in invalidated]))
            self._advertisement_changed(sender, str(path), changed, invalidated)
            return
        owners = {a.owner for a in self.apps if a.active}
        if sender not in owners:
            return
        path = str(path)
        self.properties_changed.append((sender, path, str(iface), to_python(changed),
                                        [str(i) for i in invalidated]))
        if iface != IFACE_GATT_CHRC:
            return
        app = self._app_for_object(path)
        chrc = app.chrcs.get(path) if app is not None and app.owner == sender else None
        if chrc is not None:
            chrc.acquired |= ACQUIRED_PROPERTIES.intersection(str(name) for name in changed)
            chrc.acquired -= {str(name) for name in invalidated}
        if 'Value' in changed:
            value = to_python(changed['Value'])
        elif 'Value' in invalidated:
            value = b''
        else:
            return
        if path in self.subscriptions or (chrc is not None and any(chrc.ccc.values())):
            self.notifications.append((path, value))
        if chrc is not None and isinstance(value, bytes):
            for device in list(chrc.ccc):
                self._send_notification(chrc, device, value[:512])

    def notifying_changes(self, path):
        """The Notifying values gattd signalled for path, in order."""
        return [c['Notifying'] for (_, p, i, c, _) in self.properties_changed
                if p == path and i == IFACE_GATT_CHRC and 'Notifying' in c]
