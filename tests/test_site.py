"""The built lecture as a site: offline pages (math typeset at build time, nothing fetched), reading comfort, the PDF.

One small synthetic lecture is built once (module fixture); the browser checks load it in Debian's Chromium through
Playwright, with every request that is not a file: URL blocked. Without Chromium or Playwright they are skipped
with the reason. Screenshots land in build/site-check/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lessonlib.course_map import NOTEBOOK_PATTERN
from lessonlib.tools import build
from lessonlib.tools import page as buildpage

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "site-check"
BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
         "(https://colab.research.google.com/github/x/y/blob/main/notebooks/01_theory.ipynb)")

THEORY = [
    new_markdown_cell(f"# 01 · Theory\n\nThe promise: $\\alpha$ matters.\n\n{BADGE}"),
    new_code_cell('scale = "auto"\nseed = 0', metadata={"tags": ["parameters"]}),
    new_markdown_cell("## The question\n\nWhy does $\\sigma^2 = \\frac{1}{n}$ keep the variance? A price of \\$5 "
                      "is not math, nor is `$HOME` in code."),
    new_markdown_cell("## Theory\n\n$$\\operatorname{Var}(z) = n \\, \\operatorname{Var}(w) \\, "
                      "\\operatorname{Var}(x), \\qquad \\hat x_i = \\frac{x_i - \\mu_B}{\\sqrt{\\sigma_B^2 + "
                      "\\epsilon}}.$$\n\n### A detail\n\nAnd \\(\\mathbb{E}[x] = 0\\)."),
    new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3, 2))\n"
                  "ax.plot([0, 1, 2], [2, 1, 0])\nax.set_title('a dark line on a transparent figure')\nplt.show()"),
    new_code_cell("from IPython.display import Markdown, Math, display\ndisplay(Math(r'\\frac{a}{b}'))\n"
                  "display(Markdown('an output with $x_1 + x_2$'))"),
    new_markdown_cell("## Exercises\n\n1. Compute $\\gamma$."),
    new_code_cell("from lessonlib.exercises import solution\nwith solution():\n    print('the secret answer is', 6 * 7)",
                  metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}}),
]
MORE = [
    new_markdown_cell("# 02 · More\n\nThe second notebook.\n\n## Only a heading"),
    new_code_cell('scale = "auto"\nseed = 0', metadata={"tags": ["parameters"]}),
    new_code_cell("print('plain text, no math')"),
]


def write(path: Path, cells: list[Any]) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-notebook lecture, built once: its build folder."""
    root = tmp_path_factory.mktemp("site")
    write(root / "notebooks" / "01_theory.ipynb", THEORY)
    write(root / "notebooks" / "02_more.ipynb", MORE)
    results = build.build(root / "notebooks", root / "build", jobs=2, progress=False)
    assert [r.status for r in results] == ["ok", "ok"], [r.error for r in results]
    return root / "build"




@pytest.fixture(scope="module")
def chromium() -> str:
    pytest.importorskip("playwright.sync_api", reason="Python package playwright is not installed "
                        "(pip install -r requirements-dev.txt): browser tests skipped")
    found = buildpage.find_chromium()
    if found is None:
        pytest.skip(f"Chromium not found (looked for $LESSON6_CHROMIUM, {', '.join(buildpage.CHROMIUM_CANDIDATES)}; "
                    "on Debian/Ubuntu: apt-get install chromium): browser tests skipped")
    return found


@pytest.fixture(scope="module")
def offline_browser(chromium: str, playwright: Any) -> Iterator[tuple[Any, list[str]]]:
    """Headless Chromium in which every request that is not to a file: (or data:) URL is blocked and recorded."""
    blocked: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
    try:
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        context.route("**/*", route)
        yield context, blocked
    finally:
        browser.close()


JS_PAGE = """() => {
  const prose = document.body.cloneNode(true);  // the text a reader sees, code excepted
  prose.querySelectorAll('pre, code, style, script').forEach(n => n.remove());
  const text = prose.textContent;
  const maths = Array.from(document.querySelectorAll('math'));
  return {
    text,
    maths: maths.length,
    drawn: maths.filter(m => getComputedStyle(m).display.includes('math') && m.getBoundingClientRect().height > 0).length,
    broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80)),
  };
}"""


def pages(out: Path) -> list[Path]:
    return sorted((out / "html").glob("*.html"))


