#!/usr/bin/env python3
# check-notify.py — sd_notify(3) from `sova agent` and `sova controller` (src/cli/notify.c):
# a NOTIFY_SOCKET this test creates; READY=1 with the first interval's STATUS=, a STATUS=
# per interval, STOPPING=1 on SIGTERM (stopped by PID), WATCHDOG=1 only when WATCHDOG_USEC
# is set for the child's PID. Waits are bounds on a failure, not timed assertions.
# usage: check-notify.py SOVA
import os, signal, socket, subprocess, sys, tempfile

sova = sys.argv[1]
fails = 0

def check(cond, what, msgs):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        fails += 1
        for m in msgs:
            print("    " + m.replace("\n", " | "))

def run(name, args, watchdog):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(30)   # a bound on a failure only
        env = dict(os.environ, NOTIFY_SOCKET=path)
        env.pop("WATCHDOG_USEC", None)
        env.pop("WATCHDOG_PID", None)
        cmd = [sova] + args
        if watchdog:
            # WATCHDOG_PID must be the child's: the shell's $$ is kept by exec
            env["WATCHDOG_USEC"] = "200000"
            cmd = ["sh", "-c", 'WATCHDOG_PID=$$ exec "$@"', "sh"] + cmd
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        msgs = []
        try:
            while sum("STATUS=interval" in m for m in msgs) < 3 or \
                    (watchdog and not any("WATCHDOG=1" in m.split("\n") for m in msgs)):
                msgs.append(sock.recv(4096).decode())
        except socket.timeout:
            pass
        p.send_signal(signal.SIGTERM)
        rest = []
        sock.settimeout(0.1)
        for _ in range(600):   # read until it exits (60 s at most): a full queue blocks it
            try:
                rest.append(sock.recv(4096).decode())
            except socket.timeout:
                if p.poll() is not None:
                    break
        rc = p.wait(timeout=60)
        sock.close()
    lines = lambda m: m.split("\n")
    statuses = [m for m in msgs if any(l.startswith("STATUS=interval ") for l in lines(m))]
    first = next((m for m in msgs if "WATCHDOG=1" not in lines(m) or "STATUS=" in m), "")
    check("READY=1" in lines(first) and "STATUS=interval 1:" in first,
          f"{name}: READY=1 with the first interval's status, nothing before it", msgs)
    check(sum("READY=1" in lines(m) for m in msgs) == 1, f"{name}: READY=1 once", msgs)
    nums = [int(l.split()[1].rstrip(":")) for m in statuses for l in lines(m)
            if l.startswith("STATUS=interval ")]
    check(len(nums) >= 3 and nums == list(range(1, len(nums) + 1)),
          f"{name}: a STATUS= line per interval, numbered 1, 2, 3...", msgs)
    pinged = any("WATCHDOG=1" in lines(m) for m in msgs + rest)
    check(pinged == watchdog, f"{name}: WATCHDOG=1 {'sent' if watchdog else 'not sent'} "
          f"{'with' if watchdog else 'without'} WATCHDOG_USEC", msgs + rest)
    check(any("STOPPING=1" in lines(m) for m in rest) and rc == 0,
          f"{name}: STOPPING=1 on SIGTERM, exit 0 (exit {rc})", rest)

agent = ["agent", "--connect", "test:///default", "--interval", "0.2"]
ctl = ["controller", "--host", "test:///default", "--host", "test:///default", "--interval", "0.2"]
run("agent", agent, False)
run("agent with a watchdog", agent, True)
run("controller", ctl, False)
run("controller with a watchdog", ctl, True)
sys.exit(1 if fails else 0)
