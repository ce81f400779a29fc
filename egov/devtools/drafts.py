"""
Test material for drafts: a draft PDF laid out as NĐ 30 Phụ lục I says (issuer, national
title, number placeholder, place and date, type and subject, body, recipients, signer block
with room for the signature image), a blue signature image and a red seal image (PNG with
transparency), and a SoftHSM2 setup holding several keys. Used by tests and the demo; never
by the running portal.
"""
from __future__ import annotations

import glob
import io
import os
import shutil
import subprocess
from pathlib import Path

FONT = Path(__file__).resolve().parents[2] / "signatures" / "static" / "signatures" / "DejaVuSerif-vi-1000upem.ttf"

__all__ = ["make_draft_pdf", "signature_png", "seal_png", "SoftHSM"]


def make_draft_pdf(*, issuer: str = "SỞ NỘI VỤ", notation: str = "SNV-VP", subject: str = "Về việc thử nghiệm",
                   body: str = "Nội dung dự thảo.", signer_title: str = "GIÁM ĐỐC", signer_name: str = "Nguyễn Văn An",
                   competence_line: str = "", place: str = "Nghệ An", recipients: str = "Như trên;\nLưu: VT.") -> bytes:
    """One A4 page with a real signer block: the title line, a gap for the signature, the name."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    pdf.set_xy(40, 40)
    pdf.cell(220, 16, issuer, align="C")
    pdf.set_xy(280, 40)
    pdf.cell(280, 16, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
    pdf.set_xy(280, 58)
    pdf.cell(280, 16, "Độc lập - Tự do - Hạnh phúc", align="C")
    pdf.set_xy(40, 80)
    pdf.cell(220, 16, f"Số:      /{notation}", align="C")
    pdf.set_xy(280, 80)
    pdf.cell(280, 16, f"{place}, ngày     tháng     năm 2026", align="C")
    pdf.set_xy(40, 110)
    pdf.multi_cell(220, 15, subject, align="C")
    pdf.set_xy(60, 170)
    pdf.multi_cell(480, 16, body)
    pdf.set_xy(40, 560)
    pdf.multi_cell(220, 14, "Nơi nhận:\n" + recipients)
    y = 560
    for line in ([competence_line] if competence_line else []) + [signer_title]:
        pdf.set_xy(300, y)
        pdf.cell(240, 16, line, align="C")
        y += 18
    pdf.set_xy(300, y + 80)  # the gap where the signature image goes
    pdf.cell(240, 16, signer_name, align="C")
    return bytes(pdf.output())


def _png(colour: tuple[int, int, int], draw) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw(ImageDraw.Draw(img), colour)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def signature_png(colour: tuple[int, int, int] = (20, 40, 200)) -> bytes:
    """A handwriting-like blue stroke on a transparent background."""
    def draw(d, c):
        d.line([(20, 80), (70, 30), (110, 90), (160, 25), (210, 85), (280, 40)], fill=(*c, 255), width=7)
        d.arc([(60, 40), (240, 110)], 180, 360, fill=(*c, 255), width=5)
    return _png(colour, draw)


def seal_png(colour: tuple[int, int, int] = (210, 20, 20)) -> bytes:
    def draw(d, c):
        d.ellipse([(95, 5), (205, 115)], outline=(*c, 255), width=8)
        d.ellipse([(120, 30), (180, 90)], outline=(*c, 255), width=4)
    return _png(colour, draw)


def _softhsm_module() -> str:
    for candidate in ["/usr/lib/softhsm/libsofthsm2.so", *glob.glob("/usr/lib/*/softhsm/libsofthsm2.so")]:
        if os.path.exists(candidate):
            return candidate
    raise FileNotFoundError("libsofthsm2.so")


class SoftHSM:
    """
    One SoftHSM2 token directory per process, with every token created before the library is
    first initialised (SoftHSM reads its tokens at C_Initialize, once per process).
    """

    _instance = None

    def __init__(self, root: Path, tokens: dict[str, dict]):
        util = shutil.which("softhsm2-util")
        if util is None:
            raise FileNotFoundError("softhsm2-util")
        (root / "tokens").mkdir(parents=True, exist_ok=True)
        conf = root / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        self.module = _softhsm_module()
        self.tokens = {}
        run = lambda *a: subprocess.run([util, *a], check=True, capture_output=True, text=True)  # noqa: E731
        for label, spec in tokens.items():
            run("--init-token", "--free", "--label", label, "--pin", spec["pin"], "--so-pin", spec.get("so_pin",
                                                                                                    "13579113"))
            for i, (key_label, key_pem) in enumerate(spec["keys"].items()):
                key = root / f"{label}-{key_label}.pem"
                key.write_bytes(key_pem)
                run("--import", str(key), "--token", label, "--label", key_label, "--id", f"0a{i + 1:02d}",
                    "--pin", spec["pin"])
                key.unlink()  # the private key now lives only in the token
            self.tokens[label] = {"module": self.module, "token": label, "pin": spec["pin"],
                                  "keys": list(spec["keys"])}

    @classmethod
    def once(cls, root: Path, tokens: dict[str, dict]) -> "SoftHSM":
        if cls._instance is None:
            cls._instance = cls(root, tokens)
        return cls._instance
