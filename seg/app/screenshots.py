"""Screenshots of the web demo's three tabs in a real Chromium (docs/images/app_*.png), each with a real frame
segmented: a toy val image (Image tab), the synthetic street video (Video tab) and the same street frames fed to
Chromium's fake camera (Webcam tab: ``--use-file-for-fake-video-capture`` plays a .y4m file as the camera).

Drives a running server (``tools/app.py``) through Playwright with the system Chromium, as the browser tests do.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from seg.app.video import BROWSER_CODECS
from seg.synthetic.video import street_frames
from seg.video.io import VideoOutput


def write_street_clip(folder: Path, frames: int, size: tuple[int, int]) -> tuple[Path, Path]:
    """The synthetic street video as a video file and as a .y4m for the fake camera (I420, what Chromium reads)."""
    height, width = size
    folder.mkdir(parents=True, exist_ok=True)
    video = VideoOutput(folder / "street.webm", 15.0, size, BROWSER_CODECS)  # the page previews the input too
    y4m = folder / "street.y4m"
    with y4m.open("wb") as camera:
        camera.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for frame in street_frames(frames, size, shot_frames=frames, seed=0):
            video.write(frame)
            camera.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return video.finish(), y4m


def _settle(seconds: float) -> None:
    time.sleep(seconds)  # let the page finish drawing (images decode, fonts settle) before the picture is taken


def take_screenshots(url: str, chromium: str, example: Path, out_dir: Path, work: Path, frames: int = 45) -> list[Path]:
    """Screenshots of the Image, Video and Webcam tabs of the app at ``url``; returns the files written."""
    from playwright.sync_api import sync_playwright

    video, y4m = write_street_clip(work, frames, (288, 384))
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    args = [
        "--no-sandbox",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=args)
        context = browser.new_context(viewport={"width": 1400, "height": 1100}, permissions=["camera"])
        page = context.new_page()
        page.set_default_timeout(180_000)
        page.goto(url)

        page.locator("#image-input input[type=file]").set_input_files(str(example))
        page.locator("#mask img").wait_for()
        page.locator("#label-png a").wait_for()
        _settle(2)
        shots.append(out_dir / "app_image.png")
        page.screenshot(path=shots[-1], full_page=True)

        page.get_by_role("tab", name="Video").click()
        page.locator("#video-input input[type=file]").set_input_files(str(video))
        page.locator("#video-input video").wait_for()
        page.locator("#video-run").click()
        page.locator("#video-output video").wait_for()
        page.locator("#video-info").filter(has_text="FPS").wait_for()
        page.locator("#video-output video").evaluate(
            "v => new Promise(done => { v.currentTime = Math.min(2, v.duration / 2); v.onseeked = done; })"
        )
        _settle(2)
        shots.append(out_dir / "app_video.png")
        page.screenshot(path=shots[-1], full_page=True)

        page.get_by_role("tab", name="Webcam").click()
        page.locator("#webcam").get_by_text("Click to Access Webcam").click()
        page.locator("#webcam button.capture-button").click()  # "Record": the stream starts
        page.locator("#webcam-output img").wait_for()
        page.locator("#webcam-fps").filter(has_text="network").wait_for()
        _settle(4)
        shots.append(out_dir / "app_webcam.png")
        page.screenshot(path=shots[-1], full_page=True)
        browser.close()
    for shot in shots:
        picture = cv2.imread(str(shot))
        assert picture is not None and np.ptp(picture) > 0, f"{shot} is blank"
    return shots
