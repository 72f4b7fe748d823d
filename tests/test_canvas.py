"""lessonlib.topics.localization: cluttered canvases with true boxes, connected components, boxes from masks, the grid figure."""

from collections import deque

import matplotlib.pyplot as plt
import pytest
import torch
from torchvision.ops import box_area

from lessonlib.data import ImageSet
from lessonlib.topics.localization import (
    CanvasSet,
    box_masks,
    canvas_grid,
    component_labels,
    ink_box,
    largest_component,
    largest_component_boxes,
    make_canvases,
    mask_boxes,
)


def digits(n: int = 12, seed: int = 0) -> ImageSet:
    """Fake 28 x 28 'digits': a bright random rectangle of ink on black, one label per image."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.zeros(n, 1, 28, 28)
    for i in range(n):
        y, x = torch.randint(2, 10, (2,), generator=generator).tolist()
        h, w = torch.randint(8, 17, (2,), generator=generator).tolist()
        images[i, 0, y:y + h, x:x + w] = 0.5 + 0.5 * torch.rand(h, w, generator=generator)
    return ImageSet(images, torch.arange(n) % 10, tuple(str(d) for d in range(10)))


def reference_labels(mask: torch.Tensor) -> torch.Tensor:
    """8-connected components by breadth-first search, each labelled with 1 + its largest flat index."""
    h, w = mask.shape
    on, labels = mask.tolist(), torch.zeros(h, w, dtype=torch.long)
    seen = [[False] * w for _ in range(h)]
    for i in range(h):
        for j in range(w):
            if not on[i][j] or seen[i][j]:
                continue
            queue, cells, seen[i][j] = deque([(i, j)]), [], True
            while queue:
                a, b = queue.popleft()
                cells.append((a, b))
                for y in range(max(a - 1, 0), min(a + 2, h)):
                    for x in range(max(b - 1, 0), min(b + 2, w)):
                        if on[y][x] and not seen[y][x]:
                            seen[y][x] = True
                            queue.append((y, x))
            for a, b in cells:
                labels[a, b] = max(y * w + x + 1 for y, x in cells)
    return labels


def test_ink_box_uses_pixel_edges():
    image = torch.zeros(10, 12)
    image[2:5, 3:10] = 1.0
    assert ink_box(image).tolist() == [3.0, 2.0, 10.0, 5.0]
    assert ink_box(torch.zeros(10, 12)).tolist() == [0.0, 0.0, 12.0, 10.0]  # no ink: the whole image


def test_canvases_are_deterministic_by_seed_and_boxes_fit():
    source = digits()
    a, b, c = (make_canvases(source, size=48, seed=s) for s in (3, 3, 4))
    assert isinstance(a, CanvasSet) and a.images.shape == (12, 1, 48, 48)
    assert torch.equal(a.images, b.images) and torch.equal(a.boxes, b.boxes)
    assert not torch.equal(a.images, c.images)
    assert a.images.min() >= 0 and a.images.max() <= 1
    assert (a.boxes[:, :2] >= 0).all() and (a.boxes[:, 2:] <= 48).all() and (a.boxes[:, 2:] > a.boxes[:, :2]).all()
    assert torch.equal(a.labels, source.labels) and a.classes == source.classes


def test_box_is_the_pasted_image_ink_and_fragments_stay_clear_of_it():
    source = digits()
    plain = make_canvases(source, fragments=0, noise=0.0, seed=1)
    for image, box in zip(plain.images, plain.boxes):
        assert torch.equal(ink_box(image[0]), box)
    cluttered = make_canvases(source, fragments=4, noise=0.0, seed=1)  # same places: clutter is drawn afterwards
    assert torch.equal(cluttered.boxes, plain.boxes)
    inside = box_masks(plain.boxes, 56, 56)
    assert torch.equal(cluttered.images[:, 0][inside], plain.images[:, 0][inside])
    assert (cluttered.images[:, 0][~inside] > 0).any()  # the fragments are there, outside the boxes


def test_scale_changes_the_box_sizes():
    source = digits(40)
    fixed = make_canvases(source, seed=0)
    scaled = make_canvases(source, scale=(0.6, 1.6), seed=0)
    ratio = box_area(scaled.boxes) / box_area(fixed.boxes)
    assert ratio.min() < 0.7 and ratio.max() > 1.5


def test_canvases_refuse_impossible_sizes():
    with pytest.raises(ValueError, match="too small"):
        make_canvases(digits(), size=30, scale=(1.0, 1.5))
    with pytest.raises(ValueError, match="at least 2"):
        make_canvases(digits(1))


def test_subset_and_split_keep_the_boxes():
    canvases = make_canvases(digits(), seed=0)
    part = canvases.subset([5, 2])
    assert torch.equal(part.boxes, canvases.boxes[[5, 2]]) and torch.equal(part.images, canvases.images[[5, 2]])
    first, rest = canvases.split(8)
    assert len(first) == 8 and len(rest) == 4 and torch.equal(rest.boxes, canvases.boxes[8:])


@pytest.mark.parametrize("density", [0.3, 0.5, 0.6, 0.75])
def test_component_labels_match_breadth_first_search(density):
    mask = torch.rand(6, 23, 31, generator=torch.Generator().manual_seed(int(density * 100))) < density
    assert torch.equal(component_labels(mask), torch.stack([reference_labels(m) for m in mask]))


def test_component_labels_follow_a_long_spiral():
    size, mask = 41, torch.zeros(1, 41, 41, dtype=torch.bool)
    for k in range(0, size // 2, 2):  # a square spiral: one component, a path hundreds of pixels long
        mask[0, k, k:size - k] = mask[0, k:size - k, size - 1 - k] = mask[0, size - 1 - k, k:size - k] = True
        mask[0, k + 2:size - k, k] = True
        if k + 2 < size // 2:
            mask[0, k + 2, k + 1] = True
    assert torch.equal(component_labels(mask)[0], reference_labels(mask[0]))


def test_largest_component_and_its_box():
    mask = torch.zeros(3, 10, 10, dtype=torch.bool)
    mask[0, 1:3, 1:3] = True   # 4 pixels
    mask[0, 5:9, 4:9] = True   # 20 pixels: the largest
    mask[1, 0, 0] = mask[1, 1, 1] = mask[1, 2, 2] = True  # diagonal: 8-connected, one component
    largest = largest_component(mask)
    assert largest[0].sum() == 20 and largest[1].sum() == 3 and largest[2].sum() == 0
    assert mask_boxes(largest).tolist() == [[4.0, 5.0, 9.0, 9.0], [0.0, 0.0, 3.0, 3.0], [0.0, 0.0, 10.0, 10.0]]


def test_box_masks_cover_exactly_the_box():
    boxes = torch.tensor([[2.0, 1.0, 5.0, 7.0], [0.0, 0.0, 8.0, 8.0]])
    masks = box_masks(boxes, 8, 9)
    assert masks.shape == (2, 8, 9) and masks[0].sum() == 3 * 6 and masks[1].sum() == 64
    assert torch.equal(mask_boxes(masks), boxes)


def test_canvas_grid_draws_boxes_maps_and_a_legend():
    canvases = make_canvases(digits(), seed=0)
    fig = canvas_grid(canvases.images[:5], {"true": canvases.boxes[:5], "guess": canvases.boxes[:5] + 1},
                      maps=torch.rand(5, 56, 56), titles=list("abcde"), ncols=3, suptitle="canvases")
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 6 and len(drawn) == 5
    assert all(len(ax.patches) == 2 and len(ax.images) == 2 for ax in drawn)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["true", "guess"]
    plt.close(fig)


@pytest.mark.parametrize("density", [0.05, 0.3, 0.45, 0.6, 0.9])
def test_largest_component_boxes_equal_the_box_of_the_largest_component(density):
    generator = torch.Generator().manual_seed(int(density * 100))
    for shape in ((40, 17, 23), (10, 1, 9), (10, 9, 1)):
        mask = torch.rand(*shape, generator=generator) < density
        mask[3] = False  # an empty mask: the whole image, as mask_boxes says
        assert torch.equal(largest_component_boxes(mask), mask_boxes(largest_component(mask)))


def test_largest_component_boxes_follow_a_long_spiral_and_break_ties_alike():
    size, mask = 41, torch.zeros(2, 41, 41, dtype=torch.bool)
    for k in range(0, size // 2, 2):  # a square spiral: one component
        mask[0, k, k:size - k] = mask[0, k:size - k, size - 1 - k] = mask[0, size - 1 - k, k:size - k] = True
        mask[0, k + 2:size - k, k] = True
        if k + 2 < size // 2:
            mask[0, k + 2, k + 1] = True
    mask[1, 2:5, 2:5] = mask[1, 30:33, 30:33] = mask[1, 2:5, 30:33] = True  # three of the same size
    assert torch.equal(largest_component_boxes(mask), mask_boxes(largest_component(mask)))
    assert largest_component_boxes(torch.zeros(0, 5, 5, dtype=torch.bool)).shape == (0, 4)
