"""Shared test settings: quiet, single-threaded, CPU."""

import os

import torch

os.environ.setdefault("PYTHONHASHSEED", "0")
torch.set_num_threads(1)
