"""
Rebuild the signing assets checked in under signatures/static/signatures/:

- ``DejaVuSerif-vi-1000upem.ttf``: DejaVu Serif (free licence, see docs/signatures.md),
  subset to Latin + Vietnamese and rescaled from 2048 to 1000 units/em. pyHanko writes
  unscaled glyph widths for TrueType fonts, so a 2048-units/em font renders letter-spaced;
  rescaling with fontTools avoids it.
- ``seal-sample.png``: a sample red seal (transparent background) for tests and demo units;
  each unit uploads its own seal image in production.

Run: python -m egov.devtools.build_assets /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf
"""
from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "signatures"
FONT_NAME = "DejaVuSerif-vi-1000upem.ttf"
SEAL_NAME = "seal-sample.png"

# Basic Latin, Latin-1, Latin Extended-A/B (Ơ ơ Ư ư Đ đ), combining marks, Latin Extended
# Additional (ạ ả ấ … ỹ), general punctuation, and the signs used in stamps.
UNICODES = [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00),
            *range(0x2010, 0x2030), 0x20AB, 0x2116]


def build_font(source: str, target: Path) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    font.save(str(target))
    return target


def build_seal(font_path: Path, target: Path, *, size: int = 600) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    red = (220, 20, 30, 255)
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((8, 8, size - 8, size - 8), outline=red, width=18)
    d.ellipse((70, 70, size - 70, size - 70), outline=red, width=8)
    cx = cy = size // 2
    import math

    star = []
    for i in range(10):
        r = 70 if i % 2 == 0 else 28
        a = -math.pi / 2 + i * math.pi / 5
        star.append((cx + r * math.cos(a), cy - 40 + r * math.sin(a)))
    d.polygon(star, fill=red)
    font = ImageFont.truetype(str(font_path), 40)
    for text, y in (("ỦY BAN NHÂN DÂN", cy + 50), ("MẪU THỬ", cy + 105)):
        w = d.textlength(text, font=font)
        d.text((cx - w / 2, y), text, font=font, fill=red)
    img.save(target, optimize=True)
    return target


def main(argv: list[str]) -> None:
    source = argv[1] if len(argv) > 1 else "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
    OUT.mkdir(parents=True, exist_ok=True)
    font = build_font(source, OUT / FONT_NAME)
    build_seal(font, OUT / SEAL_NAME)
    print(font, OUT / SEAL_NAME)


if __name__ == "__main__":
    main(sys.argv)
