"""Exports: datasets (what rows a viewer may export) and writers (CSV/XLSX, streamed)."""

from .datasets import DATASETS, Dataset, build_dataset
from .writers import FORMATS, csv_stream, neutralise, xlsx_file

__all__ = [
    "DATASETS",
    "FORMATS",
    "Dataset",
    "build_dataset",
    "csv_stream",
    "neutralise",
    "xlsx_file",
]
