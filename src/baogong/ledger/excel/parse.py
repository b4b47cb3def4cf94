"""From raw sheets to clean rows: find the header, read every cell, report every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from baogong.adapters.excel import RawSheet
from baogong.errors import Label
from baogong.i18n import N_, gettext
from baogong.ledger.excel import cells
from baogong.ledger.excel.spec import SHEETS, Column, Sheet, is_example

HEADER_SEARCH_ROWS = 12


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: sheet, row, column and the value found."""

    sheet: str
    row: int | None
    column: str
    value: Any
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    warning: bool = False
    """A warning is reported but does not stop the import."""

    def text(self) -> str:
        """One line in the current language."""
        where = gettext("sheet {sheet}").format(sheet=self.sheet)
        if self.row is not None:
            where += " " + gettext("row {row}").format(row=self.row)
        if self.column:
            where += " " + gettext("column {column}").format(column=self.column)
        shown = "" if self.value is None else f" 「{self.value}」"
        params = {k: gettext(v) if isinstance(v, Label) else v for k, v in self.params.items()}
        return f"{where}{shown}: {gettext(self.message).format(**params)}"


@dataclass
class Row:
    """A data row read without problems: its number and its values by column key."""

    number: int
    values: dict[str, Any]


@dataclass
class ParsedSheet:
    """The rows of one sheet that read cleanly, and the problems of the others."""

    spec: Sheet
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _norm_header(value: Any) -> str:
    return cells.text(value).replace(" ", "").lower()


def _names(col: Column) -> set[str]:
    return {_norm_header(n) for n in (col.header, *col.variants)}


def _spec_for(name: str) -> Sheet | None:
    clean = _norm_header(name)
    for spec in SHEETS:
        if clean == spec.name:
            return spec
    for spec in SHEETS:  # "企业台账", "库存(4月9日)" ...
        if clean.startswith(spec.name):
            return spec
    return None


def find_header(raw: RawSheet, spec: Sheet) -> tuple[int, dict[int, Column]] | Problem:
    """The header row (under any title rows) and which column holds which field."""
    best: tuple[int, dict[int, Column]] | None = None
    for number, values in raw.rows[:HEADER_SEARCH_ROWS]:
        found: dict[int, Column] = {}
        for idx, value in enumerate(values):
            head = _norm_header(value)
            for col in spec.columns:
                if head and head in _names(col) and col not in found.values():
                    found[idx] = col
                    break
        if best is None or len(found) > len(best[1]):
            best = (number, found)
    if best is None or not best[1]:
        return Problem(spec.name, None, "", None, N_("no header row found: expected {headers}"),
                       {"headers": "、".join(c.header for c in spec.columns if c.required)})
    missing = [c.header for c in spec.columns if c.required and c not in best[1].values()]
    if missing:
        return Problem(spec.name, best[0], "", None, N_("missing column(s): {headers}"),
                       {"headers": "、".join(missing)})
    return best


def parse_sheet(raw: RawSheet, spec: Sheet) -> ParsedSheet:
    """Read every data row of a sheet; duplicates of the key are problems too."""
    out = ParsedSheet(spec)
    header = find_header(raw, spec)
    if isinstance(header, Problem):
        out.problems.append(header)
        return out
    header_row, columns = header
    seen: dict[tuple[Any, ...], int] = {}
    for number, values in raw.rows:
        if number <= header_row:
            continue
        example = next(((col, values[idx]) for idx, col in columns.items()
                        if col.key in spec.key and idx < len(values)
                        and is_example(values[idx])), None)
        if example:
            out.problems.append(Problem(spec.name, number, example[0].header, example[1],
                                        N_("example row of the template, not imported"),
                                        warning=True))
            continue
        parsed: dict[str, Any] = {}
        bad = False
        for idx, col in columns.items():
            value = values[idx] if idx < len(values) else None
            if col.read_only:
                continue
            if col.required and cells.text(value) == "":
                out.problems.append(Problem(spec.name, number, col.header, None,
                                            N_("is required")))
                bad = True
                continue
            try:
                parsed[col.key] = col.parse(value)
            except cells.CellError as err:
                out.problems.append(Problem(spec.name, number, col.header, value, err.message,
                                            err.params))
                bad = True
        if bad:
            continue
        key = tuple(parsed.get(k) for k in spec.key)
        if key in seen:
            col = spec.column(spec.key[0])
            out.problems.append(Problem(spec.name, number, col.header, "/".join(map(str, key)),
                                        N_("duplicate of row {row}"), {"row": seen[key]}))
            continue
        seen[key] = number
        out.rows.append(Row(number, parsed))
    return out


def parse_workbook(raw_sheets: list[RawSheet]) -> tuple[dict[str, ParsedSheet], list[Problem]]:
    """Parse every known sheet; sheets with unknown names are reported, not guessed."""
    parsed: dict[str, ParsedSheet] = {}
    problems: list[Problem] = []
    for raw in raw_sheets:
        spec = _spec_for(raw.name)
        if spec is None:
            if _norm_header(raw.name) not in ("说明", "填写说明", "notes"):
                problems.append(Problem(raw.name, None, "", None,
                                        N_("unknown sheet, not imported; known sheets: {names}"),
                                        {"names": "、".join(s.name for s in SHEETS)},
                                        warning=True))
            continue
        if spec.name in parsed:
            problems.append(Problem(raw.name, None, "", None, N_("sheet {name} appears twice"),
                                    {"name": spec.name}))
            continue
        sheet = parse_sheet(raw, spec)
        parsed[spec.name] = sheet
        problems.extend(sheet.problems)
    return parsed, problems