def test_every_page_renders_offline_with_math_typeset(site: Path, offline_browser: tuple[Any, list[str]]) -> None:
    context, blocked = offline_browser
    names = [p.name for p in pages(site)]
    assert names == ["01_theory.html", "02_more.html", "claims.html", "index.html"]
    for path in pages(site):
        page = context.new_page()
        failed: list[str] = []
        page.on("requestfailed", lambda request, failed=failed: failed.append(request.url))
        page.on("pageerror", lambda error, failed=failed: failed.append(f"script error: {error}"))
        page.goto(path.as_uri(), wait_until="load")
        seen = page.evaluate(JS_PAGE)
        page.close()
        assert failed == [] and blocked == [], f"{path.name}: failed {failed}, blocked {blocked}"
        assert seen["broken"] == [], f"{path.name}: images not drawn {seen['broken']}"
        raw = re.findall(r"\$[^$\s][^$]*?\$|\\\\(?:frac|operatorname|mathbb|sqrt|begin)", seen["text"])
        assert raw == [], f"{path.name}: raw LaTeX left in the text: {raw}"
        if path.name == "01_theory.html":
            assert seen["maths"] == 7 and seen["drawn"] == seen["maths"], seen
            assert "A price of $5 is not math" in seen["text"]
            assert "Open In Colab" in seen["text"]  # the remote badge, as text (the link still works)


def test_pages_ship_no_remote_script_style_font_or_image(site: Path) -> None:
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        remote = re.findall(r"""(?:src|href)=["']?(?:https?:)?//[^"'\s>]+|url\(["']?(?:https?:)?//[^)]+|"""
                            r"""@import\s+["']?(?:https?:)?//""", text)
        remote = [r for r in remote if not r.startswith("href=")]  # links are fine: nothing is fetched
        assert remote == [], f"{path.name}: {remote}"
        assert "<script src" not in text and "mathjax" not in text.lower(), path.name


def test_formulas_become_mathml_outside_code_only() -> None:
    found: list[str] = []
    text = buildpage._formulas("a $x^2$, $$\\frac12$$, \\(y\\), costs $ 5 or \\$3, code `$x$`", found)
    assert text == "a LESSONMATH0Z, LESSONMATH1Z, LESSONMATH2Z, costs $ 5 or \\$3, code `$x$`"
    assert [m.count('display="block"') for m in found] == [0, 1, 0] and all("<math" in m for m in found)
    assert buildpage.offline_images('<a href="u"><img alt="Open In Colab" src="https://x/b.svg"></a>') == (
        '<a href="u"><span class="offline-alt">Open In Colab</span></a>')


