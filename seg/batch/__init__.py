"""Batch segmentation of image archives on a Ray cluster (tools/infer_ray.py): the input listing (listing.py),
the Ray Data job (ray_infer.py) and its Parquet table (table.py). Needs the ``.[ray]`` extra; nothing is imported
here, so ``import seg`` never needs Ray or pyarrow."""
