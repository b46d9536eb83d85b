#!/usr/bin/env python3
# check-journal.py — `sova agent` under a fake journal: in a private mount namespace a
# tmpfs on /run holds the two sockets journald listens on, /run/systemd/journal/stdout
# (the agent's stderr is connected to it, as systemd connects a unit's) and
# /run/systemd/journal/socket (where GLib's journald writer sends records). The agent, on
# libvirt's test driver, must then send its records there, with PRIORITY and, for each
# pin change, one record with SOVA_ACTION, SOVA_VM, SOVA_FROM, SOVA_TO, SOVA_REASON and
# SOVA_HOST — and print none of them as text on its stderr. Needs root (unshare -m);
# skipped (77) otherwise. Waits are bounds on a failure; the agent is stopped by PID.
# usage: check-journal.py SOVA
import os, signal, socket, struct, subprocess, sys

sova = os.path.abspath(sys.argv[1])
if os.environ.get("SOVA_FAKE_JOURNAL_NS") != "1":
    env = dict(os.environ, SOVA_FAKE_JOURNAL_NS="1")
    try:
        rc = subprocess.call(["unshare", "-m", "--propagation", "private", sys.executable,
                              os.path.abspath(__file__), sova], env=env)
    except OSError as e:
        print(f"skip: unshare: {e}")
        sys.exit(77)
    sys.exit(rc)

if subprocess.call(["mount", "-t", "tmpfs", "tmpfs", "/run"]) != 0:
    print("skip: cannot mount a tmpfs on /run in a private mount namespace")
    sys.exit(77)
os.makedirs("/run/systemd/journal")
records = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
records.bind("/run/systemd/journal/socket")
records.settimeout(30)   # a bound on a failure only
stdout_srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stdout_srv.bind("/run/systemd/journal/stdout")
stdout_srv.listen(1)
stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stream.connect("/run/systemd/journal/stdout")
conn, _ = stdout_srv.accept()

def parse(data):
    """journald's native protocol: KEY=value\\n, or KEY\\n<le64 size><value>\\n"""
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            size = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            v = data[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        fields[k.decode()] = v.decode()
    return fields

env = dict(os.environ)
env.pop("JOURNAL_STREAM", None)   # GLib must find the journal from stderr's peer
p = subprocess.Popen([sova, "agent", "--connect", "test:///default", "--interval", "0.2"],
                     stdout=subprocess.DEVNULL, stderr=stream.fileno(), env=env)
stream.close()
got, pins = [], []
try:
    while not pins:
        r = parse(records.recv(65536))
        got.append(r)
        if r.get("SOVA_ACTION") == "pin":
            pins.append(r)
except socket.timeout:
    pass
p.send_signal(signal.SIGTERM)
rc = p.wait(timeout=60)
try:
    records.settimeout(1)
    while True:
        got.append(parse(records.recv(65536)))
except socket.timeout:
    pass
conn.settimeout(1)
text = b""
try:
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        text += chunk
except socket.timeout:
    pass

fails = 0
def check(cond, what, extra=""):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        fails += 1
        print("    " + str(extra))

first = got[0] if got else {}
check(first.get("MESSAGE", "").startswith("sova agent on test:///default") and
      first.get("PRIORITY") == "6" and first.get("SYSLOG_IDENTIFIER") == "sova",
      "the start record went to the journal: MESSAGE, PRIORITY=6, SYSLOG_IDENTIFIER=sova", first)
pin = pins[0] if pins else {}
check(pin.get("SOVA_VM") == "test" and pin.get("SOVA_FROM") and pin.get("SOVA_TO") and
      pin.get("SOVA_REASON") and pin.get("SOVA_HOST") and pin.get("SOVA_RESULT") == "done" and
      pin.get("PRIORITY") == "6" and pin.get("MESSAGE", "").startswith("pin test vcpu"),
      "a pin change is one record with SOVA_ACTION=pin, SOVA_VM, SOVA_FROM, SOVA_TO, "
      "SOVA_REASON, SOVA_HOST, SOVA_RESULT", pin)
check(any(r.get("MESSAGE", "").startswith("sova agent stopped") for r in got) and rc == 0,
      "the stop record went to the journal too; exit 0", [r.get("MESSAGE") for r in got][-3:])
check(b"pin test" not in text and b"sova agent on" not in text,
      "no record was printed as text on stderr", text[:300])
if pins:
    print("a pin record as the journal got it:")
    for k in sorted(pin):
        print(f"    {k}={pin[k]}")
sys.exit(1 if fails else 0)