def test_every_formula_of_the_lecture_converts_to_mathml() -> None:
    """latex2mathml supports the LaTeX the notebooks use (a fallback would show the source instead)."""
    count = 0
    for path in sorted((ROOT / "notebooks").glob(f"{NOTEBOOK_PATTERN}.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for formula in buildpage.typeset(nb):
            count += 1
            assert "math-source" not in formula, f"{path.name}: {formula}"
    assert count > 100


# --- reading comfort --------------------------------------------------------------------------------

def test_pages_link_previous_next_the_lesson_map_and_their_own_sections(site: Path) -> None:
    first = (site / "html" / "01_theory.html").read_text(encoding="utf-8")
    second = (site / "html" / "02_more.html").read_text(encoding="utf-8")
    assert 'rel="next" href="02_more.html"' in first and 'rel="prev"' not in first
    assert 'rel="prev" href="01_theory.html"' in second and 'rel="next"' not in second
    for page in (first, second):
        assert 'class="lesson-map" href="index.html"' in page
        assert '<a href="01_theory.html"' in page and '<a href="02_more.html"' in page  # every notebook
    toc = re.search(r'<nav class="lesson-toc">.*?</nav>', first, re.DOTALL).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == ["The-question", "Theory", "A-detail", "Exercises"]
    assert re.search(r'href="#Theory">Theory</a><ol><li><a href="#A-detail">', toc)  # h3 under its h2
    assert all(f'id="{anchor}"' in first for anchor in ("The-question", "A-detail"))


def test_the_bar_is_rewritten_for_cached_pages_when_the_lecture_changes(tmp_path: Path) -> None:
    results = [build.Result(n, f"{n} title", "ok") for n in ("01_a", "02_b", "03_c")]
    for result in results[:2]:
        build.write_atomic(build.page_path(tmp_path, result.name),
                           f"<html><body>{buildpage.nav_bar([], '')}<main>{result.name}</main></body></html>")
    build.link_pages(tmp_path, results)  # 03_c has no page: not linked
    second = build.page_path(tmp_path, "02_b").read_text()
    assert 'rel="prev" href="01_a.html"' in second and "03_c" not in second
    build.write_atomic(build.page_path(tmp_path, "03_c"), f"<body>{buildpage.nav_bar([], '')}</body>")
    build.link_pages(tmp_path, results)  # a notebook added: the cached page 02_b now leads on to it
    second = build.page_path(tmp_path, "02_b").read_text()
    assert 'rel="next" href="03_c.html"' in second and second.count("lesson-bar") == 1


def luminance(css_color: str) -> float:
    """WCAG relative luminance (0 black .. 1 white) of a computed 'rgb(r, g, b)' colour."""
    r, g, b = ((c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
               for c in (int(v) / 255 for v in re.findall(r"\d+", css_color)[:3]))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two colours (4.5 and more: legible body text)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


JS_COLOURS = """() => {
  const ground = getComputedStyle(document.body).backgroundColor;
  const prose = document.querySelector('.jp-RenderedMarkdown p, .meta') || document.body;
  const figure = document.querySelector('.jp-OutputArea-output img');
  return {ground, text: getComputedStyle(prose).color, figure: figure ? getComputedStyle(figure).backgroundColor : null};
}"""


def test_dark_theme_follows_the_system_and_figures_stay_legible(site: Path,
                                                               offline_browser: tuple[Any, list[str]]) -> None:
    """Screenshots of the index and a page in both themes land in build/site-check/."""
    context, _ = offline_browser
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for name in ("index", "01_theory"):
            page = context.new_page()
            page.emulate_media(color_scheme=scheme)
            page.goto((site / "html" / f"{name}.html").as_uri(), wait_until="load")
            colours = page.evaluate(JS_COLOURS)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{scheme}.png"), full_page=True)
            page.close()
            ground = luminance(colours["ground"])
            assert (ground < 0.05 if scheme == "dark" else ground > 0.9), (name, scheme, colours)
            assert contrast(colours["ground"], colours["text"]) >= 4.5, (name, scheme, colours)
            if name == "01_theory":  # matplotlib's transparent figures keep a white ground in both themes
                assert luminance(colours["figure"]) > 0.99, colours


def test_solution_cells_are_folded_until_opened(site: Path, offline_browser: tuple[Any, list[str]]) -> None:
    context, _ = offline_browser
    page = context.new_page()
    try:
        page.goto((site / "html" / "01_theory.html").as_uri(), wait_until="load")
        folded = page.locator("details.lesson-solution")
        assert folded.count() == 1 and folded.get_attribute("open") is None
        assert page.locator("details.lessonlib-solution").count() == 1  # the answer's own fold, inside the cell's
        answer = page.get_by_text("the secret answer is 42")
        assert not answer.is_visible() and not page.get_by_text("6 * 7").is_visible()  # code and output folded
        folded.locator("summary").first.click()
        assert answer.is_visible()  # one click opens both folds
    finally:
        page.close()


# --- the PDF handout --------------------------------------------------------------------------------

def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} not found (Debian/Ubuntu: apt-get install poppler-utils): PDF check skipped")
    return found


def test_make_pdf_prints_the_lecture_one_notebook_per_sheet(site: Path, chromium: str, tmp_path: Path) -> None:
    import subprocess

    from PIL import Image, ImageStat

    from lessonlib import __main__ as cli

    pdftoppm, pdftotext, pdfinfo = poppler("pdftoppm"), poppler("pdftotext"), poppler("pdfinfo")
    out = Path(shutil.copytree(site, tmp_path / "build"))  # the pages are cached: nothing runs again
    notebooks = site.parent / "notebooks"
    assert cli.main(["build", "--notebooks-dir", str(notebooks), "--out", str(out), "--no-progress", "--pdf"]) == 0
    pdf = out / "html" / "lecture.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and 'href="lecture.pdf"' in (out / "html" / "index.html").read_text()
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True,
                                                            check=True).stdout).group(1))

    def text(number: int) -> str:
        return subprocess.run([pdftotext, "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout

    sheets = [text(n) for n in range(1, count + 1)]
    assert "01 · Theory" in sheets[0] and "02 · More" in sheets[0]  # the cover lists the notebooks
    theory = next(n for n in range(1, count) if "The promise" in sheets[n])
    more = next(n for n in range(1, count) if "The second notebook" in sheets[n])
    assert theory == 1 and more > theory, count  # each notebook starts a new sheet
    assert "The second notebook" not in sheets[more - 1]
    assert "\U0001d6fc" in sheets[theory] and "Var" in "".join(sheets)  # MathML's italic alpha, not $\alpha$
    assert "$\\" not in "".join(sheets) and "the secret answer" not in "".join(sheets)  # solutions stay out
    subprocess.run([pdftoppm, "-r", "40", "-f", "1", "-l", "3", "-png", str(pdf), str(tmp_path / "sheet")], check=True)
    images = sorted(tmp_path.glob("sheet*.png"))
    assert len(images) == min(3, count)
    for image in images:
        stat = ImageStat.Stat(Image.open(image).convert("L"))
        assert stat.stddev[0] > 5 and stat.mean[0] < 254, f"{image.name} looks blank: {stat.mean}, {stat.stddev}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(images[1], ARTIFACTS / "pdf-sheet-2.png")

    # a later build without --pdf that runs a notebook again removes the handout: it would be stale
    assert cli.main(["build", "--notebooks-dir", str(notebooks), "--out", str(out), "--no-progress",
                     "--only", "02", "--force"]) == 0
    assert not pdf.exists() and "lecture.pdf" not in (out / "html" / "index.html").read_text()
