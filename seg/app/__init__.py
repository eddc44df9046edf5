"""The web demo (``tools/app.py``): image, video and webcam segmentation in the browser, built with Gradio.

One concern per module: ``uploads`` (reading what a visitor sends, within stated limits), ``segmenter``
(the model behind the page: the one Predictor, timings, pictures, class areas), ``examples`` (the toy
val images offered as examples), ``video`` (a file through the video demo's pipeline), ``webcam``
(streamed frames) and ``ui`` (the Gradio page and server). Only ``ui`` imports Gradio, an extra
(``pip install -e ".[app]"``), so the rest is tested without it.
"""
