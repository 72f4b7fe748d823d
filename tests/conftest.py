import os
import tempfile
from pathlib import Path

# Tests (and the kernels they start) never touch the student's real progress file.
os.environ.setdefault("LESSON6_PROGRESS", str(Path(tempfile.mkdtemp(prefix="lesson6-test-")) / "progress.json"))
# `make test` runs two workers on two cores: one thread per worker (and per kernel it starts)
# avoids the oversubscription that makes PyTorch's thread pools spin against each other.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# MPLBACKEND=Agg in the environment would make kernels drop every inline figure: let ipykernel choose.
os.environ.pop("MPLBACKEND", None)
