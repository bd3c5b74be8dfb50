"""A real server process for tests that need one (browser, fault and load tests), and a tiny HTTP session."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`flask run` (or gunicorn) on a free port against a given database file."""

    def __init__(self, db_path: Path, log_dir: Path, gunicorn_workers: int | None = None, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = db_path
        self.log_dir = log_dir
        self.gunicorn_workers = gunicorn_workers
        self.env = dict(
            os.environ,
            ASSETMAP_DATABASE=str(db_path),
            ASSETMAP_SECRET_KEY="live-server-" + "0123456789abcdef" * 3,
            **(env or {}),
        )
        self.proc = None
        self.start()

    def start(self):
        if self.gunicorn_workers:
            cmd = [
                os.path.join(os.path.dirname(sys.executable), "gunicorn"),
                "--workers",
                str(self.gunicorn_workers),
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{self.port}",
                "app:create_app()",
            ]
        else:
            cmd = [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(self.port), "--with-threads"]
        self.log = open(self.log_dir / f"server-{self.port}-{int(time.time() * 1000)}.log", "w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start; see {self.log.name}")

    def kill(self):
        """kill -9 the whole process group (workers included), as a crash would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


class HttpSession:
    """Cookies, CSRF token, form posts, JSON and multipart uploads against a live server."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.token = None

    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None, timeout=30):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def get(self, path: str):
        return self.request("GET", path)

    def refresh_token(self, path: str = "/login") -> str:
        _, _, body = self.get(path)
        self.token = re.search(rb'<meta name="csrf-token" content="([^"]+)"', body).group(1).decode()
        return self.token

    def post_form(self, path: str, fields: dict):
        body = urllib.parse.urlencode({**fields, "csrf_token": self.token}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def send_json(self, method: str, path: str, payload):
        return self.request(
            method,
            path,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": self.token or ""},
        )

    def upload(self, path: str, filename: str, content: bytes):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.token}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
        return self.request(
            "POST", path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def sign_in(self, email: str, password: str):
        self.refresh_token()
        status, headers, _ = self.post_form("/login", {"email": email, "password": password})
        assert status == 302, status
        self.refresh_token("/")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
