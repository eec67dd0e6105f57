"""Tiny inline-SVG charts for the HTML report (no plotting dependency, nothing fetched by the browser)."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from collections.abc import Sequence

AXIS = "#555"
GRID = "#ddd"
COLORS = ("#1f6feb", "#8a8a8a", "#d97706")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    dashed: bool = False


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _text(x: float, y: float, content: str, *, anchor: str = "middle", size: int = 11) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{AXIS}">{escape(content)}</text>')


def line_chart(series: Sequence[Series], x_labels: Sequence[str], *, title: str, x_title: str = "",
               y_max: float = 1.0, width: int = 520, height: int = 270) -> str:
    """Lines over a 0..y_max y axis (gaps for None values), with a legend when there are several series."""
    left, right, top, bottom = 44, 16, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    steps = max(len(x_labels) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / steps

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    body = []
    for tick in range(6):
        value = y_max * tick / 5
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                    f'stroke="{GRID}"/>')
        body.append(_text(left - 6, y(value) + 4, f"{value:.1f}", anchor="end"))
    for i, label in enumerate(x_labels):
        body.append(_text(x(i), height - bottom + 16, label))
    if x_title:
        body.append(_text(left + plot_w / 2, height - 4, x_title))
    for index, line in enumerate(series):
        color = COLORS[index % len(COLORS)]
        points = [(x(i), y(v)) for i, v in enumerate(line.values) if v is not None]
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        body += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"/>' for px, py in points]
        if len(series) > 1:  # legend bottom right: hit@k curves rise, so that corner is usually empty
            legend_x, legend_y = width - right - 110 * (len(series) - index), top + plot_h - 12
            body.append(f'<rect x="{legend_x}" y="{legend_y - 4}" width="12" height="4" fill="{color}"/>')
            body.append(_text(legend_x + 16, legend_y, line.label, anchor="start"))
    return _svg(width, height, body, title)


def bar_chart(items: Sequence[tuple[str, float | None, str]], *, title: str, x_max: float = 1.0,
              width: int = 520) -> str:
    """Horizontal bars: (label, value or None, annotation such as "n=12")."""
    row, left, right, top = 22, 150, 90, 8
    height = top * 2 + row * max(len(items), 1)
    plot_w = width - left - right
    body = []
    for i, (label, value, note) in enumerate(items):
        y = top + i * row
        body.append(_text(left - 6, y + 15, label if len(label) <= 22 else label[:21] + "…", anchor="end"))
        if value is not None:
            bar = plot_w * max(0.0, min(value, x_max)) / x_max
            body.append(f'<rect x="{left}" y="{y + 4}" width="{bar:.1f}" height="{row - 8}" fill="{COLORS[0]}"/>')
        shown = "n/a" if value is None else f"{value:.2f}"
        body.append(_text(left + plot_w + 6, y + 15, f"{shown} {note}".strip(), anchor="start"))
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - top}" stroke="{AXIS}"/>')
    return _svg(width, height, body, title)


def histogram(values: Sequence[float], *, title: str, unit: str = "ms", bins: int = 12,
              width: int = 520, height: int = 220) -> str:
    left, right, top, bottom = 40, 16, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    body = []
    if values:
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        counts = [0] * bins
        for value in values:
            counts[min(int((value - low) / span * bins), bins - 1)] += 1
        peak = max(counts)
        bar_w = plot_w / bins
        for i, count in enumerate(counts):
            bar_h = plot_h * count / peak
            body.append(f'<rect x="{left + i * bar_w + 1:.1f}" y="{top + plot_h - bar_h:.1f}" '
                        f'width="{bar_w - 2:.1f}" height="{bar_h:.1f}" fill="{COLORS[0]}">'
                        f"<title>{count}</title></rect>")
        body.append(_text(left - 6, top + 10, str(peak), anchor="end"))
        body.append(_text(left, height - bottom + 16, f"{low:.0f} {unit}", anchor="start"))
        body.append(_text(width - right, height - bottom + 16, f"{high:.0f} {unit}", anchor="end"))
    else:
        body.append(_text(width / 2, height / 2, "no data"))
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{AXIS}"/>')
    body.append(_text(width / 2, height - 6, "questions per latency bin"))
    return _svg(width, height, body, title)

