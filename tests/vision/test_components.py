import torch
from sklearn.datasets import load_digits

from regen.vision.abstractions import PoolAbstraction, VQVAEAbstraction
from regen.vision.config import DataConfig
from regen.vision.digits import labelled_subset, load_splits
from regen.vision.metrics import diversity, frechet_distance, nearest_distance
from regen.core.token_stage import TokenARStage
from regen.core.space import Space


def test_splits_are_fixed_and_disjoint() -> None:
    a, b = load_splits(0), load_splits(0)
    assert torch.equal(a.train_images, b.train_images)
    assert (len(a.train_images), len(a.valid_images), len(a.test_images)) == (1257, 269, 271)
    assert a.train_images.max() == 16 and a.train_images.min() == 0
    # the three splits partition the data set: together they are its rows, each exactly once
    rows = lambda images, labels: sorted(map(tuple, torch.cat([images.flatten(1), labels[:, None]], 1).tolist()))  # noqa: E731
    everything = load_digits()
    full = rows(torch.from_numpy(everything.images.astype("int64")), torch.from_numpy(everything.target))
    assert rows(torch.cat([a.train_images, a.valid_images, a.test_images]),
                torch.cat([a.train_labels, a.valid_labels, a.test_labels])) == full
    assert not torch.equal(load_splits(1).test_images, a.test_images)


def test_label_seed_draws_another_subset_on_the_same_split() -> None:
    labels = load_splits(0).train_labels
    assert not torch.equal(labelled_subset(labels, 0.05, 0), labelled_subset(labels, 0.05, 1))
    assert DataConfig(label_seed=3).labels_drawn_with == 3 and DataConfig(split_seed=2).labels_drawn_with == 2


def test_labelled_subset_is_stratified() -> None:
    labels = load_splits(0).train_labels
    keep = labelled_subset(labels, 0.05)
    counts = torch.bincount(labels[keep], minlength=10)
    assert (counts >= 5).all() and (counts <= 8).all()
    assert len(labelled_subset(labels, 1.0)) == len(labels)
    one_percent = labelled_subset(labels, 0.01)
    assert len(one_percent) == round(0.01 * len(labels)) and len(set(labels[one_percent].tolist())) == 10
    assert len(labelled_subset(labels, 0.005)) == 10  # one per class when the share is below that


def test_pool_abstraction_shapes_and_levels():
    pool = PoolAbstraction(2, 9)
    y = torch.full((2, 8, 8), 16)
    y_abs = pool.encode(y)
    assert y_abs.shape == (2, 4, 4) and (y_abs == 8).all()
    assert torch.equal(pool.decode(y_abs), y)


def test_pool_abstraction_without_pooling_quantises_grey_levels():
    pool = PoolAbstraction(1, 3)
    y = torch.tensor([[0, 4, 5, 8, 11, 12, 16, 16]]).repeat(8, 1).unsqueeze(0)
    y_abs = pool.encode(y)
    assert y_abs.shape == (1, 8, 8) and pool.space.shape == (8, 8) and pool.space.vocab == 3
    assert y_abs[0, 0].tolist() == [0, 0, 1, 1, 1, 2, 2, 2]
    assert pool.decode(y_abs)[0, 0].tolist() == [0, 0, 8, 8, 8, 16, 16, 16]


def test_vqvae_codes_and_loss():
    vq = VQVAEAbstraction(codebook=8, dim=4, hidden=8)
    y = torch.randint(0, 17, (6, 8, 8))
    out = vq.loss({"y": y})
    out["loss"].backward()
    codes = vq.eval().encode(y)
    assert codes.shape == (6, 4, 4) and codes.max() < 8
    assert vq.decode(codes).shape == (6, 8, 8)


def test_teacher_forced_sample_is_aligned():
    src, dst = Space("c", "discrete", (), 10), Space("t", "discrete", (4, 4), 5)
    stage = TokenARStage(src, dst, d_model=16, layers=1, heads=2)
    target = torch.randint(0, 5, (3, 4, 4))
    assert stage.teacher_forced(torch.tensor([1, 2, 3]), target).shape == target.shape
    assert stage.sample(torch.tensor([1, 2]), n=3).shape == (6, 4, 4)


def test_metrics_move():
    a = torch.randn(200, 5).numpy()
    assert frechet_distance(a, a) < 1e-6
    assert frechet_distance(a, a + 3) > 40
    same = torch.zeros(10, 8, 8, dtype=torch.long)
    labels = torch.zeros(10, dtype=torch.long)
    assert diversity(same, labels) == 0
    assert diversity(torch.randint(0, 17, (10, 8, 8)), labels) > 1


def test_nearest_distance_detects_copies():
    train = torch.randint(0, 17, (20, 8, 8))
    assert nearest_distance(train[:5], train) == 0
    assert nearest_distance(torch.randint(0, 17, (5, 8, 8)), train) > 1
