"""The dashboard's bar charts, laid out for SVG: a label column as wide as the longest label (so
no label is cut off unless it is very long), then the bars, then each bar's value. The same
figures are always in a table beside the chart."""

from dataclasses import dataclass

WIDTH = 720
BAR_HEIGHT = 20
BAR_GAP = 6
VALUE_WIDTH = 70
FONT_SIZE = 13
# An average character of the admin's sans-serif at FONT_SIZE is about 7 pixels wide.
CHARACTER_WIDTH = 7
MIN_LABEL_WIDTH = 90
MAX_LABEL_CHARACTERS = 44


@dataclass
class SvgBar:
    label: str
    value: int
    y: int
    width: int
    value_x: int

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT - 5


@dataclass
class SvgChart:
    width: int
    height: int
    bar_x: int
    bars: list
    font_size: int = FONT_SIZE
    bar_height: int = BAR_HEIGHT


def shortened(label):
    return label if len(label) <= MAX_LABEL_CHARACTERS else label[: MAX_LABEL_CHARACTERS - 1] + "…"


def svg_chart(chart):
    """The SVG layout of a guidance.analysis.dashboard.Chart."""
    labels = [shortened(bar.label) for bar in chart.bars]
    label_width = max(MIN_LABEL_WIDTH, max((len(label) for label in labels), default=0) * CHARACTER_WIDTH + 12)
    room = WIDTH - label_width - VALUE_WIDTH
    largest = max((bar.value for bar in chart.bars), default=0)
    bars = []
    for index, (bar, label) in enumerate(zip(chart.bars, labels, strict=True)):
        width = round(room * bar.value / largest) if largest else 0
        bars.append(SvgBar(label, bar.value, index * (BAR_HEIGHT + BAR_GAP), width, label_width + width + 6))
    return SvgChart(WIDTH, max(len(bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT), label_width, bars)
