#!/usr/bin/env python3
# check-reload.py — SIGHUP reloads sova.conf in a running `sova agent` and `sova controller`
# (src/cli/reload.c), on libvirt's test driver: a changed setting is applied at a later
# interval (the JSON records show it), a key that cannot change at run time is kept and a
# warning names it, an option given on the command line still overrides the file, and a
# broken file keeps the running configuration and logs FILE:LINE. The controller puts a
# host in maintenance, and takes it out again, by reload. Waits are bounds on a failure,
# never timed assertions; the daemons are stopped by PID.
# usage: check-reload.py SOVA
import json, os, signal, subprocess, sys, tempfile, threading, queue

sova = sys.argv[1]
fails = 0

def check(cond, what, extra=""):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        fails += 1
        if extra:
            print("    " + extra.replace("\n", "\n    "))

class Daemon:
    """a daemon whose JSON records (stdout) and log lines (stderr) are read as they come"""
    def __init__(self, args):
        self.p = subprocess.Popen([sova] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        self.records, self.log = queue.Queue(), queue.Queue()
        self.all_log = []
        threading.Thread(target=self.pump, args=(self.p.stdout, self.records), daemon=True).start()
        threading.Thread(target=self.pump, args=(self.p.stderr, self.log), daemon=True).start()

    def pump(self, f, q):
        for line in f:
            q.put(line)

    def record(self, pred, bound=30):
        """the first record (from now on) for which pred holds; None within the bound"""
        try:
            while True:
                r = json.loads(self.records.get(timeout=bound))
                if pred(r):
                    return r
        except queue.Empty:
            return None

    def log_line(self, text, bound=30):
        """the first log line (from now on) that contains text; None within the bound"""
        try:
            while True:
                l = self.log.get(timeout=bound)
                self.all_log.append(l)
                if text in l:
                    return l
        except queue.Empty:
            return None

    def hup(self):
        self.p.send_signal(signal.SIGHUP)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=90)
        return rc

def write(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)

def reserved0(r):
    return next(p["reserved"] for p in r["pcpus"] if p["id"] == 0)

def agent(tmp):
    conf = os.path.join(tmp, "agent.conf")
    write(conf, "[cpu]\ntarget-stddev = 5\n")
    d = Daemon(["agent", "--connect", "test:///default", "--config", conf, "--interval", "0.2",
                "--json"])
    check(d.record(lambda r: r["interval"] >= 2 and not reserved0(r)) is not None,
          "agent: runs, pCPU 0 not reserved")
    # reserved reloads; connect does not (kept, named); interval is the command line's
    # (the log lines come in this order: applied, overridden, kept)
    write(conf, "[agent]\nconnect = test:///nowhere\ninterval = 600\n[cpu]\nreserved = 0\n")
    d.hup()
    line = d.log_line("changed: applied from the next interval")
    check(line is not None and "[cpu] reserved" in line,
          "agent: the reload names the keys it applies", line or "")
    line = d.log_line("still override")
    check(line is not None and "[agent] interval" in line,
          "agent: the command line's --interval still overrides the file", line or "")
    line = d.log_line("only with a restart")
    check(line is not None and "[agent] connect" in line and "warning" in line,
          "agent: a key that cannot change at run time is kept, a warning names it", line or "")
    check(d.record(lambda r: reserved0(r)) is not None,
          "agent: pCPU 0 is reserved from a later interval on")
    # intervals keep coming at the command line's 0.2 s, not the file's 600 s
    n = d.record(lambda r: True)
    check(n is not None and d.record(lambda r: r["interval"] >= n["interval"] + 3) is not None,
          "agent: intervals go on at the command line's interval")
    # a broken file: the running configuration stays, FILE:LINE in the log
    write(conf, "[cpu]\nreserved = 1\ntarget-stddev = lots\n")
    d.hup()
    line = d.log_line("running configuration is kept")
    check(line is not None and f"{conf}:3:" in line and "target-stddev" in line,
          "agent: a broken file is refused with FILE:LINE, the running configuration kept",
          line or "".join(d.all_log))
    later = d.record(lambda r: True)
    later = d.record(lambda r: True) if later else None
    check(later is not None and reserved0(later) and
          not next(p["reserved"] for p in later["pcpus"] if p["id"] == 1),
          "agent: after the broken file, pCPU 0 still reserved, pCPU 1 not")
    check(d.stop() == 0, "agent: stops on SIGTERM, exit 0")

def host(r, name):
    return next(h for h in r["cluster"]["hosts"] if h["name"] == name)

def controller(tmp):
    conf = os.path.join(tmp, "ctl.conf")
    hosts = "[host a]\nuri = test:///default\n[host b]\nuri = test:///default\n"
    write(conf, "[controller]\nhosts = a;b\n" + hosts)
    d = Daemon(["controller", "--config", conf, "--interval", "0.2", "--json"])
    check(d.record(lambda r: not host(r, "b")["maintenance"]) is not None,
          "controller: runs, host b not in maintenance")
    write(conf, "[controller]\nhosts = a\n" + hosts + "maintenance = yes\n")
    d.hup()
    line = d.log_line("host b enters maintenance")
    check(line is not None, "controller: the reload puts host b in maintenance (logged)")
    line = d.log_line("only with a restart")
    check(line is not None and "[controller] hosts" in line,
          "controller: the host list is kept, a warning names it", line or "")
    check(d.record(lambda r: host(r, "b")["maintenance"] and len(r["cluster"]["hosts"]) == 2)
          is not None, "controller: host b is in maintenance, both hosts still managed")
    write(conf, "[controller]\nhosts = a;b\n" + hosts + "maintenance = no\n")
    d.hup()
    check(d.log_line("host b leaves maintenance") is not None and
          d.record(lambda r: not host(r, "b")["maintenance"]) is not None,
          "controller: a second reload takes host b out of maintenance")
    write(conf, "[controller]\nhosts = a;b\nthreshold = 2\n" + hosts)
    d.hup()
    line = d.log_line("running configuration is kept")
    check(line is not None and f"{conf}:3:" in line,
          "controller: a broken file (threshold out of range) is refused with FILE:LINE", line or "")
    check(d.stop() == 0, "controller: stops on SIGTERM, exit 0")

with tempfile.TemporaryDirectory() as tmp:
    agent(tmp)
    controller(tmp)
sys.exit(1 if fails else 0)
