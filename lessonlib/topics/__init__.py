"""One notebook's plumbing each, named by what it is (the notebooks import the rest of lessonlib from its top level):

- dense_detection: digits on mostly empty canvases, one anchor per 4 x 4 cell (07).
- mlp_grid: many small MLPs trained in lockstep on the same batches, one pass for all (05's grids).
- metric_learning: P x K batches, recall@1, the spread of an embedding, a 2-D projection (08).
- localization: cluttered canvases with their boxes, connected components, boxes from masks (09).
- linear_probe: few-label draws, standardized features, batched logistic regression (11).
- schedules: plain SGD at a learning rate given per step, fit's numbers with less overhead (10).
"""
