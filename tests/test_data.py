import shutil

import numpy as np
import pytest
import torch

import lessonlib.data as data
from lessonlib.data import DataError, ImageSet, batches, endless_batches, load_bundled, load_dataset, per_class


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_bundled_data_is_verified_and_shaped(name):
    images, labels = load_bundled(name)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))


def test_split_is_deterministic_disjoint_and_scaled():
    train, test = load_dataset("mnist", n_train=500, n_test=300, seed=1)
    again, _ = load_dataset("mnist", n_train=500, n_test=300, seed=1)
    other, _ = load_dataset("mnist", n_train=500, n_test=300, seed=2)
    assert len(train) == 500 and len(test) == 300
    assert torch.equal(train.images, again.images)
    assert not torch.equal(train.images, other.images)
    assert train.images.shape[1:] == (1, 28, 28) and 0.0 <= train.images.min() and train.images.max() <= 1.0
    flat_train = {tuple(x.flatten().tolist()[::7]) for x in train.images[:200]}
    assert not any(tuple(x.flatten().tolist()[::7]) in flat_train for x in test.images)


def test_missing_and_corrupted_files_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(DataError, match="missing.*git checkout -- data/mnist-10k.npz"):
        load_bundled("mnist")
    shutil.copy(data.Path(data.__file__).parent.parent / "data" / "mnist-10k.npz", tmp_path)
    with open(tmp_path / "mnist-10k.npz", "r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(DataError, match="corrupted.*git checkout"):
        load_bundled("mnist")


def test_unknown_dataset_names_the_choices():
    with pytest.raises(ValueError, match="dataset = 'cifar'.*'mnist', 'fashion_mnist'"):
        load_dataset("cifar")


def test_full_scale_offline_falls_back_in_one_line(monkeypatch, capsys, tmp_path):
    import torchvision

    def offline(*args, **kwargs):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: network is unreachable")

    monkeypatch.setattr(torchvision.datasets, "MNIST", offline)
    monkeypatch.setattr(data, "DATA_DIR", data.DATA_DIR)
    train, test = load_dataset("mnist", n_train=100, n_test=50, scale="full")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("Offline:") and "bundled" in out[0]
    assert len(train) == 100 and len(test) == 50


def test_per_class_and_batches():
    train, _ = load_dataset("fashion_mnist", n_train=2000, seed=0)
    few = per_class(train, 5, seed=0)
    assert torch.bincount(few.labels, minlength=10).tolist() == [5] * 10
    seen = torch.cat([y for _, y in batches(few, 16, torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == sorted(few.labels.tolist())


def test_endless_batches_reshuffle_each_epoch_and_drop_the_incomplete_batch():
    data = ImageSet(torch.zeros(10, 1, 28, 28), torch.arange(10), tuple("0123456789"))
    stream = endless_batches(data, 4, torch.Generator().manual_seed(0))
    first, second, third = (next(stream)[1] for _ in range(3))
    assert len(first) == len(second) == len(third) == 4
    assert len(set(first.tolist()) | set(second.tolist())) == 8  # one epoch: 8 distinct, the last 2 dropped
    epoch = torch.randperm(10, generator=torch.Generator().manual_seed(0))
    assert first.tolist() == epoch[:4].tolist() and second.tolist() == epoch[4:8].tolist()


def idx_bytes(kind_dims, shape, payload):
    """An IDX file (MNIST's format): magic, sizes, then the bytes."""
    header = (0x0800 + kind_dims).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in shape)
    return header + payload


def fake_mnist_cache(folder, n_train, n_test, truncate=None):
    """torchvision's MNIST cache in miniature: the .gz archives and their uncompressed copies, one maybe cut short."""
    import gzip

    raw = folder / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        files = {f"{prefix}-images-idx3-ubyte": idx_bytes(3, (n, 28, 28), rng.integers(0, 256, n * 784, np.uint8).tobytes()),
                 f"{prefix}-labels-idx1-ubyte": idx_bytes(1, (n,), (np.arange(n) % 10).astype(np.uint8).tobytes())}
        for file_name, content in files.items():
            (raw / f"{file_name}.gz").write_bytes(gzip.compress(content))
            (raw / file_name).write_bytes(content[: len(content) // 2] if file_name == truncate else content)
    return raw


@pytest.fixture
def offline_mnist(monkeypatch, tmp_path):
    """DATA_DIR in tmp_path (with the bundled MNIST); torchvision's MNIST without checksums, its mirror refusing."""
    import torchvision

    shutil.copy(data.DATA_DIR / "mnist-10k.npz", tmp_path)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    mnist = torchvision.datasets.MNIST
    monkeypatch.setattr(mnist, "resources", [(url, None) for url, _ in mnist.resources])
    monkeypatch.setattr(mnist, "mirrors", ["http://127.0.0.1:9/"])
    return tmp_path / "torchvision"


def test_a_truncated_torchvision_cache_is_repaired(offline_mnist, capsys):
    raw = fake_mnist_cache(offline_mnist, 30, 12, truncate="train-images-idx3-ubyte")
    train, test = load_dataset("mnist", n_test=5, scale="full")
    out = capsys.readouterr().out
    assert len(train) == 30 and len(test) == 5  # the full (here: miniature) set, not the bundled 10,000
    assert "train-images-idx3-ubyte: it has 11,768 of its 23,536 bytes" in out and "Offline" not in out
    assert data.idx_problem(raw / "train-images-idx3-ubyte") is None


def test_a_damaged_cache_that_cannot_be_repaired_says_what_happened(offline_mnist, capsys):
    raw = fake_mnist_cache(offline_mnist, 30, 12, truncate="t10k-labels-idx1-ubyte")
    (raw / "t10k-labels-idx1-ubyte.gz").unlink()  # nothing to extract again, and no network
    train, _ = load_dataset("mnist", n_train=100, n_test=50, scale="full")
    out = capsys.readouterr().out.splitlines()
    assert len(train) == 100 and len(out) == 2
    assert "t10k-labels-idx1-ubyte" in out[0] and "damaged" in out[0]
    assert out[1].startswith("Offline: could not download MNIST") and "bundled" in out[1]


def test_an_unreadable_cache_names_the_folder_to_delete(offline_mnist, capsys, monkeypatch):
    import torchvision

    fake_mnist_cache(offline_mnist, 30, 12)

    def unreadable(*args, **kwargs):
        raise AssertionError

    monkeypatch.setattr(torchvision.datasets.MNIST, "_load_data", unreadable)
    load_dataset("mnist", n_train=100, n_test=50, scale="full")
    out = capsys.readouterr().out
    assert f"delete the folder {offline_mnist / 'MNIST'}" in out and "Offline" not in out


@pytest.mark.parametrize("sizes", [{"n_test": -5}, {"n_train": -1}, {"n_test": 0}, {"n_train": 2.5}, {"n_test": True}])
def test_split_sizes_are_validated(sizes):
    name = next(iter(sizes))
    with pytest.raises(ValueError, match=f"{name} = .* must be a positive integer or None"):
        load_dataset("mnist", **sizes)
    with pytest.raises(ValueError, match=name):
        load_dataset("mnist", scale="full", **sizes)
