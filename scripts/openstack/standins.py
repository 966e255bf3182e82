#!/usr/bin/python3
"""The smallest Glance (v2) and Neutron stand-ins the lab needs, in one process.

Glance answers what Nova asks when it boots a server (GET /v2/images/{id}, GET
/v2/schemas/image) and what our agents ask (GET /v2/images with Glance's limit/marker
pagination and `next` link, tags on every image). Neutron answers every list with an empty
one: servers are booted with "networks": "none". Anything else is 404. Every call is logged
to stderr (the lab's log file) so tests can see what was asked.

Usage: standins.py GLANCE_PORT NEUTRON_PORT
"""
import json
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

CREATED = "2026-01-01T00:00:00Z"


def image(image_id, name, tags):
    return {
        "id": image_id,
        "name": name,
        "status": "active",
        "visibility": "public",
        "protected": False,
        "owner": None,
        "container_format": "bare",
        "disk_format": "raw",
        "size": 1024,
        "virtual_size": 1024,
        "min_ram": 0,
        "min_disk": 0,
        "checksum": None,
        "os_hidden": False,
        "tags": tags,
        "created_at": CREATED,
        "updated_at": CREATED,
        "self": "/v2/images/" + image_id,
        "file": "/v2/images/%s/file" % image_id,
        "schema": "/v2/schemas/image",
    }


# Fixed ids: scripts/openstack-up writes them into lab.json.
IMAGES = [
    image("11111111-2222-3333-4444-555555555555", "lab-evacuable", ["evacuable"]),
    image("66666666-7777-8888-9999-000000000000", "lab-plain", []),
]

# Loose on purpose: glanceclient validates images against this through warlock.
IMAGE_SCHEMA = {
    "name": "image",
    "properties": {key: {} for key in IMAGES[0]},
    "additionalProperties": {"type": "string"},
    "links": [],
}
IMAGE_SCHEMA["properties"]["tags"] = {"type": "array", "items": {"type": "string"}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    service = "?"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s %s\n" % (self.log_date_time_string(), self.service, fmt % args))
        sys.stderr.flush()

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self):
        self.reply(404, {"error": {"code": 404, "message": "not in the lab stand-in: %s" % self.path}})

    def do_POST(self):
        self.not_found()

    do_PUT = do_PATCH = do_DELETE = do_POST


class GlanceHandler(Handler):
    service = "glance"

    def do_GET(self):
        url = urlparse(self.path)
        path = url.path.rstrip("/")
        query = parse_qs(url.query)
        if path in ("", "/v2"):
            return self.reply(200, {"versions": [{"id": "v2.9", "status": "CURRENT", "links": [
                {"rel": "self", "href": "http://127.0.0.1:%d/v2/" % self.server.server_port}]}]})
        if path == "/v2/schemas/image":
            return self.reply(200, IMAGE_SCHEMA)
        if path == "/v2/images":
            return self.list_images(query)
        if path.startswith("/v2/images/"):
            wanted = path[len("/v2/images/"):]
            for item in IMAGES:
                if item["id"] == wanted:
                    return self.reply(200, item)
        return self.not_found()

    def list_images(self, query):
        items = IMAGES
        if "tag" in query:
            items = [i for i in items if all(t in i["tags"] for t in query["tag"])]
        marker = query.get("marker", [None])[0]
        if marker:
            ids = [i["id"] for i in items]
            if marker not in ids:
                return self.reply(400, {"error": {"code": 400, "message": "marker not found"}})
            items = items[ids.index(marker) + 1:]
        limit = int(query.get("limit", ["25"])[0])
        page = items[:limit]
        body = {"images": page, "first": "/v2/images", "schema": "/v2/schemas/images"}
        if len(items) > limit and page:
            body["next"] = "/v2/images?limit=%d&marker=%s" % (limit, page[-1]["id"])
        return self.reply(200, body)


class NeutronHandler(Handler):
    service = "neutron"

    def do_GET(self):
        path = urlparse(self.path).path.rstrip("/")
        if path == "":
            return self.reply(200, {"versions": [{"id": "v2.0", "status": "CURRENT"}]})
        if path.startswith("/v2.0/") and path.count("/") == 2:
            resource = path[len("/v2.0/"):]
            return self.reply(200, {resource: []})
        return self.not_found()


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    glance = Server(("127.0.0.1", int(sys.argv[1])), GlanceHandler)
    neutron = Server(("127.0.0.1", int(sys.argv[2])), NeutronHandler)
    threading.Thread(target=neutron.serve_forever, daemon=True).start()
    sys.stderr.write("glance stand-in on :%s, neutron stand-in on :%s\n" % (sys.argv[1], sys.argv[2]))
    sys.stderr.flush()
    glance.serve_forever()


if __name__ == "__main__":
    main()
