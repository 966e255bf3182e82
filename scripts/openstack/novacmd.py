#!/usr/bin/python3
"""Run a Nova command: novacmd.py NAME ARGS... calls nova.cmd.NAME.main() as nova-NAME.

python3-nova ships the code but no /usr/bin/nova-* console scripts (those come with the
daemon packages, which the lab does not install). Importing nova.cmd monkey-patches eventlet
first, as the real console scripts do.
"""
import importlib
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: novacmd.py api_os_compute|conductor|scheduler|compute|manage ARGS...")
    name = sys.argv[1]
    sys.argv = ["nova-" + name.replace("_", "-")] + sys.argv[2:]
    module = importlib.import_module("nova.cmd." + name)
    sys.exit(module.main())


if __name__ == "__main__":
    main()
