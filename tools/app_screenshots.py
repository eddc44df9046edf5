"""Screenshots of the web demo's Image, Video and Webcam tabs in headless Chromium, for docs/images/app_*.png.

python tools/app.py work_dirs/lraspp_small_toy/checkpoints/best.ckpt --port 7860 &
python tools/app_screenshots.py http://127.0.0.1:7860/ --output-dir docs/images

The Image tab segments the first toy val image, the Video tab a short synthetic street clip
(seg.synthetic.video), the Webcam tab the same street frames played as Chromium's fake camera. Needs the
app extra (Playwright) and a Chromium (apt-get install chromium); Playwright's browser download is not used.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from seg.cli import run_tool, tool_parser
from seg.errors import UserError


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("url", help="the running app, e.g. http://127.0.0.1:7860/")
    parser.add_argument("--output-dir", default="docs/images", help="where app_*.png go (default: %(default)s)")
    parser.add_argument("--chromium", default=shutil.which("chromium"), help="the browser (default: %(default)s)")
    parser.add_argument("--frames", type=int, default=45, help="frames of the street clip (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.chromium:
        raise UserError("No Chromium on the PATH: apt-get install chromium, or pass --chromium PATH.")
    from seg.app.examples import example_images
    from seg.app.screenshots import take_screenshots

    with tempfile.TemporaryDirectory(prefix="seg_app_shots_") as work:
        shots = take_screenshots(
            args.url, args.chromium, example_images()[0], Path(args.output_dir), Path(work), args.frames
        )
    for shot in shots:
        print(f"wrote {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
