"""The bundled datasets (checksum-verified), torchvision's full ones when reachable, splits and batches."""

from __future__ import annotations

import hashlib
import math
import numbers
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DATA_DIR = Path(os.environ.get("LESSONLIB_DATA", Path(__file__).resolve().parent.parent / "data"))

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
BUNDLED = {
    "mnist": ("mnist-10k.npz", "ae9b6b184495eb178b930160f824b1ade648e5325b146389376d6ee61e6ca0f2",
              tuple(str(d) for d in range(10))),
    "fashion_mnist": ("fashion-mnist-10k.npz", "5af3188422beed52485aa703f715aa5c8a05cf6340960f8e235a59410fd61f95",
                      FASHION_CLASSES),
}
TORCHVISION_NAMES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}
IDX_ITEM_BYTES = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}  # the IDX format's element types


class DataError(RuntimeError):
    """A bundled data file that is missing or corrupted."""


@dataclass
class ImageSet:
    """Images as a float tensor (N, 1, 28, 28) in [0, 1], with integer labels and class names."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: torch.Tensor | np.ndarray) -> ImageSet:
        """The images at the given positions."""
        index = torch.as_tensor(index, dtype=torch.long)
        return ImageSet(self.images[index], self.labels[index], self.classes)

    def to(self, device: torch.device | str) -> ImageSet:
        """The same set on another device."""
        return ImageSet(self.images.to(device), self.labels.to(device), self.classes)

    def flat(self) -> torch.Tensor:
        """Images as vectors (N, 784)."""
        return self.images.flatten(1)


def _check_name(name: str) -> None:
    if name not in BUNDLED:
        raise ValueError(f"dataset = {name!r} is not allowed: dataset must be one of {', '.join(map(repr, BUNDLED))}.")


def _check_size(name: str, value: int | None) -> None:
    """Allow None or a positive integer (a negative size would silently swap or shrink the split)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
        raise ValueError(f"{name} = {value!r} is not allowed: {name} must be a positive integer or None.")


