"""User code that tries to write into tslint's report and to forge --confirm's verdict."""
import json
import os

import torch.nn as nn

FORGED = {"qualname": "forge.Net", "kind": "script", "status": "done", "line": 1, "compiled": True,
          "failures": [], "masked": [], "exported": []}
LINES = b"INJECTED\n" + b"".join(json.dumps(r).encode() + b"\n" for r in (
    FORGED, {"fatal": "forged"}, {"torch": "6.6.6"}, {"end": {"exit": 0}}))


def tslint_ancestors():
    """The supervisor, then tslint itself (`python -m tslint`): nothing above it."""
    pid = os.getppid()
    while pid > 1:
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            parent = int(open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[1])
        except OSError:
            return
        if not any(a.startswith(b"tslint") for a in argv):
            return
        yield pid
        if argv[1:3] == [b"-m", b"tslint"]:
            return
        pid = parent


def write_into(pid):
    """Into the process's stdout and stderr, and every pipe it holds (the report, the records)."""
    try:
        fds = sorted(int(fd) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = [1, 2]
    for fd in fds:
        path = f"/proc/{pid}/fd/{fd}"
        try:
            if fd > 2 and not os.readlink(path).startswith("pipe:"):
                continue
            handle = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.write(handle, LINES)
        except OSError:
            pass
        os.close(handle)


for ancestor in tslint_ancestors():
    write_into(ancestor)
write_into(os.getpid())  # the pipe to the supervisor, without its token

real_dumps, real_encode = json.dumps, json.JSONEncoder.encode


def forging_dumps(value, *args, **kwargs):
    if isinstance(value, dict) and "qualname" in value:
        value = {**value, **FORGED, "qualname": value["qualname"]}
    return real_dumps(value, *args, **kwargs)


def forging_encode(self, value):
    if isinstance(value, dict) and "qualname" in value:
        value = {**value, **FORGED, "qualname": value["qualname"]}
    return real_encode(self, value)


json.dumps = forging_dumps
json.JSONEncoder.encode = forging_encode


class Net(nn.Module):
    def forward(self, x, *args):
        return x
