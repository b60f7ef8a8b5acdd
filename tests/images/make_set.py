#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The generated image set for the camera's decoder (retourctl decode).

Usage: tests/images/make_set.py OUTDIR [--per N] [--seed S] [--size WxH]

Renders codes with zint (Debian's package) -- Code 128, EAN-13, QR,
DataMatrix (GS1) and GS1-128 with AIs -- pastes each on a paper-grey
page at a random place, then makes variants: clean, rotation, blur, noise,
low contrast and perspective.  Also pages with NO code (noise, gradients,
stripes, text-like marks) for the false-positive count.

Writes OUTDIR/*.png and OUTDIR/manifest.json: one row per image,
{"file", "symbology", "variant", "data"} where data is what the station's
decoder must read (GS1 fields with a GS, \\u001d, after a variable-length
field; EAN-13 with its check digit); symbology is null for a page with no
code.  Deterministic for a seed: the same files every run.  Nothing here is
committed; tests and the bench generate it into build/.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw, ImageFilter

GS = "\x1d"
VARIANTS = ["clean", "rotate", "blur", "noise", "lowcontrast", "perspective"]


def ean13(rng):
    d = [rng.randrange(10) for _ in range(12)]
    d[0] = rng.randrange(1, 10)
    s = sum(x * (3 if i % 2 else 1) for i, x in enumerate(d))
    return "".join(map(str, d)), "".join(map(str, d)) + str((10 - s % 10) % 10)


def gtin14(rng):
    d = [0] + [rng.randrange(10) for _ in range(12)]
    s = sum(x * (3 if i % 2 == 0 else 1) for i, x in enumerate(d))
    return "".join(map(str, d)) + str((10 - s % 10) % 10)


def code_for(sym, rng, n):
    """(zint args, zint data, expected decoded data)"""
    if sym == "code128":
        v = "RMA-%05d-%s" % (rng.randrange(100000), "ABCDEFGH"[n % 8])
        return ["--barcode=20"], v, v
    if sym == "ean13":
        data, full = ean13(rng)
        return ["--barcode=13"], data, full
    if sym == "qr":
        v = "https://returns.example/r/%08d" % rng.randrange(10 ** 8)
        return ["--barcode=58"], v, v
    gtin = gtin14(rng)
    lot = "L%04d" % rng.randrange(10000)
    ser = "S%06d" % rng.randrange(10 ** 6)
    human = "[01]%s[10]%s[21]%s" % (gtin, lot, ser)
    want = "01%s10%s%s21%s" % (gtin, lot, GS, ser)
    if sym == "gs1-128":
        return ["--barcode=16"], human, want
    return ["--barcode=71", "--gs1"], human, want  # GS1 DataMatrix


SCALE = {"code128": 1, "ean13": 1.5, "qr": 2, "datamatrix": 3, "gs1-128": 1}  # px = 2 x scale


def render(tmp, sym, args, data):
    out = os.path.join(tmp, "code.png")
    subprocess.run(["zint", *args, "--scale=%g" % SCALE[sym],
                    "--whitesp=10", "--vwhitesp=10", "-d", data, "-o", out],
                   check=True, capture_output=True)
    with Image.open(out) as im:
        return im.convert("L")


def page(size, rng):
    return Image.new("L", size, 200 + rng.randrange(40))


def place(code, size, rng):
    pg = page(size, rng)
    x = rng.randrange(max(1, size[0] - code.width))
    y = rng.randrange(max(1, size[1] - code.height))
    pg.paste(code, (x, y))
    return pg


def noise(img, rng, amount):
    n = Image.frombytes("L", img.size, rng.randbytes(img.width * img.height))
    return Image.blend(img, n, amount)


def variant(img, code, size, name, rng):
    if name == "clean":
        return place(code, size, rng)
    if name == "rotate":
        r = code.rotate(rng.choice([-1, 1]) * rng.uniform(5, 20), expand=True,
                        fillcolor=255, resample=Image.BICUBIC)
        return place(r, size, rng)
    if name == "blur":
        return place(code, size, rng).filter(
            ImageFilter.GaussianBlur(rng.uniform(0.8, 1.4)))
    if name == "noise":
        return noise(place(code, size, rng), rng, rng.uniform(0.15, 0.25))
    if name == "lowcontrast":
        lo, hi = 90 + rng.randrange(20), 150 + rng.randrange(20)
        return place(code, size, rng).point(lambda v: lo + v * (hi - lo) // 255)
    # perspective: the page seen from a little aside
    pg = place(code, size, rng)
    w, h = size
    k = rng.uniform(0.0002, 0.0004)
    return pg.transform(size, Image.PERSPECTIVE,
                        (1, rng.uniform(-0.05, 0.05), 0,
                         rng.uniform(-0.05, 0.05), 1, 0,
                         k * rng.choice([-1, 1]), 0),
                        resample=Image.BICUBIC, fillcolor=220)


def no_code(size, rng, i):
    kind = i % 4
    pg = page(size, rng)
    d = ImageDraw.Draw(pg)
    if kind == 0:
        return noise(pg, rng, 0.5)
    if kind == 1:  # a gradient
        return Image.linear_gradient("L").resize(size).rotate(
            rng.randrange(360), fillcolor=128)
    if kind == 2:  # irregular stripes, a barcode's enemy
        x = 0
        while x < size[0]:
            w = rng.randrange(1, 12)
            if rng.random() < 0.5:
                d.rectangle([x, size[1] // 4, x + w, size[1] * 3 // 4], fill=0)
            x += w
        return pg
    for _ in range(60):  # text-like marks and boxes
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        d.rectangle([x, y, x + rng.randrange(4, 60), y + rng.randrange(3, 12)],
                    fill=rng.randrange(0, 120))
    return pg


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    outdir, per, seed, size = args[0], 3, 7, (640, 480)
    i = 1
    while i < len(args):
        if args[i] == "--per":
            per = int(args[i + 1])
        elif args[i] == "--seed":
            seed = int(args[i + 1])
        elif args[i] == "--size":
            size = tuple(int(v) for v in args[i + 1].split("x"))
        else:
            sys.exit("unknown option " + args[i])
        i += 2
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for sym in ["code128", "ean13", "qr", "datamatrix", "gs1-128"]:
            for n in range(per):
                zargs, data, want = code_for(sym, rng, n)
                code = render(tmp, sym, zargs, data)
                for v in VARIANTS:
                    name = "%s-%d-%s.png" % (sym, n, v)
                    variant(None, code, size, v, rng).save(
                        os.path.join(outdir, name))
                    rows.append({"file": name, "symbology": sym,
                                 "variant": v, "data": want})
    for n in range(max(8, per * 3)):
        name = "nocode-%d.png" % n
        no_code(size, rng, n).save(os.path.join(outdir, name))
        rows.append({"file": name, "symbology": None, "variant": "nocode",
                     "data": None})
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print("%d images in %s" % (len(rows), outdir))


if __name__ == "__main__":
    main()
