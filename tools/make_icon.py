"""Draw static/description/icon.png: a shopping bag with a two-arrow sync circle (original art)."""

import math
import sys

from PIL import Image, ImageDraw

S = 512  # drawn large, scaled down for smooth edges
img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
d = ImageDraw.Draw(img)
# Background: rounded square, teal to green vertical gradient.
bg = Image.new("RGBA", (S, S))
for y in range(S):
    t = y / (S - 1)
    c = tuple(int(a + (b - a) * t) for a, b in zip((0, 128, 128), (60, 160, 70), strict=True)) + (255,)
    ImageDraw.Draw(bg).line([(0, y), (S, y)], fill=c)
mask = Image.new("L", (S, S), 0)
ImageDraw.Draw(mask).rounded_rectangle([0, 0, S - 1, S - 1], radius=96, fill=255)
img.paste(bg, (0, 0), mask)
white = (255, 255, 255, 255)
# Bag body and handle.
d.rounded_rectangle([136, 190, 376, 420], radius=28, fill=white)
d.arc([196, 110, 316, 250], start=180, end=360, fill=white, width=22)
# Sync circle inside the bag: two arcs with arrow heads, in the background colour.
ink = (0, 128, 110, 255)
cx, cy, r = 256, 310, 70
for start in (200, 20):
    d.arc([cx - r, cy - r, cx + r, cy + r], start=start, end=start + 140, fill=ink, width=20)
    a = math.radians(start + 140)
    tip = (cx + r * math.cos(a), cy + r * math.sin(a))
    tangent = a + math.pi / 2  # direction of travel (clockwise in screen coordinates)
    size = 34
    pts = [
        (tip[0] + size * math.cos(tangent), tip[1] + size * math.sin(tangent)),
        (tip[0] + size * 0.8 * math.cos(a), tip[1] + size * 0.8 * math.sin(a)),
        (tip[0] - size * 0.8 * math.cos(a), tip[1] - size * 0.8 * math.sin(a)),
    ]
    d.polygon(pts, fill=ink)
img.resize((128, 128), Image.LANCZOS).save(sys.argv[1], optimize=True)
