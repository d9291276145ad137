"""Server memory (RSS) around a real 30 MB import upload and its preview: python bench/bench_import_memory.py [records|spaces]

The real server (app.py) runs as a subprocess on 127.0.0.1 with a prepared data folder; the leader logs in,
uploads a 30 MB export (about 44 000 meetings, or one record and 30 MB of spaces) and opens the preview.
RSS is read from /proc (Linux) before, after the upload, after the preview, and its peak (VmHWM).
"""
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from browser_support import LEADER_PASSWORD, free_port, prepare_data

kind = sys.argv[1] if len(sys.argv) > 1 else "records"
tmp = Path(tempfile.mkdtemp())
prepare_data(tmp / "data")
port = free_port()
log = open(tmp / "server.log", "w")
server = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp / "data")],
                          stdout=log, stderr=subprocess.STDOUT)
base = f"http://127.0.0.1:{port}"
def rss() -> int:
    text = Path(f"/proc/{server.pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) // 1024
def hwm() -> int:
    text = Path(f"/proc/{server.pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) // 1024
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())
for _ in range(150):
    try:
        opener.open(base + "/healthz", timeout=1); break
    except Exception:
        time.sleep(0.1)
def token(path):
    page = opener.open(base + path).read().decode()
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
try:
    opener.open(base + "/leader/login", urllib.parse.urlencode({"csrf_token": token("/leader/login"), "password": LEADER_PASSWORD}).encode())
except urllib.error.HTTPError as error:
    assert error.code == 303, error.code
# A warm-up: open the import page once, so what is measured is the upload itself.
tok = token("/leader/import/")
time.sleep(1)
before = rss()
# 30 MB: a valid export of many meetings (a whole school year of a big project, and more).
stamp = "2026-11-01T08:00:00+00:00"
school = str(uuid.uuid4())
meetings, size = [], 0
if kind == "records":
    while size < 30 * 1024 * 1024:
        m = {"id": str(uuid.uuid4()), "created_at": stamp, "updated_at": stamp, "author": None, "device": None,
             "date": "2026-11-01", "school": school, "type": "planning", "attendees": [str(uuid.uuid4()) for _ in range(3)],
             "guests": "", "agenda": "Plan for uka", "notes": "Notater " * 30, "decisions": "Vi ble enige."}
        meetings.append(m); size += len(json.dumps(m)) + 2
    doc = {"format": "samskaping-export", "schema_version": 1, "exported_at": stamp, "installation": str(uuid.uuid4()),
           "filters": {}, "tables": {"schools": [{"id": school, "name": "Big", "created_at": stamp, "updated_at": stamp,
                                                   "author": None, "device": None}], "meetings": meetings}}
    data = json.dumps(doc).encode()
else:  # one small record and 30 MB of spaces
    doc = {"format": "samskaping-export", "schema_version": 1, "exported_at": stamp, "installation": str(uuid.uuid4()),
           "filters": {}, "tables": {}}
    data = json.dumps(doc).encode() + b" " * (30 * 1024 * 1024)
boundary = "----samskaping" + uuid.uuid4().hex
body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{tok}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.json\"\r\n"
        f"Content-Type: application/json\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
request = urllib.request.Request(base + "/leader/import/", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
started = time.monotonic()
try:
    response = opener.open(request); status, location = response.status, response.headers.get("Location")
except urllib.error.HTTPError as error:
    status, location = error.code, error.headers.get("Location")
upload_s = time.monotonic() - started
time.sleep(1)
after_upload = rss()
preview_status = None
if location:
    started = time.monotonic()
    preview = opener.open(base + location); preview_status = preview.status; preview.read()
    preview_s = time.monotonic() - started
time.sleep(1)
after_preview = rss()
print(f"file: {len(data)/1024/1024:.1f} MB ({kind}, {len(meetings)} meetings); upload -> HTTP {status} in {upload_s:.1f} s; preview -> {preview_status}"
      + (f" in {preview_s:.1f} s" if location else ""))
time.sleep(3)
print(f"server RSS: before {before} MB, after upload {after_upload} MB, after preview {after_preview} MB, 3 s later {rss()} MB, peak (VmHWM) {hwm()} MB")
server.terminate(); server.wait(10)
log.close()
