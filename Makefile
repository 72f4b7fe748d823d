# Each target creates .venv when it is missing (or when the requirements changed).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run pdf test lab bench sync lint clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

## run: execute every notebook headless at quick scale into build/ (HTML lecture in build/html/)
run: $(STAMP)
	$(PY) -m lessonlib build $(ARGS)

## pdf: as run, then print the lecture to one PDF handout, build/html/lecture.pdf (headless Chromium)
pdf: $(STAMP)
	$(PY) -m lessonlib build --pdf $(ARGS)

## test: lessonlib units, the lecture's claims, every notebook (nbval + papermill), the browser suite
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadscope $(ARGS)

## lab: open the notebooks in JupyterLab (also as root, e.g. in a container: prints the URL to open)
lab: $(STAMP)
	$(PY) -m lessonlib lab $(ARGS)

## bench: print each notebook's headless time and each slider's callback latency (kernel, then real browser)
bench: $(STAMP)
	$(PY) benchmarks/notebook_times.py $(ARGS)
	$(PY) benchmarks/slider_latency.py $(ARGS)

## sync: write what lessonlib/course_map.py decides (README table and links, each notebook's title, Colab badge and
##       set-up cell, 00's map, pyproject's URL; a new entry's notebook from the template), then each .ipynb from its .py
sync: $(STAMP)
	$(PY) -m lessonlib sync

## lint: ruff on lessonlib, the tests, the benchmarks and the notebooks' sources (also run by make test)
lint: $(STAMP)
	$(VENV)/bin/ruff check conftest.py lessonlib tests benchmarks notebooks

clean:
	rm -rf build .pytest_cache
