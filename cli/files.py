"""Files written so that no reader ever sees half of one: the content goes
to a temporary file beside the destination, which is then renamed over it
(and removed if writing fails)."""
import os
import tempfile


def write_atomically(path, write, mode=0o644):
    """Calls write(tmp) to fill a temporary file, then puts it at path."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".",
                               suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path, text):
    def write(tmp):
        with open(tmp, "w") as f:
            f.write(text)
    write_atomically(path, write)
