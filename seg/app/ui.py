"""The Gradio page: three tabs (Image, Video, Webcam) over one ``Segmenter``, and the server that serves it.

Every event goes through Gradio's queue: requests beyond ``concurrency`` wait their turn (up to ``queue_size``
waiting; the page says when the queue is full) instead of failing, and the model runs on at most
``concurrency`` requests at once (one by default: on a CPU, parallel requests only share the same cores).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from seg.app.page import ImageResult, ImageTab
from seg.app.segmenter import Segmenter
from seg.app.uploads import UploadError, UploadLimits
from seg.app.video import segment_video
from seg.app.webcam import WebcamSession


def uploaded_path_only(image: gr.Image) -> gr.Image:
    """Make ``image`` hand the handler the uploaded file's path untouched. ``gr.Image`` opens an upload with Pillow
    before the handler runs, so a corrupt or foreign file would end in Gradio's generic error; ``seg.app.uploads``
    reads and checks it instead and words the message. (A subclass would do the same, but Gradio writes a .pyi
    stub beside the module of every component subclass when it is imported, i.e. into the installed package.)"""
    gradio_preprocess = image.preprocess

    def preprocess(payload):  # noqa: ANN001, ANN202 (Gradio's payload type)
        if payload is None or payload.path is None:
            return gradio_preprocess(payload)  # nothing, or a pasted image sent inline as a data URL
        return str(payload.path)

    image.preprocess = preprocess
    return image


CSS = """
table.areas { border-collapse: collapse; font-size: 15px; }
table.areas td, table.areas th { padding: 2px 10px; text-align: left; }
table.areas td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 18px; height: 18px; border: 1px solid #ccc; vertical-align: middle; }
"""


@dataclass(frozen=True)
class ServerOptions:
    """How the page is served.

    Args:
        host: the address to bind (127.0.0.1: this machine only; 0.0.0.0: every interface, see docs/app.md).
        port: the TCP port.
        queue_size: requests that may wait in the queue; more are refused with a message.
        concurrency: requests that run the model at once.
    """

    host: str = "127.0.0.1"
    port: int = 7860
    queue_size: int = 64
    concurrency: int = 1


def _image_outputs(result: ImageResult) -> tuple:
    return (
        result.message,
        result.overlay,
        result.mask,
        result.table,
        result.timing,
        result.label_png,
        result.image,
        result.labels,
    )


def build_demo(segmenter: Segmenter, limits: UploadLimits, examples: list[Path], work_dir: Path) -> gr.Blocks:
    """The page; ``examples`` are image files offered under the Image tab; results are written under ``work_dir``."""
    tab = ImageTab(segmenter, limits, work_dir / "labels")
    header = (
        f"# Real-time semantic segmentation\nModel `{segmenter.name}` on `{segmenter.backend}`; "
        f"{len(segmenter.classes.names)} classes. Uploads up to {limits.max_file_mb} MB and "
        f"{limits.max_megapixels:g} megapixels; videos up to {limits.max_video_frames} frames."
    )
    with gr.Blocks(title="seg: segmentation demo", analytics_enabled=False) as demo:
        gr.Markdown(header)
        with gr.Tab("Image", id="image"):
            with gr.Row():
                with gr.Column(scale=1):
                    image_in = uploaded_path_only(
                        gr.Image(type="filepath", sources=["upload", "clipboard"], label="Image", elem_id="image-input")
                    )
                    opacity = gr.Slider(0.0, 1.0, 0.5, step=0.05, label="Overlay opacity", elem_id="opacity")
                    if examples:
                        gr.Examples([[str(path)] for path in examples], inputs=image_in, label="Toy val images")
                    message = gr.Markdown(elem_id="image-message")
                    timing = gr.Markdown(elem_id="image-timing")
                    table = gr.HTML(label="Classes", elem_id="areas")
                    label_png = gr.File(label="Label map (PNG of class ids)", elem_id="label-png")
                with gr.Column(scale=2):
                    overlay = gr.Image(
                        label="Overlay and legend", format="png", elem_id="overlay", interactive=False, height=420
                    )
                    mask = gr.Image(label="Colour mask", format="png", elem_id="mask", interactive=False, height=360)
            image_state, labels_state = gr.State(), gr.State()
            outputs = [message, overlay, mask, table, timing, label_png, image_state, labels_state]
            image_in.change(
                lambda path, alpha: _image_outputs(tab.run(path, alpha)),
                [image_in, opacity],
                outputs,
                api_name="segment",
            )
            opacity.release(tab.redraw, [image_state, labels_state, opacity], overlay, api_name="redraw")
        with gr.Tab("Video", id="video"):
            _video_tab(segmenter, limits, work_dir / "videos")
        with gr.Tab("Webcam", id="webcam"):
            _webcam_tab(segmenter)
    return demo


def _video_tab(segmenter: Segmenter, limits: UploadLimits, output_dir: Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    with gr.Row():
        with gr.Column(scale=1):
            video_in = gr.Video(label="Video", sources=["upload"], elem_id="video-input")
            smooth = gr.Slider(
                0.0, 0.95, 0.0, step=0.05, label="Temporal smoothing (0 = off; p = a p_prev + (1 - a) p_now)"
            )
            opacity = gr.Slider(0.0, 1.0, 0.5, step=0.05, label="Overlay opacity")
            legend = gr.Radio(["beside", "below", "inside"], value="beside", label="Legend (class-id order)")
            run = gr.Button("Segment the video", variant="primary", elem_id="video-run")
            info = gr.Markdown(elem_id="video-info")
        with gr.Column(scale=2):
            video_out = gr.Video(label="Overlay", elem_id="video-output", interactive=False)

    def handle(
        path: str | None,
        alpha: float,
        opacity_value: float,
        placement: str,
        progress=gr.Progress(track_tqdm=True),  # noqa: B008 (how Gradio asks for a progress bar)
    ):
        try:
            folder = Path(tempfile.mkdtemp(prefix="request_", dir=output_dir))
            result = segment_video(segmenter, path, limits, alpha, opacity_value, placement, folder)
        except UploadError as error:
            return None, f"**Cannot segment this upload.** {error}"
        return str(result.path), result.summary()

    run.click(handle, [video_in, smooth, opacity, legend], [video_out, info], api_name="video")


def _webcam_tab(segmenter: Segmenter) -> None:
    with gr.Row():
        with gr.Column():
            camera = gr.Image(sources=["webcam"], streaming=True, type="numpy", label="Camera", elem_id="webcam")
            opacity = gr.Slider(0.0, 1.0, 0.5, step=0.05, label="Overlay opacity")
        with gr.Column():
            shown = gr.Image(label="Overlay", elem_id="webcam-output", interactive=False)
            fps = gr.Markdown(elem_id="webcam-fps")
    session = gr.State()

    def handle(frame, alpha: float, state: WebcamSession | None):
        if frame is None:
            return None, "", state
        state = state or WebcamSession(segmenter)
        picture, text = state.frame(frame, alpha)
        return picture, text, state

    camera.stream(
        handle, [camera, opacity, session], [shown, fps, session], stream_every=0.1, time_limit=300, api_name="webcam"
    )


def serve(demo: gr.Blocks, options: ServerOptions, limits: UploadLimits, allowed: list[Path]) -> None:
    """Start the server; returns when it is stopped (Ctrl-C)."""
    demo.queue(default_concurrency_limit=options.concurrency, max_size=options.queue_size)
    demo.launch(
        server_name=options.host,
        server_port=options.port,
        max_file_size=f"{limits.max_file_mb}mb",
        allowed_paths=[str(path) for path in allowed],
        ssr_mode=False,
        inbrowser=False,
        share=False,
        css=CSS,
    )
