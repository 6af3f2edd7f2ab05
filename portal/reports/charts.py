"""Charts as SVG strings drawn on the server: no script, no CDN, readable by screen readers.

Every text is escaped; each chart has <title> and <desc> and is labelled by them; colours are
the stylesheet's custom properties (with a fallback), so the charts follow the portal's theme.
"""
from __future__ import annotations

from html import escape
from typing import Sequence

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 36
BAR = "var(--accent, #1f4a7a)"
LINE = "var(--ok-ink, #1d6b3a)"
GRID = "var(--line, #d9d5cb)"
TEXT = "var(--ink, #1c2430)"


def _frame(chart_id: str, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def _axes(top_value: str, labels: Sequence[str], every: int) -> list[str]:
    plot_w = WIDTH - LEFT - RIGHT
    base = HEIGHT - BOTTOM
    parts = [f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{GRID}"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}" stroke="{GRID}" stroke-dasharray="4 4"/>',
             f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11" fill="{TEXT}">{escape(top_value)}</text>',
             f'<text x="{LEFT - 6}" y="{base + 4}" text-anchor="end" font-size="11" fill="{TEXT}">0</text>']
    step = plot_w / max(len(labels), 1)
    for i, label in enumerate(labels):
        if (len(labels) - 1 - i) % every == 0:  # counted from the latest week, which is always labelled
            x = LEFT + step * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
                         f'fill="{TEXT}">{escape(label)}</text>')
    return parts


def bar_chart(chart_id: str, *, title: str, desc: str, labels: Sequence[str], values: Sequence[int]) -> str:
    """Vertical bars, one per label; the scale starts at zero."""
    top = max([*values, 1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values), 1)
    body = _axes(str(top), labels, every=4)
    for i, (label, value) in enumerate(zip(labels, values)):
        height = plot_h * value / top
        body.append(f'<rect x="{LEFT + step * i + step * 0.15:.1f}" y="{TOP + plot_h - height:.1f}" '
                    f'width="{step * 0.7:.1f}" height="{height:.1f}" fill="{BAR}">'
                    f'<title>{escape(label)}: {value}</title></rect>')
    return _frame(chart_id, title, desc, body)


def share_chart(chart_id: str, *, title: str, desc: str, labels: Sequence[str],
                shares: Sequence[float | None]) -> str:
    """A line of shares (0–100 %); weeks without a value leave a gap and no point."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(shares), 1)
    body = _axes("100%", labels, every=4)
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, (label, share) in enumerate(zip(labels, shares)):
        if share is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        x, y = LEFT + step * (i + 0.5), TOP + plot_h * (1 - share)
        segment.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE}">'
                    f'<title>{escape(label)}: {share * 100:.0f}%</title></circle>')
    if segment:
        segments.append(segment)
    for points in segments:
        body.insert(4, f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    return _frame(chart_id, title, desc, body)
