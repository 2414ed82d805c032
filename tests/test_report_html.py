"""The HTML report of a real small evaluation, opened in headless Chromium.

Chromium is driven through the DevTools protocol (a minimal stdlib websocket client below), so
the test sees what a person's browser console would show: console errors, uncaught exceptions,
failed loads and every network request the page makes. It then reads the rendered DOM,
compares the model table with results.json and saves a screenshot in the test's temp dir.

Chromium comes from Debian's `chromium` package (`apt-get install -y chromium`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from single_shot_eval.report import fmt
from tests.conftest import echo_contestant, run_cli

CHROMIUM_NAMES = ("chromium", "chromium-browser")
WAIT_S = 60.0
VIEWPORT = (1280, 1600)


# --- a minimal DevTools-protocol client --------------------------------------------------------


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: masked text frames out, text in."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.sock = socket.create_connection((host, port), timeout=WAIT_S)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"websocket handshake refused: {head[:200]!r}")

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", length)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else b""
            payload = self._read(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the websocket")
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


@dataclass
class PageVisit:
    """What Chromium reported while loading one page."""

    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_loads: list[dict[str, Any]] = field(default_factory=list)
    dom: str = ""
    images: list[dict[str, Any]] = field(default_factory=list)

    def errors(self) -> list[str]:
        found = [
            f"console.{c['type']}: {[a.get('value', a.get('description')) for a in c['args']]}"
            for c in self.console
            if c["type"] in ("error", "assert")
        ]
        found += [f"exception: {e['exceptionDetails'].get('text')}" for e in self.exceptions]
        found += [
            f"log {e['entry']['source']}: {e['entry']['text']}"
            for e in self.log_entries
            if e["entry"]["level"] == "error"
        ]
        found += [f"failed load: {f.get('errorText')}" for f in self.failed_loads]
        return found


class DevTools:
    """One page of a headless Chromium, driven over the flattened DevTools protocol."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True
             ) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)
        raise TimeoutError(f"no answer to {method} within {WAIT_S} s")

    def wait_for(self, method: str) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            event = json.loads(self.ws.receive())
            self.events.append(event)
            if event.get("method") == method:
                return
        raise TimeoutError(f"no {method} within {WAIT_S} s")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} raised {result['exceptionDetails']}")
        return result["result"].get("value")


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is needed for this test: apt-get install -y chromium")


@contextlib.contextmanager
def open_chromium(work_dir: Path) -> Iterator[DevTools]:
    """A headless Chromium with a fresh profile in `work_dir`, driven over loopback DevTools."""
    profile = work_dir / "chromium-profile"
    (profile / "DevToolsActivePort").unlink(missing_ok=True)  # left by an earlier browser
    stderr = (work_dir / "chromium-stderr.txt").open("wb")
    process = subprocess.Popen(
        [
            _chromium(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            f"--user-data-dir={profile}", "about:blank",
        ],
        stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
    )
    ws: WebSocket | None = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + WAIT_S
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (work_dir / "chromium-stderr.txt").read_text(errors="replace")
                pytest.fail(f"Chromium did not start: {log}")
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        ws = WebSocket("127.0.0.1", int(port), path)
        tools = DevTools(ws)
        target = tools.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = tools.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
            session=False,
        )
        tools.session = attached["sessionId"]
        yield tools
    finally:
        if ws is not None:
            with contextlib.suppress(OSError):
                ws.send(json.dumps({"id": 10**6, "method": "Browser.close"}))
            ws.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        stderr.close()


@pytest.fixture()
def chromium(tmp_path: Path) -> Iterator[DevTools]:
    with open_chromium(tmp_path) as tools:
        yield tools


def visit(tools: DevTools, url: str, screenshot: Path) -> PageVisit:
    """Load `url`, collect what the console and network saw, read the DOM, take a screenshot."""
    for domain in ("Runtime", "Log", "Network", "Page"):
        tools.call(f"{domain}.enable")
    width, height = VIEWPORT
    tools.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    tools.call("Page.navigate", {"url": url})
    tools.wait_for("Page.loadEventFired")
    images = tools.evaluate(
        "(async () => { const images = Array.from(document.images);"
        " const decoded = await Promise.all(images.map(i => i.decode().then(() => true,"
        " () => false)));"
        " return images.map((i, n) => ({figure: i.closest('figure') ? i.closest('figure').id"
        " : '', decoded: decoded[n], width: i.naturalWidth})); })()"
    )
    dom = tools.evaluate("document.documentElement.outerHTML")
    shot = tools.call("Page.captureScreenshot", {"format": "png"})
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    result = PageVisit(dom=dom, images=images)
    for event in tools.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            result.console.append(params)
        elif method == "Runtime.exceptionThrown":
            result.exceptions.append(params)
        elif method == "Log.entryAdded":
            result.log_entries.append(params)
        elif method == "Network.requestWillBeSent":
            result.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            result.failed_loads.append(params)
    return result


