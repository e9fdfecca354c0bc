"""The gate's report as one HTML page that needs nothing beside it: no file,
font or script is loaded, so it can be mailed, attached to a review or
opened from a CI artifact as it is.

Each finding shows its verdict, reproducer and replay command and, for the
kernel that failed, an inline SVG drawing of the page-table tree before and
after the failing op, with what the finding names outlined in red.  The
trees come from `s2replay --tree OP` (JSON lines); what the finding names is
read from its verdict, whose wording the oracle and the runtime keep
regular: "table page 0xPA", "Ln table for IPA 0x…", "Ln entry for IPA 0x…",
or "IPA 0x…" at the signature's level.
"""
import dataclasses
import html
import json
import re
import subprocess

from . import files, triage

HIGHLIGHT = "#e00000"
HIGHLIGHT_FILL = "#ffd6d6"
KIND_COLOURS = {"table": "#3f6fc4", "block": "#2e8b57", "page": "#48a9a6",
                "invalid": "#9a9a9a"}
LEVEL_FILLS = ("#eef2fb", "#f3f7ee", "#fbf6ec", "#f6f0f8")
# A drawing stays this many rows high at most; what does not fit is
# summarised in one row, and the command that prints everything is given.
MAX_ROWS = 40
ROW_H, INDENT, PAD, WIDTH = 20, 14, 6, 620
# The drawing's text: 11.5 px DejaVu Sans Mono advances 0.602 em a glyph.
FONT_PX = 11.5
CHAR_PX = FONT_PX * 0.602
ENTRIES_PER_TABLE = 512

FINDING_LINE = re.compile(r"^FINDING (\S+) (.+) op (\d+) `(.*)`\n  (.*)$",
                          re.M)
PAGE_PA = re.compile(r"\b(?:table|PGD) page (0x[0-9a-f]+)")
TABLE_AT = re.compile(r"\bL(\d) table for IPA (0x[0-9a-f]+)")
ENTRY_AT = re.compile(r"\bL(\d) entry for IPA (0x[0-9a-f]+)")
IPA_AT = re.compile(r"\bIPA (0x[0-9a-f]+)")
SIG_LEVEL = re.compile(r"-L(\d)-")
# s2_desc_describe(): "table PA", "page|block PA PROT[ old] (PTE)", or an
# invalid entry KVM gives meaning to ("invalid owner N", "locked").
TABLE_DESC = re.compile(r"^table (0x[0-9a-f]+)$")
LEAF_DESC = re.compile(
    r"^(?P<kind>page|block) (?P<pa>0x[0-9a-f]+) (?P<attr>.+) \(0x[0-9a-f]+\)$")


def level_size(level):
    return 1 << (12 + 9 * (3 - level))


@dataclasses.dataclass
class Entry:
    level: int
    ipa: int
    pte: int
    index: int
    desc: str
    marked: bool = False

    @property
    def child(self):
        m = TABLE_DESC.match(self.desc)
        return int(m[1], 16) if m else None


@dataclasses.dataclass
class Page:
    pa: int
    level: int
    ipa: int
    count: int
    entries: list = dataclasses.field(default_factory=list)
    marked: bool = False


@dataclasses.dataclass
class Summary:
    passed: bool
    base: str
    candidate: str
    patch: str          # the patch's text; None when the candidate is a tree
    nr_regression: int
    fuzzing: str        # what fuzzing ran (gate.fuzzing_summary())
    coverage: tuple     # (summary line, changed lines that did not run)


@dataclasses.dataclass
class Finding:
    sig: str
    verdict: str        # "new" or "pre-existing"
    where: str
    repro: str
    text: str
    replay: str
    kernel: str = None  # the rest: from its FINDING line, if it has one
    op: int = None
    op_text: str = None
    msg: str = None
    trees: dict = None  # "before", "after" -> {table page PA: Page}
    unmarked: tuple = ()  # trees without what the finding names


# --- the finding: replayed for its op, then for the trees around it ----------

def _replay(tools, path, *flags):
    proc = subprocess.run(
        [tools.replay, *(["--strict"] if tools.strict else []), *flags, path],
        capture_output=True, text=True, errors="replace", env=tools.env())
    return proc.stdout


