"""``healthycity serve``: clear errors before listening, and a real server end to end."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

STARTUP_TIMEOUT_S = 60


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port some other program listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_out_of_range_port_is_refused(run) -> None:
    result = run("serve", "--port", "70000")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Erreur : Port 70000 is not a TCP port; expected a whole number from 1 to 65535."
    )


def test_serve_busy_port_is_refused_before_starting(run, busy_port: int) -> None:
    result = run("serve", "--port", str(busy_port))
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith(f"Erreur : Cannot listen on 127.0.0.1:{busy_port} (")
    assert "choose another --port" in line


def test_serve_address_not_of_this_machine_is_refused(run) -> None:
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): no interface has it, so binding fails at once,
    # without sending anything.
    result = run("serve", "--host", "192.0.2.1", "--port", str(_free_port()))
    assert result.exit_code == 1
    assert "Cannot listen on 192.0.2.1:" in result.stderr
    assert "Cannot assign requested address" in result.stderr


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited with {server.returncode}: {log.read_text()}")
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"serve did not answer {url} within {STARTUP_TIMEOUT_S} s: {log.read_text()}")


def test_serve_answers_the_api_end_to_end(run_demo, demo_database_url: str, tmp_path: Path) -> None:
    # init on the demo database finds the demo there and changes nothing.
    init = run_demo("init")
    assert init.exit_code == 0, init.output
    assert "déjà importé" in init.stdout

    port = _free_port()
    env = os.environ | {"HC_DATABASE_URL": demo_database_url, "HC_DATA_DIR": str(tmp_path)}
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "healthycity", "serve", "--port", str(port)],
            cwd=tmp_path,  # no .env of a developer's checkout
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            response = _wait_for(
                f"http://127.0.0.1:{port}/api/v1/territories/departement/58", server, log
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Nièvre"
    assert f"healthycity sur http://127.0.0.1:{port}/" in log.read_text(encoding="utf-8")
