#!/usr/bin/env python3
"""AutoCodeAI sandbox runner.

Resident mode (the container's main process): imports pytest once, then reads one JSON request per line on
stdin and answers one JSON line on stdout. Each pytest run or command is a forked child, so a run pays for
the fork, not for starting Python and importing pytest at half a CPU.

Setup mode (`runner.py setup <tool> ...`, in a separate container that may reach the network): runs pip or
git into /out and writes a tar of /out to stdout; the host forwards it into the run's workspace.
"""
import base64
import importlib
import io
import json
import os
import re
import selectors
import shutil
import signal
import sys
import tarfile
import time
import traceback

WORKSPACE = os.environ.get("AUTOCODE_WORKSPACE", "/workspace")
TMP = os.environ.get("TMPDIR", "/tmp")
MESSAGE_LIMIT = 8000


def warm_pytest():
    import pytest  # noqa: F401
    from _pytest.config import default_plugins

    for name in default_plugins:
        try:
            importlib.import_module("_pytest." + name)
        except Exception:
            pass
    import xml.etree.ElementTree  # noqa: F401


def safe_target(root, rel):
    rel = rel[2:] if rel.startswith("./") else rel
    rel = rel.rstrip("/")
    if not rel or rel.startswith("/") or "\\" in rel or "\0" in rel:
        raise ValueError("invalid path: %r" % rel)
    parts = rel.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("invalid path: %r" % rel)
    target = os.path.join(root, *parts)
    # A symlink planted by earlier model code must not redirect a write outside the workspace.
    parent = os.path.realpath(os.path.dirname(target))
    if parent != os.path.realpath(root) and not parent.startswith(os.path.realpath(root) + os.sep):
        raise ValueError("path escapes the workspace: %r" % rel)
    return target


