import os
import tempfile
from pathlib import Path

# Tests (and the kernels they start) never touch the student's real progress file.
os.environ.setdefault("LESSON6_PROGRESS", str(Path(tempfile.mkdtemp(prefix="lesson6-test-")) / "progress.json"))
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
