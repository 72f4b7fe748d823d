"""lessonlib.plots.tile and mosaic: tiles land where they should, labels are set, bad shapes are refused."""

import matplotlib.pyplot as plt
import pytest
import torch

from lessonlib.plots import mosaic, tile


def test_tile_places_each_image_with_white_gaps():
    images = torch.arange(2 * 3, dtype=torch.float32).reshape(2, 3, 1, 1, 1).expand(2, 3, 1, 4, 5) / 10
    picture = tile(images, pad=2)
    assert picture.shape == (2 * 6 - 2, 3 * 7 - 2)
    for r in range(2):
        for c in range(3):
            block = picture[r * 6:r * 6 + 4, c * 7:c * 7 + 5]
            assert torch.all(block == (r * 3 + c) / 10)
    assert torch.all(picture[4:6] == 1.0) and torch.all(picture[:, 5:7] == 1.0)


def test_tile_accepts_images_without_channel_and_refuses_other_shapes():
    assert tile(torch.zeros(1, 2, 3, 3), pad=1).shape == (3, 7)
    assert tile(torch.zeros(2, 2, 1, 3, 3), pad=0).shape == (6, 6)
    with pytest.raises(ValueError, match="rows, cols"):
        tile(torch.zeros(4, 28, 28))


def test_mosaic_draws_one_image_with_labels():
    fig = mosaic(torch.rand(2, 4, 1, 28, 28), row_labels=["a", "b"], col_labels=list("wxyz"), title="t")
    ax = fig.axes[0]
    assert len(ax.images) == 1 and ax.images[0].get_array().shape == (58, 118)
    assert [t.get_text() for t in ax.get_xticklabels()] == list("wxyz")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert ax.get_title() == "t"
    plt.close(fig)


def test_mosaic_without_labels_draws_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert mosaic(torch.rand(1, 3, 28, 28), ax=axes[1]) is fig
    assert len(axes[1].images) == 1 and len(axes[1].get_xticks()) == 0 and len(axes[0].images) == 0
    plt.close(fig)