def _trees(output, kernel):
    trees = {}
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        rec = json.loads(line)
        if rec["kernel"] != kernel:
            continue
        pages = trees.setdefault(rec["tree"], {})
        if rec["kind"] == "page":
            pages[int(rec["pa"], 16)] = Page(int(rec["pa"], 16), rec["level"],
                                             int(rec["ipa"], 16),
                                             rec["count"])
        elif rec["kind"] == "entry":
            pages[int(rec["page"], 16)].entries.append(Entry(
                rec["level"], int(rec["ipa"], 16), int(rec["pte"], 16),
                rec["index"], rec["desc"]))
    return trees


def _named(sig, msg):
    """What a verdict names: ("page", pa), ("table", level, ipa) or
    ("entry", level, ipa); None if it names no one entry (a WARN, a
    return code)."""
    m = PAGE_PA.search(msg)
    if m:
        return ("page", int(m[1], 16))
    for kind, pattern in (("table", TABLE_AT), ("entry", ENTRY_AT)):
        m = pattern.search(msg)
        if m:
            return (kind, int(m[1]), int(m[2], 16))
    m, level = IPA_AT.search(msg), SIG_LEVEL.search(sig)
    if m and level:
        return ("entry", int(level[1]), int(m[1], 16))
    return None


def _mark(pages, named):
    """Marks what the finding names in one tree; an entry that is not there
    (the op removed it, or has yet to make it) marks the table page that
    holds its slot.  Returns whether anything was marked."""
    kind, *where = named
    if kind == "page":
        hits = [p for p in pages.values() if p.pa == where[0]]
    else:
        level, ipa = where
        size = level_size(level)
        hits = [e for p in pages.values() for e in p.entries
                if e.level == level and e.ipa <= ipa < e.ipa + size
                ] if kind == "entry" else []
        hits = hits or [p for p in pages.values() if p.level == level
                        and p.ipa <= ipa < p.ipa + ENTRIES_PER_TABLE * size]
    for hit in hits:
        hit.marked = True
    return bool(hits)


def inspect(tools, sig, repro, where, verdict):
    """A finding as the report shows it: which kernel and op gave sig on
    repro (replayed with tools), and that kernel's trees around the op."""
    with open(repro, errors="replace") as f:
        text = f.read()
    finding = Finding(sig, verdict, where, repro, text,
                      tools.replay_command(repro))
    for m in FINDING_LINE.finditer(_replay(tools, repro)):
        if triage.signature(m[0], 0) == sig:
            finding.kernel, finding.op = m[2], int(m[3])
            finding.op_text, finding.msg = m[4], m[5]
            break
    else:
        return finding
    finding.trees = _trees(_replay(tools, repro, "--tree", str(finding.op)),
                           finding.kernel)
    named = _named(sig, finding.msg)
    for when in ("before", "after"):
        pages = finding.trees.setdefault(when, {})
        if named and pages and not _mark(pages, named):
            finding.unmarked += (when,)
    return finding


# --- the drawing ------------------------------------------------------------

@dataclasses.dataclass
class Row:
    depth: int
    kind: str           # "header", "gap", or an entry kind (KIND_COLOURS)
    text: str
    title: str
    owners: tuple       # PAs of the table pages it sits in, outermost first
    marked: bool = False
    child: int = None   # a table entry's table page


def _span(start, end):
    return f"{start:#x}–{end - 1:#x}"


def _continues(a, b):
    """Can b join a's run: similar leaves (or annotations) in consecutive
    slots, PAs following on?  A marked entry always stands alone."""
    if (a.marked or b.marked or a.child is not None or b.child is not None
            or b.index != a.index + 1):
        return False
    la, lb = LEAF_DESC.match(a.desc), LEAF_DESC.match(b.desc)
    if la and lb:
        return (la["kind"], la["attr"]) == (lb["kind"], lb["attr"]) and (
            int(lb["pa"], 16) == int(la["pa"], 16) + level_size(a.level))
    return not la and not lb and a.desc == b.desc