# --- reading the model table out of the rendered DOM -------------------------------------------


class ModelTableReader(HTMLParser):
    """Collects the rows of one table (`#model-table` by default): model id -> {data-col:
    (text, data-value)}."""

    def __init__(self, table_id: str = "model-table") -> None:
        super().__init__()
        self.table_id = table_id
        self.in_table = False
        self.depth = 0
        self.model: str | None = None
        self.column: tuple[str, str | None] | None = None
        self.text = ""
        self.rows: dict[str, dict[str, tuple[str, str | None]]] = {}
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "table" and attributes.get("id") == self.table_id:
            self.in_table = True
        if not self.in_table:
            return
        if tag == "tr" and attributes.get("data-model"):
            self.model = attributes["data-model"]
            self.rows[str(self.model)] = {}
        if tag in ("td", "th") and self.model and attributes.get("data-col"):
            self.column = (str(attributes["data-col"]), attributes.get("data-value"))
            self.text = ""

    def handle_data(self, data: str) -> None:
        if self.column is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.column is not None and self.model is not None:
            name, value = self.column
            self.rows[self.model][name] = (self.text.strip(), value)
            self.column = None
        if tag == "table" and self.in_table:
            self.in_table = False


# --- the test ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_html_report_renders_in_chromium(tmp_path: Path, chromium: DevTools) -> None:
    out = tmp_path / "results"
    models = f"reference,mutant,{echo_contestant(tmp_path)}"
    evaluated = run_cli(
        "evaluate", "--models", models, "--limit", "6", "--runs", "2",
        "--output", str(out), "--quiet",
    )
    assert evaluated.returncode == 0, evaluated.stderr
    reported = run_cli("report", "--input", str(out), "--format", "json,md,html", "--quiet")
    assert reported.returncode == 0, reported.stderr
    page = out / "report.html"
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text, "the report must not link out"

    screenshot = tmp_path / "report.png"
    seen = visit(chromium, page.as_uri(), screenshot)

    assert seen.errors() == []
    outside = [url[:80] for url in seen.requests
               if url != page.as_uri() and not url.startswith("data:")]
    assert outside == []
    figures = {image["figure"]: image for image in seen.images}
    assert figures["pareto-plot"]["decoded"] and figures["pareto-plot"]["width"] > 300
    # Matplotlib draws text as paths and keeps each label's text in a comment beside it.
    pareto_svg = base64.b64decode(
        seen.dom.split('id="pareto-plot"', 1)[1].split("base64,", 1)[1].split('"', 1)[0]
    ).decode()
    # Only contestants are drawn: the controls are in the self-check, not on the frontier.
    assert "<!-- echo -->" in pareto_svg
    assert "<!-- reference -->" not in pareto_svg and "<!-- mutant -->" not in pareto_svg

    reader = ModelTableReader()
    reader.feed(seen.dom)
    sections = {"summary", "self-check", "model-table", "pareto-plot", "comparison-matrix",
                "provenance"}
    assert sections <= reader.ids
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (task,) = results["summary"]["tasks"]
    expected = {m["model_id"]: m for m in task["models"]}
    assert set(reader.rows) == {"echo"} == set(expected)
    for model_id, row in reader.rows.items():
        model = expected[model_id]
        assert row["model_id"][0] == model_id
        for column in ("pass_at_1", "compile_rate", "actual_cost_usd", "latency_p50_s"):
            _text, raw = row[column]
            assert raw is not None and float(raw) == model[column], (model_id, column)
        assert row["pass_at_1"][0] == fmt.pct(model["pass_at_1"])
        assert row["compile_rate"][0] == fmt.pct(model["compile_rate"])
        assert row["latency_p50_s"][0] == fmt.seconds(model["latency_p50_s"])
        on_front = model_id in task["pareto"]["pareto_front"]
        assert row["frontier"] == ("◆" if on_front else "", str(on_front).lower())
        # An echo of the prompt is no Rust: 0 of 6 examples, exact interval [0, 45.9%].
        assert model["pass_at_1"] == 0.0 and model["example_ci_method"] == "clopper-pearson"
        assert model["example_ci_high"] == pytest.approx(1 - 0.025 ** (1 / 6))
    # The reference translations pass and the mutants do not: the self-check shows it apart.
    controls = ModelTableReader("self-check")
    controls.feed(seen.dom)
    assert set(controls.rows) == {"reference", "mutant"}
    assert controls.rows["reference"]["pass_rate"][1] == "1.0"
    assert controls.rows["reference"]["ok"] == ("ok", "true")
    assert controls.rows["mutant"]["ok"] == ("ok", "true")
    assert {c["model_id"]: c["ok"] for c in task["controls"]} == {"reference": True,
                                                                  "mutant": True}

    png = screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack("!II", png[16:24])
    assert (width, height) == VIEWPORT
    assert len(png) > 20_000, "a blank page compresses to a few kilobytes"
