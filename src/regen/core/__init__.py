"""The paradigm in code: Abstraction, Stage, Regenerator, Direct, checkpoints, configs."""

from regen.core.abstraction import Abstraction
from regen.core.direct import Direct
from regen.core.errors import CheckpointError, ConfigError, RegenError, SpaceMismatchError
from regen.core.objective import Objective
from regen.core.regenerator import Regenerator, RegeneratorOptions
from regen.core.space import Space
from regen.core.stage import Stage

__all__ = ["Abstraction", "CheckpointError", "ConfigError", "Direct", "Objective", "RegenError",
           "Regenerator", "RegeneratorOptions", "Space", "SpaceMismatchError", "Stage"]
