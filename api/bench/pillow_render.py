"""The standard render job with Pillow, for comparison with ours (see render.bench.ts).

Reads a job file written by the Node bench: the JPEG to decode and the caption lines
exactly as our layout placed them (text, anchor point, font size, outline width). Decodes,
draws each line outlined, encodes JPEG quality 85, `runs` times, and prints JSON with the
median and 95th percentile in milliseconds and the process's peak RSS.

Usage: /usr/bin/python3 pillow_render.py JOB.json
"""

import io
import json
import resource
import sys
import time

from PIL import Image, ImageDraw, ImageFont, __version__ as pillow_version


def render(data, job, fonts):
    image = Image.open(io.BytesIO(data)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for line in job["lines"]:
        draw.text(
            (line["x"], line["y"]),
            line["text"],
            font=fonts[line["fontSize"]],
            fill="white",
            # Our outline is `strokeWidth` wide, centred on the glyph edge: half of it
            # outside, which is what Pillow's stroke_width measures.
            stroke_width=round(line["strokeWidth"] / 2),
            stroke_fill="black",
            anchor="ms",  # horizontal middle, alphabetic baseline: our centred line's anchor
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def main():
    job = json.load(open(sys.argv[1]))
    data = open(job["input"], "rb").read()
    # Loaded once, as a server would keep them; loading one costs ~0.1 ms here anyway.
    fonts = {
        line["fontSize"]: ImageFont.truetype(job["font"], line["fontSize"])
        for line in job["lines"]
    }
    for _ in range(job["warmup"]):
        render(data, job, fonts)
    times = []
    for _ in range(job["runs"]):
        start = time.perf_counter()
        output = render(data, job, fonts)
        times.append((time.perf_counter() - start) * 1000)
    if job.get("output"):
        open(job["output"], "wb").write(output)
    times.sort()
    print(
        json.dumps(
            {
                "pillow": pillow_version,
                "p50": times[len(times) // 2],
                "p95": times[int(len(times) * 0.95)],
                # Linux reports kilobytes.
                "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


main()
