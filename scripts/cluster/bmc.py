#!/usr/bin/python3
"""IPMI BMC emulator for one lab compute node (pyghmi's Bmc over UDP on 127.0.0.1).

Chassis power goes to scripts/cluster/node-power: off = the node's init (and with it
pacemaker-remoted and everything in its namespaces) is SIGKILLed and the simulated host dies;
on = a fresh node (new /run) boots and the simulated host revives without nova-compute.
The password is read from a file (never argv): usage  bmc.py NODE PORT PASSWORD_FILE
"""
import subprocess
import sys
import os

import pyghmi.ipmi.bmc as bmc

HERE = os.path.dirname(os.path.abspath(__file__))
POWER = os.path.join(HERE, 'node-power')


def power(action, node):
    # Bounded: a BMC that hangs would hang the fencer.
    done = subprocess.run([POWER, action, node], capture_output=True, text=True, timeout=60)
    sys.stdout.write(f'{action} {node}: rc {done.returncode} {done.stdout.strip()} {done.stderr.strip()}\n')
    sys.stdout.flush()
    return done


class NodeBmc(bmc.Bmc):
    def __init__(self, authdata, port, node):
        super().__init__(authdata, port=port, address='127.0.0.1')
        self.node = node

    def get_power_state(self):
        return 'on' if power('status', self.node).returncode == 0 else 'off'

    def power_off(self):
        power('off', self.node)

    def power_on(self):
        power('on', self.node)

    def power_cycle(self):
        power('off', self.node)
        power('on', self.node)

    def power_reset(self):
        self.power_cycle()

    def power_shutdown(self):
        power('off', self.node)

    def is_active(self):
        return self.get_power_state() == 'on'

    def cold_reset(self):
        pass


def main():
    node, port, password_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(password_file) as f:
        password = f.read().strip()
    NodeBmc({'admin': password}, port, node).listen()


if __name__ == '__main__':
    sys.exit(main())
