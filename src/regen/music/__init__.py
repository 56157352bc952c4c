"""Bach chorales with SUNMASK: corpus, grid <-> score I/O, denoiser networks, training,
harmonize/infill tasks, piano rolls and a Bach-likeness grade; `fonts` draws figure text (lyrics,
titles) with a CJK fallback font.

The four-voice 16th-note grid (`grid`) is the Y' of a score; `model.ChoraleDenoiser`
renders it by iterative masked denoising with the samplers of `regen.iterative`.
"""
