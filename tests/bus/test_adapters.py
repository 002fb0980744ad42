# SPDX-License-Identifier: LGPL-2.1-or-later
"""Which adapter gattd uses, and what happens when adapters come and go."""

import unittest

from harness import ADVERTISEMENT_PATH, HCI0_ADDRESS, HCI1_ADDRESS, LABEL, GattdTestCase


class AdapterChoiceTest(GattdTestCase):

    def setUp(self):
        super().setUp()
        self.fake.add_adapter('hci1', HCI1_ADDRESS)

    def assert_only_on(self, adapter):
        self.sync_with_gattd()
        self.assertEqual(sorted({a.adapter for a in self.fake.apps if a.active}), [adapter])
        self.assertEqual(sorted({a.adapter for a in self.fake.adverts if a.active}), [adapter])

    def test_adapter_auto_picks_the_first_of_two_adapters(self):
        self.start_registered(on='hci0', adapter='auto')
        self.assert_only_on('hci0')

    def test_adapter_hci1_picks_hci1_of_two_adapters(self):
        self.start_registered(on='hci1', adapter='hci1')
        self.assert_only_on('hci1')

    def test_adapter_address_picks_the_adapter_with_that_address(self):
        self.start_registered(on='hci1', adapter=HCI1_ADDRESS)
        self.assert_only_on('hci1')

    def test_adapter_address_in_lower_case_picks_the_adapter_with_that_address(self):
        self.start_registered(on='hci1', adapter=HCI1_ADDRESS.lower())
        self.assert_only_on('hci1')

    def test_adapter_auto_stays_on_its_adapter_when_another_appears(self):
        self.fake.remove_adapter('hci1')
        self.start_registered(on='hci0', adapter='auto')
        self.fake.add_adapter('hci2', '00:AA:01:00:00:03')
        self.assert_only_on('hci0')


class AdapterRemovalTest(GattdTestCase):

    def remove_hci0_and_check_release(self):
        self.fake.remove_adapter('hci0')
        self.wait_until(lambda: [r[2] for r in self.fake.released] == ['ok'],
                        'gattd to answer Release on its advertisement')
        self.assertEqual(self.fake.released[0][1], ADVERTISEMENT_PATH)

    def check_follows_the_adapter_back_as_hci1(self, adapter):
        """With Adapter=adapter, hci0 goes away and comes back as hci1 (same address):
        gattd registers there again, the value it held kept."""
        self.start_registered(on='hci0', adapter=adapter)
        self.fake.write_value(LABEL, b'kept')
        self.remove_hci0_and_check_release()
        self.fake.add_adapter('hci1', HCI0_ADDRESS)
        self.wait_app_registered('hci1')
        self.wait_on_air('hci1')
        self.assertEqual(self.fake.read_value(LABEL), b'kept')

    def test_adapter_auto_registers_again_when_adapter_returns_as_hci1(self):
        self.check_follows_the_adapter_back_as_hci1('auto')

    def test_adapter_address_follows_the_adapter_to_a_new_name(self):
        self.check_follows_the_adapter_back_as_hci1(HCI0_ADDRESS)

    def test_adapter_address_ignores_an_adapter_with_another_address(self):
        self.start_registered(on='hci0', adapter=HCI0_ADDRESS)
        self.remove_hci0_and_check_release()
        self.fake.add_adapter('hci1', HCI1_ADDRESS)
        self.wait_until(lambda: self.fake.adapter('hci1').has_advertising_manager,
                        'hci1 to be fully added')
        self.fake.add_adapter('hci2', HCI0_ADDRESS)
        self.wait_app_registered('hci2')
        self.wait_on_air('hci2')
        self.assertEqual([a.adapter for a in self.fake.apps], ['hci0', 'hci2'])

    def test_adapter_removed_and_returned_under_same_name_is_registered_again(self):
        self.start_registered(on='hci0')
        self.remove_hci0_and_check_release()
        self.fake.add_adapter('hci0', HCI0_ADDRESS)
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')

    def test_adapter_returning_powered_off_gets_the_application_then_advertises_at_power_on(self):
        # AutoPowerOn=false: gattd leaves it off (test_auto_power.py has the default).
        self.start_registered(on='hci0', daemon={'AutoPowerOn': 'false'})
        self.remove_hci0_and_check_release()
        self.fake.add_adapter('hci1', HCI0_ADDRESS, powered=False)
        self.wait_app_registered('hci1')
        self.sync_with_gattd()
        self.assertFalse(self.fake.on_air('hci1'))
        self.fake.set_powered('hci1', True)
        self.wait_on_air('hci1')


class AdvertisingManagerTest(GattdTestCase):

    def test_advertisement_is_registered_once_advertising_manager_appears(self):
        self.fake.adapter('hci0').advertising_manager_mode = False
        self.start_gattd()
        self.wait_app_registered('hci0')
        self.sync_with_gattd()
        self.assertEqual(self.fake.register_adv_calls, [])
        self.fake.add_advertising_manager('hci0')
        self.wait_on_air('hci0')

    # The real stack sometimes announces LEAdvertisingManager1 in a later
    # InterfacesAdded than Adapter1 and GattManager1 (VM tier, a controller
    # coming up powered off); the fake's default is one signal.
    def test_adapter_returning_with_a_late_advertising_manager_is_advertised(self):
        self.start_registered()
        self.fake.remove_adapter('hci0')
        self.fake.add_adapter('hci0', HCI0_ADDRESS, advertising_manager='later')
        self.wait_app_registered('hci0')
        self.wait_on_air('hci0')


if __name__ == '__main__':
    unittest.main()
