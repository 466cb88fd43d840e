#!/usr/bin/env python3
"""Builds a large mboxrd for import and search benchmarks from the real mboxes in a corpus.

Usage: gen_mbox.py COUNT OUT.mbox [CORPUS_DIR]   (CORPUS_DIR defaults to ../shared/corpus)

Every mbox under CORPUS_DIR (files whose first line starts "From ") is read once; the messages
are then written again and again, round after round, until COUNT messages are out. In round k
each Message-ID, In-Reply-To and References id <x> becomes <k.x>, so every copy is a new message
and threads stay threads within their round. Dates are rewritten to rise steadily from
2000-01-01 (about 10 minutes apart), so the archive spans years and sorts like a real one.
Python 3.11, standard library only.
"""

import email.utils
import mailbox
import os
import re
import sys
import time

ID_HEADERS = re.compile(rb"^(message-id|in-reply-to|references):", re.I)
DATE_HEADER = re.compile(rb"^date:", re.I)
ANGLE = re.compile(rb"<([^<>\s]*)>")
FROM_LINE = re.compile(rb"^>*From ", re.M)
START = 946684800  # 2000-01-01T00:00:00Z
STEP = 600


def corpus_messages(root):
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    head = f.read(5)
            except OSError:
                continue
            if head != b"From ":
                continue
            try:
                box = mailbox.mbox(path, create=False)
                for key in box.keys():
                    raw = box.get_bytes(key)
                    if b"\n\n" in raw.replace(b"\r\n", b"\n") and len(raw) < 1 << 20:
                        out.append(raw.replace(b"\r\n", b"\n"))
            except Exception as e:  # a broken file in the corpus is skipped, not fatal
                print(f"skipping {path}: {e}", file=sys.stderr)
    return out


def rewrite(raw, round_no, index):
    head, sep, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    out = []
    mode = None  # what the current (possibly folded) header is
    has_id = False
    for line in lines:
        if line[:1] in (b" ", b"\t") and mode is not None:
            if mode == "id":
                line = ANGLE.sub(lambda m: b"<%d.%s>" % (round_no, m.group(1)), line)
            elif mode == "date":
                continue
            out.append(line)
            continue
        if ID_HEADERS.match(line):
            mode = "id"
            if line[:11].lower() == b"message-id:":
                has_id = True
            line = ANGLE.sub(lambda m: b"<%d.%s>" % (round_no, m.group(1)), line)
        elif DATE_HEADER.match(line):
            mode = "date"
            continue
        else:
            mode = "other"
        out.append(line)
    date = email.utils.formatdate(START + index * STEP, usegmt=True).encode()
    out.append(b"Date: " + date)
    if not has_id:
        out.append(b"Message-ID: <gen.%d.%d@bench.test>" % (round_no, index))
    body = FROM_LINE.sub(lambda m: b">" + m.group(0), body)
    return b"\n".join(out) + sep + body


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    count = int(sys.argv[1])
    target = sys.argv[2]
    root = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "corpus")
    messages = corpus_messages(root)
    if not messages:
        sys.exit(f"no mbox found under {root}")
    print(f"{len(messages)} corpus messages", file=sys.stderr)
    with open(target, "wb") as f:
        for i in range(count):
            round_no, k = divmod(i, len(messages))
            raw = rewrite(messages[k], round_no, i)
            stamp = time.asctime(time.gmtime(START + i * STEP))
            f.write(b"From bench@bench.test " + stamp.encode() + b"\n")
            f.write(raw)
            if not raw.endswith(b"\n"):
                f.write(b"\n")
            f.write(b"\n")


if __name__ == "__main__":
    main()
