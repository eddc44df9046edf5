"""Write the synthetic street video the video demo's documented numbers were measured on.

    python tools/make_demo_video.py datasets/demo/street_768x576.mp4 --frames 400

Toy Cityscapes scenes (seg/synthetic/objects.py), one per shot, with moving vehicles and people and a
camera that dollies forward and pans (seg/synthetic/video.py). The same arguments give the same video.
"""

from __future__ import annotations

import sys

from seg.cli import add_overwrite_argument, run_tool, tool_parser
from seg.outputs import check_output_file


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser(__doc__)
    parser.add_argument("output", nargs="?", default="datasets/demo/street_768x576.mp4", help="video file to write")
    parser.add_argument("--frames", type=int, default=400, help="number of frames (default 400)")
    parser.add_argument(
        "--size", nargs=2, type=int, default=(576, 768), metavar=("H", "W"), help="frame size (default 576 768)"
    )
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate (default 30)")
    parser.add_argument("--shot-frames", type=int, default=100, help="frames per scene before a cut (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    add_overwrite_argument(parser)
    args = parser.parse_args(argv)
    if args.frames < 1 or args.shot_frames < 1 or args.fps <= 0 or min(args.size) < 32 or args.seed < 0:
        parser.error(
            "--frames and --shot-frames must be at least 1, --fps positive, --size at least 32 32, --seed >= 0"
        )
    check_output_file(args.output, "output", args.overwrite)  # before any frame is painted
    from seg.video.street import make_street_video  # imports OpenCV and torch: after the arguments and output

    path = make_street_video(args.output, args.frames, tuple(args.size), args.fps, args.shot_frames, args.seed, True)
    print(f"wrote {path}: {args.frames} frames, {args.size[1]}x{args.size[0]} at {args.fps:g} fps, seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
