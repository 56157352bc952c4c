import pytest
import torch

from regen.core.direct import Direct
from regen.core.errors import SpaceMismatchError
from regen.core.joint import JointHead
from regen.core.regenerator import Regenerator, RegeneratorOptions, corrupt
from regen.core.space import Space
from regen.vision.abstractions import IMAGE_SPACE, PoolAbstraction, VQVAEAbstraction
from regen.core.token_stage import TokenARStage

CLASSES = Space("digit-class", "discrete", (), 10)


def _stage(src, dst):
    return TokenARStage(src, dst, d_model=16, layers=1, heads=2, dropout=0.0)


def test_space_mismatch_names_both_spaces():
    pool = PoolAbstraction(2, 9)
    other = PoolAbstraction(2, 5)
    with pytest.raises(SpaceMismatchError) as err:
        Regenerator(pool, _stage(CLASSES, other.space), _stage(pool.space, IMAGE_SPACE))
    message = str(err.value)
    assert "pool2-q5" in message and "pool2-q9" in message and "\n" not in message
    with pytest.raises(SpaceMismatchError, match="renderer expects"):
        Regenerator(pool, _stage(CLASSES, pool.space), _stage(other.space, IMAGE_SPACE))
    with pytest.raises(SpaceMismatchError, match="direct model"):
        Direct(_stage(CLASSES, pool.space), IMAGE_SPACE)


def test_sample_draws_abstraction_then_target():
    pool = PoolAbstraction(2, 9)
    reg = Regenerator(pool, _stage(CLASSES, pool.space), _stage(pool.space, IMAGE_SPACE))
    y_abs, y = reg.sample(torch.tensor([0, 3]), n=2)
    assert y_abs.shape == (4, 4, 4) and y.shape == (4, 8, 8)
    assert y_abs.max() < 9 and y.max() < 17 and y.min() >= 0


def test_objectives_train_only_their_stage():
    pool = PoolAbstraction(2, 9)
    reg = Regenerator(pool, _stage(CLASSES, pool.space), _stage(pool.space, IMAGE_SPACE),
                      RegeneratorOptions(mismatch="converter"))
    y = torch.randint(0, 17, (3, 8, 8))
    batch = {"x": torch.tensor([1, 2, 3]), "y": y}
    for objective, moved in ((reg.renderer_objective(), reg.renderer), (reg.converter_objective(), reg.converter),
                             (reg.finetune_objective(), reg.renderer)):
        assert {id(p) for p in objective.trainable_parameters()} == {id(p) for p in moved.parameters()}
        assert objective.loss(batch)["loss"].isfinite()


def test_renderer_trains_on_unpaired_targets():
    pool = PoolAbstraction(2, 9)
    reg = Regenerator(pool, _stage(CLASSES, pool.space), _stage(pool.space, IMAGE_SPACE))
    loss = reg.renderer_objective().loss({"y": torch.randint(0, 17, (2, 8, 8))})["loss"]
    loss.backward()
    assert all(p.grad is None for p in reg.converter.parameters())


def test_corrupt_changes_about_rate_of_tokens():
    space = Space("s", "discrete", (100,), 50)
    y = torch.zeros(20, 100, dtype=torch.long)
    changed = (corrupt(y, space, 0.3) != y).float().mean().item()
    assert 0.2 < changed < 0.35  # 0.3 * 49/50 expected


def test_equation_one_adds_x_aware_terms():
    vq = VQVAEAbstraction(codebook=8, dim=4, hidden=8)
    reg = Regenerator(vq, _stage(CLASSES, vq.space), _stage(vq.space, IMAGE_SPACE),
                      RegeneratorOptions(joint_weight=1.0), JointHead(CLASSES, (4, 4, 4), dim=8))
    batch = {"y": torch.randint(0, 17, (4, 8, 8)), "x": torch.tensor([0, 1, 2, 3]),
             "labelled": torch.tensor([True, True, False, False])}
    out = reg.abstraction_objective().loss(batch)
    assert {"x_from_y", "y_from_x", "nll_from_x", "reconstruction"} <= set(out)
    plain = reg.abstraction_objective().loss({**batch, "labelled": torch.zeros(4, dtype=torch.bool)})
    assert "nll_from_x" not in plain
    with pytest.raises(SpaceMismatchError, match="JointHead"):
        Regenerator(vq, _stage(CLASSES, vq.space), _stage(vq.space, IMAGE_SPACE), RegeneratorOptions(joint_weight=1.0))
