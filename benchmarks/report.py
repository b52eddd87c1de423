"""Collecting samples into rows and printing them as markdown tables.

>>> results = Results(); print("\\n".join(results_table(results)))   # doctest: +SKIP
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from harness import Sample


@dataclass
class Row:
    """One scenario for one library: timed samples and the traced (memory) one."""

    scenario: str
    library: str
    samples: list[Sample] = field(default_factory=list)
    traced: Sample | None = None

    @property
    def every(self) -> list[Sample]:
        return self.samples + ([self.traced] if self.traced else [])


class Results:
    """Rows by (scenario group, size, scenario, library), printed in that order."""

    GROUPS = ("S2", "S2d", "S6", "S7", "S8")

    def __init__(self) -> None:
        self.rows: dict[tuple, Row] = {}

    def add(self, group: str, n: int, scenario: str, library: str, sample: Sample, traced: bool) -> None:
        lib_order = (0 if library.startswith("openstacksdk") else 2 if "cache" in library
                     else 3 if library.startswith("floor") else 1)
        row = self.rows.setdefault((self.GROUPS.index(group), n, scenario, lib_order), Row(scenario, library))
        if traced:
            row.traced = sample
        else:
            row.samples.append(sample)

    def ordered(self) -> list[Row]:
        return [self.rows[k] for k in sorted(self.rows)]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _notes(row: Row) -> str:
    every = row.every
    notes = []
    counts = sorted({s.requests for s in every})
    if len(counts) > 1:
        notes.append(f"requests varied {counts[0]}-{counts[-1]}")
    if any(s.client_errors for s in every):
        notes.append(f"{max(s.client_errors for s in every)} answered 4xx")
    unexpected = sorted({u for s in every for u in s.unexpected})
    if unexpected:
        shown = ", ".join(unexpected[:3]) + (f" (+{len(unexpected) - 3} more)" if len(unexpected) > 3 else "")
        notes.append(f"{max(len(s.unexpected) for s in every)} unexpected: {shown}")
    if any(s.sleeps for s in every):
        notes.append(f"{max(s.sleeps for s in every)} sleeps asked")
    if any(s.sockets for s in every):
        notes.append(f"{max(s.sockets for s in every)} socket connects refused")
    if len(row.samples) > 1:
        ops = [s.op_ms for s in row.samples]
        notes.append(f"{len(ops)} runs, {_ms(min(ops))}-{_ms(max(ops))} ms")
    return "; ".join(notes)


def _valid(row: Row) -> str:
    verdicts = sorted({s.valid for s in row.every})
    return verdicts[0] if len(verdicts) == 1 else "varies: " + " / ".join(verdicts)


def results_table(results: Results) -> list[str]:
    """The main table: requests, median op and client time, traced peak, validity, notes."""
    lines = ["| scenario | library | requests | op ms | client ms | peak KiB | valid | notes |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    for row in results.ordered():
        op = _median([s.op_ms for s in row.samples])
        client = _median([s.op_ms - s.fake_ms for s in row.samples])
        peak = f"{row.traced.peak_kib:,.0f}" if row.traced and row.traced.peak_kib is not None else "-"
        lines.append(f"| {row.scenario} | {row.library} | {max(s.requests for s in row.every)} | {_ms(op)} "
                     f"| {_ms(client)} | {peak} | {_valid(row)} | {_notes(row)} |")
    return lines


def ratio_table(results: Results) -> list[str]:
    """openstacksdk over normalizer without cache, per scenario."""
    by_scenario: dict[str, dict[str, Row]] = {}
    for row in results.ordered():
        by_scenario.setdefault(row.scenario, {})[row.library] = row
    lines = ["| scenario | requests (openstacksdk / normalizer) | op time ratio | peak memory ratio |",
             "|---|---:|---:|---:|"]
    for scenario, rows in by_scenario.items():
        sdk = next((r for lib, r in rows.items() if lib.startswith("openstacksdk")), None)
        ours = next((r for lib, r in rows.items() if lib.startswith("normalizer") and "cache" not in lib), None)
        if not (sdk and ours and sdk.samples and ours.samples):
            continue
        op = _median([s.op_ms for s in sdk.samples]) / _median([s.op_ms for s in ours.samples])
        peaks = (sdk.traced, ours.traced)
        mem = f"{peaks[0].peak_kib / peaks[1].peak_kib:.1f}x" if all(p and p.peak_kib for p in peaks) else "-"
        lines.append(f"| {scenario} | {max(s.requests for s in sdk.every)} / {max(s.requests for s in ours.every)} "
                     f"| {op:.1f}x | {mem} |")
    return lines


def mix_lines(results: Results, largest: int = 12) -> list[str]:
    """What each library asked for, per scenario (first timed run; ids collapsed to {id})."""
    lines = []
    for row in results.ordered():
        sample = row.samples[0] if row.samples else row.traced
        if sample is None:
            continue
        shown = list(sample.mix.items())[:largest]
        rest = sum(sample.mix.values()) - sum(count for _, count in shown)
        text = ", ".join(f"{count}x `{call}`" for call, count in shown) + (f", {rest} more" if rest else "")
        lines.append(f"- {row.scenario}, {row.library} ({sample.requests}): {text or 'none'}")
    return lines


def connect_costs(results: Results) -> list[str]:
    """Median connect time per library (neither does I/O at connect)."""
    lines = ["| library | connect ms (median over every connection) |", "|---|---:|"]
    by_lib: dict[str, list[float]] = {}
    for row in results.ordered():
        by_lib.setdefault(row.library, []).extend(s.connect_ms for s in row.samples if s.connect_ms)
    for lib, values in by_lib.items():
        lines.append(f"| {lib} | {_median(values):.2f} |")
    return lines