def write_file(root, rel, data, mode=0o644):
    target = safe_target(root, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.islink(target):
        os.unlink(target)
    with open(target, "wb") as handle:
        handle.write(data)
    os.chmod(target, mode)


def clear_dir(root):
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def make_link(root, rel, target_text):
    # Created, never followed: safe_target resolved the link's parent inside the workspace, and a later entry under
    # the link is checked the same way, so a link cannot carry a write out of it.
    target = safe_target(root, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isdir(target) and not os.path.islink(target):
        shutil.rmtree(target)
    elif os.path.lexists(target):
        os.unlink(target)
    os.symlink(target_text, target)


def extract_tar(root, data, links=False):
    written, linked, skipped = 0, 0, []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        for member in archive:
            if member.isdir():
                os.makedirs(safe_target(root, member.name), exist_ok=True)
            elif member.isfile():
                source = archive.extractfile(member)
                write_file(root, member.name, source.read() if source else b"", member.mode & 0o755 or 0o644)
                written += 1
            elif links and member.issym() and member.linkname and "\0" not in member.linkname:
                make_link(root, member.name, member.linkname)
                linked += 1
            else:
                skipped.append(member.name)
    return written, linked, skipped


def oom_kills():
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path) as handle:
                for line in handle:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            continue
    return None


def cap(data, total, limit):
    text = bytes(data[:limit]).decode("utf-8", "replace")
    if total > limit:
        return text + "\n[... output truncated: %d more bytes ...]\n" % (total - limit), True
    return text, False


def parse_junit(path):
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    cases = []
    for case in root.iter("testcase"):
        status, message = "passed", None
        for tag, mapped in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            node = case.find(tag)
            if node is not None:
                status = mapped
                parts = [part for part in (node.get("message"), (node.text or "").strip()) if part]
                message = "\n".join(parts)[:MESSAGE_LIMIT]
                break
        cases.append(
            {
                "name": case.get("name", ""),
                "classname": case.get("classname", ""),
                "file": case.get("file"),
                "status": status,
                "message": message,
                "time": float(case.get("time") or 0),
            }
        )
    return cases


def parse_jest_json(path):
    with open(path) as handle:
        data = json.load(handle)
    cases = []
    statuses = {"passed": "passed", "failed": "failed", "pending": "skipped", "skipped": "skipped", "todo": "skipped", "disabled": "skipped"}
    for suite in data.get("testResults", []):
        file = os.path.relpath(suite.get("name", ""), WORKSPACE) if suite.get("name", "").startswith("/") else suite.get("name", "")
        results = suite.get("assertionResults", [])
        if not results and suite.get("status") == "failed":
            # A file that failed to load has no assertions: it is one error, not nothing.
            results = [{"fullName": "(load)", "status": "error", "failureMessages": [suite.get("message", "")]}]
        for case in results:
            cases.append({
                "name": case.get("fullName") or case.get("title", ""),
                "classname": file,
                "file": file,
                "status": statuses.get(case.get("status"), "error"),
                "message": "\n".join(case.get("failureMessages") or [])[:MESSAGE_LIMIT] or None,
                "time": float(case.get("duration") or 0) / 1000,
            })
    return cases


def parse_tap(path):
    """node:test's TAP: `ok N - name` / `not ok N - name`, subtests indented; a leaf is named after its parents."""
    line_re = re.compile(r"^(\s*)(not ok|ok) \d+ - (.*?)(\s+#\s*(SKIP|TODO).*)?$")
    with open(path) as handle:
        lines = handle.read().splitlines()
    pending = []
    for line in lines:
        match = line_re.match(line)
        if not match:
            continue
        depth = len(match.group(1)) // 4
        name = match.group(3).strip()
        # Children are printed before their parent; a parent line closes the leaves collected below it.
        children = [c for c in pending if c[0] > depth]
        pending = [c for c in pending if c[0] <= depth]
        for _, case in children:
            case["name"] = name + " > " + case["name"]
        if children:
            if match.group(2) == "not ok" and not any(c["status"] == "failed" for _, c in children):
                children.append((depth, {"name": name, "classname": "node:test", "file": None, "status": "failed", "message": "the suite itself failed", "time": 0.0}))
            pending.extend((depth, case) for _, case in children)
            continue
        status = "skipped" if match.group(5) else ("failed" if match.group(2) == "not ok" else "passed")
        pending.append((depth, {"name": name, "classname": "node:test", "file": None, "status": status, "message": None, "time": 0.0}))
    return [case for _, case in pending]


REPORT_PARSERS = {"junit": lambda path: parse_junit(path), "jest-json": lambda path: parse_jest_json(path), "tap": lambda path: parse_tap(path)}


def run_child(target, limit, timeout_s, protocol_fds, live=None):
    """Fork, run target() in the child with piped output, collect capped output until exit or timeout.

    live: two file paths that also get the output as it arrives (the host reads them while the child runs).
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    oom_before = oom_kills()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            try:
                # The child, not the resident runner, is the one the OOM killer should pick.
                with open("/proc/self/oom_score_adj", "w") as handle:
                    handle.write("1000")
            except OSError:
                pass
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            for fd in (null, out_r, out_w, err_r, err_w, *protocol_fds):
                os.close(fd)
            os.chdir(WORKSPACE)
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            code = target()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 3
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code if isinstance(code, int) else 1)

    os.close(out_w)
    os.close(err_w)
    deadline = started + timeout_s
    buffers = {out_r: bytearray(), err_r: bytearray()}
    totals = {out_r: 0, err_r: 0}
    tees = {}
    if live:
        for fd, path in zip((out_r, err_r), live):
            tees[fd] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    selector = selectors.DefaultSelector()
    for fd in (out_r, err_r):
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    status, timed_out, exited_at = None, False, None

    def drain(fd):
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return True
            if not chunk:
                selector.unregister(fd)
                os.close(fd)
                return False
            totals[fd] += len(chunk)
            if fd in tees:
                os.write(tees[fd], chunk)
            room = limit - len(buffers[fd])
            if room > 0:
                buffers[fd] += chunk[:room]

    while True:
        now = time.monotonic()
        if status is None:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status, exited_at = raw, now
        if status is None and now >= deadline:
            timed_out = True
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            _, status = os.waitpid(pid, 0)
        if not selector.get_map():
            if status is not None:
                break
        elif status is not None and (timed_out or now - exited_at > 0.2):
            # Grandchildren may hold the pipes open; what they have not written 200 ms after exit is dropped.
            for key in list(selector.get_map().values()):
                if drain(key.fd):
                    selector.unregister(key.fd)
                    os.close(key.fd)
            break
        for key, _ in selector.select(0.02):
            drain(key.fd)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    for fd, path in zip((out_r, err_r), live or ()):
        os.close(tees[fd])
        try:
            os.unlink(path)
        except OSError:
            pass
    duration = time.monotonic() - started
    oom_after = oom_kills()
    stdout, stdout_truncated = cap(buffers[out_r], totals[out_r], limit)
    stderr, stderr_truncated = cap(buffers[err_r], totals[err_r], limit)
    exit_code, signal_name = None, None
    if os.WIFEXITED(status):
        exit_code = os.WEXITSTATUS(status)
    elif os.WIFSIGNALED(status):
        signal_name = signal.Signals(os.WTERMSIG(status)).name
    return {
        "exitCode": exit_code,
        "signal": signal_name,
        "timedOut": timed_out,
        "oomKilled": oom_before is not None and oom_after is not None and oom_after > oom_before,
        "stdout": stdout,
        "stderr": stderr,
        "stdoutTruncated": stdout_truncated,
        "stderrTruncated": stderr_truncated,
        "durationMs": round(duration * 1000, 1),
    }


def handle(request, protocol_fds):
    op = request.get("op")
    limit = int(request.get("outputLimit", 262144))
    timeout_s = float(request.get("timeoutMs", 30000)) / 1000
    if op == "ping":
        return {"pong": True}
    if op == "reset":
        clear_dir(WORKSPACE)
        return {}
    if op == "write":
        if request.get("reset"):
            clear_dir(WORKSPACE)
        for item in request.get("files", []):
            write_file(WORKSPACE, item["path"], item["content"].encode("utf-8"))
        return {"written": len(request.get("files", []))}
    if op == "untar":
        dest = request.get("dest", "") or ""
        root = safe_target(WORKSPACE, dest) if dest else WORKSPACE
        # The destination itself may be a link planted by model code: what it resolves to must be in the workspace.
        real, base = os.path.realpath(root), os.path.realpath(WORKSPACE)
        if real != base and not real.startswith(base + os.sep):
            raise ValueError("dest escapes the workspace: %r" % dest)
        written, linked, skipped = extract_tar(root, base64.b64decode(request["tar"]), request.get("links") is True)
        return {"written": written, "linked": linked, "skipped": skipped}
    if op == "pytest":
        report = os.path.join(TMP, "autocode-junit-%d-%s.xml" % (os.getpid(), request.get("id", "x")))
        args = [str(arg) for arg in request.get("args", [])]

        def target():
            import pytest

            sys.argv = ["pytest"]
            sys.path.insert(0, WORKSPACE)
            # xunit1 keeps the file attribute on each testcase.
            return int(pytest.main([*args, "--junitxml=" + report, "-o", "junit_family=xunit1", "-p", "no:cacheprovider"]))

        live = request.get("live")
        # Only plain file names under TMP: the host chooses them, and nothing else may be truncated.
        if live is not None and not (isinstance(live, list) and len(live) == 2 and all(isinstance(p, str) and re.fullmatch(r"autocode-live-[A-Za-z0-9-]+\.(out|err)", p) for p in live)):
            raise ValueError("live must be two autocode-live-*.out/.err names")
        live = [os.path.join(TMP, p) for p in live] if live else None
        result = run_child(target, limit, timeout_s, protocol_fds, live)
        try:
            result["tests"] = parse_junit(report)
        except FileNotFoundError:
            result["tests"] = None
        except Exception as exc:  # a truncated report (killed mid-write) is a missing report
            result["tests"] = None
            result["reportError"] = "unreadable JUnit report: %s" % exc
        finally:
            try:
                os.unlink(report)
            except OSError:
                pass
        return result
    if op == "exec":
        argv = [str(arg) for arg in request["argv"]]
        cwd = request.get("cwd")
        report_format = request.get("reportFormat")
        report = os.path.join(TMP, "autocode-report-%d-%s" % (os.getpid(), request.get("id", "x")))
        if report_format:
            # A test suite: its reporter writes here, and pass/fail comes from this file plus the exit code.
            argv = [arg.replace("{report}", report) for arg in argv]

        def target():
            if cwd:
                os.chdir(safe_target(WORKSPACE, cwd))
            try:
                os.execvp(argv[0], argv)
            except OSError as exc:
                sys.stderr.write("cannot run %s: %s\n" % (argv[0], exc.strerror))
                return 127

        result = run_child(target, limit, timeout_s, protocol_fds)
        if report_format:
            try:
                result["tests"] = REPORT_PARSERS[report_format](report)
            except FileNotFoundError:
                result["tests"] = None
            except Exception as exc:
                result["tests"] = None
                result["reportError"] = "unreadable %s report: %s" % (report_format, exc)
            finally:
                try:
                    os.unlink(report)
                except OSError:
                    pass
        return result
    raise ValueError("unknown op: %r" % op)


def serve():
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    # Stray prints (ours or a forked child's) must never corrupt the protocol channel.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    reader = os.fdopen(proto_in, "rb", buffering=1 << 16, closefd=False)

    def send(message):
        data = (json.dumps(message) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(proto_out, view):]

    try:
        warm_pytest()
        send({"ready": True, "python": sys.version.split()[0], "uid": os.getuid(), "untarLinks": True})
    except Exception as exc:
        send({"ready": False, "error": "cannot import pytest: %s" % exc})
    for line in reader:
        if not line.strip():
            continue
        request = {}
        try:
            request = json.loads(line)
            response = handle(request, (proto_in, proto_out))
            response.update({"id": request.get("id"), "ok": True})
        except Exception as exc:
            response = {"id": request.get("id"), "ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
        send(response)


NETWORK_UNREACHABLE = 75


def probe(url, timeout=5):
    import urllib.request

    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout).close()
        return None
    except Exception as exc:  # HTTP errors still prove the network works
        if getattr(exc, "code", None):
            return None
        return str(getattr(exc, "reason", exc))


def setup(argv):
    """Network-enabled helper: install or clone into /out, then stream /out as tar on stdout."""
    out_dir = "/out"
    tool, args = argv[0], argv[1:]
    stream = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    if tool == "pip-install":
        # pip with --retries 0 only says "from versions: none" when offline; probe the index to say why.
        index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/")
        problem = probe(index)
        if problem:
            sys.stderr.write("network unreachable: cannot reach the package index %s (%s)\n" % (index, problem))
            return NETWORK_UNREACHABLE
        command = [sys.executable, "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
                   "--no-cache-dir", "--retries", "0", "--timeout", "8", "--target", os.path.join(out_dir, ".packages"),
                   "--", *args]
    elif tool == "git-clone":
        command = ["git", "clone", "--depth", "50", "--", args[0], os.path.join(out_dir, args[1])]
    else:
        sys.stderr.write("unknown setup tool %s\n" % tool)
        return 2
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        return code if code > 0 else 128 - code
    with tarfile.open(fileobj=stream, mode="w|") as archive:
        for name in sorted(os.listdir(out_dir)):
            archive.add(os.path.join(out_dir, name), arcname=name)
    stream.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        sys.exit(setup(sys.argv[2:]))
    serve()