def _runs(entries):
    runs = []
    for e in entries:
        if runs and _continues(runs[-1][-1], e):
            runs[-1].append(e)
        else:
            runs.append([e])
    return runs


def _run_row(run, depth, owners):
    first, last = run[0], run[-1]
    size = level_size(first.level)
    slots = (f"[{first.index}]" if len(run) == 1
             else f"[{first.index}–{last.index}] {len(run)}")
    ipa = _span(first.ipa, last.ipa + size)
    leaf = LEAF_DESC.match(first.desc)
    plural = "s" if len(run) > 1 else ""
    if first.child is not None:
        kind, text = "table", f"table IPA {ipa} → table {first.child:#x}"
    elif leaf:
        pa = int(leaf["pa"], 16)
        kind = leaf["kind"]
        text = (f"{kind}{plural} IPA {ipa} → PA "
                f"{_span(pa, pa + len(run) * size)} {leaf['attr']}")
    else:
        kind, text = "invalid", f"{first.desc} IPA {ipa}"
    title = "\n".join(f"L{e.level} [{e.index}] IPA {e.ipa:#x}: {e.desc}, "
                      f"pte {e.pte:#x}" for e in run[:4])
    if len(run) > 4:
        title += f"\n… {len(run) - 4} more"
    return Row(depth, kind, f"{slots} L{first.level} {text}", title, owners,
               first.marked, first.child)


def _rows(pages):
    """The tree depth first: each table page's header, then its entries
    (runs collapsed), each table entry followed by the page it links."""
    linked = {e.child for p in pages.values() for e in p.entries}
    rows = []

    def visit(page, owners):
        owners += (page.pa,)
        span = _span(page.ipa, page.ipa + ENTRIES_PER_TABLE
                     * level_size(page.level))
        what = "root table" if len(owners) == 1 else "table"
        nr = len(page.entries)
        rows.append(Row(
            len(owners) - 1, "header",
            f"L{page.level} {what} {page.pa:#x} · IPA {span} · page_count "
            f"{page.count} · {nr} entr{'y' if nr == 1 else 'ies'}",
            f"table page {page.pa:#x} (L{page.level}): page_count "
            f"{page.count}; the runtime expects 1 + non-zero entries",
            owners, page.marked))
        for run in _runs(page.entries):
            rows.append(_run_row(run, len(owners) - 1, owners))
            if run[0].child in pages:
                visit(pages[run[0].child], owners)

    for page in pages.values():
        if page.pa not in linked:
            visit(page, ())
    return rows


def _bounded(rows):
    """At most MAX_ROWS rows and one gap row per stretch left out: first
    what leads to a marked row and its neighbours in its table, then the
    rest in order."""
    path = {pa for r in rows if r.marked for pa in r.owners}
    keep = {i for i, r in enumerate(rows) if r.child in path
            or (r.kind == "header" and r.owners[-1] in path)}
    keep.update(j for i, r in enumerate(rows) if r.marked
                for j in range(max(0, i - 2), min(len(rows), i + 3))
                if rows[j].owners == r.owners)
    rest = [i for i in range(len(rows)) if i not in keep]
    keep.update(rest[:max(0, MAX_ROWS - len(keep))])
    out, skipped = [], []

    def gap():
        if not skipped:
            return
        first = skipped[0]
        # A stretch that starts at a table page sits in that page's parent.
        owners = (first.owners[:-1] if first.kind == "header"
                  else first.owners)
        out.append(Row(first.depth, "gap", f"⋯ {len(skipped)} more rows "
                       "not drawn (replay --tree prints them all)", "",
                       owners))
        skipped.clear()

    for i, r in enumerate(rows):
        if i in keep:
            gap()
            out.append(r)
        else:
            skipped.append(r)
    gap()
    return out


def _esc(text):
    return html.escape(str(text), quote=True)