def load_bundled(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The bundled 10,000 images (uint8, N x 28 x 28) and labels, after checking the SHA-256."""
    _check_name(name)
    file_name, sha256, _ = BUNDLED[name]
    path = DATA_DIR / file_name
    restore = f"Restore it with `git checkout -- data/{file_name}` (or clone the repository again)."
    if not path.is_file():
        raise DataError(f"The bundled dataset {path} is missing. {restore}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise DataError(f"The bundled dataset {path} is corrupted (SHA-256 {digest[:12]}…, expected {sha256[:12]}…). {restore}")
    with np.load(path, allow_pickle=False) as npz:
        return npz["images"], npz["labels"]


def _to_imageset(images: np.ndarray | torch.Tensor, labels: np.ndarray | torch.Tensor, classes: tuple[str, ...]) -> ImageSet:
    images = torch.as_tensor(np.asarray(images), dtype=torch.float32).div_(255.0).unsqueeze(1)
    return ImageSet(images, torch.as_tensor(np.asarray(labels), dtype=torch.long), classes)


def idx_problem(path: Path) -> str | None:
    """Why an uncompressed IDX file (torchvision's MNIST cache) is unusable, e.g. cut short; None when it is whole."""
    with open(path, "rb") as handle:
        header = handle.read(16)
    magic = int.from_bytes(header[:4], "big") if len(header) >= 4 else 0
    dims, kind = magic % 256, (magic // 256) % 256
    if not 1 <= dims <= 3 or kind not in IDX_ITEM_BYTES or len(header) < 4 + 4 * dims:
        return "it is not an IDX file"
    shape = [int.from_bytes(header[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    expected, size = 4 + 4 * dims + math.prod(shape) * IDX_ITEM_BYTES[kind], path.stat().st_size
    return None if size == expected else f"it has {size:,} of its {expected:,} bytes"


def _raw_files(dataset_class: type, folder: Path) -> list[Path]:
    """The uncompressed files torchvision keeps of a dataset (it reads these and skips the download when present)."""
    return [folder / "raw" / Path(url).name.removesuffix(".gz") for url, _ in getattr(dataset_class, "resources", [])]


def _repair_cache(dataset_class: type, folder: Path) -> None:
    """Delete the cached files that are cut short or damaged, so that torchvision extracts or downloads them again."""
    damaged = [(path, problem) for path in _raw_files(dataset_class, folder) if path.is_file()
               and (problem := idx_problem(path)) is not None]
    for path, _ in damaged:
        path.unlink()
    if damaged:
        what = "; ".join(f"{path.name}: {problem}" for path, problem in damaged)
        print(f"The cached {folder.name} in {folder / 'raw'} was damaged ({what}): deleted, to be downloaded again.")


def _load_torchvision(name: str) -> tuple[ImageSet, ImageSet] | None:
    """torchvision's full train and test sets, downloaded once into data/torchvision; None when offline."""
    import torchvision

    dataset_class = getattr(torchvision.datasets, TORCHVISION_NAMES[name])
    root = DATA_DIR / "torchvision"
    folder = root / TORCHVISION_NAMES[name]  # where torchvision keeps it (named after its class)
    _repair_cache(dataset_class, folder)
    try:
        train = dataset_class(root, train=True, download=True)
        test = dataset_class(root, train=False, download=True)
    except Exception as error:  # no network, a proxy, a cache damaged in a way the check above cannot see…
        reason = str(error).strip().splitlines()[0][:80] if str(error).strip() else type(error).__name__
        cached = _raw_files(dataset_class, folder)
        if cached and all(path.is_file() for path in cached):  # nothing needed downloading: the cache is at fault
            print(f"Could not read the cached {folder.name} ({reason}): delete the folder {folder} to download it "
                  "again; using the bundled 10,000 images.")
        else:
            print(f"Offline: could not download {folder.name} ({reason}); using the bundled 10,000 images.")
        return None
    classes = BUNDLED[name][2]
    return (_to_imageset(train.data.numpy(), train.targets.numpy(), classes),
            _to_imageset(test.data.numpy(), test.targets.numpy(), classes))


def load_dataset(name: str = "mnist", *, n_train: int | None = None, n_test: int | None = 2000,
                 seed: int = 0, scale: str = "quick") -> tuple[ImageSet, ImageSet]:
    """Train and test sets, split deterministically by seed.

    quick: the bundled 10,000 images, n_test for testing and up to n_train of the rest for training.
    full: torchvision's 60,000 + 10,000 images when they can be downloaded, else the bundled ones.
    """
    _check_name(name)
    _check_size("n_train", n_train)
    _check_size("n_test", n_test)
    rng = np.random.default_rng(seed)
    full = _load_torchvision(name) if scale == "full" else None
    if full is not None:
        train, test = full
        train = train.subset(rng.permutation(len(train))[:n_train])
        test = test.subset(rng.permutation(len(test))[:n_test])
        return train, test
    images, labels = load_bundled(name)
    every = _to_imageset(images, labels, BUNDLED[name][2])
    n_test = 2000 if n_test is None else n_test
    if n_test >= len(every):
        raise ValueError(f"n_test = {n_test} is not allowed: n_test must be below {len(every)}.")
    order = rng.permutation(len(every))
    test_index, train_index = order[:n_test], order[n_test:]
    return every.subset(train_index[:n_train]), every.subset(test_index)


def per_class(data: ImageSet, k: int, seed: int = 0) -> ImageSet:
    """k images of each class (fewer where a class has fewer), chosen by seed."""
    generator = torch.Generator().manual_seed(seed)
    picks = []
    for label in range(len(data.classes)):
        where = torch.nonzero(data.labels.cpu() == label).flatten()
        picks.append(where[torch.randperm(len(where), generator=generator)[:k]])
    return data.subset(torch.cat(picks))


def batches(data: ImageSet, batch_size: int, generator: torch.Generator | None = None,
            shuffle: bool = True) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch of (images, labels) mini-batches from in-memory tensors (far faster than a DataLoader here)."""
    n = len(data)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order.to(data.labels.device)
    for begin in range(0, n, batch_size):
        index = order[begin:begin + batch_size]
        yield data.images[index], data.labels[index]


def endless_batches(data: ImageSet, batch_size: int, generator: torch.Generator | None = None
                    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Full mini-batches forever, reshuffled every epoch (an incomplete last batch is dropped)."""
    full = min(batch_size, len(data))
    while True:
        for images, labels in batches(data, batch_size, generator):
            if len(labels) == full:
                yield images, labels
