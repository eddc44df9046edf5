"""The web demo in a real Chromium (headless, through Playwright): what the page shows is what tools/infer.py
computes, a bad upload gets a message and the server keeps serving, and concurrent requests all get answers.

The app runs as tools/app.py in a subprocess (tests/app/conftest.py); the tests only look at the page and the
files it links, as a visitor's browser does.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

from seg.classes import PALETTE
from seg.data.io import decode_label

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def infer_labels(model, image: Path, out: Path) -> np.ndarray:
    """The label map tools/infer.py writes for ``image`` (NAME_labels.png), read back."""
    spec = importlib.util.spec_from_file_location("seg_tool_infer", REPO / "tools" / "infer.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    argv = [str(model.config), str(model.weights), str(image), "--output-dir", str(out), "--set", *model.overrides]
    assert tool.run_tool(tool.main, argv) == 0
    return decode_label(out / f"{image.stem}_labels.png")


def palette_to_labels(picture: np.ndarray) -> np.ndarray:
    """An RGB picture of palette colours -> class ids; a colour outside the palette fails the test."""
    codes = picture.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    table = {int(r) << 16 | int(g) << 8 | int(b): k for k, (r, g, b) in enumerate(PALETTE)}
    unknown = set(np.unique(codes).tolist()) - table.keys()
    assert not unknown, f"the page's mask has colours outside the palette: {sorted(unknown)[:5]}"
    lookup = np.vectorize(table.__getitem__, otypes=[np.uint8])
    return lookup(codes)


def fetch(page, url: str) -> bytes:
    response = page.request.get(url)
    assert response.ok, f"{url}: HTTP {response.status}"
    return response.body()


def upload(page, path: Path) -> None:
    page.locator("#image-input input[type=file]").set_input_files(str(path))


def wait_for_new_src(page, selector: str, previous: str | None) -> str:
    """The ``src`` (or ``href``) of ``selector`` once it differs from ``previous``: the page has shown a new result."""
    attribute = "href" if selector.endswith(" a") else "src"
    page.wait_for_function(
        """([selector, attribute, previous]) => {
            const element = document.querySelector(selector);
            return element && element.getAttribute(attribute) && element.getAttribute(attribute) !== previous;
        }""",
        arg=[selector, attribute, previous],
    )
    return page.locator(selector).first.get_attribute(attribute)


def shown_labels(page, previous: tuple[str | None, str | None] = (None, None)) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(the colour mask the page shows, decoded to class ids; the label PNG it offers; their URLs)."""
    mask_src = wait_for_new_src(page, "#mask img", previous[0])
    png_href = wait_for_new_src(page, "#label-png a", previous[1])
    mask = cv2.imdecode(np.frombuffer(fetch(page, mask_src), np.uint8), cv2.IMREAD_COLOR)
    label_png = cv2.imdecode(np.frombuffer(fetch(page, png_href), np.uint8), cv2.IMREAD_UNCHANGED)
    return palette_to_labels(cv2.cvtColor(mask, cv2.COLOR_BGR2RGB)), label_png, (mask_src, png_href)


def test_the_page_shows_the_label_map_tools_infer_writes(page, tiny_model, toy_images, tmp_path):
    expected = infer_labels(tiny_model, toy_images[0], tmp_path / "infer")
    assert len(np.unique(expected)) >= 3  # a map with several classes, so equality means something
    upload(page, toy_images[0])
    mask_labels, label_png, _ = shown_labels(page)
    np.testing.assert_array_equal(mask_labels, expected)
    assert label_png.ndim == 2 and label_png.dtype == np.uint8  # single channel of class ids
    np.testing.assert_array_equal(label_png, expected)
    # The rest of the result: the class areas (largest first, summing to 100%), timings and the backend.
    percents = [float(cell.rstrip("%")) for cell in page.locator("#areas td:last-child").all_inner_texts()]
    assert percents == sorted(percents, reverse=True) and sum(percents) == pytest.approx(100, abs=0.05)
    assert len(percents) == len(np.unique(expected))
    timing = page.locator("#image-timing").inner_text()
    assert "network" in timing and "whole request" in timing and "torch" in timing


def test_a_corrupt_upload_gets_a_message_and_the_next_image_works(page, tiny_model, toy_images, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10)
    upload(page, broken)
    message = page.locator("#image-message")
    message.filter(has_text="Cannot segment this upload").wait_for()
    assert "broken.png is not an image this demo can read" in message.inner_text()
    # The server still serves: the next upload is segmented, and the message is gone.
    expected = infer_labels(tiny_model, toy_images[1], tmp_path / "infer")
    upload(page, toy_images[1])
    mask_labels, label_png, _ = shown_labels(page)
    np.testing.assert_array_equal(mask_labels, expected)
    np.testing.assert_array_equal(label_png, expected)
    assert "Cannot" not in message.inner_text()


def test_an_image_beyond_the_pixel_limit_is_refused_in_the_page(browser, start_app, toy_images):
    app = start_app("--max-megapixels", "0.01")  # a second server, with a small limit
    page = browser.new_page()
    page.set_default_timeout(60_000)
    page.goto(app.url)
    upload(page, toy_images[0])  # 160x96 = 0.015 MP
    message = page.locator("#image-message")
    message.filter(has_text="megapixels").wait_for()
    assert "160x96" in message.inner_text() and "up to 0.01 megapixels" in message.inner_text()
    page.close()


def test_ten_requests_at_once_are_all_answered(app, tiny_model, toy_images, tmp_path):
    from gradio_client import Client, handle_file

    expected = infer_labels(tiny_model, toy_images[0], tmp_path / "infer")
    # One client, ten jobs submitted before any is answered: they reach the server's queue together.
    client = Client(app.url, verbose=False, httpx_kwargs={"timeout": 120})
    jobs = [client.submit(handle_file(str(toy_images[0])), 0.5, api_name="/segment") for _ in range(10)]
    results = [job.result(timeout=300) for job in jobs]
    assert len(results) == 10
    for outputs in results:
        message, label_png = outputs[0], outputs[5]
        assert message == "", message
        np.testing.assert_array_equal(decode_label(label_png), expected)
