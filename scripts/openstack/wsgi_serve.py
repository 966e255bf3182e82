#!/usr/bin/python3
"""Serve a WSGI application on 127.0.0.1 with a threaded wsgiref server.

Usage: wsgi_serve.py PORT module:factory

The lab runs Keystone and Placement this way (no Apache, no uwsgi). Both factories build
their application from the config named by their OS_*_CONFIG_DIR environment. Not for Nova:
importing nova.api monkey-patches eventlet after threading is loaded and requests hang;
nova-api runs its own eventlet server (novacmd.py api_os_compute).
"""
import importlib
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadedServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def address_string(self):
        # No reverse DNS per request.
        return self.client_address[0]

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))


def main():
    port = int(sys.argv[1])
    target = sys.argv[2]
    module_name, _, factory_name = target.partition(":")
    # The factories parse sys.argv with oslo.config: leave them only the program name.
    sys.argv = sys.argv[:1]
    factory = getattr(importlib.import_module(module_name), factory_name)
    app = factory()
    server = make_server("127.0.0.1", port, app, server_class=ThreadedServer, handler_class=QuietHandler)
    sys.stderr.write("serving %s on 127.0.0.1:%d\n" % (target, port))
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
