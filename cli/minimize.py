"""Op-level delta debugging: the fewest ops that keep a finding's signature.

Works on the text form, so the result is the reproducer a person reads.
Header lines (features, ipa-bits) are kept while ops are removed, then each
is tried on its own: a finding that needs no CPU feature should not name one.
"""
import os

HEADER_WORDS = ("features", "ipa-bits")


def _is_header(line):
    return line.split(maxsplit=1)[0] in HEADER_WORDS


def ddmin(items, reproduces):
    """Zeller's ddmin over complements: a 1-minimal sublist of items for
    which reproduces() holds (it must hold for items)."""
    n = 2
    while len(items) >= 2:
        chunk = -(-len(items) // n)
        for start in range(0, len(items), chunk):
            rest = items[:start] + items[start + chunk:]
            if reproduces(rest):
                items = rest
                n = max(n - 1, 2)
                break
        else:
            if n >= len(items):
                break
            n = min(2 * n, len(items))
    if len(items) == 1 and reproduces([]):
        return []
    return items


def ops(text, sig, tools, workdir):
    """The minimized text of a reproducer whose run has signature sig."""
    lines = [l for l in text.splitlines()
             if l.strip() and not l.lstrip().startswith("#")]
    header = [l for l in lines if _is_header(l)]
    body = [l for l in lines if not _is_header(l)]
    path = os.path.join(workdir, "candidate.s2")
    tried = {}

    def reproduces(candidate):
        key = tuple(candidate)
        if key not in tried:
            with open(path, "w") as f:
                f.write("\n".join(candidate) + "\n")
            tried[key] = tools.run_text(path)[0] == sig
        return tried[key]

    body = ddmin(body, lambda b: reproduces(header + b))
    for line in list(header):
        rest = [h for h in header if h != line]
        if reproduces(rest + body):
            header = rest
    return "\n".join(header + body) + "\n"
