#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_report: hold `mmuscope report`'s HTML against its --json, in a real
browser.  Headless Debian chromium loads the page from a file with the
network off (unshare -n when we may, else a dead proxy); its DOM must have
every section, and every number carrying data-k/data-v must equal the JSON
value at that path; the page must fetch nothing (no external URL in the
file); a screenshot must not be blank (distinct colours counted from the
PNG's own pixels: zlib, no imaging library).  Runs on the host: chromium is
too slow in a TCG guest.

usage: check_report.py REPORT.html REPORT.json [--screenshot OUT.png]
Prints TAP-like lines; exit 0 pass, 1 fail, 4 skip (no chromium).
"""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

SECTIONS = ("report", "vma-map", "summary", "thp", "histograms", "heatmap", "by-vma", "by-sym")


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.kv = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if "data-k" in a:
            self.kv.append((a["data-k"], a.get("data-v")))


def lookup(doc, path):
    cur = doc
    for part in path.split("."):
        if part == "length" and isinstance(cur, list):
            return len(cur)
        cur = cur[int(part)] if isinstance(cur, list) else cur[part]
    return cur


def as_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def browser():
    for b in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(b)
        if p:
            return p
    return None


def run_browser(exe, args, tmp):
    """chromium with the network off; returns (stdout, how)."""
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking",
            "--user-data-dir=" + os.path.join(tmp, "profile"),
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"] + args
    how = "dead proxy"
    cmd = base
    if os.geteuid() == 0 and shutil.which("unshare") and \
            subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        cmd, how = ["unshare", "-n"] + base, "unshare -n and a dead proxy"
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("chromium exited %d: %s" % (r.returncode, r.stderr[-800:]))
    return r.stdout, how


def png_colours(path):
    """Distinct RGB colours and the share of non-white pixels of a PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not interlace, (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours, nonwhite, i = set(), 0, 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            rgb = bytes(line[x:x + 3])
            colours.add(rgb)
            nonwhite += rgb != b"\xff\xff\xff"
        prev = line
    return len(colours), nonwhite / float(w * h)


def main():
    args = sys.argv[1:]
    shot = None
    if "--screenshot" in args:
        k = args.index("--screenshot")
        shot = args[k + 1]
        del args[k:k + 2]
    if len(args) != 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    page, js = os.path.abspath(args[0]), args[1]
    doc = json.load(open(js))
    text = open(page, encoding="utf-8").read()
    fails = []
    # Self-contained: nothing but the SVG namespace names a URL.
    urls = set(re.findall(r"(?:https?|ftp)://[^\s\"'<>)]+", text)) - {"http://www.w3.org/2000/svg"}
    if urls:
        fails.append("external URLs in the page: %s" % sorted(urls)[:5])
    if re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(", text, re.I):
        fails.append("the page loads a script, stylesheet or url()")
    exe = browser()
    if not exe:
        print("ok 1 check_report # SKIP no chromium (scripts/setup installs it)")
        return 4
    with tempfile.TemporaryDirectory() as tmp:
        dom, how = run_browser(exe, ["--dump-dom", "file://" + page], tmp)
        d = Dom()
        d.feed(dom)
        missing = [s for s in SECTIONS if s not in d.ids]
        if missing:
            fails.append("sections missing from the DOM: %s" % missing)
        bad = []
        for k, v in d.kv:
            try:
                want = as_text(lookup(doc, k))
            except (KeyError, IndexError, ValueError, TypeError):
                bad.append((k, v, "not in the JSON"))
                continue
            if v != want:
                bad.append((k, v, want))
        if bad:
            fails.append("%d DOM numbers differ from the JSON, e.g. %s" % (len(bad), bad[:5]))
        keys = {k for k, _ in d.kv}
        for i in range(len(doc.get("by_sym") or [])):
            if "by_sym.%d.count" % i not in keys:
                fails.append("by_sym row %d of the JSON is not in the page" % i)
        for i in range(len(doc.get("vmas") or [])):
            if "vmas.%d.size_bytes" % i not in keys:
                fails.append("VMA %d of the JSON is not in the page" % i)
        for i, s in enumerate(doc.get("stats") or []):
            if (s["count"] or s["class"] == "all") and "stats.%d.count" % i not in keys:
                fails.append("class %s of the JSON is not in the page" % s["class"])
        print("# DOM: %d sections, %d numbers checked against the JSON (network off: %s)"
              % (len(SECTIONS) - len(missing), len(d.kv), how))
        png = shot or os.path.join(tmp, "shot.png")
        run_browser(exe, ["--screenshot=" + os.path.abspath(png), "--window-size=1280,1600",
                          "--hide-scrollbars", "file://" + page], tmp)
        ncol, share = png_colours(png)
        print("# screenshot: %d distinct colours, %.1f%% non-white pixels" % (ncol, 100 * share))
        if ncol < 8 or share < 0.02:
            fails.append("the screenshot is blank (%d colours, %.1f%% non-white)" % (ncol, 100 * share))
    for f in fails:
        print("# FAIL: " + f)
    print("%s 1 check_report" % ("not ok" if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
