"""s2fuzz gate's report.html: self-contained, names each finding, and draws
the page-table tree around the failing op with the named entry in red, as a
browser really renders it; and replay --tree, the trees it is drawn from."""
import collections
import glob
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

from cli import report_html
from tests.e2e.harness import PATCHES, s2fuzz, seed

CHROMIUM = "/usr/bin/chromium"
# Fails from the regression corpus within a second: its first finding,
# bbm-map-L2-stale, names the L2 entry at IPA 0x40000000.
PLANTED = os.path.join(PATCHES, "6.12-bbm-table-break-one-ipa.patch")
HIGHLIGHT_RGB = tuple(bytes.fromhex(report_html.HIGHLIGHT[1:]))


def gate(tmp, *args):
    return s2fuzz("gate", "--sanitizer", "none", "--corpus",
                  os.path.join(tmp, "corpus"), "--results",
                  os.path.join(tmp, "results"), *args)


def report_of(tmp):
    [path] = glob.glob(os.path.join(tmp, "results", "gate-*", "report.html"))
    with open(path) as f:
        return path, f.read()


class Tags(html.parser.HTMLParser):
    """Every start tag with its attributes, and whether each closed."""

    def __init__(self):
        super().__init__()
        self.tags, self.open = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag != "meta":
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png_rows(path):
    """(bytes per pixel, rows of pixel bytes) of a non-interlaced 8-bit RGB
    or RGBA PNG, as a browser's screenshot is: inflate the IDAT chunks, then
    undo each row's filter (RFC 2083, 6.2-6.6)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(
                ">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    assert depth == 8 and colour in (2, 6) and not interlace, (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1) + 1
        line = bytearray(raw[start:start + stride])
        _unfilter(raw[start - 1], line, prev, bpp)
        rows.append(line)
        prev = line
    return bpp, rows


def _unfilter(kind, line, prev, bpp):
    """Filter types 1-4 predict each byte from its left, upper and upper
    left neighbours (0: none); the row holds the difference."""
    if not kind:
        return
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        if kind == 1:
            guess = left
        elif kind == 2:
            guess = prev[i]
        elif kind == 3:
            guess = (left + prev[i]) >> 1
        else:
            guess = _paeth(left, prev[i], prev[i - bpp] if i >= bpp else 0)
        line[i] = (line[i] + guess) & 0xff


def screenshot(page, png):
    """Renders page with headless Chromium into png, 1280x2000."""
    profile = tempfile.TemporaryDirectory()
    try:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile.name}", f"--screenshot={png}",
             "--window-size=1280,2000", "file://" + os.path.abspath(page)],
            capture_output=True, timeout=120, check=True)
    finally:
        profile.cleanup()


class FailingGate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.rc, cls.out, cls.err = gate(cls.tmp.name, "--base", "linux-6.12",
                                        "--patch", PLANTED, "--time", "60")
        cls.path, cls.html = report_of(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_gate_failed_and_wrote_report_html_beside_report_md(self):
        self.assertEqual(self.rc, 1, self.out + self.err[-2000:])
        self.assertTrue(os.path.exists(os.path.join(
            os.path.dirname(self.path), "report.md")))
        self.assertFalse(glob.glob(self.path + ".tmp"))

    def test_it_is_self_contained_and_well_formed(self):
        tags = Tags()
        tags.feed(self.html)
        tags.close()
        self.assertEqual(tags.open, [])
        names = {t for t, _ in tags.tags}
        self.assertFalse(names & {"script", "link", "img", "iframe", "object"})
        for tag, attrs in tags.tags:
            self.assertFalse([k for k in attrs if k == "src"
                              or k.endswith("href")], tag)
        self.assertNotRegex(self.html, r"url\(|@import")

    def test_it_names_the_finding_its_verdict_reproducer_and_replay(self):
        self.assertIn("s2fuzz gate: <span class=\"fail\">FAIL", self.html)
        self.assertIn("<code>bbm-map-L2-stale</code>", self.html)
        self.assertIn("new: fails the gate", self.html)
        self.assertIn("not run: the regression corpus decided the gate",
                      self.html)
        # Minimized from a coalescing seed into the gate's folder.
        [small] = glob.glob(os.path.join(os.path.dirname(self.path),
                                         "minimized", "1-bbm-map-L2-stale.s2"))
        with open(small) as f:
            text = f.read()
        self.assertIn("map 0x40000000 2M 0x80000000 rwx", text)
        self.assertLess(len(text.splitlines()), 5)
        self.assertIn(f"<pre>{report_html._esc(text.rstrip())}</pre>",
                      self.html)
        self.assertIn("./s2fuzz replay --kernels linux-6.12,linux-6.12+"
                      f"{PLANTED} --strict {small}\n", self.html)
        self.assertIn(f"--strict {small} --tree 2</pre>", self.html)
        self.assertIn("L2 entry for IPA 0x40000000", self.html)
        self.assertIn("<details><summary>the patch", self.html)

    def test_the_trees_mark_the_l2_entry_before_and_after_the_op(self):
        first = self.html.split('<section class="finding">')[1]
        # A run of collapsed leaves names them a line each in its title.
        before, after = re.findall(r"<figure>.*?</figure>", first, re.S)
        self.assertIn("before op 2", before)
        self.assertIn("after op 2", after)
        marked = (f'stroke="{report_html.HIGHLIGHT}" stroke-width="3"/>'
                  r"<rect [^>]*/>(?:<path [^>]*/>)?<text [^>]*>"
                  r"\[0\] L2 (\w+) IPA 0x40000000–0x401fffff")
        # Before, the slot links the L3 table; after, it holds the block.
        self.assertEqual(re.findall(marked, before), ["table"])
        self.assertEqual(re.findall(marked, after), ["block"])
        self.assertIn("page_count", before)

    def test_chromium_renders_the_highlight(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK),
                        "chromium is missing: ./build.sh --tests installs it")
        keep = tempfile.mkdtemp(prefix="s2fuzz-report-html-")
        shutil.copy(self.path, keep)
        png = os.path.join(keep, "report.png")
        screenshot(os.path.join(keep, "report.html"), png)
        print(f"\n  screenshot: {png}", file=sys.stderr)
        bpp, rows = png_rows(png)
        self.assertEqual((len(rows), len(rows[0]) // bpp), (2000, 1280))
        colours = collections.Counter()
        for line in rows:
            colours.update(zip(line[0::bpp], line[1::bpp], line[2::bpp]))
        red = sum(n for rgb, n in colours.items()
                  if all(abs(c - h) <= 24 for c, h in zip(rgb, HIGHLIGHT_RGB)))
        self.assertGreater(len(colours), 50, "a blank or flat picture")
        self.assertLess(colours[(255, 255, 255)], 0.97 * 1280 * 2000,
                        "a blank picture")
        # The legend's swatch alone is under 300 such pixels; the outlines
        # of the marked rows in the drawings are thousands.
        self.assertGreater(red, 2000, f"{red} highlight pixels")


class Unit(unittest.TestCase):
    def test_contiguous_similar_leaves_collapse_into_one_row(self):
        l3 = report_html.Page(0x800000003000, 3, 0x40000000, 513, [
            report_html.Entry(3, 0x40000000 + i * 4096, 0, i,
                              f"page {0x80000000 + i * 4096:#x} rw "
                              f"(0x{0x400000800007ff + i * 4096:x})")
            for i in range(512)])
        l3.entries[300].marked = True
        finding = report_html.Finding(
            "model-map-L3-prot", "new", "test", "x.s2", "map", "replay",
            "k", 1, "map", "IPA 0x4012c000", {"before": {}, "after": {
                l3.pa: l3}})
        page = report_html.render(report_html.Summary(
            False, "b", "c", None, 0, "not run", ("cov", [])), [finding])
        self.assertIn("[0–299] 300 L3 pages IPA 0x40000000–0x4012bfff → PA "
                      "0x80000000–0x8012bfff rw", page)
        self.assertIn("[300] L3 page IPA 0x4012c000", page)
        self.assertIn("[301–511] 211 L3 pages", page)
        self.assertIn("page_count 513 · 512 entries", page)
        self.assertIn("(no table entries)", page)


class CleanGate(unittest.TestCase):
    def test_a_clean_gate_says_pass_and_draws_no_tree(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, out, err = gate(tmp, "--base", "linux-6.12", "--patch",
                                os.path.join(PATCHES, "benign",
                                             "6.12-comment.patch"),
                                "--time", "2")
            self.assertEqual(rc, 0, out + err[-2000:])
            _, page = report_of(tmp)
        self.assertIn("<title>s2fuzz gate: PASS</title>", page)
        self.assertIn("New findings (the patch's doing: they fail the gate)"
                      ": 0", page)
        self.assertNotIn("<svg", page)
        self.assertIn("exercised 0 of 0 changed lines", page)


class ReplayTree(unittest.TestCase):
    def test_tree_prints_pages_and_entries_around_the_op(self):
        rc, out, err = s2fuzz("replay", "--sanitizer", "none", "--kernels",
                              "linux-6.12", "--tree", "4",
                              seed("coalesce.s2"))
        self.assertEqual(rc, 0, err)
        recs = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
        self.assertEqual({(r["kernel"], r["op"]) for r in recs},
                         {("linux-6.12", 4)})
        after = [r for r in recs if r["tree"] == "after"]
        pages = {r["pa"]: r for r in after if r["kind"] == "page"}
        entries = [r for r in after if r["kind"] == "entry"]
        # The 2M block replaced the L3 table; every page's count is
        # 1 + its non-zero entries.
        self.assertIn({"level": 2, "ipa": "0x40000000",
                       "desc": "block 0x80000000 rwx (0x800007fd)"},
                      [{k: e[k] for k in ("level", "ipa", "desc")}
                       for e in entries])
        for pa, page in pages.items():
            self.assertEqual(page["count"], 1 + sum(
                e["page"] == pa for e in entries), pa)

    def test_an_op_out_of_range_is_bad_input(self):
        for op in ("0", "7", "x"):
            with self.subTest(op=op):
                rc, out, err = s2fuzz("replay", "--sanitizer", "none",
                                      "--kernels", "linux-6.12", "--tree",
                                      op, seed("coalesce.s2"))
                self.assertEqual((rc, out), (2, ""), err)


if __name__ == "__main__":
    unittest.main()
