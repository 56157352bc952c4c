"""Every figure the README quotes from a benchmark is in a current table of benchmarks/RESULTS.md.

Which figures. The README's "## Tasks" section reports the results, one task per bullet `- **<task>**`
(with the paragraphs up to the next bullet). Its fenced code blocks, table rows, images and inline code
spans (commands, option values) are left out, and so are references (§8.11, Table 10.3, Figure 8.2,
eq. (1)). In the prose left, a figure is

- a decimal number (`0.434`, `16.5`, `2.3×`), unless it sizes something (`0.71M`, `134k`: parameter and
  word counts) or is part of a version (`2.13.0`);
- a percentage (`82 %`, `0.5 %`); in `90 / 93 %` both numbers are.

Integers without % are counts, steps, minutes, dates and sizes (`4 voices`, `5,000 steps`, `2026-12-05`):
not checked. A figure that is not a measurement (a goal, a literature value) or that is computed from
table figures (a ratio) is listed in EXEMPT or DERIVED, with the README text around it and why; a derived
figure's computation is checked against RESULTS.md.

When a figure is traced. A task's figures are looked up in the RESULTS.md sections of that task (titles
starting with TASKS[task]; all sections for a task TASKS does not name), whose numbers are read with their
commas dropped. A figure is traced when one of those numbers gives it

- as written, or rounded to the figure's decimals (16.54 -> 16.5, half up or half even), never from
  fewer decimals (1.3 does not trace 1.30, 1.25 does trace 1.3);
- for a percentage p with d decimals, also as a fraction x with at least d + 2 decimals whose 100 x
  rounds to p (0.82 -> 82 %, 0.001 -> 0.1 %, but 0.9 does not give 90 %); for a decimal, also as a
  percentage that way round (43.4 % -> 0.434).

It is an occurrence test: it catches a figure that no current table holds (a table moved to ARCHIVE.md,
a measurement no benchmark printed), not a figure quoted for the wrong row of a table.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# (figure, the README text around it, why it is not looked up)
EXEMPT = [
    ("4.91", "the paper's Bach median (4.91)", "Fang et al.'s published figure, not a regen measurement"),
    ("1.3", "(the goal, 1.3×, is not reached)", "the issue's goal"),
    ("1.3", "goal 1.3×", "the issue's goal"),
    ("0.2", "above the 0.2 aim", "the issue's goal"),
    ("1.2", "short of the 1.2× goal", "the issue's goal"),
    ("1.3", "(goal: within 1.3×)", "the issue's goal"),
    ("1", "SLAM (cosine at or below 1 %)", "the thesis' figure"),
]
# (figure, the README text around it, how it follows from RESULTS.md figures: checked)
DERIVED = [
    ("2.2", "2.2 hours on 2 CPU cores", "7917 / 3600"),  # the shipped chorale model's train s
    ("24", "drew 24 % of true abstractions", "100 * (1 - 0.764)"),  # the 4x4 pooled renderer's accuracy
    ("2.3", "still 2.3× further from Bach", "16.54 / 7.30"),
    ("1.7", "(1.7×; goal", "12.62 / 7.30"),
    ("1.5", "10.8 (1.5×)", "10.79 / 7.30"),
    ("8.9", "8.9x the voice's WER", "0.443 / 0.050"),
]
# a README task -> the title prefix of its RESULTS.md sections
TASKS = {"Images": "Images:", "Music": "Music:", "Lyrics → melody": "Music: lyrics", "Speech": "Speech:",
         "Speech recognition": "Speech recognition", "Text": "Text:"}

NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
TABLE_PERCENT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s?%")
REFERENCE = re.compile(r"(?:§|\bTable |\bFigure |\beq\. \()\d+(?:\.\d+)*")
PERCENT_PAIR = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?/\s?(\d+(?:\.\d+)?)\s?%")
FIGURE = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)(?!\d|\.\d|,\d)(\s?%|[A-Za-z×]*)")


def results_prose(readme: str) -> list[tuple[str, str]]:
    """(task, prose) for each task of the README's "## Tasks" section, whitespace collapsed, without code
    blocks, tables, images, inline code or references."""
    tasks = readme.split("\n## Tasks\n", 1)[1].split("\n## ", 1)[0]
    tasks = re.sub(r"```.*?```", "", tasks, flags=re.DOTALL)
    lines = [line for line in tasks.splitlines() if not line.lstrip().startswith(("|", "!["))]
    prose = re.sub(r"\s+", " ", REFERENCE.sub(" ", re.sub(r"`[^`]*`", " ", "\n".join(lines))))
    parts = re.split(r"(?:^| )- \*\*([^*]+)\*\*", prose)
    return [(task, text) for task, text in zip(["", *parts[1::2]], parts[0::2]) if text.strip()]


def figures(prose: str) -> list[tuple[str, bool, str]]:
    """(figure, whether a percentage, the text around it) for every figure of `prose`."""
    found = []
    for match in PERCENT_PAIR.finditer(prose):
        found += [(match[1], True, match[0]), (match[2], True, match[0])]
    prose = PERCENT_PAIR.sub(" ", prose)
    for match in FIGURE.finditer(prose):
        number, suffix = match[1], match[2]
        percent = suffix.strip() == "%"
        if percent or ("." in number and suffix not in ("M", "k")):
            found.append((number, percent, prose[max(0, match.start() - 60):match.end() + 30]))
    return found


def tables_of(results: str, task: str) -> str:
    """The sections of RESULTS.md that report `task`: all of them for a task TASKS does not name."""
    prefix = TASKS.get(task)
    return "\n".join(s for s in re.split(r"\n(?=## )", results) if prefix is None or s.startswith(f"## {prefix}"))


def decimals(number: str) -> int:
    return len(number.partition(".")[2])


def rounds_to(value: Decimal, figure: str) -> bool:
    """Whether `value`, rounded to the decimals of `figure`, is `figure`."""
    target = Decimal(figure)
    return any(value.quantize(target, rounding=r) == target for r in (ROUND_HALF_UP, ROUND_HALF_EVEN))


def traced(figure: str, percent: bool, numbers: list[str], percents: list[str]) -> bool:
    """Whether `numbers` or `percents` (of RESULTS.md) give `figure`, by the rule of the module docstring."""
    d = decimals(figure)
    if any(decimals(x) >= d and rounds_to(Decimal(x), figure) for x in (percents if percent else numbers)):
        return True
    if percent:
        return any(decimals(x) >= d + 2 and rounds_to(Decimal(x) * 100, figure) for x in numbers)
    return any(decimals(p) + 2 >= d and rounds_to(Decimal(p) / 100, figure) for p in percents)


def untraced(readme: str, results: str) -> list[str]:
    """The README figures RESULTS.md does not give, each with its task and text (empty when all are traced)."""
    missing = []
    for task, prose in results_prose(readme):
        tables = tables_of(results, task)
        numbers = [m.replace(",", "") for m in NUMBER.findall(tables)]
        percents = [m.replace(",", "") for m in TABLE_PERCENT.findall(tables)]
        for figure, percent, context in figures(prose):
            if any(f == figure and text in context for f, text, _ in EXEMPT + DERIVED):
                continue
            if not traced(figure, percent, numbers, percents):
                missing.append(f"{figure}{' %' if percent else ''} ({task}): ...{context}...")
    return missing


def test_every_readme_figure_is_in_results() -> None:
    missing = untraced((ROOT / "README.md").read_text(), (ROOT / "benchmarks" / "RESULTS.md").read_text())
    assert not missing, "README figures not in benchmarks/RESULTS.md:\n" + "\n".join(missing)


def test_exempt_and_derived_figures_are_quoted_and_derived_ones_hold() -> None:
    prose = " ".join(text for _, text in results_prose((ROOT / "README.md").read_text()))
    numbers = {m.replace(",", "") for m in NUMBER.findall((ROOT / "benchmarks" / "RESULTS.md").read_text())}
    for figure, text, _ in EXEMPT + DERIVED:
        assert figure in text and text in prose, f"{text!r} is no longer in the README: drop it from the list"
    for figure, text, expression in DERIVED:
        assert re.fullmatch(r"[\d. ()+\-*/]+", expression)
        operands = set(NUMBER.findall(expression)) - {"1", "100", "3600"}
        assert operands <= numbers, f"{text!r}: {sorted(operands - numbers)} not in RESULTS.md"
        value = eval(expression, {"__builtins__": {}})  # digits and arithmetic only, checked above
        assert rounds_to(Decimal(repr(value)), figure), f"{text!r}: {expression} = {value}"


def test_the_rule_finds_the_figures_and_fails_on_untraced_ones() -> None:
    readme = ("intro 0.5\n## Tasks\n\n- **Speech** (`regen.speech`, `--rate 1.2`): WER 0.434 [0.360, 0.509], 82 %\n"
              "  clean, 90 / 93 % and 2.3× (0.71M parameters, thesis §8.11, 4 voices, torch 2.13.0).\n\n"
              "```bash\nregen x --temperature 0.65\n```\n\n| table | 0.999 |\n\n- **Text**: BLEU 4.92.\n\n"
              "## Layout\n0.777\n")
    assert [(task, [(f, p) for f, p, _ in figures(prose)]) for task, prose in results_prose(readme)] == [
        ("Speech", [("90", True), ("93", True), ("0.434", False), ("0.360", False), ("0.509", False),
                    ("82", True), ("2.3", False)]),
        ("Text", [("4.92", False)])]
    results = ("# Results\n\n## Speech: a table — 2026-12-07 10:00\n\n| 0.4344 | 0.36 | 0.5091 | 0.82 | 0.9 | 0.93 "
               "| 2.27 |\n\n## Images: another — 2026-12-07 09:00\n\n| 4.92 |\n")
    missing = untraced(readme, results)
    # 0.9 has too few decimals for 90 %, 0.36 for 0.360; 4.92 is in another task's table
    assert [m.split(":")[0] for m in missing] == ["90 % (Speech)", "0.360 (Speech)", "4.92 (Text)"]
    assert traced("43.4", True, [], ["43.4"]) and traced("0.434", False, [], ["43.4"])
    assert traced("1.3", False, ["1.25"], []) and not traced("1.30", False, ["1.3"], [])
