#!/usr/bin/env python3
"""A tiny Docker volume plugin for the tests: serves the VolumeDriver
protocol on a unix socket; volume NAME's data is DATA_DIR/NAME.  Every
call is appended to LOG as "Method Name"."""
import json
import os
import socketserver
import sys
from http.server import BaseHTTPRequestHandler

SOCK, DATA, LOG = sys.argv[1], sys.argv[2], sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.docker.plugins.v1.2+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        req = json.loads(self.rfile.read(n) or b"{}")
        method = self.path.rsplit(".", 1)[-1]
        name = req.get("Name", "")
        with open(LOG, "a") as f:
            f.write(f"{method} {name}\n")
        path = os.path.join(DATA, name)
        if self.path == "/Plugin.Activate":
            return self.answer({"Implements": ["VolumeDriver"]})
        if method == "Create":
            if req.get("Opts", {}).get("fail"):
                return self.answer({"Err": "asked to fail"})
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, ".opts"), "w") as f:
                json.dump(req.get("Opts", {}), f)
            return self.answer({"Err": ""})
        if method in ("Mount", "Path"):
            return self.answer({"Mountpoint": path, "Err": ""})
        if method == "Unmount":
            return self.answer({"Err": ""})
        if method == "Remove":
            for root, dirs, files in os.walk(path, topdown=False):
                for x in files:
                    os.unlink(os.path.join(root, x))
                for x in dirs:
                    os.rmdir(os.path.join(root, x))
            if os.path.isdir(path):
                os.rmdir(path)
            return self.answer({"Err": ""})
        if method == "Get":
            return self.answer({"Volume": {"Name": name, "Mountpoint": path}, "Err": ""})
        if method == "List":
            return self.answer({"Volumes": [{"Name": v} for v in os.listdir(DATA)], "Err": ""})
        if method == "Capabilities":
            return self.answer({"Capabilities": {"Scope": "local"}})
        return self.answer({"Err": "unknown call " + self.path})


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCK):
    os.unlink(SOCK)
Server(SOCK, Handler).serve_forever()