def _svg(pages, label):
    rows = _bounded(_rows(pages))
    if not rows:
        return (f'<svg viewBox="0 0 {WIDTH} 30" width="100%" role="img" '
                f'aria-label="{_esc(label)}"><text x="{PAD}" y="20" '
                'class="t">(no table entries)</text></svg>')
    height = len(rows) * ROW_H + 2 * PAD
    parts = [f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
             f'aria-label="{_esc(label)}">']
    # The boxes first, outermost first, so entries draw over them; a
    # marked box's outline over all of them, so no child box hides it.
    outlines = []
    for i, r in enumerate(rows):
        if r.kind != "header":
            continue
        last = max(j for j, o in enumerate(rows)
                   if o.owners[:len(r.owners)] == r.owners)
        box = (f'x="{PAD + r.depth * INDENT}" y="{PAD + i * ROW_H}" '
               f'width="{WIDTH - 2 * PAD - r.depth * INDENT}" '
               f'height="{(last - i + 1) * ROW_H}" rx="3"')
        parts.append(f'<rect {box} fill="'
                     f'{LEVEL_FILLS[r.depth % len(LEVEL_FILLS)]}" '
                     'stroke="#7a869a"/>')
        if r.marked:
            outlines.append(f'<rect {box} fill="none" stroke="{HIGHLIGHT}" '
                            'stroke-width="3"/>')
    parts.extend(outlines)
    for i, r in enumerate(rows):
        parts.append(_svg_row(rows, i, r))
    parts.append("</svg>")
    return "".join(parts)


def _svg_row(rows, i, r):
    x, y = PAD + r.depth * INDENT, PAD + i * ROW_H
    out = [f"<g><title>{_esc(r.title or r.text)}</title>"]
    if r.marked and r.kind != "header":
        out.append(f'<rect x="{x + 2}" y="{y + 1}" '
                   f'width="{WIDTH - PAD - x - 4}" height="{ROW_H - 2}" '
                   f'fill="{HIGHLIGHT_FILL}" stroke="{HIGHLIGHT}" '
                   'stroke-width="3"/>')
    if r.kind in KIND_COLOURS:
        out.append(f'<rect x="{x + 6}" y="{y + 6}" width="8" height="8" '
                   f'fill="{KIND_COLOURS[r.kind]}"/>')
    if (r.kind == "table" and i + 1 < len(rows)
            and rows[i + 1].kind == "header"
            and rows[i + 1].owners[-1] == r.child):
        out.append(f'<path d="M{x + 10} {y + 14} V{y + ROW_H + 10} '
                   f'H{x + INDENT}" fill="none" stroke="'
                   f'{KIND_COLOURS["table"]}"/>')
    cls = {"header": "t h", "gap": "t g"}.get(r.kind, "t")
    text_x = x + (6 if r.kind == "header" else 20)
    room = WIDTH - PAD - 4 - text_x
    # Squeezed rather than cut off at the edge when a row is too long.
    fit = (f' textLength="{room}" lengthAdjust="spacingAndGlyphs"'
           if len(r.text) * CHAR_PX > room else "")
    out.append(f'<text x="{text_x}" y="{y + 14}" class="{cls}"{fit}>'
               f"{_esc(r.text)}</text></g>")
    return "".join(out)


LEGEND = (
    '<svg viewBox="0 0 700 22" width="700" height="22" role="img" '
    'aria-label="legend">'
    f'<rect x="2" y="3" width="26" height="15" fill="{HIGHLIGHT_FILL}" '
    f'stroke="{HIGHLIGHT}" stroke-width="3"/>'
    '<text x="34" y="15" class="t">what the finding names</text>'
    + "".join(f'<rect x="{210 + 80 * i}" y="7" width="8" height="8" '
              f'fill="{colour}"/><text x="{222 + 80 * i}" y="15" '
              f'class="t">{kind}</text>'
              for i, (kind, colour) in enumerate(KIND_COLOURS.items()))
    + '<rect x="540" y="3" width="22" height="15" rx="3" fill="#eef2fb" '
    'stroke="#7a869a"/><text x="568" y="15" class="t">table page</text>'
    "</svg>")


# --- the page --------------------------------------------------------------

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #1d1d1f; }
code, pre, .t { font-family: "DejaVu Sans Mono", ui-monospace, monospace; }
pre { background: #f5f5f7; padding: 8px; font-size: 12px;
      white-space: pre-wrap; overflow-wrap: anywhere; }
