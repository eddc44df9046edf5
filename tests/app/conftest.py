"""The web demo's fixtures: a tiny real model (the video tests' narrowed LR-ASPP Small, BatchNorm settled so it
predicts several classes), a toy image, and the app itself started by tools/app.py in a subprocess on a free
loopback port, with Chromium driven by Playwright.

The browser is Debian's chromium (``$SEG_CHROMIUM`` or ``chromium`` on the PATH; .ci/run installs it): Playwright's
own browser download needs the internet. Without the ``app`` extra or without Chromium the browser tests skip
with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from seg.config import load_config
from seg.models import build_model
from seg.synthetic.toy_cityscapes import make_toy_cityscapes
from seg.synthetic.weights import settle_batchnorm

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "lraspp_small_cityscapes.py"
OVERRIDES = ("model.width_mult=0.5", "model.head_channels=32")
IMAGE_SIZE = (96, 160)  # (height, width): small enough for milliseconds per request


@dataclass(frozen=True)
class TinyModel:
    config: Path
    overrides: tuple[str, ...]
    weights: Path

    def argv(self) -> list[str]:
        """[CONFIG] MODEL --set ...: a tool's arguments for this model (options may follow, not positionals)."""
        return [str(self.config), str(self.weights), "--set", *self.overrides]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> TinyModel:
    config = load_config(CONFIG, OVERRIDES)
    torch.manual_seed(0)
    model = settle_batchnorm(build_model(config.model), input_size=IMAGE_SIZE)
    path = tmp_path_factory.mktemp("app_model") / "tiny.pt"
    torch.save(model.state_dict(), path)
    return TinyModel(CONFIG, OVERRIDES, path)


@pytest.fixture(scope="session")
def toy_images(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = make_toy_cityscapes(
        tmp_path_factory.mktemp("app_toy") / "toy", train=0, val=2, seed=3, image_size=IMAGE_SIZE
    )
    return sorted((root / "leftImg8bit" / "val").rglob("*.png"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def launch_app(model: TinyModel, folder: Path, *extra: str, timeout: float = 180.0) -> RunningApp:
    """tools/app.py in a subprocess on a free loopback port; returns once the page answers."""
    port = free_port()
    log = folder / f"app_{port}.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, str(REPO / "tools" / "app.py"), *model.argv(), "--port", str(port), "--threads", "1"]
    argv += ["--examples-dir", str(folder / "examples"), *extra]
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, cwd=folder, env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"tools/app.py exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return RunningApp(url, process, log)
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise AssertionError(
        f"tools/app.py did not answer on {url} within {timeout:.0f} s:\n{log.read_text(errors='replace')}"
    )


def stop_app(app: RunningApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait()


@pytest.fixture(scope="session")
def gradio_extra() -> None:
    pytest.importorskip("gradio", reason='the web demo extra is not installed (pip install -e ".[app]")')


@pytest.fixture(scope="session")
def app(gradio_extra, tiny_model: TinyModel, tmp_path_factory: pytest.TempPathFactory):
    running = launch_app(tiny_model, tmp_path_factory.mktemp("app"))
    yield running
    stop_app(running)


@pytest.fixture
def start_app(gradio_extra, tiny_model: TinyModel, tmp_path: Path):
    """Start another server with extra options (``start_app("--max-megapixels", "0.01")``); stopped after the test."""
    started: list[RunningApp] = []

    def start(*extra: str) -> RunningApp:
        started.append(launch_app(tiny_model, tmp_path, *extra))
        return started[-1]

    yield start
    for running in started:
        stop_app(running)


def chromium_path() -> str | None:
    return os.environ.get("SEG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser(gradio_extra):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason='Playwright is not installed (pip install -e ".[app]")'
    )
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium (apt-get install chromium; .ci/run installs it)")
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app: RunningApp):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app.url)
    yield page
    context.close()
