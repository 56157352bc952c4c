"""Masked, step-unrolled denoising of discrete grids (the SUNMASK family), domain-free.

- `corruption`: masks (1 = known) and the corruption of unknown positions.
- `denoising_loss`: the SUNMASK / Coconet / SUNDAE training objectives as flags.
- `token_sampling`: temperature, top-k, top-p, typical filtering, Gumbel-max.
- `schedules`: annealed mask schedule (Coconet) and accept schedules (triangular).
- `sampler`: schedulers with a small prepare/step interface and `run_sampler`.

A denoiser is any callable `net(tokens (batch, *shape) long, known (batch, *shape) float)
-> logits (batch, *shape, vocab)`; tokens may hold the absorbing id `vocab`.
"""

from regen.iterative.corruption import corrupt, draw_known_mask
from regen.iterative.denoising_loss import DenoisingSpec, denoising_loss
from regen.iterative.sampler import GibbsScheduler, SamplerConfig, UnrolledScheduler, make_scheduler, run_sampler
from regen.iterative.schedules import accept_probability, mask_probability
from regen.iterative.token_sampling import draw_tokens, filter_logits

__all__ = ["DenoisingSpec", "GibbsScheduler", "SamplerConfig", "UnrolledScheduler", "accept_probability", "corrupt",
           "denoising_loss", "draw_known_mask", "draw_tokens", "filter_logits", "make_scheduler", "mask_probability",
           "run_sampler"]