table.summary td { padding: 1px 12px 1px 0; vertical-align: top; }
.pass { color: #1a7f37; } .fail { color: #a0001c; }
.badge { font-size: 12px; padding: 1px 6px; border-radius: 8px;
         color: #fff; background: #6e6e73; }
.badge.new { background: #a0001c; }
section.finding { border-top: 1px solid #d2d2d7; margin-top: 16px; }
.trees { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
figure { margin: 0; } figcaption { font-weight: 600; margin: 4px 0; }
.h { font-weight: 700; } .g { fill: #6e6e73; font-style: italic; }
.note { color: #6e6e73; }
""" + f".t {{ font-size: {FONT_PX}px; fill: #1d1d1f; }}\n"


def _finding_html(f):
    badge = ('<span class="badge new">new: fails the gate</span>'
             if f.verdict == "new" else
             '<span class="badge">pre-existing</span>')
    out = [f'<section class="finding"><h3><code>{_esc(f.sig)}</code> {badge}'
           f"</h3><p>found by {_esc(f.where)}"]
    if f.kernel is None:
        out.append("; its replay prints no oracle verdict with this "
                   "signature (a sanitizer report or a crash), so there is "
                   "no tree to draw: run the command below.</p>")
    else:
        out.append(f"; on <code>{_esc(f.kernel)}</code> at op {f.op} "
                   f"<code>{_esc(f.op_text)}</code>:</p>"
                   f"<pre>{_esc(f.msg)}</pre><div class=\"trees\">")
        for when in ("before", "after"):
            label = f"{f.kernel}: the table {when} op {f.op}"
            note = ('<p class="note">nothing here matches what the finding '
                    "names</p>" if when in f.unmarked else "")
            out.append(f"<figure><figcaption>{when} op {f.op}</figcaption>"
                       f"{_svg(f.trees[when], label)}{note}</figure>")
        out.append(f"</div>{LEGEND}")
    tree_cmd = (f"\n{f.replay} --tree {f.op}" if f.op is not None else "")
    out.append(f"<h4>Reproducer <code>{_esc(f.repro)}</code></h4>"
               f"<pre>{_esc(f.text.rstrip())}</pre><h4>Replay</h4>"
               f"<pre>{_esc(f.replay)}{_esc(tree_cmd)}</pre></section>")
    return "".join(out)


def render(s, findings):
    verdict = "PASS" if s.passed else "FAIL"
    coverage = _esc(s.coverage[0])
    if s.coverage[1]:
        coverage += ("; <strong>not run</strong>: lines "
                     + _esc(", ".join(map(str, s.coverage[1]))))
    patch = (f"<details><summary>the patch ({len(s.patch.splitlines())} "
             f"lines)</summary><pre>{_esc(s.patch)}</pre></details>"
             if s.patch is not None else
             "<p>The candidate is a kernel tree: no patch text.</p>")
    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in (
        ("base", f"<code>{_esc(s.base)}</code>"),
        ("candidate", f"<code>{_esc(s.candidate)}</code>"),
        ("regression corpus", f"{s.nr_regression} reproducers replayed "
         "(strict)"),
        ("fuzzing", _esc(s.fuzzing)),
        ("patch coverage", coverage)))
    body = []
    for verdict_name, title in (("new", "New findings (the patch's doing: "
                                 "they fail the gate)"),
                                ("pre-existing", "Pre-existing findings "
                                 "(the base gives them too)")):
        mine = [f for f in findings if f.verdict == verdict_name]
        body.append(f"<h2>{title}: {len(mine)}</h2>")
        body.extend(_finding_html(f) for f in mine)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>s2fuzz gate: {verdict}</title><style>{STYLE}</style>"
            f'</head><body><h1>s2fuzz gate: <span class="{verdict.lower()}">'
            f'{verdict}</span></h1><table class="summary">{rows}</table>'
            f"{patch}{''.join(body)}</body></html>\n")


def write(path, summary, findings):
    files.write_text(path, render(summary, findings))
